/*
 * test_server.c - the HTTP server (src/http/server.c) on a real socket:
 * a server on 127.0.0.1 with a port of its own choosing and a tiny route
 * table, driven by libcurl.  Routing, 404 and 405 with Allow, the body
 * caps (with and without credentials), the X-Request-Id header, a
 * deferred request answered from another thread, and a stop that drains
 * what is in flight.  Every wait is bounded.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "http/http.h"

#define BODY_CAP	16384	/* the listener's; 8192 without credentials */
#define TIMEOUT_MS	5000	/* longest wait for one request */
#define LATER_MS	100	/* a deferred request is resumed after this */

enum { HELLO, ECHO, LATER };

struct test_route {
	struct http_route http;
	int		  kind;
};

static const struct test_route table[] = {
	{ { "GET", "/hello", 0 }, HELLO },
	{ { "POST", "/echo", 0 }, ECHO },
	{ { "GET", "/later", 0 }, LATER },
};
#define N_ROUTES (sizeof(table) / sizeof(table[0]))

struct fx {
	struct http_server *srv;
	int		    port;
	pthread_t	    resumer;	/* resumes the deferred request */
	atomic_int	    resuming;	/* resumer started */
	atomic_int	    completed;	/* requests answered */
};

/* ---- the application (server threads: no cmocka asserts here) -------- */

static void
reply_str(struct http_req *req, int status, const char *json)
{
	struct buf b;

	buf_init(&b);
	(void)buf_puts(&b, json);	/* a failure shows as a bad body */
	http_reply_json(req, status, &b);
}

static void *
resume_later(void *arg)
{
	usleep(LATER_MS * 1000);
	http_req_resume(arg);
	return NULL;
}

static void
answer_later(struct http_req *req, void *arg)
{
	(void)arg;
	reply_str(req, 200, "{\"later\":\"yes\"}");
}

static void
dispatch(void *arg, struct http_req *req)
{
	struct fx *f = arg;
	char json[64];
	int e;

	e = http_route_match(&table[0].http, N_ROUTES, sizeof(table[0]), req);
	if (e != 0) {
		http_reply_error(req, e, NULL);
		return;
	}
	switch (table[req->route].kind) {
	case HELLO:
		reply_str(req, 200, "{\"hello\":\"world\"}");
		break;
	case ECHO:
		(void)snprintf(json, sizeof(json), "{\"bytes\":\"%zu\"}",
		    req->body.len);
		reply_str(req, 200, json);
		break;
	case LATER:
		if (pthread_create(&f->resumer, NULL, resume_later, req) != 0) {
			http_reply_error(req, WJ_ERR_INTERNAL, NULL);
			break;
		}
		http_req_defer(req, answer_later, NULL);
		atomic_store(&f->resuming, 1);
		break;
	}
}

static void
completed(void *arg, struct http_req *req, int64_t micros)
{
	struct fx *f = arg;

	(void)req;
	(void)micros;
	atomic_fetch_add(&f->completed, 1);
}

static int
setup(void **state)
{
	const struct http_opts o = { 2, 16, 5, 0, 0 };
	const struct http_listener l = { "127.0.0.1", 0, BODY_CAP, NULL, NULL,
	    NULL };
	struct http_app app = { dispatch, completed, NULL };
	struct fx *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	atomic_init(&f->resuming, 0);
	atomic_init(&f->completed, 0);
	app.arg = f;
	if (http_server_start(&o, &l, 1, &app, &f->srv) != 0)
		return -1;
	f->port = http_server_port(f->srv, 0);
	if (f->port <= 0)
		return -1;
	*state = f;
	return 0;
}

static void
join_resumer(struct fx *f)
{
	if (atomic_load(&f->resuming)) {
		pthread_join(f->resumer, NULL);
		atomic_store(&f->resuming, 0);
	}
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	http_server_stop(f->srv, TIMEOUT_MS);
	join_resumer(f);
	free(f);
	return 0;
}

/* ---- the client ------------------------------------------------------- */

struct answer {
	long	status;
	struct buf body;
	char	request_id[WJ_ID_LEN + 8];
	char	allow[64];
	int	curl_error;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;

	return buf_append(&a->body, p, size * n) == 0 ? size * n : 0;
}

/* Copy the value of header "name: value\r\n" in line into out. */
static void
header_value(const char *line, size_t len, const char *name, char *out,
    size_t cap)
{
	size_t n = strlen(name);

	if (len <= n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return;
	line += n + 1;
	len -= n + 1;
	while (len > 0 && *line == ' ') {
		line++;
		len--;
	}
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	(void)snprintf(out, cap, "%.*s", (int)len, line);
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;

	header_value(p, size * n, "X-Request-Id", a->request_id,
	    sizeof(a->request_id));
	header_value(p, size * n, "Allow", a->allow, sizeof(a->allow));
	return size * n;
}

/*
 * One request to the test server: body (may be NULL) of len bytes, with
 * an Authorization header when credentials.  The answer is in a (free
 * its body).
 */
static void
call(int port, const char *method, const char *path, const char *body,
    size_t len, int credentials, struct answer *a)
{
	struct curl_slist *hdr = NULL;
	char url[128];
	CURL *c;

	memset(a, 0, sizeof(*a));
	buf_init(&a->body);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	assert_non_null(c = curl_easy_init());
	hdr = curl_slist_append(hdr, "Expect:");
	if (credentials)
		hdr = curl_slist_append(hdr, "Authorization: test");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	a->curl_error = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
}

/* Whether the answer's body is a JSON object whose member key is the
 * string value. */
static int
body_has(const struct answer *a, const char *key, const char *value)
{
	json_t *j = json_loadb(a->body.data, a->body.len, 0, NULL);
	const char *v = json_string_value(json_object_get(j, key));
	int yes = v != NULL && strcmp(v, value) == 0;

	json_decref(j);
	return yes;
}

/* ---- tests ------------------------------------------------------------ */

static void
test_routes_and_request_id(void **state)
{
	struct fx *f = *state;
	struct answer a, b;

	call(f->port, "GET", "/hello", NULL, 0, 0, &a);
	assert_int_equal(a.curl_error, 0);
	assert_int_equal(a.status, 200);
	assert_true(body_has(&a, "hello", "world"));
	/* Every answer names its request, each a different one. */
	assert_int_equal(strlen(a.request_id), WJ_ID_LEN);
	call(f->port, "GET", "/hello", NULL, 0, 0, &b);
	assert_int_equal(strlen(b.request_id), WJ_ID_LEN);
	assert_string_not_equal(a.request_id, b.request_id);
	buf_free(&a.body);
	buf_free(&b.body);
}

static void
test_no_route_and_wrong_method(void **state)
{
	struct fx *f = *state;
	struct answer a;

	call(f->port, "GET", "/nothing", NULL, 0, 0, &a);
	assert_int_equal(a.status, 404);
	assert_true(body_has(&a, "error_code", "APIGW.0101"));
	/* A gateway error carries the request id of its header. */
	assert_true(body_has(&a, "request_id", a.request_id));
	assert_string_equal(a.allow, "");
	buf_free(&a.body);

	call(f->port, "DELETE", "/hello", NULL, 0, 0, &a);
	assert_int_equal(a.status, 405);
	assert_string_equal(a.allow, "GET");
	assert_true(body_has(&a, "error_code", "WKS.00000405"));
	buf_free(&a.body);
}

/*
 * Bodies up to the small cap of a request without credentials, and up to
 * the listener's cap of one with them; one byte more is 413.
 */
static void
test_body_caps(void **state)
{
	static const struct {
		size_t	    len;
		int	    credentials;
		long	    status;
		const char *key, *value;
	} cases[] = {
		{ HTTP_PREAUTH_BODY_MAX, 0, 200, "bytes", "8192" },
		{ HTTP_PREAUTH_BODY_MAX + 1, 0, 413, "error_code",
		    "APIGW.0201" },
		{ HTTP_PREAUTH_BODY_MAX + 1, 1, 200, "bytes", "8193" },
		{ BODY_CAP, 1, 200, "bytes", "16384" },
		{ BODY_CAP + 1, 1, 413, "error_code", "APIGW.0201" },
	};
	struct fx *f = *state;
	char *body = malloc(BODY_CAP + 1);
	struct answer a;
	size_t i;

	assert_non_null(body);
	memset(body, 'x', BODY_CAP + 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		call(f->port, "POST", "/echo", body, cases[i].len,
		    cases[i].credentials, &a);
		assert_int_equal(a.status, cases[i].status);
		assert_true(body_has(&a, cases[i].key, cases[i].value));
		buf_free(&a.body);
	}
	free(body);
}

static void
test_deferred_answer(void **state)
{
	struct fx *f = *state;
	struct answer a;
	int64_t t0 = wj_mono_us();

	call(f->port, "GET", "/later", NULL, 0, 0, &a);
	assert_int_equal(a.curl_error, 0);
	assert_int_equal(a.status, 200);
	/* Not before the application resumed it. */
	assert_true(wj_mono_us() - t0 >= LATER_MS * 1000);
	assert_true(body_has(&a, "later", "yes"));
	assert_int_equal(strlen(a.request_id), WJ_ID_LEN);
	buf_free(&a.body);
	join_resumer(f);
}

struct pending {
	int	      port;
	struct answer a;
};

static void *
call_later(void *arg)
{
	struct pending *p = arg;

	call(p->port, "GET", "/later", NULL, 0, 0, &p->a);
	return NULL;
}

/* A stop answers what is in flight, then nothing is served. */
static void
test_stop_drains(void **state)
{
	struct fx *f = *state;
	struct pending p = { f->port, { 0 } };
	struct answer a;
	pthread_t t;
	int i;

	assert_int_equal(pthread_create(&t, NULL, call_later, &p), 0);
	/* Wait (bounded) until the deferred request was dispatched. */
	for (i = 0; i < 200 && !atomic_load(&f->resuming); i++)
		usleep(5 * 1000);
	http_server_stop(f->srv, TIMEOUT_MS);
	f->srv = NULL;
	pthread_join(t, NULL);
	join_resumer(f);
	assert_int_equal(p.a.curl_error, 0);
	assert_int_equal(p.a.status, 200);
	assert_int_equal(atomic_load(&f->completed), 1);
	buf_free(&p.a.body);
	call(f->port, "GET", "/hello", NULL, 0, 0, &a);
	assert_int_equal(a.curl_error, CURLE_COULDNT_CONNECT);
	buf_free(&a.body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_routes_and_request_id,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_route_and_wrong_method,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_caps, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deferred_answer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stop_drains, setup,
		    teardown),
	};
	int r;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return r;
}
