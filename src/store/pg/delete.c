/*
 * delete.c - BatchDeleteSubJobs on PostgreSQL: by IDs (all or nothing,
 * every refusal named as the SQLite engine names it; the rows locked and
 * read in one statement, deleted with their counts in a second, through
 * pg_apply) and by status (one set-based statement in a transaction of
 * its own).
 */
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

struct delete_arg {
	const char	   *project_id;
	const char *const  *ids;
	size_t		    n;
	int		    status;	/* delete_by_status */
	int64_t		    deleted;	/* out */
	struct wj_errinfo  *ei;
};

/* Start one more refusal in ei: reasons are separated by "; ". */
static void
refuse(struct wj_errinfo *ei, int *nbad)
{
	if ((*nbad)++ > 0)
		wj_errinfo_append(ei, "; ");
}

/* The row of res whose column 0 is id, or -1. */
static int
row_of(const PGresult *res, const char *id)
{
	int i;

	for (i = 0; i < PQntuples(res); i++)
		if (strcmp(PQgetvalue(res, i, 0), id) == 0)
			return i;
	return -1;
}

/*
 * The job IDs among the IDs that name no sub-job of the project, into
 * *jobs (NULL when every ID named one: no statement).
 */
static int
delete_jobs(struct pg_conn *c, struct delete_arg *a, const PGresult *rows,
    PGresult **jobs)
{
	const char **miss;
	size_t i, n = 0;
	int r = 0;

	*jobs = NULL;
	if ((miss = calloc(a->n, sizeof(*miss))) == NULL)
		return WJ_ERR_NOMEM;
	for (i = 0; i < a->n; i++)
		if (row_of(rows, a->ids[i]) < 0)
			miss[n++] = a->ids[i];
	if (n > 0)
		r = pg_query(c, jobs, "SELECT id FROM jobs WHERE project_id = $1 "
		    "AND id = ANY ($2)", "ta", a->project_id, miss, n);
	free(miss);
	return r;
}

/*
 * Say why ids[i] may not be deleted, in the order the IDs are listed: a
 * job's ID; WAITING or RUNNING; a protected job type.  An ID that names
 * nothing is skipped (deleting is idempotent); one refused is refused
 * each time it is listed.
 */
static void
delete_check(struct delete_arg *a, size_t i, const PGresult *rows,
    const PGresult *jobs, int *nbad)
{
	const char *id = a->ids[i], *type;
	int k = row_of(rows, id), status;

	if (k < 0) {
		if (jobs != NULL && row_of(jobs, id) >= 0) {
			refuse(a->ei, nbad);
			wj_errinfo_append(a->ei, "%s is a job ID, not a sub-job "
			    "ID", id);
		}
		return;
	}
	status = atoi(PQgetvalue(rows, k, 1));
	type = PQgetvalue(rows, k, 2);
	if (status == JOB_STATUS_WAITING || status == JOB_STATUS_RUNNING) {
		refuse(a->ei, nbad);
		wj_errinfo_append(a->ei, "%s is %s; only SUCCESS or FAILED "
		    "sub-jobs can be deleted", id, job_status_name(status));
	} else if (job_type_protected(type)) {
		refuse(a->ei, nbad);
		wj_errinfo_append(a->ei, "%s has job type %s, which cannot be "
		    "deleted", id, type);
	}
}

/* The rows a delete removes as pg_apply's chg: $1 the project; cond
 * follows. */
#define DELETE_CHG(cond) "chg AS (DELETE FROM sub_jobs WHERE project_id = $1 " \
	"AND " cond " RETURNING id, project_id, job_id, job_type, " \
	"status AS old_status, -1 AS new_status, error_code, fail_reason, " \
	"0::bigint AS at_ms)"

/* A delete's count of removed rows, from pg_apply's answer. */
static void
delete_count(PGresult *res, int64_t *n)
{
	struct pg_row row = { res, 0 };

	*n = pg_bigint(&row, 0);
	PQclear(res);
}

static int
delete_ids_op(struct pg_conn *c, struct pg_op *op)
{
	struct delete_arg *a = op->arg;
	PGresult *rows = NULL, *jobs = NULL, *res = NULL;
	size_t i;
	int r, nbad = 0;

	/* An op may run again: start from the arguments alone. */
	a->deleted = 0;
	if (a->ei != NULL)
		a->ei->detail[0] = '\0';
	if (a->n == 0)
		return 0;
	/* Lock the rows as they are now, in one order for every caller. */
	if ((r = pg_query(c, &rows, "SELECT id, status, job_type FROM sub_jobs "
	    "WHERE project_id = $1 AND id = ANY ($2) ORDER BY id FOR UPDATE",
	    "ta", a->project_id, a->ids, a->n)) != 0 ||
	    (r = delete_jobs(c, a, rows, &jobs)) != 0)
		goto out;
	for (i = 0; i < a->n; i++)
		delete_check(a, i, rows, jobs, &nbad);
	if (nbad > 0) {
		r = WJ_ERR_INVALID;	/* all or nothing: nothing deleted */
		goto out;
	}
	/* The rows and their counts in one statement; deletions change
	 * counts only, never a job's status or error. */
	if (PQntuples(rows) == 0 || (r = pg_apply(c, &res, 0,
	    DELETE_CHG("id = ANY ($2)"), NULL, "ta", a->project_id, a->ids,
	    a->n)) != 0)
		goto out;
	delete_count(res, &a->deleted);
	if (a->deleted != PQntuples(rows))
		r = WJ_ERR_INTERNAL;	/* the rows were locked */
 out:
	PQclear(jobs);
	PQclear(rows);
	return r;
}

/* Check the arguments and set up op and a for a delete by IDs. */
static int
delete_ids_init(struct pg_op *op, struct delete_arg *a,
    const struct store_actor *actor, const char *project_id,
    const char *const *ids, size_t n, struct wj_errinfo *ei)
{
	size_t i;

	if (project_id == NULL || (n > 0 && ids == NULL))
		return WJ_ERR_INVALID;
	for (i = 0; i < n; i++)
		if (ids[i] == NULL)
			return WJ_ERR_INVALID;
	if (ei != NULL)
		ei->detail[0] = '\0';
	*a = (struct delete_arg){ project_id, ids, n, 0, 0, ei };
	pg_op_init(op, delete_ids_op, a, 1, actor,
	    "workspace:jobs:deleteSubJobRecords", project_id);
	for (i = 0; i < n; i++)
		pg_res_add(op, ids[i]);
	pg_res_end(op);
	return 0;
}

/* A delete nobody waits for: by IDs, or by status (then *deleted). */
struct delete_async {
	struct pg_async	  a;
	struct delete_arg arg;
	int64_t		 *deleted;	/* may be NULL */
};

int
pg_store_sub_jobs_delete_async(struct pg_store *st,
    const struct store_actor *actor, const char *project_id,
    const char *const *ids, size_t n, struct wj_errinfo *ei,
    store_done_fn done, void *arg)
{
	struct delete_async *d;
	int r;

	if (done == NULL)
		return WJ_ERR_INVALID;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return WJ_ERR_NOMEM;
	if ((r = delete_ids_init(&d->a.op, &d->arg, actor, project_id, ids, n,
	    ei)) != 0) {
		free(d);
		return r;
	}
	return pg_submit_done(st, &d->a, NULL, done, arg);
}

static int
delete_status_op(struct pg_conn *c, struct pg_op *op)
{
	struct delete_arg *a = op->arg;
	PGresult *res = NULL;
	int r;

	op->aud.res.len = 0;
	a->deleted = 0;
	buf_printf(&op->aud.res, "[\"status:%s\"]", job_status_name(a->status));
	/* One set-based pass however many rows match, with the counts. */
	if ((r = pg_apply(c, &res, 0, DELETE_CHG("status = $2 AND "
	    "wj_type_protected(job_type) = 0"), NULL, "ti", a->project_id,
	    a->status)) != 0)
		return r;
	delete_count(res, &a->deleted);
	return 0;
}

static void
delete_status_finish(struct pg_async *a)
{
	struct delete_async *d = (struct delete_async *)(void *)a;

	if (a->op.result == 0 && d->deleted != NULL)
		*d->deleted = d->arg.deleted;
}

int
pg_store_sub_jobs_delete_by_status_async(struct pg_store *st,
    const struct store_actor *actor, const char *project_id, int status,
    int64_t *deleted, store_done_fn done, void *arg)
{
	struct delete_async *d;

	if (deleted != NULL)
		*deleted = 0;
	if (project_id == NULL ||
	    (status != JOB_STATUS_SUCCESS && status != JOB_STATUS_FAILED))
		return WJ_ERR_INVALID;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return WJ_ERR_NOMEM;
	d->arg = (struct delete_arg){ project_id, NULL, 0, status, 0, NULL };
	d->deleted = deleted;
	pg_op_init(&d->a.op, delete_status_op, &d->arg, 1, actor,
	    "workspace:jobs:deleteSubJobRecords", project_id);
	d->a.op.alone = 1;	/* any number of rows */
	return pg_submit_done(st, &d->a, delete_status_finish, done, arg);
}
