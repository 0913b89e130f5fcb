/*
 * api_traces.c - the audit trail as Cloud Trace Service's ListTraces
 * (docs/API.md#listtraces): what a write's audit row keeps of its
 * request (api_trace_actor: the operation, who, from where, how, the
 * body with secrets masked), and GET /v3/{project_id}/traces reading the
 * rows back in CTS's shapes.  A trace_id is the row's time and id laid
 * out as a version 7 UUID, so the marker of a page (the last trace_id)
 * needs no lookup to continue from.
 */
#include <ctype.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "../model/limits.h"

/* CTS's default window: the last hour. */
#define TRACES_DEFAULT_WINDOW_MS	(60 * 60 * 1000)
/* Bodies larger than this are not parsed again for the audit row. */
#define TRACE_BODY_PARSE_MAX		(64 * 1024)
#define TRACE_ID_LEN			36
#define TRACE_MASK			"******"
#define NITEMS(a)			(sizeof(a) / sizeof((a)[0]))

/* ---- what the audit row keeps ------------------------------------------- */

/* Member names whose values are never recorded (matched as substrings,
 * case-insensitively). */
static const char *const secret_words[] = {
	"password", "passwd", "secret", "token", "credential", "private",
};

static int
secret_name(const char *key)
{
	char low[64];
	size_t i;

	if (strcmp(key, "sk") == 0 || strcmp(key, "SK") == 0)
		return 1;
	for (i = 0; key[i] != '\0' && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	low[i] = '\0';
	for (i = 0; i < NITEMS(secret_words); i++)
		if (strstr(low, secret_words[i]) != NULL)
			return 1;
	return 0;
}

/* Has v a secret member at any depth (mask_secrets would change it)? */
static int
has_secrets(const json_t *v, int depth)
{
	const char *key;
	json_t *m;
	size_t i;

	if (depth > 32)
		return 0;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, m)
			if (secret_name(key) || has_secrets(m, depth + 1))
				return 1;
	} else if (json_is_array(v))
		json_array_foreach(v, i, m)
			if (has_secrets(m, depth + 1))
				return 1;
	return 0;
}

/* Mask the values of secret members of v, at any depth. */
static void
mask_secrets(json_t *v, int depth)
{
	const char *key;
	json_t *m;
	size_t i;

	if (depth > 32)
		return;
	if (json_is_object(v)) {
		json_object_foreach(v, key, m) {
			if (secret_name(key))
				(void)json_object_set_new(v, key,
				    json_string(TRACE_MASK));
			else
				mask_secrets(m, depth + 1);
		}
	} else if (json_is_array(v))
		json_array_foreach(v, i, m)
			mask_secrets(m, depth + 1);
}

/* Cut s to at most cap - 1 bytes on a UTF-8 character boundary. */
static void
copy_cut(char *out, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

/* doc as compact text, cut into out[cap]. */
static void
trace_dump(const json_t *doc, char *out, size_t cap)
{
	char *text;

	if ((text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)) !=
	    NULL) {
		copy_cut(out, cap, text);
		free(text);
	}
}

void
api_trace_request(const char *body, size_t len, const json_t *parsed,
    char *out, size_t cap)
{
	json_t *doc;

	if (cap == 0)
		return;
	out[0] = '\0';
	if (body == NULL || len == 0)
		return;
	if (len > TRACE_BODY_PARSE_MAX) {
		(void)snprintf(out, cap, "{\"body_bytes\":%zu}", len);
		return;
	}
	/* The handler's own parse of the same bytes, with the same flags:
	 * nothing to mask, nothing to parse again. */
	if (json_is_object(parsed) && !has_secrets(parsed, 0)) {
		trace_dump(parsed, out, cap);
		return;
	}
	if ((doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)) ==
	    NULL)
		return;
	if (json_is_object(doc)) {
		mask_secrets(doc, 0);
		trace_dump(doc, out, cap);
	}
	json_decref(doc);
}

/* "BatchDeleteSubJobs" -> "batchDeleteSubJobs" */
static void
trace_name_of(const char *op, char *out, size_t cap)
{
	copy_cut(out, cap, op != NULL ? op : "unknown");
	out[0] = (char)tolower((unsigned char)out[0]);
}

void
api_trace_actor(struct api_pending *p, const struct api_req *r)
{
	struct http_req *h = r->http;
	struct store_actor *a = &p->actor;

	trace_name_of(h->op, p->trace_name, sizeof(p->trace_name));
	copy_cut(p->user_name, sizeof(p->user_name), r->who.user_name);
	copy_cut(p->domain_name, sizeof(p->domain_name), r->who.domain_name);
	api_trace_request(h->body.data, h->body.len, r->body, p->request,
	    sizeof(p->request));
	a->trace_name = p->trace_name;
	a->user_name = p->user_name[0] != '\0' ? p->user_name : NULL;
	a->domain_id = p->domain_id[0] != '\0' ? p->domain_id : NULL;
	a->domain_name = p->domain_name[0] != '\0' ? p->domain_name : NULL;
	a->source_ip = h->remote_ip[0] != '\0' ? h->remote_ip : NULL;
	a->request = p->request[0] != '\0' ? p->request : NULL;
	a->via = r->who.via_console ? STORE_VIA_CONSOLE : STORE_VIA_API;
	a->time_ms = wj_now_ms();
	a->status_of = http_error_status;
}

/* ---- trace IDs ------------------------------------------------------------ */

/*
 * A version 7 UUID: 48 bits of time_ms, version 7, 12 bits of id >> 62,
 * the variant and 14 bits of id >> 48, then id's low 48 bits.
 */
static void
trace_id_format(int64_t time_ms, int64_t id, char out[TRACE_ID_LEN + 1])
{
	uint64_t t = (uint64_t)time_ms & UINT64_C(0xffffffffffff);
	uint64_t u = (uint64_t)id;

	(void)snprintf(out, TRACE_ID_LEN + 1,
	    "%08" PRIx64 "-%04" PRIx64 "-7%03" PRIx64 "-%04" PRIx64
	    "-%012" PRIx64, t >> 16, t & 0xffff, (u >> 62) & 0x3,
	    UINT64_C(0x8000) | ((u >> 48) & 0x3fff), u & UINT64_C(0xffffffffffff));
}

static int
hex_field(const char *s, size_t n, uint64_t *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		*out = (*out << 4) | (uint64_t)(isdigit((unsigned char)s[i]) ?
		    s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
	}
	return 0;
}

/* The time and id of a trace_id this server made; -1 if it is not one. */
static int
trace_id_parse(const char *s, int64_t *time_ms, int64_t *id)
{
	uint64_t a, b, c, d, e;

	if (strlen(s) != TRACE_ID_LEN || s[8] != '-' || s[13] != '-' ||
	    s[18] != '-' || s[23] != '-' || s[14] != '7' ||
	    hex_field(s, 8, &a) != 0 || hex_field(s + 9, 4, &b) != 0 ||
	    hex_field(s + 15, 3, &c) != 0 || hex_field(s + 19, 4, &d) != 0 ||
	    hex_field(s + 24, 12, &e) != 0 || (d & 0xc000) != 0x8000 ||
	    c > 0x3)
		return -1;
	*time_ms = (int64_t)((a << 16) | b);
	*id = (int64_t)((c << 62) | ((d & 0x3fff) << 48) | e);
	return *id > 0 ? 0 : -1;
}

/* ---- the query ------------------------------------------------------------ */

struct traces_q {
	struct store_trace_filter f;
	const char *trace_type;
	const char *service_type;
	const char *tracker_name;
	const char *trace_id;
	const char *next;
	int	    from_given, to_given;
	int	    none;	/* matches nothing */
};

static int
bad(struct api_req *r, const char *fmt, const char *name)
{
	wj_errinfo_set(&r->err, fmt, name);
	return WJ_ERR_INVALID;
}

static int
time_param(struct api_req *r, const struct http_qparam *q, int64_t *out)
{
	if (strlen(q->value) != q->value_len ||
	    wj_parse_int(q->value, 0, INT64_C(253402300799999), out) != 0)
		return bad(r, "%s must be a time in epoch milliseconds",
		    q->name);
	return 0;
}

/* The text parameters: at most WJ_PARAM_MAX characters of clean text. */
static const char *const text_params[] = {
	"trace_type", "user", "trace_name", "resource_id", "trace_id", "next",
	"service_type", "tracker_name",
};

static int
text_param(struct api_req *r, const struct http_qparam *q, struct traces_q *t)
{
	const char *n = q->name, *v = q->value;
	size_t i;

	for (i = 0; i < NITEMS(text_params); i++)
		if (strcmp(n, text_params[i]) == 0)
			break;
	if (i == NITEMS(text_params))
		return 0;	/* unknown parameters are ignored */
	if (q->value_len > WJ_PARAM_MAX * 4 ||
	    wj_utf8_len(v, q->value_len) > WJ_PARAM_MAX ||
	    strlen(v) != q->value_len || !wj_utf8_clean(v, q->value_len))
		return bad(r, "%s must be at most 255 characters of text", n);
	if (q->value_len == 0)
		return 0;	/* an empty value is no filter */
	if (strcmp(n, "trace_type") == 0)
		t->trace_type = v;
	else if (strcmp(n, "user") == 0)
		t->f.user_name = v;
	else if (strcmp(n, "trace_name") == 0)
		t->f.trace_name = v;
	else if (strcmp(n, "resource_id") == 0)
		t->f.resource_id = v;
	else if (strcmp(n, "trace_id") == 0)
		t->trace_id = v;
	else if (strcmp(n, "next") == 0)
		t->next = v;
	else if (strcmp(n, "service_type") == 0)
		t->service_type = v;
	else
		t->tracker_name = v;
	return 0;
}

static int
parse_param(struct api_req *r, const struct http_qparam *q, struct traces_q *t)
{
	int64_t v;

	if (strcmp(q->name, "limit") == 0) {
		if (strlen(q->value) != q->value_len ||
		    wj_parse_int(q->value, 1, WJ_TRACES_LIMIT_MAX, &v) != 0)
			return bad(r, "%s must be an integer in 1..200",
			    q->name);
		t->f.limit = (int)v;
		return 0;
	}
	if (strcmp(q->name, "from") == 0) {
		t->from_given = 1;
		return time_param(r, q, &t->f.from_ms);
	}
	if (strcmp(q->name, "to") == 0) {
		t->to_given = 1;
		return time_param(r, q, &t->f.to_ms);
	}
	return text_param(r, q, t);
}

/* The checks across parameters, and what they leave to the store. */
static int
check_query(struct api_req *r, struct traces_q *t)
{
	if (t->trace_type == NULL)
		return bad(r, "%s is required: system", "trace_type");
	if (strcmp(t->trace_type, "system") != 0)
		return bad(r, "%s must be system (management traces)",
		    "trace_type");
	if (t->tracker_name != NULL && strcmp(t->tracker_name, "system") != 0)
		return bad(r, "%s must be system", "tracker_name");
	if (!t->from_given)
		t->f.from_ms = wj_now_ms() - TRACES_DEFAULT_WINDOW_MS;
	if (t->to_given && t->f.to_ms <= t->f.from_ms)
		return bad(r, "%s must be later than from", "to");
	if (t->next != NULL && trace_id_parse(t->next,
	    &t->f.after_time_ms, &t->f.after_id) != 0)
		return bad(r, "%s must be the marker of a previous page",
		    "next");
	if (t->trace_id != NULL) {
		/* CTS: a trace_id makes the other conditions moot. */
		memset(&t->f, 0, offsetof(struct store_trace_filter, limit));
		t->f.project_id = r->project_id;
		if (trace_id_parse(t->trace_id, &t->f.id_time_ms,
		    &t->f.id) != 0)
			t->none = 1;	/* not one of ours */
	}
	return 0;
}

/* ---- the answer ----------------------------------------------------------- */

struct traces_out {
	struct jw  *w;
	int	    n, limit;
	char	    marker[TRACE_ID_LEN + 1];
};

static const char *
trace_type_of(int via)
{
	if (via == STORE_VIA_CONSOLE)
		return "ConsoleAction";
	if (via == STORE_VIA_SYSTEM)
		return "SystemAction";
	return "ApiCall";
}

static const char *
rating_of(int code)
{
	if (code >= 500)
		return "incident";
	return code >= 400 ? "warning" : "normal";
}

/* What an operation acts on: a job, or sub-jobs. */
static const char *
resource_type_of(const char *trace_name)
{
	if (trace_name != NULL && strstr(trace_name, "SubJob") != NULL)
		return "subJob";
	if (trace_name != NULL && strcmp(trace_name,
	    STORE_REAP_TRACE_NAME) == 0)
		return "subJob";
	return "job";
}

/* The row's resources (a JSON array) joined by commas. */
static void
put_resources(struct jw *w, const char *ids)
{
	json_t *arr, *v;
	struct buf b;
	size_t i;

	jw_key(w, "resource_id");
	if (ids == NULL || (arr = json_loads(ids, 0, NULL)) == NULL) {
		jw_str(w, "");
		return;
	}
	buf_init(&b);
	json_array_foreach(arr, i, v)
		if (json_is_string(v))
			buf_printf(&b, "%s%s", b.len > 0 ? "," : "",
			    json_string_value(v));
	jw_strn(w, b.len > 0 ? b.data : "", b.len);
	if (b.failed)
		w->b->failed = 1;
	buf_free(&b);
	json_decref(arr);
}

static void
put_opt(struct jw *w, const char *key, const char *v)
{
	jw_kv_str(w, key, v != NULL ? v : "");
}

static void
put_user(struct jw *w, const struct store_trace *t)
{
	jw_key(w, "user");
	jw_obj_open(w);
	put_opt(w, "id", t->user_id);
	put_opt(w, "name", t->user_name);
	jw_key(w, "domain");
	jw_obj_open(w);
	put_opt(w, "id", t->domain_id);
	put_opt(w, "name", t->domain_name);
	jw_obj_close(w);
	jw_obj_close(w);
}

static int
emit_trace(void *arg, const struct store_trace *t)
{
	struct traces_out *o = arg;
	struct jw *w = o->w;
	const char *name = t->trace_name != NULL ? t->trace_name : t->action;
	char id[TRACE_ID_LEN + 1], code[16];
	int status = t->code;

	if (o->n == o->limit)
		return 1;	/* one more than the page: there is a next */
	/* Rows from before codes were kept: their outcome tells. */
	if (status <= 0)
		status = t->outcome != NULL &&
		    strncmp(t->outcome, "error", 5) == 0 ? 500 : 200;
	trace_id_format(t->time_ms, t->id, id);
	(void)snprintf(code, sizeof(code), "%d", status);
	jw_obj_open(w);
	jw_kv_str(w, "trace_id", id);
	put_opt(w, "trace_name", name);
	jw_kv_str(w, "trace_rating", rating_of(status));
	jw_kv_str(w, "trace_type", trace_type_of(t->via));
	jw_kv_str(w, "service_type", "Workspace");
	jw_kv_str(w, "resource_type", resource_type_of(name));
	put_resources(w, t->resource_ids);
	put_user(w, t);
	put_opt(w, "source_ip", t->source_ip);
	put_opt(w, "request", t->request);
	jw_kv_str(w, "code", code);
	put_opt(w, "message", t->outcome);
	jw_kv_int(w, "time", t->time_ms);
	jw_kv_int(w, "record_time", t->record_ms);
	put_opt(w, "request_id", t->request_id);
	jw_obj_close(w);
	memcpy(o->marker, id, sizeof(o->marker));
	o->n++;
	return w->b->failed ? WJ_ERR_NOMEM : 0;
}

static int
render(struct api_req *r, struct traces_q *t, struct buf *b)
{
	struct traces_out o;
	struct jw w;
	int e = 0, limit = t->f.limit;

	memset(&o, 0, sizeof(o));
	jw_init(&w, b);
	o.w = &w;
	o.limit = limit;
	jw_obj_open(&w);
	jw_key(&w, "traces");
	jw_arr_open(&w);
	/* Another service's traces: none here. */
	if (!t->none && (t->service_type == NULL ||
	    strcmp(t->service_type, "Workspace") == 0)) {
		t->f.limit = limit + 1;
		e = store_traces_list(r->api->store, &t->f, emit_trace, &o);
		if (e < 0)
			return e;
	}
	jw_arr_close(&w);
	jw_key(&w, "meta_data");
	jw_obj_open(&w);
	jw_kv_int(&w, "count", o.n);
	jw_key(&w, "marker");
	/* A marker only when a row past the page exists (emit_trace's 1). */
	if (o.n == limit && e == 1)
		jw_str(&w, o.marker);
	else
		jw_raw(&w, "null");
	jw_obj_close(&w);
	jw_obj_close(&w);
	return b->failed ? WJ_ERR_NOMEM : 0;
}

int
api_traces_list(struct api_req *r)
{
	struct traces_q t;
	struct http_qparam *q = NULL;
	struct buf b;
	size_t i, nq = 0;
	int e;

	memset(&t, 0, sizeof(t));
	buf_init(&b);
	t.f.project_id = r->project_id;
	t.f.limit = WJ_TRACES_LIMIT_DEFAULT;
	if ((e = api_query(r, &q, &nq)) != 0)
		goto out;
	for (i = 0; i < nq; i++)
		if ((e = parse_param(r, &q[i], &t)) != 0)
			goto out;
	if ((e = check_query(r, &t)) != 0 || (e = render(r, &t, &b)) != 0)
		goto out;
	e = api_reply(r, 200, &b);
 out:
	http_query_free(q, nq);
	buf_free(&b);
	return e;
}
