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
	/* spec/jobs-api.md §6.1: never deletable. */
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

static void
kv_time(struct jw *w, const char *k, int64_t ms)
{
	char s[20];

	if (ms <= 0)
		return;
	wj_time_fmt(ms, s);
	jw_kv_str(w, k, s);
}

void
sub_job_to_json(struct jw *w, const struct sub_job *s, int with_internal)
{
	jw_obj_open(w);
	jw_kv_str(w, "id", s->id);
	jw_kv_str(w, "job_id", s->job_id);
	jw_kv_str(w, "job_type", s->job_type);
	jw_kv_str(w, "status", job_status_name(s->status));
	kv_time(w, "begin_time", s->begin_ms);
	kv_time(w, "end_time", s->end_ms);
	if (s->entities != NULL) {
		jw_key(w, "entities");
		jw_raw(w, s->entities);
	}
	jw_kv_str(w, "error_code", s->error_code);
	jw_kv_str(w, "fail_reason", s->fail_reason);
	jw_kv_int(w, "process", s->process);
	jw_kv_str(w, "host", s->host);
	jw_kv_str(w, "project_id", s->project_id);
	jw_kv_str(w, "attach_user", s->attach_user);
	jw_kv_str(w, "entity", s->entity);
	jw_kv_str(w, "ip_address", s->ip_address);
	if (with_internal) {
		jw_kv_int(w, "attempts", s->attempts);
		jw_kv_str(w, "lease_id", s->lease_id);
		if (s->lease_expires_ms > 0) {
			char iso[28];

			wj_time_iso(s->lease_expires_ms, iso);
			jw_kv_str(w, "lease_expires_at", iso);
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
