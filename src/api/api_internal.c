/*
 * api_internal.c - the internal API of DESIGN §5: producers create jobs,
 * workers claim, heartbeat and finish sub-jobs.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "../model/limits.h"

/* JobEntities members (spec/jobs-api.md §2.2) and their bounds. */
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

int
api_internal_create(struct api_req *r)
{
	struct store_sub_job_in *subs = NULL;
	struct store_job_in in;
	struct buf *ents = NULL, b;
	json_t *doc = NULL, *arr, *v;
	char *body = NULL;
	size_t i, n = 0;
	int e;

	memset(&in, 0, sizeof(in));
	buf_init(&b);
	in.project_id = r->project_id;
	if ((e = client_token(r, &in.client_token)) != 0 ||
	    (e = api_body_object(r, &doc)) != 0 ||
	    (e = api_json_str(r, doc, "job_type", 1, WJ_JOB_TYPE_MAX, 1,
	    &in.job_type)) != 0)
		goto out;
	arr = json_object_get(doc, "sub_jobs");
	if (!json_is_array(arr) || json_array_size(arr) < 1 ||
	    json_array_size(arr) > WJ_CREATE_SUB_JOBS_MAX) {
		wj_errinfo_set(&r->err, "sub_jobs must be an array of 1..%d "
		    "objects", WJ_CREATE_SUB_JOBS_MAX);
		e = WJ_ERR_INVALID;
		goto out;
	}
	n = json_array_size(arr);
	subs = calloc(n, sizeof(*subs));
	ents = calloc(n, sizeof(*ents));
	if (subs == NULL || ents == NULL) {
		e = WJ_ERR_NOMEM;
		goto out;
	}
	json_array_foreach(arr, i, v)
		if ((e = parse_sub_job(r, v, i, &subs[i], &ents[i])) != 0)
			goto out;
	in.subs = subs;
	in.n = n;
	if ((e = store_job_create(r->api->store, &r->actor, &in, &body)) != 0)
		goto out;
	buf_puts(&b, body);
	e = api_reply(r, 201, &b);
 out:
	free(body);
	for (i = 0; ents != NULL && i < n; i++)
		buf_free(&ents[i]);
	free(ents);
	free(subs);
	buf_free(&b);
	json_decref(doc);
	return e;
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

int
api_internal_claim(struct api_req *r)
{
	struct store_claimed got = { 0 };
	struct store_claim_in in;
	int64_t max = 1, lease = 60;
	json_t *doc = NULL;
	struct buf b;
	struct jw w;
	size_t i;
	int e;

	memset(&in, 0, sizeof(in));
	buf_init(&b);
	in.domain_id = r->who.domain_id;
	if ((e = api_body_object(r, &doc)) != 0 ||
	    (e = api_json_str(r, doc, "worker_id", 1, WJ_PARAM_MAX, 1,
	    &in.worker_id)) != 0 ||
	    (e = api_json_str(r, doc, "host", 1, WJ_FREE_TEXT_MAX, 0,
	    &in.host)) != 0 ||
	    (e = api_json_int(r, doc, "max", 1, WJ_CLAIM_MAX, 0, &max)) != 0 ||
	    (e = api_json_int(r, doc, "lease_seconds", WJ_LEASE_MIN_S,
	    WJ_LEASE_MAX_S, 0, &lease)) != 0 ||
	    (e = str_list(r, doc, "job_types", in.job_types,
	    &in.n_job_types)) != 0 ||
	    (e = str_list(r, doc, "project_ids", in.project_ids,
	    &in.n_project_ids)) != 0)
		goto out;
	in.max = (int)max;
	in.lease_seconds = (int)lease;
	if ((e = api_claim_narrow(r, &in)) != 0 ||
	    (e = store_claim(r->api->store, &r->actor, &in, &got)) != 0)
		goto out;
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_key(&w, "sub_jobs");
	jw_arr_open(&w);
	for (i = 0; i < got.n; i++)
		sub_job_to_json(&w, &got.v[i], 1);
	jw_arr_close(&w);
	jw_obj_close(&w);
	e = api_reply(r, 200, &b);
 out:
	store_claimed_free(&got);
	buf_free(&b);
	json_decref(doc);
	return e;
}

int
api_internal_heartbeat(struct api_req *r)
{
	const char *lease_id = NULL;
	int64_t process = -1, expires = 0;
	json_t *doc = NULL;
	char iso[28];
	struct buf b;
	struct jw w;
	int e;

	buf_init(&b);
	if ((e = api_body_object(r, &doc)) != 0 ||
	    (e = api_json_str(r, doc, "lease_id", 1, WJ_PARAM_MAX, 1,
	    &lease_id)) != 0 ||
	    (e = api_json_int(r, doc, "process", 0, 100, 0, &process)) != 0)
		goto out;
	if ((e = store_heartbeat(r->api->store, r->who.domain_id,
	    r->http->params[0], lease_id, (int)process, &expires)) != 0)
		goto out;
	wj_time_iso(expires, iso);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "lease_expires_at", iso);
	jw_obj_close(&w);
	e = api_reply(r, 200, &b);
 out:
	buf_free(&b);
	json_decref(doc);
	return e;
}

int
api_internal_finish(struct api_req *r)
{
	const char *lease_id = NULL, *st = NULL, *code = NULL, *reason = NULL,
	    *host = NULL;
	json_t *doc = NULL;
	struct buf b;
	struct jw w;
	int e, status;

	buf_init(&b);
	if ((e = api_body_object(r, &doc)) != 0 ||
	    (e = api_json_str(r, doc, "lease_id", 1, WJ_PARAM_MAX, 1,
	    &lease_id)) != 0 ||
	    (e = api_json_str(r, doc, "status", 1, 55, 1, &st)) != 0 ||
	    (e = api_json_str(r, doc, "error_code", 1, WJ_ERROR_CODE_MAX, 0,
	    &code)) != 0 ||
	    (e = api_json_str(r, doc, "fail_reason", 1, WJ_FAIL_REASON_MAX, 0,
	    &reason)) != 0 ||
	    (e = api_json_str(r, doc, "host", 1, WJ_FREE_TEXT_MAX, 0,
	    &host)) != 0)
		goto out;
	status = job_status_parse(st);
	if (status != JOB_STATUS_SUCCESS && status != JOB_STATUS_FAILED) {
		wj_errinfo_set(&r->err, "status must be SUCCESS or FAILED");
		e = WJ_ERR_INVALID;
		goto out;
	}
	if (status == JOB_STATUS_FAILED && code == NULL) {
		wj_errinfo_set(&r->err, "error_code is required when status "
		    "is FAILED");
		e = WJ_ERR_INVALID;
		goto out;
	}
	if (status == JOB_STATUS_SUCCESS && (code != NULL || reason != NULL)) {
		wj_errinfo_set(&r->err, "error_code and fail_reason are only "
		    "for status FAILED");
		e = WJ_ERR_INVALID;
		goto out;
	}
	if ((e = store_finish(r->api->store, &r->actor, r->who.domain_id,
	    r->http->params[0], lease_id, status, code, reason, host)) != 0)
		goto out;
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "id", r->http->params[0]);
	jw_kv_str(&w, "status", st);
	jw_obj_close(&w);
	e = api_reply(r, 200, &b);
 out:
	buf_free(&b);
	json_decref(doc);
	return e;
}
