/*
 * test_traces.c - the audit trail in the SQLite store: what an audited
 * write's row keeps of its actor (store_traces_list), the list's order,
 * filters, keyset marker and project isolation, and the retention's
 * pruning (store_audit_prune): old rows only, in bounded batches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store_fixture.h"

#define DAY_MS	INT64_C(86400000)
#define N_ROWS	5

struct seen {
	int	n;
	int64_t	id[16], time[16];
	char	user[16][STORE_NAME_MAX + 1];
	int	code[16], via[16];
	char	request[16][64];
};

static int
collect(void *arg, const struct store_trace *t)
{
	struct seen *s = arg;

	if (s->n >= 16)
		return -1;
	s->id[s->n] = t->id;
	s->time[s->n] = t->time_ms;
	(void)snprintf(s->user[s->n], sizeof(s->user[0]), "%s",
	    t->user_name != NULL ? t->user_name : "");
	s->code[s->n] = t->code;
	s->via[s->n] = t->via;
	(void)snprintf(s->request[s->n], sizeof(s->request[0]), "%s",
	    t->request != NULL ? t->request : "");
	s->n++;
	return 0;
}

/* A job created at time_ms by user (one audited write). */
static void
job_at(struct store *st, const char *project, int64_t time_ms,
    const char *user)
{
	struct store_actor a = { .request_id = "req-traces",
	    .trace_name = "createJob", .user_name = user,
	    .request = "{\"job_type\":\"t\"}", .via = STORE_VIA_CONSOLE,
	    .time_ms = time_ms, .ok_status = 201 };
	struct store_sub_job_in sub = { 0 };
	struct store_job_in in = { 0 };
	char *body = NULL;

	in.project_id = project;
	in.job_type = "traceTest";
	in.subs = &sub;
	in.n = 1;
	assert_int_equal(store_job_create(st, &a, &in, &body), 0);
	free(body);
}

static void
fill(struct store_trace_filter *q, const char *project, int limit)
{
	memset(q, 0, sizeof(*q));
	q->project_id = project;
	q->limit = limit;
}

static void
test_rows_order_filters_marker(void **state)
{
	struct store_fx *f = *state;
	struct store_project other;
	struct store_trace_filter q;
	struct seen s, s2;
	int i;

	for (i = 0; i < N_ROWS; i++)
		job_at(f->st, f->p.id, 1000000 + i * 10, i % 2 ? "bob" : "ann");
	assert_int_equal(store_project_create(f->st, f->d.id, "other",
	    &other), 0);
	job_at(f->st, other.id, 1000005, "eve");

	memset(&s, 0, sizeof(s));
	fill(&q, f->p.id, 200);
	assert_int_equal(store_traces_list(f->st, &q, collect, &s), 0);
	assert_int_equal(s.n, N_ROWS);	/* not the other project's */
	for (i = 0; i < N_ROWS; i++) {
		assert_int_equal(s.time[i], 1000000 + (N_ROWS - 1 - i) * 10);
		assert_int_equal(s.code[i], 201);
		assert_int_equal(s.via[i], STORE_VIA_CONSOLE);
		assert_string_equal(s.request[i], "{\"job_type\":\"t\"}");
	}

	/* user, and the time range (both ends excluded) */
	memset(&s2, 0, sizeof(s2));
	q.user_name = "bob";
	assert_int_equal(store_traces_list(f->st, &q, collect, &s2), 0);
	assert_int_equal(s2.n, 2);
	memset(&s2, 0, sizeof(s2));
	q.user_name = NULL;
	q.from_ms = 1000010;
	q.to_ms = 1000040;
	assert_int_equal(store_traces_list(f->st, &q, collect, &s2), 0);
	assert_int_equal(s2.n, 2);
	assert_int_equal(s2.time[0], 1000030);

	/* the marker: after the second row */
	memset(&s2, 0, sizeof(s2));
	fill(&q, f->p.id, 2);
	q.after_time_ms = s.time[1];
	q.after_id = s.id[1];
	assert_int_equal(store_traces_list(f->st, &q, collect, &s2), 0);
	assert_int_equal(s2.n, 2);
	assert_int_equal(s2.id[0], s.id[2]);
	assert_int_equal(s2.id[1], s.id[3]);

	/* one row by id and time; out of bounds */
	memset(&s2, 0, sizeof(s2));
	fill(&q, f->p.id, 200);
	q.id = s.id[3];
	q.id_time_ms = s.time[3];
	assert_int_equal(store_traces_list(f->st, &q, collect, &s2), 0);
	assert_int_equal(s2.n, 1);
	q.limit = WJ_TRACES_LIMIT_MAX + 2;
	assert_int_equal(store_traces_list(f->st, &q, collect, &s2),
	    WJ_ERR_INVALID);
}

/* Rows age in the order they were written: every row but the newest
 * is made 100 days old through the test's own connection. */
static void
test_prune_old_rows_in_batches(void **state)
{
	struct store_fx *f = *state;
	struct sqlite3 *db;
	int64_t now = wj_now_ms(), n = -1, total, rounds = 0, gone = 0;
	int i;

	for (i = 0; i < N_ROWS; i++)
		job_at(f->st, f->p.id, now, "u");
	total = store_fx_int(f, "SELECT count(*) FROM audit_events");
	assert_true(total >= N_ROWS);
	db = store_fx_db(f);
	assert_int_equal(sqlite3_exec(db, "UPDATE audit_events SET time_ms = "
	    "time_ms - 8640000000 WHERE id < (SELECT max(id) FROM "
	    "audit_events)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	do {
		assert_int_equal(store_audit_prune(f->st, now - 90 * DAY_MS, 2,
		    &n), 0);
		assert_true(n <= 2);
		gone += n;
		rounds++;
	} while (n == 2 && rounds < 100);
	assert_int_equal(gone, total - 1);
	assert_int_equal(store_fx_int(f, "SELECT count(*) FROM audit_events"),
	    1);
	/* Nothing old left: a pass deletes nothing. */
	assert_int_equal(store_audit_prune(f->st, now - 90 * DAY_MS, 2, &n),
	    0);
	assert_int_equal(n, 0);
	assert_int_equal(store_audit_prune(f->st, now, 0, &n), WJ_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_order_filters_marker,
		    store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_prune_old_rows_in_batches,
		    store_fx_setup, store_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
