/*
 * audit.c - the SQLite engine's write ops' envelope: setting an op up
 * (sq_op_init; its audit part is the engines' shared one, envelope.c)
 * and writing its audit_events row into the op's transaction.
 */
#include <string.h>

#include "sqlite_int.h"

void
sq_op_init(struct sq_op *op, sq_op_fn fn, void *arg, int audit,
    const struct store_actor *actor, const char *action,
    const char *project_id)
{
	memset(op, 0, sizeof(*op));
	op->fn = fn;
	op->arg = arg;
	store_audit_init(&op->aud, audit, actor, action, project_id);
}

void
sq_op_clear(struct sq_op *op)
{
	store_audit_clear(&op->aud);
}

int
sq_audit_insert(struct sq_conn *c, struct sq_op *op, int result)
{
	struct store_audit_row w;
	int r;

	if ((r = store_audit_row(&op->aud, result, &w)) != 0)
		return r;
	return sq_run(c, NULL, "INSERT INTO audit_events (time_ms, "
	    "request_id, user_id, action, project_id, resource_ids, outcome, "
	    "trace_name, user_name, domain_id, domain_name, source_ip, via, "
	    "code, request, record_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ItttttttttttiitI",
	    w.time_ms, w.request_id, w.user_id, w.action, w.project_id,
	    w.resource_ids, w.outcome, w.trace_name, w.user_name, w.domain_id,
	    w.domain_name, w.source_ip, w.via, w.code, w.request, w.record_ms);
}
