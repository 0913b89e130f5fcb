/*
 * sig_int.h - what the parts of the signature module share and no other
 * module sees: the limits, a row of the algorithm table, the canonical
 * request in pieces, the derived EC/SM2 key, and the helpers each part
 * calls in another.  sig.h is the public contract.
 *
 *   sig.c        the driver: the algorithm table, verify and sign
 *   sig_canon.c  the canonical request
 *   sig_ec.c     the EC/SM2 key derivation and signatures
 *   sig_parse.c  the Authorization header and X-Sdk-Date
 */
#ifndef WJ_SIG_INT_H
#define WJ_SIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "../util/buf.h"
#include "../util/err.h"
#include "../util/time.h"
#include "sig.h"

#define SIG_DATE_HEADER		"x-sdk-date"
#define SIG_DATE_LEN		WJ_TIME_SDK_LEN
#define SIG_MD_LEN		32	/* SHA-256 and SM3 alike */
#define SIG_HASH_HEX_LEN	(2 * SIG_MD_LEN)
/* StringToSign: "ALG" "\n" date "\n" hex hash */
#define SIG_STS_MAX		(SIG_ALG_MAX + SIG_DATE_LEN + SIG_HASH_HEX_LEN + 2)
#define SIG_METHOD_MAX		32	/* more than any HTTP method */
#define SIG_SK_MAX		1024	/* HMAC key; ours have 40 bytes */
#define SIG_AUTH_VALUE_MAX	4096	/* AK, list and hex fit */
#define SIG_DER_MAX		(SIG_SIGNATURE_MAX / 2)
/* Key derivation tries counters 0..254. */
#define SIG_DERIVE_TRIES	255
/* One name and ';' per header: at most this many signed headers. */
#define SIG_SIGN_HEADERS_MAX	(SIG_SIGNED_HEADERS_MAX / 2)
/*
 * Ceiling of one canonical request.  Each signed value is at most
 * WJ_HEADER_VALUE_MAX; the whole stays far below what a signer sends
 * (a few hundred bytes, a few KB with X-Security-Token).
 */
#define SIG_CANONICAL_MAX	(256 * 1024)

enum alg_kind {
	KIND_HMAC,
	KIND_ECDSA,
	KIND_SM2,
};

/* What one algorithm does its own way; all else is shared. */
struct alg {
	int		 id;		/* enum sig_alg */
	const char	*name;		/* Authorization, StringToSign prefix */
	const char	*content;	/* unsigned-payload header, lower case */
	const char	*empty_hash;	/* hex hash of no body */
	const EVP_MD	*(*md)(void);	/* every hash, HMAC, key derivation */
	int		 kind;		/* enum alg_kind */
	int		 nid;		/* curve of ECDSA and SM2 */
	const char	*keytype;	/* EVP key type */
	const char	*group;		/* EVP group name */
};

/* The row of algorithm id, or NULL. */
const struct alg *sig_alg_get(int id);
/* The row whose Authorization token is name[0..n), or NULL. */
const struct alg *sig_alg_by_name(const char *name, size_t n);
/* Lower-case hex of the algorithm's hash of p[0..n). */
int	sig_md_hex(const struct alg *, const void *p, size_t n,
	    char out[SIG_HASH_HEX_LEN + 1]) WJ_WUR;

/* ---- the canonical request (sig_canon.c) ---- */

/* The canonical request in pieces, so verify can try its variants. */
struct canon {
	struct buf	 head;		/* METHOD "\n" */
	struct buf	 uri[2];	/* indexed by enum sig_uri_mode */
	struct buf	 tail;		/* \n query \n headers \n list \n */
	const char	*content;	/* X-Sdk-Content-Sha256/-Sm3 value */
	char		 body_hash[SIG_HASH_HEX_LEN + 1];
};

void	sig_canon_init(struct canon *);
void	sig_canon_free(struct canon *);
/*
 * Build every piece of the canonical request but the payload hash.
 * modes is a bit mask of (1 << enum sig_uri_mode).
 */
int	sig_canon_build(const struct sig_request *, const struct alg *,
	    const char *list, int modes, struct canon *,
	    struct wj_errinfo *) WJ_WUR;
/* The payload hash as the Python SDK computes it. */
const char *sig_python_payload_hash(const struct sig_request *,
	    const struct canon *);
/* Append the canonical request with URI mode and payload hash to out. */
int	sig_canon_assemble(const struct canon *, int mode, const char *hash,
	    struct buf *out) WJ_WUR;
/*
 * Find the one received header called name[0..n) (any case).  0 with
 * *value NULL when absent; WJ_ERR_AUTH when it is repeated.
 */
int	sig_find_header(const struct sig_request *, const char *name,
	    size_t n, const char **value, struct wj_errinfo *) WJ_WUR;
/* Whether name is in the ';'-separated list (any case). */
int	sig_list_has(const char *list, const char *name);
/* Trim s[0..*n) in place as Python's str.strip() would. */
const char *sig_trim(const char *s, size_t *n);
/* RFC 9110 token character (method and header names). */
int	sig_is_tchar(unsigned char c);
/* ASCII lower case of c. */
unsigned char sig_lower(unsigned char c);

/* ---- ECDSA and SM2 (sig_ec.c) ---- */

/* A key for one request, and what SM2 hashes in front of the message. */
struct ec_key {
	EVP_PKEY	*pkey;
	uint8_t		 z[2][SIG_MD_LEN];	/* SM2: SDK Z, GB/T Z */
	int		 nz;
};

void	sig_ec_key_free(struct ec_key *);
/* The key pair (with_priv) or public key of a for AK and SK. */
int	sig_ec_key_derive(const struct alg *, const char *ak, const char *sk,
	    size_t sk_len, int with_priv, struct ec_key *) WJ_WUR;
/*
 * Set *match when der[0..len) is a's signature of sts[0..n) under k
 * (for SM2, under either Z); WJ_ERR_CRYPTO if libcrypto fails.
 */
int	sig_ec_verify(const struct alg *, const struct ec_key *,
	    const char *sts, size_t n, const uint8_t *der, size_t len,
	    int *match) WJ_WUR;
/* Hex of a's DER signature of sts[0..n) with the private key in k. */
int	sig_ec_sign_hex(const struct alg *, const struct ec_key *,
	    const char *sts, size_t n, char out[SIG_SIGNATURE_MAX + 1]) WJ_WUR;

/* ---- X-Sdk-Date (sig_parse.c) ---- */

/* The X-Sdk-Date value of req, trimmed, checked and copied into date. */
int	sig_get_date(const struct sig_request *,
	    char date[SIG_DATE_LEN + 1], struct wj_errinfo *) WJ_WUR;

#endif
