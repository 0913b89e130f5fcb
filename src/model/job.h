/*
 * job.h - jobs and sub-jobs: statuses, protected job types, the derived
 * job status (docs/ARCHITECTURE.md#data-model) and the JSON shape of
 * JobDetailInfo and ShowJob (docs/API.md#showjob).  Pure functions; no
 * I/O.
 */
#ifndef WJ_JOB_H
#define WJ_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"

enum job_status {
	JOB_STATUS_WAITING = 0,
	JOB_STATUS_RUNNING = 1,
	JOB_STATUS_SUCCESS = 2,
	JOB_STATUS_FAILED = 3,
	JOB_STATUS_COUNT = 4
};

/* "WAITING" ... for a status; NULL for an out-of-range value. */
const char *job_status_name(int);
/* The status named exactly s, or -1. */
int	job_status_parse(const char *s);
/*
 * Nonzero for the types whose sub-jobs may never be deleted
 * (changeAccessVpc, cancelWorkspace, applyWorkspace).
 */
int	job_type_protected(const char *);

/*
 * One sub-job as read from the store.  Strings are borrowed from the
 * store (valid during the callback that hands the struct out) and NULL
 * when the member has no value; end_ms is 0 until finished.
 */
struct sub_job {
	const char *id;
	const char *job_id;
	const char *project_id;
	const char *job_type;
	int	    status;
	int64_t	    begin_ms;
	int64_t	    end_ms;
	int	    process;		/* 0..100 */
	const char *error_code;
	const char *fail_reason;
	const char *host;
	const char *entities;		/* compact JSON object text */
	const char *attach_user;
	const char *entity;
	const char *ip_address;
	const char *desktop_pool_id;	/* filter only; not emitted */
	/* internal API only */
	int	    attempts;
	const char *lease_id;
	int64_t	    lease_expires_ms;
};

/* One job row with its per-status counts. */
struct job {
	const char *id;
	const char *project_id;
	const char *job_type;
	int	    status;
	int64_t	    begin_ms;
	int64_t	    end_ms;		/* 0 while not finished */
	const char *error_code;		/* job_error_code; NULL unless FAILED */
	const char *fail_reason;
	int64_t	    count[JOB_STATUS_COUNT];
	int	    started;		/* a sub-job was ever claimed */
};

/*
 * The job status derived from counts: WAITING until a
 * sub-job starts; RUNNING while any is WAITING/RUNNING and one started;
 * then FAILED if a sub-job failed (failed != 0), else SUCCESS.
 */
int	job_derive_status(const int64_t count[JOB_STATUS_COUNT], int started,
	    int failed);
int64_t	job_total(const struct job *);

/*
 * Write one JobDetailInfo object; members without
 * a value are omitted, never null.  with_internal adds attempts, lease_id,
 * lease_expires_at (internal API).
 */
void	sub_job_to_json(struct jw *, const struct sub_job *, int with_internal);
/* Open a ShowJob object and write the job members up to "sub_jobs":[ */
void	job_to_json_open(struct jw *, const struct job *);
/* Close what job_to_json_open opened. */
void	job_to_json_close(struct jw *);

#endif
