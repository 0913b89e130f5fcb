/*
 * work.c - the internal API's side of sub-jobs on SQLite
 * (docs/API.md#internal-api): claim with leases, heartbeat, finish, and
 * the reaper of expired leases.  A sub-job is never held by two leases
 * because every claim runs on the single writer, inside BEGIN IMMEDIATE
 * (which also serializes writers of other processes), and re-checks
 * status = WAITING as it updates each row.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"
#include "../claimed.h"

/* ---- claim --------------------------------------------------------------- */

/*
 * The WAITING sub-jobs the caller may take, fairly across projects, in
 * turns: the projects of the domain (narrowed by project_ids) that have
 * WAITING work, in id order from the one after the store's claim cursor
 * (the project the previous claim served last), wrapping round, at most
 * max of them; each offers its oldest through the claim index (its share
 * of 4 max + 32, and one more), and
 * the claim takes the first of each project, then the second of each,
 * and so on, max in all.  A project with many WAITING sub-jobs thus
 * delays another's oldest by at most one claim of max projects, and one
 * project alone is served oldest first.  The chosen rows come back
 * oldest first, the order of the answer; the cursor moves to the
 * project of the last row taken.  The PostgreSQL engine claims in the
 * same order.
 */
/* " AND col IN (" and n parameters numbered from *k on, when n > 0. */
static void
in_list(struct buf *b, const char *head, size_t n, size_t *k)
{
	size_t i;

	if (n == 0)
		return;
	buf_puts(b, head);
	for (i = 0; i < n; i++)
		buf_printf(b, "%s?%zu", i ? ", " : "", (*k)++);
	buf_putc(b, ')');
}

/* The projects after (side 0) or up to (side 1) the cursor ?3 that have
 * WAITING work, in id order, at most max. */
static void
turn_sql(const struct store_claim_in *in, struct buf *b, int side)
{
	size_t k = 4 + in->n_job_types;	/* ?1 max, ?2 domain, ?3 cursor */
	size_t t = 4;

	buf_printf(b, "SELECT id, %d AS side FROM (SELECT p.id FROM projects "
	    "AS p WHERE p.domain_id = ?2 AND p.id %s ?3", side,
	    side == 0 ? ">" : "<=");
	in_list(b, " AND p.id IN (", in->n_project_ids, &k);
	buf_puts(b, " AND EXISTS (SELECT 1 FROM sub_jobs AS w INDEXED BY "
	    "sub_jobs_claim WHERE w.project_id = p.id AND w.status = 0");
	in_list(b, " AND w.job_type IN (", in->n_job_types, &t);
	buf_puts(b, ") ORDER BY p.id LIMIT ?1)");
}

static int
candidates_sql(const struct store_claim_in *in, struct buf *b)
{
	size_t t = 4;

	buf_puts(b, "WITH turn AS (SELECT id, row_number() OVER "
	    "(ORDER BY side, id) AS po FROM (");
	turn_sql(in, b, 0);
	buf_puts(b, " UNION ALL ");
	turn_sql(in, b, 1);
	buf_puts(b, ") ORDER BY side, id LIMIT ?1) "
	    "SELECT rid, pid, rn, po FROM (SELECT s.rowid AS rid, "
	    "s.project_id AS pid, "
	    "s.begin_ms AS b, s.id AS id, turn.po AS po, row_number() OVER "
	    "(PARTITION BY s.project_id ORDER BY s.begin_ms, s.id) AS rn "
	    "FROM turn JOIN sub_jobs AS s ON s.rowid IN ("
	    "SELECT w.rowid FROM sub_jobs AS w INDEXED BY sub_jobs_claim "
	    "WHERE w.project_id = turn.id AND w.status = 0");
	in_list(b, " AND w.job_type IN (", in->n_job_types, &t);
	/* Each project's share of 4 max + 32, and one more (the PostgreSQL
	 * engine's window: the same candidates on both engines). */
	buf_puts(b, " ORDER BY w.begin_ms, w.id LIMIT (4 * ?1 + 32) / "
	    "max(1, (SELECT count(*) FROM turn)) + 1) "
	    "ORDER BY rn, po LIMIT ?1) ORDER BY b, id");
	return b->failed ? WJ_ERR_NOMEM : 0;
}

/*
 * Up to max candidate rowids into rid[], *n of them, from the turn after
 * cursor ("" for the first); last (may be NULL) gets the project of the
 * last one in the turn's order.
 */
static int
candidates(struct sq_conn *c, const struct store_claim_in *in, int max,
    const char *cursor, int64_t *rid, size_t *n, char *last, size_t lcap)
{
	sqlite3_stmt *st = NULL;
	int64_t rn, po, best_rn = 0, best_po = 0;
	struct buf b;
	size_t i;
	int r, k = 4, row;

	*n = 0;
	buf_init(&b);
	/* ?1 max, ?2 the domain, ?3 the cursor, ?4... the job types, then
	 * the projects. */
	if ((r = candidates_sql(in, &b)) != 0 ||
	    (r = sq_stmt(c, b.data, &st)) != 0 ||
	    (r = sq_bind(c, st, "itt", max, in->domain_id, cursor)) != 0)
		goto out;
	for (i = 0; i < in->n_job_types; i++)
		if ((r = sq_bind_at(c, st, k++, "t", in->job_types[i])) != 0)
			goto out;
	for (i = 0; i < in->n_project_ids; i++)
		if ((r = sq_bind_at(c, st, k++, "t", in->project_ids[i])) != 0)
			goto out;
	while (*n < (size_t)max) {
		if ((r = sq_step(c, st, &row)) != 0 || !row)
			break;
		rid[(*n)++] = sqlite3_column_int64(st, 0);
		/* The last in the turn's order: the largest (rn, po). */
		rn = sqlite3_column_int64(st, 2);
		po = sqlite3_column_int64(st, 3);
		if (last != NULL && (rn > best_rn || (rn == best_rn &&
		    po > best_po))) {
			best_rn = rn;
			best_po = po;
			if ((r = sq_copy(last, lcap, sq_text(st, 1))) != 0)
				break;
		}
	}
 out:
	sq_put(c, st);
	buf_free(&b);
	return r;
}

struct claim_arg {
	const struct store_claim_in *in;
	struct claimed_pack pack;
};

/* Lease one WAITING sub-job (rowid rid) and pack the leased row. */
static int
claim_one(struct sq_conn *c, struct sq_op *op, int64_t rid, int64_t now)
{
	struct claim_arg *a = op->arg;
	const struct store_claim_in *in = a->in;
	char lease[WJ_ID_LEN + 1];
	sqlite3_stmt *st = NULL;
	struct sub_job sj;
	int r, row;

	if ((r = wj_id_new(lease)) != 0 || (r = sq_stmt(c, "UPDATE sub_jobs "
	    "SET status = 1, lease_id = ?, lease_expires_ms = ?, "
	    "lease_seconds = ?, worker_id = ?, host = coalesce(?, host) "
	    "WHERE rowid = ? AND status = 0 RETURNING " SQ_SUB_JOB_COLS,
	    &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "tIittI", lease,
	    now + (int64_t)in->lease_seconds * 1000, in->lease_seconds,
	    in->worker_id, in->host, rid)) != 0 ||
	    (r = sq_step(c, st, &row)) != 0 || !row)
		goto out;
	sq_sub_job_row(st, &sj);
	if ((r = claimed_add(&a->pack, &sj)) != 0 ||
	    (r = sq_run(c, NULL, "INSERT INTO temp.chg VALUES "
	    "(?, ?, ?, ?, 0, 1)", "Ittt", rid, sj.project_id, sj.job_id,
	    sj.job_type)) != 0)
		goto out;
	sq_res_add(op, sj.id);
	/* RETURNING: run the statement to completion. */
	while ((r = sq_step(c, st, &row)) == 0 && row)
		;
 out:
	sq_put(c, st);
	return r;
}

static int
claim_op(struct sq_conn *c, struct sq_op *op)
{
	struct claim_arg *a = op->arg;
	int64_t rid[WJ_CLAIM_MAX], now = wj_now_ms();
	char last[WJ_ID_LEN + 1] = "";
	size_t i, n;
	int r;

	if ((r = candidates(c, a->in, a->in->max, c->store->claim_cursor, rid,
	    &n, last, sizeof(last))) != 0)
		return r;
	if (n == 0) {
		op->aud.audit = 0;	/* an idle poll is not worth a record */
		return 0;
	}
	for (i = 0; i < n; i++)
		if ((r = claim_one(c, op, rid[i], now)) != 0)
			return r;
	memcpy(c->store->claim_cursor, last, sizeof(last));
	sq_res_end(op);
	return sq_apply_changes(c, now, 1);
}

static int
claim_in_valid(const struct store_claim_in *in)
{
	size_t i;

	if (in == NULL || in->domain_id == NULL || in->worker_id == NULL ||
	    in->max < 1 || in->max > WJ_CLAIM_MAX ||
	    in->lease_seconds < WJ_LEASE_MIN_S ||
	    in->lease_seconds > WJ_LEASE_MAX_S ||
	    in->n_project_ids > WJ_LIST_FILTER_VALUES ||
	    in->n_job_types > WJ_LIST_FILTER_VALUES)
		return 0;
	for (i = 0; i < in->n_project_ids; i++)
		if (in->project_ids[i] == NULL)
			return 0;
	for (i = 0; i < in->n_job_types; i++)
		if (in->job_types[i] == NULL)
			return 0;
	return 1;
}

/* Whether anything waits for this caller (on the reader, no lock). */
static int
claim_any(struct sq_store *st, const struct store_claim_in *in, int *any)
{
	struct sq_conn *c;
	int64_t rid;
	size_t n;
	int r;

	*any = 0;
	if ((r = sq_reader(st, &c)) != 0 ||
	    (r = candidates(c, in, 1, "", &rid, &n, NULL, 0)) != 0)
		return r;
	*any = n > 0;
	return 0;
}

struct claim_async {
	struct sq_async		 a;
	struct claim_arg	 arg;
	struct store_claimed	*out;
};

static void
claim_finish(struct sq_async *a)
{
	struct claim_async *c = (struct claim_async *)(void *)a;

	if (a->op.result == 0)
		claimed_finish(&c->arg.pack, c->out);
	claimed_free(&c->arg.pack);
}

int
sq_store_claim_async(struct sq_store *st, const struct store_actor *actor,
    const struct store_claim_in *in, struct store_claimed *out,
    store_done_fn done, void *arg)
{
	struct claim_async *c;
	int r, any;

	memset(out, 0, sizeof(*out));
	if (!claim_in_valid(in) || done == NULL)
		return WJ_ERR_INVALID;
	/*
	 * Idle workers poll: answer "nothing" from a snapshot without taking
	 * the write lock.  Linearizable: nothing waited at that instant.
	 */
	if ((r = claim_any(st, in, &any)) != 0)
		return r;
	if (!any) {
		done(arg, 0);
		return 0;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return WJ_ERR_NOMEM;
	c->arg.in = in;
	c->out = out;
	if ((r = claimed_init(&c->arg.pack, (size_t)in->max)) != 0) {
		claimed_free(&c->arg.pack);
		free(c);
		return r;
	}
	sq_op_init(&c->a.op, claim_op, &c->arg, 1, actor,
	    "workspace:jobs:execute", NULL);
	return sq_submit_done(st, &c->a, claim_finish, done, arg);
}

/* ---- heartbeat and finish ------------------------------------------------ */

/* The leased sub-job as heartbeat and finish see it. */
struct leased {
	int64_t	rid;
	int	lease_seconds;
};

/*
 * Find sub_job_id in a project of domain_id (else WJ_ERR_NOT_FOUND) held
 * by lease_id (else WJ_ERR_CONFLICT); copy its project into op->aud.project.
 */
static int
leased_get(struct sq_conn *c, struct sq_op *op, const char *domain_id,
    const char *id, const char *lease_id, struct leased *l)
{
	sqlite3_stmt *st = NULL;
	int r, row;

	if ((r = sq_stmt(c, "SELECT s.rowid, s.status = 1 AND s.lease_id = ?, "
	    "s.lease_seconds, s.project_id FROM sub_jobs AS s JOIN projects "
	    "AS p ON p.id = s.project_id WHERE s.id = ? AND p.domain_id = ?",
	    &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "ttt", lease_id, id, domain_id)) != 0 ||
	    (r = sq_step(c, st, &row)) != 0)
		goto out;
	if (!row) {
		r = WJ_ERR_NOT_FOUND;
		goto out;
	}
	l->rid = sqlite3_column_int64(st, 0);
	l->lease_seconds = sqlite3_column_int(st, 2);
	if (op != NULL && sq_copy(op->aud.project, sizeof(op->aud.project),
	    sq_text(st, 3)) != 0)
		op->aud.project[0] = '\0';
	if (!sqlite3_column_int(st, 1))
		r = WJ_ERR_CONFLICT;	/* finished, reaped or re-leased */
 out:
	sq_put(c, st);
	return r;
}

struct beat_arg {
	const char *domain_id, *id, *lease_id;
	int	    process;
	int64_t	    expires;		/* out */
	/* finish */
	int	    status;
	const char *error_code, *fail_reason, *host;
};

static int
heartbeat_op(struct sq_conn *c, struct sq_op *op)
{
	struct beat_arg *a = op->arg;
	struct leased l;
	int r;

	if ((r = leased_get(c, NULL, a->domain_id, a->id, a->lease_id,
	    &l)) != 0)
		return r;
	a->expires = wj_now_ms() + (int64_t)l.lease_seconds * 1000;
	return sq_run(c, NULL, "UPDATE sub_jobs SET lease_expires_ms = ?, "
	    "process = CASE WHEN ?2 >= 0 THEN ?2 ELSE process END "
	    "WHERE rowid = ?3", "IiI", a->expires, a->process, l.rid);
}

/* A heartbeat or finish nobody waits for (heartbeat: *expires). */
struct beat_async {
	struct sq_async	 a;
	struct beat_arg	 arg;
	int64_t		*expires;
};

static void
beat_finish(struct sq_async *a)
{
	struct beat_async *b = (struct beat_async *)(void *)a;

	if (a->op.result == 0 && b->expires != NULL)
		*b->expires = b->arg.expires;
}

/* A heartbeat or finish of sub_job_id held by lease_id, to be queued. */
static int
beat_new(const char *domain_id, const char *sub_job_id, const char *lease_id,
    struct beat_async **out)
{
	struct beat_async *b;

	if (domain_id == NULL || sub_job_id == NULL || lease_id == NULL)
		return WJ_ERR_INVALID;
	if ((*out = b = calloc(1, sizeof(*b))) == NULL)
		return WJ_ERR_NOMEM;
	b->arg.domain_id = domain_id;
	b->arg.id = sub_job_id;
	b->arg.lease_id = lease_id;
	return 0;
}

int
sq_store_heartbeat_async(struct sq_store *st, const char *domain_id,
    const char *sub_job_id, const char *lease_id, int process,
    int64_t *lease_expires_ms, store_done_fn done, void *arg)
{
	struct beat_async *b;
	int r;

	*lease_expires_ms = 0;
	if (process < -1 || process > 100)
		return WJ_ERR_INVALID;
	if ((r = beat_new(domain_id, sub_job_id, lease_id, &b)) != 0)
		return r;
	b->arg.process = process;
	b->expires = lease_expires_ms;
	sq_op_init(&b->a.op, heartbeat_op, &b->arg, 0, NULL, NULL, NULL);
	return sq_submit_done(st, &b->a, beat_finish, done, arg);
}

static int
finish_op(struct sq_conn *c, struct sq_op *op)
{
	struct beat_arg *a = op->arg;
	int64_t now = wj_now_ms();
	struct leased l;
	int r;

	sq_res(op, a->id, NULL);
	if ((r = leased_get(c, op, a->domain_id, a->id, a->lease_id, &l)) != 0)
		return r;
	if ((r = sq_run(c, NULL, "INSERT INTO temp.chg SELECT rowid, "
	    "project_id, job_id, job_type, 1, ? FROM sub_jobs WHERE rowid = ?",
	    "iI", a->status, l.rid)) != 0 ||
	    (r = sq_run(c, NULL, "UPDATE sub_jobs SET status = ?1, "
	    "end_ms = ?2, "
	    "process = CASE WHEN ?1 = 2 THEN 100 ELSE process END, "
	    "error_code = CASE WHEN ?1 = 3 THEN ?3 END, "
	    "fail_reason = CASE WHEN ?1 = 3 THEN ?4 END, "
	    "host = coalesce(?5, host), lease_id = NULL, "
	    "lease_expires_ms = NULL WHERE rowid = ?6", "IItttI",
	    (int64_t)a->status, now, a->error_code, a->fail_reason, a->host,
	    l.rid)) != 0)
		return r;
	return sq_apply_changes(c, now, 1);
}

int
sq_store_finish_async(struct sq_store *st, const struct store_actor *actor,
    const char *domain_id, const char *sub_job_id, const char *lease_id,
    int status, const char *error_code, const char *fail_reason,
    const char *host, store_done_fn done, void *arg)
{
	struct beat_async *b;
	int r;

	if (status != JOB_STATUS_SUCCESS && status != JOB_STATUS_FAILED)
		return WJ_ERR_INVALID;
	if ((r = beat_new(domain_id, sub_job_id, lease_id, &b)) != 0)
		return r;
	b->arg.status = status;
	b->arg.error_code = error_code;
	b->arg.fail_reason = fail_reason;
	b->arg.host = host;
	sq_op_init(&b->a.op, finish_op, &b->arg, 1, actor,
	    "workspace:jobs:execute", NULL);
	return sq_submit_done(st, &b->a, NULL, done, arg);
}

/* ---- reaper -------------------------------------------------------------- */

struct reap_arg {
	int64_t	now;
	int	max_attempts;
	int64_t	n;		/* out */
};

/*
 * The reaper's audit rows, one per project it touched, in its
 * transaction: a system action on the sub-jobs whose leases expired.
 */
static int
reap_audit(struct sq_conn *c, int64_t now)
{
	return sq_run(c, NULL, "INSERT INTO audit_events (time_ms, action, "
	    "project_id, resource_ids, outcome, trace_name, via, code, "
	    "record_ms) SELECT ?1, ?2, c.project_id, json_group_array(s.id), "
	    "'success', ?3, ?4, 200, ?1 FROM temp.chg c "
	    "JOIN sub_jobs s ON s.rowid = c.rid GROUP BY c.project_id", "Itti",
	    now, STORE_REAP_ACTION, STORE_REAP_TRACE_NAME, STORE_VIA_SYSTEM);
}

static int
reap_op(struct sq_conn *c, struct sq_op *op)
{
	struct reap_arg *a = op->arg;
	int r;

	/* Set-based: one pass over the lease index, however many expired. */
	if ((r = sq_run(c, &a->n, "INSERT INTO temp.chg SELECT rowid, "
	    "project_id, job_id, job_type, 1, "
	    "CASE WHEN attempts + 1 >= ?1 THEN 3 ELSE 0 END FROM sub_jobs "
	    "WHERE status = 1 AND lease_expires_ms < ?2", "iI",
	    a->max_attempts, a->now)) != 0 || a->n == 0)
		return r;
	/* By rowid, as recorded: the same CASE decides each row's fate. */
	if ((r = sq_run(c, NULL, "UPDATE sub_jobs SET "
	    "status = CASE WHEN attempts + 1 >= ?3 THEN 3 ELSE 0 END, "
	    "process = CASE WHEN attempts + 1 >= ?3 THEN process ELSE 0 END, "
	    "host = CASE WHEN attempts + 1 >= ?3 THEN host END, "
	    "end_ms = CASE WHEN attempts + 1 >= ?3 THEN ?1 END, "
	    "error_code = CASE WHEN attempts + 1 >= ?3 THEN ?2 END, "
	    "fail_reason = CASE WHEN attempts + 1 >= ?3 THEN printf('lease "
	    "expired %d times; the worker stopped heartbeating', attempts + 1) "
	    "END, attempts = attempts + 1, lease_id = NULL, "
	    "lease_expires_ms = NULL, lease_seconds = NULL, worker_id = NULL "
	    "WHERE rowid IN (SELECT rid FROM temp.chg)", "Iti", a->now,
	    SQ_REAP_ERROR_CODE, a->max_attempts)) != 0 ||
	    (r = reap_audit(c, a->now)) != 0)
		return r;
	return sq_apply_changes(c, a->now, 1);
}

/* Whether any lease expired before now (on the reader, no lock). */
static int
reap_any(struct sq_store *st, int64_t now, int *any)
{
	struct sq_conn *c;
	int r;

	*any = 0;
	if ((r = sq_reader(st, &c)) != 0)
		return r;
	return sq_exists(c, any, "SELECT 1 FROM sub_jobs WHERE status = 1 "
	    "AND lease_expires_ms < ? LIMIT 1", "I", now);
}

int
sq_store_reap(struct sq_store *st, int64_t now_ms, int64_t *n)
{
	struct reap_arg a = { now_ms, st->max_attempts, 0 };
	struct sq_op op;
	int r, any;

	*n = 0;
	if ((r = reap_any(st, now_ms, &any)) != 0 || !any)
		return r;
	sq_op_init(&op, reap_op, &a, 0, NULL, NULL, NULL);
	op.alone = 1;		/* every expired lease at once */
	if ((r = sq_submit(st, &op)) == 0)
		*n = a.n;
	sq_op_clear(&op);
	return r;
}
