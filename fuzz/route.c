/*
 * route.c - the route matcher (src/http/router.c) over the service's own
 * route table (src/api/api.c).
 *
 * Input: byte 0 picks the listener and method, the rest is the raw path.
 * Invariants: a match names a route of that listener and method whose
 * literal segments equal the path's; every parameter is NUL-terminated
 * within its buffer, and is empty when marked bad; 405 only with an
 * Allow list of methods that do serve the path; no path matches by
 * decoding into another route (a decoded parameter holds no '/' unless
 * the raw segment had "%2F").
 */
#include "fuzz.h"
#include "api/api.h"

#define N api_n_routes

/* The i-th route of the service's table. */
static const struct http_route *
route(int i)
{
	return &api_routes[i].http;
}

static const char *methods[] = { "GET", "POST", "PUT", "DELETE", "HEAD",
    "get", "" };

static size_t
segments(const char *p)
{
	size_t n = 0;

	for (; *p != '\0'; p++)
		n += *p == '/';
	return n;
}

/* Whether m is one of the ", "-separated entries of allow. */
static int
listed(const char *allow, const char *m)
{
	size_t n = strlen(m);
	const char *p = allow;

	for (;;) {
		if (strncmp(p, m, n) == 0 && (p[n] == '\0' || p[n] == ','))
			return 1;
		if ((p = strstr(p, ", ")) == NULL)
			return 0;
		p += 2;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_req r;
	char *path;
	size_t i;
	int e;

	if (size < 1 || size > 8192)
		return 0;
	if ((path = fuzz_strndup(data + 1, size - 1)) == NULL)
		return 0;
	memset(&r, 0, sizeof(r));
	r.listener = data[0] & 1;
	r.method = methods[(data[0] >> 1) % (sizeof(methods) /
	    sizeof(methods[0]))];
	r.path = path;
	e = http_route_match(route(0), N, sizeof(api_routes[0]), &r);
	for (i = 0; i < HTTP_MAX_PARAMS; i++) {
		FUZZ_CHECK(memchr(r.params[i], '\0', sizeof(r.params[i])) !=
		    NULL);
		if (r.param_too_long & (1 << i))
			FUZZ_CHECK(r.params[i][0] == '\0');
	}
	FUZZ_CHECK(memchr(r.allow, '\0', sizeof(r.allow)) != NULL);
	if (e == 0) {
		FUZZ_CHECK(r.route >= 0 && (size_t)r.route < N);
		FUZZ_CHECK(route(r.route)->listener == r.listener);
		FUZZ_CHECK(strcmp(route(r.route)->method, r.method) == 0);
		FUZZ_CHECK(segments(route(r.route)->pattern) ==
		    segments(path));
		for (i = 0; i < HTTP_MAX_PARAMS; i++)
			if (strchr(r.params[i], '/') != NULL)
				FUZZ_CHECK(strstr(path, "%2F") != NULL ||
				    strstr(path, "%2f") != NULL);
	} else if (e == WJ_ERR_METHOD) {
		FUZZ_CHECK(r.route == -1 && r.allow[0] != '\0');
		FUZZ_CHECK(!listed(r.allow, r.method));
	} else
		FUZZ_CHECK(e == WJ_ERR_NO_ROUTE && r.route == -1);
	free(path);
	return 0;
}
