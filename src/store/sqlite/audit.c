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
	const struct store_actor *a = op->actor;
	const char *action = op->action, *outcome;
	char text[128];

	if (op->res.failed)
		return WJ_ERR_NOMEM;
	if (a != NULL && a->action != NULL)
		action = a->action;
	if (result == 0)
		outcome = op->outcome != NULL ? op->outcome : "success";
	else {
		(void)snprintf(text, sizeof(text), "error: %s",
		    wj_strerror(result));
		outcome = text;
	}
	return sq_run(c, NULL, "INSERT INTO audit_events (time_ms, "
	    "request_id, user_id, action, project_id, resource_ids, outcome) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)", "Itttttt", (int64_t)wj_now_ms(),
	    a != NULL ? a->request_id : NULL, a != NULL ? a->user_id : NULL,
	    action != NULL ? action : "unknown",
	    op->project[0] != '\0' ? op->project : NULL,
	    op->res.len > 0 ? op->res.data : NULL, outcome);
}
