/*
 * traces.c - the audit trail read back on SQLite (store_traces_list): a
 * project's audit rows newest first through the (project_id, time_ms
 * DESC, id DESC) index, with the filters of docs/API.md#listtraces and
 * the keyset marker of the previous page; and the retention's pruning
 * in bounded batches (store_audit_prune).
 */
#include <stdint.h>
#include <string.h>

#include "sqlite_int.h"

#define TRACE_COLS "id, time_ms, record_ms, request_id, user_id, " \
	"user_name, domain_id, domain_name, action, trace_name, " \
	"resource_ids, outcome, source_ip, request, code, via"

/*
 * One statement for every filter: an absent one is NULL (or 0) and
 * matches everything.  The time range (?2, ?3) bounds the index scan;
 * the marker's own millisecond is narrowed by id (?8, ?9).
 */
static const char list_sql[] =
	"SELECT " TRACE_COLS " FROM audit_events "
	"WHERE project_id = ?1 AND time_ms > ?2 AND time_ms < ?3 "
	"AND (?4 IS NULL OR user_name = ?4) "
	"AND (?5 IS NULL OR trace_name = ?5 OR "
	"  (trace_name IS NULL AND action = ?5)) "
	"AND (?6 IS NULL OR EXISTS (SELECT 1 FROM json_each(resource_ids) "
	"  WHERE value = ?6)) "
	"AND (?7 = 0 OR id = ?7) "
	"AND (?8 = 0 OR time_ms < ?9 OR id < ?8) "
	"ORDER BY time_ms DESC, id DESC LIMIT ?10";

static int64_t
col64(sqlite3_stmt *st, int col)
{
	return sqlite3_column_int64(st, col);
}

static void
trace_row(sqlite3_stmt *st, struct store_trace *t)
{
	memset(t, 0, sizeof(*t));
	t->id = col64(st, 0);
	t->time_ms = col64(st, 1);
	t->record_ms = sqlite3_column_type(st, 2) == SQLITE_NULL ?
	    t->time_ms : col64(st, 2);
	t->request_id = sq_text(st, 3);
	t->user_id = sq_text(st, 4);
	t->user_name = sq_text(st, 5);
	t->domain_id = sq_text(st, 6);
	t->domain_name = sq_text(st, 7);
	t->action = sq_text(st, 8);
	t->trace_name = sq_text(st, 9);
	t->resource_ids = sq_text(st, 10);
	t->outcome = sq_text(st, 11);
	t->source_ip = sq_text(st, 12);
	t->request = sq_text(st, 13);
	t->code = sqlite3_column_int(st, 14);
	t->via = sqlite3_column_int(st, 15);
}

static int
list_rows(struct sq_conn *c, const struct store_trace_filter *f,
    store_trace_cb cb, void *arg)
{
	sqlite3_stmt *st = NULL;
	struct store_trace t;
	int64_t lo, hi;
	int r, row;

	store_traces_range(f, &lo, &hi);
	if (lo >= hi - 1)
		return 0;
	if ((r = sq_stmt(c, list_sql, &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "tIIttt", f->project_id, lo, hi, f->user_name,
	    f->trace_name, f->resource_id)) != 0 ||
	    (r = sq_bind_at(c, st, 7, "IIIi", f->id, f->after_id,
	    f->after_time_ms, f->limit)) != 0)
		goto out;
	for (;;) {
		if ((r = sq_step(c, st, &row)) != 0 || !row)
			break;
		trace_row(st, &t);
		if ((r = cb(arg, &t)) != 0)
			break;
	}
 out:
	sq_put(c, st);
	return r;
}

int
sq_store_traces_list(struct sq_store *st, const struct store_trace_filter *f,
    store_trace_cb cb, void *arg)
{
	struct sq_conn *c;
	int r;

	if (!store_traces_filter_ok(f) || cb == NULL)
		return WJ_ERR_INVALID;
	if ((r = sq_reader(st, &c)) != 0 || (r = sq_read_begin(c)) != 0)
		return r;
	r = list_rows(c, f, cb, arg);
	return sq_read_end(c, r);
}

/* ---- retention ----------------------------------------------------------- */

struct prune_arg {
	int64_t	before;
	int	max;
	int64_t	n;		/* out */
};

/*
 * By insertion order (the rowid), which follows time closely: the first
 * row at or after the cut-off ends the run, so a pass reads no more than
 * the rows it deletes.
 */
static int
prune_op(struct sq_conn *c, struct sq_op *op)
{
	struct prune_arg *a = op->arg;

	return sq_run(c, &a->n, "DELETE FROM audit_events WHERE id IN ("
	    "SELECT id FROM audit_events WHERE id < coalesce((SELECT id "
	    "FROM audit_events WHERE time_ms >= ?1 ORDER BY id LIMIT 1), "
	    "9223372036854775807) ORDER BY id LIMIT ?2)", "Ii", a->before,
	    a->max);
}

int
sq_store_audit_prune(struct sq_store *st, int64_t before_ms, int max,
    int64_t *n)
{
	struct prune_arg a = { before_ms, max, 0 };
	struct sq_op op;
	int r;

	*n = 0;
	if (max < 1)
		return WJ_ERR_INVALID;
	sq_op_init(&op, prune_op, &a, 0, NULL, NULL, NULL);
	if ((r = sq_submit(st, &op)) == 0)
		*n = a.n;
	sq_op_clear(&op);
	return r;
}
