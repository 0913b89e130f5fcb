/*
 * delete.c - BatchDeleteSubJobs on SQLite: by IDs (all or nothing, with
 * every refusal named; the pages it will change prefetched on the calling
 * thread while the writer reads from the disk) and by status (one
 * set-based pass in a transaction of its own).
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

/* ---- delete -------------------------------------------------------------- */

int sq_test_prefetch_always;
int64_t sq_prefetch_found;

/* delete_prefetch: rows read around a probed one, either side */
#define SQ_PREFETCH_AROUND	24
/* ... and this reads the entries of the job's sub-jobs (those begun
 * with the first) in every list index, its jobs and counts rows and the
 * table around its first row; the blocks of sub_job_blocks
 * holding it (all sub-jobs, its status); each part counts 1 when it found any.
 * ?1 project, ?2 begin_ms, ?3 status, ?4 job type, ?5 job, ?6 pool,
 * ?7 rowid. */
#define SQ_PREFETCH_PROBE "SELECT " \
	"(SELECT count(*) > 0 FROM sub_jobs INDEXED BY sub_jobs_page WHERE " \
	"  project_id = ?1 AND nb = -?2) + " \
	"(SELECT count(*) > 0 FROM sub_jobs INDEXED BY sub_jobs_status WHERE " \
	"  project_id = ?1 AND status = ?3 AND nb = -?2) + " \
	"(SELECT count(*) FROM (SELECT 1 FROM sub_job_blocks WHERE " \
	"  project_id = ?1 AND s = 4 AND nb <= -?2 ORDER BY nb DESC, id DESC " \
	"  LIMIT 1)) + " \
	"(SELECT count(*) FROM (SELECT 1 FROM sub_job_blocks WHERE " \
	"  project_id = ?1 AND s = ?3 AND nb <= -?2 ORDER BY nb DESC, id DESC " \
	"  LIMIT 1)) + " \
	"(SELECT count(*) > 0 FROM sub_jobs INDEXED BY sub_jobs_type WHERE " \
	"  project_id = ?1 AND job_type = ?4 AND begin_ms = ?2) + " \
	"(SELECT count(*) > 0 FROM sub_jobs INDEXED BY sub_jobs_job WHERE " \
	"  project_id = ?1 AND job_id = ?5) + " \
	"(SELECT count(*) > 0 FROM sub_jobs INDEXED BY sub_jobs_pool WHERE " \
	"  project_id = ?1 AND desktop_pool_id = ?6 AND begin_ms = ?2) + " \
	"(SELECT count(n_success) FROM jobs WHERE project_id = ?1 AND " \
	"  id = ?5) + " \
	"(SELECT count(n) FROM sub_job_counts WHERE project_id = ?1 AND " \
	"  job_type = ?4 AND status = ?3) + " \
	/* the table leaves around the row: a delete may rebalance them */ \
	"(SELECT count(*) > 0 FROM sub_jobs WHERE rowid BETWEEN ?7 - " \
	SQ_STR(SQ_PREFETCH_AROUND) " AND ?7 + " SQ_STR(SQ_PREFETCH_AROUND) ")"

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

/* A sub-job a delete by IDs removed: what its counts need. */
struct del_row {
	char	*job_id;
	char	*job_type;
	int	 status;
};

struct del_rows {
	struct del_row	*v;
	struct sq_deleted *keys;	/* the same rows for their blocks */
	int64_t		*rids;		/* and their rowids */
	size_t		 n;
};

static void
del_rows_free(struct del_rows *rows)
{
	size_t i;

	for (i = 0; i < rows->n; i++) {
		free(rows->v[i].job_id);
		free(rows->v[i].job_type);
	}
	free(rows->v);
	free(rows->keys);
	free(rows->rids);
}

static int
del_rows_add(struct del_rows *rows, int64_t rid, const char *job_id,
    const char *job_type, int status, int64_t begin_ms, const char *id)
{
	struct del_row *d = &rows->v[rows->n];
	struct sq_deleted *k = &rows->keys[rows->n];

	if (job_id == NULL || job_type == NULL ||
	    (d->job_id = strdup(job_id)) == NULL)
		return WJ_ERR_NOMEM;
	if ((d->job_type = strdup(job_type)) == NULL) {
		free(d->job_id);
		return WJ_ERR_NOMEM;
	}
	d->status = status;
	k->nb = -begin_ms;
	k->id = id;
	k->status = status;
	rows->rids[rows->n] = rid;
	rows->n++;
	return 0;
}

/* id names no sub-job of the project: refused if it is a job's ID,
 * otherwise skipped (one listed twice is already gone: deleting is
 * idempotent). */
static int
delete_unknown(struct sq_conn *c, struct delete_arg *a, const char *id,
    int *nbad)
{
	int r, job;

	if ((r = sq_exists(c, &job, "SELECT 1 FROM jobs WHERE project_id = ? "
	    "AND id = ?", "tt", a->project_id, id)) == 0 && job) {
		refuse(a->ei, nbad);
		wj_errinfo_append(a->ei, "%s is a job ID, not a sub-job ID",
		    id);
	}
	return r;
}

/*
 * Note id's row for the delete if it may be deleted; say why not if it
 * is refused (WAITING or RUNNING, or a protected job type).  A refusal
 * anywhere in the request fails the op before anything is written.
 *
 * The row is read through the id index and checked here; delete_rows
 * deletes the request's rows by rowid.  Not one DELETE ... RETURNING:
 * SQLite opens a new ephemeral table for the returned rows at each run,
 * and the plain statements cost measurably less CPU per request.
 */
static int
delete_take(struct sq_conn *c, struct delete_arg *a, const char *id,
    int *nbad, struct del_rows *rows)
{
	sqlite3_stmt *st = NULL;
	const char *type;
	int64_t rid;
	size_t i;
	int r, row, status;

	if ((r = sq_stmt(c, "SELECT rowid, job_id, job_type, status, "
	    "begin_ms, id FROM sub_jobs WHERE id = ? AND project_id = ?",
	    &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "tt", id, a->project_id)) != 0 ||
	    (r = sq_step(c, st, &row)) != 0)
		goto out;
	if (!row) {
		sq_put(c, st);
		return delete_unknown(c, a, id, nbad);
	}
	rid = sqlite3_column_int64(st, 0);
	for (i = 0; i < rows->n; i++)
		if (rows->rids[i] == rid)
			goto out;	/* named twice: deleted once */
	type = sq_text(st, 2);
	status = sqlite3_column_int(st, 3);
	if (status == JOB_STATUS_WAITING || status == JOB_STATUS_RUNNING) {
		refuse(a->ei, nbad);
		wj_errinfo_append(a->ei, "%s is %s; only SUCCESS or FAILED "
		    "sub-jobs can be deleted", id, job_status_name(status));
	} else if (job_type_protected(type)) {
		refuse(a->ei, nbad);
		wj_errinfo_append(a->ei, "%s has job type %s, which cannot be "
		    "deleted", id, type);
	} else
		r = del_rows_add(rows, rid, sq_text(st, 1), type, status,
		    sqlite3_column_int64(st, 4), id);
 out:
	sq_put(c, st);
	return r;
}

/* The IN list of delete_rows: one parameter per ID a request may name. */
#define SQ_DEL_RIDS \
	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
_Static_assert(WJ_DELETE_IDS_MAX == 10, "SQ_DEL_RIDS names each ID");

/*
 * Delete rowids rid[0..n-1] (n at most WJ_DELETE_IDS_MAX, distinct) in
 * one statement: SQLite then keeps one statement journal for them all,
 * each page the rows share copied into it once.  The parameters left
 * over repeat the first rowid.
 */
static int
delete_rids(struct sq_conn *c, const int64_t *rid, size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int r, row;

	if ((r = sq_stmt(c, "DELETE FROM sub_jobs WHERE rowid IN ("
	    SQ_DEL_RIDS ")", &st)) != 0)
		return r;
	for (i = 0; i < WJ_DELETE_IDS_MAX && r == 0; i++)
		if (sqlite3_bind_int64(st, (int)i + 1, rid[i < n ? i : 0]) !=
		    SQLITE_OK)
			r = WJ_ERR_INTERNAL;
	if (r == 0 && (r = sq_step(c, st, &row)) == 0 &&
	    sqlite3_changes64(c->db) != (int64_t)n)
		r = WJ_ERR_INTERNAL;
	sq_put(c, st);
	return r;
}

/* Delete the noted rows, WJ_DELETE_IDS_MAX a statement. */
static int
delete_rows(struct sq_conn *c, struct delete_arg *a,
    const struct del_rows *rows)
{
	size_t i, k;
	int r = 0;

	for (i = 0; i < rows->n && r == 0; i += k) {
		k = rows->n - i < WJ_DELETE_IDS_MAX ? rows->n - i :
		    WJ_DELETE_IDS_MAX;
		if ((r = delete_rids(c, rows->rids + i, k)) == 0)
			a->deleted += (int64_t)k;
	}
	return r;
}

static int
delete_chg(struct sq_conn *c, struct delete_arg *a)
{
	int r;

	if ((r = sq_run(c, &a->deleted, "DELETE FROM sub_jobs WHERE rowid IN "
	    "(SELECT rid FROM temp.chg)", "")) != 0)
		return r;
	/* History: deletions change counts only, never status or error. */
	return sq_apply_changes(c, 0, 0);
}

/* How many rows share rows[i]'s job and have status (by_job), or share
 * rows[i]'s job type and status (!by_job, status unused). */
static int64_t
del_count(const struct del_rows *rows, size_t i, int by_job, int status)
{
	const struct del_row *x = &rows->v[i];
	int64_t n = 0;
	size_t j;

	for (j = 0; j < rows->n; j++) {
		const struct del_row *y = &rows->v[j];

		if (by_job ? strcmp(x->job_id, y->job_id) == 0 &&
		    y->status == status : strcmp(x->job_type,
		    y->job_type) == 0 && y->status == x->status)
			n++;
	}
	return n;
}

/* Is rows[i] the first of its group (job, or job type and status)? */
static int
del_first(const struct del_rows *rows, size_t i, int by_job)
{
	const struct del_row *x = &rows->v[i];
	size_t j;

	for (j = 0; j < i; j++) {
		const struct del_row *y = &rows->v[j];

		if (by_job ? strcmp(x->job_id, y->job_id) == 0 :
		    strcmp(x->job_type, y->job_type) == 0 &&
		    y->status == x->status)
			return 0;
	}
	return 1;
}

/*
 * Keep the counts of the deleted rows: the same bookkeeping as
 * sq_apply_changes for a deletion (per-job counts, sub_job_counts; never
 * a job's status or error), in a few keyed statements instead of the
 * set-based ones, for at most WJ_DELETE_IDS_MAX rows.
 */
static int
delete_counts(struct sq_conn *c, struct delete_arg *a,
    const struct del_rows *rows)
{
	size_t i;
	int r;

	for (i = 0; i < rows->n; i++) {
		if (del_first(rows, i, 1) && (r = sq_run(c, NULL,
		    "UPDATE jobs SET n_success = n_success - ?, "
		    "n_failed = n_failed - ? WHERE project_id = ? AND id = ?",
		    "IItt", del_count(rows, i, 1, JOB_STATUS_SUCCESS),
		    del_count(rows, i, 1, JOB_STATUS_FAILED), a->project_id,
		    rows->v[i].job_id)) != 0)
			return r;
		if (del_first(rows, i, 0) && (r = sq_run(c, NULL,
		    "UPDATE sub_job_counts SET n = n - ? WHERE project_id = ? "
		    "AND job_type = ? AND status = ?", "Itti",
		    del_count(rows, i, 0, 0), a->project_id,
		    rows->v[i].job_type, rows->v[i].status)) != 0)
			return r;
	}
	return 0;
}

static int
delete_ids_op(struct sq_conn *c, struct sq_op *op)
{
	struct delete_arg *a = op->arg;
	struct del_rows rows = { NULL, NULL, NULL, 0 };
	size_t i;
	int r = 0, nbad = 0;

	if (a->n > 0 && ((rows.v = calloc(a->n, sizeof(*rows.v))) == NULL ||
	    (rows.keys = calloc(a->n, sizeof(*rows.keys))) == NULL ||
	    (rows.rids = calloc(a->n, sizeof(*rows.rids))) == NULL)) {
		del_rows_free(&rows);
		return WJ_ERR_NOMEM;
	}
	for (i = 0; i < a->n && r == 0; i++)
		r = delete_take(c, a, a->ids[i], &nbad, &rows);
	if (r == 0 && nbad > 0)
		r = WJ_ERR_INVALID;	/* all or nothing: nothing written */
	/* The blocks are counted below, once per block; on any error
	 * op_run's rollback takes the deferral back with the rest. */
	if (r == 0 && rows.n > 0)
		r = sq_blocks_defer(c, 1);
	if (r == 0)
		r = delete_rows(c, a, &rows);
	if (r == 0)
		r = delete_counts(c, a, &rows);
	if (r == 0)
		r = sq_blocks_sub(c, a->project_id, rows.keys, rows.n);
	if (r == 0 && rows.n > 0)
		r = sq_blocks_defer(c, 0);
	del_rows_free(&rows);
	return r;
}

/*
 * Read, on the calling (HTTP) thread, the pages a delete of ids will
 * change: each ID's id index entry and, for a row not next to one already
 * probed, its job's entries in the list indexes, its jobs and counts rows
 * and the table leaves around it.  The pages land in the OS page cache, so
 * the single writer, which would otherwise wait for each cold page in
 * turn, finds them there; many callers read in parallel.  Only while the
 * writer has been reading from the disk (sq_cold): with a warm cache it
 * would only cost CPU.  Best effort: a failure here changes nothing.
 */
static void
delete_prefetch(struct sq_store *st, const char *project_id,
    const char *const *ids, size_t n)
{
	sqlite3_stmt *rid = NULL, *row = NULL, *probe = NULL;
	struct sq_conn *c;
	int64_t r, lo = 1, hi = 0;	/* rows the last probe read around */
	size_t i;
	int found;

	if (n == 0 || wj_bench_off("WJ_BENCH_NOPREFETCH") ||
	    (!sq_cold(st) && !sq_test_prefetch_always) ||
	    sq_reader(st, &c) != 0 || sq_read_begin(c) != 0)
		return;
	if (sq_stmt(c, "SELECT rowid FROM sub_jobs WHERE id = ?", &rid) != 0 ||
	    sq_stmt(c, "SELECT job_id, begin_ms, status, job_type, "
	    "desktop_pool_id FROM sub_jobs WHERE rowid = ? AND "
	    "project_id = ?", &row) != 0 ||
	    sq_stmt(c, SQ_PREFETCH_PROBE, &probe) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		/* The id index alone; a row near the last probed one (the
		 * same job, as a rule) needs nothing more. */
		if (sq_bind(c, rid, "t", ids[i]) != 0 ||
		    sq_step(c, rid, &found) != 0)
			break;
		r = found ? sqlite3_column_int64(rid, 0) : 0;
		sqlite3_reset(rid);
		if (!found || (r >= lo && r <= hi))
			continue;
		if (sq_bind(c, row, "It", r, project_id) != 0 ||
		    sq_step(c, row, &found) != 0)
			break;
		if (found && (sq_bind(c, probe, "tIitttI", project_id,
		    (int64_t)sqlite3_column_int64(row, 1),
		    sqlite3_column_int(row, 2), sq_text(row, 3),
		    sq_text(row, 0), sq_text(row, 4), r) != 0 ||
		    sq_step(c, probe, &found) != 0))
			break;
		if (found) {
			__atomic_fetch_add(&sq_prefetch_found,
			    sqlite3_column_int64(probe, 0), __ATOMIC_RELAXED);
			lo = r - SQ_PREFETCH_AROUND;
			hi = r + SQ_PREFETCH_AROUND;
		}
		sqlite3_reset(probe);
		sqlite3_reset(row);
	}
 out:
	sq_put(c, probe);
	sq_put(c, row);
	sq_put(c, rid);
	(void)sq_read_end(c, 0);
}

/* Check the arguments and set up op and a for a delete by IDs. */
static int
delete_ids_init(struct sq_op *op, struct delete_arg *a,
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
	sq_op_init(op, delete_ids_op, a, 1, actor,
	    "workspace:jobs:deleteSubJobRecords", project_id);
	for (i = 0; i < n; i++)
		sq_res_add(op, ids[i]);
	sq_res_end(op);
	return 0;
}

/* A delete nobody waits for: by IDs, or by status (then *deleted). */
struct delete_async {
	struct sq_async	  a;
	struct delete_arg arg;
	int64_t		 *deleted;	/* may be NULL */
};

int
sq_store_sub_jobs_delete_async(struct sq_store *st, const struct store_actor *actor,
    const char *project_id, const char *const *ids, size_t n,
    struct wj_errinfo *ei, store_done_fn done, void *arg)
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
	delete_prefetch(st, project_id, ids, n);
	return sq_submit_done(st, &d->a, NULL, done, arg);
}

static int
delete_status_op(struct sq_conn *c, struct sq_op *op)
{
	struct delete_arg *a = op->arg;
	int64_t n = 0;
	int r, bulk = 0;

	buf_printf(&op->aud.res, "[\"status:%s\"]", job_status_name(a->status));
	/* One set-based pass however many rows match. */
	if ((r = sq_run(c, &n, "INSERT INTO temp.chg SELECT rowid, "
	    "project_id, job_id, job_type, status, -1 FROM sub_jobs "
	    "WHERE project_id = ? AND status = ? AND "
	    "NOT wj_type_protected(job_type)", "ti", a->project_id,
	    a->status)) != 0)
		return r;
	/* The blocks: with as many rows as the project has blocks or more,
	 * fixed once afterwards; else the delete trigger's two updates per
	 * row cost less. */
	if (n > 0 && (r = sq_exists(c, &bulk, "SELECT 1 WHERE (SELECT "
	    "count(*) FROM sub_job_blocks WHERE project_id = ? AND s = 4) "
	    "<= ?", "tI", a->project_id, n)) != 0)
		return r;
	if (!bulk)
		return delete_chg(c, a);
	if ((r = sq_blocks_defer(c, 1)) == 0 && (r = delete_chg(c, a)) == 0 &&
	    (r = sq_blocks_status_gone(c, a->project_id, a->status)) == 0)
		r = sq_blocks_defer(c, 0);
	return r;
}

static void
delete_status_finish(struct sq_async *a)
{
	struct delete_async *d = (struct delete_async *)(void *)a;

	if (a->op.result == 0 && d->deleted != NULL)
		*d->deleted = d->arg.deleted;
}

int
sq_store_sub_jobs_delete_by_status_async(struct sq_store *st,
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
	sq_op_init(&d->a.op, delete_status_op, &d->arg, 1, actor,
	    "workspace:jobs:deleteSubJobRecords", project_id);
	d->a.op.alone = 1;	/* any number of rows */
	return sq_submit_done(st, &d->a, delete_status_finish, done, arg);
}

