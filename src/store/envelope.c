/*
 * envelope.c - the audit part of a write op, the same for every engine:
 * setting it up, the resource ids the op touches, and the values of the
 * audit_events row that goes into the op's transaction (who, what, which
 * project, the outcome, the status).  Each engine's audit.c writes the
 * row with its own SQL.
 */
#include <stdarg.h>
#include <string.h>

#include "engine.h"

void
store_audit_init(struct store_audit *au, int audit,
    const struct store_actor *actor, const char *action,
    const char *project_id)
{
	memset(au, 0, sizeof(*au));
	au->audit = audit;
	au->actor = actor;
	au->action = action;
	buf_init(&au->res);
	/* Project IDs are at most WJ_PARAM_MAX; longer ones never match. */
	if (project_id != NULL && strlen(project_id) < sizeof(au->project))
		memcpy(au->project, project_id, strlen(project_id) + 1);
}

void
store_audit_clear(struct store_audit *au)
{
	buf_free(&au->res);
}

void
store_res_add(struct store_audit *au, const char *id)
{
	buf_putc(&au->res, au->res.len == 0 ? '[' : ',');
	buf_json_string(&au->res, id, strlen(id));
}

void
store_res_end(struct store_audit *au)
{
	if (au->res.len > 0)
		buf_putc(&au->res, ']');
}

void
store_res(struct store_audit *au, ...)
{
	const char *id;
	va_list ap;

	va_start(ap, au);
	while ((id = va_arg(ap, const char *)) != NULL)
		store_res_add(au, id);
	va_end(ap);
	store_res_end(au);
}

int
store_audit_row(const struct store_audit *au, int result,
    struct store_audit_row *w)
{
	static const struct store_actor none;
	const struct store_actor *a = au->actor != NULL ? au->actor : &none;
	const char *action = a->action != NULL ? a->action : au->action;
	int64_t now = wj_now_ms();

	if (au->res.failed)
		return WJ_ERR_NOMEM;
	*w = (struct store_audit_row){
		.time_ms = a->time_ms > 0 ? a->time_ms : now,
		.request_id = a->request_id,
		.user_id = a->user_id,
		.action = action != NULL ? action : "unknown",
		.project_id = au->project[0] != '\0' ? au->project : NULL,
		.resource_ids = au->res.len > 0 ? au->res.data : NULL,
		.trace_name = a->trace_name,
		.user_name = a->user_name,
		.domain_id = a->domain_id,
		.domain_name = a->domain_name,
		.source_ip = a->source_ip,
		.via = a->via,
		.code = store_actor_status(a, result),
		.request = a->request,
		.record_ms = now,
	};
	w->outcome = store_audit_outcome(result, au->outcome, w->text,
	    sizeof(w->text));
	return 0;
}
