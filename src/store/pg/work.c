/*
 * work.c - the internal API's side of sub-jobs on PostgreSQL
 * (docs/API.md#internal-api): claim with leases, heartbeat, finish, and
 * the reaper of expired leases, safe with any number of nodes at once.
 *
 * A claim is one statement: it ranks the candidates fairly across
 * projects (as the SQLite engine does, so both hand out the same
 * sub-jobs), locks up to max of them FOR UPDATE SKIP LOCKED (claimers on
 * other nodes skip each other's rows instead of waiting) and leases them.
 * Heartbeat and finish change a row only while it is RUNNING under the
 * caller's lease, checked by the UPDATE itself; the reaper takes expired
 * leases in bounded batches with SKIP LOCKED, and its UPDATE checks the
 * status, lease and expiry again, so no lease is expired twice.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"
#include "../claimed.h"

/* Expired leases one reaper transaction takes. */
#define PG_REAP_BATCH		500

/* ---- claim --------------------------------------------------------------- */

/*
 * The caller's filters as " AND col = ANY ($k)": the job types of w (if
 * any) are parameter first, the projects of p the one after them.
 */
static void
any_type(struct buf *b, const struct store_claim_in *in, int first)
{
	if (in->n_job_types > 0)
		buf_printf(b, " AND w.job_type = ANY ($%d)", first);
}

static void
any_project(struct buf *b, const struct store_claim_in *in, int first)
{
	if (in->n_project_ids > 0)
		buf_printf(b, " AND p.id = ANY ($%d)",
		    first + (in->n_job_types > 0));
}

/* The projects after (side 0) or up to (side 1) the cursor $3 that have
 * WAITING work, in id order, at most max. */
static void
turn_sql(const struct store_claim_in *in, struct buf *b, int side)
{
	buf_printf(b, "(SELECT p.id, %d AS side FROM projects AS p WHERE "
	    "p.domain_id = $1 AND p.id %s $3", side, side == 0 ? ">" : "<=");
	any_project(b, in, 10);
	buf_puts(b, " AND EXISTS (SELECT 1 FROM sub_jobs AS w "
	    "WHERE w.project_id = p.id AND w.status = 0");
	any_type(b, in, 10);
	buf_puts(b, ") ORDER BY p.id LIMIT $2)");
}

/*
 * The claim, as pg_apply's WITH items: $1 the domain, $2 max, $3 the
 * claim cursor, $4 the lease IDs (text[] of max), $5 lease_expires_ms,
 * $6 lease_seconds, $7 worker_id, $8 host, $9 now, then the job types and
 * the projects (text[]).  Projects take turns as in the SQLite engine
 * (src/store/sqlite/work.c): turn is the projects with WAITING work from
 * the one after the cursor, wrapping round, at most max; pick each one's
 * oldest, its share of a window of 4 max + 32 (the LATERAL walks
 * sub_jobs_claim_project); cand takes the
 * first of each, then the second of each ..., max in all, and locks
 * them, LIMIT and lock in one query level: rows another claimer holds
 * are skipped and do not count.  chg leases them and returns each one's
 * place in the turn (rn, po) for the next cursor.
 */
static int
claim_sql(const struct store_claim_in *in, struct buf *b)
{
	buf_puts(b, "turn AS MATERIALIZED (SELECT t.id, row_number() OVER "
	    "(ORDER BY t.side, t.id) AS po FROM (");
	turn_sql(in, b, 0);
	buf_puts(b, " UNION ALL ");
	turn_sql(in, b, 1);
	buf_puts(b, ") AS t ORDER BY t.side, t.id LIMIT $2), "
	    "pick AS MATERIALIZED (SELECT r.project_id, r.id, r.rn, turn.po "
	    "FROM turn CROSS JOIN LATERAL (SELECT w.project_id, w.id, "
	    "row_number() OVER (ORDER BY w.begin_ms, w.id) AS rn "
	    "FROM sub_jobs AS w WHERE w.project_id = turn.id AND w.status = 0");
	any_type(b, in, 10);
	/* Each project's share of 4 max + 32 candidates, and one more: a
	 * margin past the rows racing claimers hold, whatever their number
	 * of projects. */
	buf_puts(b, " ORDER BY w.project_id, w.begin_ms, w.id "
	    "LIMIT (4 * $2 + 32) / greatest(1, (SELECT count(*) FROM turn)) "
	    "+ 1) AS r), "
	    "cand AS MATERIALIZED (SELECT s.project_id, s.id, pick.rn, pick.po "
	    "FROM pick JOIN sub_jobs AS s ON s.project_id = pick.project_id "
	    "AND s.id = pick.id WHERE s.status = 0 ORDER BY pick.rn, pick.po "
	    "LIMIT $2 FOR UPDATE OF s SKIP LOCKED), "
	    "num AS (SELECT project_id, id, rn, po, "
	    "row_number() OVER (ORDER BY project_id, id) AS k FROM cand), "
	    "chg AS (UPDATE sub_jobs AS u SET status = 1, "
	    "lease_id = ($4::text[])[num.k::int], lease_expires_ms = $5, "
	    "lease_seconds = $6, worker_id = $7, host = coalesce($8, u.host) "
	    "FROM num WHERE u.project_id = num.project_id AND u.id = num.id "
	    "AND u.status = 0 RETURNING u.id, u.project_id, u.job_id, "
	    "u.job_type, 0 AS old_status, 1 AS new_status, u.error_code, "
	    "u.fail_reason, $9::bigint AS at_ms, u.status, u.begin_ms, "
	    "u.end_ms, u.process, u.host, u.entities, u.attach_user, u.entity, "
	    "u.ip_address, u.desktop_pool_id, u.attempts, u.lease_id, "
	    "u.lease_expires_ms, num.rn, num.po)");
	return b->failed ? WJ_ERR_NOMEM : 0;
}

/* The leased rows, oldest first: the answer. */
#define CLAIM_TAIL "SELECT " PG_SUB_JOB_COLS ", rn, po FROM chg " \
	"ORDER BY begin_ms, id"

/* Whether anything waits for the caller: $1 the domain, then the
 * filters as in the claim. */
static int
claim_any_sql(const struct store_claim_in *in, struct buf *b)
{
	buf_puts(b, "SELECT 1 FROM projects AS p WHERE p.domain_id = $1");
	any_project(b, in, 2);
	buf_puts(b, " AND EXISTS (SELECT 1 FROM sub_jobs AS w "
	    "WHERE w.project_id = p.id AND w.status = 0");
	any_type(b, in, 2);
	buf_puts(b, ") LIMIT 1");
	return b->failed ? WJ_ERR_NOMEM : 0;
}

struct claim_arg {
	const struct store_claim_in *in;
	struct claimed_pack pack;
	char	 cursor[WJ_ID_LEN + 1];	/* the store's, when the op ran */
	char	 lease[WJ_CLAIM_MAX][WJ_ID_LEN + 1];
	const char *lease_p[WJ_CLAIM_MAX];
};

/* Bind and run the check for anything waiting (a == NULL), or the claim
 * with its bookkeeping: sql is claim_any_sql's, or claim_sql's. */
static int
claim_query(struct pg_conn *c, const struct store_claim_in *in,
    const char *sql, struct claim_arg *a, int64_t now, PGresult **res)
{
	const char *const *jt = in->job_types, *const *pj = in->project_ids;
	size_t nj = in->n_job_types, np = in->n_project_ids;
	int64_t expires = now + (int64_t)in->lease_seconds * 1000;

	/* The arrays follow in the order the text names them: job types,
	 * then projects; an empty one is not in the text. */
	if (a == NULL) {
		if (nj > 0 && np > 0)
			return pg_query(c, res, sql, "taa", in->domain_id,
			    jt, nj, pj, np);
		if (nj > 0 || np > 0)
			return pg_query(c, res, sql, "ta", in->domain_id,
			    nj > 0 ? jt : pj, nj > 0 ? nj : np);
		return pg_query(c, res, sql, "t", in->domain_id);
	}
#define CLAIM_FIXED "titaIittI"
#define CLAIM_ARGS in->domain_id, in->max, a->cursor, \
	a->lease_p, (size_t)in->max, expires, in->lease_seconds, \
	in->worker_id, in->host, now
	if (nj > 0 && np > 0)
		return pg_apply(c, res, 1, sql, CLAIM_TAIL, CLAIM_FIXED "aa",
		    CLAIM_ARGS, jt, nj, pj, np);
	if (nj > 0 || np > 0)
		return pg_apply(c, res, 1, sql, CLAIM_TAIL, CLAIM_FIXED "a",
		    CLAIM_ARGS, nj > 0 ? jt : pj, nj > 0 ? nj : np);
	return pg_apply(c, res, 1, sql, CLAIM_TAIL, CLAIM_FIXED, CLAIM_ARGS);
#undef CLAIM_FIXED
#undef CLAIM_ARGS
}

/* Columns of CLAIM_TAIL after PG_SUB_JOB_COLS: the place in the turn. */
#define CLAIM_COL_RN	19
#define CLAIM_COL_PO	20

/* The store's claim cursor: get a copy (set 0) or set it from cursor. */
static void
claim_cursor(struct pg_store *st, char cursor[WJ_ID_LEN + 1], int set)
{
	pthread_mutex_lock(&st->mu);
	if (set)
		memcpy(st->claim_cursor, cursor, WJ_ID_LEN + 1);
	else
		memcpy(cursor, st->claim_cursor, WJ_ID_LEN + 1);
	pthread_mutex_unlock(&st->mu);
}

/* Pack the leased rows of res, naming each in the audit row; the cursor
 * moves to the project of the last row in the turn's order. */
static int
claim_pack(struct pg_conn *c, struct pg_op *op, struct claim_arg *a,
    const PGresult *res)
{
	struct pg_row row = { res, 0 };
	int64_t rn, po, best_rn = 0, best_po = 0;
	char last[WJ_ID_LEN + 1] = "";
	struct sub_job sj;
	int r;

	for (row.i = 0; row.i < PQntuples(res); row.i++) {
		pg_sub_job_row(&row, &sj);
		if ((r = claimed_add(&a->pack, &sj)) != 0)
			return r;
		pg_res_add(op, sj.id);
		rn = pg_bigint(&row, CLAIM_COL_RN);
		po = pg_bigint(&row, CLAIM_COL_PO);
		if (rn > best_rn || (rn == best_rn && po > best_po)) {
			best_rn = rn;
			best_po = po;
			if ((r = pg_copy(last, sizeof(last), sj.project_id)) != 0)
				return r;
		}
	}
	pg_res_end(op);
	claim_cursor(c->store, last, 1);
	return 0;
}

static int
claim_op(struct pg_conn *c, struct pg_op *op)
{
	struct claim_arg *a = op->arg;
	int64_t now = wj_now_ms();
	PGresult *res = NULL;
	struct buf sql;
	int i, r;

	/* An op may run again: start from the arguments alone. */
	claimed_reset(&a->pack);
	op->aud.res.len = 0;
	op->aud.audit = 1;
	claim_cursor(c->store, a->cursor, 0);
	buf_init(&sql);
	for (i = 0; i < a->in->max; i++)
		if ((r = wj_id_new(a->lease[i])) != 0)
			goto out;
	if ((r = claim_sql(a->in, &sql)) != 0 ||
	    (r = claim_query(c, a->in, sql.data, a, now, &res)) != 0)
		goto out;
	if (PQntuples(res) == 0)
		op->aud.audit = 0;	/* an idle poll is not worth a record */
	else
		r = claim_pack(c, op, a, res);
 out:
	PQclear(res);
	buf_free(&sql);
	return r;
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

/* Whether anything waits for this caller (a read, no lock). */
static int
claim_any(struct pg_store *st, const struct store_claim_in *in, int *any)
{
	struct pg_conn *c;
	PGresult *res = NULL;
	struct buf sql;
	int r;

	*any = 0;
	buf_init(&sql);
	if ((r = claim_any_sql(in, &sql)) != 0 ||
	    (r = pg_reader(st, &c)) != 0)
		goto out;
	if ((r = claim_query(c, in, sql.data, NULL, 0, &res)) == 0)
		*any = PQntuples(res) > 0;
	pg_reader_put(st, c);
 out:
	PQclear(res);
	buf_free(&sql);
	return r;
}

struct claim_async {
	struct pg_async		 a;
	struct claim_arg	 arg;
	struct store_claimed	*out;
};

static void
claim_finish(struct pg_async *a)
{
	struct claim_async *c = (struct claim_async *)(void *)a;

	if (a->op.result == 0)
		claimed_finish(&c->arg.pack, c->out);
	claimed_free(&c->arg.pack);
}

int
pg_store_claim_async(struct pg_store *st, const struct store_actor *actor,
    const struct store_claim_in *in, struct store_claimed *out,
    store_done_fn done, void *arg)
{
	struct claim_async *c;
	int r, any, i;

	memset(out, 0, sizeof(*out));
	if (!claim_in_valid(in) || done == NULL)
		return WJ_ERR_INVALID;
	/* Idle workers poll: "nothing" from a read, no write queued. */
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
	for (i = 0; i < WJ_CLAIM_MAX; i++)
		c->arg.lease_p[i] = c->arg.lease[i];
	if ((r = claimed_init(&c->arg.pack, (size_t)in->max)) != 0) {
		claimed_free(&c->arg.pack);
		free(c);
		return r;
	}
	pg_op_init(&c->a.op, claim_op, &c->arg, 1, actor,
	    "workspace:jobs:execute", NULL);
	return pg_submit_done(st, &c->a, claim_finish, done, arg);
}

/* ---- heartbeat and finish ------------------------------------------------ */

/*
 * The leased row changed nothing: WJ_ERR_NOT_FOUND when sub_job_id is no
 * sub-job of domain_id, else WJ_ERR_CONFLICT (finished, reaped or leased
 * again); its project into op->aud.project when op is given.
 */
static int
lease_lost(struct pg_conn *c, struct pg_op *op, const char *domain_id,
    const char *id)
{
	PGresult *res = NULL;
	struct pg_row row;
	int r;

	if ((r = pg_query(c, &res, "SELECT s.project_id FROM sub_jobs AS s "
	    "JOIN projects AS p ON p.id = s.project_id "
	    "WHERE s.id = $1 AND p.domain_id = $2", "tt", id,
	    domain_id)) != 0)
		return r;
	r = WJ_ERR_NOT_FOUND;
	if (PQntuples(res) > 0) {
		row = (struct pg_row){ res, 0 };
		if (op != NULL && pg_copy(op->aud.project, sizeof(op->aud.project),
		    pg_text(&row, 0)) != 0)
			op->aud.project[0] = '\0';
		r = WJ_ERR_CONFLICT;
	}
	PQclear(res);
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

/* The row of sub-job $1 of domain $2 while lease $3 holds it. */
#define PG_LEASED "FROM projects AS p WHERE s.id = $1 " \
	"AND p.id = s.project_id AND p.domain_id = $2 " \
	"AND s.status = 1 AND s.lease_id = $3"

static int
heartbeat_op(struct pg_conn *c, struct pg_op *op)
{
	struct beat_arg *a = op->arg;
	PGresult *res = NULL;
	struct pg_row row = { NULL, 0 };
	int r;

	a->expires = 0;
	if ((r = pg_query(c, &res, "UPDATE sub_jobs AS s SET "
	    "lease_expires_ms = $4 + s.lease_seconds * 1000::bigint, "
	    "process = CASE WHEN $5 >= 0 THEN $5 ELSE s.process END "
	    PG_LEASED " RETURNING s.lease_expires_ms", "tttIi", a->id,
	    a->domain_id, a->lease_id, wj_now_ms(), a->process)) != 0)
		return r;
	row.res = res;
	if (PQntuples(res) > 0)
		a->expires = pg_bigint(&row, 0);
	else
		r = lease_lost(c, NULL, a->domain_id, a->id);
	PQclear(res);
	return r;
}

/* A heartbeat or finish nobody waits for (heartbeat: *expires). */
struct beat_async {
	struct pg_async	 a;
	struct beat_arg	 arg;
	int64_t		*expires;
};

static void
beat_finish(struct pg_async *a)
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
pg_store_heartbeat_async(struct pg_store *st, const char *domain_id,
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
	pg_op_init(&b->a.op, heartbeat_op, &b->arg, 0, NULL, NULL, NULL);
	return pg_submit_done(st, &b->a, beat_finish, done, arg);
}

/*
 * Finish: the UPDATE holds the lease check, and records the change for
 * the counts; the project of the finished row names the audit row.
 */
static int
finish_op(struct pg_conn *c, struct pg_op *op)
{
	struct beat_arg *a = op->arg;
	int64_t now = wj_now_ms();
	PGresult *res = NULL;
	struct pg_row row = { NULL, 0 };
	int r;

	op->aud.res.len = 0;
	op->aud.project[0] = '\0';
	pg_res(op, a->id, NULL);
	if ((r = pg_apply(c, &res, 1, "chg AS (UPDATE sub_jobs AS s SET "
	    "status = $4, end_ms = $5, "
	    "process = CASE WHEN $4 = 2 THEN 100 ELSE s.process END, "
	    "error_code = CASE WHEN $4 = 3 THEN $6 END, "
	    "fail_reason = CASE WHEN $4 = 3 THEN $7 END, "
	    "host = coalesce($8, s.host), lease_id = NULL, "
	    "lease_expires_ms = NULL " PG_LEASED " RETURNING s.id, "
	    "s.project_id, s.job_id, s.job_type, 1 AS old_status, "
	    "s.status AS new_status, s.error_code, s.fail_reason, "
	    "$5::bigint AS at_ms)", "SELECT project_id FROM chg",
	    "tttiIttt", a->id, a->domain_id, a->lease_id, a->status, now,
	    a->error_code, a->fail_reason, a->host)) != 0)
		return r;
	row.res = res;
	if (PQntuples(res) == 0)
		r = lease_lost(c, op, a->domain_id, a->id);
	else if (pg_copy(op->aud.project, sizeof(op->aud.project),
	    pg_text(&row, 0)) != 0)
		op->aud.project[0] = '\0';
	PQclear(res);
	return r;
}

int
pg_store_finish_async(struct pg_store *st, const struct store_actor *actor,
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
	pg_op_init(&b->a.op, finish_op, &b->arg, 1, actor,
	    "workspace:jobs:execute", NULL);
	return pg_submit_done(st, &b->a, NULL, done, arg);
}

/* ---- reaper -------------------------------------------------------------- */

struct reap_arg {
	int64_t	now;
	int	max_attempts;
	int64_t	n;		/* out: this batch */
};

/*
 * One batch: up to PG_REAP_BATCH expired leases, locked SKIP LOCKED (a
 * reaper on another node takes others), each updated only if it is still
 * RUNNING under the lease that expired ($1 now, $2 max_attempts, $3 the
 * error code).  The same CASE decides each row's fate; pg_apply keeps
 * the counts and the jobs' status.
 */
/*
 * The reaper's audit rows, one per project it touched, in the same
 * statement: a system action on the sub-jobs whose leases expired.
 * Each row returned carries the batch's count (none: nothing expired).
 */
_Static_assert(STORE_VIA_SYSTEM == 2, "the SQL below hard-codes it");
static const char reap_audit_sql[] =
	"INSERT INTO audit_events (time_ms, action, project_id, resource_ids, "
	"outcome, trace_name, via, code, record_ms) SELECT $1, '"
	STORE_REAP_ACTION "', project_id, json_agg(id)::text, 'success', '"
	STORE_REAP_TRACE_NAME "', 2, 200, $1 FROM chg GROUP BY project_id "
	"RETURNING (SELECT count(*) FROM chg)";

static int
reap_op(struct pg_conn *c, struct pg_op *op)
{
	struct reap_arg *a = op->arg;
	PGresult *res = NULL;
	struct pg_row row = { NULL, 0 };
	int r;

	a->n = 0;
	if ((r = pg_apply(c, &res, 1, "exp AS (SELECT project_id, id, "
	    "lease_id FROM sub_jobs WHERE status = 1 AND lease_expires_ms < $1 "
	    "ORDER BY lease_expires_ms LIMIT " PG_STR(PG_REAP_BATCH) " "
	    "FOR UPDATE SKIP LOCKED), "
	    "chg AS (UPDATE sub_jobs AS u SET "
	    "status = CASE WHEN u.attempts + 1 >= $2 THEN 3 ELSE 0 END, "
	    "process = CASE WHEN u.attempts + 1 >= $2 THEN u.process ELSE 0 "
	    "END, "
	    "host = CASE WHEN u.attempts + 1 >= $2 THEN u.host END, "
	    "end_ms = CASE WHEN u.attempts + 1 >= $2 THEN $1 END, "
	    "error_code = CASE WHEN u.attempts + 1 >= $2 THEN $3 END, "
	    "fail_reason = CASE WHEN u.attempts + 1 >= $2 THEN 'lease expired "
	    "' || (u.attempts + 1) || ' times; the worker stopped heartbeating' "
	    "END, attempts = u.attempts + 1, lease_id = NULL, "
	    "lease_expires_ms = NULL, lease_seconds = NULL, worker_id = NULL "
	    "FROM exp WHERE u.project_id = exp.project_id AND u.id = exp.id "
	    "AND u.status = 1 AND u.lease_id = exp.lease_id "
	    "AND u.lease_expires_ms < $1 "
	    "RETURNING u.id, u.project_id, u.job_id, u.job_type, "
	    "1 AS old_status, u.status AS new_status, u.error_code, "
	    "u.fail_reason, $1::bigint AS at_ms)", reap_audit_sql, "Iit", a->now,
	    a->max_attempts, PG_REAP_ERROR_CODE)) != 0)
		return r;
	row.res = res;
	a->n = PQntuples(res) > 0 ? pg_bigint(&row, 0) : 0;
	PQclear(res);
	return 0;
}

/* Whether any lease expired before now (a read, no lock). */
static int
reap_any(struct pg_store *st, int64_t now, int *any)
{
	struct pg_conn *c;
	int r;

	*any = 0;
	if ((r = pg_reader(st, &c)) != 0)
		return r;
	r = pg_exists(c, any, "SELECT 1 FROM sub_jobs WHERE status = 1 "
	    "AND lease_expires_ms < $1 LIMIT 1", "I", now);
	pg_reader_put(st, c);
	return r;
}

int
pg_store_reap(struct pg_store *st, int64_t now_ms, int64_t *n)
{
	struct reap_arg a = { now_ms, st->max_attempts, 0 };
	struct pg_op op;
	int r, any;

	*n = 0;
	if ((r = reap_any(st, now_ms, &any)) != 0 || !any)
		return r;
	/* Batch after batch, each its own transaction, until one is not
	 * full: what other reapers hold is theirs. */
	do {
		pg_op_init(&op, reap_op, &a, 0, NULL, NULL, NULL);
		op.alone = 1;
		r = pg_submit(st, &op);
		pg_op_clear(&op);
		if (r == 0)
			*n += a.n;
	} while (r == 0 && a.n == PG_REAP_BATCH);
	return r;
}
