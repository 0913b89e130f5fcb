/*
 * router.c - match a raw request path against an application's route
 * table (entries of its own size, each starting with a struct
 * http_route), knowing nothing else of the entries.  Segments
 * are compared raw; "{param}" segments are percent-decoded into
 * req->params.  No path may match by decoding into another route (a
 * "%2F" stays inside its segment).
 */
#include <string.h>

#include "http.h"

/*
 * Match path against one pattern; fills params.  1 on match, 0 if not.
 */
static int
match_pattern(const char *pattern, const char *path, struct http_req *req)
{
	const char *p = pattern, *s = path, *pe, *se;
	int np = 0, too_long = 0;
	size_t pl, sl;
	long d;

	while (*p == '/' && *s == '/') {
		p++;
		s++;
		pe = strchr(p, '/');
		se = strchr(s, '/');
		pl = pe ? (size_t)(pe - p) : strlen(p);
		sl = se ? (size_t)(se - s) : strlen(s);
		if (pl > 2 && p[0] == '{' && p[pl - 1] == '}') {
			if (sl == 0 || np >= HTTP_MAX_PARAMS)
				return 0;
			d = wj_pct_decode(s, sl, 0, req->params[np],
			    sizeof(req->params[np]));
			/* Too long, or a "%00" that would cut the value short
			 * (a truncated ID must not be looked up). */
			if (d < 0 || (size_t)d != strlen(req->params[np])) {
				req->params[np][0] = '\0';
				too_long |= 1 << np;
			}
			np++;
		} else if (pl != sl || memcmp(p, s, pl) != 0)
			return 0;
		p += pl;
		s += sl;
	}
	if (*p != '\0' || *s != '\0')
		return 0;
	req->param_too_long = too_long;
	return 1;
}

/* The i-th entry of a table of entries stride bytes apart. */
static const struct http_route *
entry(const struct http_route *table, size_t stride, size_t i)
{
	return (const struct http_route *)(const void *)
	    ((const char *)table + i * stride);
}

int
http_route_match(const struct http_route *table, size_t n, size_t stride,
    struct http_req *req)
{
	const struct http_route *t;
	size_t i, alen = 0;
	int path_seen = 0;

	req->route = -1;
	req->allow[0] = '\0';
	if (req->path == NULL || req->path[0] != '/')
		return WJ_ERR_NO_ROUTE;
	for (i = 0; i < n; i++) {
		t = entry(table, stride, i);
		if (t->listener != req->listener ||
		    !match_pattern(t->pattern, req->path, req))
			continue;
		if (strcmp(t->method, req->method) == 0) {
			req->route = (int)i;
			return 0;
		}
		path_seen = 1;
		/* Allow: "GET, POST" */
		if (alen + strlen(t->method) + 3 < sizeof(req->allow)) {
			if (alen > 0) {
				memcpy(req->allow + alen, ", ", 2);
				alen += 2;
			}
			memcpy(req->allow + alen, t->method, strlen(t->method));
			alen += strlen(t->method);
			req->allow[alen] = '\0';
		}
	}
	return path_seen ? WJ_ERR_METHOD : WJ_ERR_NO_ROUTE;
}
