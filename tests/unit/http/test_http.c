/*
 * test_http.c - the route matcher, the query splitter and the error
 * mapping of reply.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "http/http.h"

/* An application's entry: the route first, its own fields after it. */
struct app_route {
	struct http_route http;
	const char	 *name;
};

static const struct app_route table[] = {
	{ { "GET", "/v2/{project_id}/workspace-sub-jobs", 0 }, "list" },
	{ { "POST", "/v2/{project_id}/workspace-sub-jobs/batch-delete", 0 },
	    "delete" },
	{ { "GET", "/v2/{project_id}/workspace-jobs/{job_id}", 0 }, "show" },
	{ { "POST", "/v2/{project_id}/workspace-jobs/{job_id}/actions", 0 },
	    "retry" },
	{ { "GET", "/healthz", 1 }, "healthz" },
};
#define N (sizeof(table) / sizeof(table[0]))

static int
route(struct http_req *r, const char *method, const char *path, int listener)
{
	memset(r, 0, sizeof(*r));
	r->method = method;
	r->path = (char *)path;
	r->listener = listener;
	return http_route_match(&table[0].http, N, sizeof(table[0]), r);
}

static void
test_route_matches_and_decodes_params(void **s)
{
	struct http_req r;

	(void)s;
	assert_int_equal(route(&r, "GET", "/v2/p1/workspace-jobs/j%2F1%20x", 0),
	    0);
	assert_int_equal(r.route, 2);
	assert_string_equal(table[r.route].name, "show");
	assert_string_equal(r.params[0], "p1");
	assert_string_equal(r.params[1], "j/1 x");	/* %2F stays inside */
	assert_int_equal(route(&r, "POST",
	    "/v2/p1/workspace-sub-jobs/batch-delete", 0), 0);
	assert_int_equal(r.route, 1);
	assert_int_equal(route(&r, "GET", "/healthz", 1), 0);
	assert_string_equal(table[r.route].name, "healthz");
}

static void
test_route_unknown_path_is_no_route(void **s)
{
	struct http_req r;

	(void)s;
	assert_int_equal(route(&r, "GET", "/v2/p1/nothing", 0),
	    WJ_ERR_NO_ROUTE);
	assert_int_equal(route(&r, "GET", "/v2/p1/workspace-sub-jobs/", 0),
	    WJ_ERR_NO_ROUTE);
	assert_int_equal(route(&r, "GET", "/v2//workspace-sub-jobs", 0),
	    WJ_ERR_NO_ROUTE);
	assert_int_equal(route(&r, "GET", "", 0), WJ_ERR_NO_ROUTE);
	assert_int_equal(route(&r, "GET", "/v2/p/../workspace-sub-jobs", 0),
	    WJ_ERR_NO_ROUTE);
	/* healthz is served on the internal listener only */
	assert_int_equal(route(&r, "GET", "/healthz", 0), WJ_ERR_NO_ROUTE);
	assert_int_equal(route(&r, "GET", "/healthz", 1), 0);
}

static void
test_route_wrong_method_lists_allow(void **s)
{
	struct http_req r;

	(void)s;
	assert_int_equal(route(&r, "DELETE", "/v2/p/workspace-sub-jobs", 0),
	    WJ_ERR_METHOD);
	assert_string_equal(r.allow, "GET");
	assert_int_equal(route(&r, "GET",
	    "/v2/p/workspace-jobs/j/actions", 0), WJ_ERR_METHOD);
	assert_string_equal(r.allow, "POST");
}

static void
test_route_param_max_and_over(void **s)
{
	char path[2 * HTTP_PARAM_MAX + 64], id[HTTP_PARAM_MAX + 2];
	struct http_req r;

	(void)s;
	memset(id, 'a', HTTP_PARAM_MAX + 1);
	id[HTTP_PARAM_MAX + 1] = '\0';
	snprintf(path, sizeof(path), "/v2/p/workspace-jobs/%s", id);
	assert_int_equal(route(&r, "GET", path, 0), 0);
	assert_int_equal(r.param_too_long, 1 << 1);	/* max + 1, params[1] */
	id[HTTP_PARAM_MAX] = '\0';
	snprintf(path, sizeof(path), "/v2/p/workspace-jobs/%s", id);
	assert_int_equal(route(&r, "GET", path, 0), 0);
	assert_int_equal(r.param_too_long, 0);	/* max */
	assert_int_equal(strlen(r.params[1]), HTTP_PARAM_MAX);
}

/* Regression (35-hostile): "%00" cut a parameter short, so "abc%00def"
 * was looked up as "abc". Now it is marked bad, like an oversized one. */
static void
test_route_param_with_nul_is_marked(void **s)
{
	struct http_req r;

	(void)s;
	assert_int_equal(route(&r, "GET", "/v2/p/workspace-jobs/abc%00def",
	    0), 0);
	assert_int_equal(r.param_too_long, 1 << 1);
	assert_string_equal(r.params[1], "");
	assert_int_equal(route(&r, "GET", "/v2/p%00x/workspace-sub-jobs", 0),
	    0);
	assert_int_equal(r.param_too_long, 1 << 0);
	assert_int_equal(route(&r, "GET", "/v2/p/workspace-jobs/abc%01def",
	    0), 0);
	assert_int_equal(r.param_too_long, 0);	/* api.c refuses it as text */
}

static void
test_query_split_decode(void **s)
{
	struct http_qparam *q;
	size_t n;

	(void)s;
	assert_int_equal(http_query_parse("status=FAILED&status=RUNNING&"
	    "job_type=a%20b+c&&empty=&flag&pct=%zz%41", &q, &n), 0);
	assert_int_equal(n, 6);
	assert_string_equal(q[0].name, "status");
	assert_string_equal(q[1].value, "RUNNING");
	assert_string_equal(q[2].value, "a b c");
	assert_string_equal(q[3].name, "empty");
	assert_string_equal(q[3].value, "");
	assert_string_equal(q[4].name, "flag");
	assert_string_equal(q[4].value, "");
	assert_string_equal(q[5].value, "%zzA");
	http_query_free(q, n);
	assert_int_equal(http_query_parse(NULL, &q, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(http_query_parse("a=%00b", &q, &n), 0);
	assert_int_equal(q[0].value_len, 2);	/* NUL kept, length says so */
	http_query_free(q, n);
}

static void
test_query_param_limit(void **s)
{
	char raw[HTTP_QUERY_MAX_PARAMS * 4 + 8];
	struct http_qparam *q;
	size_t i, n, o = 0;

	(void)s;
	for (i = 0; i < HTTP_QUERY_MAX_PARAMS; i++)
		o += (size_t)snprintf(raw + o, sizeof(raw) - o, "a=1&");
	raw[o - 1] = '\0';
	assert_int_equal(http_query_parse(raw, &q, &n), 0);
	assert_int_equal(n, HTTP_QUERY_MAX_PARAMS);
	http_query_free(q, n);
	snprintf(raw + o - 1, sizeof(raw) - o + 1, "&b");
	assert_int_equal(http_query_parse(raw, &q, &n), WJ_ERR_INVALID);
}

static json_t *
reply(int err, const char *detail, int *status, struct http_req *r)
{
	struct wj_errinfo ei = { { 0 } };
	json_t *j;

	memset(r, 0, sizeof(*r));
	strcpy(r->request_id, "rid");
	if (detail != NULL)
		wj_errinfo_set(&ei, "%s", detail);
	http_reply_error(r, err, &ei);
	*status = r->status;
	j = json_loadb(r->resp.data, r->resp.len, 0, NULL);
	buf_free(&r->resp);
	assert_non_null(j);
	return j;
}

static void
test_reply_bodies(void **s)
{
	struct http_req r;
	int st;
	json_t *j;

	(void)s;
	j = reply(WJ_ERR_INVALID, "limit must be", &st, &r);
	assert_int_equal(st, 400);
	assert_string_equal(json_string_value(json_object_get(j, "error_code")),
	    "WKS.00211102");
	assert_string_equal(json_string_value(json_object_get(j,
	    "error_detail")), "limit must be");
	assert_null(json_object_get(j, "request_id"));
	json_decref(j);
	j = reply(WJ_ERR_AUTH, "x-auth-token not found", &st, &r);
	assert_int_equal(st, 401);
	assert_string_equal(json_string_value(json_object_get(j, "error_msg")),
	    "Incorrect IAM authentication information: x-auth-token not found");
	assert_string_equal(json_string_value(json_object_get(j, "request_id")),
	    "rid");
	json_decref(j);
	j = reply(WJ_ERR_UNAVAILABLE, NULL, &st, &r);
	assert_int_equal(st, 503);
	assert_int_equal(r.retry_after, 1);
	json_decref(j);
	assert_int_equal(http_error_status(WJ_ERR_NO_ROUTE), 404);
	assert_int_equal(http_error_status(WJ_ERR_METHOD), 405);
	assert_int_equal(http_error_status(WJ_ERR_TOO_LARGE), 413);
	assert_int_equal(http_error_status(WJ_ERR_PROJECT), 403);
	assert_int_equal(http_error_status(WJ_ERR_NOMEM), 500);
	assert_int_equal(http_error_status(WJ_ERR_THROTTLED), 429);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_matches_and_decodes_params),
		cmocka_unit_test(test_route_unknown_path_is_no_route),
		cmocka_unit_test(test_route_wrong_method_lists_allow),
		cmocka_unit_test(test_route_param_max_and_over),
		cmocka_unit_test(test_route_param_with_nul_is_marked),
		cmocka_unit_test(test_query_split_decode),
		cmocka_unit_test(test_query_param_limit),
		cmocka_unit_test(test_reply_bodies),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
