/*
 * test_pg_jobs.c - jobs and lists of the PostgreSQL engine against a real
 * server (WJ_TEST_PG_URL; skipped without it), each compared with the
 * SQLite engine running the same sequence: create, show and list pages
 * for every filter kind render the same rows (IDs and times by their
 * rank); the X-Client-Token race of two store handles ("nodes") from two
 * threads (one creates, both answer the same body); counts exact after
 * concurrent status changes (pg_apply); and the list page read through
 * an index, never a Seq Scan on sub_jobs.  Everything lives in a schema
 * of its own (search_path in the URL), dropped first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "store/engine.h"
#include "store/pg/pg_int.h"
#include "store_fixture.h"

#define SCHEMA "wj_test_pg_jobs"

static const char *base_url;
static char url[1024];

/* A cmocka setup: the test's schema, empty. */
static int
fresh(void **state)
{
	PGconn *db = PQconnectdb(base_url);
	PGresult *res;
	int r;

	(void)state;
	res = PQexec(db, "SET client_min_messages = warning; "
	    "DROP SCHEMA IF EXISTS " SCHEMA " CASCADE; CREATE SCHEMA " SCHEMA);
	r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	if (r != 0)
		fprintf(stderr, "%s: %s", base_url, PQerrorMessage(db));
	PQclear(res);
	PQfinish(db);
	return r;
}

static const struct store_actor actor = { .request_id = "req-pgjobs" };

struct eng {
	struct store		*st;
	struct store_fx		 fx;	/* SQLite: its directory */
	struct store_domain	 d;
	struct store_user	 u;
	struct store_project	 p;
	/* IDs in the order the creates made them: their rank renders them */
	char			 ids[64][WJ_ID_LEN + 1];
	int			 nids;
};

static const uint8_t sk[40] = { 7 };

static void
eng_open_pg(struct eng *e)
{
	struct store_opts o;

	memset(e, 0, sizeof(*e));
	memset(&o, 0, sizeof(o));
	o.database = url;
	assert_int_equal(store_open(&o, &e->st), 0);
	assert_int_equal(store_bootstrap(e->st, "admin", "root", "default",
	    "AKPGJOBS000000000000000000000001", sk, sizeof(sk), &e->d, &e->u,
	    &e->p), 0);
}

static void
eng_open_sq(struct eng *e)
{
	memset(e, 0, sizeof(*e));
	assert_int_equal(store_fx_open(&e->fx, NULL, "root",
	    "AKPGJOBS000000000000000000000001"), 0);
	e->st = e->fx.st;
	e->p = e->fx.p;
}

static void
eng_close(struct eng *e)
{
	if (e->fx.dir[0] != '\0')
		assert_int_equal(store_fx_close(&e->fx), 0);
	else
		store_close(e->st);
}

/* Run sql on a connection of our own; the first value, or "". */
static void
sql_one(const char *sql, char *out, size_t size)
{
	PGconn *db = PQconnectdb(url);
	PGresult *res;

	assert_int_equal(PQstatus(db), CONNECTION_OK);
	res = PQexec(db, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(res));
	out[0] = '\0';
	if (PQntuples(res) > 0)
		snprintf(out, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(db);
}

static void
nap_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Create a job of n sub-jobs; the IDs of its answer join e->ids. */
static void
create(struct eng *e, const char *type, size_t n, const char *pool)
{
	struct store_sub_job_in subs[8];
	struct store_job_in in;
	json_t *j, *a;
	char *body = NULL;
	size_t i;

	assert_true(n <= 8);
	memset(subs, 0, sizeof(subs));
	for (i = 0; i < n; i++) {
		subs[i].desktop_pool_id = pool;
		subs[i].entity = i % 2 ? "ent\"quoted\\" : NULL;
		subs[i].entities = "{\"a\":[1,2]}";
		subs[i].attach_user = "ü-user";
	}
	memset(&in, 0, sizeof(in));
	in.project_id = e->p.id;
	in.job_type = type;
	in.subs = subs;
	in.n = n;
	assert_int_equal(store_job_create(e->st, &actor, &in, &body), 0);
	assert_non_null(j = json_loads(body, 0, NULL));
	snprintf(e->ids[e->nids++], WJ_ID_LEN + 1, "%s",
	    json_string_value(json_object_get(j, "job_id")));
	a = json_object_get(j, "sub_job_ids");
	for (i = 0; i < json_array_size(a); i++)
		snprintf(e->ids[e->nids++], WJ_ID_LEN + 1, "%s",
		    json_string_value(json_array_get(a, i)));
	json_decref(j);
	free(body);
	nap_ms(3);	/* every job its own millisecond on both engines */
}

static int
rank(const struct eng *e, const char *id)
{
	int i;

	for (i = 0; id != NULL && i < e->nids; i++)
		if (strcmp(e->ids[i], id) == 0)
			return i;
	return -1;
}

struct render {
	const struct eng *e;
	char		  out[16384];
	size_t		  len;
};

#define S(x) ((x) != NULL ? (x) : "~")

static int
render_sub(void *arg, const struct sub_job *s)
{
	struct render *r = arg;
	int n;

	n = snprintf(r->out + r->len, sizeof(r->out) - r->len,
	    "%d %d %s %s %d %d %d %s %s %s %s %s %s %s %s\n",
	    rank(r->e, s->id), rank(r->e, s->job_id),
	    strcmp(s->project_id, r->e->p.id) == 0 ? "P" : "?", s->job_type,
	    s->status, s->end_ms != 0, s->process, S(s->error_code),
	    S(s->fail_reason), S(s->host), S(s->entities), S(s->attach_user),
	    S(s->entity), S(s->ip_address), S(s->desktop_pool_id));
	assert_true(n > 0 && (size_t)n < sizeof(r->out) - r->len);
	r->len += (size_t)n;
	return 0;
}

static int
render_job(void *arg, const struct job *j)
{
	struct render *r = arg;
	int n;

	n = snprintf(r->out + r->len, sizeof(r->out) - r->len,
	    "job %d %s %d %d %s %s %lld %lld %lld %lld %d\n", rank(r->e, j->id),
	    j->job_type, j->status, j->end_ms != 0, S(j->error_code),
	    S(j->fail_reason), (long long)j->count[0],
	    (long long)j->count[1], (long long)j->count[2],
	    (long long)j->count[3], j->started);
	assert_true(n > 0);
	r->len += (size_t)n;
	return 0;
}

/* The rendered answer of a list call (total, then the rows). */
static void
list_render(const struct eng *e, struct store_list_filter *f,
    struct render *r)
{
	int64_t total = -1;

	memset(r, 0, sizeof(*r));
	r->e = e;
	f->project_id = e->p.id;
	assert_int_equal(store_sub_jobs_list(e->st, f, &total, render_sub,
	    r), 0);
	r->len += (size_t)snprintf(r->out + r->len, sizeof(r->out) - r->len,
	    "total %lld\n", (long long)total);
}

static void
same_lists(struct eng *a, struct eng *b)
{
	static const char *st[][2] = { { NULL, NULL }, { "WAITING", NULL },
	    { "SUCCESS", NULL }, { "WAITING", "RUNNING" }, { "BOGUS", NULL },
	    { "", NULL } };
	static const char *ty[][2] = { { NULL, NULL }, { "createDesktops",
	    NULL }, { "createDesktops", "deleteDesktops" }, { "none", NULL } };
	static const int64_t page[][2] = { { 100, 0 }, { 3, 0 }, { 3, 4 },
	    { 2, 11 }, { 0, 0 }, { 5, 100 } };
	struct store_list_filter f;
	struct render ra, rb;
	size_t i, k, p, x;

	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++)
	for (k = 0; k < sizeof(ty) / sizeof(ty[0]); k++)
	for (x = 0; x < 3; x++)
	for (p = 0; p < sizeof(page) / sizeof(page[0]); p++) {
		memset(&f, 0, sizeof(f));
		f.statuses[0] = st[i][0];
		f.statuses[1] = st[i][1];
		f.n_statuses = st[i][0] == NULL ? 0 : st[i][1] == NULL ? 1 : 2;
		f.job_types[0] = ty[k][0];
		f.job_types[1] = ty[k][1];
		f.n_job_types = ty[k][0] == NULL ? 0 : ty[k][1] == NULL ? 1 : 2;
		f.limit = page[p][0];
		f.offset = page[p][1];
		if (x == 1)
			f.job_id = a->ids[4];	/* the second job */
		if (x == 2)
			f.desktop_pool_id = "pool-1";
		list_render(a, &f, &ra);
		if (x == 1)
			f.job_id = b->ids[4];
		list_render(b, &f, &rb);
		assert_string_equal(ra.out, rb.out);
	}
}

static void
same_shows(struct eng *a, struct eng *b)
{
	struct render ra, rb;

	memset(&ra, 0, sizeof(ra));
	memset(&rb, 0, sizeof(rb));
	ra.e = a;
	rb.e = b;
	assert_int_equal(store_job_show(a->st, a->p.id, a->ids[4], render_job,
	    render_sub, &ra), 0);
	assert_int_equal(store_job_show(b->st, b->p.id, b->ids[4], render_job,
	    render_sub, &rb), 0);
	assert_string_equal(ra.out, rb.out);
	assert_int_equal(store_job_show(b->st, b->p.id, b->ids[1], render_job,
	    render_sub, &rb), WJ_ERR_NOT_FOUND);
}

/* The same creates on both engines: every list and show answers alike. */
static void
test_same_as_sqlite(void **state)
{
	struct eng *pg = calloc(1, sizeof(*pg)), *sq = calloc(1, sizeof(*sq));
	struct eng *e[2] = { pg, sq };
	int i;

	(void)state;
	eng_open_pg(pg);
	eng_open_sq(sq);
	for (i = 0; i < 2; i++) {
		create(e[i], "createDesktops", 3, NULL);
		create(e[i], "deleteDesktops", 4, "pool-1");
		create(e[i], "createDesktops", 2, "pool-1");
		create(e[i], "rebootDesktops", 5, NULL);
	}
	same_lists(pg, sq);
	same_shows(pg, sq);
	eng_close(pg);
	eng_close(sq);
	free(pg);
	free(sq);
}

/* ---- the client token across two nodes ---------------------------------- */

struct racer {
	struct store	*st;
	const char	*project_id;
	pthread_barrier_t *go;
	char		*body;
	int		 r;
};

static void *
race(void *arg)
{
	struct racer *x = arg;
	struct store_sub_job_in sub = { 0 };
	struct store_job_in in = { 0 };

	in.project_id = x->project_id;
	in.job_type = "createDesktops";
	in.subs = &sub;
	in.n = 1;
	in.client_token = "token-race-1";
	pthread_barrier_wait(x->go);
	x->r = store_job_create(x->st, &actor, &in, &x->body);
	return NULL;
}

static void
test_token_race(void **state)
{
	struct store_opts o;
	struct store *node2;
	struct eng e;
	struct racer x[2];
	pthread_barrier_t go;
	pthread_t t[2];
	char n[64];
	int i;

	(void)state;
	eng_open_pg(&e);
	memset(&o, 0, sizeof(o));
	o.database = url;
	assert_int_equal(store_open(&o, &node2), 0);
	pthread_barrier_init(&go, NULL, 2);
	for (i = 0; i < 2; i++) {
		x[i] = (struct racer){ i ? node2 : e.st, e.p.id, &go, NULL, -1 };
		assert_int_equal(pthread_create(&t[i], NULL, race, &x[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(x[0].r, 0);
	assert_int_equal(x[1].r, 0);
	assert_string_equal(x[0].body, x[1].body);
	sql_one("SELECT count(*) FROM client_tokens WHERE token = "
	    "'token-race-1'", n, sizeof(n));
	assert_string_equal(n, "1");
	sql_one("SELECT count(*) FROM jobs j JOIN client_tokens t ON "
	    "t.body LIKE '%' || j.id || '%' WHERE t.token = 'token-race-1'", n,
	    sizeof(n));
	assert_string_equal(n, "1");
	for (i = 0; i < 2; i++)
		free(x[i].body);
	pthread_barrier_destroy(&go);
	store_close(node2);
	eng_close(&e);
}

/* ---- counts exact under concurrent status changes ------------------------ */

struct mover {
	struct store	*st;
	const char	*project_id;
	int		 status;	/* WAITING -> this, one at a time */
	int		 n;
};

static int
move_one(struct pg_conn *c, struct pg_op *op)
{
	struct mover *m = op->arg;

	return pg_apply(c, NULL, 1, "pick AS (SELECT project_id, id FROM "
	    "sub_jobs WHERE project_id = $1 AND status = 0 LIMIT 1 "
	    "FOR UPDATE SKIP LOCKED), chg AS (UPDATE sub_jobs AS s SET "
	    "status = $2::int, end_ms = $3::bigint, error_code = CASE WHEN "
	    "$2::int = 3 THEN 'E' END FROM pick WHERE s.project_id = "
	    "pick.project_id AND s.id = pick.id RETURNING s.id, s.project_id, "
	    "s.job_id, s.job_type, 0 AS old_status, s.status AS new_status, "
	    "s.error_code, s.fail_reason, $3::bigint AS at_ms)", NULL, "tiI", m->project_id, m->status,
	    wj_now_ms());
}

static void *
mover(void *arg)
{
	struct mover *m = arg;
	int i;

	for (i = 0; i < m->n; i++)
		if (pg_write(m->st->pg, move_one, m, NULL) != 0)
			break;
	return NULL;
}

static void
test_counts_concurrent(void **state)
{
	struct store_opts o;
	struct store *node2;
	struct mover m[4];
	pthread_t t[4];
	struct eng e;
	char a[512], b[512];
	int i;

	(void)state;
	eng_open_pg(&e);
	memset(&o, 0, sizeof(o));
	o.database = url;
	assert_int_equal(store_open(&o, &node2), 0);
	for (i = 0; i < 6; i++)
		create(&e, i % 2 ? "createDesktops" : "deleteDesktops", 8, NULL);
	for (i = 0; i < 4; i++) {
		m[i] = (struct mover){ i % 2 ? node2 : e.st, e.p.id,
		    1 + i % 3, 10 };
		assert_int_equal(pthread_create(&t[i], NULL, mover, &m[i]), 0);
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	/* The kept counts equal a GROUP BY over the rows, per job and per
	 * (type, status) summed over the stripes. */
	sql_one("SELECT string_agg(format('%s/%s/%s', job_type, status, n), "
	    "',' ORDER BY job_type, status) FROM (SELECT job_type, status, "
	    "count(*) AS n FROM sub_jobs GROUP BY 1, 2) x", a, sizeof(a));
	sql_one("SELECT string_agg(format('%s/%s/%s', job_type, status, n), "
	    "',' ORDER BY job_type, status) FROM (SELECT job_type, status, "
	    "sum(n) AS n FROM sub_job_counts GROUP BY 1, 2 HAVING sum(n) <> 0)"
	    " x", b, sizeof(b));
	assert_string_equal(a, b);
	sql_one("SELECT count(*) FROM jobs j, LATERAL (SELECT count(*) "
	    "FILTER (WHERE status = 0) AS w, count(*) FILTER (WHERE status = "
	    "1) AS r, count(*) FILTER (WHERE status = 2) AS s, count(*) "
	    "FILTER (WHERE status = 3) AS f FROM sub_jobs s WHERE "
	    "s.project_id = j.project_id AND s.job_id = j.id) c WHERE "
	    "(j.n_waiting, j.n_running, j.n_success, j.n_failed) IS DISTINCT "
	    "FROM (c.w, c.r, c.s, c.f) OR j.status <> wj_job_status("
	    "j.n_waiting, j.n_running, j.n_success, j.n_failed, j.started, "
	    "j.failed)", a, sizeof(a));
	assert_string_equal(a, "0");
	sql_one("SELECT count(*) FROM sub_jobs WHERE status <> 0", a,
	    sizeof(a));
	assert_string_equal(a, "40");
	store_close(node2);
	eng_close(&e);
}

/* ---- the page through an index ------------------------------------------ */

static void
test_list_plan(void **state)
{
	struct store_list_filter f;
	const char *p[3 + WJ_LIST_FILTER_VALUES];
	struct buf sql, ex;
	PGconn *db;
	PGresult *res;
	int np, none, i;
	struct eng e;

	(void)state;
	eng_open_pg(&e);
	memset(&f, 0, sizeof(f));
	f.project_id = e.p.id;
	f.statuses[0] = "WAITING";
	f.n_statuses = 1;
	f.limit = 100;
	buf_init(&sql);
	buf_init(&ex);
	assert_int_equal(pg_list_sql(&f, &sql, p, &np, &none), 0);
	assert_int_equal(np, 1);
	db = PQconnectdb(url);
	assert_int_equal(PQstatus(db), CONNECTION_OK);
	/* Enough rows that a scan would cost more than the index. */
	res = PQexec(db, "INSERT INTO jobs (project_id, id, job_type, "
	    "status, begin_ms) SELECT id, 'plan-job', 't', 0, 1 FROM projects "
	    "LIMIT 1; INSERT INTO sub_jobs (project_id, id, job_id, job_type, "
	    "status, begin_ms) SELECT pr.id, 'plan-' || g, 'plan-job', 't', "
	    "g % 4, g FROM generate_series(1, 20000) g, (SELECT id FROM "
	    "projects LIMIT 1) pr; ANALYZE sub_jobs");
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	buf_printf(&ex, "EXPLAIN (COSTS OFF) %s", sql.data);
	res = PQexecParams(db, ex.data, np + 2, NULL, (const char *const[]){
	    p[0], "100", "0" }, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	for (i = 0; i < PQntuples(res); i++) {
		const char *line = PQgetvalue(res, i, 0);

		if (strstr(line, "Seq Scan on sub_jobs") != NULL)
			fail_msg("a Seq Scan: %s", line);
	}
	PQclear(res);
	PQfinish(db);
	buf_free(&sql);
	buf_free(&ex);
	eng_close(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_same_as_sqlite, fresh),
		cmocka_unit_test_setup(test_token_race, fresh),
		cmocka_unit_test_setup(test_counts_concurrent, fresh),
		cmocka_unit_test_setup(test_list_plan, fresh),
	};

	base_url = getenv("WJ_TEST_PG_URL");
	if (base_url == NULL || *base_url == '\0') {
		printf("skipped: WJ_TEST_PG_URL is not set\n");
		return 0;
	}
	(void)snprintf(url, sizeof(url), "%s%soptions=-csearch_path%%3D"
	    SCHEMA, base_url, strchr(base_url, '?') != NULL ? "&" : "?");
	return cmocka_run_group_tests_name("pg_jobs", tests, NULL, NULL);
}
