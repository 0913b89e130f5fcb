/*
 * test_pg_work.c - the workers' side of the store and batch deletes on
 * PostgreSQL against a real server (WJ_TEST_PG_URL, a database the test
 * may write; those tests are skipped without it): eight threads with
 * stores of their own claiming 2,000 sub-jobs hand none out twice; a
 * lease answers heartbeat and finish only while it holds the sub-job;
 * two stores reaping at once expire each lease once and lose no attempt;
 * a refused batch delete deletes nothing.  Claims are fair across
 * projects on both engines (the SQLite one always runs): one WAITING
 * sub-job of a second project is in the first claim after 2,000 of the
 * first project.  The PostgreSQL tests live in a schema of their own
 * (search_path in the URL), made anew for each test.
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

#include "store/store.h"
#include "store_fixture.h"

#define SCHEMA "wj_test_pg_work"
#define DOM "d0000000000000000000000000000001"
#define PA "a0000000000000000000000000000001"
#define PB "b0000000000000000000000000000002"
#define N_SUBS 2000
#define THREADS 8

static const struct store_actor actor = { .request_id = "req-test" };
static const char *base_url;
static char url[1024];

/* The engine under test: a store and the account's domain and two
 * projects. */
struct wfx {
	struct store_fx	 fx;	/* SQLite */
	struct store	*st;
	int		 pg;
	char		 dom[64], pa[64], pb[64];
};

/* The test's own connection, beside the stores' (setup_pg opens it). */
static PGconn *db;

/* sql on db: its result, which must have succeeded (PQclear it). */
static PGresult *
q(const char *sql)
{
	PGresult *res = PQexec(db, sql);
	ExecStatusType rs = PQresultStatus(res);

	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	return res;
}

/* The number in the first column of sql's first row. */
static long
q_num(const char *sql)
{
	PGresult *res = q(sql);
	long v;

	assert_true(PQntuples(res) > 0);
	v = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

static int
pg_open(int max_attempts, struct store **st)
{
	struct store_opts o;

	memset(&o, 0, sizeof(o));
	o.database = url;
	o.db_pool = 3;
	o.max_attempts = max_attempts;
	return store_open(&o, st);
}

static int
setup_pg(void **state)
{
	struct wfx *f;

	db = PQconnectdb(url);
	assert_int_equal(PQstatus(db), CONNECTION_OK);
	PQclear(q("SET client_min_messages = warning; "
	    "DROP SCHEMA IF EXISTS " SCHEMA " CASCADE; CREATE SCHEMA " SCHEMA));
	if ((f = calloc(1, sizeof(*f))) == NULL || pg_open(2, &f->st) != 0)
		return -1;
	f->pg = 1;
	PQclear(q("INSERT INTO domains (id, name, created_ms) VALUES ('"
	    DOM "', 'acct', 0); INSERT INTO projects (id, domain_id, name, "
	    "created_ms) VALUES ('" PA "', '" DOM "', 'a', 0), ('" PB "', '"
	    DOM "', 'b', 0)"));
	strcpy(f->dom, DOM);
	strcpy(f->pa, PA);
	strcpy(f->pb, PB);
	*state = f;
	return 0;
}

static int
setup_sqlite(void **state)
{
	struct store_project p;
	struct wfx *f;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    store_fx_open(&f->fx, NULL, "root", "AKWORK") != 0 ||
	    store_project_create(f->fx.st, f->fx.d.id, "b", &p) != 0)
		return -1;
	f->st = f->fx.st;
	strcpy(f->dom, f->fx.d.id);
	strcpy(f->pa, f->fx.p.id);
	strcpy(f->pb, p.id);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct wfx *f = *state;

	if (f->pg) {
		store_close(f->st);
		PQfinish(db);
		db = NULL;
	}
	else if (store_fx_close(&f->fx) != 0)
		return -1;
	free(f);
	return 0;
}

/* n WAITING sub-jobs in project, jobs of up to 1000; the last job's ID
 * into job (may be NULL). */
static void
mk_subs(struct store *st, const char *project, size_t n, char job[64])
{
	static struct store_sub_job_in subs[1000];
	struct store_job_in in;
	char *body = NULL;
	const char *p;
	size_t k;

	for (; n > 0; n -= k) {
		k = n < 1000 ? n : 1000;
		memset(&in, 0, sizeof(in));
		in.project_id = project;
		in.job_type = "createDesktops";
		in.subs = subs;
		in.n = k;
		assert_int_equal(store_job_create(st, &actor, &in, &body), 0);
		if (job != NULL) {
			assert_non_null(p = strstr(body, "\"job_id\":\""));
			(void)snprintf(job, 33, "%s", p + 10);
		}
		free(body);
	}
}

static int
claim(struct store *st, const char *dom, int max, int lease_s,
    struct store_claimed *got)
{
	struct store_claim_in in;

	memset(&in, 0, sizeof(in));
	in.domain_id = dom;
	in.worker_id = "w";
	in.max = max;
	in.lease_seconds = lease_s;
	return store_claim(st, &actor, &in, got);
}

/* ---- claims from many stores at once ----------------------------------- */

struct claimer {
	char	(*ids)[33];
	size_t	 n;
	int	 errors;
};

static size_t claimed_total;

static void *
claimer_main(void *arg)
{
	struct claimer *c = arg;
	struct store_claimed got;
	struct store *st;
	size_t i;
	int idle = 0;

	if (pg_open(2, &st) != 0) {
		c->errors++;
		return NULL;
	}
	while (__atomic_load_n(&claimed_total, __ATOMIC_RELAXED) < N_SUBS &&
	    idle < 200) {
		if (claim(st, DOM, 7, 60, &got) != 0) {
			c->errors++;
			break;
		}
		idle = got.n == 0 ? idle + 1 : 0;
		if (got.n == 0)
			usleep(5000);
		for (i = 0; i < got.n && c->n < N_SUBS; i++)
			memcpy(c->ids[c->n++], got.v[i].id, 33);
		__atomic_add_fetch(&claimed_total, got.n, __ATOMIC_RELAXED);
		store_claimed_free(&got);
	}
	store_close(st);
	return NULL;
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
t_claim_threads(void **state)
{
	struct wfx *f = *state;
	static char ids[THREADS][N_SUBS][33], all[N_SUBS * THREADS][33];
	struct claimer c[THREADS];
	pthread_t th[THREADS];
	size_t i, n = 0;

	mk_subs(f->st, f->pa, N_SUBS / 2, NULL);
	mk_subs(f->st, f->pb, N_SUBS / 2, NULL);
	claimed_total = 0;
	for (i = 0; i < THREADS; i++) {
		c[i] = (struct claimer){ ids[i], 0, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, claimer_main,
		    &c[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(c[i].errors, 0);
		memcpy(all[n], ids[i], c[i].n * 33);
		n += c[i].n;
	}
	assert_int_equal(n, N_SUBS);
	qsort(all, n, 33, cmp_id);
	for (i = 1; i < n; i++)
		assert_string_not_equal(all[i - 1], all[i]);
	assert_int_equal(q_num("SELECT count(*) FROM sub_jobs WHERE "
	    "status = 1 AND lease_id IS NOT NULL"), N_SUBS);
	assert_int_equal(q_num("SELECT sum(n_running) FROM jobs"), N_SUBS);
	assert_int_equal(q_num("SELECT sum(n) FROM sub_job_counts WHERE "
	    "status = 1"), N_SUBS);
	assert_int_equal(q_num("SELECT coalesce(sum(n), 0) FROM "
	    "sub_job_counts WHERE status = 0"), 0);
}

/* ---- leases ------------------------------------------------------------- */

static void
t_lease_conflict(void **state)
{
	struct wfx *f = *state;
	struct store_claimed got;
	char id[33], lease[64];
	int64_t exp = 0;

	mk_subs(f->st, f->pa, 1, NULL);
	assert_int_equal(claim(f->st, f->dom, 1, 30, &got), 0);
	assert_int_equal(got.n, 1);
	strcpy(id, got.v[0].id);
	strcpy(lease, got.v[0].lease_id);
	store_claimed_free(&got);
	assert_int_equal(store_heartbeat(f->st, f->dom, id, "other", 40,
	    &exp), WJ_ERR_CONFLICT);
	assert_int_equal(store_heartbeat(f->st, f->dom,
	    "ffffffffffffffffffffffffffffffff", lease, 40, &exp),
	    WJ_ERR_NOT_FOUND);
	assert_int_equal(store_heartbeat(f->st, "nodomain", id, lease, 40,
	    &exp), WJ_ERR_NOT_FOUND);
	assert_int_equal(store_heartbeat(f->st, f->dom, id, lease, 40, &exp),
	    0);
	assert_true(exp > wj_now_ms() + 20000);
	assert_int_equal(q_num("SELECT process FROM sub_jobs"), 40);
	assert_int_equal(store_finish(f->st, &actor, f->dom, id, "other",
	    JOB_STATUS_SUCCESS, NULL, NULL, NULL), WJ_ERR_CONFLICT);
	assert_int_equal(store_finish(f->st, &actor, f->dom, id, lease,
	    JOB_STATUS_SUCCESS, NULL, NULL, "h1"), 0);
	assert_int_equal(store_finish(f->st, &actor, f->dom, id, lease,
	    JOB_STATUS_SUCCESS, NULL, NULL, NULL), WJ_ERR_CONFLICT);
	assert_int_equal(store_heartbeat(f->st, f->dom, id, lease, -1, &exp),
	    WJ_ERR_CONFLICT);
	assert_int_equal(q_num("SELECT count(*) FROM sub_jobs WHERE "
	    "status = 2 AND process = 100 AND host = 'h1' AND lease_id IS "
	    "NULL"), 1);
	assert_int_equal(q_num("SELECT count(*) FROM jobs WHERE status = 2 "
	    "AND n_success = 1 AND end_ms IS NOT NULL"), 1);
	/* The failed finishes were audited in the sub-job's project. */
	assert_int_equal(q_num("SELECT count(*) FROM audit_events WHERE "
	    "project_id = '" PA "' AND outcome <> 'success'"), 2);
}

/* ---- the reaper from two stores at once --------------------------------- */

struct reaper {
	int64_t	now, n;
	int	r;
};

static void *
reaper_main(void *arg)
{
	struct reaper *p = arg;
	struct store *st;

	if ((p->r = pg_open(2, &st)) != 0)
		return NULL;
	p->r = store_reap(st, p->now, &p->n);
	store_close(st);
	return NULL;
}

/* Claim every WAITING sub-job, then reap from two stores at once:
 * together they count each of n once. */
static void
claim_all_reap_twice(struct wfx *f, long n)
{
	struct reaper p[2];
	pthread_t th[2];
	struct store_claimed got;
	long claimed = 0, k;
	int i;

	do {
		assert_int_equal(claim(f->st, f->dom, 100, 5, &got), 0);
		claimed += k = (long)got.n;
		store_claimed_free(&got);
	} while (k > 0);
	assert_int_equal(claimed, n);
	for (i = 0; i < 2; i++) {
		p[i] = (struct reaper){ wj_now_ms() + 60000, 0, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, reaper_main,
		    &p[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(p[i].r, 0);
	}
	assert_int_equal(p[0].n + p[1].n, n);
}

static void
t_reap_two_stores(void **state)
{
	struct wfx *f = *state;

	mk_subs(f->st, f->pa, 1200, NULL);
	claim_all_reap_twice(f, 1200);
	assert_int_equal(q_num("SELECT count(*) FROM sub_jobs WHERE "
	    "status = 0 AND attempts = 1 AND lease_id IS NULL AND worker_id "
	    "IS NULL"), 1200);
	assert_int_equal(q_num("SELECT sum(n_waiting) FROM jobs"), 1200);
	/* max_attempts 2: the second expiry fails them, once each. */
	claim_all_reap_twice(f, 1200);
	assert_int_equal(q_num("SELECT count(*) FROM sub_jobs WHERE "
	    "status = 3 AND attempts = 2 AND error_code = 'WKS.00211401' AND "
	    "fail_reason = 'lease expired 2 times; the worker stopped "
	    "heartbeating'"), 1200);
	assert_int_equal(q_num("SELECT sum(n_failed) FROM jobs"), 1200);
	assert_int_equal(q_num("SELECT count(*) FROM jobs WHERE status = 3 "
	    "AND error_code = 'WKS.00211401'"), 2);
	assert_int_equal(q_num("SELECT sum(n) FROM sub_job_counts WHERE "
	    "status = 3"), 1200);
	assert_int_equal(q_num("SELECT coalesce(sum(n), 0) FROM "
	    "sub_job_counts WHERE status <> 3"), 0);
}

/* ---- fairness (both engines) -------------------------------------------- */

static void
t_fair(void **state)
{
	struct wfx *f = *state;
	struct store_claimed got;
	char b_job[64];
	size_t i;
	int seen = 0;

	mk_subs(f->st, f->pa, N_SUBS, NULL);
	usleep(3000);		/* B's is the newest */
	mk_subs(f->st, f->pb, 1, b_job);
	/* One claim of 10: B's sub-job is in it, A's oldest first. */
	assert_int_equal(claim(f->st, f->dom, 10, 60, &got), 0);
	assert_int_equal(got.n, 10);
	for (i = 0; i < got.n; i++)
		seen += strcmp(got.v[i].job_id, b_job) == 0;
	assert_int_equal(seen, 1);
	assert_string_equal(got.v[9].job_id, b_job);	/* oldest first */
	store_claimed_free(&got);
	/* A claim of 1 now: A has 9 in flight, B 1: B's new one. */
	mk_subs(f->st, f->pb, 1, b_job);
	assert_int_equal(claim(f->st, f->dom, 1, 60, &got), 0);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.v[0].job_id, b_job);
	store_claimed_free(&got);
}

/* ---- batch delete: all or nothing --------------------------------------- */

static void
t_delete_all_or_nothing(void **state)
{
	struct wfx *f = *state;
	struct store_claimed got;
	struct wj_errinfo ei;
	char job[64], done[2][33], wait[33], want[512];
	const char *ids[4];
	PGresult *res;
	int64_t n = -1;
	size_t i;

	mk_subs(f->st, f->pa, 3, job);
	assert_int_equal(claim(f->st, f->dom, 2, 60, &got), 0);
	assert_int_equal(got.n, 2);
	for (i = 0; i < 2; i++) {
		strcpy(done[i], got.v[i].id);
		assert_int_equal(store_finish(f->st, &actor, f->dom,
		    got.v[i].id, got.v[i].lease_id, JOB_STATUS_SUCCESS, NULL,
		    NULL, NULL), 0);
	}
	store_claimed_free(&got);
	res = q("SELECT id FROM sub_jobs WHERE status = 0");
	strcpy(wait, PQgetvalue(res, 0, 0));
	PQclear(res);

	ids[0] = done[0];
	ids[1] = wait;
	ids[2] = job;
	ids[3] = done[1];
	assert_int_equal(store_sub_jobs_delete(f->st, &actor, f->pa, ids, 4,
	    &ei), WJ_ERR_INVALID);
	(void)snprintf(want, sizeof(want), "%s is WAITING; only SUCCESS or "
	    "FAILED sub-jobs can be deleted; %s is a job ID, not a sub-job ID",
	    wait, job);
	assert_string_equal(ei.detail, want);
	assert_int_equal(q_num("SELECT count(*) FROM sub_jobs"), 3);
	assert_int_equal(q_num("SELECT n_success FROM jobs"), 2);

	ids[1] = "ffffffffffffffffffffffffffffffff";	/* unknown: skipped */
	assert_int_equal(store_sub_jobs_delete(f->st, &actor, f->pa,
	    (const char *const[]){ done[0], ids[1], done[1] }, 3, &ei), 0);
	assert_int_equal(q_num("SELECT count(*) FROM sub_jobs"), 1);
	assert_int_equal(q_num("SELECT n_success FROM jobs"), 0);
	assert_int_equal(q_num("SELECT coalesce(sum(n), 0) FROM "
	    "sub_job_counts WHERE status = 2"), 0);
	assert_int_equal(q_num("SELECT sum(n) FROM sub_job_counts WHERE "
	    "status = 0"), 1);
	assert_int_equal(store_sub_jobs_delete_by_status(f->st, &actor, f->pa,
	    JOB_STATUS_SUCCESS, &n), 0);
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest sqlite_tests[] = {
		cmocka_unit_test_setup_teardown(t_fair, setup_sqlite,
		    teardown),
	};
	const struct CMUnitTest pg_tests[] = {
		cmocka_unit_test_setup_teardown(t_fair, setup_pg, teardown),
		cmocka_unit_test_setup_teardown(t_claim_threads, setup_pg,
		    teardown),
		cmocka_unit_test_setup_teardown(t_lease_conflict, setup_pg,
		    teardown),
		cmocka_unit_test_setup_teardown(t_reap_two_stores, setup_pg,
		    teardown),
		cmocka_unit_test_setup_teardown(t_delete_all_or_nothing,
		    setup_pg, teardown),
	};
	int r;

	if ((r = cmocka_run_group_tests_name("work_sqlite", sqlite_tests,
	    NULL, NULL)) != 0)
		return r;
	if ((base_url = getenv("WJ_TEST_PG_URL")) == NULL ||
	    *base_url == '\0') {
		printf("skipped: WJ_TEST_PG_URL is not set\n");
		return 0;
	}
	(void)snprintf(url, sizeof(url), "%s%soptions=-csearch_path%%3D"
	    SCHEMA, base_url, strchr(base_url, '?') != NULL ? "&" : "?");
	return cmocka_run_group_tests_name("work_pg", pg_tests, NULL, NULL);
}
