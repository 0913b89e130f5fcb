/*
 * sig.c - AK/SK request signatures (spec/auth.md §2): SDK-HMAC-SHA256,
 * SDK-HMAC-SM3, SDK-ECDSA-P256-SHA256 and SDK-SM2-SM3 (§2.5).
 *
 * The canonical request is rebuilt from the raw parts of a request only:
 * the raw path, the raw query, the received headers, the body bytes.
 * One code path serves every algorithm; what differs (hash, unsigned-
 * payload header, signature primitive) is a row of algs[].
 * The verifier tolerates the differences between the official SDKs listed
 * in spec/auth.md §2.6 (canonical URI with and without decoding, the
 * payload hash of an empty body with X-Sdk-Content-Sha256).  Key lookup,
 * clock skew and AK lock-out are the caller's business (auth/authn.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "../model/limits.h"
#include "../util/crypto.h"
#include "../util/time.h"
#include "sig.h"

#define SIG_DATE_HEADER		"x-sdk-date"
#define SIG_DATE_LEN		WJ_TIME_SDK_LEN
#define SIG_MD_LEN		32	/* SHA-256 and SM3 alike */
#define SIG_HASH_HEX_LEN	(2 * SIG_MD_LEN)
/* "ALG" "\n" date "\n" hex hash (§2.2-11) */
#define SIG_STS_MAX		(SIG_ALG_MAX + SIG_DATE_LEN + SIG_HASH_HEX_LEN + 2)
#define SIG_METHOD_MAX		32	/* more than any HTTP method */
#define SIG_SK_MAX		1024	/* HMAC key; ours have 40 bytes */
#define SIG_AUTH_VALUE_MAX	4096	/* AK, list and hex fit */
#define SIG_DER_MAX		(SIG_SIGNATURE_MAX / 2)
/* §2.5: key derivation tries counters 0..254. */
#define SIG_DERIVE_TRIES	255
/* One name and ';' per header: at most this many signed headers. */
#define SIG_SIGN_HEADERS_MAX	(SIG_SIGNED_HEADERS_MAX / 2)
/*
 * Ceiling of one canonical request.  Each signed value is at most
 * WJ_HEADER_VALUE_MAX; the whole stays far below what a signer sends
 * (a few hundred bytes, a few KB with X-Security-Token).
 */
#define SIG_CANONICAL_MAX	(256 * 1024)

/* Hashes of the empty string (§2.2-9, §2.5). */
static const char empty_sha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
static const char empty_sm3[] =
    "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b";

/* §2.5: the SM2 user id of every SDK. */
static const char sm2_user_id[] = "1234567812345678";

enum alg_kind {
	KIND_HMAC,
	KIND_ECDSA,
	KIND_SM2,
};

/* What one algorithm of §2.5 does its own way; all else is shared. */
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

static const struct alg algs[] = {
	{ SIG_ALG_HMAC_SHA256, "SDK-HMAC-SHA256", "x-sdk-content-sha256",
	    empty_sha256, EVP_sha256, KIND_HMAC, NID_undef, NULL, NULL },
	{ SIG_ALG_HMAC_SM3, "SDK-HMAC-SM3", "x-sdk-content-sm3",
	    empty_sm3, EVP_sm3, KIND_HMAC, NID_undef, NULL, NULL },
	{ SIG_ALG_ECDSA_P256_SHA256, "SDK-ECDSA-P256-SHA256",
	    "x-sdk-content-sha256", empty_sha256, EVP_sha256, KIND_ECDSA,
	    NID_X9_62_prime256v1, "EC", "prime256v1" },
	{ SIG_ALG_SM2_SM3, "SDK-SM2-SM3", "x-sdk-content-sm3",
	    empty_sm3, EVP_sm3, KIND_SM2, NID_sm2, "SM2", "SM2" },
};
#define NALGS	(sizeof(algs) / sizeof(algs[0]))

static const struct alg *
alg_get(int id)
{
	size_t i;

	for (i = 0; i < NALGS; i++)
		if (algs[i].id == id)
			return &algs[i];
	return NULL;
}

/* The canonical request in pieces, so verify can try its variants. */
struct canon {
	struct buf	 head;		/* METHOD "\n" */
	struct buf	 uri[2];	/* indexed by enum sig_uri_mode */
	struct buf	 tail;		/* \n query \n headers \n list \n */
	const char	*content;	/* X-Sdk-Content-Sha256/-Sm3 value */
	char		 body_hash[SIG_HASH_HEX_LEN + 1];
};

/* Lower-case hex of the algorithm's hash of p[0..n). */
static int
md_hex(const struct alg *a, const void *p, size_t n,
    char out[SIG_HASH_HEX_LEN + 1])
{
	uint8_t md[SIG_MD_LEN];
	unsigned int len = 0;

	if (EVP_Digest(p, n, md, &len, a->md(), NULL) != 1 ||
	    len != sizeof(md))
		return WJ_ERR_CRYPTO;
	wj_hex(md, len, out);
	return 0;
}

static void
canon_init(struct canon *c)
{
	memset(c, 0, sizeof(*c));
	buf_init(&c->head);
	buf_init(&c->uri[SIG_URI_DECODE]);
	buf_init(&c->uri[SIG_URI_RAW]);
	buf_init(&c->tail);
}

static void
canon_free(struct canon *c)
{
	buf_free(&c->head);
	buf_free(&c->uri[SIG_URI_DECODE]);
	buf_free(&c->uri[SIG_URI_RAW]);
	buf_free(&c->tail);
}

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

/* RFC 9110 token character (method and header names). */
static int
is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static unsigned char
upper(unsigned char c)
{
	return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

/* ASCII case-insensitive equality of the NUL-terminated a and b[0..n). */
static int
name_eq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] == '\0' || lower(a[i]) != lower(b[i]))
			return 0;
	return a[n] == '\0';
}

/*
 * Length of the whitespace character that s[0..n) starts (front) or ends
 * (!front) with, 0 if none.  The set is Python's str.isspace(), which the
 * SDK's value.strip() uses: ASCII \t-\r, \x1c-\x1f, space, and in UTF-8
 * U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F,
 * U+3000.
 */
static size_t
space_len(const unsigned char *s, size_t n, int front)
{
	const unsigned char *p;
	unsigned char c;

	if (n == 0)
		return 0;
	c = front ? s[0] : s[n - 1];
	if ((c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x20))
		return 1;
	if (n >= 2) {
		p = front ? s : s + n - 2;
		if (p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0))
			return 2;
	}
	if (n >= 3) {
		p = front ? s : s + n - 3;
		if ((p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80) ||
		    (p[0] == 0xe2 && p[1] == 0x80 &&
		    ((p[2] >= 0x80 && p[2] <= 0x8a) || p[2] == 0xa8 ||
		    p[2] == 0xa9 || p[2] == 0xaf)) ||
		    (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) ||
		    (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80))
			return 3;
	}
	return 0;
}

/* Trim s[0..*n) in place as Python's str.strip() would. */
static const char *
trim(const char *s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k;

	while ((k = space_len(p, *n, 1)) != 0) {
		p += k;
		*n -= k;
	}
	while ((k = space_len(p, *n, 0)) != 0)
		*n -= k;
	return (const char *)p;
}

int
sig_uri_encode(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char esc[3];
	size_t i, start;
	int r;

	for (i = start = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (is_unreserved(c))
			continue;
		if (i > start &&
		    (r = buf_append(out, s + start, i - start)) != 0)
			return r;
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		if ((r = buf_append(out, esc, sizeof(esc))) != 0)
			return r;
		start = i + 1;
	}
	if (n > start)
		return buf_append(out, s + start, n - start);
	return 0;
}

int
sig_uri_decode(struct buf *out, const char *s, size_t n, int plus_space)
{
	size_t i;
	int hi, lo, r;
	char c;

	/* The result is never longer than the input. */
	if ((r = buf_reserve(out, n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '%' && n - i > 2 &&
		    (hi = wj_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = wj_hexval((unsigned char)s[i + 2])) >= 0) {
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_space)
			c = ' ';
		if ((r = buf_putc(out, c)) != 0)
			return r;
	}
	return 0;
}

/*
 * Canonical URI (§2.2-7, §2.6): percent-encode each '/'-separated segment
 * of p[0..n) and make sure the result ends with '/'.
 */
static int
encode_segments(struct buf *out, const char *p, size_t n)
{
	const char *slash;
	size_t seg;
	int r;

	for (;;) {
		slash = n > 0 ? memchr(p, '/', n) : NULL;
		seg = slash != NULL ? (size_t)(slash - p) : n;
		if ((r = sig_uri_encode(out, p, seg)) != 0)
			return r;
		if (slash == NULL)
			break;
		if ((r = buf_putc(out, '/')) != 0)
			return r;
		p += seg + 1;
		n -= seg + 1;
	}
	if (out->len == 0 || out->data[out->len - 1] != '/')
		return buf_putc(out, '/');
	return 0;
}

static int
canonical_uri(struct buf *out, const char *path, size_t n, int mode)
{
	struct buf dec;
	int r;

	if (mode == SIG_URI_RAW)
		return encode_segments(out, path, n);
	/* Python SDK: unquote() the whole path, then split and re-encode. */
	buf_init(&dec);
	if ((r = sig_uri_decode(&dec, path, n, 0)) == 0)
		r = encode_segments(out, dec.data, dec.len);
	buf_free(&dec);
	return r;
}

struct qparam {
	const char	*name;
	size_t		 nlen;
	const char	*value;
	size_t		 vlen;
};

static int
bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c;

	if ((c = memcmp(a, b, alen < blen ? alen : blen)) != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
qparam_cmp(const void *va, const void *vb)
{
	const struct qparam *a = va, *b = vb;
	int c;

	if ((c = bytes_cmp(a->name, a->nlen, b->name, b->nlen)) != 0)
		return c;
	return bytes_cmp(a->value, a->vlen, b->value, b->vlen);
}

/*
 * Canonical query string from the raw query (§2.3-5, §2.2-8): split on
 * '&' (empty items skipped), split each item at its first '=', decode
 * with '+' as space, sort by decoded name then value (byte order), then
 * re-encode as name=value joined with '&'.
 */
static int
canonical_query(struct buf *out, const char *q, size_t n)
{
	struct qparam *params = NULL;
	struct buf dec;
	size_t i, np = 0, maxp = 1, *offs = NULL, item, eq;
	const char *p, *amp, *eqp;
	int r;

	buf_init(&dec);
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (q[i] == '&')
			maxp++;
	/* n <= WJ_URI_MAX bounds maxp; decoding never grows the text. */
	if ((params = calloc(maxp, sizeof(*params))) == NULL ||
	    (offs = calloc(maxp, 2 * sizeof(*offs))) == NULL) {
		r = WJ_ERR_NOMEM;
		goto out;
	}
	if ((r = buf_reserve(&dec, n)) != 0)
		goto out;
	for (p = q; p < q + n; p += item + 1) {
		amp = memchr(p, '&', (size_t)(q + n - p));
		item = amp != NULL ? (size_t)(amp - p) : (size_t)(q + n - p);
		if (item == 0)
			continue;
		eqp = memchr(p, '=', item);
		eq = eqp != NULL ? (size_t)(eqp - p) : item;
		/* Offsets, not pointers: dec.data is final only at the end. */
		offs[2 * np] = dec.len;
		if ((r = sig_uri_decode(&dec, p, eq, 1)) != 0)
			goto out;
		params[np].nlen = dec.len - offs[2 * np];
		offs[2 * np + 1] = dec.len;
		if (eq < item && (r = sig_uri_decode(&dec, p + eq + 1,
		    item - eq - 1, 1)) != 0)
			goto out;
		params[np].vlen = dec.len - offs[2 * np + 1];
		np++;
	}
	for (i = 0; i < np; i++) {
		params[i].name = dec.data + offs[2 * i];
		params[i].value = dec.data + offs[2 * i + 1];
	}
	qsort(params, np, sizeof(*params), qparam_cmp);
	for (i = 0; i < np; i++) {
		if ((i > 0 && (r = buf_putc(out, '&')) != 0) ||
		    (r = sig_uri_encode(out, params[i].name,
		    params[i].nlen)) != 0 ||
		    (r = buf_putc(out, '=')) != 0 ||
		    (r = sig_uri_encode(out, params[i].value,
		    params[i].vlen)) != 0)
			goto out;
	}
	r = 0;
 out:
	free(params);
	free(offs);
	buf_free(&dec);
	return r;
}

/*
 * Find the one received header called name[0..n) (any case).  0 with
 * *value NULL when absent; WJ_ERR_AUTH when it is repeated, since a
 * proxy and this service could then disagree about the signed value.
 */
static int
find_header(const struct sig_request *req, const char *name, size_t n,
    const char **value, struct wj_errinfo *ei)
{
	size_t i;

	*value = NULL;
	for (i = 0; i < req->n_headers; i++) {
		if (req->headers[i].name == NULL ||
		    !name_eq(req->headers[i].name, name, n))
			continue;
		if (*value != NULL) {
			*value = NULL;
			wj_errinfo_set(ei, "signed header %.*s repeated",
			    (int)(n > 64 ? 64 : n), name);
			return WJ_ERR_AUTH;
		}
		*value = req->headers[i].value != NULL ?
		    req->headers[i].value : "";
	}
	return 0;
}

/*
 * A header value fit for the canonical form: bounded, and without CR or
 * LF, which would let one set of header lines pass for another.
 */
static int
check_value(const char *v, size_t *lenp, const char *name, size_t n,
    struct wj_errinfo *ei)
{
	size_t len;

	len = strnlen(v, WJ_HEADER_VALUE_MAX + 1);
	if (len > WJ_HEADER_VALUE_MAX) {
		wj_errinfo_set(ei, "header %.*s too long",
		    (int)(n > 64 ? 64 : n), name);
		return WJ_ERR_AUTH;
	}
	if (memchr(v, '\r', len) != NULL || memchr(v, '\n', len) != NULL) {
		wj_errinfo_set(ei, "header %.*s malformed",
		    (int)(n > 64 ? 64 : n), name);
		return WJ_ERR_AUTH;
	}
	*lenp = len;
	return 0;
}

/* Whether name is in the ';'-separated list (any case). */
static int
list_has(const char *list, const char *name)
{
	const char *p = list, *semi;
	size_t n;

	for (;;) {
		semi = strchr(p, ';');
		n = semi != NULL ? (size_t)(semi - p) : strlen(p);
		if (name_eq(name, p, n))
			return 1;
		if (semi == NULL)
			return 0;
		p = semi + 1;
	}
}

/*
 * CanonicalHeaders "\n" SignedHeaders (§2.2-6, §2.3-4): one line per name
 * of the list, in the list's order, from the received headers.
 */
static int
canonical_headers(struct buf *out, const struct sig_request *req,
    const char *list, struct wj_errinfo *ei)
{
	const char *p, *semi, *v;
	size_t i, n, vlen, listlen;
	int r;

	listlen = strnlen(list, SIG_SIGNED_HEADERS_MAX + 1);
	if (listlen == 0 || listlen > SIG_SIGNED_HEADERS_MAX) {
		wj_errinfo_set(ei, "malformed SignedHeaders");
		return WJ_ERR_AUTH;
	}
	for (p = list;; p = semi + 1) {
		semi = strchr(p, ';');
		n = semi != NULL ? (size_t)(semi - p) : strlen(p);
		for (i = 0; i < n; i++)
			if (!is_tchar((unsigned char)p[i]))
				break;
		if (n == 0 || i < n) {
			wj_errinfo_set(ei, "malformed SignedHeaders");
			return WJ_ERR_AUTH;
		}
		if ((r = find_header(req, p, n, &v, ei)) != 0)
			return r;
		if (v == NULL) {
			wj_errinfo_set(ei, "signed header %.*s missing",
			    (int)(n > 64 ? 64 : n), p);
			return WJ_ERR_AUTH;
		}
		if ((r = check_value(v, &vlen, p, n, ei)) != 0)
			return r;
		v = trim(v, &vlen);
		for (i = 0; i < n; i++)
			if ((r = buf_putc(out, (char)lower(p[i]))) != 0)
				return r;
		if ((r = buf_putc(out, ':')) != 0 ||
		    (vlen > 0 && (r = buf_append(out, v, vlen)) != 0) ||
		    (r = buf_putc(out, '\n')) != 0)
			return r;
		if (out->len > SIG_CANONICAL_MAX) {
			wj_errinfo_set(ei, "signed headers too large");
			return WJ_ERR_AUTH;
		}
		if (semi == NULL)
			break;
	}
	if ((r = buf_putc(out, '\n')) != 0 ||
	    (r = buf_append(out, list, listlen)) != 0)
		return r;
	return 0;
}

/*
 * Build every piece of the canonical request but the payload hash.
 * modes is a bit mask of (1 << enum sig_uri_mode).
 */
static int
canon_build(const struct sig_request *req, const struct alg *a,
    const char *list, int modes, struct canon *c, struct wj_errinfo *ei)
{
	size_t i, n, plen, qlen;
	const char *v;
	int r;

	if (req == NULL || req->method == NULL || req->path == NULL ||
	    list == NULL || (req->n_headers > 0 && req->headers == NULL) ||
	    (req->body_len > 0 && req->body == NULL))
		return WJ_ERR_INVALID;
	n = strnlen(req->method, SIG_METHOD_MAX + 1);
	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)req->method[i]))
			break;
	if (n == 0 || n > SIG_METHOD_MAX || i < n) {
		wj_errinfo_set(ei, "malformed method");
		return WJ_ERR_AUTH;
	}
	plen = strnlen(req->path, WJ_URI_MAX + 1);
	qlen = req->query != NULL ? strnlen(req->query, WJ_URI_MAX + 1) : 0;
	if (plen > WJ_URI_MAX || qlen > WJ_URI_MAX) {
		wj_errinfo_set(ei, "request uri too long");
		return WJ_ERR_AUTH;
	}

	/* §2.2-10: METHOD in upper case. */
	for (i = 0; i < n; i++)
		if ((r = buf_putc(&c->head, (char)upper(req->method[i]))) != 0)
			return r;
	if ((r = buf_putc(&c->head, '\n')) != 0)
		return r;
	for (i = SIG_URI_DECODE; i <= SIG_URI_RAW; i++)
		if ((modes & (1 << i)) != 0 && (r = canonical_uri(&c->uri[i],
		    req->path, plen, (int)i)) != 0)
			return r;
	if ((r = buf_putc(&c->tail, '\n')) != 0 ||
	    (r = canonical_query(&c->tail, req->query, qlen)) != 0 ||
	    (r = buf_putc(&c->tail, '\n')) != 0 ||
	    (r = canonical_headers(&c->tail, req, list, ei)) != 0 ||
	    (r = buf_putc(&c->tail, '\n')) != 0)
		return r;

	/* §2.2-9: the header wins over the body hash, used verbatim. */
	if ((r = find_header(req, a->content, strlen(a->content), &v,
	    ei)) != 0)
		return r;
	if (v != NULL && (r = check_value(v, &n, a->content,
	    strlen(a->content), ei)) != 0)
		return r;
	c->content = v;
	if (req->body_len > 0)
		return md_hex(a, req->body, req->body_len, c->body_hash);
	memcpy(c->body_hash, a->empty_hash, SIG_HASH_HEX_LEN + 1);
	return 0;
}

/* The payload hash as the Python SDK computes it (§2.2-9). */
static const char *
python_payload_hash(const struct sig_request *req, const struct canon *c)
{
	if (req->body_len > 0 && c->content != NULL)
		return c->content;
	return c->body_hash;
}

static int
canon_assemble(const struct canon *c, int mode, const char *hash,
    struct buf *out)
{
	int r;

	if ((r = buf_append(out, c->head.data, c->head.len)) != 0 ||
	    (r = buf_append(out, c->uri[mode].data, c->uri[mode].len)) != 0 ||
	    (r = buf_append(out, c->tail.data, c->tail.len)) != 0 ||
	    (r = buf_puts(out, hash)) != 0)
		return r;
	return 0;
}

/* StringToSign (§2.2-11) into sts[SIG_STS_MAX + 1]; its length in *n. */
static int
string_to_sign(const struct alg *a, const char *canonical, size_t clen,
    const char *date, char sts[SIG_STS_MAX + 1], size_t *n)
{
	char hash[SIG_HASH_HEX_LEN + 1];
	int r, len;

	if ((r = md_hex(a, canonical, clen, hash)) != 0)
		return r;
	len = snprintf(sts, SIG_STS_MAX + 1, "%s\n%s\n%s", a->name, date,
	    hash);
	if (len < 0 || (size_t)len > SIG_STS_MAX)
		return WJ_ERR_INTERNAL;
	*n = (size_t)len;
	return 0;
}

/* Lower-case hex HMAC of the string to sign (§2.2-12, §2.5). */
static int
hmac_hex(const struct alg *a, const char *sts, size_t n, const char *sk,
    size_t sk_len, char out[SIG_HASH_HEX_LEN + 1])
{
	uint8_t mac[SIG_MD_LEN];
	unsigned int len = 0;

	if (HMAC(a->md(), sk, (int)sk_len, (const unsigned char *)sts, n, mac,
	    &len) == NULL || len != sizeof(mac)) {
		OPENSSL_cleanse(mac, sizeof(mac));
		return WJ_ERR_CRYPTO;
	}
	wj_hex(mac, sizeof(mac), out);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

/*
 * ---- ECDSA and SM2 (§2.5) -------------------------------------------
 * The key pair is a function of AK and SK, so the server, which holds
 * SK, derives the public key itself; nothing asymmetric is stored.
 */

/* A key for one request, and what SM2 hashes in front of the message. */
struct ec_key {
	EVP_PKEY	*pkey;
	uint8_t		 z[2][SIG_MD_LEN];	/* SM2: SDK Z, GB/T Z */
	int		 nz;
};

static void
ec_key_free(struct ec_key *k)
{
	EVP_PKEY_free(k->pkey);
	memset(k, 0, sizeof(*k));
}

/* Whether the AK and SK are fit for derivation and the HMAC API. */
static int
check_aksk(const char *ak, size_t *aklen, size_t sk_len)
{
	*aklen = ak != NULL ? strnlen(ak, SIG_AK_MAX + 1) : 0;
	if (*aklen == 0 || *aklen > SIG_AK_MAX || sk_len == 0 ||
	    sk_len > SIG_SK_MAX)
		return WJ_ERR_INVALID;
	return 0;
}

/*
 * §2.5: d = candidate + 1 for the first counter c whose candidate =
 * HMAC(SK, 00000001 || alg name || 00 || AK || c || 00000100) is at most
 * n - 2; pub = d * G, as x || y.
 */
static int
derive(const struct alg *a, const char *ak, size_t aklen, const char *sk,
    size_t sk_len, uint8_t priv[SIG_EC_LEN], uint8_t pub[2 * SIG_EC_LEN])
{
	uint8_t data[4 + SIG_ALG_MAX + 1 + SIG_AK_MAX + 1 + 4];
	uint8_t mac[SIG_MD_LEN], point[1 + 2 * SIG_EC_LEN];
	EC_GROUP *g = NULL;
	EC_POINT *q = NULL;
	BN_CTX *bc = NULL;
	BIGNUM *d = NULL, *max = NULL;
	size_t namelen, len, ctr_at;
	unsigned int maclen;
	int c, r;

	namelen = strlen(a->name);
	len = 0;
	memcpy(data, "\0\0\0\1", 4);
	len += 4;
	memcpy(data + len, a->name, namelen);
	len += namelen;
	data[len++] = 0;
	memcpy(data + len, ak, aklen);
	len += aklen;
	ctr_at = len++;
	memcpy(data + len, "\0\0\1\0", 4);
	len += 4;

	if ((g = EC_GROUP_new_by_curve_name(a->nid)) == NULL ||
	    (q = EC_POINT_new(g)) == NULL || (bc = BN_CTX_new()) == NULL ||
	    (d = BN_secure_new()) == NULL || (max = BN_dup(
	    EC_GROUP_get0_order(g))) == NULL || !BN_sub_word(max, 2)) {
		r = WJ_ERR_CRYPTO;
		goto out;
	}
	BN_set_flags(d, BN_FLG_CONSTTIME);
	r = WJ_ERR_CRYPTO;	/* unless a counter succeeds */
	for (c = 0; c < SIG_DERIVE_TRIES; c++) {
		data[ctr_at] = (uint8_t)c;
		if (HMAC(a->md(), sk, (int)sk_len, data, len, mac,
		    &maclen) == NULL || maclen != sizeof(mac) ||
		    BN_bin2bn(mac, (int)maclen, d) == NULL)
			goto out;
		if (BN_cmp(d, max) <= 0) {
			r = 0;
			break;
		}
	}
	if (r != 0)
		goto out;
	r = WJ_ERR_CRYPTO;
	if (!BN_add_word(d, 1) ||
	    !EC_POINT_mul(g, q, d, NULL, NULL, bc) ||
	    EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, point,
	    sizeof(point), bc) != sizeof(point) ||
	    (priv != NULL && BN_bn2binpad(d, priv, SIG_EC_LEN) != SIG_EC_LEN))
		goto out;
	memcpy(pub, point + 1, 2 * SIG_EC_LEN);
	r = 0;
 out:
	OPENSSL_cleanse(mac, sizeof(mac));
	BN_clear_free(d);
	BN_free(max);
	BN_CTX_free(bc);
	EC_POINT_free(q);
	EC_GROUP_free(g);
	return r;
}

int
sig_derive_key(int alg, const char *ak, const char *sk, size_t sk_len,
    uint8_t priv[SIG_EC_LEN], uint8_t pub[2 * SIG_EC_LEN])
{
	const struct alg *a;
	size_t aklen;
	int r;

	if ((a = alg_get(alg)) == NULL || a->kind == KIND_HMAC ||
	    sk == NULL || pub == NULL)
		return WJ_ERR_INVALID;
	if ((r = check_aksk(ak, &aklen, sk_len)) != 0)
		return r;
	return derive(a, ak, aklen, sk, sk_len, priv, pub);
}

/*
 * Feed the big-endian integer p[0..n) to SM3, with its leading zero
 * bytes dropped (the SDK's minimal encoding) or kept (GB/T 32918).
 */
static int
z_put(EVP_MD_CTX *m, const uint8_t *p, size_t n, int minimal)
{
	while (minimal && n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	return n == 0 || EVP_DigestUpdate(m, p, n) == 1;
}

/*
 * Z = SM3(ENTL || ID || a || b || xG || yG || xQ || yQ) (§2.5), ENTL
 * two bytes, each integer minimal or as 32 bytes.
 */
static int
sm2_z(const uint8_t pub[2 * SIG_EC_LEN], int minimal,
    uint8_t z[SIG_MD_LEN])
{
	uint8_t ints[4][SIG_EC_LEN], entl[2];
	EC_GROUP *g = NULL;
	EVP_MD_CTX *m = NULL;
	BN_CTX *bc = NULL;
	BIGNUM *ca, *cb, *gx, *gy;
	unsigned int len = 0;
	size_t i;
	int r = WJ_ERR_CRYPTO;

	entl[0] = (uint8_t)((8 * (sizeof(sm2_user_id) - 1)) >> 8);
	entl[1] = (uint8_t)(8 * (sizeof(sm2_user_id) - 1));
	if ((g = EC_GROUP_new_by_curve_name(NID_sm2)) == NULL ||
	    (bc = BN_CTX_new()) == NULL)
		goto out;
	BN_CTX_start(bc);
	ca = BN_CTX_get(bc);
	cb = BN_CTX_get(bc);
	gx = BN_CTX_get(bc);
	if ((gy = BN_CTX_get(bc)) == NULL ||
	    !EC_GROUP_get_curve(g, NULL, ca, cb, bc) ||
	    !EC_POINT_get_affine_coordinates(g, EC_GROUP_get0_generator(g),
	    gx, gy, bc) ||
	    BN_bn2binpad(ca, ints[0], SIG_EC_LEN) != SIG_EC_LEN ||
	    BN_bn2binpad(cb, ints[1], SIG_EC_LEN) != SIG_EC_LEN ||
	    BN_bn2binpad(gx, ints[2], SIG_EC_LEN) != SIG_EC_LEN ||
	    BN_bn2binpad(gy, ints[3], SIG_EC_LEN) != SIG_EC_LEN)
		goto out;
	if ((m = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(m, EVP_sm3(), NULL) != 1 ||
	    EVP_DigestUpdate(m, entl, sizeof(entl)) != 1 ||
	    EVP_DigestUpdate(m, sm2_user_id, sizeof(sm2_user_id) - 1) != 1)
		goto out;
	for (i = 0; i < 4; i++)
		if (!z_put(m, ints[i], SIG_EC_LEN, minimal))
			goto out;
	if (!z_put(m, pub, SIG_EC_LEN, minimal) ||
	    !z_put(m, pub + SIG_EC_LEN, SIG_EC_LEN, minimal) ||
	    EVP_DigestFinal_ex(m, z, &len) != 1 || len != SIG_MD_LEN)
		goto out;
	r = 0;
 out:
	EVP_MD_CTX_free(m);
	if (bc != NULL)
		BN_CTX_end(bc);
	BN_CTX_free(bc);
	EC_GROUP_free(g);
	return r;
}

/* An EVP key of a's curve: pub, and priv when not NULL. */
static int
ec_key_make(const struct alg *a, const uint8_t *priv,
    const uint8_t pub[2 * SIG_EC_LEN], struct ec_key *k)
{
	uint8_t point[1 + 2 * SIG_EC_LEN];
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	BIGNUM *d = NULL;
	int r = WJ_ERR_CRYPTO;

	memset(k, 0, sizeof(*k));
	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(point + 1, pub, 2 * SIG_EC_LEN);
	/* A secure BIGNUM lands in the part OSSL_PARAM_free wipes. */
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    a->group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    point, sizeof(point)))
		goto out;
	if (priv != NULL && ((d = BN_secure_new()) == NULL ||
	    BN_bin2bn(priv, SIG_EC_LEN, d) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)))
		goto out;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pc = EVP_PKEY_CTX_new_from_name(NULL, a->keytype,
	    NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, &k->pkey, priv != NULL ?
	    EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	if (a->kind == KIND_SM2) {
		if (sm2_z(pub, 1, k->z[0]) != 0 || sm2_z(pub, 0, k->z[1]) != 0)
			goto out;
		/* The two differ only if a coordinate starts with 00. */
		k->nz = memcmp(k->z[0], k->z[1], SIG_MD_LEN) == 0 ? 1 : 2;
	}
	r = 0;
 out:
	if (r != 0)
		ec_key_free(k);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return r;
}

/* The key pair (with_priv) or public key of a for AK and SK. */
static int
ec_key_derive(const struct alg *a, const char *ak, const char *sk,
    size_t sk_len, int with_priv, struct ec_key *k)
{
	uint8_t priv[SIG_EC_LEN], pub[2 * SIG_EC_LEN];
	size_t aklen;
	int r;

	memset(k, 0, sizeof(*k));
	if ((r = check_aksk(ak, &aklen, sk_len)) != 0)
		return r;
	if ((r = derive(a, ak, aklen, sk, sk_len, priv, pub)) == 0)
		r = ec_key_make(a, with_priv ? priv : NULL, pub, k);
	OPENSSL_cleanse(priv, sizeof(priv));
	return r;
}

/*
 * The digest the signature covers: SHA-256(StringToSign) for ECDSA,
 * SM3(Z || StringToSign) for SM2 with Z number zi.
 */
static int
ec_digest(const struct alg *a, const struct ec_key *k, int zi,
    const char *sts, size_t n, uint8_t e[SIG_MD_LEN])
{
	EVP_MD_CTX *m;
	unsigned int len = 0;
	int ok;

	if ((m = EVP_MD_CTX_new()) == NULL)
		return WJ_ERR_CRYPTO;
	ok = EVP_DigestInit_ex(m, a->md(), NULL) == 1 &&
	    (a->kind != KIND_SM2 ||
	    EVP_DigestUpdate(m, k->z[zi], SIG_MD_LEN) == 1) &&
	    EVP_DigestUpdate(m, sts, n) == 1 &&
	    EVP_DigestFinal_ex(m, e, &len) == 1 && len == SIG_MD_LEN;
	EVP_MD_CTX_free(m);
	return ok ? 0 : WJ_ERR_CRYPTO;
}

/* Whether der[0..len) is a's signature of sts under k. */
static int
ec_verify(const struct alg *a, const struct ec_key *k, const char *sts,
    size_t n, const uint8_t *der, size_t len, int *match)
{
	EVP_PKEY_CTX *pc;
	uint8_t e[SIG_MD_LEN];
	int zi, nz, r = 0;

	if ((pc = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL ||
	    EVP_PKEY_verify_init(pc) != 1) {
		EVP_PKEY_CTX_free(pc);
		return WJ_ERR_CRYPTO;
	}
	nz = a->kind == KIND_SM2 ? k->nz : 1;
	for (zi = 0; zi < nz; zi++) {
		if ((r = ec_digest(a, k, zi, sts, n, e)) != 0)
			break;
		/* OpenSSL insists on strict DER, as the SDKs produce. */
		if (EVP_PKEY_verify(pc, der, len, e, sizeof(e)) == 1)
			*match = 1;
	}
	/* A refused signature leaves errors nobody else should see. */
	ERR_clear_error();
	EVP_PKEY_CTX_free(pc);
	return r;
}

/* Hex of a's DER signature of sts with the private key in k (§2.5). */
static int
ec_sign_hex(const struct alg *a, const struct ec_key *k, const char *sts,
    size_t n, char out[SIG_SIGNATURE_MAX + 1])
{
	EVP_PKEY_CTX *pc = NULL;
	uint8_t e[SIG_MD_LEN], der[SIG_DER_MAX];
	size_t len = sizeof(der);
	int r;

	/* The SDK's Z (index 0) is what the SDK signs with. */
	if ((r = ec_digest(a, k, 0, sts, n, e)) != 0)
		return r;
	if ((pc = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL ||
	    EVP_PKEY_sign_init(pc) != 1 ||
	    EVP_PKEY_sign(pc, der, &len, e, sizeof(e)) != 1 ||
	    len == 0 || len > sizeof(der))
		r = WJ_ERR_CRYPTO;
	else
		wj_hex(der, len, out);
	EVP_PKEY_CTX_free(pc);
	return r;
}

/* The X-Sdk-Date value, trimmed, checked and copied into date. */
static int
get_date(const struct sig_request *req, char date[SIG_DATE_LEN + 1],
    struct wj_errinfo *ei)
{
	const char *v;
	size_t n;
	int64_t ms;
	int r;

	if ((r = find_header(req, SIG_DATE_HEADER, strlen(SIG_DATE_HEADER),
	    &v, ei)) != 0)
		return r;
	if (v == NULL) {
		wj_errinfo_set(ei, "signed header x-sdk-date missing");
		return WJ_ERR_AUTH;
	}
	n = strnlen(v, WJ_HEADER_VALUE_MAX + 1);
	v = trim(v, &n);
	if (n != SIG_DATE_LEN)
		goto bad;
	memcpy(date, v, n);
	date[n] = '\0';
	if (sig_parse_date(date, &ms) != 0)
		goto bad;
	return 0;
 bad:
	wj_errinfo_set(ei, "x-sdk-date malformed");
	return WJ_ERR_AUTH;
}

int
sig_canonical_request(const struct sig_request *req,
    const char *signed_headers, int alg, int uri_mode, struct buf *out,
    struct wj_errinfo *ei)
{
	const struct alg *a;
	struct canon c;
	size_t len0 = out->len;
	int r;

	if ((a = alg_get(alg)) == NULL) {
		wj_errinfo_set(ei, "unsupported signature algorithm");
		return WJ_ERR_AUTH;
	}
	if (uri_mode != SIG_URI_DECODE && uri_mode != SIG_URI_RAW)
		return WJ_ERR_INVALID;
	canon_init(&c);
	if ((r = canon_build(req, a, signed_headers, 1 << uri_mode, &c,
	    ei)) != 0 ||
	    (r = canon_assemble(&c, uri_mode, python_payload_hash(req, &c),
	    out)) != 0)
		goto out;
	r = 0;
 out:
	/* All or nothing: drop a partial append. */
	if (r != 0 && out->data != NULL) {
		out->len = len0;
		out->data[len0] = '\0';
	}
	canon_free(&c);
	return r;
}

/*
 * Whether sig is the signature of the canonical request cr under the
 * key: HMAC compared in constant time, or ECDSA/SM2 verified with the
 * public key in k and the DER form of sig in der[0..derlen).
 */
static int
check_one(const struct alg *a, const struct buf *cr, const char *date,
    const char *sk, size_t sk_len, const struct ec_key *k, const char *sig,
    size_t siglen, const uint8_t *der, size_t derlen, int *match)
{
	char sts[SIG_STS_MAX + 1], expect[SIG_HASH_HEX_LEN + 1];
	size_t n;
	int r;

	if ((r = string_to_sign(a, cr->data, cr->len, date, sts, &n)) != 0)
		return r;
	if (a->kind != KIND_HMAC)
		return derlen == 0 ? 0 :
		    ec_verify(a, k, sts, n, der, derlen, match);
	if ((r = hmac_hex(a, sts, n, sk, sk_len, expect)) != 0)
		return r;
	/* Length is public; bytes compare in constant time. */
	if (siglen == SIG_HASH_HEX_LEN && wj_ct_equal(expect, sig, siglen))
		*match = 1;
	OPENSSL_cleanse(expect, sizeof(expect));
	return 0;
}

int
sig_verify(const struct sig_request *req, const struct sig_auth *auth,
    const char *sk, size_t sk_len, struct wj_errinfo *ei)
{
	const struct alg *a;
	struct canon c;
	struct ec_key k;
	struct buf cr;
	char date[SIG_DATE_LEN + 1];
	uint8_t der[SIG_DER_MAX];
	const char *hashes[2], *v;
	size_t nhash, i, siglen, derlen = 0, n;
	int mode, nmodes, match = 0, r;

	canon_init(&c);
	buf_init(&cr);
	memset(&k, 0, sizeof(k));
	if (auth == NULL || sk == NULL || sk_len == 0 || sk_len > SIG_SK_MAX) {
		r = WJ_ERR_INVALID;
		goto out;
	}
	if ((a = alg_get(auth->alg)) == NULL) {
		wj_errinfo_set(ei, "unsupported signature algorithm");
		r = WJ_ERR_AUTH;
		goto out;
	}
	/* §2.3-3 (DESIGN §4): host and x-sdk-date must be signed. */
	if (!list_has(auth->signed_headers, "host")) {
		wj_errinfo_set(ei, "host not signed");
		r = WJ_ERR_AUTH;
		goto out;
	}
	if (!list_has(auth->signed_headers, SIG_DATE_HEADER)) {
		wj_errinfo_set(ei, "x-sdk-date not signed");
		r = WJ_ERR_AUTH;
		goto out;
	}
	if ((r = canon_build(req, a, auth->signed_headers,
	    1 << SIG_URI_DECODE | 1 << SIG_URI_RAW, &c, ei)) != 0 ||
	    (r = get_date(req, date, ei)) != 0)
		goto out;

	siglen = strnlen(auth->signature, sizeof(auth->signature));
	if (a->kind != KIND_HMAC) {
		if ((r = ec_key_derive(a, auth->access_key, sk, sk_len, 0,
		    &k)) != 0)
			goto out;
		/* Not even hex of DER: nothing can match (derlen stays 0). */
		if (siglen % 2 == 0 && siglen / 2 <= sizeof(der) &&
		    wj_unhex(auth->signature, siglen / 2, der) == 0)
			derlen = siglen / 2;
	}

	/*
	 * §2.3-6: with an empty body and X-Sdk-Content-Sha256 (-Sm3),
	 * Python hashes the empty string, Go and Node.js use the header:
	 * accept either.
	 */
	nhash = 0;
	hashes[nhash++] = python_payload_hash(req, &c);
	if (req->body_len == 0 && c.content != NULL &&
	    strcmp(c.content, hashes[0]) != 0)
		hashes[nhash++] = c.content;
	/* §2.6: the Node.js URI differs only for paths with '%' etc. */
	nmodes = c.uri[SIG_URI_DECODE].len == c.uri[SIG_URI_RAW].len &&
	    memcmp(c.uri[SIG_URI_DECODE].data, c.uri[SIG_URI_RAW].data,
	    c.uri[SIG_URI_RAW].len) == 0 ? 1 : 2;

	for (mode = 0; mode < nmodes; mode++) {
		for (i = 0; i < nhash; i++) {
			cr.len = 0;
			if ((r = canon_assemble(&c, mode, hashes[i],
			    &cr)) != 0 ||
			    (r = check_one(a, &cr, date, sk, sk_len, &k,
			    auth->signature, siglen, der, derlen,
			    &match)) != 0)
				goto out;
		}
	}
	if (!match) {
		wj_errinfo_set(ei, "verify aksk signature fail");
		r = WJ_ERR_AUTH;
		goto out;
	}
	/*
	 * A declared body hash other than UNSIGNED-PAYLOAD must be the
	 * body's: the SDKs use the header verbatim, so without this check a
	 * captured request could carry another body under its signature.
	 */
	if (req->body_len > 0 && c.content != NULL) {
		/* Compared as the header's value: surrounding whitespace is
		 * not part of it (fuzz/sig: the signer's own request with
		 * " UNSIGNED-PAYLOAD" was refused). */
		n = strlen(c.content);
		v = trim(c.content, &n);
		if (!(n == strlen("UNSIGNED-PAYLOAD") &&
		    memcmp(v, "UNSIGNED-PAYLOAD", n) == 0) &&
		    (n != SIG_HASH_HEX_LEN ||
		    !wj_ct_equal(v, c.body_hash, SIG_HASH_HEX_LEN))) {
			wj_errinfo_set(ei, "verify aksk signature fail");
			r = WJ_ERR_AUTH;
			goto out;
		}
	}
	r = 0;
 out:
	ec_key_free(&k);
	canon_free(&c);
	buf_free(&cr);
	return r;
}

static int
header_cmp(const void *va, const void *vb)
{
	const struct sig_header *a = *(const struct sig_header *const *)va;
	const struct sig_header *b = *(const struct sig_header *const *)vb;
	const unsigned char *p = (const unsigned char *)a->name;
	const unsigned char *q = (const unsigned char *)b->name;

	while (*p != '\0' && lower(*p) == lower(*q)) {
		p++;
		q++;
	}
	return (int)lower(*p) - (int)lower(*q);
}

/*
 * SignedHeaders as the Python SDK forms it (§2.2-5): every header name
 * without '_', lower-cased, sorted, joined with ';'.
 */
static int
sign_list(const struct sig_request *req, struct buf *out)
{
	const struct sig_header **hs = NULL;
	size_t i, j, n = 0, len;
	int r;

	if (req->n_headers == 0 || req->n_headers > SIG_SIGN_HEADERS_MAX)
		return WJ_ERR_INVALID;
	if ((hs = calloc(req->n_headers, sizeof(*hs))) == NULL)
		return WJ_ERR_NOMEM;
	for (i = 0; i < req->n_headers; i++) {
		if (req->headers[i].name == NULL ||
		    req->headers[i].value == NULL) {
			r = WJ_ERR_INVALID;
			goto out;
		}
		if (strchr(req->headers[i].name, '_') == NULL)
			hs[n++] = &req->headers[i];
	}
	qsort(hs, n, sizeof(*hs), header_cmp);
	for (i = 0; i < n; i++) {
		len = strnlen(hs[i]->name, SIG_SIGNED_HEADERS_MAX + 1);
		if (len == 0 || len > SIG_SIGNED_HEADERS_MAX ||
		    (i > 0 && header_cmp(&hs[i - 1], &hs[i]) == 0)) {
			r = WJ_ERR_INVALID;	/* empty or repeated name */
			goto out;
		}
		if (i > 0 && (r = buf_putc(out, ';')) != 0)
			goto out;
		for (j = 0; j < len; j++)
			if ((r = buf_putc(out,
			    (char)lower(hs[i]->name[j]))) != 0)
				goto out;
	}
	if (out->len == 0 || out->len > SIG_SIGNED_HEADERS_MAX) {
		r = WJ_ERR_INVALID;
		goto out;
	}
	r = 0;
 out:
	free(hs);
	return r;
}

int
sig_sign(const struct sig_request *req, const char *ak, const char *sk,
    char **out)
{
	return sig_sign_alg(req, SIG_ALG_HMAC_SHA256, ak, sk, out);
}

int
sig_sign_alg(const struct sig_request *req, int alg, const char *ak,
    const char *sk, char **out)
{
	const struct alg *a;
	struct canon c;
	struct ec_key k;
	struct buf list, cr, auth;
	char date[SIG_DATE_LEN + 1], sts[SIG_STS_MAX + 1];
	char sig[SIG_SIGNATURE_MAX + 1];
	size_t i, aklen, sklen, n;
	int r;

	*out = NULL;
	canon_init(&c);
	memset(&k, 0, sizeof(k));
	buf_init(&list);
	buf_init(&cr);
	buf_init(&auth);
	memset(sig, 0, sizeof(sig));
	if (req == NULL || ak == NULL || sk == NULL ||
	    (a = alg_get(alg)) == NULL) {
		r = WJ_ERR_INVALID;
		goto out;
	}
	aklen = strnlen(ak, SIG_AK_MAX + 1);
	sklen = strnlen(sk, SIG_SK_MAX + 1);
	for (i = 0; i < aklen; i++)
		if (ak[i] <= ' ' || ak[i] > '~' || ak[i] == ',')
			break;
	if (aklen == 0 || aklen > SIG_AK_MAX || i < aklen || sklen == 0 ||
	    sklen > SIG_SK_MAX) {
		r = WJ_ERR_INVALID;
		goto out;
	}
	if ((r = sign_list(req, &list)) != 0)
		goto out;
	if (!list_has(list.data, "host") ||
	    !list_has(list.data, SIG_DATE_HEADER)) {
		r = WJ_ERR_INVALID;
		goto out;
	}
	if ((r = canon_build(req, a, list.data, 1 << SIG_URI_DECODE, &c,
	    NULL)) != 0 ||
	    (r = get_date(req, date, NULL)) != 0 ||
	    (r = canon_assemble(&c, SIG_URI_DECODE,
	    python_payload_hash(req, &c), &cr)) != 0 ||
	    (r = string_to_sign(a, cr.data, cr.len, date, sts, &n)) != 0) {
		/* The caller's own request is at fault, not a peer. */
		if (r == WJ_ERR_AUTH)
			r = WJ_ERR_INVALID;
		goto out;
	}
	if (a->kind == KIND_HMAC)
		r = hmac_hex(a, sts, n, sk, sklen, sig);
	else if ((r = ec_key_derive(a, ak, sk, sklen, 1, &k)) == 0)
		r = ec_sign_hex(a, &k, sts, n, sig);
	if (r != 0)
		goto out;
	if ((r = buf_printf(&auth, "%s Access=%s, SignedHeaders=%s, "
	    "Signature=%s", a->name, ak, list.data, sig)) != 0)
		goto out;
	*out = buf_take(&auth, NULL);
	if (*out == NULL) {
		r = WJ_ERR_NOMEM;
		goto out;
	}
	r = 0;
 out:
	OPENSSL_cleanse(sig, sizeof(sig));
	ec_key_free(&k);
	canon_free(&c);
	buf_free(&list);
	buf_free(&cr);
	buf_free(&auth);
	return r;
}

/* Set one part of the Authorization header, refusing repeats. */
static int
auth_part(char *dst, size_t dstsz, const char *v, size_t n, int kind)
{
	size_t i;
	int ok;

	if (dst[0] != '\0' || n == 0 || n >= dstsz)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (kind == 'A')	/* access key: visible ASCII */
			ok = c > ' ' && c <= '~';
		else if (kind == 'H')	/* header names and ';' */
			ok = c == ';' || is_tchar(c);
		else			/* hex signature */
			ok = wj_hexval(c) >= 0;
		if (!ok)
			return -1;
	}
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

int
sig_parse_authorization(const char *value, struct sig_auth *out,
    struct wj_errinfo *ei)
{
	return sig_parse_authorization_algs(value, SIG_ALGS_DEFAULT, out, ei);
}

int
sig_parse_authorization_algs(const char *value, unsigned accept,
    struct sig_auth *out, struct wj_errinfo *ei)
{
	struct sig_auth a;
	const char *p, *end, *comma, *eq, *k, *v;
	size_t len, klen, vlen, i;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&a, 0, sizeof(a));
	if (value == NULL ||
	    (len = strnlen(value, SIG_AUTH_VALUE_MAX + 1)) >
	    SIG_AUTH_VALUE_MAX) {
		wj_errinfo_set(ei, "malformed authorization header");
		return WJ_ERR_AUTH;
	}
	p = value;
	end = value + len;
	while (p < end && is_ows(*p))
		p++;
	for (k = p; p < end && !is_ows(*p); p++)
		;
	for (i = 0; i < NALGS; i++)
		if ((size_t)(p - k) == strlen(algs[i].name) &&
		    memcmp(k, algs[i].name, (size_t)(p - k)) == 0)
			break;
	if (i == NALGS || (accept & SIG_ALG_MASK(algs[i].id)) == 0) {
		wj_errinfo_set(ei, "unsupported signature algorithm");
		return WJ_ERR_AUTH;
	}
	a.alg = algs[i].id;
	for (; p < end; p = comma + 1) {
		if ((comma = memchr(p, ',', (size_t)(end - p))) == NULL)
			comma = end;
		/* One "key=value" item with optional blanks around both. */
		while (p < comma && is_ows(*p))
			p++;
		if (p == end)		/* trailing blanks */
			break;
		if ((eq = memchr(p, '=', (size_t)(comma - p))) == NULL)
			goto bad;
		for (k = p, klen = (size_t)(eq - p); klen > 0 &&
		    is_ows(k[klen - 1]); klen--)
			;
		for (v = eq + 1; v < comma && is_ows(*v); v++)
			;
		for (vlen = (size_t)(comma - v); vlen > 0 &&
		    is_ows(v[vlen - 1]); vlen--)
			;
		if (klen == 6 && memcmp(k, "Access", 6) == 0)
			r = auth_part(a.access_key, sizeof(a.access_key), v,
			    vlen, 'A');
		else if (klen == 13 && memcmp(k, "SignedHeaders", 13) == 0)
			r = auth_part(a.signed_headers,
			    sizeof(a.signed_headers), v, vlen, 'H');
		else if (klen == 9 && memcmp(k, "Signature", 9) == 0)
			r = auth_part(a.signature, sizeof(a.signature), v,
			    vlen, 'S');
		else
			r = -1;
		if (r != 0)
			goto bad;
		if (comma == end)
			break;
	}
	if (a.access_key[0] == '\0') {
		wj_errinfo_set(ei, "authorization Access missing");
		return WJ_ERR_AUTH;
	}
	if (a.signed_headers[0] == '\0') {
		wj_errinfo_set(ei, "authorization SignedHeaders missing");
		return WJ_ERR_AUTH;
	}
	if (a.signature[0] == '\0') {
		wj_errinfo_set(ei, "authorization Signature missing");
		return WJ_ERR_AUTH;
	}
	*out = a;
	return 0;
 bad:
	wj_errinfo_set(ei, "malformed authorization header");
	return WJ_ERR_AUTH;
}

int
sig_parse_date(const char *s, int64_t *ms)
{
	return wj_time_parse_sdk(s, ms);
}

void
sig_format_date(int64_t ms, char out[17])
{
	wj_time_fmt_sdk(ms, out);
}
