/*
 * api_jobs.c - ShowJob and RunActionsOnWorkspaceJob (retry)
 * (spec/jobs-api.md §4 and §5, DESIGN §4).
 */
#include <string.h>

#include "api.h"

static int
emit_job(void *arg, const struct job *j)
{
	struct jw *w = arg;

	job_to_json_open(w, j);
	return w->b->failed ? WJ_ERR_NOMEM : 0;
}

static int
emit_sub_job(void *arg, const struct sub_job *s)
{
	struct jw *w = arg;

	sub_job_to_json(w, s, 0);
	return w->b->failed ? WJ_ERR_NOMEM : 0;
}

int
api_jobs_show(struct api_req *r)
{
	struct buf b;
	struct jw w;
	int e;

	buf_init(&b);
	jw_init(&w, &b);
	e = store_job_show(r->api->store, r->project_id, r->http->params[1],
	    emit_job, emit_sub_job, &w);
	if (e == 0) {
		job_to_json_close(&w);
		e = api_reply(r, 200, &b);
	}
	buf_free(&b);
	return e;
}

int
api_jobs_action(struct api_req *r)
{
	const char *job_id = r->http->params[1], *op = NULL;
	json_t *doc = NULL;
	struct buf b;
	struct jw w;
	int e;

	buf_init(&b);
	if ((e = api_body_object(r, &doc)) != 0 ||
	    (e = api_json_str(r, doc, "op_type", 1, 255, 1, &op)) != 0)
		goto out;
	/* DESIGN §4: retry is the only action. */
	if (strcmp(op, "retry") != 0) {
		wj_errinfo_set(&r->err, "op_type must be retry");
		e = WJ_ERR_INVALID;
		goto out;
	}
	if ((e = store_job_retry(r->api->store, &r->actor, r->project_id,
	    job_id, &r->err)) != 0)
		goto out;
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "job_id", job_id);
	jw_obj_close(&w);
	e = api_reply(r, 200, &b);
 out:
	buf_free(&b);
	json_decref(doc);
	return e;
}
