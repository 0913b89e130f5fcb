/*
 * list.c - ListItaSubJobs on SQLite: the filter normalised, the total from
 * the counts the writes keep where the filter allows (a scan otherwise),
 * the page in the order of docs/API.md#listitasubjobs; and the counts by
 * status for /metrics.
 *
 * Where the page starts: a filter of statuses only (or none) is placed by
 * the blocks of sub_job_blocks (the counts of the blocks of one status,
 * or of all sub-jobs, summed inside the statement by an SQL function of
 * the reader connections up to the block that holds the offset), then
 * at most a block's rows are skipped from that block's first key; other
 * filters skip every row before the page (docs/ARCHITECTURE.md#list-pages).
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

/* ---- list ---------------------------------------------------------------- */

/* " WHERE project_id = ? AND ..." with statuses inline; by_counts leaves
 * out what sub_job_counts has no column for. */
static void
where_sql(const struct store_norm_filter *n, struct buf *b)
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
where_bind(struct sq_conn *c, sqlite3_stmt *st,
    const struct store_norm_filter *n, int *next)
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

/* The filter has only statuses (or none): sub_job_blocks can place it. */
static int
by_blocks(const struct store_norm_filter *n)
{
	return n->n_type == 0 && n->job_id == NULL && n->pool == NULL;
}

/*
 * seek: from the block key bound after the filter's parameters.  Filters
 * of statuses are in (nb, id) order, the same as begin_ms DESC, id, which
 * the indexes of only statuses have (SQLite cannot seek a row value on a
 * DESC column); several statuses walk sub_jobs_page, whose entries carry
 * the status.
 */
static int
page_sql(const struct store_norm_filter *n, int seek, struct buf *b)
{
	buf_puts(b, "SELECT " LIST_COLS " FROM sub_jobs");
	where_sql(n, b);
	if (!by_blocks(n))
		buf_puts(b, " ORDER BY begin_ms DESC, id");
	else {
		if (seek)
			buf_puts(b, " AND (nb, id) >= (?, ?)");
		buf_puts(b, " ORDER BY nb, id");
	}
	buf_puts(b, " LIMIT ? OFFSET ?");
	return b->failed ? WJ_ERR_NOMEM : 0;
}

int
sq_list_page_sql(const struct store_list_filter *f, int seek,
    struct buf *sql, int *none)
{
	struct store_norm_filter n;

	store_norm_filter(f, &n);
	*none = n.none;
	return page_sql(&n, seek && by_blocks(&n), sql);
}

/* One-value query (COUNT/SUM) with the filter's parameters. */
static int
count_query(struct sq_conn *c, const struct store_norm_filter *n,
    const char *sql, int64_t *total)
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
list_total(struct sq_conn *c, const struct store_norm_filter *n,
    int64_t *total)
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

/* Where a page starts: at the first key of a block, skip rows after it. */
struct page_start {
	int	seek;		/* else from the project's first row */
	int64_t	nb;
	char	id[WJ_ID_LEN + 1];
	int64_t	skip;
};

/*
 * The set of sub_job_blocks that places the filter (one status: its own;
 * none or several: 4, all sub-jobs) and the filter's count in a row of it.
 */
static int
block_set_sql(const struct store_norm_filter *n, struct buf *b)
{
	size_t i;

	if (n->n_status == 1) {
		buf_printf(b, "n%d", n->status[0]);
		return n->status[0];
	}
	if (n->n_status == 0)
		buf_puts(b, "n0 + n1 + n2 + n3");
	for (i = 0; i < n->n_status; i++)
		buf_printf(b, "%sn%d", i ? " + " : "", n->status[i]);
	return 4;
}

/*
 * wj_block_sum(p, n), p a struct block_sum bound with sqlite3_bind_pointer:
 * while the sum with n stays at or below the offset, adds n and is 0 (the
 * block lies before the offset), else 1 (the block holds it).  The
 * statement sums in its scan order without a step back to C per block.
 */
#define BLOCK_SUM "wj_block_sum"

struct block_sum {
	int64_t	sum;
	int64_t	offset;
};

static void
fn_block_sum(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct block_sum *p;
	int64_t k;

	(void)argc;
	if ((p = sqlite3_value_pointer(argv[0], BLOCK_SUM)) == NULL) {
		sqlite3_result_error(ctx, BLOCK_SUM ": no sum bound", -1);
		return;
	}
	k = sqlite3_value_int64(argv[1]);
	if (p->sum + k > p->offset) {
		sqlite3_result_int(ctx, 1);
		return;
	}
	p->sum += k;
	sqlite3_result_int(ctx, 0);
}

int
sq_list_functions(sqlite3 *db)
{
	return sqlite3_create_function_v2(db, BLOCK_SUM, 2,
	    SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, fn_block_sum, NULL, NULL,
	    NULL);
}

/*
 * The block holding the offset-th row of the filter: the first block of
 * its set, in list order, at which the filter's counts summed by
 * wj_block_sum pass the offset.  Not found (the blocks hold fewer rows):
 * ps->skip = -1.
 */
static int
block_find(struct sq_conn *c, const struct store_norm_filter *n,
    int64_t offset, struct page_start *ps)
{
	struct block_sum bs = { 0, offset };
	sqlite3_stmt *st = NULL;
	struct buf b;
	int r, rc, row, set;

	ps->seek = 1;
	ps->skip = -1;
	buf_init(&b);
	buf_puts(&b, "SELECT nb, id FROM sub_job_blocks WHERE project_id = ? "
	    "AND s = ? AND " BLOCK_SUM "(?, ");
	set = block_set_sql(n, &b);
	buf_puts(&b, ") ORDER BY nb, id LIMIT 1");
	if (b.failed) {
		r = WJ_ERR_NOMEM;
		goto out;
	}
	if ((r = sq_stmt(c, b.data, &st)) != 0 ||
	    (r = sq_bind(c, st, "ti", n->project_id, set)) != 0)
		goto out;
	if ((rc = sqlite3_bind_pointer(st, 3, &bs, BLOCK_SUM, NULL)) !=
	    SQLITE_OK) {
		r = sq_fail(c, rc, "bind");
		goto out;
	}
	if ((r = sq_step(c, st, &row)) != 0 || !row)
		goto out;
	if ((r = sq_copy(ps->id, sizeof(ps->id), sq_text(st, 1))) != 0)
		goto out;
	ps->nb = sqlite3_column_int64(st, 0);
	ps->skip = offset - bs.sum;
 out:
	sq_put(c, st);
	buf_free(&b);
	return r;
}

/*
 * Where the page at offset starts.  A short walk costs less than summing
 * blocks: below SQ_SEEK_MIN rows plain OFFSET, except for several
 * statuses, whose first rows may lie anywhere in the project's order.
 */
static int
page_start(struct sq_conn *c, const struct store_norm_filter *n,
    int64_t offset, struct page_start *ps)
{
	memset(ps, 0, sizeof(*ps));
	ps->skip = offset;
	if (!by_blocks(n) || (offset < SQ_SEEK_MIN && n->n_status < 2))
		return 0;
	return block_find(c, n, offset, ps);
}

static int
list_page(struct sq_conn *c, const struct store_norm_filter *n,
    int64_t limit, int64_t offset, store_sub_job_cb cb, void *arg)
{
	sqlite3_stmt *st = NULL;
	struct page_start ps;
	struct sub_job sj;
	struct buf b;
	int r, row, next;

	buf_init(&b);
	if ((r = page_start(c, n, offset, &ps)) != 0 || ps.skip < 0)
		goto out;
	if ((r = page_sql(n, ps.seek, &b)) != 0 ||
	    (r = sq_stmt(c, b.data, &st)) != 0)
		goto out;
	if ((r = where_bind(c, st, n, &next)) != 0)
		goto out;
	if (ps.seek && (r = sq_bind_at(c, st, next, "It", ps.nb, ps.id)) != 0)
		goto out;
	if ((r = sq_bind_at(c, st, next + 2 * ps.seek, "II", limit,
	    ps.skip)) != 0)
		goto out;
	for (;;) {
		if ((r = sq_step(c, st, &row)) != 0 || !row)
			break;
		sq_list_row(st, &sj);
		if ((r = cb(arg, &sj)) != 0)
			break;
	}
 out:
	sq_put(c, st);
	buf_free(&b);
	return r;
}

int
sq_store_sub_jobs_list(struct sq_store *st, const struct store_list_filter *f,
    int64_t *total, store_sub_job_cb cb, void *arg)
{
	struct store_norm_filter n;
	struct sq_conn *c;
	int r;

	*total = 0;
	if (f == NULL || f->project_id == NULL || f->limit < 0 ||
	    f->offset < 0 || (f->limit > 0 && cb == NULL))
		return WJ_ERR_INVALID;
	store_norm_filter(f, &n);
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

/* ---- observability ------------------------------------------------------- */

int
sq_store_count_by_status(struct sq_store *st, int64_t out[JOB_STATUS_COUNT])
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
