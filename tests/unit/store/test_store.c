/*
 * test_store.c - the SQLite store against a real database file in a temp
 * directory: schema and reopen, identities, create/list/show/retry/delete,
 * claims under concurrency, leases and the reaper, group commit, the
 * bounded write queue, busy mapping, and the invariant that the counts the
 * writes keep (jobs.n_*, sub_job_counts) equal a GROUP BY over sub_jobs.
 * The checks read the file through their own sqlite3 connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store_fixture.h"
#include "store_hooks.h"

#define ID_SZ (WJ_ID_LEN + 1)

struct fx {
	struct store_fx		 s;	/* its root user is "root" */
	struct store_project	 p2;	/* a second project, same domain */
};

static const struct store_actor actor = { .request_id = "req-0001" };

/* ---- fixture ------------------------------------------------------------- */

static int
fx_open(struct fx *f, int max_attempts, int queue_max, int readonly)
{
	struct store_opts o;

	memset(&o, 0, sizeof(o));
	o.path = f->s.path;
	o.max_attempts = max_attempts;
	o.write_queue_max = queue_max;
	o.readonly = readonly;
	return store_open(&o, &f->s.st);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || store_fx_open(&f->s, NULL, "root",
	    "AKFIXTURE0000000000000000000001") != 0 ||
	    store_project_create(f->s.st, f->s.d.id, "second", &f->p2) != 0)
		return -1;
	*state = f;
	return 0;
}

/* ---- direct SQL on the file (the test's own connection) ------------------ */

static sqlite3 *
db_open(const struct fx *f)
{
	return store_fx_db(&f->s);
}

static int64_t
q_int(const struct fx *f, const char *sql)
{
	return store_fx_int(&f->s, sql);
}

/* Rows sql returns (sql must produce exactly one integer per row set). */
static int64_t
q_rows(const struct fx *f, const char *sql)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "SELECT count(*) FROM (%s)", sql);
	return q_int(f, buf);
}

/*
 * The invariant of docs/ARCHITECTURE.md#data-model: every job's counts
 * and sub_job_counts equal what a scan of sub_jobs says; every job's
 * status is derived from its counts; end_ms is set exactly when the job
 * is terminal.
 */
static void
check_counts(const struct fx *f)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int64_t n[JOB_STATUS_COUNT];
	int i, rc, want;

	assert_int_equal(q_rows(f,
	    "SELECT j.id FROM jobs AS j WHERE"
	    " n_waiting != (SELECT count(*) FROM sub_jobs AS s WHERE"
	    "  s.project_id = j.project_id AND s.job_id = j.id AND status = 0)"
	    " OR n_running != (SELECT count(*) FROM sub_jobs AS s WHERE"
	    "  s.project_id = j.project_id AND s.job_id = j.id AND status = 1)"
	    " OR n_success != (SELECT count(*) FROM sub_jobs AS s WHERE"
	    "  s.project_id = j.project_id AND s.job_id = j.id AND status = 2)"
	    " OR n_failed != (SELECT count(*) FROM sub_jobs AS s WHERE"
	    "  s.project_id = j.project_id AND s.job_id = j.id AND"
	    "  status = 3)"),
	    0);
	assert_int_equal(q_rows(f,
	    "SELECT project_id, job_type, status, count(*) FROM sub_jobs"
	    " GROUP BY 1, 2, 3 EXCEPT SELECT project_id, job_type, status, n"
	    " FROM sub_job_counts"), 0);
	assert_int_equal(q_rows(f,
	    "SELECT project_id, job_type, status, n FROM sub_job_counts"
	    " WHERE n > 0 EXCEPT SELECT project_id, job_type, status, count(*)"
	    " FROM sub_jobs GROUP BY 1, 2, 3"), 0);
	db = db_open(f);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT n_waiting, n_running, "
	    "n_success, n_failed, started, failed, status, end_ms IS NOT NULL "
	    "FROM jobs", -1, &st, NULL), SQLITE_OK);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < JOB_STATUS_COUNT; i++)
			n[i] = sqlite3_column_int64(st, i);
		want = job_derive_status(n, sqlite3_column_int(st, 4),
		    sqlite3_column_int(st, 5));
		assert_int_equal(sqlite3_column_int(st, 6), want);
		assert_int_equal(sqlite3_column_int(st, 7),
		    want == JOB_STATUS_SUCCESS || want == JOB_STATUS_FAILED);
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* ---- helpers over the API ------------------------------------------------ */

/* Create a job of n sub-jobs; ids[] gets the sub-job IDs (may be NULL). */
static void
mk_job(struct fx *f, const char *project_id, const char *type, size_t n,
    const char *pool, char job_id[ID_SZ], char (*ids)[ID_SZ])
{
	struct store_sub_job_in *subs = calloc(n, sizeof(*subs));
	struct store_job_in in;
	json_t *doc, *arr;
	char *body = NULL;
	size_t i;

	assert_non_null(subs);
	for (i = 0; i < n; i++) {
		subs[i].entities =
		    "{\"desktop_id\":\"d1\",\"user_name\":\"bob\"}";
		subs[i].desktop_pool_id = pool;
		subs[i].attach_user = "bob";
	}
	memset(&in, 0, sizeof(in));
	in.project_id = project_id;
	in.job_type = type;
	in.subs = subs;
	in.n = n;
	assert_int_equal(store_job_create(f->s.st, &actor, &in, &body), 0);
	assert_non_null(body);
	doc = json_loads(body, 0, NULL);
	assert_non_null(doc);
	strcpy(job_id, json_string_value(json_object_get(doc, "job_id")));
	arr = json_object_get(doc, "sub_job_ids");
	assert_int_equal(json_array_size(arr), n);
	for (i = 0; ids != NULL && i < n; i++)
		strcpy(ids[i], json_string_value(json_array_get(arr, i)));
	json_decref(doc);
	free(body);
	free(subs);
}

static int
claim(struct fx *f, int max, struct store_claimed *got)
{
	struct store_claim_in in;

	memset(&in, 0, sizeof(in));
	in.domain_id = f->s.d.id;
	in.worker_id = "w1";
	in.host = "10.0.0.9";
	in.max = max;
	in.lease_seconds = 30;
	return store_claim(f->s.st, &actor, &in, got);
}

/* A copy of one listed sub-job. */
struct row {
	char	id[ID_SZ], job_id[ID_SZ];
	char	error_code[64], fail_reason[128], host[64], lease_id[ID_SZ];
	int	status, process, attempts, has_end, has_host, has_lease;
	int64_t	begin_ms;
};

struct rows {
	struct row *v;
	size_t	n, cap;
};

static void
cpy(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s != NULL ? s : "");
}

static int
collect(void *arg, const struct sub_job *s)
{
	struct rows *rs = arg;
	struct row *r;

	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 64;
		rs->v = realloc(rs->v, rs->cap * sizeof(*rs->v));
		assert_non_null(rs->v);
	}
	r = &rs->v[rs->n++];
	memset(r, 0, sizeof(*r));
	cpy(r->id, sizeof(r->id), s->id);
	cpy(r->job_id, sizeof(r->job_id), s->job_id);
	cpy(r->error_code, sizeof(r->error_code), s->error_code);
	cpy(r->fail_reason, sizeof(r->fail_reason), s->fail_reason);
	cpy(r->host, sizeof(r->host), s->host);
	cpy(r->lease_id, sizeof(r->lease_id), s->lease_id);
	r->status = s->status;
	r->process = s->process;
	r->attempts = s->attempts;
	r->begin_ms = s->begin_ms;
	r->has_end = s->end_ms > 0;
	r->has_host = s->host != NULL;
	r->has_lease = s->lease_id != NULL || s->lease_expires_ms > 0;
	return 0;
}

static void
rows_free(struct rows *rs)
{
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

static const struct row *
rows_find(const struct rows *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].id, id) == 0)
			return &rs->v[i];
	return NULL;
}

/* The job as ShowJob sees it. */
struct shown {
	int	status, started;
	int64_t	count[JOB_STATUS_COUNT], begin_ms, end_ms;
	char	error_code[64], fail_reason[128];
	struct rows subs;
};

static int
show_job(void *arg, const struct job *j)
{
	struct shown *s = arg;

	s->status = j->status;
	s->started = j->started;
	s->begin_ms = j->begin_ms;
	s->end_ms = j->end_ms;
	memcpy(s->count, j->count, sizeof(s->count));
	cpy(s->error_code, sizeof(s->error_code), j->error_code);
	cpy(s->fail_reason, sizeof(s->fail_reason), j->fail_reason);
	return 0;
}

static int
show_sub(void *arg, const struct sub_job *sj)
{
	struct shown *s = arg;

	return collect(&s->subs, sj);
}

static int
show(struct fx *f, const char *project_id, const char *job_id,
    struct shown *s)
{
	memset(s, 0, sizeof(*s));
	return store_job_show(f->s.st, project_id, job_id, show_job, show_sub,
	    s);
}

static int64_t
list(struct fx *f, struct store_list_filter *lf, struct rows *rs)
{
	int64_t total = -1;

	memset(rs, 0, sizeof(*rs));
	if (lf->project_id == NULL)
		lf->project_id = f->s.p.id;
	if (lf->limit == 0 && lf->offset == 0)
		lf->limit = WJ_LIST_LIMIT_MAX;
	assert_int_equal(store_sub_jobs_list(f->s.st, lf, &total, collect, rs),
	    0);
	return total;
}

/* The total a listing with lf reports; its rows are collected and freed. */
static int64_t
listed(struct fx *f, struct store_list_filter *lf)
{
	struct rows rs;
	int64_t total = list(f, lf, &rs);

	rows_free(&rs);
	return total;
}

/* ---- schema, open, identities -------------------------------------------- */

static void
test_open_creates_0600_wal_and_migrates_once(void **state)
{
	struct fx *f = *state;
	struct stat sb;
	char wal[320];

	assert_int_equal(stat(f->s.path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* SQLite gives its -wal file the database file's mode. */
	snprintf(wal, sizeof(wal), "%s-wal", f->s.path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(q_int(f, "SELECT count(*) FROM schema_version"),
	    SQ_SCHEMA_VERSION);
	assert_int_equal(q_int(f, "SELECT max(version) FROM schema_version"),
	    SQ_SCHEMA_VERSION);
	assert_int_equal(q_rows(f, "SELECT 1 FROM pragma_journal_mode "
	    "WHERE journal_mode = 'wal'"), 1);
	/* Reopen: nothing applied twice, everything still there. */
	store_close(f->s.st);
	assert_int_equal(fx_open(f, 0, 0, 0), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM schema_version"),
	    SQ_SCHEMA_VERSION);
	assert_int_equal(store_ping(f->s.st), 0);
	/* The tables the next issue fills exist already. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM sqlite_master WHERE "
	    "name IN ('groups', 'group_members', 'policies', "
	    "'policy_attachments', 'audit_events', 'client_tokens', "
	    "'sub_job_counts')"), 7);
}

/* A file of a newer wksjobs: refused, untouched. */
static void
test_newer_schema_refused(void **state)
{
	struct fx *f = *state;
	sqlite3 *db;

	store_close(f->s.st);
	f->s.st = NULL;
	db = db_open(f);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_version VALUES "
	    "(" SQ_STR(SQ_SCHEMA_VERSION) " + 1, 0)", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(fx_open(f, 0, 0, 0), WJ_ERR_INVALID);
	assert_null(f->s.st);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM schema_version WHERE "
	    "version > " SQ_STR(SQ_SCHEMA_VERSION), NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(fx_open(f, 0, 0, 0), 0);
}

static void
test_open_rejects_bad_options(void **state)
{
	struct store_opts o;
	struct store *st = (struct store *)1;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(store_open(&o, &st), WJ_ERR_INVALID);
	assert_null(st);
	o.path = "/nonexistent-dir/x/y.db";
	assert_int_equal(store_open(&o, &st), WJ_ERR_IO);
	assert_null(st);
}

static void
test_identities(void **state)
{
	static const uint8_t sk[60] = { 9, 8, 7 };
	uint8_t big[200] = { 0 };
	struct fx *f = *state;
	struct store_domain d, d2;
	struct store_user u, u2;
	struct store_project p, *pl = NULL;
	struct store_key k, *kl = NULL;
	char long_name[STORE_NAME_MAX + 2];
	size_t n;

	/* Only one bootstrap. */
	assert_int_equal(store_bootstrap(f->s.st, "other", "root", "p", "AK2",
	    sk, sizeof(sk), &d2, &u2, &p), WJ_ERR_EXISTS);
	assert_int_equal(store_domain_first(f->s.st, &d), 0);
	assert_string_equal(d.id, f->s.d.id);
	assert_string_equal(d.name, "admin");
	assert_int_equal(strlen(d.id), WJ_ID_LEN);

	assert_int_equal(store_user_by_name(f->s.st, f->s.d.id, "root", &u), 0);
	assert_string_equal(u.id, f->s.u.id);
	assert_string_equal(u.domain_name, "admin");
	assert_int_equal(u.is_root, 1);
	assert_int_equal(u.enabled, 1);
	assert_int_equal(store_user_by_name(f->s.st, f->s.d.id, "nobody", &u),
	    WJ_ERR_NOT_FOUND);

	/* Projects: names unique per domain, 1..64 bytes. */
	assert_int_equal(store_project_create(f->s.st, f->s.d.id, "second", &p),
	    WJ_ERR_EXISTS);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(store_project_create(f->s.st, f->s.d.id, long_name, &p),
	    WJ_ERR_INVALID);
	long_name[STORE_NAME_MAX] = '\0';
	assert_int_equal(store_project_create(f->s.st, f->s.d.id, long_name, &p),
	    0);
	assert_int_equal(store_project_create(f->s.st, f->s.d.id, "", &p),
	    WJ_ERR_INVALID);
	assert_int_equal(store_project_create(f->s.st, "nodomain", "x", &p),
	    WJ_ERR_NOT_FOUND);
	assert_int_equal(store_project_list(f->s.st, f->s.d.id, &pl, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(pl[0].name, "default");	/* by name */
	assert_string_equal(pl[1].name, "second");
	free(pl);
	assert_int_equal(store_project_get(f->s.st, f->p2.id, &p), 0);
	assert_string_equal(p.name, "second");
	assert_string_equal(p.domain_id, f->s.d.id);
	assert_int_equal(store_project_get(f->s.st, "missing", &p),
	    WJ_ERR_NOT_FOUND);

	/* Access keys. */
	assert_int_equal(store_key_get(f->s.st, "AKFIXTURE0000000000000000000001",
	    &k), 0);
	assert_int_equal(k.secret_sealed_len, 40);
	assert_int_equal(k.secret_sealed[0], 1);
	assert_string_equal(k.user.id, f->s.u.id);
	assert_string_equal(k.user.domain_name, "admin");
	assert_int_equal(k.user.is_root, 1);
	assert_int_equal(k.enabled, 1);
	assert_int_equal(store_key_create(f->s.st, f->s.u.id, "AK2", sk,
	    sizeof(sk)), 0);
	assert_int_equal(store_key_create(f->s.st, f->s.u.id, "AK2", sk,
	    sizeof(sk)), WJ_ERR_EXISTS);
	assert_int_equal(store_key_create(f->s.st, "nouser", "AK3", sk,
	    sizeof(sk)), WJ_ERR_NOT_FOUND);
	assert_int_equal(store_key_create(f->s.st, f->s.u.id, "AK4", big,
	    sizeof(big)), WJ_ERR_INVALID);
	assert_int_equal(store_key_set_enabled(f->s.st, "AK2", 0), 0);
	assert_int_equal(store_key_set_enabled(f->s.st, "AKX", 0),
	    WJ_ERR_NOT_FOUND);
	assert_int_equal(store_key_get(f->s.st, "AK2", &k), 0);
	assert_int_equal(k.enabled, 0);
	assert_int_equal(k.secret_sealed_len, sizeof(sk));
	assert_int_equal(store_key_get(f->s.st, "AKX", &k), WJ_ERR_NOT_FOUND);
	assert_int_equal(store_key_list(f->s.st, f->s.d.id, &kl, &n), 0);
	assert_int_equal(n, 2);
	free(kl);
}

/* ---- create, list, show -------------------------------------------------- */

static void
test_create_show(void **state)
{
	struct fx *f = *state;
	char job[ID_SZ], ids[3][ID_SZ];
	struct shown s;
	size_t i;

	mk_job(f, f->s.p.id, "createDesktops", 3, "pool-1", job, ids);
	assert_int_equal(strlen(job), WJ_ID_LEN);
	assert_int_equal(show(f, f->s.p.id, job, &s), 0);
	assert_int_equal(s.status, JOB_STATUS_WAITING);
	assert_int_equal(s.count[JOB_STATUS_WAITING], 3);
	assert_int_equal(s.end_ms, 0);
	assert_int_equal(s.subs.n, 3);
	for (i = 0; i < 3; i++) {
		/* One clock reading: the job's begin is every sub-job's. */
		assert_int_equal(s.subs.v[i].begin_ms, s.begin_ms);
		assert_int_equal(s.subs.v[i].status, JOB_STATUS_WAITING);
		assert_string_equal(s.subs.v[i].job_id, job);
		assert_int_equal(s.subs.v[i].has_end, 0);
		assert_int_equal(s.subs.v[i].has_host, 0);
	}
	/* Same begin: ordered by id ascending. */
	assert_string_equal(s.subs.v[0].id, ids[0]);
	assert_string_equal(s.subs.v[2].id, ids[2]);
	rows_free(&s.subs);
	/* Another project's job is not found, like a missing one. */
	assert_int_equal(show(f, f->p2.id, job, &s), WJ_ERR_NOT_FOUND);
	assert_int_equal(show(f, f->s.p.id, ids[0], &s), WJ_ERR_NOT_FOUND);
	check_counts(f);
}

static void
test_create_rejects_bad_input(void **state)
{
	struct fx *f = *state;
	struct store_sub_job_in sub = { 0 };
	struct store_job_in in = { 0 };
	char *body = (char *)1;

	in.project_id = f->s.p.id;
	in.job_type = "createDesktops";
	in.subs = &sub;
	in.n = 0;
	assert_int_equal(store_job_create(f->s.st, NULL, &in, &body),
	    WJ_ERR_INVALID);
	assert_null(body);
	in.n = WJ_CREATE_SUB_JOBS_MAX + 1;
	assert_int_equal(store_job_create(f->s.st, NULL, &in, &body),
	    WJ_ERR_INVALID);
	in.n = 1;
	in.project_id = "no-such-project";
	assert_int_equal(store_job_create(f->s.st, NULL, &in, &body),
	    WJ_ERR_NOT_FOUND);
	assert_null(body);
	assert_int_equal(q_int(f, "SELECT count(*) FROM jobs"), 0);
}

static void
test_idempotent_create(void **state)
{
	struct fx *f = *state;
	struct store_sub_job_in subs[2] = { { 0 }, { 0 } };
	struct store_job_in in = { 0 };
	char *b1 = NULL, *b2 = NULL, *b3 = NULL;

	in.project_id = f->s.p.id;
	in.job_type = "createDesktops";
	in.client_token = "tok-1";
	in.subs = subs;
	in.n = 2;
	assert_int_equal(store_job_create(f->s.st, &actor, &in, &b1), 0);
	assert_int_equal(store_job_create(f->s.st, &actor, &in, &b2), 0);
	assert_string_equal(b1, b2);	/* byte for byte */
	assert_int_equal(q_int(f, "SELECT count(*) FROM jobs"), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sub_jobs"), 2);
	/* The token is per project. */
	in.project_id = f->p2.id;
	assert_int_equal(store_job_create(f->s.st, &actor, &in, &b3), 0);
	assert_string_not_equal(b1, b3);
	assert_int_equal(q_int(f, "SELECT count(*) FROM jobs"), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_events WHERE "
	    "outcome = 'replayed'"), 1);
	free(b1);
	free(b2);
	free(b3);
	check_counts(f);
}

static void
test_list_filters_paging_order(void **state)
{
	struct fx *f = *state;
	struct store_list_filter lf;
	char j1[ID_SZ], j2[ID_SZ], j3[ID_SZ];
	struct store_claimed got;
	struct rows rs;
	size_t i;

	mk_job(f, f->s.p.id, "createDesktops", 4, "pool-a", j1, NULL);
	usleep(2000);	/* distinct begin times */
	mk_job(f, f->s.p.id, "deleteDesktops", 3, NULL, j2, NULL);
	usleep(2000);
	mk_job(f, f->p2.id, "createDesktops", 5, "pool-a", j3, NULL);
	/* Over the domain, fairly: each project's oldest (of j1 and of j3),
	 * oldest first. */
	assert_int_equal(claim(f, 2, &got), 0);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.v[0].job_id, j1);
	assert_string_equal(got.v[1].job_id, j3);
	store_claimed_free(&got);

	memset(&lf, 0, sizeof(lf));
	assert_int_equal(list(f, &lf, &rs), 7);
	assert_int_equal(rs.n, 7);
	/* begin_time desc, then id asc. */
	for (i = 1; i < rs.n; i++)
		assert_true(rs.v[i - 1].begin_ms > rs.v[i].begin_ms ||
		    (rs.v[i - 1].begin_ms == rs.v[i].begin_ms &&
		    strcmp(rs.v[i - 1].id, rs.v[i].id) < 0));
	assert_string_equal(rs.v[0].job_id, j2);
	rows_free(&rs);

	/* Paging: total before paging, page in order. */
	memset(&lf, 0, sizeof(lf));
	lf.limit = 3;
	lf.offset = 2;
	assert_int_equal(list(f, &lf, &rs), 7);
	assert_int_equal(rs.n, 3);
	assert_string_equal(rs.v[0].job_id, j2);
	assert_string_equal(rs.v[1].job_id, j1);
	rows_free(&rs);
	lf.offset = 7;
	assert_int_equal(list(f, &lf, &rs), 7);
	assert_int_equal(rs.n, 0);
	rows_free(&rs);

	/* limit 0: only the total. */
	memset(&lf, 0, sizeof(lf));
	lf.project_id = f->s.p.id;
	{
		int64_t total = -1;

		assert_int_equal(store_sub_jobs_list(f->s.st, &lf, &total, NULL,
		    NULL), 0);
		assert_int_equal(total, 7);
	}

	/* Statuses OR, job types OR, unknown values match nothing. */
	memset(&lf, 0, sizeof(lf));
	lf.statuses[0] = "RUNNING";
	lf.n_statuses = 1;
	assert_int_equal(listed(f, &lf), 1);
	lf.statuses[1] = "WAITING";
	lf.n_statuses = 2;
	assert_int_equal(listed(f, &lf), 7);
	lf.statuses[0] = "BOGUS";
	lf.n_statuses = 1;
	assert_int_equal(list(f, &lf, &rs), 0);
	assert_int_equal(rs.n, 0);
	rows_free(&rs);
	lf.statuses[0] = "";		/* empty = no filter */
	assert_int_equal(listed(f, &lf), 7);

	memset(&lf, 0, sizeof(lf));
	lf.job_types[0] = "deleteDesktops";
	lf.n_job_types = 1;
	assert_int_equal(listed(f, &lf), 3);
	lf.job_types[1] = "createDesktops";
	lf.n_job_types = 2;
	lf.statuses[0] = "WAITING";
	lf.n_statuses = 1;
	assert_int_equal(list(f, &lf, &rs), 6);
	assert_int_equal(rs.n, 6);
	rows_free(&rs);
	lf.job_types[0] = "noSuchType";
	lf.n_job_types = 1;
	assert_int_equal(listed(f, &lf), 0);

	/* job_id and desktop_pool_id count over the index. */
	memset(&lf, 0, sizeof(lf));
	lf.job_id = j1;
	assert_int_equal(listed(f, &lf), 4);
	lf.job_id = j3;		/* another project's job */
	assert_int_equal(listed(f, &lf), 0);
	memset(&lf, 0, sizeof(lf));
	lf.desktop_pool_id = "pool-a";
	lf.statuses[0] = "WAITING";
	lf.n_statuses = 1;
	assert_int_equal(listed(f, &lf), 3);
	memset(&lf, 0, sizeof(lf));
	lf.project_id = f->p2.id;
	lf.desktop_pool_id = "pool-a";
	assert_int_equal(listed(f, &lf), 5);
	check_counts(f);
}

static int
stop_after_two(void *arg, const struct sub_job *s)
{
	int *n = arg;

	(void)s;
	return ++*n == 2 ? 42 : 0;
}

static void
test_list_callback_stops(void **state)
{
	struct fx *f = *state;
	struct store_list_filter lf;
	struct rows rs;
	char j[ID_SZ];
	int64_t total;
	int n = 0;

	mk_job(f, f->s.p.id, "createDesktops", 5, NULL, j, NULL);
	memset(&lf, 0, sizeof(lf));
	lf.project_id = f->s.p.id;
	lf.limit = 10;
	assert_int_equal(store_sub_jobs_list(f->s.st, &lf, &total,
	    stop_after_two, &n), 42);
	assert_int_equal(n, 2);
	/* The connection is usable again (statement reset, txn ended). */
	assert_int_equal(list(f, &lf, &rs), 5);
	assert_int_equal(rs.n, 5);
	rows_free(&rs);
}

/* EXPLAIN QUERY PLAN of the page query: walked in index order. */
static void
plan_check(const struct fx *f, const struct store_list_filter *lf,
    const char *want_index)
{
	struct buf sql, q;
	sqlite3 *db = db_open(f);
	sqlite3_stmt *st = NULL;
	int none = -1, uses = 0;
	const char *d;

	buf_init(&sql);
	buf_init(&q);
	assert_int_equal(sq_list_page_sql(lf, 0, &sql, &none), 0);
	assert_int_equal(none, 0);
	buf_printf(&q, "EXPLAIN QUERY PLAN %s", sql.data);
	assert_int_equal(sqlite3_prepare_v2(db, q.data, -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		d = (const char *)sqlite3_column_text(st, 3);
		print_message("plan: %s\n", d);
		assert_null(strstr(d, "TEMP B-TREE"));
		if (strstr(d, want_index) != NULL)
			uses = 1;
	}
	assert_true(uses);
	sqlite3_finalize(st);
	sqlite3_close(db);
	buf_free(&sql);
	buf_free(&q);
}

static void
test_list_query_plans(void **state)
{
	struct fx *f = *state;
	struct store_list_filter lf;

	memset(&lf, 0, sizeof(lf));
	lf.project_id = f->s.p.id;
	plan_check(f, &lf, "sub_jobs_page");
	lf.statuses[0] = "FAILED";
	lf.n_statuses = 1;
	plan_check(f, &lf, "sub_jobs_status");
	lf.statuses[0] = "WAITING";
	plan_check(f, &lf, "sub_jobs_status");
	lf.n_statuses = 0;
	lf.job_types[0] = "createDesktops";
	lf.n_job_types = 1;
	plan_check(f, &lf, "sub_jobs_type");
	lf.n_job_types = 0;
	lf.job_id = "0123";
	plan_check(f, &lf, "sub_jobs_job");
	lf.job_id = NULL;
	lf.desktop_pool_id = "pool";
	plan_check(f, &lf, "sub_jobs_pool");
}

/* ---- workers: claim, heartbeat, finish, reap ----------------------------- */

static void
test_heartbeat_finish(void **state)
{
	struct fx *f = *state;
	char job[ID_SZ], ids[3][ID_SZ], lease[3][ID_SZ], sid[3][ID_SZ];
	struct store_claimed got;
	struct shown s;
	const struct row *r;
	int64_t exp = 0;
	size_t i;

	mk_job(f, f->s.p.id, "createDesktops", 3, NULL, job, ids);
	assert_int_equal(claim(f, 10, &got), 0);
	assert_int_equal(got.n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(got.v[i].status, JOB_STATUS_RUNNING);
		assert_non_null(got.v[i].lease_id);
		assert_string_equal(got.v[i].host, "10.0.0.9");
		assert_true(got.v[i].lease_expires_ms > wj_now_ms());
		strcpy(lease[i], got.v[i].lease_id);
		strcpy(sid[i], got.v[i].id);
	}
	assert_string_not_equal(lease[0], lease[1]);
	store_claimed_free(&got);
	assert_int_equal(show(f, f->s.p.id, job, &s), 0);
	assert_int_equal(s.status, JOB_STATUS_RUNNING);
	assert_int_equal(s.started, 1);
	rows_free(&s.subs);

	/* Heartbeat: wrong lease, unknown id, other domain. */
	assert_int_equal(store_heartbeat(f->s.st, f->s.d.id, sid[0], lease[1], 10,
	    &exp), WJ_ERR_CONFLICT);
	assert_int_equal(store_heartbeat(f->s.st, f->s.d.id, "nope", lease[0], 10,
	    &exp), WJ_ERR_NOT_FOUND);
	assert_int_equal(store_heartbeat(f->s.st, "otherdomain", sid[0],
	    lease[0], 10, &exp), WJ_ERR_NOT_FOUND);
	assert_int_equal(store_heartbeat(f->s.st, f->s.d.id, sid[0], lease[0], 101,
	    &exp), WJ_ERR_INVALID);
	assert_int_equal(store_heartbeat(f->s.st, f->s.d.id, sid[0], lease[0], 40,
	    &exp), 0);
	assert_true(exp >= wj_now_ms() + 29000);

	/* First failure names the job's error; a second one does not. */
	assert_int_equal(store_finish(f->s.st, &actor, f->s.d.id, sid[0], lease[1],
	    JOB_STATUS_SUCCESS, NULL, NULL, NULL), WJ_ERR_CONFLICT);
	assert_int_equal(store_finish(f->s.st, &actor, f->s.d.id, sid[0], lease[0],
	    JOB_STATUS_FAILED, "WKS.0005", "ECS failed", "10.1.1.1"), 0);
	assert_int_equal(store_finish(f->s.st, &actor, f->s.d.id, sid[0], lease[0],
	    JOB_STATUS_FAILED, "WKS.0005", "again", NULL), WJ_ERR_CONFLICT);
	assert_int_equal(store_heartbeat(f->s.st, f->s.d.id, sid[0], lease[0], 50,
	    &exp), WJ_ERR_CONFLICT);
	assert_int_equal(store_finish(f->s.st, &actor, f->s.d.id, sid[1], lease[1],
	    JOB_STATUS_FAILED, "WKS.0006", "second", NULL), 0);
	assert_int_equal(show(f, f->s.p.id, job, &s), 0);
	assert_int_equal(s.status, JOB_STATUS_RUNNING);
	assert_string_equal(s.error_code, "");	/* only shown once FAILED */
	assert_int_equal(s.end_ms, 0);
	rows_free(&s.subs);
	assert_int_equal(store_finish(f->s.st, &actor, f->s.d.id, sid[2], lease[2],
	    JOB_STATUS_SUCCESS, NULL, NULL, NULL), 0);
	assert_int_equal(show(f, f->s.p.id, job, &s), 0);
	assert_int_equal(s.status, JOB_STATUS_FAILED);
	assert_string_equal(s.error_code, "WKS.0005");
	assert_string_equal(s.fail_reason, "ECS failed");
	assert_true(s.end_ms >= s.begin_ms);
	r = rows_find(&s.subs, sid[0]);
	assert_non_null(r);
	assert_int_equal(r->status, JOB_STATUS_FAILED);
	assert_int_equal(r->process, 40);
	assert_string_equal(r->host, "10.1.1.1");
	assert_int_equal(r->has_end, 1);
	assert_int_equal(r->has_lease, 0);
	r = rows_find(&s.subs, sid[2]);
	assert_int_equal(r->status, JOB_STATUS_SUCCESS);
	assert_int_equal(r->process, 100);
	assert_string_equal(r->host, "10.0.0.9");
	rows_free(&s.subs);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_events WHERE "
	    "action = 'workspace:jobs:execute' AND outcome = 'success'"), 4);
	check_counts(f);
}

static void
test_claim_filters(void **state)
{
	struct fx *f = *state;
	struct store_claim_in in;
	struct store_claimed got;
	char j1[ID_SZ], j2[ID_SZ];

	mk_job(f, f->s.p.id, "createDesktops", 2, NULL, j1, NULL);
	mk_job(f, f->p2.id, "deleteDesktops", 2, NULL, j2, NULL);
	memset(&in, 0, sizeof(in));
	in.domain_id = f->s.d.id;
	in.worker_id = "w";
	in.max = 10;
	in.lease_seconds = 60;
	in.project_ids[0] = f->p2.id;
	in.n_project_ids = 1;
	in.job_types[0] = "createDesktops";
	in.n_job_types = 1;
	assert_int_equal(store_claim(f->s.st, &actor, &in, &got), 0);
	assert_int_equal(got.n, 0);
	in.job_types[0] = "deleteDesktops";
	assert_int_equal(store_claim(f->s.st, &actor, &in, &got), 0);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.v[0].job_id, j2);
	assert_null(got.v[0].host);
	store_claimed_free(&got);
	/* Another domain sees nothing. */
	in.domain_id = "another-domain";
	in.n_project_ids = 0;
	in.n_job_types = 0;
	assert_int_equal(store_claim(f->s.st, &actor, &in, &got), 0);
	assert_int_equal(got.n, 0);
	in.max = 0;
	assert_int_equal(store_claim(f->s.st, &actor, &in, &got),
	    WJ_ERR_INVALID);
	in.max = 1;
	in.lease_seconds = 4;
	assert_int_equal(store_claim(f->s.st, &actor, &in, &got),
	    WJ_ERR_INVALID);
	check_counts(f);
}

struct claimer {
	struct fx	*f;
	struct store	*st;	/* the store this thread uses */
	pthread_mutex_t	*mu;
	char		(*seen)[ID_SZ];
	size_t		*n_seen;
	size_t		 cap;
	int		 errors;
	int		 finish;
};

static void *
claimer_main(void *arg)
{
	struct claimer *c = arg;
	struct store_claim_in in;
	struct store_claimed got;
	size_t i;
	int r;

	memset(&in, 0, sizeof(in));
	in.domain_id = c->f->s.d.id;
	in.worker_id = "w";
	in.max = 7;
	in.lease_seconds = 60;
	for (;;) {
		if ((r = store_claim(c->st, &actor, &in, &got)) != 0) {
			c->errors++;
			break;
		}
		if (got.n == 0) {
			/* Nothing to free; no cmocka asserts off the main
			 * thread. */
			if (got.v != NULL || got.arena != NULL)
				c->errors++;
			break;
		}
		pthread_mutex_lock(c->mu);
		for (i = 0; i < got.n && *c->n_seen < c->cap; i++)
			strcpy(c->seen[(*c->n_seen)++], got.v[i].id);
		pthread_mutex_unlock(c->mu);
		for (i = 0; c->finish && i < got.n; i++)
			if (store_finish(c->st, &actor, c->f->s.d.id,
			    got.v[i].id, got.v[i].lease_id, i % 5 == 0 ?
			    JOB_STATUS_FAILED : JOB_STATUS_SUCCESS, "E.1",
			    "boom", NULL) != 0)
				c->errors++;
		store_claimed_free(&got);
	}
	return NULL;
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* n threads claim from stores st[i % nst] until nothing waits. */
static void
claim_race(struct fx *f, struct store **st, int nst, int nthreads,
    size_t expect, int finish)
{
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	struct claimer c[8];
	pthread_t t[8];
	char (*seen)[ID_SZ] = calloc(expect + 16, ID_SZ);
	size_t n_seen = 0, i;
	int k;

	assert_non_null(seen);
	for (k = 0; k < nthreads; k++) {
		memset(&c[k], 0, sizeof(c[k]));
		c[k].f = f;
		c[k].st = st[k % nst];
		c[k].mu = &mu;
		c[k].seen = seen;
		c[k].n_seen = &n_seen;
		c[k].cap = expect + 16;
		c[k].finish = finish;
		assert_int_equal(pthread_create(&t[k], NULL, claimer_main,
		    &c[k]), 0);
	}
	for (k = 0; k < nthreads; k++) {
		pthread_join(t[k], NULL);
		assert_int_equal(c[k].errors, 0);
	}
	assert_int_equal(n_seen, expect);
	qsort(seen, n_seen, ID_SZ, cmp_id);
	for (i = 1; i < n_seen; i++)
		assert_string_not_equal(seen[i - 1], seen[i]);
	free(seen);
}

static void
test_claim_concurrent_no_duplicates(void **state)
{
	struct fx *f = *state;
	char job[ID_SZ];
	int i;

	for (i = 0; i < 6; i++)
		mk_job(f, i % 2 ? f->s.p.id : f->p2.id, "createDesktops", 50,
		    NULL, job, NULL);
	claim_race(f, &f->s.st, 1, 4, 300, 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sub_jobs WHERE "
	    "status = 1"), 300);
	assert_int_equal(q_int(f, "SELECT count(DISTINCT lease_id) FROM "
	    "sub_jobs"), 300);
	check_counts(f);
	/* And again with finishing: every job ends terminal. */
	for (i = 0; i < 4; i++)
		mk_job(f, f->s.p.id, "deleteDesktops", 40, NULL, job, NULL);
	claim_race(f, &f->s.st, 1, 4, 160, 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM jobs WHERE "
	    "job_type = 'deleteDesktops' AND status = 3 AND end_ms > 0 AND "
	    "error_code = 'E.1'"), 4);
	check_counts(f);
}

/* Two stores on one file stand in for two processes (server, CLI). */
static void
test_claim_two_stores_one_file(void **state)
{
	struct fx *f = *state;
	struct store_opts o;
	struct store *both[2];
	char job[ID_SZ];
	int i;

	memset(&o, 0, sizeof(o));
	o.path = f->s.path;
	both[0] = f->s.st;
	assert_int_equal(store_open(&o, &both[1]), 0);
	for (i = 0; i < 4; i++)
		mk_job(f, f->s.p.id, "createDesktops", 50, NULL, job, NULL);
	claim_race(f, both, 2, 4, 200, 1);
	store_close(both[1]);
	check_counts(f);
}

static void
test_reap(void **state)
{
	struct fx *f = *state;
	char job[ID_SZ], ids[2][ID_SZ];
	struct store_claimed got;
	struct shown s;
	int64_t n = -1;
	int round;

	mk_job(f, f->s.p.id, "createDesktops", 2, NULL, job, ids);
	assert_int_equal(store_reap(f->s.st, wj_now_ms(), &n), 0);
	assert_int_equal(n, 0);
	for (round = 1; round <= 3; round++) {
		assert_int_equal(claim(f, 10, &got), 0);
		assert_int_equal(got.n, 2);
		assert_int_equal(got.v[0].attempts, round - 1);
		store_claimed_free(&got);
		/* Not yet expired. */
		assert_int_equal(store_reap(f->s.st, wj_now_ms(), &n), 0);
		assert_int_equal(n, 0);
		assert_int_equal(store_reap(f->s.st, wj_now_ms() + 31000, &n),
		    0);
		assert_int_equal(n, 2);
		assert_int_equal(show(f, f->s.p.id, job, &s), 0);
		check_counts(f);
		if (round < 3) {
			assert_int_equal(s.status, JOB_STATUS_RUNNING);
			assert_int_equal(s.subs.v[0].status,
			    JOB_STATUS_WAITING);
			assert_int_equal(s.subs.v[0].attempts, round);
			assert_int_equal(s.subs.v[0].has_lease, 0);
			assert_int_equal(s.subs.v[0].has_host, 0);
			assert_int_equal(s.subs.v[0].has_end, 0);
		} else {
			assert_int_equal(s.status, JOB_STATUS_FAILED);
			assert_string_equal(s.error_code, SQ_REAP_ERROR_CODE);
			assert_string_equal(s.fail_reason, "lease expired 3 "
			    "times; the worker stopped heartbeating");
			assert_int_equal(s.subs.v[1].status, JOB_STATUS_FAILED);
			assert_int_equal(s.subs.v[1].attempts, 3);
			assert_int_equal(s.subs.v[1].has_end, 1);
			assert_string_equal(s.subs.v[1].error_code,
			    SQ_REAP_ERROR_CODE);
		}
		rows_free(&s.subs);
	}
	/* FAILED for good: nothing is handed out again. */
	assert_int_equal(claim(f, 1, &got), 0);
	assert_int_equal(got.n, 0);
}

static void
test_reaped_lease_cannot_finish(void **state)
{
	struct fx *f = *state;
	char job[ID_SZ], sid[ID_SZ], lease[ID_SZ];
	struct store_claimed got;
	int64_t n;

	mk_job(f, f->s.p.id, "createDesktops", 1, NULL, job, NULL);
	assert_int_equal(claim(f, 1, &got), 0);
	strcpy(sid, got.v[0].id);
	strcpy(lease, got.v[0].lease_id);
	store_claimed_free(&got);
	assert_int_equal(store_reap(f->s.st, wj_now_ms() + 60000, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_finish(f->s.st, &actor, f->s.d.id, sid, lease,
	    JOB_STATUS_SUCCESS, NULL, NULL, NULL), WJ_ERR_CONFLICT);
	assert_int_equal(claim(f, 1, &got), 0);
	assert_int_equal(got.n, 1);
	assert_string_not_equal(got.v[0].lease_id, lease);
	store_claimed_free(&got);
	check_counts(f);
}

/* ---- retry and delete ---------------------------------------------------- */

/* Claim everything waiting and finish it; FAILED where should_fail. */
static void
run_all(struct fx *f, int (*should_fail)(const char *id, void *), void *arg)
{
	struct store_claimed got;
	size_t i;

	for (;;) {
		assert_int_equal(claim(f, 100, &got), 0);
		if (got.n == 0)
			break;
		for (i = 0; i < got.n; i++)
			assert_int_equal(store_finish(f->s.st, &actor, f->s.d.id,
			    got.v[i].id, got.v[i].lease_id,
			    should_fail != NULL &&
			    should_fail(got.v[i].id, arg) ?
			    JOB_STATUS_FAILED : JOB_STATUS_SUCCESS, "WKS.1",
			    "failed", NULL), 0);
		store_claimed_free(&got);
	}
}

static int
fail_named(const char *id, void *arg)
{
	const char *const *names = arg;

	for (; *names != NULL; names++)
		if (strcmp(*names, id) == 0)
			return 1;
	return 0;
}

static void
test_retry(void **state)
{
	struct fx *f = *state;
	char job[ID_SZ], ids[3][ID_SZ], job2[ID_SZ];
	const char *failing[] = { NULL, NULL };
	struct wj_errinfo ei = { "" };
	struct shown s;
	const struct row *r;
	char want[200];

	mk_job(f, f->s.p.id, "applyWorkspace", 3, NULL, job, ids);
	mk_job(f, f->s.p.id, "createDesktops", 1, NULL, job2, NULL);
	/* Not FAILED: refused with the reason. */
	assert_int_equal(store_job_retry(f->s.st, &actor, f->s.p.id, job, &ei),
	    WJ_ERR_INVALID);
	snprintf(want, sizeof(want), "job %s is WAITING; only a FAILED job "
	    "can be retried", job);
	assert_string_equal(ei.detail, want);
	assert_int_equal(store_job_retry(f->s.st, &actor, f->p2.id, job, &ei),
	    WJ_ERR_NOT_FOUND);
	assert_int_equal(store_job_retry(f->s.st, &actor, f->s.p.id, ids[0], &ei),
	    WJ_ERR_NOT_FOUND);

	failing[0] = ids[1];
	run_all(f, fail_named, failing);
	assert_int_equal(show(f, f->s.p.id, job, &s), 0);
	assert_int_equal(s.status, JOB_STATUS_FAILED);
	assert_true(s.end_ms > 0);
	rows_free(&s.subs);
	check_counts(f);

	assert_int_equal(store_job_retry(f->s.st, &actor, f->s.p.id, job, &ei), 0);
	assert_int_equal(show(f, f->s.p.id, job, &s), 0);
	/* A sub-job had succeeded, so the job counts as started. */
	assert_int_equal(s.status, JOB_STATUS_RUNNING);
	assert_int_equal(s.end_ms, 0);
	assert_string_equal(s.error_code, "");
	assert_int_equal(s.count[JOB_STATUS_WAITING], 1);
	assert_int_equal(s.count[JOB_STATUS_SUCCESS], 2);
	r = rows_find(&s.subs, ids[1]);
	assert_non_null(r);
	assert_int_equal(r->status, JOB_STATUS_WAITING);
	assert_int_equal(r->attempts, 0);
	assert_int_equal(r->process, 0);
	assert_int_equal(r->has_end, 0);
	assert_int_equal(r->has_host, 0);
	assert_int_equal(r->has_lease, 0);
	assert_string_equal(r->error_code, "");
	rows_free(&s.subs);
	assert_int_equal(q_int(f, "SELECT failed + started * 10 FROM jobs "
	    "WHERE error_code IS NULL AND job_type = 'applyWorkspace'"), 10);
	check_counts(f);
	/* Again RUNNING: a second retry is refused. */
	assert_int_equal(store_job_retry(f->s.st, &actor, f->s.p.id, job, &ei),
	    WJ_ERR_INVALID);
	snprintf(want, sizeof(want), "job %s is RUNNING; only a FAILED job "
	    "can be retried", job);
	assert_string_equal(ei.detail, want);
	/* Now it succeeds. */
	run_all(f, NULL, NULL);
	assert_int_equal(show(f, f->s.p.id, job, &s), 0);
	assert_int_equal(s.status, JOB_STATUS_SUCCESS);
	assert_true(s.end_ms > 0);
	rows_free(&s.subs);
	check_counts(f);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_events WHERE "
	    "action = 'workspace:jobs:retry' AND request_id = 'req-0001'"), 5);
}

/* A delete by IDs is audited with every ID it was given, as one list. */
static void
test_delete_audit_ids(void **state)
{
	struct fx *f = *state;
	const char *ids[] = { "nosuch-a", "nosuch-b", "nosuch-c" };
	struct wj_errinfo ei;

	assert_int_equal(store_sub_jobs_delete(f->s.st, &actor, f->s.p.id, ids,
	    3, &ei), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_events WHERE "
	    "action = 'workspace:jobs:deleteSubJobRecords' AND resource_ids = "
	    "'[\"nosuch-a\",\"nosuch-b\",\"nosuch-c\"]'"), 1);
}

/*
 * The cold-cache prefetch of a delete by IDs (forced here, the file being
 * warm): one probe per row not next to an already probed one (here: one
 * per job), finding the first sub-job's entry in
 * each list index (the pool index only when it has a pool), its job and
 * counts rows and table rows around it; unforced, all or nothing.
 */
static void
test_delete_prefetch(void **state)
{
	struct fx *f = *state;
	char j1[ID_SZ], j2[ID_SZ], a[3][ID_SZ], b[2][ID_SZ];
	const char *none[] = { NULL };
	struct wj_errinfo ei;
	int64_t before;

	mk_job(f, f->s.p.id, "createDesktops", 3, "pool-1", j1, a);
	/* rows between: j2's are not "next to" j1's (SQ_PREFETCH_AROUND) */
	mk_job(f, f->s.p.id, "createDesktops", 30, NULL, j2, NULL);
	mk_job(f, f->s.p.id, "deleteDesktops", 2, NULL, j2, b);
	run_all(f, fail_named, none);
	sq_test_prefetch_always = 1;
	before = sq_test_prefetch_found();
	{
		const char *del[] = { a[0], a[1], b[0], "unknown", b[1] };

		assert_int_equal(store_sub_jobs_delete(f->s.st, &actor, f->s.p.id,
		    del, 5, &ei), 0);
	}
	sq_test_prefetch_always = 0;
	/* j1: page, status, type, job, pool, jobs row, counts row, two
	 * blocks, table around it; j2: no pool. */
	assert_int_equal(sq_test_prefetch_found() - before, 10 + 9);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sub_jobs"), 31);
	check_counts(f);
	/* Not forced: only while the writer reads from the disk (a warm
	 * file: usually not; either is right). */
	mk_job(f, f->s.p.id, "createDesktops", 1, NULL, j2, b);
	run_all(f, fail_named, none);
	before = sq_test_prefetch_found();
	{
		const char *del[] = { b[0], a[2] };

		assert_int_equal(store_sub_jobs_delete(f->s.st, &actor, f->s.p.id,
		    del, 2, &ei), 0);
	}
	assert_true(sq_test_prefetch_found() - before == 0 ||
	    sq_test_prefetch_found() - before == 7 + 8);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sub_jobs"), 30);
}

/* Drop the file's pages from the page cache; 0 if this file system
 * reads them back from a disk (our own ru_inblock grows), else -1. */
static int
evict_file(const char *path)
{
	struct rusage r0, r1;
	char b[4096];
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	(void)fdatasync(fd);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	getrusage(RUSAGE_THREAD, &r0);
	(void)pread(fd, b, sizeof(b), 8192);
	getrusage(RUSAGE_THREAD, &r1);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	return r1.ru_inblock > r0.ru_inblock ? 0 : -1;
}

/*
 * The writer notices that it reads from the disk (a file dropped from the
 * page cache, then deletes on a fresh store): deletes then prefetch.  The
 * deletes name one sub-job of each of 250 jobs (WAITING: refused, but the
 * writer reads their rows to know): 1.5-2 MiB, over SQ_COLD_MIN_KB.
 */
static void
test_cold_cache_detected(void **state)
{
	struct fx *f = *state;
	char job[ID_SZ], ids[40][ID_SZ], first[250][ID_SZ];
	const char *del[10];
	struct wj_errinfo ei;
	int i, j;

	for (i = 0; i < 250; i++) {
		mk_job(f, f->s.p.id, "createDesktops", 40, NULL, job, ids);
		memcpy(first[i], ids[i % 40], ID_SZ);
	}
	store_close(f->s.st);
	f->s.st = NULL;
	if (evict_file(f->s.path) != 0)
		skip();		/* tmpfs and the like: nothing to read */
	assert_int_equal(fx_open(f, 0, 0, 0), 0);
	assert_false(sq_cold(f->s.st->sq));
	for (i = 0; i < 25; i++) {
		for (j = 0; j < 10; j++)
			del[j] = first[i * 10 + j];
		assert_int_equal(store_sub_jobs_delete(f->s.st, &actor, f->s.p.id,
		    del, 10, &ei), WJ_ERR_INVALID);
	}
	assert_true(sq_cold(f->s.st->sq));
	assert_int_equal(q_int(f, "SELECT count(*) FROM sub_jobs"), 10000);
}

/*
 * The rule behind sq_cold: reads reaching SQ_COLD_MIN_KB within one
 * window make it cold; a trickle of stray pages never does.
 */
static void
test_cold_rule(void **state)
{
	const long min = SQ_COLD_MIN_KB * 2;	/* in 512-byte blocks */
	const int64_t s = 1000000;
	struct sq_coldwin w;
	long blocks = 100;
	int64_t t = 5 * s;
	int i, fired = 0;

	(void)state;
	sq_cold_start(&w, blocks, t);
	assert_false(sq_cold_step(&w, blocks + 8, t + s / 10));
	assert_false(sq_cold_step(&w, blocks + min - 1, t + s / 2));
	assert_true(sq_cold_step(&w, blocks + min, t + s / 2 + 1));
	/* A new window starts where that one fired. */
	blocks += min;
	t += s / 2 + 1;
	assert_false(sq_cold_step(&w, blocks + min - 1, t + s / 2));
	assert_true(sq_cold_step(&w, blocks + 2 * min, t + s / 2 + 2));
	/* One page every 100 ms for a minute: a window never sees enough. */
	blocks += 2 * min;
	t += s;
	sq_cold_start(&w, blocks, t);
	for (i = 1; i <= 600; i++)
		fired |= sq_cold_step(&w, blocks + 8 * i, t + i * s / 10);
	assert_false(fired);
	/* Reads spread over an old window do not count in the next one. */
	blocks += 8 * 600;
	t += 61 * s;
	sq_cold_start(&w, blocks, t);
	assert_false(sq_cold_step(&w, blocks + min - 1, t + s - 1));
	assert_false(sq_cold_step(&w, blocks + min, t + s));
	assert_false(sq_cold_step(&w, blocks + min + 8, t + s + 1));
}

static void
test_delete_by_ids(void **state)
{
	struct fx *f = *state;
	char job[ID_SZ], ids[4][ID_SZ], pjob[ID_SZ], pids[1][ID_SZ], j4[ID_SZ];
	const char *failing[] = { NULL, NULL };
	struct wj_errinfo ei;
	struct store_claimed got;
	struct shown s;
	char want[600];

	mk_job(f, f->s.p.id, "createDesktops", 3, NULL, job, ids);
	mk_job(f, f->s.p.id, "applyWorkspace", 1, NULL, pjob, pids);
	failing[0] = ids[1];
	run_all(f, fail_named, failing);		/* 0,2 OK; 1 FAILED */
	mk_job(f, f->s.p.id, "createDesktops", 1, NULL, j4, &ids[3]);
	assert_int_equal(claim(f, 1, &got), 0);	/* ids[3] RUNNING */
	assert_int_equal(got.n, 1);
	store_claimed_free(&got);

	{
		const char *del[] = { ids[0], ids[3], pids[0], job, "unknown" };

		assert_int_equal(store_sub_jobs_delete(f->s.st, &actor, f->s.p.id,
		    del, 5, &ei), WJ_ERR_INVALID);
	}
	snprintf(want, sizeof(want), "%s is RUNNING; only SUCCESS or FAILED "
	    "sub-jobs can be deleted; %s has job type applyWorkspace, which "
	    "cannot be deleted; %s is a job ID, not a sub-job ID", ids[3],
	    pids[0], job);
	assert_string_equal(ei.detail, want);
	/* All or nothing. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM sub_jobs"), 5);

	{
		const char *del[] = { ids[0], ids[1], "unknown" };

		assert_int_equal(store_sub_jobs_delete(f->s.st, &actor, f->s.p.id,
		    del, 3, &ei), 0);
		/* Idempotent: repeating the request still succeeds. */
		assert_int_equal(store_sub_jobs_delete(f->s.st, &actor, f->s.p.id,
		    del, 3, &ei), 0);
		/* Another project's sub-job is unknown there: skipped. */
		assert_int_equal(store_sub_jobs_delete(f->s.st, &actor, f->p2.id,
		    (const char *[]){ ids[2] }, 1, &ei), 0);
	}
	assert_int_equal(show(f, f->s.p.id, job, &s), 0);
	/* History: the job keeps its status and error. */
	assert_int_equal(s.status, JOB_STATUS_FAILED);
	assert_string_equal(s.error_code, "WKS.1");
	assert_int_equal(s.subs.n, 1);
	assert_int_equal(s.count[JOB_STATUS_SUCCESS], 1);
	assert_int_equal(s.count[JOB_STATUS_FAILED], 0);
	rows_free(&s.subs);
	check_counts(f);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_events WHERE "
	    "action = 'workspace:jobs:deleteSubJobRecords' AND "
	    "outcome = 'error: invalid parameter'"), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_events WHERE "
	    "action = 'workspace:jobs:deleteSubJobRecords' AND "
	    "outcome = 'success'"), 3);
}

static void
test_delete_by_status(void **state)
{
	struct fx *f = *state;
	char job[ID_SZ], ids[3][ID_SZ], pjob[ID_SZ];
	const char *failing[] = { NULL, NULL };
	struct store_list_filter lf;
	int64_t n = -1;

	mk_job(f, f->s.p.id, "createDesktops", 3, NULL, job, ids);
	mk_job(f, f->s.p.id, "cancelWorkspace", 2, NULL, pjob, NULL);
	mk_job(f, f->p2.id, "createDesktops", 2, NULL, pjob, NULL);
	failing[0] = ids[0];
	run_all(f, fail_named, failing);
	assert_int_equal(store_sub_jobs_delete_by_status(f->s.st, &actor,
	    f->s.p.id, JOB_STATUS_RUNNING, &n), WJ_ERR_INVALID);
	assert_int_equal(store_sub_jobs_delete_by_status(f->s.st, &actor,
	    f->s.p.id, JOB_STATUS_SUCCESS, &n), 0);
	assert_int_equal(n, 2);		/* protected and p2 stay */
	memset(&lf, 0, sizeof(lf));
	assert_int_equal(listed(f, &lf), 3);
	lf.project_id = f->p2.id;
	assert_int_equal(listed(f, &lf), 2);
	assert_int_equal(store_sub_jobs_delete_by_status(f->s.st, &actor,
	    f->s.p.id, JOB_STATUS_SUCCESS, &n), 0);
	assert_int_equal(n, 0);
	check_counts(f);
}

static void
test_delete_by_status_25k(void **state)
{
	struct fx *f = *state;
	struct store_claimed got;
	struct store_list_filter lf;
	char job[ID_SZ];
	int64_t n = 0, t0, ms;
	size_t claimed = 0, k;
	int i;

	/* max_attempts 1: one reap turns every lease into FAILED. */
	store_close(f->s.st);
	assert_int_equal(fx_open(f, 1, 0, 0), 0);
	for (i = 0; i < 25; i++)
		mk_job(f, f->s.p.id, "createDesktops", 1000, NULL, job, NULL);
	mk_job(f, f->s.p.id, "applyWorkspace", 10, NULL, job, NULL);
	for (;;) {
		assert_int_equal(claim(f, WJ_CLAIM_MAX, &got), 0);
		k = got.n;
		store_claimed_free(&got);
		if (k == 0)
			break;
		claimed += k;
	}
	assert_int_equal(claimed, 25010);
	t0 = wj_mono_us();
	assert_int_equal(store_reap(f->s.st, wj_now_ms() + 3600 * 1000, &n), 0);
	print_message("reap of %lld: %lld ms\n", (long long)n,
	    (long long)(wj_mono_us() - t0) / 1000);
	assert_int_equal(n, 25010);
	t0 = wj_mono_us();
	assert_int_equal(store_sub_jobs_delete_by_status(f->s.st, &actor,
	    f->s.p.id, JOB_STATUS_FAILED, &n), 0);
	ms = (wj_mono_us() - t0) / 1000;
	/* Informational: the time target is checked by make bench. */
	print_message("delete_by_status of %lld: %lld ms\n", (long long)n,
	    (long long)ms);
	assert_int_equal(n, 25000);
	memset(&lf, 0, sizeof(lf));
	lf.statuses[0] = "FAILED";
	lf.n_statuses = 1;
	assert_int_equal(listed(f, &lf), 10);
	check_counts(f);
}

/* ---- the writer: group commit, queue, busy, readonly --------------------- */

struct bg {
	pthread_t	 t;
	int		 (*fn)(struct bg *);
	struct fx	*f;
	const char	*a, *b;
	const char	*ids[4];
	size_t		 n;
	struct wj_errinfo ei;
	char		*body;
	int		 r;
};

static void *
bg_main(void *arg)
{
	struct bg *b = arg;

	b->r = b->fn(b);
	return NULL;
}

static void
bg_start(struct bg *b)
{
	assert_int_equal(pthread_create(&b->t, NULL, bg_main, b), 0);
}

static int
bg_delete(struct bg *b)
{
	return store_sub_jobs_delete(b->f->s.st, &actor, b->f->s.p.id, b->ids, b->n,
	    &b->ei);
}

static int
bg_finish(struct bg *b)
{
	return store_finish(b->f->s.st, &actor, b->f->s.d.id, b->a, b->b,
	    JOB_STATUS_SUCCESS, NULL, NULL, NULL);
}

static int
bg_create(struct bg *b)
{
	struct store_sub_job_in sub = { 0 };
	struct store_job_in in = { 0 };

	in.project_id = b->f->s.p.id;
	in.job_type = "createDesktops";
	in.subs = &sub;
	in.n = 1;
	return store_job_create(b->f->s.st, &actor, &in, &b->body);
}

static int
bg_project(struct bg *b)
{
	struct store_project p;

	return store_project_create(b->f->s.st, b->f->s.d.id, b->a, &p);
}

static void
wait_queued(struct store *st, size_t n)
{
	int i;

	for (i = 0; i < 5000 && sq_test_queued(st->sq) < n; i++)
		usleep(1000);
	assert_int_equal(sq_test_queued(st->sq), n);
}

static void
test_group_commit_one_op_fails(void **state)
{
	struct fx *f = *state;
	char job[ID_SZ], ids[3][ID_SZ], lease[2][ID_SZ], sid[2][ID_SZ];
	struct store_claimed got;
	struct bg del, fin, cre;
	uint64_t before;

	mk_job(f, f->s.p.id, "createDesktops", 3, NULL, job, ids);
	assert_int_equal(claim(f, 2, &got), 0);
	assert_int_equal(got.n, 2);
	strcpy(sid[0], got.v[0].id);
	strcpy(sid[1], got.v[1].id);
	strcpy(lease[0], got.v[0].lease_id);
	strcpy(lease[1], got.v[1].lease_id);
	store_claimed_free(&got);

	sq_test_pause(f->s.st->sq, 1);
	memset(&del, 0, sizeof(del));
	memset(&fin, 0, sizeof(fin));
	memset(&cre, 0, sizeof(cre));
	/* Refused: one sub-job is RUNNING (and the other WAITING). */
	del.fn = bg_delete;
	del.f = f;
	del.ids[0] = sid[1];
	del.ids[1] = ids[2];
	del.n = 2;
	fin.fn = bg_finish;
	fin.f = f;
	fin.a = sid[0];
	fin.b = lease[0];
	cre.fn = bg_create;
	cre.f = f;
	bg_start(&fin);
	wait_queued(f->s.st, 1);
	bg_start(&del);
	wait_queued(f->s.st, 2);
	bg_start(&cre);
	wait_queued(f->s.st, 3);
	before = sq_test_batches(f->s.st->sq);
	sq_test_pause(f->s.st->sq, 0);
	pthread_join(fin.t, NULL);
	pthread_join(del.t, NULL);
	pthread_join(cre.t, NULL);
	/* One transaction for all three, on disk before any answer. */
	assert_int_equal(sq_test_batches(f->s.st->sq), before + 1);
	assert_true(sq_test_synced(f->s.st->sq) >= before + 1);
	assert_int_equal(fin.r, 0);
	assert_int_equal(del.r, WJ_ERR_INVALID);
	assert_non_null(strstr(del.ei.detail, "is RUNNING"));
	assert_non_null(strstr(del.ei.detail, "is WAITING"));
	assert_int_equal(cre.r, 0);
	assert_non_null(cre.body);
	free(cre.body);
	/* The others' work committed; the refused one left nothing. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM jobs"), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sub_jobs WHERE "
	    "status = 2"), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sub_jobs"), 4);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_events WHERE "
	    "outcome LIKE 'error:%'"), 1);
	check_counts(f);
}

/* An op that runs alone: deletes every sub-job of the project, then
 * fails when b->n is 1 (its deletion must then be undone). */
static int
alone_op(struct sq_conn *c, struct sq_op *op)
{
	struct bg *b = op->arg;
	int r;

	if ((r = sq_run(c, NULL, "DELETE FROM sub_jobs WHERE project_id = ?",
	    "t", b->f->s.p.id)) != 0)
		return r;
	return b->n == 1 ? WJ_ERR_INVALID : 0;
}

static int
bg_alone(struct bg *b)
{
	struct sq_op op;
	int r;

	sq_op_init(&op, alone_op, b, 1, &actor, "test:alone", b->f->s.p.id);
	op.alone = 1;
	r = sq_submit(b->f->s.st->sq, &op);
	sq_op_clear(&op);
	return r;
}

/* An op that runs alone gets a transaction of its own, between the
 * batches of the ops queued before and after it; failing, it leaves
 * only its audit row. */
static void
test_op_alone(void **state)
{
	struct fx *f = *state;
	struct bg cre[3], alone[2];
	uint64_t before;
	int i;

	memset(cre, 0, sizeof(cre));
	memset(alone, 0, sizeof(alone));
	for (i = 0; i < 3; i++) {
		cre[i].fn = bg_create;
		cre[i].f = f;
	}
	alone[0].fn = alone[1].fn = bg_alone;
	alone[0].f = alone[1].f = f;
	alone[0].n = 1;			/* fails */
	sq_test_pause(f->s.st->sq, 1);
	bg_start(&cre[0]);
	wait_queued(f->s.st, 1);
	bg_start(&cre[1]);
	wait_queued(f->s.st, 2);
	bg_start(&alone[0]);
	wait_queued(f->s.st, 3);
	bg_start(&cre[2]);
	wait_queued(f->s.st, 4);
	before = sq_test_batches(f->s.st->sq);
	sq_test_pause(f->s.st->sq, 0);
	for (i = 0; i < 3; i++)
		pthread_join(cre[i].t, NULL);
	pthread_join(alone[0].t, NULL);
	/* create+create | alone (rolled back, then its audit row) | create */
	assert_int_equal(sq_test_batches(f->s.st->sq), before + 3);
	assert_int_equal(alone[0].r, WJ_ERR_INVALID);
	for (i = 0; i < 3; i++) {
		assert_int_equal(cre[i].r, 0);
		free(cre[i].body);
	}
	assert_int_equal(q_int(f, "SELECT count(*) FROM sub_jobs"), 3);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_events WHERE "
	    "action = 'test:alone' AND outcome LIKE 'error:%'"), 1);
	check_counts(f);
	/* Succeeding, its work and its audit row commit together. */
	bg_start(&alone[1]);
	pthread_join(alone[1].t, NULL);
	assert_int_equal(alone[1].r, 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sub_jobs"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_events WHERE "
	    "action = 'test:alone' AND outcome = 'success'"), 1);
}

static off_t
wal_bytes(const struct fx *f)
{
	char wal[320];
	struct stat sb;

	snprintf(wal, sizeof(wal), "%s-wal", f->s.path);
	return stat(wal, &sb) == 0 ? sb.st_size : -1;
}

/* A WAL a burst of writes made long is cut to zero bytes once the store
 * is idle, with every write kept; a later write grows it again. */
static void
test_wal_truncated_when_idle(void **state)
{
	struct fx *f = *state;
	char job[ID_SZ];
	int i, n;

	/* The checkpointer of a store opened now ticks every 500 ms. */
	__atomic_store_n(&sq_test_idle_us, 500000, __ATOMIC_RELAXED);
	store_close(f->s.st);
	f->s.st = NULL;
	assert_int_equal(fx_open(f, 0, 0, 0), 0);
	/* Each tick sees the writes of the one before: not idle yet. */
	for (n = 0; n < 40 && wal_bytes(f) <= SQ_WAL_IDLE_MAX; n++)
		mk_job(f, f->s.p.id, "createDesktops", 200, NULL, job, NULL);
	assert_true(wal_bytes(f) > SQ_WAL_IDLE_MAX);
	for (i = 0; i < 500 && wal_bytes(f) != 0; i++)
		usleep(10000);
	__atomic_store_n(&sq_test_idle_us, 0, __ATOMIC_RELAXED);
	assert_int_equal(wal_bytes(f), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sub_jobs"), 200 * n);
	check_counts(f);
	mk_job(f, f->s.p.id, "createDesktops", 1, NULL, job, NULL);
	assert_true(wal_bytes(f) > 0);
	check_counts(f);
}

/* ---- the data version --------------------------------------------------- */

/* The version moves with every commit, this store's or another's, and
 * stands still within a read snapshot. */
static void
test_data_version(void **state)
{
	struct fx *f = *state;
	struct store_opts o;
	struct store *other;
	int64_t v0, v1, v2;

	assert_int_equal(store_data_version(f->s.st, &v0), 0);
	assert_int_equal(store_data_version(f->s.st, &v1), 0);
	assert_true(v0 == v1);
	assert_int_equal(store_fx_job(f->s.st, f->s.p.id), 0);
	assert_int_equal(store_data_version(f->s.st, &v1), 0);
	assert_true(v1 != v0);
	memset(&o, 0, sizeof(o));
	o.path = f->s.path;
	assert_int_equal(store_open(&o, &other), 0);
	assert_int_equal(store_fx_job(other, f->p2.id), 0);
	assert_int_equal(store_data_version(f->s.st, &v2), 0);
	assert_true(v2 != v1);
	/* A snapshot: a commit during it is not seen, nor its version. */
	assert_int_equal(store_read_begin(f->s.st), 0);
	assert_int_equal(store_data_version(f->s.st, &v0), 0);
	assert_int_equal(store_fx_job(other, f->p2.id), 0);
	assert_int_equal(store_data_version(f->s.st, &v1), 0);
	assert_true(v0 == v1);
	assert_int_equal(store_read_end(f->s.st, 0), 0);
	assert_int_equal(store_data_version(f->s.st, &v2), 0);
	assert_true(v2 != v1);
	store_close(other);
}

/*
 * Pipelined group commit: a committed batch is visible to readers at once,
 * but its ops get no answer until the syncer's fdatasync of the WAL.
 */
static void
test_answer_waits_for_sync(void **state)
{
	struct fx *f = *state;
	struct bg cre;
	uint64_t before;
	int i;

	memset(&cre, 0, sizeof(cre));
	cre.fn = bg_create;
	cre.f = f;
	cre.r = 1;
	before = sq_test_batches(f->s.st->sq);
	sq_test_pause_sync(f->s.st->sq, 1);
	bg_start(&cre);
	for (i = 0; i < 5000 && sq_test_batches(f->s.st->sq) == before; i++)
		usleep(1000);
	assert_int_equal(sq_test_batches(f->s.st->sq), before + 1);
	assert_true(sq_test_synced(f->s.st->sq) < before + 1);
	usleep(50 * 1000);
	/* Committed (a reader sees it), not answered. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM jobs"), 1);
	assert_int_equal(cre.r, 1);
	assert_null(cre.body);
	sq_test_pause_sync(f->s.st->sq, 0);
	pthread_join(cre.t, NULL);
	assert_int_equal(cre.r, 0);
	assert_non_null(cre.body);
	free(cre.body);
	assert_int_equal(sq_test_synced(f->s.st->sq), before + 1);
}

static void
test_queue_full_is_unavailable(void **state)
{
	struct fx *f = *state;
	struct store_project p;
	struct bg a, b;

	store_close(f->s.st);
	assert_int_equal(fx_open(f, 0, 2, 0), 0);
	sq_test_pause(f->s.st->sq, 1);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.fn = b.fn = bg_project;
	a.f = b.f = f;
	a.a = "qa";
	b.a = "qb";
	bg_start(&a);
	bg_start(&b);
	wait_queued(f->s.st, 2);
	/* Full: refused at once, without waiting for the writer. */
	assert_int_equal(store_project_create(f->s.st, f->s.d.id, "qc", &p),
	    WJ_ERR_UNAVAILABLE);
	sq_test_pause(f->s.st->sq, 0);
	pthread_join(a.t, NULL);
	pthread_join(b.t, NULL);
	assert_int_equal(a.r, 0);
	assert_int_equal(b.r, 0);
	assert_int_equal(store_project_create(f->s.st, f->s.d.id, "qc", &p), 0);
}

static void
test_busy_is_unavailable(void **state)
{
	struct fx *f = *state;
	struct store_list_filter lf;
	char job[ID_SZ], *body = NULL;
	struct store_sub_job_in sub = { 0 };
	struct store_job_in in = { 0 };
	sqlite3 *db;
	int64_t t0;

	mk_job(f, f->s.p.id, "createDesktops", 2, NULL, job, NULL);
	assert_int_equal(sq_test_busy_timeout(f->s.st->sq, 100), 0);
	/* Another process holds the write lock. */
	db = db_open(f);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	in.project_id = f->s.p.id;
	in.job_type = "createDesktops";
	in.subs = &sub;
	in.n = 1;
	t0 = wj_mono_us();
	assert_int_equal(store_job_create(f->s.st, &actor, &in, &body),
	    WJ_ERR_UNAVAILABLE);
	assert_null(body);
	assert_true(wj_mono_us() - t0 >= 90 * 1000);
	/* Readers are not blocked (WAL). */
	memset(&lf, 0, sizeof(lf));
	assert_int_equal(listed(f, &lf), 2);
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_job_create(f->s.st, &actor, &in, &body), 0);
	free(body);
	assert_int_equal(sq_test_busy_timeout(f->s.st->sq, SQ_BUSY_TIMEOUT_MS), 0);
	check_counts(f);
}

static void
test_readonly_store(void **state)
{
	struct fx *f = *state;
	struct store_opts o;
	struct store *ro;
	struct store_project p;
	struct store_list_filter lf;
	char job[ID_SZ];
	int64_t total = -1;

	mk_job(f, f->s.p.id, "createDesktops", 2, NULL, job, NULL);
	memset(&o, 0, sizeof(o));
	o.path = f->s.path;
	o.readonly = 1;
	assert_int_equal(store_open(&o, &ro), 0);
	memset(&lf, 0, sizeof(lf));
	lf.project_id = f->s.p.id;
	assert_int_equal(store_sub_jobs_list(ro, &lf, &total, NULL, NULL), 0);
	assert_int_equal(total, 2);
	assert_int_equal(store_project_create(ro, f->s.d.id, "x", &p),
	    WJ_ERR_UNAVAILABLE);
	store_close(ro);
}

static void
test_reopen_persists(void **state)
{
	struct fx *f = *state;
	struct store_list_filter lf;
	char job[ID_SZ];
	struct shown s;
	int64_t by[JOB_STATUS_COUNT];

	mk_job(f, f->s.p.id, "createDesktops", 3, NULL, job, NULL);
	store_close(f->s.st);
	f->s.st = NULL;
	assert_int_equal(fx_open(f, 0, 0, 0), 0);
	assert_int_equal(show(f, f->s.p.id, job, &s), 0);
	assert_int_equal(s.subs.n, 3);
	rows_free(&s.subs);
	memset(&lf, 0, sizeof(lf));
	assert_int_equal(listed(f, &lf), 3);
	assert_int_equal(store_count_by_status(f->s.st, by), 0);
	assert_int_equal(by[JOB_STATUS_WAITING], 3);
	assert_int_equal(by[JOB_STATUS_RUNNING], 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM schema_version"),
	    SQ_SCHEMA_VERSION);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) \
	cmocka_unit_test_setup_teardown(name, setup, store_fx_teardown)
		T(test_open_creates_0600_wal_and_migrates_once),
		T(test_newer_schema_refused),
		cmocka_unit_test(test_open_rejects_bad_options),
		T(test_identities),
		T(test_create_show),
		T(test_create_rejects_bad_input),
		T(test_idempotent_create),
		T(test_list_filters_paging_order),
		T(test_list_callback_stops),
		T(test_list_query_plans),
		T(test_heartbeat_finish),
		T(test_claim_filters),
		T(test_claim_concurrent_no_duplicates),
		T(test_claim_two_stores_one_file),
		T(test_reap),
		T(test_reaped_lease_cannot_finish),
		T(test_retry),
		T(test_delete_prefetch),
		T(test_cold_cache_detected),
		T(test_cold_rule),
		T(test_delete_by_ids),
		T(test_delete_by_status),
		T(test_delete_by_status_25k),
		T(test_group_commit_one_op_fails),
		T(test_op_alone),
		T(test_wal_truncated_when_idle),
		T(test_answer_waits_for_sync),
		T(test_data_version),
		T(test_delete_audit_ids),
		T(test_queue_full_is_unavailable),
		T(test_busy_is_unavailable),
		T(test_readonly_store),
		T(test_reopen_persists),
#undef T
	};

	wj_log_level = WJ_LOG_WARN;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
