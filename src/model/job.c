/*
 * job.c - statuses, protected types, derived job status and the JSON
 * shape of sub-jobs and jobs; see job.h.
 */
#include <string.h>

#include "job.h"
#include "../util/util.h"

static const char *status_names[JOB_STATUS_COUNT] = {
	"WAITING", "RUNNING", "SUCCESS", "FAILED"
};

const char *
job_status_name(int s)
{
	if (s < 0 || s >= JOB_STATUS_COUNT)
		return NULL;
	return status_names[s];
}

int
job_status_parse(const char *s)
{
	int i;

	for (i = 0; i < JOB_STATUS_COUNT; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

int
job_type_protected(const char *t)
{
	/* Never deletable. */
	return t != NULL && (strcmp(t, "changeAccessVpc") == 0 ||
	    strcmp(t, "cancelWorkspace") == 0 ||
	    strcmp(t, "applyWorkspace") == 0);
}

int
job_derive_status(const int64_t c[JOB_STATUS_COUNT], int started, int failed)
{
	if (c[JOB_STATUS_WAITING] + c[JOB_STATUS_RUNNING] > 0)
		return started || c[JOB_STATUS_RUNNING] > 0 ?
		    JOB_STATUS_RUNNING : JOB_STATUS_WAITING;
	return failed ? JOB_STATUS_FAILED : JOB_STATUS_SUCCESS;
}

int64_t
job_total(const struct job *j)
{
	int64_t t = 0;
	int i;

	for (i = 0; i < JOB_STATUS_COUNT; i++)
		t += j->count[i];
	return t;
}

/*
 * Time rendering with a per-thread memo of the last day ("YYYY-MM-DD "):
 * the sub-jobs of a page begin and end on few days, and list pages are
 * hot; the time of day is a few divisions.
 */
static void
time_fmt_memo(int64_t ms, char out[20])
{
	static _Thread_local int64_t last_day = -1;
	static _Thread_local char day[20];
	int64_t d = ms / 86400000, s = ms % 86400000 / 1000;

	if (ms < 0) {
		wj_time_fmt(ms, out);
		return;
	}
	if (d != last_day) {
		wj_time_fmt(d * 86400000, day);
		last_day = d;
	}
	memcpy(out, day, 11);
	out[11] = (char)('0' + s / 36000);
	out[12] = (char)('0' + s / 3600 % 10);
	out[13] = ':';
	out[14] = (char)('0' + s / 600 % 6);
	out[15] = (char)('0' + s / 60 % 10);
	out[16] = ':';
	out[17] = (char)('0' + s % 60 / 10);
	out[18] = (char)('0' + s % 10);
	out[19] = '\0';
}

static void
kv_time(struct jw *w, const char *k, int64_t ms)
{
	char s[20];

	if (ms <= 0)
		return;
	time_fmt_memo(ms, s);
	jw_kv_str(w, k, s);
}

/*
 * ,"key": and the string value (members without a value are left out);
 * the first member of the object drops the comma.
 */
#define PUT_STR(b, first, lit, v) do {					\
	if ((v) != NULL) {						\
		buf_json_member((b), &(lit)[(first)],			\
		    sizeof(lit) - 1 - (first), (v), strlen(v));	\
		(first) = 0;						\
	}								\
} while (0)

/* A member's ,"key": (lit) and its value v[0..n), in one append. */
static void
put_raw(struct buf *b, int *first, const char *lit, size_t litlen,
    const char *v, size_t n)
{
	char t[64];
	size_t k = litlen - (size_t)*first;

	if (k + n > sizeof(t)) {
		b->failed = 1;
		return;
	}
	memcpy(t, lit + *first, k);
	memcpy(t + k, v, n);
	*first = 0;
	buf_append(b, t, k + n);
}

static void
put_time(struct buf *b, int *first, const char *lit, size_t litlen,
    int64_t ms)
{
	char t[22];

	if (ms <= 0)
		return;
	t[0] = '"';
	time_fmt_memo(ms, t + 1);
	t[20] = '"';
	put_raw(b, first, lit, litlen, t, 21);
}

static void
put_int(struct buf *b, int *first, const char *lit, size_t litlen, int64_t v)
{
	char d[24], *p = d + sizeof(d);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	put_raw(b, first, lit, litlen, p, (size_t)(d + sizeof(d) - p));
}

#define LIT(s) s, sizeof(s) - 1

void
sub_job_to_json(struct jw *w, const struct sub_job *s, int with_internal)
{
	struct buf *b = w->b;
	const char *status = job_status_name(s->status);
	char iso[28];
	int first = 1;

	/*
	 * Written straight into the buffer, member by member in the order
	 * of the job API: list pages render 100-1000 of these.
	 */
	jw_obj_open(w);
	PUT_STR(b, first, ",\"id\":", s->id);
	PUT_STR(b, first, ",\"job_id\":", s->job_id);
	PUT_STR(b, first, ",\"job_type\":", s->job_type);
	PUT_STR(b, first, ",\"status\":", status);
	put_time(b, &first, LIT(",\"begin_time\":"), s->begin_ms);
	put_time(b, &first, LIT(",\"end_time\":"), s->end_ms);
	if (s->entities != NULL) {
		buf_append(b, &",\"entities\":"[first], 12 - (size_t)first);
		buf_puts(b, s->entities);	/* compact JSON, from the store */
		first = 0;
	}
	PUT_STR(b, first, ",\"error_code\":", s->error_code);
	PUT_STR(b, first, ",\"fail_reason\":", s->fail_reason);
	put_int(b, &first, LIT(",\"process\":"), s->process);
	PUT_STR(b, first, ",\"host\":", s->host);
	PUT_STR(b, first, ",\"project_id\":", s->project_id);
	PUT_STR(b, first, ",\"attach_user\":", s->attach_user);
	PUT_STR(b, first, ",\"entity\":", s->entity);
	PUT_STR(b, first, ",\"ip_address\":", s->ip_address);
	if (with_internal) {
		put_int(b, &first, LIT(",\"attempts\":"), s->attempts);
		PUT_STR(b, first, ",\"lease_id\":", s->lease_id);
		if (s->lease_expires_ms > 0) {
			wj_time_iso(s->lease_expires_ms, iso);
			PUT_STR(b, first, ",\"lease_expires_at\":", iso);
		}
	}
	jw_obj_close(w);
}

void
job_to_json_open(struct jw *w, const struct job *j)
{
	jw_obj_open(w);
	jw_kv_str(w, "id", j->id);
	jw_kv_str(w, "job_type", j->job_type);
	kv_time(w, "begin_time", j->begin_ms);
	kv_time(w, "end_time", j->end_ms);
	jw_kv_str(w, "status", job_status_name(j->status));
	if (j->status == JOB_STATUS_FAILED) {
		jw_kv_str(w, "job_error_code", j->error_code);
		jw_kv_str(w, "fail_reason", j->fail_reason);
	}
	jw_kv_int(w, "sub_jobs_total", job_total(j));
	jw_key(w, "sub_jobs");
	jw_arr_open(w);
}

void
job_to_json_close(struct jw *w)
{
	jw_arr_close(w);
	jw_obj_close(w);
}
