/*
 * traces.c - the audit trail read back on PostgreSQL (store_traces_list),
 * as sqlite/traces.c: a project's audit rows newest first through the
 * (project_id, time_ms DESC, id DESC) index, the filters of
 * docs/API.md#listtraces and the keyset marker; and the retention's
 * pruning in bounded batches (store_audit_prune).
 */
#include <stdint.h>
#include <string.h>

#include "pg_int.h"

#define TRACE_COLS "id, time_ms, coalesce(record_ms, time_ms), " \
	"request_id, user_id, user_name, domain_id, domain_name, action, " \
	"trace_name, resource_ids, outcome, source_ip, request, " \
	"coalesce(code, 0), via"

/*
 * One statement for every filter, absent ones NULL (or 0); the time
 * range ($2, $3) bounds the index scan, the marker's own millisecond is
 * narrowed by id ($8, $9).
 */
static const char list_sql[] =
	"SELECT " TRACE_COLS " FROM audit_events "
	"WHERE project_id = $1 AND time_ms > $2 AND time_ms < $3 "
	"AND ($4::text IS NULL OR user_name = $4) "
	"AND ($5::text IS NULL OR trace_name = $5 OR "
	"  (trace_name IS NULL AND action = $5)) "
	"AND ($6::text IS NULL OR (resource_ids IS NOT NULL AND "
	"  resource_ids::jsonb ? $6)) "
	"AND ($7::bigint = 0 OR id = $7) "
	"AND ($8::bigint = 0 OR time_ms < $9 OR id < $8) "
	"ORDER BY time_ms DESC, id DESC LIMIT $10";

struct list_ctx {
	store_trace_cb cb;
	void	      *arg;
	int	       stopped;	/* the callback's non-zero return */
};

static int
trace_row(const struct pg_row *w, void *arg)
{
	struct list_ctx *x = arg;
	struct store_trace t;
	int r;

	memset(&t, 0, sizeof(t));
	t.id = pg_bigint(w, 0);
	t.time_ms = pg_bigint(w, 1);
	t.record_ms = pg_bigint(w, 2);
	t.request_id = pg_text(w, 3);
	t.user_id = pg_text(w, 4);
	t.user_name = pg_text(w, 5);
	t.domain_id = pg_text(w, 6);
	t.domain_name = pg_text(w, 7);
	t.action = pg_text(w, 8);
	t.trace_name = pg_text(w, 9);
	t.resource_ids = pg_text(w, 10);
	t.outcome = pg_text(w, 11);
	t.source_ip = pg_text(w, 12);
	t.request = pg_text(w, 13);
	t.code = pg_int(w, 14);
	t.via = pg_int(w, 15);
	if ((r = x->cb(x->arg, &t)) != 0)
		x->stopped = r;
	return r;
}

int
pg_store_traces_list(struct pg_store *st, const struct store_trace_filter *f,
    store_trace_cb cb, void *arg)
{
	struct list_ctx x = { cb, arg, 0 };
	struct pg_conn *c;
	PGresult *res = NULL;
	int64_t lo, hi;
	int r;

	if (!store_traces_filter_ok(f) || cb == NULL)
		return WJ_ERR_INVALID;
	store_traces_range(f, &lo, &hi);
	if (lo >= hi - 1)
		return 0;
	if ((r = pg_reader(st, &c)) != 0)
		return r;
	r = pg_query(c, &res, list_sql, "tIItttIIIi", f->project_id, lo, hi,
	    f->user_name, f->trace_name, f->resource_id, f->id, f->after_id,
	    f->after_time_ms, f->limit);
	pg_reader_put(st, c);
	if (r != 0)
		return r;
	r = pg_each(res, 0, trace_row, &x);
	PQclear(res);
	return x.stopped != 0 ? x.stopped : r;
}

/* ---- retention ----------------------------------------------------------- */

struct prune_arg {
	int64_t	before;
	int	max;
	int64_t	n;		/* out */
};

/* By insertion order (the id), which follows time closely, as SQLite. */
static int
prune_op(struct pg_conn *c, struct pg_op *op)
{
	struct prune_arg *a = op->arg;

	return pg_run(c, &a->n, "DELETE FROM audit_events WHERE id IN ("
	    "SELECT id FROM audit_events WHERE id < coalesce((SELECT min(id) "
	    "FROM audit_events WHERE time_ms >= $1), "
	    "9223372036854775807) ORDER BY id LIMIT $2)", "Ii", a->before,
	    a->max);
}

int
pg_store_audit_prune(struct pg_store *st, int64_t before_ms, int max,
    int64_t *n)
{
	struct prune_arg a = { before_ms, max, 0 };
	struct pg_op op;
	int r;

	*n = 0;
	if (max < 1)
		return WJ_ERR_INVALID;
	pg_op_init(&op, prune_op, &a, 0, NULL, NULL, NULL);
	if ((r = pg_submit(st, &op)) == 0)
		*n = a.n;
	pg_op_clear(&op);
	return r;
}
