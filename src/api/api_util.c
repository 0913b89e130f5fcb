/*
 * api_util.c - request-body and member helpers shared by the handlers
 * (each failure names the offending member in the error detail), and
 * the pending state of the writes answered after the shared commit.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"

/* application/json, with any charset parameter (docs/API.md#conventions). */
static int
json_media_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, "application/json", n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

int
api_body_object(struct api_req *r, json_t **out)
{
	struct http_req *h = r->http;
	json_error_t jerr;
	json_t *doc;

	*out = NULL;
	if (!json_media_type(http_header(h, "Content-Type"))) {
		wj_errinfo_set(&r->err, "Content-Type must be "
		    "application/json");
		return WJ_ERR_MEDIA_TYPE;
	}
	if (h->body.len == 0)
		return WJ_ERR_EMPTY_BODY;
	doc = json_loadb(h->body.data, h->body.len, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (doc == NULL) {
		wj_errinfo_set(&r->err, "request body is not valid JSON: %s "
		    "(at byte %d)", jerr.text, jerr.position);
		return WJ_ERR_INVALID;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		wj_errinfo_set(&r->err, "request body must be a JSON object");
		return WJ_ERR_INVALID;
	}
	json_decref(r->body);
	r->body = json_incref(doc);
	*out = doc;
	return 0;
}

int
api_json_str(struct api_req *r, json_t *obj, const char *key, size_t min,
    size_t max, int required, const char **out)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n, chars;

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return 0;
		wj_errinfo_set(&r->err, "%s is required", key);
		return WJ_ERR_INVALID;
	}
	if (!json_is_string(v)) {
		wj_errinfo_set(&r->err, "%s must be a string", key);
		return WJ_ERR_INVALID;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	chars = wj_utf8_len(s, n);
	if (strlen(s) != n || !wj_utf8_clean(s, n)) {
		wj_errinfo_set(&r->err, "%s contains control characters", key);
		return WJ_ERR_INVALID;
	}
	if (chars < min || chars > max) {
		wj_errinfo_set(&r->err, "%s must be %zu..%zu characters long",
		    key, min, max);
		return WJ_ERR_INVALID;
	}
	*out = s;
	return 0;
}

int
api_json_int(struct api_req *r, json_t *obj, const char *key, int64_t min,
    int64_t max, int required, int64_t *out)
{
	json_t *v = json_object_get(obj, key);
	json_int_t x;

	if (v == NULL || json_is_null(v)) {
		if (!required)
			return 0;
		wj_errinfo_set(&r->err, "%s is required", key);
		return WJ_ERR_INVALID;
	}
	if (!json_is_integer(v) || (x = json_integer_value(v)) < min ||
	    x > max) {
		wj_errinfo_set(&r->err, "%s must be an integer in %lld..%lld",
		    key, (long long)min, (long long)max);
		return WJ_ERR_INVALID;
	}
	*out = x;
	return 0;
}

int
api_reply(struct api_req *r, int status, struct buf *b)
{
	if (b->failed) {
		buf_free(b);
		return WJ_ERR_NOMEM;
	}
	http_reply_json(r->http, status, b);
	return 0;
}

void
api_json_named(struct jw *w, const char *key, const char *id,
    const char *name)
{
	jw_key(w, key);
	jw_obj_open(w);
	jw_kv_str(w, "id", id);
	jw_kv_str(w, "name", name);
	jw_obj_close(w);
}

int
api_reply_member(struct api_req *r, const char *key, const char *value)
{
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, key, value);
	jw_obj_close(&w);
	return api_reply(r, 200, &b);
}

int
api_query(struct api_req *r, struct http_qparam **q, size_t *n)
{
	int e;

	if ((e = http_query_parse(r->http->query, q, n)) == WJ_ERR_INVALID)
		wj_errinfo_set(&r->err, "more than %d query parameters",
		    HTTP_QUERY_MAX_PARAMS);
	return e;
}

static void
pending_init(struct api_pending *p, const struct api_req *r)
{
	p->h = r->http;
	p->actor = r->actor;
	(void)snprintf(p->user_id, sizeof(p->user_id), "%s",
	    r->actor.user_id != NULL ? r->actor.user_id : "");
	p->actor.user_id = r->actor.user_id != NULL ? p->user_id : NULL;
	(void)snprintf(p->domain_id, sizeof(p->domain_id), "%s",
	    r->who.domain_id);
	api_trace_actor(p, r);
	p->result = 0;
}

/* On a thread of the store: durable or refused. */
void
api_pending_done(void *arg, int result)
{
	struct api_pending *p = arg;

	p->result = result;
	http_req_resume(p->h);
}

void *
api_pending_new(const struct api_req *r, size_t size)
{
	struct api_pending *p;

	if ((p = calloc(1, size)) != NULL)
		pending_init(p, r);
	return p;
}

void
api_pending_free(void *arg)
{
	struct api_pending *p = arg;

	json_decref(p->doc);
	free(p);
}

void
api_defer(struct api_pending *p, void (*reply)(struct http_req *, void *))
{
	http_req_defer(p->h, reply, p);
}

int
api_deferred(struct api_pending *p, int e,
    void (*reply)(struct http_req *, void *), void (*drop)(void *))
{
	if (e != 0) {
		drop(p);
		return e;
	}
	api_defer(p, reply);
	return 0;
}

void
api_pending_reply(struct api_pending *p, int status, struct buf *b)
{
	if (p->result != 0)
		http_reply_error(p->h, p->result, &p->err);
	else if (b == NULL)
		http_reply_empty(p->h, status);
	else if (b->failed)
		http_reply_error(p->h, WJ_ERR_NOMEM, NULL);
	else
		http_reply_json(p->h, status, b);
	if (b != NULL)
		buf_free(b);
}

void
api_pending_reply_obj(struct api_pending *p, int status, ...)
{
	const char *k;
	struct buf b;
	struct jw w;
	va_list ap;

	buf_init(&b);
	if (p->result == 0) {
		jw_init(&w, &b);
		jw_obj_open(&w);
		va_start(ap, status);
		while ((k = va_arg(ap, const char *)) != NULL)
			jw_kv_str(&w, k, va_arg(ap, const char *));
		va_end(ap);
		jw_obj_close(&w);
	}
	api_pending_reply(p, status, &b);
}
