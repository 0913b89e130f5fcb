/*
 * list.c - ListItaSubJobs on PostgreSQL: the filter normalised as on
 * SQLite, the total from the striped counts the writes keep where the
 * filter allows (a count over an index otherwise) and the page in the
 * order of docs/API.md#listitasubjobs, both in one statement (one round
 * trip, one snapshot); and the counts by status for /metrics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

/* ---- list ---------------------------------------------------------------- */

/*
 * The statement's text parameters: $1 the project, then the job types,
 * the job ID and the pool as given, then the limit and the offset.
 */
#define LIST_PARAMS (1 + WJ_LIST_FILTER_VALUES + 2 + 2)

struct list_q {
	struct buf  sql;
	const char *p[LIST_PARAMS];
	int	    np;
	char	    limit[24], offset[24];
};

/* " WHERE project_id = $1 AND ..." with statuses inline; the parameters
 * numbered from $2 in the order of list_q.p. */
static void
where_sql(const struct store_norm_filter *n, struct buf *b)
{
	size_t i;
	int k = 2;

	buf_puts(b, " WHERE project_id = $1");
	if (n->n_status == 1)
		buf_printf(b, " AND status = %d", n->status[0]);
	else if (n->n_status > 1) {
		buf_puts(b, " AND status IN (");
		for (i = 0; i < n->n_status; i++)
			buf_printf(b, "%s%d", i ? ", " : "", n->status[i]);
		buf_putc(b, ')');
	}
	if (n->n_type == 1)
		buf_printf(b, " AND job_type = $%d", k++);
	else if (n->n_type > 1) {
		buf_puts(b, " AND job_type IN (");
		for (i = 0; i < n->n_type; i++)
			buf_printf(b, "%s$%d", i ? ", " : "", k++);
		buf_putc(b, ')');
	}
	if (n->job_id != NULL)
		buf_printf(b, " AND job_id = $%d", k++);
	if (n->pool != NULL)
		buf_printf(b, " AND desktop_pool_id = $%d", k++);
}

/*
 * The columns a list page shows (the first 15 of PG_SUB_JOB_COLS: no
 * desktop pool, attempts or lease), decoded by pg_list_row.
 */
#define LIST_COLS "id, job_id, project_id, job_type, status, " \
	"begin_ms, end_ms, process, error_code, fail_reason, host, " \
	"entities, attach_user, entity, ip_address"
#define LIST_NCOLS 15

/*
 * One statement: the page's columns (NULL on the one row of an empty
 * page), then the total (column LIST_NCOLS, on every row).  The total
 * comes from sub_job_counts when the filter has only statuses and job
 * types (a few rows per stripe, no scan), else from a count over an
 * index.
 */
static void
list_sql(const struct store_norm_filter *n, struct buf *b)
{
	int k;

	if (n->job_id == NULL && n->pool == NULL)
		buf_puts(b, "WITH t AS (SELECT coalesce(sum(n), 0)::bigint "
		    "AS total FROM sub_job_counts");
	else
		buf_puts(b, "WITH t AS (SELECT count(*) AS total "
		    "FROM sub_jobs");
	where_sql(n, b);
	buf_puts(b, ") SELECT p.*, t.total FROM t LEFT JOIN LATERAL "
	    "(SELECT " LIST_COLS " FROM sub_jobs");
	where_sql(n, b);
	k = 2 + (int)n->n_type + (n->job_id != NULL) + (n->pool != NULL);
	buf_printf(b, " ORDER BY begin_ms DESC, id LIMIT $%d OFFSET $%d) "
	    "AS p ON true ORDER BY p.begin_ms DESC, p.id", k, k + 1);
}

/* The statement and its parameters for n (limit and offset too). */
static int
list_query(const struct store_norm_filter *n, int64_t limit, int64_t offset,
    struct list_q *q)
{
	size_t i;

	q->np = 0;
	q->p[q->np++] = n->project_id;
	for (i = 0; i < n->n_type; i++)
		q->p[q->np++] = n->type[i];
	if (n->job_id != NULL)
		q->p[q->np++] = n->job_id;
	if (n->pool != NULL)
		q->p[q->np++] = n->pool;
	snprintf(q->limit, sizeof(q->limit), "%lld", (long long)limit);
	snprintf(q->offset, sizeof(q->offset), "%lld", (long long)offset);
	q->p[q->np++] = q->limit;
	q->p[q->np++] = q->offset;
	list_sql(n, &q->sql);
	return q->sql.failed ? WJ_ERR_NOMEM : 0;
}

int
pg_list_sql(const struct store_list_filter *f, struct buf *sql,
    const char **p, int *np, int *none)
{
	struct store_norm_filter n;
	struct list_q q;
	int r, i;

	store_norm_filter(f, &n);
	*none = n.none;
	memset(&q, 0, sizeof(q));
	buf_init(&q.sql);
	if ((r = list_query(&n, f->limit, f->offset, &q)) == 0) {
		buf_puts(sql, q.sql.data);
		r = sql->failed ? WJ_ERR_NOMEM : 0;
	}
	/* The limit and offset are the caller's to give as text. */
	for (i = 0; i < q.np - 2; i++)
		p[i] = q.p[i];
	*np = q.np - 2;
	buf_free(&q.sql);
	return r;
}

struct list_walk {
	int64_t		*total;
	int		 first;
	store_sub_job_cb cb;
	void		*arg;
};

static int
list_row(const struct pg_row *w, void *arg)
{
	struct list_walk *lw = arg;
	struct sub_job sj;

	if (lw->first) {
		*lw->total = pg_bigint(w, LIST_NCOLS);
		lw->first = 0;
	}
	if (pg_isnull(w, 0))
		return 0;	/* an empty page */
	pg_list_row(w, &sj);
	return lw->cb != NULL ? lw->cb(lw->arg, &sj) : 0;
}

int
pg_store_sub_jobs_list(struct pg_store *st, const struct store_list_filter *f,
    int64_t *total, store_sub_job_cb cb, void *arg)
{
	struct list_walk lw = { total, 1, cb, arg };
	struct store_norm_filter n;
	struct list_q q;
	int r;

	*total = 0;
	if (f == NULL || f->project_id == NULL || f->limit < 0 ||
	    f->offset < 0 || (f->limit > 0 && cb == NULL))
		return WJ_ERR_INVALID;
	store_norm_filter(f, &n);
	if (n.none)
		return 0;
	memset(&q, 0, sizeof(q));
	buf_init(&q.sql);
	if ((r = list_query(&n, f->limit, f->offset, &q)) == 0)
		r = pg_rows(st, q.sql.data, q.p, q.np, 0, list_row, &lw);
	buf_free(&q.sql);
	if (r != 0)
		*total = 0;
	return r;
}

/* ---- observability ------------------------------------------------------- */

static int
status_row(const struct pg_row *w, void *arg)
{
	int64_t *out = arg;
	int k = pg_int(w, 0);

	if (k >= 0 && k < JOB_STATUS_COUNT)
		out[k] = pg_bigint(w, 1);
	return 0;
}

int
pg_store_count_by_status(struct pg_store *st, int64_t out[JOB_STATUS_COUNT])
{
	memset(out, 0, sizeof(int64_t) * JOB_STATUS_COUNT);
	return pg_rows(st, "SELECT status, sum(n)::bigint FROM sub_job_counts "
	    "GROUP BY status", NULL, 0, 0, status_row, out);
}
