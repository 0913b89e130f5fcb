/*
 * api_jobs.c - ShowJob and RunActionsOnWorkspaceJob (retry):
 * docs/API.md#showjob and docs/API.md#runactionsonworkspacejob.
 */
#include <stdlib.h>
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

/*
 * A job ID that names no job of the project: when it is a sub-job's ID,
 * say whose (the 404 stays a 404, with the way on in error_detail).
 */
static int
not_a_job(struct api_req *r, int e)
{
	char job[WJ_ID_LEN + 1];

	if (e == WJ_ERR_NOT_FOUND && store_sub_job_job(r->api->store,
	    r->project_id, r->http->params[1], job) == 0)
		wj_errinfo_set(&r->err, "%s is a sub-job ID of job %s, not a "
		    "job ID", r->http->params[1], job);
	return e;
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
	return not_a_job(r, e);
}

/* The one reply of RunActionsOnWorkspaceJob: {"job_id": ...} once the
 * retry is durable, its refusal otherwise.  arg: a struct api_pending. */
static void
retry_reply(struct http_req *h, void *arg)
{
	api_pending_reply_obj(arg, 200, "job_id", h->params[1], NULL);
	free(arg);
}

int
api_jobs_action(struct api_req *r)
{
	struct api_pending *t = NULL;
	const char *op = NULL;
	json_t *doc = NULL;
	int e;

	if ((e = api_body_object(r, &doc)) != 0 ||
	    (e = api_json_str(r, doc, "op_type", 1, 255, 1, &op)) != 0)
		goto out;
	/* Retry is the only action (docs/API.md#runactionsonworkspacejob). */
	if (strcmp(op, "retry") != 0) {
		wj_errinfo_set(&r->err, "op_type must be retry");
		e = WJ_ERR_INVALID;
		goto out;
	}
	if ((t = api_pending_new(r, sizeof(*t))) == NULL) {
		e = WJ_ERR_NOMEM;
		goto out;
	}
	e = api_deferred(t, store_job_retry_async(r->api->store, &t->actor,
	    r->project_id, r->http->params[1], &t->err, api_pending_done, t),
	    retry_reply, free);
 out:
	json_decref(doc);
	return e;
}
