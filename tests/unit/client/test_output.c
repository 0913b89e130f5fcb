/*
 * test_output.c - the client's tables (src/client/output.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "client/output.h"

/* Print with f into a string (caller frees). */
struct capture {
	FILE	*f;
	char	*text;
	size_t	 len;
};

static void
cap_open(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	assert_non_null(c->f = open_memstream(&c->text, &c->len));
}

static char *
cap_close(struct capture *c)
{
	assert_int_equal(fclose(c->f), 0);
	return c->text;
}

/* ---- tables ----------------------------------------------------------- */

static void
test_table_aligned(void **state)
{
	static const char *const heads[] = { "ID", "STATUS", "NOTE" };
	const char *r1[] = { "0123456789abcdef", "FAILED", "x" };
	const char *r2[] = { "a", NULL, "" };
	struct capture c;
	struct table *t;
	char *out;

	(void)state;
	assert_int_equal(table_new(heads, 3, &t), 0);
	assert_int_equal(table_add(t, r1), 0);
	assert_int_equal(table_add(t, r2), 0);
	assert_int_equal(table_rows(t), 2);
	cap_open(&c);
	table_print(t, c.f, 0);
	out = cap_close(&c);
	/* full values, two spaces apart, "-" for nothing, no trailing blank */
	assert_string_equal(out,
	    "ID                STATUS  NOTE\n"
	    "0123456789abcdef  FAILED  x\n"
	    "a                 -       -\n");
	free(out);
	table_free(t);
}

static void
test_table_color_and_escapes(void **state)
{
	static const char *const heads[] = { "STATUS", "V" };
	const char *r1[] = { "SUCCESS", "\033]0;pwned\007" };
	struct capture c;
	struct table *t;
	char *out;

	(void)state;
	assert_int_equal(table_new(heads, 2, &t), 0);
	table_status_column(t, 0);
	assert_int_equal(table_add(t, r1), 0);
	cap_open(&c);
	table_print(t, c.f, 1);
	out = cap_close(&c);
	/* bold headings, green SUCCESS padded outside the colour codes,
	 * the server's escape sequence defused */
	assert_string_equal(out,
	    "\033[1mSTATUS\033[0m   \033[1mV\033[0m\n"
	    "\033[32mSUCCESS\033[0m  ?]0;pwned?\n");
	free(out);
	table_free(t);
}

static void
test_table_limits(void **state)
{
	const char *heads[TABLE_COLS_MAX + 1];
	struct table *t = NULL;
	size_t i;

	(void)state;
	for (i = 0; i <= TABLE_COLS_MAX; i++)
		heads[i] = "H";
	assert_int_equal(table_new(heads, 0, &t), WJ_ERR_INVALID);
	assert_int_equal(table_new(heads, TABLE_COLS_MAX + 1, &t),
	    WJ_ERR_INVALID);
	assert_null(t);
	assert_int_equal(table_new(heads, TABLE_COLS_MAX, &t), 0);
	table_free(t);
	table_free(NULL);
}

static void
test_sub_jobs_table(void **state)
{
	json_error_t e;
	json_t *jobs;
	struct capture c;
	char *out;

	(void)state;
	jobs = json_loads("[{\"id\":\"s1\",\"job_id\":\"j1\",\"job_type\":"
	    "\"createDesktops\",\"status\":\"FAILED\",\"process\":40,"
	    "\"begin_time\":\"2025-01-01 00:00:00\",\"error_code\":"
	    "\"WKS.0005\"}]", 0, &e);
	assert_non_null(jobs);
	cap_open(&c);
	assert_int_equal(out_sub_jobs(c.f, jobs, 1, 0), 0);
	out = cap_close(&c);
	assert_string_equal(out,
	    "ID  JOB_ID  JOB_TYPE        STATUS  PROCESS  BEGIN_TIME         "
	    "  END_TIME  HOST  ERROR_CODE\n"
	    "s1  j1      createDesktops  FAILED  40       2025-01-01 00:00:00"
	    "  -         -     WKS.0005\n");
	free(out);
	json_decref(jobs);
}

static void
test_format_parse(void **state)
{
	int f = -1;

	(void)state;
	assert_int_equal(out_format_parse("table", &f), 0);
	assert_int_equal(f, OUT_TABLE);
	assert_int_equal(out_format_parse("json", &f), 0);
	assert_int_equal(f, OUT_JSON);
	assert_int_equal(out_format_parse("JSON", &f), WJ_ERR_INVALID);
	assert_int_equal(out_format_parse(NULL, &f), WJ_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_aligned),
		cmocka_unit_test(test_table_color_and_escapes),
		cmocka_unit_test(test_table_limits),
		cmocka_unit_test(test_sub_jobs_table),
		cmocka_unit_test(test_format_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
