/*
 * api_sub_jobs.c - ListItaSubJobs and BatchDeleteSubJobs:
 * docs/API.md#listitasubjobs and docs/API.md#batchdeletesubjobs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "../model/limits.h"

/* {"total_count":N,"jobs": for any int64 N fits in this. */
#define LIST_HEAD_ROOM 48

struct list_out {
	struct jw *w;
};

struct list_req {
	struct store		*store;
	struct store_list_filter f;
};

static int
emit_sub_job(void *arg, const struct sub_job *s)
{
	struct list_out *o = arg;

	sub_job_to_json(o->w, s, 0);
	return o->w->b->failed ? WJ_ERR_NOMEM : 0;
}

static int
add_filter_value(struct api_req *r, const char *name, const char *v,
    const char **list, size_t *n)
{
	if (*n >= WJ_LIST_FILTER_VALUES) {
		wj_errinfo_set(&r->err, "%s given more than %d times", name,
		    WJ_LIST_FILTER_VALUES);
		return WJ_ERR_INVALID;
	}
	list[(*n)++] = v;
	return 0;
}

static int
int_param(struct api_req *r, const struct http_qparam *q, int64_t max,
    int64_t *out)
{
	if (strlen(q->value) != q->value_len ||
	    wj_parse_int(q->value, 0, max, out) != 0) {
		wj_errinfo_set(&r->err, "%s must be an integer in 0..%lld",
		    q->name, (long long)max);
		return WJ_ERR_INVALID;
	}
	return 0;
}

/* One query parameter into the filter (docs/API.md#listitasubjobs). */
static int
parse_param(struct api_req *r, const struct http_qparam *q,
    struct store_list_filter *f)
{
	const char *n = q->name;

	if (strcmp(n, "limit") == 0)
		return int_param(r, q, WJ_LIST_LIMIT_MAX, &f->limit);
	if (strcmp(n, "offset") == 0)
		return int_param(r, q, WJ_LIST_OFFSET_MAX, &f->offset);
	if (strcmp(n, "status") != 0 && strcmp(n, "job_type") != 0 &&
	    strcmp(n, "job_id") != 0 && strcmp(n, "desktop_pool_id") != 0)
		return 0;	/* unknown parameters are ignored */
	if (q->value_len > WJ_PARAM_MAX * 4 ||
	    wj_utf8_len(q->value, q->value_len) > WJ_PARAM_MAX ||
	    strlen(q->value) != q->value_len ||
	    !wj_utf8_clean(q->value, q->value_len)) {
		wj_errinfo_set(&r->err, "%s must be at most %d characters of "
		    "text", n, WJ_PARAM_MAX);
		return WJ_ERR_INVALID;
	}
	if (q->value_len == 0)
		return 0;	/* an empty value is no filter */
	if (strcmp(n, "status") == 0)
		return add_filter_value(r, n, q->value, f->statuses,
		    &f->n_statuses);
	if (strcmp(n, "job_type") == 0)
		return add_filter_value(r, n, q->value, f->job_types,
		    &f->n_job_types);
	if (strcmp(n, "job_id") == 0)
		f->job_id = q->value;
	else
		f->desktop_pool_id = q->value;
	return 0;
}

/*
 * Render the page for filter f into rows (empty).  total_count is known
 * only after the page, so the page goes after room for the head, which
 * is then written just before it and moved to the front.
 */
static int
render_list(void *arg, struct buf *rows)
{
	const struct list_req *lr = arg;
	struct list_out o;
	struct jw w;
	int64_t total = 0;
	size_t off;
	char head[LIST_HEAD_ROOM + 1];
	int e, n;

	/* Reserved once: a rendered sub-job is about 450-650 bytes. */
	if (buf_reserve(rows, LIST_HEAD_ROOM +
	    (size_t)lr->f.limit * 512) != 0)
		return WJ_ERR_NOMEM;
	memset(rows->data, ' ', LIST_HEAD_ROOM);
	rows->len = LIST_HEAD_ROOM;
	rows->data[rows->len] = '\0';
	jw_init(&w, rows);
	o.w = &w;
	jw_arr_open(&w);
	if ((e = store_sub_jobs_list(lr->store, &lr->f, &total, emit_sub_job,
	    &o)) != 0)
		return e;
	jw_arr_close(&w);
	buf_putc(rows, '}');
	n = snprintf(head, sizeof(head), "{\"total_count\":%lld,\"jobs\":",
	    (long long)total);
	if (rows->failed || n < 0 || (size_t)n > LIST_HEAD_ROOM)
		return WJ_ERR_NOMEM;
	off = LIST_HEAD_ROOM - (size_t)n;
	memcpy(rows->data + off, head, (size_t)n);
	memmove(rows->data, rows->data + off, rows->len - off + 1);
	rows->len -= off;
	return 0;
}

/*
 * The page is a function of the project, the raw query and the database
 * contents alone (the caller is authorized before this runs), so it is
 * served through the exact memo of rendered answers (memo.c): repeated
 * polls of one page between two commits are rendered once per thread.
 */
int
api_sub_jobs_list(struct api_req *r)
{
	struct list_req lr;
	struct http_qparam *q = NULL;
	struct buf rows, key;
	size_t i, nq = 0;
	int e;

	memset(&lr, 0, sizeof(lr));
	buf_init(&rows);
	buf_init(&key);
	lr.store = r->api->store;
	lr.f.project_id = r->project_id;
	lr.f.limit = WJ_LIST_LIMIT_DEFAULT;
	if ((e = api_query(r, &q, &nq)) != 0)
		goto out;
	for (i = 0; i < nq; i++)
		if ((e = parse_param(r, &q[i], &lr.f)) != 0)
			goto out;
	buf_printf(&key, "ListItaSubJobs\n%s\n%s", r->project_id,
	    r->http->query != NULL ? r->http->query : "");
	if (key.failed) {
		e = WJ_ERR_NOMEM;
		goto out;
	}
	if ((e = api_memo_read(r->api->memo, r->api->store, key.data,
	    key.len, render_list, &lr, &rows)) == 0)
		e = api_reply(r, 200, &rows);
 out:
	http_query_free(q, nq);
	buf_free(&key);
	buf_free(&rows);
	return e;
}

/* Collect job_ids: 1..10 distinct strings of 1..255 characters. */
static int
parse_ids(struct api_req *r, json_t *arr, const char **ids, size_t *n)
{
	size_t i, j, len;
	json_t *v;
	const char *s;

	*n = 0;
	if (!json_is_array(arr)) {
		wj_errinfo_set(&r->err, "job_ids must be an array of strings");
		return WJ_ERR_INVALID;
	}
	if (json_array_size(arr) < 1 ||
	    json_array_size(arr) > WJ_DELETE_IDS_MAX) {
		wj_errinfo_set(&r->err, "job_ids must have 1..%d items",
		    WJ_DELETE_IDS_MAX);
		return WJ_ERR_INVALID;
	}
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v)) {
			wj_errinfo_set(&r->err, "job_ids[%zu] must be a string",
			    i);
			return WJ_ERR_INVALID;
		}
		s = json_string_value(v);
		len = json_string_length(v);
		if (len == 0 || strlen(s) != len || !wj_utf8_clean(s, len) ||
		    wj_utf8_len(s, len) > WJ_PARAM_MAX) {
			wj_errinfo_set(&r->err, "job_ids[%zu] must be 1..%d "
			    "characters of text", i, WJ_PARAM_MAX);
			return WJ_ERR_INVALID;
		}
		for (j = 0; j < *n; j++)
			if (strcmp(ids[j], s) == 0)
				break;
		if (j == *n)
			ids[(*n)++] = s;	/* duplicates collapse */
	}
	return 0;
}

/*
 * A BatchDeleteSubJobs waiting for the store's group commit (by IDs or
 * by status): no server thread waits with it, and everything the store
 * reads until then lives here.
 */
struct del_pending {
	struct api_pending  p;		/* doc owns the ID strings */
	const char	   *ids[WJ_DELETE_IDS_MAX];
};

/* The one reply of BatchDeleteSubJobs, once the delete is durable or
 * refused: 200 without a body (docs/API.md#batchdeletesubjobs). */
static void
del_reply(struct http_req *h, void *arg)
{
	(void)h;
	api_pending_reply(arg, 200, NULL);
	api_pending_free(arg);
}

/* Queue the delete of ids[0..n), or of status when n is 0; the strings
 * are owned by *doc, which is taken. */
static int
delete_deferred(struct api_req *r, json_t **doc, const char **ids, size_t n,
    int status)
{
	struct del_pending *d;
	int e;

	if ((d = api_pending_new(r, sizeof(*d))) == NULL)
		return WJ_ERR_NOMEM;
	d->p.doc = *doc;
	*doc = NULL;
	memcpy(d->ids, ids, n * sizeof(*ids));
	e = n > 0 ? store_sub_jobs_delete_async(r->api->store, &d->p.actor,
	    r->project_id, d->ids, n, &d->p.err, api_pending_done, d) :
	    store_sub_jobs_delete_by_status_async(r->api->store, &d->p.actor,
	    r->project_id, status, NULL, api_pending_done, d);
	return api_deferred(&d->p, e, del_reply, api_pending_free);
}

int
api_sub_jobs_batch_delete(struct api_req *r)
{
	const char *ids[WJ_DELETE_IDS_MAX], *st = NULL;
	json_t *doc = NULL, *jids;
	size_t n = 0;
	int e, status;

	if ((e = api_body_object(r, &doc)) != 0)
		goto out;
	jids = json_object_get(doc, "job_ids");
	if (jids != NULL && json_is_null(jids))
		jids = NULL;
	if ((e = api_json_str(r, doc, "delete_by_status", 0,
	    WJ_DELETE_STATUS_MAX, 0, &st)) != 0)
		goto out;
	/* Exactly one of job_ids / delete_by_status. */
	if ((jids == NULL) == (st == NULL)) {
		wj_errinfo_set(&r->err, "exactly one of job_ids and "
		    "delete_by_status is required");
		e = WJ_ERR_INVALID;
		goto out;
	}
	if (jids != NULL) {
		if ((e = parse_ids(r, jids, ids, &n)) != 0)
			goto out;
		status = -1;
	} else {
		status = job_status_parse(st);
		if (status != JOB_STATUS_SUCCESS && status != JOB_STATUS_FAILED) {
			wj_errinfo_set(&r->err, "delete_by_status must be "
			    "SUCCESS or FAILED");
			e = WJ_ERR_INVALID;
			goto out;
		}
	}
	/* Answered by del_reply once the commit is durable. */
	e = delete_deferred(r, &doc, ids, n, status);
 out:
	json_decref(doc);
	return e;
}
