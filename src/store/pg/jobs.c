/*
 * jobs.c - jobs on PostgreSQL: create (idempotent with a client token,
 * across nodes), show, retry, the job and project of a sub-job, and the
 * bookkeeping every status change shares (pg_apply / pg_apply_changes):
 * per-job counts, first failure, derived status, the striped
 * sub_job_counts.  Lists are in list.c, deletes in delete.c, the
 * workers' side in work.c.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

/* ---- row decoding -------------------------------------------------------- */

/* Columns k..k+14: the public members (a list page reads only these). */
static void
list_row_at(const struct pg_row *w, int k, struct sub_job *s)
{
	memset(s, 0, sizeof(*s));
	s->id = pg_text(w, k + 0);
	s->job_id = pg_text(w, k + 1);
	s->project_id = pg_text(w, k + 2);
	s->job_type = pg_text(w, k + 3);
	s->status = pg_int(w, k + 4);
	s->begin_ms = pg_bigint(w, k + 5);
	s->end_ms = pg_bigint(w, k + 6);
	s->process = pg_int(w, k + 7);
	s->error_code = pg_text(w, k + 8);
	s->fail_reason = pg_text(w, k + 9);
	s->host = pg_text(w, k + 10);
	s->entities = pg_text(w, k + 11);
	s->attach_user = pg_text(w, k + 12);
	s->entity = pg_text(w, k + 13);
	s->ip_address = pg_text(w, k + 14);
}

/* PG_SUB_JOB_COLS from column k on. */
static void
sub_job_row_at(const struct pg_row *w, int k, struct sub_job *s)
{
	list_row_at(w, k, s);
	s->desktop_pool_id = pg_text(w, k + 15);
	s->attempts = pg_int(w, k + 16);
	s->lease_id = pg_text(w, k + 17);
	s->lease_expires_ms = pg_bigint(w, k + 18);
}

void
pg_list_row(const struct pg_row *w, struct sub_job *s)
{
	list_row_at(w, 0, s);
}

void
pg_sub_job_row(const struct pg_row *w, struct sub_job *s)
{
	sub_job_row_at(w, 0, s);
}

/* ---- shared bookkeeping -------------------------------------------------- */

/*
 * The deltas of chg per job: counts, started, and the first failure
 * (the lowest sub-job ID among those that failed here gives the error).
 */
#define SQL_DELTA \
	"d AS (SELECT project_id, job_id," \
	" count(*) FILTER (WHERE new_status = 0) -" \
	" count(*) FILTER (WHERE old_status = 0) AS dw," \
	" count(*) FILTER (WHERE new_status = 1) -" \
	" count(*) FILTER (WHERE old_status = 1) AS dr," \
	" count(*) FILTER (WHERE new_status = 2) -" \
	" count(*) FILTER (WHERE old_status = 2) AS ds," \
	" count(*) FILTER (WHERE new_status = 3) -" \
	" count(*) FILTER (WHERE old_status = 3) AS df," \
	" CASE WHEN bool_or(new_status = 1) THEN 1 ELSE 0 END AS st," \
	" bool_or(new_status = 3) AS nf," \
	" (array_agg(error_code ORDER BY id) FILTER (WHERE new_status = 3))[1]" \
	"  AS ec," \
	" (array_agg(fail_reason ORDER BY id) FILTER (WHERE new_status = 3))[1]" \
	"  AS fr," \
	" max(at_ms) AS at_ms" \
	" FROM chg GROUP BY project_id, job_id ORDER BY project_id, job_id)"

/* A job row's values after the deltas (its old values in the SET). */
#define NEW_STARTED "greatest(j.started, d.st)"
#define NEW_FAILED "CASE WHEN d.nf THEN 1 ELSE j.failed END"
#define NEW_STATUS "wj_job_status(j.n_waiting + d.dw, j.n_running + d.dr, " \
	"j.n_success + d.ds, j.n_failed + d.df, " NEW_STARTED ", " \
	NEW_FAILED ")"

/*
 * One UPDATE per job row (a row may change only once in a statement):
 * counts, started, first failure and, with recompute, status and end_ms
 * (set when the job becomes terminal, cleared when it is not).  The SET
 * reads the row as locked, so concurrent changes add up.
 */
#define SQL_JOBS_COMMON \
	"upd AS (UPDATE jobs AS j SET n_waiting = j.n_waiting + d.dw," \
	" n_running = j.n_running + d.dr, n_success = j.n_success + d.ds," \
	" n_failed = j.n_failed + d.df, started = " NEW_STARTED "," \
	" failed = " NEW_FAILED "," \
	" error_code = CASE WHEN d.nf AND j.failed = 0 THEN d.ec" \
	"  ELSE j.error_code END," \
	" fail_reason = CASE WHEN d.nf AND j.failed = 0 THEN d.fr" \
	"  ELSE j.fail_reason END"
#define SQL_JOBS_RECOMPUTE \
	", status = " NEW_STATUS "," \
	" end_ms = CASE WHEN " NEW_STATUS " >= 2" \
	"  THEN coalesce(j.end_ms, d.at_ms) END"
#define SQL_JOBS_WHERE \
	" FROM d WHERE j.project_id = d.project_id AND j.id = d.job_id)"

/*
 * The stripe of sub_job_counts a sub-job counts in: its job's, so that a
 * create adds to one row, and a finish, which queues on its job's row in
 * any case, queues on nothing more; jobs spread over PG_STRIPES rows.
 * Totals are sums over the stripes, so no answer depends on the choice.
 */
#define JOB_STRIPE_SQL(col) "abs(hashtext(" col ") % " PG_STR(PG_STRIPES) ")"

/* The signed moves between (type, status, stripe) rows, zeros dropped;
 * in key order, so that concurrent changes lock rows in one order. */
#define SQL_COUNTS \
	"cnt AS (INSERT INTO sub_job_counts AS k" \
	" (project_id, job_type, status, stripe, n)" \
	" SELECT project_id, job_type, status, stripe, sum(dn) FROM (" \
	"  SELECT project_id, job_type, new_status AS status, " \
	JOB_STRIPE_SQL("job_id") " AS stripe, 1 AS dn FROM chg" \
	"  WHERE new_status >= 0 UNION ALL" \
	"  SELECT project_id, job_type, old_status, " JOB_STRIPE_SQL("job_id") \
	", -1 FROM chg WHERE old_status >= 0) AS x" \
	" GROUP BY project_id, job_type, status, stripe HAVING sum(dn) <> 0" \
	" ORDER BY project_id, job_type, status, stripe" \
	" ON CONFLICT (project_id, job_type, status, stripe)" \
	" DO UPDATE SET n = k.n + excluded.n)"

/* The statement pg_apply runs, in b. */
static int
apply_sql(struct buf *b, int recompute, const char *ctes, const char *tail)
{
	buf_puts(b, "WITH ");
	buf_puts(b, ctes);
	buf_puts(b, ", " SQL_DELTA ", " SQL_JOBS_COMMON);
	if (recompute)
		buf_puts(b, SQL_JOBS_RECOMPUTE);
	buf_puts(b, SQL_JOBS_WHERE ", " SQL_COUNTS " ");
	buf_puts(b, tail != NULL ? tail : "SELECT count(*) FROM chg");
	return b->failed ? WJ_ERR_NOMEM : 0;
}

int
pg_apply(struct pg_conn *c, PGresult **res, int recompute, const char *ctes,
    const char *tail, const char *fmt, ...)
{
	PGresult *own = NULL;
	struct buf b;
	va_list ap;
	int r;

	if (res != NULL)
		*res = NULL;
	buf_init(&b);
	if ((r = apply_sql(&b, recompute, ctes, tail)) == 0) {
		va_start(ap, fmt);
		r = pg_vquery(c, res != NULL ? res : &own, b.data, fmt, ap);
		va_end(ap);
	}
	PQclear(own);
	buf_free(&b);
	return r;
}

/* The scratch table's rows as pg_apply's chg (emptied on the way). */
static const char chg_from_table[] =
	"t AS (DELETE FROM pg_temp.chg RETURNING *), "
	"chg AS (SELECT t.sub_job_id AS id, t.project_id, t.job_id, "
	"t.job_type, t.old_status, t.new_status, s.error_code, s.fail_reason, "
	"$1::bigint AS at_ms FROM t LEFT JOIN sub_jobs AS s "
	"ON s.project_id = t.project_id AND s.id = t.sub_job_id)";

int
pg_apply_changes(struct pg_conn *c, int64_t now, int recompute)
{
	return pg_apply(c, NULL, recompute, chg_from_table, NULL, "I", now);
}

int
pg_job_recompute(struct pg_conn *c, const char *project_id,
    const char *job_id, int64_t now)
{
	return pg_run(c, NULL, "UPDATE jobs SET status = wj_job_status("
	    "n_waiting, n_running, n_success, n_failed, started, failed), "
	    "end_ms = CASE WHEN wj_job_status(n_waiting, n_running, "
	    "n_success, n_failed, started, failed) >= 2 "
	    "THEN coalesce(end_ms, $1) END "
	    "WHERE project_id = $2 AND id = $3", "Itt", now, project_id,
	    job_id);
}

/* ---- create -------------------------------------------------------------- */

struct create_arg {
	const struct store_job_in *in;
	char	*body;		/* out, malloc'd */
};

/*
 * The new rows as one statement: the job, its sub-jobs (from a JSON
 * array of their fields), its WAITING count; with a token, all of it
 * only when the token's row is new.  The other node's transaction that
 * holds the same token makes the insert wait for its end; then nothing
 * is inserted here and the stored body is the answer (token_body).
 */
#define SQL_CREATE_ROWS(cond) \
	"j AS (INSERT INTO jobs (project_id, id, job_type, status, " \
	" begin_ms, n_waiting) SELECT $1, $2, $3, 0, $4::bigint, $5::bigint " \
	" FROM projects WHERE id = $1 " cond " RETURNING id), " \
	"s AS (INSERT INTO sub_jobs (project_id, id, job_id, job_type, " \
	" status, begin_ms, entities, desktop_pool_id, attach_user, entity, " \
	" ip_address) SELECT $1, x.id, j.id, $3, 0, $4::bigint, x.entities, " \
	" x.desktop_pool_id, x.attach_user, x.entity, x.ip_address " \
	" FROM j, json_to_recordset($6::json) AS x (id text, entities text, " \
	" desktop_pool_id text, attach_user text, entity text, " \
	" ip_address text)), " \
	"kc AS (INSERT INTO sub_job_counts AS k (project_id, job_type, " \
	" status, stripe, n) SELECT $1, $3, 0, " JOB_STRIPE_SQL("j.id") \
	", $5::bigint FROM j ON CONFLICT (project_id, job_type, status, stripe) " \
	" DO UPDATE SET n = k.n + excluded.n) "

static const char sql_create[] =
	"WITH " SQL_CREATE_ROWS("") "SELECT count(*) FROM j";
static const char sql_create_token[] =
	"WITH t AS (INSERT INTO client_tokens (project_id, token, body, "
	" created_ms) SELECT $1, $7, $8, $4::bigint FROM projects WHERE id = $1 "
	" ON CONFLICT (project_id, token) DO NOTHING RETURNING 1), "
	SQL_CREATE_ROWS("AND EXISTS (SELECT 1 FROM t)")
	"SELECT (SELECT count(*) FROM j), "
	"(SELECT count(*) FROM projects WHERE id = $1)";

/* The body a token's first create stored (visible once it committed). */
static int
token_body(struct pg_conn *c, const char *project_id, const char *token,
    char **body)
{
	PGresult *res = NULL;
	int r;

	if ((r = pg_query(c, &res, "SELECT body FROM client_tokens WHERE "
	    "project_id = $1 AND token = $2", "tt", project_id, token)) != 0)
		return r;
	if (PQntuples(res) != 1)
		r = WJ_ERR_CONFLICT;	/* not committed yet: run again */
	else if ((*body = strdup(PQgetvalue(res, 0, 0))) == NULL)
		r = WJ_ERR_NOMEM;
	PQclear(res);
	return r;
}

/* The answer's body and the sub-jobs' fields as JSON, with new IDs. */
static int
create_json(const struct store_job_in *in, char job_id[WJ_ID_LEN + 1],
    struct buf *body, struct buf *subs)
{
	char id[WJ_ID_LEN + 1];
	struct jw bw, sw;
	size_t i;
	int r;

	if ((r = wj_id_new(job_id)) != 0)
		return r;
	jw_init(&bw, body);
	jw_obj_open(&bw);
	jw_kv_str(&bw, "job_id", job_id);
	jw_key(&bw, "sub_job_ids");
	jw_arr_open(&bw);
	jw_init(&sw, subs);
	jw_arr_open(&sw);
	for (i = 0; i < in->n; i++) {
		const struct store_sub_job_in *s = &in->subs[i];

		if ((r = wj_id_new(id)) != 0)
			return r;
		jw_str(&bw, id);
		jw_obj_open(&sw);
		jw_kv_str(&sw, "id", id);
		jw_kv_str(&sw, "entities", s->entities);
		jw_kv_str(&sw, "desktop_pool_id", s->desktop_pool_id);
		jw_kv_str(&sw, "attach_user", s->attach_user);
		jw_kv_str(&sw, "entity", s->entity);
		jw_kv_str(&sw, "ip_address", s->ip_address);
		jw_obj_close(&sw);
	}
	jw_arr_close(&bw);
	jw_obj_close(&bw);
	jw_arr_close(&sw);
	return body->failed || subs->failed ? WJ_ERR_NOMEM : 0;
}

/* Run the inserts; *made = whether the job was created. */
static int
create_rows(struct pg_conn *c, const struct store_job_in *in,
    const char *job_id, const char *body, const char *subs, int *made)
{
	int64_t now = wj_now_ms();	/* one clock reading for all */
	PGresult *res = NULL;
	int r;

	*made = 0;
	if (in->client_token == NULL)
		r = pg_query(c, &res, sql_create, "tttIIt", in->project_id,
		    job_id, in->job_type, now, (int64_t)in->n, subs);
	else
		r = pg_query(c, &res, sql_create_token, "tttIIttt",
		    in->project_id, job_id, in->job_type, now, (int64_t)in->n,
		    subs, in->client_token, body);
	if (r != 0)
		return r;
	if (PQntuples(res) == 1) {
		struct pg_row w = { res, 0 };

		*made = pg_bigint(&w, 0) == 1;
		/* With a token: no job, yet the project exists = replay. */
		if (!*made && (in->client_token == NULL ||
		    pg_bigint(&w, 1) == 0))
			r = WJ_ERR_NOT_FOUND;
	} else
		r = WJ_ERR_INTERNAL;
	PQclear(res);
	return r;
}

static int
create_op(struct pg_conn *c, struct pg_op *op)
{
	struct create_arg *a = op->arg;
	const struct store_job_in *in = a->in;
	char job_id[WJ_ID_LEN + 1];
	struct buf body, subs;
	int r, made;

	/* An op may run again (a retried transaction): start afresh. */
	free(a->body);
	a->body = NULL;
	op->aud.outcome = NULL;
	buf_init(&body);
	buf_init(&subs);
	if ((r = create_json(in, job_id, &body, &subs)) != 0 ||
	    (r = create_rows(c, in, job_id, body.data, subs.data,
	    &made)) != 0)
		goto out;
	if (!made) {
		op->aud.outcome = "replayed";
		r = token_body(c, in->project_id, in->client_token, &a->body);
		goto out;
	}
	pg_res(op, job_id, NULL);
	a->body = buf_take(&body, NULL);
 out:
	buf_free(&body);
	buf_free(&subs);
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
	struct pg_async	  a;
	struct create_arg arg;
	char		**body;
};

static void
create_finish(struct pg_async *a)
{
	struct create_async *c = (struct create_async *)(void *)a;

	if (a->op.result == 0) {
		*c->body = c->arg.body;
		c->arg.body = NULL;
	}
	free(c->arg.body);
}

int
pg_store_job_create_async(struct pg_store *st, const struct store_actor *actor,
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
	pg_op_init(&c->a.op, create_op, &c->arg, 1, actor,
	    "workspace:jobs:create", in->project_id);
	return pg_submit_done(st, &c->a, create_finish, done, arg);
}

/* ---- show ---------------------------------------------------------------- */

/*
 * The job and its sub-jobs in one statement (one snapshot, one round
 * trip): the job's columns on every row, the sub-job's after them (NULL
 * on the one row of a job without sub-jobs).
 */
static const char sql_show[] =
	"SELECT j.id, j.project_id, j.job_type, j.status, j.begin_ms, "
	"j.end_ms, j.error_code, j.fail_reason, j.n_waiting, j.n_running, "
	"j.n_success, j.n_failed, j.started, s.* FROM jobs AS j "
	"LEFT JOIN LATERAL (SELECT " PG_SUB_JOB_COLS " FROM sub_jobs "
	"WHERE project_id = j.project_id AND job_id = j.id "
	"ORDER BY begin_ms DESC, id) AS s ON true "
	"WHERE j.project_id = $1 AND j.id = $2 "
	"ORDER BY s.begin_ms DESC, s.id";

#define SHOW_SUB_COL 13	/* the first sub-job column of sql_show */

static void
show_job(const struct pg_row *w, struct job *j)
{
	int i;

	memset(j, 0, sizeof(*j));
	j->id = pg_text(w, 0);
	j->project_id = pg_text(w, 1);
	j->job_type = pg_text(w, 2);
	j->status = pg_int(w, 3);
	j->begin_ms = pg_bigint(w, 4);
	j->end_ms = pg_bigint(w, 5);
	/* job.h: the job's error is only shown once it FAILED. */
	if (j->status == JOB_STATUS_FAILED) {
		j->error_code = pg_text(w, 6);
		j->fail_reason = pg_text(w, 7);
	}
	for (i = 0; i < JOB_STATUS_COUNT; i++)
		j->count[i] = pg_bigint(w, 8 + i);
	j->started = pg_int(w, 12);
}

static int
show_rows(const PGresult *res, store_job_cb jcb, store_sub_job_cb scb,
    void *arg)
{
	struct pg_row w = { res, 0 };
	struct sub_job sj;
	struct job j;
	int i, n, r;

	if ((n = PQntuples(res)) == 0)
		return WJ_ERR_NOT_FOUND;
	show_job(&w, &j);
	if (jcb != NULL && (r = jcb(arg, &j)) != 0)
		return r;
	if (PQgetisnull(res, 0, SHOW_SUB_COL))
		return 0;	/* a job without sub-jobs */
	for (i = 0; i < n; i++) {
		w.i = i;
		sub_job_row_at(&w, SHOW_SUB_COL, &sj);
		if (scb != NULL && (r = scb(arg, &sj)) != 0)
			return r;
	}
	return 0;
}

int
pg_store_job_show(struct pg_store *st, const char *project_id,
    const char *job_id, store_job_cb jcb, store_sub_job_cb scb, void *arg)
{
	PGresult *res = NULL;
	struct pg_conn *c;
	int r;

	if (project_id == NULL || job_id == NULL)
		return WJ_ERR_INVALID;
	if ((r = pg_reader(st, &c)) != 0)
		return r;
	if ((r = pg_query(c, &res, sql_show, "tt", project_id, job_id)) == 0)
		r = show_rows(res, jcb, scb, arg);
	PQclear(res);
	pg_reader_put(st, c);
	return r;
}

/* ---- retry --------------------------------------------------------------- */

struct retry_arg {
	const char *project_id;
	const char *job_id;
	struct wj_errinfo *ei;
};

/*
 * The job's status and whether a FAILED sub-job of it is left, with the
 * job row locked: a retry on another node waits here and then sees the
 * job as this one left it.
 */
static int
retry_state(struct pg_conn *c, const struct retry_arg *a, int *status,
    int *any)
{
	PGresult *res = NULL;
	int r;

	if ((r = pg_query(c, &res, "SELECT j.status, EXISTS (SELECT 1 "
	    "FROM sub_jobs AS s WHERE s.project_id = j.project_id AND "
	    "s.job_id = j.id AND s.status = 3) FROM jobs AS j "
	    "WHERE j.project_id = $1 AND j.id = $2 FOR UPDATE", "tt",
	    a->project_id, a->job_id)) != 0)
		return r;
	if (PQntuples(res) == 1) {
		struct pg_row w = { res, 0 };

		*status = pg_int(&w, 0);
		*any = pg_int(&w, 1);
	} else
		r = WJ_ERR_NOT_FOUND;
	PQclear(res);
	return r;
}

/* No job a->job_id: when it is a sub-job's ID, say whose in a->ei. */
static void
retry_not_a_job(struct pg_conn *c, const struct retry_arg *a)
{
	PGresult *res = NULL;

	if (pg_query(c, &res, "SELECT job_id FROM sub_jobs WHERE "
	    "project_id = $1 AND id = $2", "tt", a->project_id,
	    a->job_id) != 0)
		return;
	if (PQntuples(res) == 1)
		wj_errinfo_set(a->ei, "%s is a sub-job ID of job %s, not a "
		    "job ID", a->job_id, PQgetvalue(res, 0, 0));
	PQclear(res);
}

/* Every FAILED sub-job of the job back to WAITING, counted. */
static const char retry_chg[] =
	"chg AS (UPDATE sub_jobs SET status = 0, attempts = 0, process = 0, "
	"error_code = NULL, fail_reason = NULL, end_ms = NULL, host = NULL, "
	"lease_id = NULL, lease_expires_ms = NULL, lease_seconds = NULL, "
	"worker_id = NULL WHERE project_id = $1 AND job_id = $2 AND "
	"status = 3 RETURNING id, project_id, job_id, job_type, "
	"3 AS old_status, 0 AS new_status, error_code, fail_reason, "
	"$3::bigint AS at_ms)";

static int
retry_op(struct pg_conn *c, struct pg_op *op)
{
	struct retry_arg *a = op->arg;
	int64_t now = wj_now_ms();
	PGresult *res = NULL;
	int r, status, any = 0;

	pg_res(op, a->job_id, NULL);
	if ((r = retry_state(c, a, &status, &any)) != 0) {
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
	if (!any) {
		wj_errinfo_set(a->ei, "job %s has no FAILED sub-jobs left to "
		    "retry (their records were deleted)", a->job_id);
		return WJ_ERR_INVALID;
	}
	if ((r = pg_run(c, NULL, "UPDATE jobs SET error_code = NULL, "
	    "fail_reason = NULL, failed = 0, "
	    "started = CASE WHEN n_success > 0 THEN 1 ELSE 0 END "
	    "WHERE project_id = $1 AND id = $2", "tt", a->project_id,
	    a->job_id)) != 0 ||
	    (r = pg_apply(c, &res, 1, retry_chg, NULL, "ttI", a->project_id,
	    a->job_id, now)) != 0)
		return r;
	/* Nothing moved (deleted meanwhile): the job is recomputed all
	 * the same, from its reset fields. */
	if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "0") == 0)
		r = pg_job_recompute(c, a->project_id, a->job_id, now);
	PQclear(res);
	return r;
}

struct retry_async {
	struct pg_async	 a;
	struct retry_arg arg;
};

int
pg_store_job_retry_async(struct pg_store *st, const struct store_actor *actor,
    const char *project_id, const char *job_id, struct wj_errinfo *ei,
    store_done_fn done, void *arg)
{
	struct retry_async *t;

	if (project_id == NULL || job_id == NULL)
		return WJ_ERR_INVALID;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return WJ_ERR_NOMEM;
	t->arg = (struct retry_arg){ project_id, job_id, ei };
	pg_op_init(&t->a.op, retry_op, &t->arg, 1, actor,
	    "workspace:jobs:retry", project_id);
	return pg_submit_done(st, &t->a, NULL, done, arg);
}

/* ---- the project of a sub-job (scope of the internal API) -------------- */

static int
text_row(const struct pg_row *w, void *arg)
{
	return pg_copy(arg, WJ_ID_LEN + 1, pg_text(w, 0));
}

int
pg_store_sub_job_project(struct pg_store *st, const char *domain_id,
    const char *sub_job_id, char project_id[WJ_ID_LEN + 1])
{
	const char *p[] = { sub_job_id, domain_id };

	project_id[0] = '\0';
	if (domain_id == NULL || sub_job_id == NULL)
		return WJ_ERR_INVALID;
	return pg_rows(st, "SELECT s.project_id FROM sub_jobs AS s "
	    "JOIN projects AS pr ON pr.id = s.project_id "
	    "WHERE s.id = $1 AND pr.domain_id = $2", p, 2, 1, text_row,
	    project_id);
}

int
pg_store_sub_job_job(struct pg_store *st, const char *project_id,
    const char *sub_job_id, char job_id[WJ_ID_LEN + 1])
{
	const char *p[] = { project_id, sub_job_id };

	job_id[0] = '\0';
	if (project_id == NULL || sub_job_id == NULL)
		return WJ_ERR_INVALID;
	return pg_rows(st, "SELECT job_id FROM sub_jobs WHERE "
	    "project_id = $1 AND id = $2", p, 2, 1, text_row, job_id);
}
