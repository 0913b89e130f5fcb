/*
 * audit.c - the write ops' envelope: setting an op up (sq_op_init), the
 * resource ids it touches, and the audit_events row that goes into the
 * same transaction as the op (who, what, which project, the outcome).
 */
#include <stdarg.h>
#include <stdio.h>
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
	op->audit = audit;
	op->actor = actor;
	op->action = action;
	buf_init(&op->res);
	/* Project IDs are at most WJ_PARAM_MAX; longer ones never match. */
	if (project_id != NULL && sq_copy(op->project,
	    sizeof(op->project), project_id) != 0)
		op->project[0] = '\0';
}

void
sq_op_clear(struct sq_op *op)
{
	buf_free(&op->res);
}

void
sq_res_add(struct sq_op *op, const char *id)
{
	buf_putc(&op->res, op->res.len == 0 ? '[' : ',');
	buf_json_string(&op->res, id, strlen(id));
}

void
sq_res(struct sq_op *op, ...)
{
	const char *id;
	va_list ap;

	va_start(ap, op);
	while ((id = va_arg(ap, const char *)) != NULL)
		sq_res_add(op, id);
	va_end(ap);
	sq_res_end(op);
}

void
sq_res_end(struct sq_op *op)
{
	if (op->res.len > 0)
		buf_putc(&op->res, ']');
}

int
sq_audit_insert(struct sq_conn *c, struct sq_op *op, int result)
{
	static const struct store_actor none;
	const struct store_actor *a = op->actor != NULL ? op->actor : &none;
	const char *action = op->action, *outcome;
	char text[128];
	int64_t now = wj_now_ms();

	if (op->res.failed)
		return WJ_ERR_NOMEM;
	if (a->action != NULL)
		action = a->action;
	outcome = store_audit_outcome(result, op->outcome, text,
	    sizeof(text));
	return sq_run(c, NULL, "INSERT INTO audit_events (time_ms, "
	    "request_id, user_id, action, project_id, resource_ids, outcome, "
	    "trace_name, user_name, domain_id, domain_name, source_ip, via, "
	    "code, request, record_ms) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    "ItttttttttttiitI", a->time_ms > 0 ? a->time_ms : now,
	    a->request_id, a->user_id, action != NULL ? action : "unknown",
	    op->project[0] != '\0' ? op->project : NULL,
	    op->res.len > 0 ? op->res.data : NULL, outcome, a->trace_name,
	    a->user_name, a->domain_id, a->domain_name, a->source_ip, a->via,
	    store_actor_status(a, result), a->request, now);
}
