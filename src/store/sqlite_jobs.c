/*
 * sqlite_jobs.c - jobs and sub-jobs on SQLite: create (idempotent with a
 * client token), list, show, retry, delete by IDs or by status, and the
 * bookkeeping every status change shares (sq_apply_changes): per-job
 * counts, first failure, derived status, sub_job_counts.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

/* ---- shared bookkeeping -------------------------------------------------- */

/* Columns 0..14: the public members (the list page reads only these). */
static void
list_row(sqlite3_stmt *st, struct sub_job *s)
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
	list_row(st, s);
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
	int r, found;

	if ((r = sq_exists(c, &found, "SELECT 1 FROM projects WHERE id = ?",
	    "t", project_id)) != 0)
		return r;
	return found ? 0 : WJ_ERR_NOT_FOUND;
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
		op->outcome = "replayed";
		return r;
	}
	if ((r = project_exists(c, in->project_id)) != 0 ||
	    (r = wj_id_new(job_id)) != 0 ||
	    (r = insert_job(c, in, job_id, now)) != 0)
		goto out;
	sq_res_add(op, job_id);
	sq_res_end(op);
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

int
store_job_create(struct store *st, const struct store_actor *actor,
    const struct store_job_in *in, char **body)
{
	struct create_arg a = { in, NULL };
	struct sq_op op;
	int r;

	*body = NULL;
	if (!job_in_valid(in))
		return WJ_ERR_INVALID;
	sq_op_init(&op, create_op, &a, 1, actor, "workspace:jobs:create",
	    in->project_id);
	if ((r = sq_submit(st, &op)) == 0) {
		*body = a.body;
		a.body = NULL;
	}
	free(a.body);
	sq_op_clear(&op);
	return r;
}

/* ---- list ---------------------------------------------------------------- */

/* A list filter with statuses parsed and empty values dropped. */
struct norm_filter {
	const char *project_id;
	int	    status[JOB_STATUS_COUNT];
	size_t	    n_status;
	const char *type[WJ_LIST_FILTER_VALUES];
	size_t	    n_type;
	const char *job_id;
	const char *pool;
	int	    none;	/* can match nothing */
};

static void
norm_statuses(const struct store_list_filter *f, struct norm_filter *n)
{
	int seen[JOB_STATUS_COUNT] = { 0 }, s, given = 0;
	size_t i;

	for (i = 0; i < f->n_statuses && i < WJ_LIST_FILTER_VALUES; i++) {
		if (f->statuses[i] == NULL || *f->statuses[i] == '\0')
			continue;	/* an empty value is no filter */
		given = 1;
		/* DESIGN §4: unknown values simply match nothing. */
		if ((s = job_status_parse(f->statuses[i])) < 0 || seen[s])
			continue;
		seen[s] = 1;
		n->status[n->n_status++] = s;
	}
	if (given && n->n_status == 0)
		n->none = 1;
}

static void
norm_filter(const struct store_list_filter *f, struct norm_filter *n)
{
	size_t i;

	memset(n, 0, sizeof(*n));
	n->project_id = f->project_id;
	norm_statuses(f, n);
	for (i = 0; i < f->n_job_types && i < WJ_LIST_FILTER_VALUES; i++)
		if (f->job_types[i] != NULL && *f->job_types[i] != '\0')
			n->type[n->n_type++] = f->job_types[i];
	if (f->job_id != NULL && *f->job_id != '\0')
		n->job_id = f->job_id;
	if (f->desktop_pool_id != NULL && *f->desktop_pool_id != '\0')
		n->pool = f->desktop_pool_id;
}

/* " WHERE project_id = ? AND ..." with statuses inline; by_counts leaves
 * out what sub_job_counts has no column for. */
static void
where_sql(const struct norm_filter *n, struct buf *b)
{
	size_t i;

	buf_puts(b, " WHERE project_id = ?");
	if (n->n_status == 1)
		buf_printf(b, " AND status = %d", n->status[0]);
	else if (n->n_status > 1) {
		buf_puts(b, " AND status IN (");
		for (i = 0; i < n->n_status; i++)
			buf_printf(b, "%s%d", i ? ", " : "", n->status[i]);
		buf_putc(b, ')');
	}
	if (n->n_type == 1)
		buf_puts(b, " AND job_type = ?");
	else if (n->n_type > 1) {
		buf_puts(b, " AND job_type IN (");
		for (i = 0; i < n->n_type; i++)
			buf_puts(b, i ? ", ?" : "?");
		buf_putc(b, ')');
	}
	if (n->job_id != NULL)
		buf_puts(b, " AND job_id = ?");
	if (n->pool != NULL)
		buf_puts(b, " AND desktop_pool_id = ?");
}

/* Bind what where_sql asked for; *next = the next parameter index. */
static int
where_bind(struct sq_conn *c, sqlite3_stmt *st, const struct norm_filter *n,
    int *next)
{
	size_t i;
	int r, k = 1;

	if ((r = sq_bind_at(c, st, k++, "t", n->project_id)) != 0)
		return r;
	for (i = 0; i < n->n_type; i++)
		if ((r = sq_bind_at(c, st, k++, "t", n->type[i])) != 0)
			return r;
	if (n->job_id != NULL &&
	    (r = sq_bind_at(c, st, k++, "t", n->job_id)) != 0)
		return r;
	if (n->pool != NULL && (r = sq_bind_at(c, st, k++, "t", n->pool)) != 0)
		return r;
	*next = k;
	return 0;
}

/*
 * The columns a list page shows (the first 15 of SQ_SUB_JOB_COLS: no
 * desktop pool, attempts or lease), decoded by list_row: fewer columns
 * for SQLite to read, 100-1000 times per page.
 */
#define LIST_COLS "id, job_id, project_id, job_type, status, " \
	"begin_ms, end_ms, process, error_code, fail_reason, host, " \
	"entities, attach_user, entity, ip_address"

static int
page_sql(const struct norm_filter *n, struct buf *b)
{
	buf_puts(b, "SELECT " LIST_COLS " FROM sub_jobs");
	where_sql(n, b);
	buf_puts(b, " ORDER BY begin_ms DESC, id LIMIT ? OFFSET ?");
	return b->failed ? WJ_ERR_NOMEM : 0;
}

int
sq_list_page_sql(const struct store_list_filter *f, struct buf *sql,
    int *none)
{
	struct norm_filter n;

	norm_filter(f, &n);
	*none = n.none;
	return page_sql(&n, sql);
}

/* One-value query (COUNT/SUM) with the filter's parameters. */
static int
count_query(struct sq_conn *c, const struct norm_filter *n, const char *sql,
    int64_t *total)
{
	sqlite3_stmt *st = NULL;
	int r, row, next;

	*total = 0;
	if ((r = sq_stmt(c, sql, &st)) != 0)
		return r;
	if ((r = where_bind(c, st, n, &next)) == 0 &&
	    (r = sq_step(c, st, &row)) == 0 && row)
		*total = sqlite3_column_int64(st, 0);
	sq_put(c, st);
	return r;
}

/*
 * total_count: from sub_job_counts when the filter has only statuses and
 * job types (a few rows, no scan), else COUNT(*) over an index.
 */
static int
list_total(struct sq_conn *c, const struct norm_filter *n, int64_t *total)
{
	struct buf b;
	int r;

	buf_init(&b);
	if (n->job_id == NULL && n->pool == NULL)
		buf_puts(&b, "SELECT coalesce(sum(n), 0) FROM sub_job_counts");
	else
		buf_puts(&b, "SELECT count(*) FROM sub_jobs");
	where_sql(n, &b);
	r = b.failed ? WJ_ERR_NOMEM : count_query(c, n, b.data, total);
	buf_free(&b);
	return r;
}

static int
list_page(struct sq_conn *c, const struct norm_filter *n, int64_t limit,
    int64_t offset, store_sub_job_cb cb, void *arg)
{
	sqlite3_stmt *st = NULL;
	struct sub_job sj;
	struct buf b;
	int r, row, next;

	buf_init(&b);
	if ((r = page_sql(n, &b)) != 0 || (r = sq_stmt(c, b.data, &st)) != 0)
		goto out;
	if ((r = where_bind(c, st, n, &next)) != 0 ||
	    (r = sq_bind_at(c, st, next, "II", limit, offset)) != 0)
		goto out;
	for (;;) {
		if ((r = sq_step(c, st, &row)) != 0 || !row)
			break;
		list_row(st, &sj);
		if ((r = cb(arg, &sj)) != 0)
			break;
	}
 out:
	sq_put(c, st);
	buf_free(&b);
	return r;
}

int
store_sub_jobs_list(struct store *st, const struct store_list_filter *f,
    int64_t *total, store_sub_job_cb cb, void *arg)
{
	struct norm_filter n;
	struct sq_conn *c;
	int r;

	*total = 0;
	if (f == NULL || f->project_id == NULL || f->limit < 0 ||
	    f->offset < 0 || (f->limit > 0 && cb == NULL))
		return WJ_ERR_INVALID;
	norm_filter(f, &n);
	if (n.none)
		return 0;
	if ((r = sq_reader(st, &c)) != 0 || (r = sq_read_begin(c)) != 0)
		return r;
	if ((r = list_total(c, &n, total)) == 0 && f->limit > 0 &&
	    f->offset < *total)
		r = list_page(c, &n, f->limit, f->offset, cb, arg);
	r = sq_read_end(c, r);
	if (r != 0)
		*total = 0;
	return r;
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
store_job_show(struct store *st, const char *project_id, const char *job_id,
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

static int
retry_op(struct sq_conn *c, struct sq_op *op)
{
	struct retry_arg *a = op->arg;
	int64_t now = wj_now_ms();
	int r, status, any = 0;

	sq_res_add(op, a->job_id);
	sq_res_end(op);
	if ((r = job_status_get(c, a->project_id, a->job_id, &status)) != 0)
		return r;
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

int
store_job_retry(struct store *st, const struct store_actor *actor,
    const char *project_id, const char *job_id, struct wj_errinfo *ei)
{
	struct retry_arg a = { project_id, job_id, ei };
	struct sq_op op;
	int r;

	if (project_id == NULL || job_id == NULL)
		return WJ_ERR_INVALID;
	sq_op_init(&op, retry_op, &a, 1, actor, "workspace:jobs:retry",
	    project_id);
	r = sq_submit(st, &op);
	sq_op_clear(&op);
	return r;
}

/* ---- delete -------------------------------------------------------------- */

int sq_test_prefetch_always;
static int64_t prefetch_found;	/* test hook: sum of the probes' counts */

int64_t
sq_test_prefetch_found(void)
{
	return __atomic_load_n(&prefetch_found, __ATOMIC_RELAXED);
}

/* delete_prefetch: rows read around a probed one, either side */
#define SQ_PREFETCH_AROUND	24
/* ... and this reads the entries of the job's sub-jobs (those begun
 * with the first) in every list index, its jobs and counts rows and the
 * table around its first row; each part counts 1 when it found any.
 * ?1 project, ?2 begin_ms, ?3 status, ?4 job type, ?5 job, ?6 pool,
 * ?7 rowid. */
#define SQ_PREFETCH_PROBE "SELECT " \
	"(SELECT count(*) > 0 FROM sub_jobs INDEXED BY sub_jobs_page WHERE " \
	"  project_id = ?1 AND begin_ms = ?2) + " \
	"(SELECT count(*) > 0 FROM sub_jobs INDEXED BY sub_jobs_status WHERE " \
	"  project_id = ?1 AND status = ?3 AND begin_ms = ?2) + " \
	"(SELECT count(*) > 0 FROM sub_jobs INDEXED BY sub_jobs_type WHERE " \
	"  project_id = ?1 AND job_type = ?4 AND begin_ms = ?2) + " \
	"(SELECT count(*) > 0 FROM sub_jobs INDEXED BY sub_jobs_job WHERE " \
	"  project_id = ?1 AND job_id = ?5) + " \
	"(SELECT count(*) > 0 FROM sub_jobs INDEXED BY sub_jobs_pool WHERE " \
	"  project_id = ?1 AND desktop_pool_id = ?6 AND begin_ms = ?2) + " \
	"(SELECT count(n_success) FROM jobs WHERE project_id = ?1 AND " \
	"  id = ?5) + " \
	"(SELECT count(n) FROM sub_job_counts WHERE project_id = ?1 AND " \
	"  job_type = ?4 AND status = ?3) + " \
	/* the table leaves around the row: a delete may rebalance them */ \
	"(SELECT count(*) > 0 FROM sub_jobs WHERE rowid BETWEEN ?7 - " \
	SQ_STR(SQ_PREFETCH_AROUND) " AND ?7 + " SQ_STR(SQ_PREFETCH_AROUND) ")"

struct delete_arg {
	const char	   *project_id;
	const char *const  *ids;
	size_t		    n;
	int		    status;	/* delete_by_status */
	int64_t		    deleted;	/* out */
	struct wj_errinfo  *ei;
};

/* Start one more refusal in ei: reasons are separated by "; ". */
static void
refuse(struct wj_errinfo *ei, int *nbad)
{
	if ((*nbad)++ > 0)
		wj_errinfo_append(ei, "; ");
}

/* A sub-job a delete by IDs removed: what its counts need. */
struct del_row {
	char	*job_id;
	char	*job_type;
	int	 status;
};

struct del_rows {
	struct del_row	*v;
	size_t		 n;
};

static void
del_rows_free(struct del_rows *rows)
{
	size_t i;

	for (i = 0; i < rows->n; i++) {
		free(rows->v[i].job_id);
		free(rows->v[i].job_type);
	}
	free(rows->v);
}

static int
del_rows_add(struct del_rows *rows, const char *job_id,
    const char *job_type, int status)
{
	struct del_row *d = &rows->v[rows->n];

	if (job_id == NULL || job_type == NULL ||
	    (d->job_id = strdup(job_id)) == NULL)
		return WJ_ERR_NOMEM;
	if ((d->job_type = strdup(job_type)) == NULL) {
		free(d->job_id);
		return WJ_ERR_NOMEM;
	}
	d->status = status;
	rows->n++;
	return 0;
}

/* id names no sub-job of the project: refused if it is a job's ID,
 * otherwise skipped (one listed twice is already gone; DESIGN §4:
 * deleting is idempotent). */
static int
delete_unknown(struct sq_conn *c, struct delete_arg *a, const char *id,
    int *nbad)
{
	int r, job;

	if ((r = sq_exists(c, &job, "SELECT 1 FROM jobs WHERE project_id = ? "
	    "AND id = ?", "tt", a->project_id, id)) == 0 && job) {
		refuse(a->ei, nbad);
		wj_errinfo_append(a->ei, "%s is a job ID, not a sub-job ID",
		    id);
	}
	return r;
}

/*
 * Delete id if it may be deleted, noting the row for the counts; say why
 * not if it is refused (WAITING or RUNNING, or a protected job type).  A
 * refusal anywhere in the request fails the op, and op_run's rollback to
 * its savepoint brings back the rows deleted before it.
 *
 * The row is read through the id index, checked here and deleted by
 * rowid.  Not one DELETE ... RETURNING: SQLite opens a new ephemeral
 * table for the returned rows at each run, and the two plain statements
 * take 15 % less CPU per request (the bench's loop without fsync,
 * 4,670-4,800 against 5,530 requests/s).
 */
static int
delete_take(struct sq_conn *c, struct delete_arg *a, const char *id,
    int *nbad, struct del_rows *rows)
{
	sqlite3_stmt *st = NULL;
	const char *type;
	int64_t rid, n = 0;
	int r, row, status;

	if ((r = sq_stmt(c, "SELECT rowid, job_id, job_type, status FROM "
	    "sub_jobs WHERE id = ? AND project_id = ?", &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "tt", id, a->project_id)) != 0 ||
	    (r = sq_step(c, st, &row)) != 0)
		goto out;
	if (!row) {
		sq_put(c, st);
		return delete_unknown(c, a, id, nbad);
	}
	rid = sqlite3_column_int64(st, 0);
	type = sq_text(st, 2);
	status = sqlite3_column_int(st, 3);
	if (status == JOB_STATUS_WAITING || status == JOB_STATUS_RUNNING) {
		refuse(a->ei, nbad);
		wj_errinfo_append(a->ei, "%s is %s; only SUCCESS or FAILED "
		    "sub-jobs can be deleted", id, job_status_name(status));
	} else if (job_type_protected(type)) {
		refuse(a->ei, nbad);
		wj_errinfo_append(a->ei, "%s has job type %s, which cannot be "
		    "deleted", id, type);
	} else if ((r = del_rows_add(rows, sq_text(st, 1), type,
	    status)) == 0) {
		sq_put(c, st);
		st = NULL;
		if ((r = sq_run(c, &n, "DELETE FROM sub_jobs WHERE rowid = ?",
		    "I", rid)) == 0 && n != 1)
			r = WJ_ERR_INTERNAL;
		if (r == 0)
			a->deleted++;
	}
 out:
	sq_put(c, st);
	return r;
}

static int
delete_chg(struct sq_conn *c, struct delete_arg *a)
{
	int r;

	if ((r = sq_run(c, &a->deleted, "DELETE FROM sub_jobs WHERE rowid IN "
	    "(SELECT rid FROM temp.chg)", "")) != 0)
		return r;
	/* History: deletions change counts only, never status or error. */
	return sq_apply_changes(c, 0, 0);
}

/* How many rows share rows[i]'s job and have status (by_job), or share
 * rows[i]'s job type and status (!by_job, status unused). */
static int64_t
del_count(const struct del_rows *rows, size_t i, int by_job, int status)
{
	const struct del_row *x = &rows->v[i];
	int64_t n = 0;
	size_t j;

	for (j = 0; j < rows->n; j++) {
		const struct del_row *y = &rows->v[j];

		if (by_job ? strcmp(x->job_id, y->job_id) == 0 &&
		    y->status == status : strcmp(x->job_type,
		    y->job_type) == 0 && y->status == x->status)
			n++;
	}
	return n;
}

/* Is rows[i] the first of its group (job, or job type and status)? */
static int
del_first(const struct del_rows *rows, size_t i, int by_job)
{
	const struct del_row *x = &rows->v[i];
	size_t j;

	for (j = 0; j < i; j++) {
		const struct del_row *y = &rows->v[j];

		if (by_job ? strcmp(x->job_id, y->job_id) == 0 :
		    strcmp(x->job_type, y->job_type) == 0 &&
		    y->status == x->status)
			return 0;
	}
	return 1;
}

/*
 * Keep the counts of the deleted rows: the same bookkeeping as
 * sq_apply_changes for a deletion (per-job counts, sub_job_counts; never
 * a job's status or error), in a few keyed statements instead of the
 * set-based ones, for at most WJ_DELETE_IDS_MAX rows.
 */
static int
delete_counts(struct sq_conn *c, struct delete_arg *a,
    const struct del_rows *rows)
{
	size_t i;
	int r;

	for (i = 0; i < rows->n; i++) {
		if (del_first(rows, i, 1) && (r = sq_run(c, NULL,
		    "UPDATE jobs SET n_success = n_success - ?, "
		    "n_failed = n_failed - ? WHERE project_id = ? AND id = ?",
		    "IItt", del_count(rows, i, 1, JOB_STATUS_SUCCESS),
		    del_count(rows, i, 1, JOB_STATUS_FAILED), a->project_id,
		    rows->v[i].job_id)) != 0)
			return r;
		if (del_first(rows, i, 0) && (r = sq_run(c, NULL,
		    "UPDATE sub_job_counts SET n = n - ? WHERE project_id = ? "
		    "AND job_type = ? AND status = ?", "Itti",
		    del_count(rows, i, 0, 0), a->project_id,
		    rows->v[i].job_type, rows->v[i].status)) != 0)
			return r;
	}
	return 0;
}

static int
delete_ids_op(struct sq_conn *c, struct sq_op *op)
{
	struct delete_arg *a = op->arg;
	struct del_rows rows = { NULL, 0 };
	size_t i;
	int r = 0, nbad = 0;

	if (a->n > 0 && (rows.v = calloc(a->n, sizeof(*rows.v))) == NULL)
		return WJ_ERR_NOMEM;
	for (i = 0; i < a->n && r == 0; i++)
		r = delete_take(c, a, a->ids[i], &nbad, &rows);
	if (r == 0 && nbad > 0)
		r = WJ_ERR_INVALID;	/* all or nothing: op_run rolls back */
	if (r == 0)
		r = delete_counts(c, a, &rows);
	del_rows_free(&rows);
	return r;
}

/*
 * Read, on the calling (HTTP) thread, the pages a delete of ids will
 * change: each ID's id index entry and, for a row not next to one already
 * probed, its job's entries in the list indexes, its jobs and counts rows
 * and the table leaves around it.  The pages land in the OS page cache, so
 * the single writer, which would otherwise wait for each cold page in
 * turn, finds them there; many callers read in parallel.  Only while the
 * writer has been reading from the disk (sq_cold): with a warm cache it
 * would only cost CPU.  Best effort: a failure here changes nothing.
 */
static void
delete_prefetch(struct store *st, const char *project_id,
    const char *const *ids, size_t n)
{
	sqlite3_stmt *rid = NULL, *row = NULL, *probe = NULL;
	struct sq_conn *c;
	int64_t r, lo = 1, hi = 0;	/* rows the last probe read around */
	size_t i;
	int found;

	if (n == 0 || (!sq_cold(st) && !sq_test_prefetch_always) ||
	    sq_reader(st, &c) != 0 || sq_read_begin(c) != 0)
		return;
	if (sq_stmt(c, "SELECT rowid FROM sub_jobs WHERE id = ?", &rid) != 0 ||
	    sq_stmt(c, "SELECT job_id, begin_ms, status, job_type, "
	    "desktop_pool_id FROM sub_jobs WHERE rowid = ? AND "
	    "project_id = ?", &row) != 0 ||
	    sq_stmt(c, SQ_PREFETCH_PROBE, &probe) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		/* The id index alone; a row near the last probed one (the
		 * same job, as a rule) needs nothing more. */
		if (sq_bind(c, rid, "t", ids[i]) != 0 ||
		    sq_step(c, rid, &found) != 0)
			break;
		r = found ? sqlite3_column_int64(rid, 0) : 0;
		sqlite3_reset(rid);
		if (!found || (r >= lo && r <= hi))
			continue;
		if (sq_bind(c, row, "It", r, project_id) != 0 ||
		    sq_step(c, row, &found) != 0)
			break;
		if (found && (sq_bind(c, probe, "tIitttI", project_id,
		    (int64_t)sqlite3_column_int64(row, 1),
		    sqlite3_column_int(row, 2), sq_text(row, 3),
		    sq_text(row, 0), sq_text(row, 4), r) != 0 ||
		    sq_step(c, probe, &found) != 0))
			break;
		if (found) {
			__atomic_fetch_add(&prefetch_found,
			    sqlite3_column_int64(probe, 0), __ATOMIC_RELAXED);
			lo = r - SQ_PREFETCH_AROUND;
			hi = r + SQ_PREFETCH_AROUND;
		}
		sqlite3_reset(probe);
		sqlite3_reset(row);
	}
 out:
	sq_put(c, probe);
	sq_put(c, row);
	sq_put(c, rid);
	(void)sq_read_end(c, 0);
}

/* Check the arguments and set up op and a for a delete by IDs. */
static int
delete_ids_init(struct sq_op *op, struct delete_arg *a,
    const struct store_actor *actor, const char *project_id,
    const char *const *ids, size_t n, struct wj_errinfo *ei)
{
	size_t i;

	if (project_id == NULL || (n > 0 && ids == NULL))
		return WJ_ERR_INVALID;
	for (i = 0; i < n; i++)
		if (ids[i] == NULL)
			return WJ_ERR_INVALID;
	if (ei != NULL)
		ei->detail[0] = '\0';
	*a = (struct delete_arg){ project_id, ids, n, 0, 0, ei };
	sq_op_init(op, delete_ids_op, a, 1, actor,
	    "workspace:jobs:deleteSubJobRecords", project_id);
	for (i = 0; i < n; i++)
		sq_res_add(op, ids[i]);
	sq_res_end(op);
	return 0;
}

int
store_sub_jobs_delete(struct store *st, const struct store_actor *actor,
    const char *project_id, const char *const *ids, size_t n,
    struct wj_errinfo *ei)
{
	struct delete_arg a;
	struct sq_op op;
	int r;

	if ((r = delete_ids_init(&op, &a, actor, project_id, ids, n,
	    ei)) != 0)
		return r;
	delete_prefetch(st, project_id, ids, n);
	r = sq_submit(st, &op);
	sq_op_clear(&op);
	return r;
}

/* An asynchronous delete: the op first, so that on_done finds the rest. */
struct delete_async {
	struct sq_op	  op;
	struct delete_arg a;
	store_done_fn	  done;
	void		 *arg;
};

static void
delete_async_done(struct sq_op *op)
{
	struct delete_async *d = (struct delete_async *)(void *)op;
	store_done_fn done = d->done;
	void *arg = d->arg;
	int r = op->result;

	sq_op_clear(op);
	free(d);
	done(arg, r);
}

int
store_sub_jobs_delete_async(struct store *st, const struct store_actor *actor,
    const char *project_id, const char *const *ids, size_t n,
    struct wj_errinfo *ei, store_done_fn done, void *arg)
{
	struct delete_async *d;
	int r;

	if (done == NULL)
		return WJ_ERR_INVALID;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return WJ_ERR_NOMEM;
	if ((r = delete_ids_init(&d->op, &d->a, actor, project_id, ids, n,
	    ei)) != 0) {
		free(d);
		return r;
	}
	delete_prefetch(st, project_id, ids, n);
	d->done = done;
	d->arg = arg;
	d->op.on_done = delete_async_done;
	if ((r = sq_submit_async(st, &d->op)) != 0) {
		sq_op_clear(&d->op);
		free(d);
	}
	return r;
}

static int
delete_status_op(struct sq_conn *c, struct sq_op *op)
{
	struct delete_arg *a = op->arg;
	int r;

	buf_printf(&op->res, "[\"status:%s\"]", job_status_name(a->status));
	/* One set-based pass however many rows match. */
	if ((r = sq_run(c, NULL, "INSERT INTO temp.chg SELECT rowid, "
	    "project_id, job_id, job_type, status, -1 FROM sub_jobs "
	    "WHERE project_id = ? AND status = ? AND "
	    "NOT wj_type_protected(job_type)", "ti", a->project_id,
	    a->status)) != 0)
		return r;
	return delete_chg(c, a);
}

int
store_sub_jobs_delete_by_status(struct store *st,
    const struct store_actor *actor, const char *project_id, int status,
    int64_t *deleted)
{
	struct delete_arg a = { project_id, NULL, 0, status, 0, NULL };
	struct sq_op op;
	int r;

	if (deleted != NULL)
		*deleted = 0;
	if (project_id == NULL ||
	    (status != JOB_STATUS_SUCCESS && status != JOB_STATUS_FAILED))
		return WJ_ERR_INVALID;
	sq_op_init(&op, delete_status_op, &a, 1, actor,
	    "workspace:jobs:deleteSubJobRecords", project_id);
	op.alone = 1;		/* any number of rows */
	if ((r = sq_submit(st, &op)) == 0 && deleted != NULL)
		*deleted = a.deleted;
	sq_op_clear(&op);
	return r;
}

/* ---- observability ------------------------------------------------------- */

int
store_count_by_status(struct store *st, int64_t out[JOB_STATUS_COUNT])
{
	sqlite3_stmt *s = NULL;
	struct sq_conn *c;
	int r, row, k;

	memset(out, 0, sizeof(int64_t) * JOB_STATUS_COUNT);
	if ((r = sq_reader(st, &c)) != 0)
		return r;
	if ((r = sq_stmt(c, "SELECT status, sum(n) FROM sub_job_counts "
	    "GROUP BY status", &s)) != 0)
		return r;
	for (;;) {
		if ((r = sq_step(c, s, &row)) != 0 || !row)
			break;
		k = sqlite3_column_int(s, 0);
		if (k >= 0 && k < JOB_STATUS_COUNT)
			out[k] = sqlite3_column_int64(s, 1);
	}
	sq_put(c, s);
	return r;
}
