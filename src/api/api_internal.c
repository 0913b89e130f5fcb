/*
 * api_internal.c - the internal API (docs/API.md#internal-api): producers
 * create jobs, workers claim, heartbeat and finish sub-jobs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "../model/limits.h"

/* JobEntities members (docs/API.md#create-jobs) and their bounds. */
static const struct {
	const char *name;
	size_t	    max;
} entity_members[] = {
	{ "desktop_id", WJ_ENTITY_FIELD_MAX },
	{ "product_id", WJ_ENTITY_FIELD_MAX },
	{ "user_name", WJ_ENTITY_FIELD_MAX },
	{ "desktop_name", WJ_FREE_TEXT_MAX },
	{ "ip_address", WJ_FREE_TEXT_MAX },
};

/* Validate an entities object and re-encode it compactly into out. */
static int
entities_encode(struct api_req *r, json_t *ent, size_t idx, struct buf *out)
{
	const char *k, *s;
	struct jw w;
	json_t *v;
	size_t i;
	int e;

	if (!json_is_object(ent)) {
		wj_errinfo_set(&r->err, "sub_jobs[%zu].entities must be an "
		    "object", idx);
		return WJ_ERR_INVALID;
	}
	json_object_foreach(ent, k, v) {
		for (i = 0; i < sizeof(entity_members) /
		    sizeof(entity_members[0]); i++)
			if (strcmp(k, entity_members[i].name) == 0)
				break;
		if (i == sizeof(entity_members) / sizeof(entity_members[0])) {
			wj_errinfo_set(&r->err, "sub_jobs[%zu].entities.%s is "
			    "not a JobEntities member", idx, k);
			return WJ_ERR_INVALID;
		}
	}
	jw_init(&w, out);
	jw_obj_open(&w);
	for (i = 0; i < sizeof(entity_members) / sizeof(entity_members[0]);
	    i++) {
		if ((e = api_json_str(r, ent, entity_members[i].name, 1,
		    entity_members[i].max, 0, &s)) != 0) {
			wj_errinfo_set(&r->err, "sub_jobs[%zu].entities.%s must "
			    "be 1..%zu characters of text", idx,
			    entity_members[i].name, entity_members[i].max);
			return e;
		}
		jw_kv_str(&w, entity_members[i].name, s);
	}
	jw_obj_close(&w);
	return out->failed ? WJ_ERR_NOMEM : 0;
}

static int
parse_sub_job(struct api_req *r, json_t *o, size_t i,
    struct store_sub_job_in *in, struct buf *ent)
{
	static const char *names[] = { "desktop_pool_id", "attach_user",
	    "entity", "ip_address" };
	const char **dst[] = { &in->desktop_pool_id, &in->attach_user,
	    &in->entity, &in->ip_address };
	json_t *v;
	size_t k;
	int e;

	if (!json_is_object(o)) {
		wj_errinfo_set(&r->err, "sub_jobs[%zu] must be an object", i);
		return WJ_ERR_INVALID;
	}
	for (k = 0; k < 4; k++)
		if ((e = api_json_str(r, o, names[k], 1, WJ_FREE_TEXT_MAX, 0,
		    dst[k])) != 0) {
			wj_errinfo_set(&r->err, "sub_jobs[%zu].%s must be "
			    "1..%d characters of text", i, names[k],
			    WJ_FREE_TEXT_MAX);
			return e;
		}
	if ((v = json_object_get(o, "entities")) != NULL && !json_is_null(v)) {
		if ((e = entities_encode(r, v, i, ent)) != 0)
			return e;
		in->entities = ent->data;
	}
	return 0;
}

static int
client_token(struct api_req *r, const char **out)
{
	const char *t = http_header(r->http, "X-Client-Token");
	size_t i, n;

	*out = NULL;
	if (t == NULL)
		return 0;
	n = strlen(t);
	for (i = 0; i < n; i++)
		if (t[i] <= 0x20 || t[i] >= 0x7f)
			break;
	if (n == 0 || n > WJ_CLIENT_TOKEN_MAX || i < n) {
		wj_errinfo_set(&r->err, "X-Client-Token must be 1..%d "
		    "printable ASCII characters", WJ_CLIENT_TOKEN_MAX);
		return WJ_ERR_INVALID;
	}
	*out = t;
	return 0;
}

/* A CreateJob waiting for the store's group commit: the parsed request
 * (the store reads it until then) and the answer the store makes. */
struct create_pending {
	struct api_pending	 p;
	struct store_job_in	 in;
	struct store_sub_job_in *subs;
	struct buf		*ents;		/* encoded entities, n of them */
	char			*body;		/* the store's 201 answer */
};

static void
create_free(void *arg)
{
	struct create_pending *c = arg;
	size_t i;

	for (i = 0; c->ents != NULL && i < c->in.n; i++)
		buf_free(&c->ents[i]);
	free(c->ents);
	free(c->subs);
	free(c->body);
	api_pending_free(c);
}

/* The one reply of CreateJob: 201 with the store's body. */
static void
create_reply(struct http_req *h, void *arg)
{
	struct create_pending *c = arg;
	struct buf b;

	(void)h;
	buf_init(&b);
	if (c->p.result == 0)
		buf_puts(&b, c->body);
	api_pending_reply(&c->p, 201, &b);
	create_free(c);
}

/* Parse the body into c (its document, sub-jobs and entities). */
static int
create_parse(struct api_req *r, struct create_pending *c)
{
	json_t *arr, *v;
	size_t i, n;
	int e;

	c->in.project_id = r->project_id;
	if ((e = client_token(r, &c->in.client_token)) != 0 ||
	    (e = api_body_object(r, &c->p.doc)) != 0 ||
	    (e = api_json_str(r, c->p.doc, "job_type", 1, WJ_JOB_TYPE_MAX, 1,
	    &c->in.job_type)) != 0)
		return e;
	arr = json_object_get(c->p.doc, "sub_jobs");
	if (!json_is_array(arr) || json_array_size(arr) < 1 ||
	    json_array_size(arr) > WJ_CREATE_SUB_JOBS_MAX) {
		wj_errinfo_set(&r->err, "sub_jobs must be an array of 1..%d "
		    "objects", WJ_CREATE_SUB_JOBS_MAX);
		return WJ_ERR_INVALID;
	}
	n = json_array_size(arr);
	c->subs = calloc(n, sizeof(*c->subs));
	c->ents = calloc(n, sizeof(*c->ents));
	if (c->subs == NULL || c->ents == NULL)
		return WJ_ERR_NOMEM;
	c->in.n = n;
	json_array_foreach(arr, i, v)
		if ((e = parse_sub_job(r, v, i, &c->subs[i], &c->ents[i])) != 0)
			return e;
	c->in.subs = c->subs;
	return 0;
}

int
api_internal_create(struct api_req *r)
{
	struct create_pending *c;
	int e;

	if ((c = api_pending_new(r, sizeof(*c))) == NULL)
		return WJ_ERR_NOMEM;
	c->p.actor.ok_status = 201;
	if ((e = create_parse(r, c)) == 0)
		e = store_job_create_async(r->api->store, &c->p.actor, &c->in,
		    &c->body, api_pending_done, c);
	return api_deferred(&c->p, e, create_reply, create_free);
}

/* An optional array of 0..WJ_LIST_FILTER_VALUES short strings. */
static int
str_list(struct api_req *r, json_t *doc, const char *key, const char **out,
    size_t *n)
{
	json_t *arr = json_object_get(doc, key), *v;
	size_t i, len;

	*n = 0;
	if (arr == NULL || json_is_null(arr))
		return 0;
	if (!json_is_array(arr) ||
	    json_array_size(arr) > WJ_LIST_FILTER_VALUES)
		goto bad;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			goto bad;
		len = json_string_length(v);
		if (len == 0 || len > WJ_PARAM_MAX ||
		    !wj_utf8_clean(json_string_value(v), len))
			goto bad;
		out[(*n)++] = json_string_value(v);
	}
	return 0;
 bad:
	wj_errinfo_set(&r->err, "%s must be an array of at most %d strings "
	    "of 1..%d characters", key, WJ_LIST_FILTER_VALUES, WJ_PARAM_MAX);
	return WJ_ERR_INVALID;
}

/* A ClaimSubJobs waiting for the store's group commit. */
struct claim_pending {
	struct api_pending	p;		/* doc owns worker_id, ... */
	struct store_claim_in	in;
	/* the project IDs of in, copied (the scope is the gate's) */
	char			pids[WJ_LIST_FILTER_VALUES][WJ_PARAM_MAX + 1];
	struct store_claimed	got;
};

static void
claim_free(void *arg)
{
	struct claim_pending *c = arg;

	store_claimed_free(&c->got);
	api_pending_free(c);
}

/* The one reply of ClaimSubJobs: {"sub_jobs":[...]} with the leases. */
static void
claim_reply(struct http_req *h, void *arg)
{
	struct claim_pending *c = arg;
	struct buf b;
	struct jw w;
	size_t i;

	(void)h;
	buf_init(&b);
	if (c->p.result == 0) {
		jw_init(&w, &b);
		jw_obj_open(&w);
		jw_key(&w, "sub_jobs");
		jw_arr_open(&w);
		for (i = 0; i < c->got.n; i++)
			sub_job_to_json(&w, &c->got.v[i], 1);
		jw_arr_close(&w);
		jw_obj_close(&w);
	}
	api_pending_reply(&c->p, 200, &b);
	claim_free(c);
}

/* Parse the body into c->in, narrowed to what the caller may claim. */
static int
claim_parse(struct api_req *r, struct claim_pending *c)
{
	struct store_claim_in *in = &c->in;
	int64_t max = 1, lease = 60;
	size_t i;
	int e;

	in->domain_id = c->p.domain_id;
	if ((e = api_body_object(r, &c->p.doc)) != 0 ||
	    (e = api_json_str(r, c->p.doc, "worker_id", 1, WJ_PARAM_MAX, 1,
	    &in->worker_id)) != 0 ||
	    (e = api_json_str(r, c->p.doc, "host", 1, WJ_FREE_TEXT_MAX, 0,
	    &in->host)) != 0 ||
	    (e = api_json_int(r, c->p.doc, "max", 1, WJ_CLAIM_MAX, 0,
	    &max)) != 0 ||
	    (e = api_json_int(r, c->p.doc, "lease_seconds", WJ_LEASE_MIN_S,
	    WJ_LEASE_MAX_S, 0, &lease)) != 0 ||
	    (e = str_list(r, c->p.doc, "job_types", in->job_types,
	    &in->n_job_types)) != 0 ||
	    (e = str_list(r, c->p.doc, "project_ids", in->project_ids,
	    &in->n_project_ids)) != 0)
		return e;
	in->max = (int)max;
	in->lease_seconds = (int)lease;
	if ((e = api_claim_narrow(r, in)) != 0)
		return e;
	for (i = 0; i < in->n_project_ids; i++) {
		(void)snprintf(c->pids[i], sizeof(c->pids[i]), "%s",
		    in->project_ids[i]);
		in->project_ids[i] = c->pids[i];
	}
	return 0;
}

int
api_internal_claim(struct api_req *r)
{
	struct claim_pending *c;
	int e;

	if ((c = api_pending_new(r, sizeof(*c))) == NULL)
		return WJ_ERR_NOMEM;
	if ((e = claim_parse(r, c)) == 0)
		e = store_claim_async(r->api->store, &c->p.actor, &c->in,
		    &c->got, api_pending_done, c);
	return api_deferred(&c->p, e, claim_reply, claim_free);
}

/* A HeartbeatSubJob or FinishSubJob waiting for the group commit. */
struct beat_pending {
	struct api_pending p;		/* doc owns lease_id and the rest */
	const char	  *status;	/* finish: as the request gave it */
	int64_t		   expires;	/* heartbeat: the new lease end */
};

/* The one reply of HeartbeatSubJob: {"lease_expires_at": ...}. */
static void
heartbeat_reply(struct http_req *h, void *arg)
{
	struct beat_pending *t = arg;
	char iso[28];

	(void)h;
	wj_time_iso(t->expires, iso);
	api_pending_reply_obj(&t->p, 200, "lease_expires_at", iso, NULL);
	api_pending_free(t);
}

int
api_internal_heartbeat(struct api_req *r)
{
	struct beat_pending *t;
	const char *lease_id = NULL;
	int64_t process = -1;
	int e;

	if ((t = api_pending_new(r, sizeof(*t))) == NULL)
		return WJ_ERR_NOMEM;
	if ((e = api_body_object(r, &t->p.doc)) == 0 &&
	    (e = api_json_str(r, t->p.doc, "lease_id", 1, WJ_PARAM_MAX, 1,
	    &lease_id)) == 0 &&
	    (e = api_json_int(r, t->p.doc, "process", 0, 100, 0,
	    &process)) == 0)
		e = store_heartbeat_async(r->api->store, t->p.domain_id,
		    r->http->params[0], lease_id, (int)process, &t->expires,
		    api_pending_done, t);
	return api_deferred(&t->p, e, heartbeat_reply, api_pending_free);
}

/* The one reply of FinishSubJob: {"id": ..., "status": ...}. */
static void
finish_reply(struct http_req *h, void *arg)
{
	struct beat_pending *t = arg;

	api_pending_reply_obj(&t->p, 200, "id", h->params[0], "status",
	    t->status, NULL);
	api_pending_free(t);
}

/* The outcome of a finish: its status, and the error fields that go
 * with it (only with FAILED, and then error_code). */
static int
finish_status(struct api_req *r, const char *st, const char *code,
    const char *reason, int *status)
{
	*status = job_status_parse(st);
	if (*status != JOB_STATUS_SUCCESS && *status != JOB_STATUS_FAILED) {
		wj_errinfo_set(&r->err, "status must be SUCCESS or FAILED");
		return WJ_ERR_INVALID;
	}
	if (*status == JOB_STATUS_FAILED && code == NULL) {
		wj_errinfo_set(&r->err, "error_code is required when status "
		    "is FAILED");
		return WJ_ERR_INVALID;
	}
	if (*status == JOB_STATUS_SUCCESS && (code != NULL || reason != NULL)) {
		wj_errinfo_set(&r->err, "error_code and fail_reason are only "
		    "for status FAILED");
		return WJ_ERR_INVALID;
	}
	return 0;
}

int
api_internal_finish(struct api_req *r)
{
	const char *lease_id = NULL, *code = NULL, *reason = NULL,
	    *host = NULL;
	struct beat_pending *t;
	json_t *doc;
	int e, status;

	if ((t = api_pending_new(r, sizeof(*t))) == NULL)
		return WJ_ERR_NOMEM;
	if ((e = api_body_object(r, &t->p.doc)) != 0)
		return api_deferred(&t->p, e, finish_reply, api_pending_free);
	doc = t->p.doc;
	if ((e = api_json_str(r, doc, "lease_id", 1, WJ_PARAM_MAX, 1,
	    &lease_id)) == 0 &&
	    (e = api_json_str(r, doc, "status", 1, 55, 1, &t->status)) == 0 &&
	    (e = api_json_str(r, doc, "error_code", 1, WJ_ERROR_CODE_MAX, 0,
	    &code)) == 0 &&
	    (e = api_json_str(r, doc, "fail_reason", 1, WJ_FAIL_REASON_MAX, 0,
	    &reason)) == 0 &&
	    (e = api_json_str(r, doc, "host", 1, WJ_FREE_TEXT_MAX, 0,
	    &host)) == 0 &&
	    (e = finish_status(r, t->status, code, reason, &status)) == 0)
		e = store_finish_async(r->api->store, &t->p.actor,
		    t->p.domain_id, r->http->params[0], lease_id, status, code,
		    reason, host, api_pending_done, t);
	return api_deferred(&t->p, e, finish_reply, api_pending_free);
}
