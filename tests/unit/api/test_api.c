/*
 * test_api.c - the gate and the handlers without a socket: requests are
 * built in memory, run through http_req_run (which waits for a deferred
 * answer as the server does) and answered by a real store on a temp
 * SQLite file.
 * Covers the route table (404/405 before authentication, 401 without
 * credentials), every validator of the public and internal API at
 * min, max and max + 1, and the web console's pieces (the session
 * cookie, the CSRF value and its check across a master key rotation, the
 * files and their headers, --console=false).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "api/api.h"
#include "store_fixture.h"

struct fx {
	struct store_fx	     s;		/* its root user is "admin" */
	struct wj_master_key mk;
	struct api	     api;
	struct http_req	     h;
	struct api_req	     r;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->mk.id = 1;
	if (store_fx_open(&f->s, NULL, "admin", "AKTEST") != 0 ||
	    api_init(&f->api, f->s.st, &f->mk) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int r;

	buf_free(&f->h.body);
	buf_free(&f->h.resp);
	json_decref(f->r.body);	/* as api_dispatch drops it */
	api_free(&f->api);
	r = store_fx_close(&f->s);
	free(f);
	return r;
}

/* A fresh request to a handler, as the root user of the project. */
static struct api_req *
req(struct fx *f, const char *method, const char *query, const char *body)
{
	buf_free(&f->h.body);
	buf_free(&f->h.resp);
	json_decref(f->r.body);	/* as api_dispatch drops it */
	memset(&f->h, 0, sizeof(f->h));
	memset(&f->r, 0, sizeof(f->r));
	f->h.method = method;
	f->h.query = (char *)query;
	f->h.route = -1;
	f->h.headers[0].name = "Content-Type";
	f->h.headers[0].value = "application/json";
	f->h.n_headers = 1;
	if (body != NULL)
		assert_int_equal(buf_puts(&f->h.body, body), 0);
	f->r.api = &f->api;
	f->r.http = &f->h;
	f->r.project_id = f->s.p.id;
	f->r.who.is_root = 1;
	memcpy(f->r.who.domain_id, f->s.d.id, sizeof(f->r.who.domain_id));
	memcpy(f->r.who.user_id, f->s.u.id, sizeof(f->r.who.user_id));
	return &f->r;
}

/* ---- running a request ------------------------------------------------- */

static api_handler run_handler;
static int run_ret;

static void
run_dispatch(void *arg, struct http_req *h)
{
	struct fx *f = arg;

	(void)h;
	run_ret = run_handler(&f->r);
}

/*
 * Run handler on f->r as the gate would: its error code when it refuses
 * the request, else 0 with the answer (written now or, for a write,
 * after the commit) in f->h.
 */
static int
call(struct fx *f, api_handler handler)
{
	const struct http_app app = { run_dispatch, NULL, f };

	run_handler = handler;
	http_req_run(&app, &f->h);
	return run_ret;
}

/* ---- the gate ------------------------------------------------------------ */

static int
gate(struct fx *f, const char *method, const char *path, int listener,
    json_t **body)
{
	const struct http_app app = { api_dispatch, NULL, &f->api };

	req(f, method, NULL, NULL);
	f->h.path = (char *)path;
	f->h.listener = listener;
	f->h.n_headers = 0;
	http_req_run(&app, &f->h);
	*body = json_loadb(f->h.resp.data, f->h.resp.len, 0, NULL);
	return f->h.status;
}

static const char *
code_of(json_t *j)
{
	return json_string_value(json_object_get(j, "error_code"));
}

static void
test_gate_route_table(void **state)
{
	struct fx *f = *state;
	char path[128];
	json_t *j;

	/* unknown path: 404 before authentication */
	assert_int_equal(gate(f, "GET", "/v2/p/unknown", 0, &j), 404);
	assert_string_equal(code_of(j), "APIGW.0101");
	json_decref(j);
	/* the internal API is not on the public listener */
	assert_int_equal(gate(f, "GET", "/healthz", 0, &j), 404);
	json_decref(j);
	assert_int_equal(gate(f, "GET", "/healthz", 1, &j), 200);
	json_decref(j);
	/* known path, other method: 405 with Allow */
	assert_int_equal(gate(f, "DELETE", "/v2/p/workspace-sub-jobs", 0, &j),
	    405);
	assert_string_equal(code_of(j), "WKS.00000405");
	assert_string_equal(f->h.allow, "GET");
	json_decref(j);
	/* every public route wants credentials */
	snprintf(path, sizeof(path), "/v2/%s/workspace-jobs/x/actions",
	    f->s.p.id);
	assert_int_equal(gate(f, "POST", path, 0, &j), 401);
	assert_string_equal(code_of(j), "APIGW.0301");
	assert_non_null(strstr(json_string_value(json_object_get(j,
	    "error_msg")), "x-auth-token not found"));
	json_decref(j);
	assert_int_equal(gate(f, "POST", "/v1/internal/sub-jobs/claim", 1, &j),
	    401);
	json_decref(j);
}

/* ---- validators at min, max, max + 1 ------------------------------------ */

static int
list(struct fx *f, const char *query)
{
	req(f, "GET", query, NULL);
	return call(f, api_sub_jobs_list);
}

static void
test_list_bounds(void **state)
{
	struct fx *f = *state;
	char q[700];

	assert_int_equal(list(f, "limit=0"), 0);
	assert_int_equal(list(f, "limit=1000"), 0);
	assert_int_equal(list(f, "limit=1001"), WJ_ERR_INVALID);
	assert_non_null(strstr(f->r.err.detail, "limit"));
	assert_int_equal(list(f, "limit=-1"), WJ_ERR_INVALID);
	assert_int_equal(list(f, "limit=1.5"), WJ_ERR_INVALID);
	assert_int_equal(list(f, "offset=0"), 0);
	assert_int_equal(list(f, "offset=10000"), 0);
	assert_int_equal(list(f, "offset=10001"), WJ_ERR_INVALID);
	assert_non_null(strstr(f->r.err.detail, "offset"));
	memset(q, 0, sizeof(q));
	memcpy(q, "job_id=", 7);
	memset(q + 7, 'a', 255);
	assert_int_equal(list(f, q), 0);
	q[7 + 255] = 'a';
	assert_int_equal(list(f, q), WJ_ERR_INVALID);
	assert_non_null(strstr(f->r.err.detail, "job_id"));
	assert_int_equal(list(f, "status=&job_type="), 0);	/* no filter */
	assert_int_equal(list(f, "job_id=a%01b"), WJ_ERR_INVALID);
}

static int
del(struct fx *f, const char *body)
{
	req(f, "POST", NULL, body);
	return call(f, api_sub_jobs_batch_delete);
}

static void
ids_body(char *out, size_t cap, int n, size_t len)
{
	size_t o = 0;
	int i;

	o += (size_t)snprintf(out, cap, "{\"job_ids\":[");
	for (i = 0; i < n; i++) {
		o += (size_t)snprintf(out + o, cap - o, "%s\"", i ? "," : "");
		memset(out + o, 'a' + i % 26, len);
		o += len;
		o += (size_t)snprintf(out + o, cap - o, "\"");
	}
	snprintf(out + o, cap - o, "]}");
}

static void
test_batch_delete_bounds(void **state)
{
	struct fx *f = *state;
	char b[4096];

	ids_body(b, sizeof(b), 1, 1);
	assert_int_equal(del(f, b), 0);
	assert_int_equal(f->h.status, 200);
	assert_int_equal(f->h.resp.len, 0);
	ids_body(b, sizeof(b), 10, 255);
	assert_int_equal(del(f, b), 0);
	ids_body(b, sizeof(b), 11, 4);
	assert_int_equal(del(f, b), WJ_ERR_INVALID);
	ids_body(b, sizeof(b), 1, 256);
	assert_int_equal(del(f, b), WJ_ERR_INVALID);
	assert_int_equal(del(f, "{\"job_ids\":[]}"), WJ_ERR_INVALID);
	assert_int_equal(del(f, "{\"job_ids\":[\"\"]}"), WJ_ERR_INVALID);
	assert_int_equal(del(f, "{}"), WJ_ERR_INVALID);
	assert_int_equal(del(f, ""), WJ_ERR_EMPTY_BODY);
	assert_int_equal(del(f, "{\"delete_by_status\":\"FAILED\","
	    "\"job_ids\":[\"a\"]}"), WJ_ERR_INVALID);
	assert_int_equal(del(f, "{\"delete_by_status\":\"SUCCESS\"}"), 0);
	assert_int_equal(del(f, "{\"delete_by_status\":\"RUNNING\"}"),
	    WJ_ERR_INVALID);
	assert_int_equal(del(f, "{\"delete_by_status\":\"failed\"}"),
	    WJ_ERR_INVALID);
	assert_int_equal(del(f, "[1]"), WJ_ERR_INVALID);
	assert_int_equal(del(f, "{\"job_ids\":[\"a\"],\"job_ids\":[\"b\"]}"),
	    WJ_ERR_INVALID);	/* duplicate keys */
	f->h.headers[0].value = "text/plain";
	assert_int_equal(call(f, api_sub_jobs_batch_delete), WJ_ERR_MEDIA_TYPE);
}

static int
create(struct fx *f, const char *job_type, int n)
{
	struct buf b;
	int i, r;

	buf_init(&b);
	buf_printf(&b, "{\"job_type\":\"%s\",\"sub_jobs\":[", job_type);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s{\"entities\":{\"desktop_id\":\"d%d\"}}",
		    i ? "," : "", i);
	buf_puts(&b, "]}");
	req(f, "POST", NULL, b.data);
	r = call(f, api_internal_create);
	buf_free(&b);
	return r;
}

static void
test_create_bounds(void **state)
{
	struct fx *f = *state;
	char t[64];

	memset(t, 0, sizeof(t));
	memset(t, 't', 55);
	assert_int_equal(create(f, t, 1), 0);
	assert_int_equal(f->h.status, 201);
	t[55] = 't';
	assert_int_equal(create(f, t, 1), WJ_ERR_INVALID);
	assert_int_equal(create(f, "createDesktops", 1000), 0);
	assert_int_equal(create(f, "createDesktops", 1001), WJ_ERR_INVALID);
	assert_int_equal(create(f, "createDesktops", 0), WJ_ERR_INVALID);
	req(f, "POST", NULL,
	    "{\"job_type\":\"x\",\"sub_jobs\":[{\"entities\":{\"nope\":\"1\"}}]}");
	assert_int_equal(call(f, api_internal_create), WJ_ERR_INVALID);
	assert_non_null(strstr(f->r.err.detail, "nope"));
}

static int
claim(struct fx *f, int max, int lease)
{
	char b[256];

	snprintf(b, sizeof(b), "{\"worker_id\":\"w\",\"max\":%d,"
	    "\"lease_seconds\":%d}", max, lease);
	req(f, "POST", NULL, b);
	return call(f, api_internal_claim);
}

static void
test_claim_bounds(void **state)
{
	struct fx *f = *state;

	assert_int_equal(claim(f, 1, 5), 0);
	assert_int_equal(claim(f, 100, 3600), 0);
	assert_int_equal(claim(f, 101, 60), WJ_ERR_INVALID);
	assert_non_null(strstr(f->r.err.detail, "max"));
	assert_int_equal(claim(f, 0, 60), WJ_ERR_INVALID);
	assert_int_equal(claim(f, 1, 4), WJ_ERR_INVALID);
	assert_non_null(strstr(f->r.err.detail, "lease_seconds"));
	assert_int_equal(claim(f, 1, 3601), WJ_ERR_INVALID);
	req(f, "POST", NULL, "{}");
	assert_int_equal(call(f, api_internal_claim),
	    WJ_ERR_INVALID);	/* worker_id is required */
}

static int
retry(struct fx *f, const char *job_id, const char *body)
{
	req(f, "POST", NULL, body);
	snprintf(f->h.params[1], sizeof(f->h.params[1]), "%s", job_id);
	return call(f, api_jobs_action);
}

static void
test_retry_body(void **state)
{
	struct fx *f = *state;

	assert_int_equal(retry(f, "j", ""), WJ_ERR_EMPTY_BODY);
	assert_int_equal(retry(f, "j", "{\"op_type\":\"restart\"}"),
	    WJ_ERR_INVALID);
	assert_non_null(strstr(f->r.err.detail, "op_type"));
	assert_int_equal(retry(f, "j", "{\"op_type\":1}"), WJ_ERR_INVALID);
	assert_int_equal(retry(f, "j", "{}"), WJ_ERR_INVALID);
	/* The store's refusal comes with the answer, after the commit. */
	assert_int_equal(retry(f, "nosuchjob", "{\"op_type\":\"retry\"}"),
	    0);
	assert_int_equal(f->h.status, 404);
}

/* ---- the web console ---------------------------------------------------- */

#define TOKEN "WJT1.not-opened-by-these-tests"

/* A request with one header (name NULL: none). */
static struct api_req *
req1(struct fx *f, const char *method, const char *path, const char *name,
    const char *value)
{
	buf_free(&f->h.body);
	buf_free(&f->h.resp);
	json_decref(f->r.body);	/* as api_dispatch drops it */
	memset(&f->h, 0, sizeof(f->h));
	memset(&f->r, 0, sizeof(f->r));
	f->h.method = method;
	f->h.path = (char *)path;
	f->h.route = -1;
	if (name != NULL) {
		f->h.headers[0].name = name;
		f->h.headers[0].value = value;
		f->h.n_headers = 1;
	}
	f->r.api = &f->api;
	f->r.http = &f->h;
	return &f->r;
}

static void
test_console_cookie(void **state)
{
	struct fx *f = *state;
	char out[64];
	static const struct { const char *hdr, *want; } cases[] = {
		{ "wksjobs_session=abc", "abc" },
		{ "a=1; wksjobs_session=abc; b=2", "abc" },
		{ "x_wksjobs_session=no; wksjobs_session=yes", "yes" },
		{ "wksjobs_session2=no", NULL },
		{ "wksjobs_session=", NULL },
		{ "wksjobs_session", NULL },
		{ "", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		req1(f, "GET", "/", "Cookie", cases[i].hdr);
		if (cases[i].want == NULL) {
			assert_int_equal(api_console_cookie(&f->h, out,
			    sizeof(out)), -1);
			continue;
		}
		assert_int_equal(api_console_cookie(&f->h, out, sizeof(out)),
		    0);
		assert_string_equal(out, cases[i].want);
	}
	/* Longer than the room given: refused, not cut. */
	req1(f, "GET", "/", "Cookie", "wksjobs_session=0123456789");
	assert_int_equal(api_console_cookie(&f->h, out, 10), -1);
	/* No Cookie header at all. */
	req1(f, "GET", "/", NULL, NULL);
	assert_int_equal(api_console_cookie(&f->h, out, sizeof(out)), -1);
}

/* The csrf_token the session handler answers for TOKEN (malloc'd). */
static char *
session_csrf(struct fx *f)
{
	struct api_req *r = req1(f, "GET", "/console/api/session", "Cookie",
	    "wksjobs_session=" TOKEN);
	json_t *j;
	char *v;

	r->who.via_console = 1;
	memcpy(r->who.user_id, f->s.u.id, sizeof(r->who.user_id));
	memcpy(r->who.domain_id, f->s.d.id, sizeof(r->who.domain_id));
	assert_int_equal(api_console_session(r), 0);
	assert_int_equal(f->h.status, 200);
	j = json_loadb(f->h.resp.data, f->h.resp.len, 0, NULL);
	assert_non_null(j);
	v = strdup(json_string_value(json_object_get(j, "csrf_token")));
	json_decref(j);
	assert_non_null(v);
	assert_int_equal(strlen(v), 43);
	return v;
}

static int
csrf_check(struct fx *f, const char *method, const char *sent)
{
	struct api_req *r = req1(f, method, "/x", sent != NULL ?
	    "X-CSRF-Token" : NULL, sent);

	return api_console_csrf_check(r, TOKEN);
}

static void
test_console_csrf(void **state)
{
	struct fx *f = *state;
	char *v = session_csrf(f), *other, c0;

	assert_int_equal(csrf_check(f, "GET", NULL), 0);
	assert_int_equal(csrf_check(f, "HEAD", NULL), 0);
	assert_int_equal(csrf_check(f, "POST", v), 0);
	assert_int_equal(csrf_check(f, "POST", NULL), WJ_ERR_DENIED);
	assert_non_null(strstr(f->r.err.detail, "X-CSRF-Token"));
	assert_int_equal(csrf_check(f, "POST", ""), WJ_ERR_DENIED);
	c0 = v[0];
	v[0] = c0 == 'A' ? 'B' : 'A';
	assert_int_equal(csrf_check(f, "POST", v), WJ_ERR_DENIED);
	v[0] = c0;
	/* Without a session the session handler refuses. */
	req1(f, "GET", "/console/api/session", NULL, NULL);
	assert_int_equal(api_console_session(&f->r), WJ_ERR_AUTH);
	/* A rotation: the old value still counts, the new one differs. */
	f->api.mk.old[0].id = f->api.mk.id;
	memcpy(f->api.mk.old[0].key, f->api.mk.key, sizeof(f->api.mk.key));
	f->api.mk.n_old = 1;
	f->api.mk.id = 2;
	memset(f->api.mk.key, 9, sizeof(f->api.mk.key));
	assert_int_equal(csrf_check(f, "DELETE", v), 0);
	other = session_csrf(f);
	assert_string_not_equal(other, v);
	assert_int_equal(csrf_check(f, "POST", other), 0);
	f->api.mk.n_old = 0;
	assert_int_equal(csrf_check(f, "POST", v), WJ_ERR_DENIED);
	free(other);
	free(v);
}

static const char *
extra_header(const struct http_req *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n_extra; i++)
		if (strcmp(h->extra[i][0], name) == 0)
			return h->extra[i][1];
	return NULL;
}

static int
console_gate(struct fx *f, const char *path, const char *name,
    const char *value)
{
	const struct http_app app = { api_dispatch, NULL, &f->api };

	req1(f, "GET", path, name, value);
	f->h.listener = API_LISTENER_PUBLIC;
	http_req_run(&app, &f->h);
	return f->h.status;
}

static void
test_console_files(void **state)
{
	struct fx *f = *state;
	char etag[64];

	assert_int_equal(console_gate(f, "/console/", NULL, NULL), 200);
	assert_string_equal(f->h.content_type, "text/html; charset=utf-8");
	assert_non_null(strstr(extra_header(&f->h, "Content-Security-Policy"),
	    "default-src 'self'"));
	assert_string_equal(extra_header(&f->h, "X-Frame-Options"), "DENY");
	assert_string_equal(extra_header(&f->h, "X-Content-Type-Options"), "nosniff");
	(void)snprintf(etag, sizeof(etag), "%s", extra_header(&f->h, "ETag"));
	assert_int_equal(console_gate(f, "/console/", "If-None-Match", etag), 304);
	assert_int_equal(f->h.resp.len, 0);
	assert_int_equal(console_gate(f, "/console/pages/subjobs.js", NULL, NULL),
	    200);
	assert_string_equal(f->h.content_type,
	    "text/javascript; charset=utf-8");
	assert_int_equal(console_gate(f, "/console/none.js", NULL, NULL), 404);
	assert_int_equal(console_gate(f, "/console/../api.js", NULL, NULL), 404);
	assert_int_equal(console_gate(f, "/console", NULL, NULL), 308);
	assert_string_equal(extra_header(&f->h, "Location"), "/console/");
	/* --console=false: none of it. */
	f->api.console = 0;
	assert_int_equal(console_gate(f, "/console/", NULL, NULL), 404);
	assert_int_equal(console_gate(f, "/console/api/session", "Cookie",
	    "wksjobs_session=" TOKEN), 404);
	assert_null(extra_header(&f->h, "X-Frame-Options"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gate_route_table, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_bounds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batch_delete_bounds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_create_bounds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_claim_bounds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_console_cookie, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_console_csrf, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_console_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retry_body, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
