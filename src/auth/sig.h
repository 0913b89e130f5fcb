/*
 * sig.h - Huawei Cloud AK/SK request signatures (spec/auth.md §2):
 * the canonical request built from the raw parts of a request, the
 * string to sign, and the signature.  One module, two users: the
 * server's verifier (auth/authn.c) and the CLI's signer (client/).
 * Algorithms: SDK-HMAC-SHA256 (the SDK default).  Knows nothing of
 * HTTP servers, keys storage or principals.
 */
#ifndef WJ_SIG_H
#define WJ_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"
#include "../util/err.h"

#define SIG_AK_MAX 128
#define SIG_SIGNED_HEADERS_MAX 1024
#define SIG_SIGNATURE_MAX 256	/* hex; room for DER signatures later */
#define SIG_ALG_MAX 32

enum sig_alg {
	SIG_ALG_HMAC_SHA256 = 1,
};

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
 */
int	sig_parse_authorization(const char *value, struct sig_auth *out,
	    struct wj_errinfo *ei) WJ_WUR;

/*
 * Parse an X-Sdk-Date "YYYYMMDDTHHMMSSZ" into UTC milliseconds.
 */
int	sig_parse_date(const char *s, int64_t *ms) WJ_WUR;
/* Format ms as an X-Sdk-Date into out[17]. */
void	sig_format_date(int64_t ms, char out[17]);

/* How to build the canonical URI (spec/auth.md §2.2-7 and §2.6). */
enum sig_uri_mode {
	SIG_URI_DECODE = 0,	/* Python SDK: decode fully, re-encode */
	SIG_URI_RAW = 1,	/* Node.js SDK: encode the raw segments */
};

/*
 * Append the canonical request of req for the given SignedHeaders list
 * ("a;b;c") to out.  WJ_ERR_AUTH (reason in ei) if a signed header is
 * missing from req.
 */
int	sig_canonical_request(const struct sig_request *req,
	    const char *signed_headers, int alg, int uri_mode, struct buf *out,
	    struct wj_errinfo *ei) WJ_WUR;

/*
 * Check a request against its parsed Authorization and the secret key:
 * requires host and x-sdk-date among the signed headers, tries both URI
 * modes and, for an empty body with an X-Sdk-Content-Sha256 header, both
 * payload-hash variants (spec/auth.md §2.3-6); constant-time compare.
 * Does not check the date's skew (the caller knows the clock).
 * 0 on a match; WJ_ERR_AUTH with the reason in ei otherwise.
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

/* RFC 3986 percent-encoding of s[0..n) (unreserved kept, %XX upper). */
int	sig_uri_encode(struct buf *out, const char *s, size_t n) WJ_WUR;
/*
 * Percent-decode s[0..n) into out; with plus_space, '+' becomes ' '.
 * A '%' not followed by two hex digits is kept literally.
 */
int	sig_uri_decode(struct buf *out, const char *s, size_t n,
	    int plus_space) WJ_WUR;

#endif
