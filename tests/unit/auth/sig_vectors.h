/*
 * sig_vectors.h - what the signature tests (test_sig.c, test_sig_algs.c,
 * and the client's test_sign.c) share: the vector files' loader, a
 * request as a server receives it (struct vreq), built from a vector and
 * mutable byte by byte, with the helpers that build and verify it, a
 * small request
 * of a test's own (struct mini) and the key, date and host it is signed
 * with.  Header-only, static
 * inline: each test is its own executable and uses its own subset.
 * Include it after <cmocka.h>: the helpers assert with it.
 */
#ifndef WJ_TEST_SIG_VECTORS_H
#define WJ_TEST_SIG_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auth/sig.h"

/* The key, date and host the tests' own requests are signed with. */
#define TEST_SK "ExampleSecretKeyForSigningVectors0000001"
#define TEST_AK "HPUAEXAMPLEAKID00001"
#define TEST_DATE "20250101T080910Z"
#define TEST_HOST "workspace.example-region-1.example.com"

/* The vector file name of tests/data (or $WJ_TEST_DATA), which must hold
 * want vectors; NULL, said on stderr, otherwise. */
static inline json_t *
vfile_load(const char *name, size_t want)
{
	const char *dir = getenv("WJ_TEST_DATA");
	json_error_t jerr;
	json_t *doc, *vs;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : "tests/data",
	    name);
	if ((doc = json_load_file(path, 0, &jerr)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, jerr.text);
		return NULL;
	}
	vs = json_object_get(doc, "vectors");
	if (!json_is_array(vs) || json_array_size(vs) != want) {
		fprintf(stderr, "%s: expected %zu vectors\n", path, want);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* Free the two vector files of a test program (vfiles_load). */
static inline void
vfiles_free(json_t *docs[2])
{
	json_decref(docs[0]);
	json_decref(docs[1]);
	docs[0] = docs[1] = NULL;
}

/* Each vector v of the two files, f the file's index (0 or 1), i the
 * vector's within it. */
#define vfiles_foreach(docs, f, i, v)					\
	for ((f) = 0; (f) < 2; (f)++)					\
		json_array_foreach(json_object_get((docs)[f], "vectors"), i, v)

/* The two vector files a test program reads, each with its want[] count
 * of vectors (vfile_load); 0, or -1 with nothing loaded. */
static inline int
vfiles_load(json_t *docs[2], const char *const files[2],
    const size_t want[2])
{
	docs[0] = vfile_load(files[0], want[0]);
	docs[1] = vfile_load(files[1], want[1]);
	if (docs[0] == NULL || docs[1] == NULL) {
		vfiles_free(docs);
		return -1;
	}
	return 0;
}

/* The request of one vector; hdrs points into names/vals (vreq_sync). */
struct vreq {
	char		 method[32];
	char		*path;
	char		*query;		/* NULL: no '?' in target */
	struct sig_header *hdrs;
	char		**names;
	char		**vals;
	size_t		 nh;
	char		*body;
	size_t		 body_len;
};

static inline char *
xstrndup(const char *s, size_t n)
{
	char *p;

	assert_non_null(p = malloc(n + 1));
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static inline char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* The string member key of o, or NULL. */
static inline const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static inline void
vreq_add_header(struct vreq *r, const char *name, const char *value)
{
	size_t n = r->nh + 1;

	assert_non_null(r->names = realloc(r->names, n * sizeof(*r->names)));
	assert_non_null(r->vals = realloc(r->vals, n * sizeof(*r->vals)));
	r->names[r->nh] = xstrdup(name);
	r->vals[r->nh] = xstrdup(value);
	r->nh = n;
}

/* Refresh the sig_header array after names/vals changed. */
static inline void
vreq_sync(struct vreq *r)
{
	size_t i;

	free(r->hdrs);
	assert_non_null(r->hdrs = calloc(r->nh + 1, sizeof(*r->hdrs)));
	for (i = 0; i < r->nh; i++) {
		r->hdrs[i].name = r->names[i];
		r->hdrs[i].value = r->vals[i];
	}
}

/* The request of r, as the verifier receives it (borrowing r's bytes). */
static inline void
vreq_request(const struct vreq *r, struct sig_request *req)
{
	memset(req, 0, sizeof(*req));
	req->method = r->method;
	req->path = r->path;
	req->query = r->query;
	req->headers = r->hdrs;
	req->n_headers = r->nh;
	req->body = r->body;
	req->body_len = r->body_len;
}

/* sig_verify of r under a and sk: its result, the reason in ei. */
static inline int
vreq_verify(const struct vreq *r, const struct sig_auth *a, const char *sk,
    struct wj_errinfo *ei)
{
	struct sig_request req;

	vreq_request(r, &req);
	memset(ei, 0, sizeof(*ei));
	return sig_verify(&req, a, sk, strlen(sk), ei);
}

/*
 * Fail unless r verifies under a and sk (accept), or is refused with a
 * reason (!accept); name, what and i say which case it was.
 */
static inline void
vreq_expect(const struct vreq *r, const struct sig_auth *a, const char *sk,
    int accept, const char *name, const char *what, size_t i)
{
	struct wj_errinfo ei;
	int rc = vreq_verify(r, a, sk, &ei);

	if (accept && rc != 0)
		fail_msg("%s: %s %zu: rejected (%d, %s)", name, what, i, rc,
		    ei.detail);
	if (!accept && rc != WJ_ERR_AUTH)
		fail_msg("%s: %s %zu: verify gave %d, want WJ_ERR_AUTH", name,
		    what, i, rc);
	if (!accept && ei.detail[0] == '\0')
		fail_msg("%s: %s %zu: no reason given", name, what, i);
}

/* Split a request target "path[?query]" into r's path and query. */
static inline void
vreq_set_target(struct vreq *r, const char *target)
{
	const char *q = strchr(target, '?');

	if (q == NULL) {
		r->path = xstrdup(target);
		r->query = NULL;
	} else {
		r->path = xstrndup(target, (size_t)(q - target));
		r->query = xstrdup(q + 1);
	}
}

/* r's target from a URL "scheme://netloc/path?query" and its headers
 * from the object hs (name: value, in the object's order). */
static inline void
vreq_from_url(struct vreq *r, const char *url, json_t *hs)
{
	const char *p, *k;
	json_t *val;

	assert_non_null(url);
	assert_non_null(p = strstr(url, "://"));
	assert_non_null(p = strchr(p + 3, '/'));
	vreq_set_target(r, p);
	assert_true(json_is_object(hs));
	json_object_foreach(hs, k, val)
		vreq_add_header(r, k, json_string_value(val));
}

/* r's body: the string body, if it is one (no body otherwise). */
static inline void
vreq_set_body(struct vreq *r, json_t *body)
{
	if (!json_is_string(body))
		return;
	r->body_len = json_string_length(body);
	r->body = xstrndup(json_string_value(body), r->body_len);
}

static inline void
vreq_free(struct vreq *r)
{
	size_t i;

	for (i = 0; i < r->nh; i++) {
		free(r->names[i]);
		free(r->vals[i]);
	}
	free(r->names);
	free(r->vals);
	free(r->hdrs);
	free(r->path);
	free(r->query);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* A small request: host and date (and whatever the test adds). */
struct mini {
	struct sig_header h[8];
	struct sig_request req;
};

static inline void
mini_init(struct mini *m, const char *method, const char *path,
    const char *query)
{
	memset(m, 0, sizeof(*m));
	m->h[0].name = "Host";
	m->h[0].value = TEST_HOST;
	m->h[1].name = "X-Sdk-Date";
	m->h[1].value = TEST_DATE;
	m->req.method = method;
	m->req.path = path;
	m->req.query = query;
	m->req.headers = m->h;
	m->req.n_headers = 2;
}

static inline void
mini_add(struct mini *m, const char *name, const char *value)
{
	assert_true(m->req.n_headers < 8);
	m->h[m->req.n_headers].name = name;
	m->h[m->req.n_headers].value = value;
	m->req.n_headers++;
}

#endif
