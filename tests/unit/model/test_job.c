/*
 * test_job.c - status names, protected types, the derived job status
 * and the JSON shape of sub-jobs and jobs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "model/job.h"

static void
test_status_names(void **s)
{
	(void)s;
	assert_int_equal(job_status_parse("WAITING"), JOB_STATUS_WAITING);
	assert_int_equal(job_status_parse("FAILED"), JOB_STATUS_FAILED);
	assert_int_equal(job_status_parse("failed"), -1);
	assert_int_equal(job_status_parse(""), -1);
	assert_string_equal(job_status_name(JOB_STATUS_SUCCESS), "SUCCESS");
	assert_null(job_status_name(4));
	assert_null(job_status_name(-1));
}

static void
test_protected_types(void **s)
{
	(void)s;
	assert_true(job_type_protected("applyWorkspace"));
	assert_true(job_type_protected("cancelWorkspace"));
	assert_true(job_type_protected("changeAccessVpc"));
	assert_false(job_type_protected("createDesktops"));
	assert_false(job_type_protected("applyworkspace"));
	assert_false(job_type_protected(NULL));
}

static int
derive(int64_t w, int64_t r, int64_t ok, int64_t f, int started, int failed)
{
	int64_t c[JOB_STATUS_COUNT] = { w, r, ok, f };

	return job_derive_status(c, started, failed);
}

static void
test_derived_status(void **s)
{
	(void)s;
	/* WAITING until a sub-job starts */
	assert_int_equal(derive(3, 0, 0, 0, 0, 0), JOB_STATUS_WAITING);
	/* RUNNING while any waits or runs and one has started */
	assert_int_equal(derive(2, 1, 0, 0, 1, 0), JOB_STATUS_RUNNING);
	assert_int_equal(derive(2, 0, 1, 0, 1, 0), JOB_STATUS_RUNNING);
	assert_int_equal(derive(0, 1, 0, 1, 1, 1), JOB_STATUS_RUNNING);
	/* then FAILED if any failed, else SUCCESS */
	assert_int_equal(derive(0, 0, 2, 1, 1, 1), JOB_STATUS_FAILED);
	assert_int_equal(derive(0, 0, 3, 0, 1, 0), JOB_STATUS_SUCCESS);
	/* all records deleted: the history decides */
	assert_int_equal(derive(0, 0, 0, 0, 1, 1), JOB_STATUS_FAILED);
	assert_int_equal(derive(0, 0, 0, 0, 1, 0), JOB_STATUS_SUCCESS);
}

/* A JSON writer on a buffer of its own, and what it wrote, parsed. */
struct rendered {
	struct buf	b;
	struct jw	w;
};

static struct jw *
render_start(struct rendered *r)
{
	buf_init(&r->b);
	jw_init(&r->w, &r->b);
	return &r->w;
}

static json_t *
render_end(struct rendered *r)
{
	json_t *j = json_loadb(r->b.data, r->b.len, 0, NULL);

	buf_free(&r->b);
	assert_non_null(j);
	return j;
}

static void
test_sub_job_json_omits_absent_members(void **s)
{
	const struct sub_job sj = {
		.id = "s1", .job_id = "j1", .job_type = "createDesktops",
		.status = JOB_STATUS_RUNNING, .begin_ms = 1586501114000LL,
		.process = 40, .project_id = "p1",
		.entities = "{\"desktop_id\":\"d1\"}",
	};
	struct rendered out;
	json_t *j;

	(void)s;
	sub_job_to_json(render_start(&out), &sj, 0);
	j = render_end(&out);
	assert_string_equal(json_string_value(json_object_get(j, "begin_time")),
	    "2020-04-10 06:45:14");
	assert_null(json_object_get(j, "end_time"));
	assert_null(json_object_get(j, "error_code"));
	assert_null(json_object_get(j, "lease_id"));
	assert_int_equal(json_integer_value(json_object_get(j, "process")), 40);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(j, "entities"), "desktop_id")), "d1");
	json_decref(j);
}

static void
test_job_json_error_fields_only_when_failed(void **s)
{
	const struct job jb = {
		.id = "j1", .job_type = "createDesktops",
		.status = JOB_STATUS_RUNNING, .begin_ms = 1586501114000LL,
		.error_code = "WKS.0005",
		.count = { [JOB_STATUS_FAILED] = 1, [JOB_STATUS_WAITING] = 2 },
	};
	struct rendered out;
	json_t *j;

	(void)s;
	job_to_json_open(render_start(&out), &jb);
	job_to_json_close(&out.w);
	j = render_end(&out);
	assert_null(json_object_get(j, "job_error_code"));
	assert_int_equal(json_integer_value(json_object_get(j,
	    "sub_jobs_total")), 3);
	assert_true(json_is_array(json_object_get(j, "sub_jobs")));
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_protected_types),
		cmocka_unit_test(test_derived_status),
		cmocka_unit_test(test_sub_job_json_omits_absent_members),
		cmocka_unit_test(test_job_json_error_fields_only_when_failed),
	};

	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
