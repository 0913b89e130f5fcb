/*
 * api_util.c - request-body and member helpers shared by the handlers:
 * each failure names the offending member in the error detail.
 */
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
