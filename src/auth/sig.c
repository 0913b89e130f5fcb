/*
 * sig.c - AK/SK request signatures, SDK-HMAC-SHA256 (spec/auth.md §2).
 *
 * The canonical request is rebuilt from the raw parts of a request only:
 * the raw path, the raw query, the received headers, the body bytes.
 * The verifier tolerates the differences between the official SDKs listed
 * in spec/auth.md §2.6 (canonical URI with and without decoding, the
 * payload hash of an empty body with X-Sdk-Content-Sha256).  Key lookup,
 * clock skew and AK lock-out are the caller's business (auth/authn.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "../model/limits.h"
#include "../util/crypto.h"
#include "sig.h"

#define SIG_ALG_NAME		"SDK-HMAC-SHA256"
#define SIG_CONTENT_HEADER	"x-sdk-content-sha256"	/* §2.2-9 */
#define SIG_DATE_HEADER		"x-sdk-date"
#define SIG_DATE_LEN		16	/* YYYYMMDDTHHMMSSZ */
#define SIG_HASH_HEX_LEN	(2 * WJ_SHA256_LEN)
#define SIG_METHOD_MAX		32	/* more than any HTTP method */
#define SIG_SK_MAX		1024	/* HMAC key; ours have 40 bytes */
#define SIG_AUTH_VALUE_MAX	4096	/* AK, list and hex fit */
/* One name and ';' per header: at most this many signed headers. */
#define SIG_SIGN_HEADERS_MAX	(SIG_SIGNED_HEADERS_MAX / 2)
/*
 * Ceiling of one canonical request.  Each signed value is at most
 * WJ_HEADER_VALUE_MAX; the whole stays far below what a signer sends
 * (a few hundred bytes, a few KB with X-Security-Token).
 */
#define SIG_CANONICAL_MAX	(256 * 1024)
/* Latest instant sig_format_date can render: 9999-12-31T23:59:59Z. */
#define SIG_DATE_MS_MAX		INT64_C(253402300799999)

/* SHA-256 of the empty string (§2.2-9). */
static const char empty_sha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/* The canonical request in pieces, so verify can try its variants. */
struct canon {
	struct buf	 head;		/* METHOD "\n" */
	struct buf	 uri[2];	/* indexed by enum sig_uri_mode */
	struct buf	 tail;		/* \n query \n headers \n list \n */
	const char	*content;	/* X-Sdk-Content-Sha256 value */
	char		 body_hash[SIG_HASH_HEX_LEN + 1];
};

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

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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
		    (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
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
canon_build(const struct sig_request *req, const char *list, int modes,
    struct canon *c, struct wj_errinfo *ei)
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
	if ((r = find_header(req, SIG_CONTENT_HEADER,
	    strlen(SIG_CONTENT_HEADER), &v, ei)) != 0)
		return r;
	if (v != NULL && (r = check_value(v, &n, SIG_CONTENT_HEADER,
	    strlen(SIG_CONTENT_HEADER), ei)) != 0)
		return r;
	c->content = v;
	if (req->body_len > 0)
		wj_sha256_hex(req->body, req->body_len, c->body_hash);
	else
		memcpy(c->body_hash, empty_sha256, sizeof(empty_sha256));
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

/* Lower-case hex HMAC-SHA256 of the string to sign (§2.2-11, 12). */
static int
signature_hex(const char *canonical, size_t clen, const char *date,
    const char *sk, size_t sk_len, char out[SIG_HASH_HEX_LEN + 1])
{
	char sts[sizeof(SIG_ALG_NAME) + SIG_DATE_LEN + SIG_HASH_HEX_LEN + 3];
	char hash[SIG_HASH_HEX_LEN + 1];
	uint8_t mac[WJ_SHA256_LEN];
	int n;

	wj_sha256_hex(canonical, clen, hash);
	n = snprintf(sts, sizeof(sts), "%s\n%s\n%s", SIG_ALG_NAME, date, hash);
	if (n < 0 || (size_t)n >= sizeof(sts))
		return WJ_ERR_INTERNAL;
	wj_hmac_sha256(sk, sk_len, sts, (size_t)n, mac);
	wj_hex(mac, sizeof(mac), out);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
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
	struct canon c;
	size_t len0 = out->len;
	int r;

	if (alg != SIG_ALG_HMAC_SHA256) {
		wj_errinfo_set(ei, "unsupported signature algorithm");
		return WJ_ERR_AUTH;
	}
	if (uri_mode != SIG_URI_DECODE && uri_mode != SIG_URI_RAW)
		return WJ_ERR_INVALID;
	canon_init(&c);
	if ((r = canon_build(req, signed_headers, 1 << uri_mode, &c,
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

int
sig_verify(const struct sig_request *req, const struct sig_auth *auth,
    const char *sk, size_t sk_len, struct wj_errinfo *ei)
{
	struct canon c;
	struct buf cr;
	char date[SIG_DATE_LEN + 1], expect[SIG_HASH_HEX_LEN + 1];
	const char *hashes[2];
	size_t nhash, i, siglen;
	int mode, nmodes, match = 0, r;

	canon_init(&c);
	buf_init(&cr);
	if (auth == NULL || sk == NULL || sk_len == 0 || sk_len > SIG_SK_MAX) {
		r = WJ_ERR_INVALID;
		goto out;
	}
	if (auth->alg != SIG_ALG_HMAC_SHA256) {
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
	if ((r = canon_build(req, auth->signed_headers,
	    1 << SIG_URI_DECODE | 1 << SIG_URI_RAW, &c, ei)) != 0 ||
	    (r = get_date(req, date, ei)) != 0)
		goto out;

	/*
	 * §2.3-6: with an empty body and X-Sdk-Content-Sha256, Python hashes
	 * the empty string, Go and Node.js use the header: accept either.
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

	siglen = strnlen(auth->signature, sizeof(auth->signature));
	for (mode = 0; mode < nmodes; mode++) {
		for (i = 0; i < nhash; i++) {
			cr.len = 0;
			if ((r = canon_assemble(&c, mode, hashes[i],
			    &cr)) != 0 ||
			    (r = signature_hex(cr.data, cr.len, date, sk,
			    sk_len, expect)) != 0)
				goto out;
			/* Length is public; bytes compare in constant time. */
			if (siglen == SIG_HASH_HEX_LEN &&
			    wj_ct_equal(expect, auth->signature, siglen))
				match = 1;
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
	if (req->body_len > 0 && c.content != NULL &&
	    strcmp(c.content, "UNSIGNED-PAYLOAD") != 0 &&
	    (strlen(c.content) != SIG_HASH_HEX_LEN ||
	    !wj_ct_equal(c.content, c.body_hash, SIG_HASH_HEX_LEN))) {
		wj_errinfo_set(ei, "verify aksk signature fail");
		r = WJ_ERR_AUTH;
		goto out;
	}
	r = 0;
 out:
	OPENSSL_cleanse(expect, sizeof(expect));
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
	struct canon c;
	struct buf list, cr, auth;
	char date[SIG_DATE_LEN + 1], sig[SIG_HASH_HEX_LEN + 1];
	size_t i, aklen, sklen;
	int r;

	*out = NULL;
	canon_init(&c);
	buf_init(&list);
	buf_init(&cr);
	buf_init(&auth);
	memset(sig, 0, sizeof(sig));
	if (req == NULL || ak == NULL || sk == NULL) {
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
	if ((r = canon_build(req, list.data, 1 << SIG_URI_DECODE, &c,
	    NULL)) != 0 ||
	    (r = get_date(req, date, NULL)) != 0 ||
	    (r = canon_assemble(&c, SIG_URI_DECODE,
	    python_payload_hash(req, &c), &cr)) != 0 ||
	    (r = signature_hex(cr.data, cr.len, date, sk, sklen, sig)) != 0) {
		/* The caller's own request is at fault, not a peer. */
		if (r == WJ_ERR_AUTH)
			r = WJ_ERR_INVALID;
		goto out;
	}
	if ((r = buf_printf(&auth, "%s Access=%s, SignedHeaders=%s, "
	    "Signature=%s", SIG_ALG_NAME, ak, list.data, sig)) != 0)
		goto out;
	*out = buf_take(&auth, NULL);
	if (*out == NULL) {
		r = WJ_ERR_NOMEM;
		goto out;
	}
	r = 0;
 out:
	OPENSSL_cleanse(sig, sizeof(sig));
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
			ok = hexval(c) >= 0;
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
	struct sig_auth a;
	const char *p, *end, *comma, *eq, *k, *v;
	size_t len, klen, vlen;
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
	if ((size_t)(p - k) != strlen(SIG_ALG_NAME) ||
	    memcmp(k, SIG_ALG_NAME, strlen(SIG_ALG_NAME)) != 0) {
		wj_errinfo_set(ei, "unsupported signature algorithm");
		return WJ_ERR_AUTH;
	}
	a.alg = SIG_ALG_HMAC_SHA256;
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

/* Whole decimal number of exactly n digits at s. */
static int
digits(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
sig_parse_date(const char *s, int64_t *ms)
{
	static const int mdays[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm;
	int y, mo, d, h, mi, sec, dim;
	time_t t;

	*ms = 0;
	if (s == NULL || strnlen(s, SIG_DATE_LEN + 1) != SIG_DATE_LEN ||
	    s[8] != 'T' || s[15] != 'Z' ||
	    digits(s, 4, &y) != 0 || digits(s + 4, 2, &mo) != 0 ||
	    digits(s + 6, 2, &d) != 0 || digits(s + 9, 2, &h) != 0 ||
	    digits(s + 11, 2, &mi) != 0 || digits(s + 13, 2, &sec) != 0)
		return WJ_ERR_INVALID;
	if (y < 1970 || mo < 1 || mo > 12)
		return WJ_ERR_INVALID;
	dim = mdays[mo - 1];
	if (mo == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		dim = 29;
	/* Python's strptime/datetime refuse second 60 as well. */
	if (d < 1 || d > dim || h > 23 || mi > 59 || sec > 59)
		return WJ_ERR_INVALID;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return WJ_ERR_INVALID;
	*ms = (int64_t)t * 1000;
	return 0;
}

void
sig_format_date(int64_t ms, char out[17])
{
	struct tm tm;
	time_t t;

	/* Clamp to what the format can express (years 1970..9999). */
	if (ms < 0)
		ms = 0;
	if (ms > SIG_DATE_MS_MAX)
		ms = SIG_DATE_MS_MAX;
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != SIG_DATE_LEN)
		memcpy(out, "19700101T000000Z", 17);
}
