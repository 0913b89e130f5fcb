/*
 * jobs.c - jobs on SQLite: create (idempotent with a client token), show,
 * retry, and the bookkeeping every status change shares
 * (sq_apply_changes): per-job counts, first failure, derived status,
 * sub_job_counts.  Lists are in list.c, deletes in delete.c, the
 * workers' side in work.c.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

/* ---- shared bookkeeping -------------------------------------------------- */

/* Columns 0..14: the public members (the list page reads only these). */
void
sq_list_row(sqlite3_stmt *st, struct sub_job *s)
{
	memset(s, 0, sizeof(*s));
	s->id = sq_text(st, 0);
	s->job_id = sq_text(st, 1);
	s->project_id = sq_text(st, 2);
	s->job_type = sq_text(st, 3);
	s->status = sqlite3_column_int(st, 4);
	s->begin_ms = sqlite3_column_int64(st, 5);
	s->end_ms = sqlite3_column_int64(st, 6);
	s->process = sqlite3_column_int(st, 7);
	s->error_code = sq_text(st, 8);
	s->fail_reason = sq_text(st, 9);
	s->host = sq_text(st, 10);
	s->entities = sq_text(st, 11);
	s->attach_user = sq_text(st, 12);
	s->entity = sq_text(st, 13);
	s->ip_address = sq_text(st, 14);
}

void
sq_sub_job_row(sqlite3_stmt *st, struct sub_job *s)
{
	sq_list_row(st, s);
	s->desktop_pool_id = sq_text(st, 15);
	s->attempts = sqlite3_column_int(st, 16);
	s->lease_id = sq_text(st, 17);
	s->lease_expires_ms = sqlite3_column_int64(st, 18);
}

/* The first sub-job of a job to fail gives the job its error (once). */
static const char sql_first_failure[] =
	"UPDATE jobs SET failed = 1, error_code = f.error_code, "
	"fail_reason = f.fail_reason FROM ("
	" SELECT c.project_id AS project_id, c.job_id AS job_id,"
	" s.error_code AS error_code, s.fail_reason AS fail_reason,"
	" min(c.rid) FROM temp.chg AS c JOIN sub_jobs AS s ON s.rowid = c.rid"
	" WHERE c.new_status = 3 GROUP BY c.project_id, c.job_id) AS f "
	"WHERE jobs.project_id = f.project_id AND jobs.id = f.job_id "
	"AND jobs.failed = 0";

static const char sql_job_counts[] =
	"UPDATE jobs SET n_waiting = n_waiting + d.dw, "
	"n_running = n_running + d.dr, n_success = n_success + d.ds, "
	"n_failed = n_failed + d.df, started = max(started, d.st) FROM ("
	" SELECT project_id, job_id,"
	" sum(new_status = 0) - sum(old_status = 0) AS dw,"
	" sum(new_status = 1) - sum(old_status = 1) AS dr,"
	" sum(new_status = 2) - sum(old_status = 2) AS ds,"
	" sum(new_status = 3) - sum(old_status = 3) AS df,"
	" max(new_status = 1) AS st"
	" FROM temp.chg GROUP BY project_id, job_id) AS d "
	"WHERE jobs.project_id = d.project_id AND jobs.id = d.job_id";

static const char sql_counts_add[] =
	"INSERT INTO sub_job_counts (project_id, job_type, status, n) "
	"SELECT project_id, job_type, new_status, count(*) FROM temp.chg "
	"WHERE new_status >= 0 GROUP BY project_id, job_type, new_status "
	"ON CONFLICT (project_id, job_type, status) DO UPDATE "
	"SET n = n + excluded.n";

static const char sql_counts_sub[] =
	"UPDATE sub_job_counts SET n = n - d.dn FROM ("
	" SELECT project_id, job_type, old_status AS status, count(*) AS dn"
	" FROM temp.chg WHERE old_status >= 0"
	" GROUP BY project_id, job_type, old_status) AS d "
	"WHERE sub_job_counts.project_id = d.project_id "
	"AND sub_job_counts.job_type = d.job_type "
	"AND sub_job_counts.status = d.status";

/* end_ms: set when the job becomes terminal, cleared when it is not. */
#define SQL_JOB_STATUS "wj_job_status(n_waiting, n_running, n_success, " \
	"n_failed, started, failed)"
#define SQL_JOB_RECOMPUTE "status = " SQL_JOB_STATUS ", " \
	"end_ms = CASE WHEN " SQL_JOB_STATUS " >= 2 " \
	"THEN coalesce(end_ms, ?1) ELSE NULL END"

static const char sql_recompute[] =
	"UPDATE jobs SET " SQL_JOB_RECOMPUTE " FROM ("
	" SELECT DISTINCT project_id, job_id FROM temp.chg) AS d "
	"WHERE jobs.project_id = d.project_id AND jobs.id = d.job_id";

int
sq_apply_changes(struct sq_conn *c, int64_t now, int recompute)
{
	int r;

	if ((r = sq_run(c, NULL, sql_first_failure, "")) != 0 ||
	    (r = sq_run(c, NULL, sql_job_counts, "")) != 0 ||
	    (r = sq_run(c, NULL, sql_counts_add, "")) != 0 ||
	    (r = sq_run(c, NULL, sql_counts_sub, "")) != 0)
		return r;
	if (recompute && (r = sq_run(c, NULL, sql_recompute, "I", now)) != 0)
		return r;
	return sq_run(c, NULL, "DELETE FROM temp.chg", "");
}

int
sq_job_recompute(struct sq_conn *c, const char *project_id,
    const char *job_id, int64_t now)
{
	return sq_run(c, NULL, "UPDATE jobs SET " SQL_JOB_RECOMPUTE
	    " WHERE project_id = ?2 AND id = ?3", "Itt", now, project_id,
	    job_id);
}

/* ---- create -------------------------------------------------------------- */

struct create_arg {
	const struct store_job_in *in;
	char	*body;		/* out, malloc'd */
};

/* The stored first answer for this client token, if any. */
static int
token_lookup(struct sq_conn *c, const char *project_id, const char *token,
    char **body)
{
	sqlite3_stmt *st = NULL;
	int r, row;

	*body = NULL;
	if ((r = sq_stmt(c, "SELECT body FROM client_tokens WHERE "
	    "project_id = ? AND token = ?", &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "tt", project_id, token)) != 0 ||
	    (r = sq_step(c, st, &row)) != 0 || !row)
		goto out;
	if ((*body = strdup(sq_text(st, 0))) == NULL)
		r = WJ_ERR_NOMEM;
 out:
	sq_put(c, st);
	return r;
}

static int
project_exists(struct sq_conn *c, const char *project_id)
{
	return sq_found(c, "SELECT 1 FROM projects WHERE id = ?", project_id);
}

static int
insert_job(struct sq_conn *c, const struct store_job_in *in,
    const char *job_id, int64_t now)
{
	int64_t n[JOB_STATUS_COUNT] = { (int64_t)in->n, 0, 0, 0 };

	return sq_run(c, NULL, "INSERT INTO jobs (project_id, id, job_type, "
	    "status, begin_ms, n_waiting) VALUES (?, ?, ?, ?, ?, ?)", "tttiII",
	    in->project_id, job_id, in->job_type,
	    job_derive_status(n, 0, 0), now, (int64_t)in->n);
}

static int
insert_sub_job(struct sq_conn *c, const struct store_job_in *in,
    const struct store_sub_job_in *s, const char *job_id, const char *id,
    int64_t now)
{
	return sq_run(c, NULL, "INSERT INTO sub_jobs (project_id, id, job_id, "
	    "job_type, status, begin_ms, entities, desktop_pool_id, "
	    "attach_user, entity, ip_address) "
	    "VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)", "ttttIttttt",
	    in->project_id, id, job_id, in->job_type, now, s->entities,
	    s->desktop_pool_id, s->attach_user, s->entity, s->ip_address);
}

static int
create_op(struct sq_conn *c, struct sq_op *op)
{
	struct create_arg *a = op->arg;
	const struct store_job_in *in = a->in;
	char job_id[WJ_ID_LEN + 1], id[WJ_ID_LEN + 1];
	int64_t now = wj_now_ms();	/* one clock reading for all */
	struct buf b;
	struct jw w;
	size_t i;
	int r;

	buf_init(&b);
	if (in->client_token != NULL && ((r = token_lookup(c, in->project_id,
	    in->client_token, &a->body)) != 0 || a->body != NULL)) {
		op->aud.outcome = "replayed";
		return r;
	}
	if ((r = project_exists(c, in->project_id)) != 0 ||
	    (r = wj_id_new(job_id)) != 0 ||
	    (r = insert_job(c, in, job_id, now)) != 0)
		goto out;
	sq_res(op, job_id, NULL);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "job_id", job_id);
	jw_key(&w, "sub_job_ids");
	jw_arr_open(&w);
	for (i = 0; i < in->n; i++) {
		if ((r = wj_id_new(id)) != 0 || (r = insert_sub_job(c, in,
		    &in->subs[i], job_id, id, now)) != 0)
			goto out;
		jw_str(&w, id);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	if (b.failed) {
		r = WJ_ERR_NOMEM;
		goto out;
	}
	if ((r = sq_run(c, NULL, "INSERT INTO sub_job_counts (project_id, "
	    "job_type, status, n) VALUES (?, ?, 0, ?) ON CONFLICT (project_id, "
	    "job_type, status) DO UPDATE SET n = n + excluded.n", "ttI",
	    in->project_id, in->job_type, (int64_t)in->n)) != 0)
		goto out;
	if (in->client_token != NULL && (r = sq_run(c, NULL, "INSERT INTO "
	    "client_tokens (project_id, token, body, created_ms) "
	    "VALUES (?, ?, ?, ?)", "tttI", in->project_id, in->client_token,
	    b.data, now)) != 0)
		goto out;
	a->body = buf_take(&b, NULL);
 out:
	buf_free(&b);
	return r;
}

static int
job_in_valid(const struct store_job_in *in)
{
	size_t tl;

	if (in == NULL || in->project_id == NULL || in->job_type == NULL ||
	    in->subs == NULL || in->n < 1 || in->n > WJ_CREATE_SUB_JOBS_MAX)
		return 0;
	tl = strlen(in->job_type);
	if (tl < 1 || tl > WJ_JOB_TYPE_MAX * 4 ||
	    wj_utf8_len(in->job_type, tl) > WJ_JOB_TYPE_MAX)
		return 0;
	return in->client_token == NULL ||
	    (*in->client_token != '\0' &&
	    strlen(in->client_token) <= WJ_CLIENT_TOKEN_MAX);
}

struct create_async {
	struct sq_async	  a;
	struct create_arg arg;
	char		**body;
};

static void
create_finish(struct sq_async *a)
{
	struct create_async *c = (struct create_async *)(void *)a;

	if (a->op.result == 0) {
		*c->body = c->arg.body;
		c->arg.body = NULL;
	}
	free(c->arg.body);
}

int
sq_store_job_create_async(struct sq_store *st, const struct store_actor *actor,
    const struct store_job_in *in, char **body, store_done_fn done,
    void *arg)
{
	struct create_async *c;

	*body = NULL;
	if (!job_in_valid(in))
		return WJ_ERR_INVALID;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return WJ_ERR_NOMEM;
	c->arg.in = in;
	c->body = body;
	sq_op_init(&c->a.op, create_op, &c->arg, 1, actor,
	    "workspace:jobs:create", in->project_id);
	return sq_submit_done(st, &c->a, create_finish, done, arg);
}

/* ---- show ---------------------------------------------------------------- */

static int
job_row(struct sq_conn *c, const char *project_id, const char *job_id,
    store_job_cb jcb, void *arg)
{
	sqlite3_stmt *st = NULL;
	struct job j;
	int r, row, i;

	if ((r = sq_stmt(c, "SELECT id, project_id, job_type, status, "
	    "begin_ms, end_ms, error_code, fail_reason, n_waiting, n_running, "
	    "n_success, n_failed, started FROM jobs "
	    "WHERE project_id = ? AND id = ?", &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "tt", project_id, job_id)) != 0 ||
	    (r = sq_step(c, st, &row)) != 0)
		goto out;
	if (!row) {
		r = WJ_ERR_NOT_FOUND;
		goto out;
	}
	memset(&j, 0, sizeof(j));
	j.id = sq_text(st, 0);
	j.project_id = sq_text(st, 1);
	j.job_type = sq_text(st, 2);
	j.status = sqlite3_column_int(st, 3);
	j.begin_ms = sqlite3_column_int64(st, 4);
	j.end_ms = sqlite3_column_int64(st, 5);
	/* job.h: the job's error is only shown once it FAILED. */
	if (j.status == JOB_STATUS_FAILED) {
		j.error_code = sq_text(st, 6);
		j.fail_reason = sq_text(st, 7);
	}
	for (i = 0; i < JOB_STATUS_COUNT; i++)
		j.count[i] = sqlite3_column_int64(st, 8 + i);
	j.started = sqlite3_column_int(st, 12);
	r = jcb != NULL ? jcb(arg, &j) : 0;
 out:
	sq_put(c, st);
	return r;
}

static int
job_sub_jobs(struct sq_conn *c, const char *project_id, const char *job_id,
    store_sub_job_cb scb, void *arg)
{
	sqlite3_stmt *st = NULL;
	struct sub_job sj;
	int r, row;

	if ((r = sq_stmt(c, "SELECT " SQ_SUB_JOB_COLS " FROM sub_jobs "
	    "WHERE project_id = ? AND job_id = ? ORDER BY begin_ms DESC, id",
	    &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "tt", project_id, job_id)) != 0)
		goto out;
	for (;;) {
		if ((r = sq_step(c, st, &row)) != 0 || !row)
			break;
		sq_sub_job_row(st, &sj);
		if (scb != NULL && (r = scb(arg, &sj)) != 0)
			break;
	}
 out:
	sq_put(c, st);
	return r;
}

int
sq_store_job_show(struct sq_store *st, const char *project_id, const char *job_id,
    store_job_cb jcb, store_sub_job_cb scb, void *arg)
{
	struct sq_conn *c;
	int r;

	if (project_id == NULL || job_id == NULL)
		return WJ_ERR_INVALID;
	if ((r = sq_reader(st, &c)) != 0 || (r = sq_read_begin(c)) != 0)
		return r;
	if ((r = job_row(c, project_id, job_id, jcb, arg)) == 0)
		r = job_sub_jobs(c, project_id, job_id, scb, arg);
	return sq_read_end(c, r);
}

/* ---- retry --------------------------------------------------------------- */

struct retry_arg {
	const char *project_id;
	const char *job_id;
	struct wj_errinfo *ei;
};

static int
job_status_get(struct sq_conn *c, const char *project_id, const char *job_id,
    int *status)
{
	sqlite3_stmt *st = NULL;
	int r, row;

	if ((r = sq_stmt(c, "SELECT status FROM jobs WHERE project_id = ? "
	    "AND id = ?", &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "tt", project_id, job_id)) == 0 &&
	    (r = sq_step(c, st, &row)) == 0) {
		if (row)
			*status = sqlite3_column_int(st, 0);
		else
			r = WJ_ERR_NOT_FOUND;
	}
	sq_put(c, st);
	return r;
}

/* No job a->job_id: when it is a sub-job's ID, say whose in a->ei. */
static void
retry_not_a_job(struct sq_conn *c, const struct retry_arg *a)
{
	sqlite3_stmt *st = NULL;
	int row = 0;

	if (sq_stmt(c, "SELECT job_id FROM sub_jobs WHERE project_id = ? "
	    "AND id = ?", &st) != 0)
		return;
	if (sq_bind(c, st, "tt", a->project_id, a->job_id) == 0 &&
	    sq_step(c, st, &row) == 0 && row)
		wj_errinfo_set(a->ei, "%s is a sub-job ID of job %s, not a "
		    "job ID", a->job_id, sq_text(st, 0));
	sq_put(c, st);
}

static int
retry_op(struct sq_conn *c, struct sq_op *op)
{
	struct retry_arg *a = op->arg;
	int64_t now = wj_now_ms();
	int r, status, any = 0;

	sq_res(op, a->job_id, NULL);
	if ((r = job_status_get(c, a->project_id, a->job_id, &status)) != 0) {
		if (r == WJ_ERR_NOT_FOUND)
			retry_not_a_job(c, a);
		return r;
	}
	if (status != JOB_STATUS_FAILED) {
		wj_errinfo_set(a->ei, "job %s is %s; only a FAILED job can be "
		    "retried", a->job_id, job_status_name(status));
		return WJ_ERR_INVALID;
	}
	/*
	 * A FAILED job whose FAILED sub-job records were all deleted has
	 * nothing to run again; "retrying" it would only wipe its failure
	 * and report SUCCESS, so it is refused.
	 */
	if ((r = sq_exists(c, &any, "SELECT 1 FROM sub_jobs WHERE "
	    "project_id = ? AND job_id = ? AND status = 3 LIMIT 1", "tt",
	    a->project_id, a->job_id)) != 0)
		return r;
	if (!any) {
		wj_errinfo_set(a->ei, "job %s has no FAILED sub-jobs left to "
		    "retry (their records were deleted)", a->job_id);
		return WJ_ERR_INVALID;
	}
	if ((r = sq_run(c, NULL, "INSERT INTO temp.chg SELECT rowid, "
	    "project_id, job_id, job_type, 3, 0 FROM sub_jobs "
	    "WHERE project_id = ? AND job_id = ? AND status = 3", "tt",
	    a->project_id, a->job_id)) != 0 ||
	    (r = sq_run(c, NULL, "UPDATE sub_jobs SET status = 0, "
	    "attempts = 0, process = 0, error_code = NULL, "
	    "fail_reason = NULL, end_ms = NULL, "
	    "host = NULL, lease_id = NULL, lease_expires_ms = NULL, "
	    "lease_seconds = NULL, worker_id = NULL "
	    "WHERE rowid IN (SELECT rid FROM temp.chg)", "")) != 0 ||
	    (r = sq_run(c, NULL, "UPDATE jobs SET error_code = NULL, "
	    "fail_reason = NULL, failed = 0, started = (n_success > 0) "
	    "WHERE project_id = ? AND id = ?", "tt", a->project_id,
	    a->job_id)) != 0 ||
	    (r = sq_apply_changes(c, now, 0)) != 0)
		return r;
	return sq_job_recompute(c, a->project_id, a->job_id, now);
}

struct retry_async {
	struct sq_async	 a;
	struct retry_arg arg;
};

int
sq_store_job_retry_async(struct sq_store *st, const struct store_actor *actor,
    const char *project_id, const char *job_id, struct wj_errinfo *ei,
    store_done_fn done, void *arg)
{
	struct retry_async *t;

	if (project_id == NULL || job_id == NULL)
		return WJ_ERR_INVALID;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return WJ_ERR_NOMEM;
	t->arg = (struct retry_arg){ project_id, job_id, ei };
	sq_op_init(&t->a.op, retry_op, &t->arg, 1, actor,
	    "workspace:jobs:retry", project_id);
	return sq_submit_done(st, &t->a, NULL, done, arg);
}

/* ---- the project of a sub-job (scope of the internal API) -------------- */

static int
text_row(sqlite3_stmt *st, void *arg)
{
	return sq_copy(arg, WJ_ID_LEN + 1, sq_text(st, 0));
}

int
sq_store_sub_job_project(struct sq_store *st, const char *domain_id,
    const char *sub_job_id, char project_id[WJ_ID_LEN + 1])
{
	const char *p[] = { sub_job_id, domain_id };

	project_id[0] = '\0';
	if (domain_id == NULL || sub_job_id == NULL)
		return WJ_ERR_INVALID;
	return sq_rows(st, "SELECT s.project_id FROM sub_jobs AS s "
	    "JOIN projects AS pr ON pr.id = s.project_id "
	    "WHERE s.id = ? AND pr.domain_id = ?", p, 2, 1, text_row,
	    project_id);
}

int
sq_store_sub_job_job(struct sq_store *st, const char *project_id,
    const char *sub_job_id, char job_id[WJ_ID_LEN + 1])
{
	const char *p[] = { project_id, sub_job_id };

	job_id[0] = '\0';
	if (project_id == NULL || sub_job_id == NULL)
		return WJ_ERR_INVALID;
	return sq_rows(st, "SELECT job_id FROM sub_jobs WHERE project_id = ? "
	    "AND id = ?", p, 2, 1, text_row, job_id);
}
