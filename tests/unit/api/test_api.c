/*
 * test_api.c - the gate and the handlers without a socket: requests are
 * built in memory, run through http_req_run (which waits for a deferred
 * answer as the server does) and answered by a real store on a temp
 * SQLite file.
 * Covers the route table (404/405 before authentication, 401 without
 * credentials) and every validator of the public and internal API at
 * min, max and max + 1.
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
		cmocka_unit_test_setup_teardown(test_retry_body, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
