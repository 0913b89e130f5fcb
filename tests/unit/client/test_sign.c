/*
 * test_sign.c - the client's side of AK/SK signing (src/client/).  That
 * sig_sign reproduces every vector's Authorization from the headers a
 * vector signed is tests/unit/auth/test_sig.c's; here the client's own
 * header assembly (client_sign: Content-Type, Host, X-Project-Id,
 * X-Sdk-Date + extras) must reproduce every SDK vector a client sending
 * those headers could have produced, and what it signs must verify.
 * Also the endpoint parser, client_open's credentials, path/query
 * encoding and the sanitiser.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "auth/sig.h"
#include "client/client.h"
#include "../auth/sig_vectors.h"

#define TEST_PROJECT "0123456789abcdef0123456789abcdef"

static json_t *docs[2];

static int
setup(void **state)
{
	static const char *files[2] = { "vectors/aksk-sha256.json",
	    "vectors/aksk-sha256-nodejs.json" };
	static const size_t want[2] = { 19, 8 };

	(void)state;
	return vfiles_load(docs, files, want);
}

static int
teardown(void **state)
{
	(void)state;
	vfiles_free(docs);
	return 0;
}

/* ---- vectors through client_sign ---------------------------------------- */

/* A header of the vector, by name in any case. */
static const char *
header(json_t *hs, const char *name)
{
	const char *k;
	json_t *v;

	json_object_foreach(hs, k, v)
		if (strcasecmp(k, name) == 0 && json_is_string(v))
			return json_string_value(v);
	return NULL;
}

static int
in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ';') && (p[n] == ';' ||
		    p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* The request target of a vector: Node has it, Python has the URL. */
static char *
target(json_t *v)
{
	const char *t = jstr(v, "request_target"), *u;

	if (t != NULL)
		return strdup(t);
	u = jstr(v, "url");
	assert_non_null(u);
	assert_non_null(u = strstr(u, "://"));
	assert_non_null(u = strchr(u + 3, '/'));
	return strdup(u);
}

/*
 * Sign vector v as the client would; 0 if the client could not have
 * sent it (its Content-Type is not application/json or unsigned),
 * 1 when signed and compared.
 */
static int
sign_vector(json_t *v)
{
	static const char *const own[] = { "content-type", "host",
	    "x-project-id", "x-sdk-date" };
	struct sig_header extra[CLIENT_EXTRA_HEADERS];
	struct client_sign_in in;
	const char *k, *ct, *sh, *end, *want = jstr(v, "authorization");
	json_t *hs = json_object_get(v, "headers_sent"), *hv;
	char *t, *q, *auth = NULL, lower[64], list[SIG_SIGNED_HEADERS_MAX + 1];
	size_t n = 0, i, j;

	assert_non_null(want);
	assert_non_null(sh = strstr(want, "SignedHeaders="));
	/* "SignedHeaders=a;b, Signature=...": the list ends at the comma */
	assert_non_null(end = strchr(sh, ','));
	(void)snprintf(list, sizeof(list), "%.*s", (int)(end - sh - 14),
	    sh + 14);
	ct = header(hs, "Content-Type");
	if (ct == NULL || strcmp(ct, "application/json") != 0 ||
	    !in_list(list, "content-type"))
		return 0;
	json_object_foreach(hs, k, hv) {
		for (j = 0; k[j] != '\0' && j + 1 < sizeof(lower); j++)
			lower[j] = (char)(k[j] >= 'A' && k[j] <= 'Z' ?
			    k[j] + 32 : k[j]);
		lower[j] = '\0';
		for (i = 0; i < 4 && strcmp(lower, own[i]) != 0; i++)
			;
		if (i < 4 || !in_list(list, lower))
			continue;
		assert_true(n < CLIENT_EXTRA_HEADERS);
		extra[n++] = (struct sig_header){ k, json_string_value(hv) };
	}
	t = target(v);
	q = strchr(t, '?');
	if (q != NULL)
		*q++ = '\0';
	memset(&in, 0, sizeof(in));
	in.method = jstr(v, "method");
	in.netloc = header(hs, "Host");
	in.path = t;
	in.query = q;
	in.project_id = header(hs, "X-Project-Id");
	in.date = header(hs, "X-Sdk-Date");
	in.body = jstr(v, "body");
	in.body_len = in.body != NULL ? strlen(in.body) : 0;
	in.extra = extra;
	in.n_extra = n;
	assert_int_equal(client_sign(&in, jstr(v, "access_key"),
	    jstr(v, "secret_key"), &auth), 0);
	if (strcmp(auth, want) != 0)
		fail_msg("%s:\n%s\n--- want ---\n%s", jstr(v, "name"), auth,
		    want);
	free(auth);
	free(t);
	return 1;
}

static void
test_client_sign_vectors(void **state)
{
	size_t f, i, signed_n = 0;
	json_t *v;

	(void)state;
	vfiles_foreach(docs, f, i, v)
		signed_n += (size_t)sign_vector(v);
	/*
	 * 19 + 8 vectors; the client always signs Content-Type:
	 * application/json, so three (octet-stream, none, unsigned) are
	 * not ones it could produce.
	 */
	assert_int_equal(signed_n, 24);
}

/* What the client signs, the server's verifier accepts. */
static void
test_client_sign_verifies(void **state)
{
	static const char *body = "{\"job_ids\":[\"a b\",\"\xe4\xbb\xbb\"]}";
	struct sig_header extra[1] = { { "X-Client-Token", "tok-1" } };
	struct sig_header hs[5];
	struct client_sign_in in;
	struct wj_errinfo ei;
	struct sig_request req;
	struct sig_auth a;
	struct buf q, p;
	char *auth = NULL;

	(void)state;
	buf_init(&q);
	buf_init(&p);
	assert_int_equal(buf_puts(&p, "/v2"), 0);
	assert_int_equal(client_path_add(&p, TEST_PROJECT), 0);
	assert_int_equal(buf_puts(&p, "/workspace-jobs"), 0);
	assert_int_equal(client_path_add(&p, "j/1 x~"), 0);
	assert_string_equal(p.data, "/v2/" TEST_PROJECT
	    "/workspace-jobs/j%2F1%20x~");
	assert_int_equal(client_query_add(&q, "status", "FAILED"), 0);
	assert_int_equal(client_query_add(&q, "job_id", "a+b&c=d"), 0);
	assert_string_equal(q.data, "status=FAILED&job_id=a%2Bb%26c%3Dd");
	memset(&in, 0, sizeof(in));
	in.method = "POST";
	in.netloc = "127.0.0.1:8080";
	in.path = p.data;
	in.query = q.data;
	in.project_id = TEST_PROJECT;
	in.date = TEST_DATE;
	in.body = body;
	in.body_len = strlen(body);
	in.extra = extra;
	in.n_extra = 1;
	assert_int_equal(client_sign(&in, TEST_AK, TEST_SK, &auth), 0);
	assert_non_null(strstr(auth, "SignedHeaders=content-type;host;"
	    "x-client-token;x-project-id;x-sdk-date, "));
	/* The headers as client_do sends them (plus unsigned ones). */
	hs[0] = (struct sig_header){ "Host", "127.0.0.1:8080" };
	hs[1] = (struct sig_header){ "Content-Type", "application/json" };
	hs[2] = (struct sig_header){ "X-Project-Id", TEST_PROJECT };
	hs[3] = (struct sig_header){ "X-Sdk-Date", TEST_DATE };
	hs[4] = (struct sig_header){ "X-Client-Token", "tok-1" };
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = p.data;
	req.query = q.data;
	req.headers = hs;
	req.n_headers = 5;
	req.body = body;
	req.body_len = strlen(body);
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(sig_parse_authorization(auth, &a, &ei), 0);
	assert_int_equal(sig_verify(&req, &a, TEST_SK, strlen(TEST_SK), &ei),
	    0);
	/* One byte of the body changed: refused. */
	req.body = "{\"job_ids\":[\"a b\",\"\xe4\xbb\xbc\"]}";
	assert_int_equal(sig_verify(&req, &a, TEST_SK, strlen(TEST_SK), &ei),
	    WJ_ERR_AUTH);
	free(auth);
	buf_free(&p);
	buf_free(&q);
}

static void
test_client_sign_bad_input(void **state)
{
	struct sig_header extra[CLIENT_EXTRA_HEADERS + 1];
	struct client_sign_in in;
	char *auth = (char *)"x";
	size_t i;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.method = "GET";
	in.netloc = "h";
	in.path = "/";
	in.date = TEST_DATE;
	for (i = 0; i <= CLIENT_EXTRA_HEADERS; i++)
		extra[i] = (struct sig_header){ "X-A", "1" };
	in.extra = extra;
	in.n_extra = CLIENT_EXTRA_HEADERS + 1;
	assert_int_equal(client_sign(&in, TEST_AK, TEST_SK, &auth),
	    WJ_ERR_INVALID);
	assert_null(auth);
	in.n_extra = 0;
	assert_int_not_equal(client_sign(&in, "", TEST_SK, &auth), 0);
	assert_int_not_equal(client_sign(&in, TEST_AK, "", &auth), 0);
	assert_int_not_equal(client_sign(&in, "A K", TEST_SK, &auth), 0);
}

/* ---- endpoints ---------------------------------------------------------- */

static void
test_endpoint_parse_ok(void **state)
{
	static const struct {
		const char *url, *scheme, *netloc, *base;
	} ok[] = {
		{ "http://127.0.0.1:8080", "http", "127.0.0.1:8080", "" },
		{ "http://127.0.0.1:8080/", "http", "127.0.0.1:8080", "" },
		{ "https://workspace.example.com", "https",
		    "workspace.example.com", "" },
		{ "http://[::1]:8081//", "http", "[::1]:8081", "" },
		{ "http://h/prefix/", "http", "h", "/prefix" },
		{ "http://h:1/a/b", "http", "h:1", "/a/b" },
	};
	struct client_endpoint ep;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (client_endpoint_parse(ok[i].url, &ep) != 0)
			fail_msg("%s refused", ok[i].url);
		assert_string_equal(ep.scheme, ok[i].scheme);
		assert_string_equal(ep.netloc, ok[i].netloc);
		assert_string_equal(ep.base, ok[i].base);
	}
}

static void
test_endpoint_parse_bad(void **state)
{
	static const char *bad[] = { "", "127.0.0.1:8080", "ftp://h/",
	    "http://", "http:///x", "http://:80", "http://h:", "http://h?x=1",
	    "http://h#f", "http://u@h", "http://h /x", "http://h\r\n",
	    "HTTP//h", "http:\\\\h" };
	struct client_endpoint ep;
	char longer[CLIENT_ENDPOINT_MAX + 16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (client_endpoint_parse(bad[i], &ep) == 0)
			fail_msg("[%zu] %s accepted", i, bad[i]);
	assert_int_equal(client_endpoint_parse(NULL, &ep), WJ_ERR_INVALID);
	/* At the limit and one over. */
	memset(longer, 'a', sizeof(longer));
	memcpy(longer, "http://h/", 9);
	longer[CLIENT_ENDPOINT_MAX] = '\0';
	assert_int_equal(client_endpoint_parse(longer, &ep), 0);
	longer[CLIENT_ENDPOINT_MAX] = 'a';
	longer[CLIENT_ENDPOINT_MAX + 1] = '\0';
	assert_int_equal(client_endpoint_parse(longer, &ep), WJ_ERR_INVALID);
	/* A host name over CLIENT_NETLOC_MAX. */
	memset(longer, 'h', sizeof(longer));
	memcpy(longer, "http://", 7);
	longer[7 + CLIENT_NETLOC_MAX + 1] = '\0';
	assert_int_equal(client_endpoint_parse(longer, &ep), WJ_ERR_INVALID);
}

static void
test_client_new_checks(void **state)
{
	struct client_config cfg;
	struct wj_errinfo ei;
	struct client *c = NULL;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&ei, 0, sizeof(ei));
	cfg.endpoint = "http://127.0.0.1:1";
	cfg.ak = TEST_AK;
	cfg.sk = TEST_SK;
	cfg.project_id = TEST_PROJECT;
	assert_int_equal(client_global_init(), 0);
	assert_int_equal(client_new(&cfg, &c, &ei), 0);
	assert_string_equal(client_endpoint(c), "http://127.0.0.1:1");
	assert_string_equal(client_project_id(c), TEST_PROJECT);
	client_free(c);
	cfg.project_id = "a\nb";	/* header injection */
	assert_int_equal(client_new(&cfg, &c, &ei), WJ_ERR_INVALID);
	assert_null(c);
	cfg.project_id = NULL;
	cfg.ak = "AK,x";
	assert_int_equal(client_new(&cfg, &c, &ei), WJ_ERR_INVALID);
	cfg.ak = TEST_AK;
	cfg.endpoint = "file:///etc/passwd";
	assert_int_equal(client_new(&cfg, &c, &ei), WJ_ERR_INVALID);
	assert_non_null(strstr(ei.detail, "endpoint"));
}

/* client_open: what is given, else the SDKs' variables, else refused. */
static void
test_client_open(void **state)
{
	struct client_config cfg;
	struct client *c = NULL;

	(void)state;
	assert_int_equal(unsetenv("HUAWEICLOUD_SDK_AK"), 0);
	assert_int_equal(unsetenv("HUAWEICLOUD_SDK_SK"), 0);
	assert_int_equal(unsetenv("HUAWEICLOUD_SDK_PROJECT_ID"), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.endpoint = "http://127.0.0.1:1";
	assert_int_equal(client_open(&cfg, "endpoint", 0, &c), WJ_ERR_INVALID);
	assert_null(c);
	/* from the environment; an empty variable counts as unset */
	assert_int_equal(setenv("HUAWEICLOUD_SDK_AK", TEST_AK, 1), 0);
	assert_int_equal(setenv("HUAWEICLOUD_SDK_SK", TEST_SK, 1), 0);
	assert_int_equal(setenv("HUAWEICLOUD_SDK_PROJECT_ID", "", 1), 0);
	assert_int_equal(client_open(&cfg, "endpoint", 1, &c), WJ_ERR_INVALID);
	assert_int_equal(client_open(&cfg, "endpoint", 0, &c), 0);
	assert_null(client_project_id(c));
	client_free(c);
	assert_int_equal(setenv("HUAWEICLOUD_SDK_PROJECT_ID", "from-env", 1),
	    0);
	assert_int_equal(client_open(&cfg, "endpoint", 1, &c), 0);
	assert_string_equal(client_project_id(c), "from-env");
	client_free(c);
	/* what is given wins */
	cfg.project_id = TEST_PROJECT;
	assert_int_equal(client_open(&cfg, "endpoint", 1, &c), 0);
	assert_string_equal(client_project_id(c), TEST_PROJECT);
	client_free(c);
	/* a bad endpoint */
	cfg.endpoint = "ftp://x";
	assert_int_equal(client_open(&cfg, "endpoint", 1, &c), WJ_ERR_INVALID);
	assert_null(c);
	assert_int_equal(unsetenv("HUAWEICLOUD_SDK_AK"), 0);
	assert_int_equal(unsetenv("HUAWEICLOUD_SDK_SK"), 0);
	assert_int_equal(unsetenv("HUAWEICLOUD_SDK_PROJECT_ID"), 0);
}

/* Nothing listens on port 1: a transport error, not a crash. */
static void
test_client_unreachable(void **state)
{
	struct client_config cfg;
	struct client_resp resp;
	struct wj_errinfo ei;
	struct client *c = NULL;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.endpoint = "http://127.0.0.1:1";
	cfg.ak = TEST_AK;
	cfg.sk = TEST_SK;
	cfg.timeout_s = 5;
	assert_int_equal(client_new(&cfg, &c, &ei), 0);
	client_resp_init(&resp);
	assert_int_equal(client_do(c, "GET", "/healthz", NULL, NULL, NULL, 0,
	    &resp), WJ_ERR_IO);
	assert_int_equal(resp.status, 0);
	assert_true(resp.error[0] != '\0');
	client_resp_free(&resp);
	client_free(c);
}

/* ---- sanitiser ---------------------------------------------------------- */

static void
test_sanitize(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(client_sanitize("plain", out, sizeof(out), 100),
	    "plain");
	assert_string_equal(client_sanitize("a\033[31mb\r\n", out,
	    sizeof(out), 100), "a?[31mb??");
	/* C1 control U+009B (CSI), bidi override U+202E, bad UTF-8 */
	assert_string_equal(client_sanitize("x\xc2\x9by\xe2\x80\xaez\xff",
	    out, sizeof(out), 100), "x?y?z?");
	/* overlong '/' and a surrogate */
	assert_string_equal(client_sanitize("\xc0\xaf\xed\xa0\x80", out,
	    sizeof(out), 100), "?????");
	/* code points kept whole; max_chars counts them */
	assert_string_equal(client_sanitize("\xe4\xbb\xbb\xe5\x8a\xa1x", out,
	    sizeof(out), 2), "\xe4\xbb\xbb\xe5\x8a\xa1");
	/* a cap too small for the next code point stops before it */
	assert_string_equal(client_sanitize("ab\xe4\xbb\xbb", out, 5, 100),
	    "ab");
	assert_string_equal(client_sanitize(NULL, out, sizeof(out), 10), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_sign_vectors),
		cmocka_unit_test(test_client_sign_verifies),
		cmocka_unit_test(test_client_sign_bad_input),
		cmocka_unit_test(test_endpoint_parse_ok),
		cmocka_unit_test(test_endpoint_parse_bad),
		cmocka_unit_test(test_client_new_checks),
		cmocka_unit_test(test_client_open),
		cmocka_unit_test(test_client_unreachable),
		cmocka_unit_test(test_sanitize),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
