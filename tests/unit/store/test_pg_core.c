/*
 * test_pg_core.c - the PostgreSQL engine's core against a real server
 * (WJ_TEST_PG_URL, a database the test may write; skipped without it):
 * opening and migrating (twice: idempotent), refusing a schema newer than
 * the program, a pool that answers WJ_ERR_UNAVAILABLE within the deadline
 * when every connection is taken, read snapshots and the data version,
 * and an async write that is durable before its done runs.  Everything
 * lives in a schema of its own (search_path in the URL), dropped first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "store/engine.h"
#include "store/pg/pg_int.h"

#define SCHEMA "wj_test_pg_core"

static const char *base_url;
static char url[1024];

/* Run sql on a connection of our own (outside the store). */
static PGresult *
side(const char *sql)
{
	PGconn *db = PQconnectdb(url);
	PGresult *res;

	assert_int_equal(PQstatus(db), CONNECTION_OK);
	res = PQexec(db, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	PQfinish(db);
	return res;
}

static long
side_int(const char *sql)
{
	PGresult *res = side(sql);
	long n = strtol(PQgetvalue(res, 0, 0), NULL, 10);

	PQclear(res);
	return n;
}

static int
open_pg(int pool, int timeout_ms, struct pg_store **st)
{
	struct store_opts o;

	memset(&o, 0, sizeof(o));
	o.database = url;
	o.db_pool = pool;
	o.db_timeout_ms = timeout_ms;
	return pg_store_open(&o, st);
}

static void
t_open_migrate_twice(void **state)
{
	struct pg_store *st;

	(void)state;
	assert_int_equal(open_pg(0, 0, &st), 0);
	pg_store_close(st);
	assert_int_equal(open_pg(0, 0, &st), 0);
	assert_int_equal(pg_store_ping(st), 0);
	pg_store_close(st);
	assert_int_equal(side_int("SELECT count(*) FROM schema_version"),
	    PG_SCHEMA_VERSION);
	assert_int_equal(side_int("SELECT max(version) FROM schema_version"),
	    PG_SCHEMA_VERSION);
	assert_int_equal(side_int("SELECT count(*) FROM pg_tables WHERE "
	    "schemaname = '" SCHEMA "' AND tablename IN ('sub_jobs', 'jobs', "
	    "'sub_job_counts', 'client_tokens', 'audit_events', 'users')"), 6);
}

static void
t_newer_schema_refused(void **state)
{
	struct pg_store *st = NULL;
	char sql[128];

	(void)state;
	(void)snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES "
	    "(%d, 0)", PG_SCHEMA_VERSION + 1);
	PQclear(side(sql));
	assert_int_equal(open_pg(0, 0, &st), WJ_ERR_INVALID);
	assert_null(st);
	(void)snprintf(sql, sizeof(sql), "DELETE FROM schema_version WHERE "
	    "version = %d", PG_SCHEMA_VERSION + 1);
	PQclear(side(sql));
	assert_int_equal(open_pg(0, 0, &st), 0);
	pg_store_close(st);
}

struct other {
	struct pg_store	*st;
	int		 r;
	int64_t		 us;
};

static void *
other_reader(void *arg)
{
	struct other *o = arg;
	struct pg_conn *c;
	int64_t t0 = wj_mono_us();

	o->r = pg_reader(o->st, &c);
	o->us = wj_mono_us() - t0;
	if (o->r == 0)
		pg_reader_put(o->st, c);
	return NULL;
}

/* db_pool 2: one executor connection, one reader; a second reader waits
 * the deadline (300 ms) and gives up. */
static void
t_pool_exhausted(void **state)
{
	struct other o = { NULL, 0, 0 };
	pthread_t t;

	(void)state;
	assert_int_equal(open_pg(2, 300, &o.st), 0);
	assert_int_equal(pg_store_read_begin(o.st), 0);
	assert_int_equal(pthread_create(&t, NULL, other_reader, &o), 0);
	pthread_join(t, NULL);
	assert_int_equal(o.r, WJ_ERR_UNAVAILABLE);
	assert_true(o.us >= 250000);
	assert_true(o.us < 3000000);
	assert_int_equal(pg_store_read_end(o.st, 0), 0);
	/* Given back: the next one gets it at once. */
	assert_int_equal(pthread_create(&t, NULL, other_reader, &o), 0);
	pthread_join(t, NULL);
	assert_int_equal(o.r, 0);
	pg_store_close(o.st);
}

static int
op_insert(struct pg_conn *c, struct pg_op *op)
{
	char id[WJ_ID_LEN + 1];
	int r;

	if ((r = wj_id_new(id)) != 0)
		return r;
	return pg_run(c, NULL, "INSERT INTO domains (id, name, created_ms) "
	    "VALUES ($1, $2, $3)", "ttI", id, (const char *)op->arg,
	    (int64_t)wj_now_ms());
}

static int
count_row(const struct pg_row *w, void *arg)
{
	*(int64_t *)arg = pg_bigint(w, 0);
	return 0;
}

static int64_t
count_domains(struct pg_store *st)
{
	int64_t n = -1;

	assert_int_equal(pg_rows(st, "SELECT count(*) FROM domains", NULL, 0,
	    1, count_row, &n), 0);
	return n;
}

static void
t_snapshot_and_version(void **state)
{
	struct pg_store *st;
	int64_t dv1, dv2, dv3, n1;

	(void)state;
	assert_int_equal(open_pg(0, 0, &st), 0);
	assert_int_equal(pg_store_read_begin(st), 0);
	assert_int_equal(pg_store_read_begin(st), 0);	/* nests */
	assert_int_equal(pg_store_data_version(st, &dv1), 0);
	n1 = count_domains(st);
	assert_int_equal(pg_write(st, op_insert, "snap-a", "test:insert"), 0);
	/* The snapshot sees neither the row nor a new version. */
	assert_int_equal(count_domains(st), n1);
	assert_int_equal(pg_store_data_version(st, &dv2), 0);
	assert_true(dv1 == dv2);
	assert_int_equal(pg_store_read_end(st, 0), 0);
	assert_int_equal(count_domains(st), n1);	/* still inside */
	assert_int_equal(pg_store_read_end(st, 0), 0);
	assert_int_equal(count_domains(st), n1 + 1);
	assert_int_equal(pg_store_data_version(st, &dv3), 0);
	assert_true(dv3 != dv1);
	/* A refused write (the name is unique) answers its own error and
	 * writes its audit row. */
	assert_int_equal(pg_write(st, op_insert, "snap-a", "test:insert"),
	    WJ_ERR_EXISTS);
	assert_int_equal(side_int("SELECT count(*) FROM audit_events WHERE "
	    "action = 'test:insert' AND outcome LIKE 'error:%'"), 1);
	pg_store_close(st);
}

struct seen {
	pthread_mutex_t	mu;
	pthread_cond_t	cv;
	int		done, result;
	long		visible;
};

static void
seen_done(void *arg, int result)
{
	struct seen *s = arg;
	long n = side_int("SELECT count(*) FROM domains WHERE name = "
	    "'async-a'");

	pthread_mutex_lock(&s->mu);
	s->visible = n;
	s->result = result;
	s->done++;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void
t_async_durable(void **state)
{
	struct seen s = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	    0, -1, -1 };
	struct pg_store *st;
	struct pg_async *a;

	(void)state;
	assert_int_equal(open_pg(0, 0, &st), 0);
	assert_non_null(a = calloc(1, sizeof(*a)));
	pg_op_init(&a->op, op_insert, "async-a", 1, NULL, "test:async", NULL);
	assert_int_equal(pg_submit_done(st, a, NULL, seen_done, &s), 0);
	pthread_mutex_lock(&s.mu);
	while (!s.done)
		pthread_cond_wait(&s.cv, &s.mu);
	pthread_mutex_unlock(&s.mu);
	assert_int_equal(s.result, 0);
	assert_int_equal(s.visible, 1);	/* committed before done ran */
	pg_store_close(st);
	assert_int_equal(s.done, 1);	/* exactly once */
}

struct flaky {
	int	calls;
	int	fail;		/* calls that fail with a serialization failure */
};

static int
op_flaky(struct pg_conn *c, struct pg_op *op)
{
	struct flaky *f = op->arg;
	char id[WJ_ID_LEN + 1];
	int r;

	if ((r = wj_id_new(id)) != 0 ||
	    (r = pg_run(c, NULL, "INSERT INTO domains (id, name, created_ms) "
	    "VALUES ($1, 'flaky-' || $1, 0)", "t", id)) != 0)
		return r;
	if (f->calls++ < f->fail)
		return pg_exec(c, "DO $$ BEGIN RAISE EXCEPTION 'test' USING "
		    "ERRCODE = '40001'; END $$");
	return 0;
}

/* A serialization failure is run again (its first try leaves nothing,
 * no audit row); one that keeps failing answers 503, never 500. */
static void
t_serialization_rerun(void **state)
{
	struct flaky once = { 0, 1 }, always = { 0, 1000 };
	struct pg_store *st;

	(void)state;
	PQclear(side("DELETE FROM domains WHERE name LIKE 'flaky-%'"));
	assert_int_equal(open_pg(0, 0, &st), 0);
	assert_int_equal(pg_write(st, op_flaky, &once, "test:flaky"), 0);
	assert_int_equal(once.calls, 2);
	assert_int_equal(side_int("SELECT count(*) FROM domains WHERE name "
	    "LIKE 'flaky-%'"), 1);
	assert_int_equal(side_int("SELECT count(*) FROM audit_events WHERE "
	    "action = 'test:flaky'"), 1);
	assert_int_equal(pg_write(st, op_flaky, &always, NULL),
	    WJ_ERR_UNAVAILABLE);
	assert_int_equal(always.calls, 1 + PG_RETRIES);
	assert_int_equal(side_int("SELECT count(*) FROM domains WHERE name "
	    "LIKE 'flaky-%'"), 1);
	pg_store_close(st);
}

/* Every session of the store killed by the server: the store answers 503
 * at once for a while, then comes back by itself, reads and writes. */
static void
t_reconnect(void **state)
{
	struct pg_store *st;
	int64_t n, t0;

	(void)state;
	assert_int_equal(open_pg(0, 0, &st), 0);
	n = count_domains(st);
	assert_int_equal(pg_write(st, op_insert, "re-a", NULL), 0);
	PQclear(side("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
	    "WHERE application_name = '" PG_APP_NAME "' AND "
	    "datname = current_database()"));
	assert_int_equal(pg_rows(st, "SELECT 1", NULL, 0, 0, count_row, &n),
	    WJ_ERR_UNAVAILABLE);
	t0 = wj_mono_us();
	assert_int_equal(pg_store_ping(st), WJ_ERR_UNAVAILABLE);
	assert_int_equal(pg_write(st, op_insert, "re-b", NULL),
	    WJ_ERR_UNAVAILABLE);
	assert_true(wj_mono_us() - t0 < 200000);	/* at once */
	usleep((PG_DOWN_MS + 100) * 1000);
	assert_int_equal(pg_store_ping(st), 0);
	assert_int_equal(pg_write(st, op_insert, "re-c", NULL), 0);
	assert_int_equal(side_int("SELECT count(*) FROM domains WHERE name "
	    "IN ('re-a', 're-b', 're-c')"), 2);
	pg_store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_open_migrate_twice),
		cmocka_unit_test(t_newer_schema_refused),
		cmocka_unit_test(t_pool_exhausted),
		cmocka_unit_test(t_snapshot_and_version),
		cmocka_unit_test(t_async_durable),
		cmocka_unit_test(t_serialization_rerun),
		cmocka_unit_test(t_reconnect),
	};
	PGresult *res;
	PGconn *db;

	if ((base_url = getenv("WJ_TEST_PG_URL")) == NULL ||
	    *base_url == '\0') {
		printf("skipped: WJ_TEST_PG_URL is not set\n");
		return 0;
	}
	db = PQconnectdb(base_url);
	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "%s: %s", base_url, PQerrorMessage(db));
		return 1;
	}
	res = PQexec(db, "SET client_min_messages = warning; "
	    "DROP SCHEMA IF EXISTS " SCHEMA " CASCADE; "
	    "CREATE SCHEMA " SCHEMA);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "%s", PQresultErrorMessage(res));
		return 1;
	}
	PQclear(res);
	PQfinish(db);
	(void)snprintf(url, sizeof(url), "%s%soptions=-csearch_path%%3D"
	    SCHEMA, base_url, strchr(base_url, '?') != NULL ? "&" : "?");
	return cmocka_run_group_tests_name("pg_core", tests, NULL, NULL);
}
