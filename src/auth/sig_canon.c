/*
 * sig_canon.c - the canonical request of an AK/SK signature, rebuilt
 * from the raw parts of a request only: the raw path, the raw query, the
 * received headers, the body bytes (docs/API.md#authentication).  It
 * tolerates where the official SDKs differ: the canonical URI with and
 * without percent-decoding, the payload hash of an empty body with
 * X-Sdk-Content-Sha256.  Also percent-encoding and -decoding, and the
 * header helpers the other parts of the module use.
 */
#include <stdlib.h>
#include <string.h>

#include "../model/limits.h"
#include "../util/crypto.h"
#include "../util/util.h"
#include "sig_int.h"

void
sig_canon_init(struct canon *c)
{
	memset(c, 0, sizeof(*c));
	buf_init(&c->head);
	buf_init(&c->uri[SIG_URI_DECODE]);
	buf_init(&c->uri[SIG_URI_RAW]);
	buf_init(&c->tail);
}

void
sig_canon_free(struct canon *c)
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
int
sig_is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

unsigned char
sig_lower(unsigned char c)
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
		if (a[i] == '\0' || sig_lower(a[i]) != sig_lower(b[i]))
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
const char *
sig_trim(const char *s, size_t *n)
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
	long d;
	int r;

	/* The result is never longer than the input: it fits in n bytes
	 * and the NUL that buf_reserve keeps room for. */
	if ((r = buf_reserve(out, n)) != 0)
		return r;
	if ((d = wj_pct_decode(s, n, plus_space, out->data + out->len,
	    n + 1)) < 0)
		return WJ_ERR_INTERNAL;
	out->len += (size_t)d;
	return 0;
}

/*
 * Canonical URI: percent-encode each '/'-separated segment
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
 * Canonical query string from the raw query: split on
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
int
sig_find_header(const struct sig_request *req, const char *name, size_t n,
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
int
sig_list_has(const char *list, const char *name)
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
 * CanonicalHeaders "\n" SignedHeaders: one line per name
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
			if (!sig_is_tchar((unsigned char)p[i]))
				break;
		if (n == 0 || i < n) {
			wj_errinfo_set(ei, "malformed SignedHeaders");
			return WJ_ERR_AUTH;
		}
		if ((r = sig_find_header(req, p, n, &v, ei)) != 0)
			return r;
		if (v == NULL) {
			wj_errinfo_set(ei, "signed header %.*s missing",
			    (int)(n > 64 ? 64 : n), p);
			return WJ_ERR_AUTH;
		}
		if ((r = check_value(v, &vlen, p, n, ei)) != 0)
			return r;
		v = sig_trim(v, &vlen);
		for (i = 0; i < n; i++)
			if ((r = buf_putc(out, (char)sig_lower(p[i]))) != 0)
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
int
sig_canon_build(const struct sig_request *req, const struct alg *a,
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
		if (!sig_is_tchar((unsigned char)req->method[i]))
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

	/* METHOD in upper case. */
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

	/* The header wins over the body hash, used verbatim. */
	if ((r = sig_find_header(req, a->content, strlen(a->content), &v,
	    ei)) != 0)
		return r;
	if (v != NULL && (r = check_value(v, &n, a->content,
	    strlen(a->content), ei)) != 0)
		return r;
	c->content = v;
	if (req->body_len > 0)
		return sig_md_hex(a, req->body, req->body_len, c->body_hash);
	memcpy(c->body_hash, a->empty_hash, SIG_HASH_HEX_LEN + 1);
	return 0;
}

/* The payload hash as the Python SDK computes it. */
const char *
sig_python_payload_hash(const struct sig_request *req, const struct canon *c)
{
	if (req->body_len > 0 && c->content != NULL)
		return c->content;
	return c->body_hash;
}

int
sig_canon_assemble(const struct canon *c, int mode, const char *hash,
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

int
sig_canonical_request(const struct sig_request *req,
    const char *signed_headers, int alg, int uri_mode, struct buf *out,
    struct wj_errinfo *ei)
{
	const struct alg *a;
	struct canon c;
	size_t len0 = out->len;
	int r;

	if ((a = sig_alg_get(alg)) == NULL) {
		wj_errinfo_set(ei, "unsupported signature algorithm");
		return WJ_ERR_AUTH;
	}
	if (uri_mode != SIG_URI_DECODE && uri_mode != SIG_URI_RAW)
		return WJ_ERR_INVALID;
	sig_canon_init(&c);
	if ((r = sig_canon_build(req, a, signed_headers, 1 << uri_mode, &c,
	    ei)) != 0 ||
	    (r = sig_canon_assemble(&c, uri_mode,
	    sig_python_payload_hash(req, &c), out)) != 0)
		goto out;
	r = 0;
 out:
	/* All or nothing: drop a partial append. */
	if (r != 0 && out->data != NULL) {
		out->len = len0;
		out->data[len0] = '\0';
	}
	sig_canon_free(&c);
	return r;
}
