/*
 * sig_parse.c - what a request says about its signature: the
 * Authorization header ("SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b,
 * Signature=hex") and the X-Sdk-Date header.  The date form itself is
 * util/time.c's.
 */
#include <string.h>

#include "../model/limits.h"
#include "../util/crypto.h"
#include "sig_int.h"

/* The X-Sdk-Date value, trimmed, checked and copied into date. */
int
sig_get_date(const struct sig_request *req, char date[SIG_DATE_LEN + 1],
    struct wj_errinfo *ei)
{
	const char *v;
	size_t n;
	int64_t ms;
	int r;

	if ((r = sig_find_header(req, SIG_DATE_HEADER, strlen(SIG_DATE_HEADER),
	    &v, ei)) != 0)
		return r;
	if (v == NULL) {
		wj_errinfo_set(ei, "signed header x-sdk-date missing");
		return WJ_ERR_AUTH;
	}
	n = strnlen(v, WJ_HEADER_VALUE_MAX + 1);
	v = sig_trim(v, &n);
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
			ok = c == ';' || sig_is_tchar(c);
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

/*
 * One "key=value" item p[0..end) (blanks around both allowed) into its
 * part of a; -1 for an unknown key, a repeated part or a bad value.
 */
static int
auth_item(struct sig_auth *a, const char *p, const char *end)
{
	const char *eq, *v;
	size_t klen, vlen;

	if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL)
		return -1;
	for (klen = (size_t)(eq - p); klen > 0 && is_ows(p[klen - 1]); klen--)
		;
	for (v = eq + 1; v < end && is_ows(*v); v++)
		;
	for (vlen = (size_t)(end - v); vlen > 0 && is_ows(v[vlen - 1]); vlen--)
		;
	if (klen == 6 && memcmp(p, "Access", 6) == 0)
		return auth_part(a->access_key, sizeof(a->access_key), v, vlen,
		    'A');
	if (klen == 13 && memcmp(p, "SignedHeaders", 13) == 0)
		return auth_part(a->signed_headers, sizeof(a->signed_headers),
		    v, vlen, 'H');
	if (klen == 9 && memcmp(p, "Signature", 9) == 0)
		return auth_part(a->signature, sizeof(a->signature), v, vlen,
		    'S');
	return -1;
}

/* Whether a has all three parts; the missing one named in ei. */
static int
auth_complete(const struct sig_auth *a, struct wj_errinfo *ei)
{
	if (a->access_key[0] == '\0') {
		wj_errinfo_set(ei, "authorization Access missing");
		return WJ_ERR_AUTH;
	}
	if (a->signed_headers[0] == '\0') {
		wj_errinfo_set(ei, "authorization SignedHeaders missing");
		return WJ_ERR_AUTH;
	}
	if (a->signature[0] == '\0') {
		wj_errinfo_set(ei, "authorization Signature missing");
		return WJ_ERR_AUTH;
	}
	return 0;
}

int
sig_parse_authorization_algs(const char *value, unsigned accept,
    struct sig_auth *out, struct wj_errinfo *ei)
{
	const struct alg *row;
	struct sig_auth a;
	const char *p, *end, *comma, *k;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&a, 0, sizeof(a));
	if (value == NULL ||
	    (len = strnlen(value, SIG_AUTH_VALUE_MAX + 1)) >
	    SIG_AUTH_VALUE_MAX)
		goto bad;
	p = value;
	end = value + len;
	while (p < end && is_ows(*p))
		p++;
	for (k = p; p < end && !is_ows(*p); p++)
		;
	if ((row = sig_alg_by_name(k, (size_t)(p - k))) == NULL ||
	    (accept & SIG_ALG_MASK(row->id)) == 0) {
		wj_errinfo_set(ei, "unsupported signature algorithm");
		return WJ_ERR_AUTH;
	}
	a.alg = row->id;
	for (; p < end; p = comma + 1) {
		if ((comma = memchr(p, ',', (size_t)(end - p))) == NULL)
			comma = end;
		while (p < comma && is_ows(*p))
			p++;
		if (p == end)		/* trailing blanks */
			break;
		if (auth_item(&a, p, comma) != 0)
			goto bad;
		if (comma == end)
			break;
	}
	if ((r = auth_complete(&a, ei)) != 0)
		return r;
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
