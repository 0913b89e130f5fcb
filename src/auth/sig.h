/*
 * sig.h - Huawei Cloud AK/SK request signatures
 * (docs/API.md#authentication): the canonical request built from the raw
 * parts of a request, the string to sign, and the signature.  One module,
 * two users: the server's verifier (auth/authn.c) and the CLI's signer
 * (client/).  Algorithms: SDK-HMAC-SHA256 (the SDK default),
 * SDK-HMAC-SM3, SDK-ECDSA-P256-SHA256 and SDK-SM2-SM3, whose key pairs
 * are derived from AK and SK.  Knows nothing of HTTP servers, key storage
 * or principals.  The parts: sig_int.h.
 */
#ifndef WJ_SIG_H
#define WJ_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"
#include "../util/err.h"

#define SIG_AK_MAX 128
#define SIG_SIGNED_HEADERS_MAX 1024
#define SIG_SIGNATURE_MAX 256	/* hex; a DER P-256/SM2 one is <= 144 */
#define SIG_ALG_MAX 32
#define SIG_EC_LEN 32		/* P-256 and SM2 scalars and coordinates */

/*
 * The algorithm tokens of the Authorization header.  2 is never
 * assigned: tests/unit/auth/test_sig.c probes it as an unknown value.
 */
enum sig_alg {
	SIG_ALG_HMAC_SHA256 = 1,	/* SDK-HMAC-SHA256 */
	SIG_ALG_HMAC_SM3 = 3,		/* SDK-HMAC-SM3 */
	SIG_ALG_ECDSA_P256_SHA256 = 4,	/* SDK-ECDSA-P256-SHA256 */
	SIG_ALG_SM2_SM3 = 5,		/* SDK-SM2-SM3 */
};

/* Sets of algorithms, for sig_parse_authorization_algs. */
#define SIG_ALG_MASK(alg)	(1u << (alg))
#define SIG_ALGS_DEFAULT	SIG_ALG_MASK(SIG_ALG_HMAC_SHA256)
#define SIG_ALGS_ALL		(SIG_ALG_MASK(SIG_ALG_HMAC_SHA256) | \
				 SIG_ALG_MASK(SIG_ALG_HMAC_SM3) | \
				 SIG_ALG_MASK(SIG_ALG_ECDSA_P256_SHA256) | \
				 SIG_ALG_MASK(SIG_ALG_SM2_SM3))

/* A request header as received (name in any case, value untrimmed). */
struct sig_header {
	const char *name;
	const char *value;
};

/* The parts of a request that signing covers, exactly as on the wire. */
struct sig_request {
	const char *method;		/* "GET", "POST", ... */
	const char *path;		/* raw request path, percent-encoded */
	const char *query;		/* raw query without '?', or NULL */
	const struct sig_header *headers;
	size_t	    n_headers;
	const void *body;		/* may be NULL when body_len is 0 */
	size_t	    body_len;
};

/* A parsed Authorization header. */
struct sig_auth {
	int	alg;				/* enum sig_alg */
	char	access_key[SIG_AK_MAX + 1];
	char	signed_headers[SIG_SIGNED_HEADERS_MAX + 1];
	char	signature[SIG_SIGNATURE_MAX + 1];
};

/*
 * Parse "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex"
 * (optional spaces after commas, parts in any order).  WJ_ERR_AUTH with
 * the reason in ei for an unknown algorithm or a malformed header.
 * Accepts SDK-HMAC-SHA256 only: sig_parse_authorization_algs(value,
 * SIG_ALGS_DEFAULT, out, ei).
 */
int	sig_parse_authorization(const char *value, struct sig_auth *out,
	    struct wj_errinfo *ei) WJ_WUR;
/*
 * As sig_parse_authorization, accepting the algorithms in the set
 * accept (SIG_ALG_MASK bits); any other token, known or not, is an
 * "unsupported signature algorithm".
 */
int	sig_parse_authorization_algs(const char *value, unsigned accept,
	    struct sig_auth *out, struct wj_errinfo *ei) WJ_WUR;

/*
 * Parse an X-Sdk-Date "YYYYMMDDTHHMMSSZ" into UTC milliseconds.
 */
int	sig_parse_date(const char *s, int64_t *ms) WJ_WUR;
/* Format ms as an X-Sdk-Date into out[17]. */
void	sig_format_date(int64_t ms, char out[17]);

/* How to build the canonical URI: the official SDKs differ. */
enum sig_uri_mode {
	SIG_URI_DECODE = 0,	/* Python SDK: decode fully, re-encode */
	SIG_URI_RAW = 1,	/* Node.js SDK: encode the raw segments */
};

/*
 * Append the canonical request of req for the given SignedHeaders list
 * ("a;b;c") to out.  alg picks the payload hash and its header: SHA-256
 * and X-Sdk-Content-Sha256, or for the SM3 family SM3 and
 * X-Sdk-Content-Sm3.  WJ_ERR_AUTH (reason in ei) if a signed header is
 * missing from req or alg is unknown.
 */
int	sig_canonical_request(const struct sig_request *req,
	    const char *signed_headers, int alg, int uri_mode, struct buf *out,
	    struct wj_errinfo *ei) WJ_WUR;

/*
 * Check a request against its parsed Authorization and the secret key:
 * requires host and x-sdk-date among the signed headers, tries both URI
 * modes and, for an empty body with an X-Sdk-Content-Sha256 (SM3 family:
 * X-Sdk-Content-Sm3) header, both payload-hash variants.  HMAC
 * signatures are compared in constant time; for SDK-ECDSA-P256-SHA256
 * and SDK-SM2-SM3 the public key is derived from auth->access_key and sk
 * (sig_derive_key) and the DER signature checked with it.  For SM2 the
 * Z value is the SDK's (minimal-length integers); when a key coordinate
 * starts with a zero byte, the GB/T 32918 Z (fixed 32-byte fields, other
 * SDKs) is accepted too.
 * Does not check the date's skew (the caller knows the clock).
 * 0 on a match; WJ_ERR_AUTH with the reason in ei otherwise
 * (WJ_ERR_INVALID for bad arguments, WJ_ERR_CRYPTO if libcrypto fails).
 */
int	sig_verify(const struct sig_request *req, const struct sig_auth *auth,
	    const char *sk, size_t sk_len, struct wj_errinfo *ei) WJ_WUR;

/*
 * Client side: sign req, whose headers must already include Host and
 * X-Sdk-Date (and whatever else is to be signed: every header of req is
 * signed).  Writes the Authorization header value into *out (malloc'd).
 */
int	sig_sign(const struct sig_request *req, const char *ak, const char *sk,
	    char **out) WJ_WUR;
/*
 * sig_sign with any algorithm of enum sig_alg.  ECDSA and SM2 signatures
 * use a fresh random k (as the SDKs do), so only verification of them
 * is reproducible.  WJ_ERR_INVALID for an unknown algorithm.
 */
int	sig_sign_alg(const struct sig_request *req, int alg, const char *ak,
	    const char *sk, char **out) WJ_WUR;

/*
 * The key pair of SDK-ECDSA-P256-SHA256 or SDK-SM2-SM3 for ak and
 * sk[0..sk_len): priv (may be NULL) receives d,
 * pub receives x then y, each SIG_EC_LEN bytes big-endian.  The caller
 * wipes priv.  WJ_ERR_INVALID for another algorithm or an empty or
 * oversized AK/SK; WJ_ERR_CRYPTO if no counter 0..254 yields a key.
 */
int	sig_derive_key(int alg, const char *ak, const char *sk, size_t sk_len,
	    uint8_t priv[SIG_EC_LEN], uint8_t pub[2 * SIG_EC_LEN]) WJ_WUR;

/* RFC 3986 percent-encoding of s[0..n) (unreserved kept, %XX upper). */
int	sig_uri_encode(struct buf *out, const char *s, size_t n) WJ_WUR;
/*
 * Percent-decode s[0..n) into out; with plus_space, '+' becomes ' '.
 * A '%' not followed by two hex digits is kept literally.
 */
int	sig_uri_decode(struct buf *out, const char *s, size_t n,
	    int plus_space) WJ_WUR;

#endif
