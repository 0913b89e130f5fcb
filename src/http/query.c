/*
 * query.c - the query-string splitter (percent-decoding is util's
 * wj_pct_decode).
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"

static int
dup_decoded(const char *s, size_t n, char **out, size_t *len)
{
	long d;

	if ((*out = malloc(n + 1)) == NULL)
		return WJ_ERR_NOMEM;
	d = wj_pct_decode(s, n, 1, *out, n + 1);
	*len = d < 0 ? 0 : (size_t)d;
	return 0;
}

void
http_query_free(struct http_qparam *p, size_t n)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].value);
	}
	free(p);
}

int
http_query_parse(const char *raw, struct http_qparam **out, size_t *np)
{
	struct http_qparam *p = NULL;
	const char *s = raw, *amp, *eq;
	size_t n = 0, len, nl;
	int r = 0;

	*out = NULL;
	*np = 0;
	if (raw == NULL || *raw == '\0')
		return 0;
	if ((p = calloc(HTTP_QUERY_MAX_PARAMS, sizeof(*p))) == NULL)
		return WJ_ERR_NOMEM;
	for (; *s != '\0'; s = *amp ? amp + 1 : amp) {
		amp = strchr(s, '&');
		if (amp == NULL)
			amp = s + strlen(s);
		if ((len = (size_t)(amp - s)) == 0)
			continue;
		if (n == HTTP_QUERY_MAX_PARAMS) {
			r = WJ_ERR_INVALID;
			goto out;
		}
		eq = memchr(s, '=', len);
		nl = eq != NULL ? (size_t)(eq - s) : len;
		if ((r = dup_decoded(s, nl, &p[n].name, &p[n].name_len)) != 0)
			goto out;
		n++;
		if (eq != NULL)
			r = dup_decoded(eq + 1, len - nl - 1, &p[n - 1].value,
			    &p[n - 1].value_len);
		else
			r = dup_decoded("", 0, &p[n - 1].value,
			    &p[n - 1].value_len);
		if (r != 0)
			goto out;
	}
 out:
	if (r != 0) {
		http_query_free(p, n);
		return r;
	}
	*out = p;
	*np = n;
	return 0;
}
