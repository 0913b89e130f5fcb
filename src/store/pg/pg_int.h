/*
 * pg_int.h - private to the PostgreSQL engine of store.h (the files of
 * src/store/pg/, one per entity or concern, as in src/store/sqlite/) and
 * to its unit tests.  Nothing outside src/store/pg/ and tests/unit/store/
 * includes it.  The names follow sqlite_int.h with pg_ for sq_, so that an
 * entity file ports line by line; what differs is said here.
 *
 * Connections: a bounded pool (store_opts.db_pool, PG_POOL_DEFAULT).  A
 * read checks a connection out for the call (pg_reader / pg_reader_put),
 * or uses the one the thread holds between pg_read_begin and pg_read_end
 * (store_read_begin: a REPEATABLE READ READ ONLY snapshot; nests).  A
 * checkout waits at most the deadline (store_opts.db_timeout_ms,
 * PG_TIMEOUT_DEFAULT_MS), then WJ_ERR_UNAVAILABLE.  Every statement runs
 * with statement_timeout = the deadline, and the client gives up on a
 * server that does not answer within it too (the connection is dropped).
 *
 * Statements: SQL text with $1, $2 ... parameters, prepared once per
 * connection on first use (cached by text).  Results come back in text
 * form, bytea as binary-safe bytes (pg_bytea).
 *
 * Writes: as in SQLite, a write API function fills a struct pg_op and
 * queues it (pg_submit / pg_submit_done); a few executor threads, each on
 * its own connection, take every queued op: BEGIN, each op in a SAVEPOINT
 * with its audit row, COMMIT once (synchronous_commit on), then every op
 * learns its result.  op->alone runs in a transaction of its own.  A
 * deadlock or serialization failure, or a connection lost mid-batch,
 * reruns the batch's ops one by one, each in its own transaction (a few
 * times); a database that stays away answers WJ_ERR_UNAVAILABLE.  An op fn
 * may therefore run more than once: it must start from its arguments, not
 * from what an earlier run left in them (reset outputs at its start).
 *
 * Down: after a connection failure the store answers WJ_ERR_UNAVAILABLE
 * at once for PG_DOWN_MS; then one caller tries to connect again.
 */
#ifndef WJ_PG_INT_H
#define WJ_PG_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "../engine.h"
#include "../../util/buf.h"

/* A numeric macro as an SQL literal. */
#define PG_STR_(x) #x
#define PG_STR(x) PG_STR_(x)

#define PG_POOL_DEFAULT		8	/* store_opts.db_pool = 0 */
#define PG_TIMEOUT_DEFAULT_MS	5000	/* store_opts.db_timeout_ms = 0 */
#define PG_QUEUE_DEFAULT	4096	/* store_opts.write_queue_max = 0 */
#define PG_EXECUTORS_MAX	4	/* executor threads: min(pool/2, this) */
#define PG_STMT_CACHE		128	/* prepared statements per connection */
#define PG_DOWN_MS		500	/* fail fast after a lost connection */
#define PG_NO_DEADLINE		(INT64_MAX / 2)
#define PG_RETRIES		5	/* reruns of a deadlocked/lost op */
#define PG_BATCH_MAX		256	/* ops in one transaction */
#define PG_BATCH_LOCK_MS	50	/* a batch's longest lock wait */
/* Idle in a transaction longer than this: the server ends the session. */
#define PG_IDLE_TX_MS		60000
#define PG_APP_NAME		"wksjobs"
#define PG_REAP_ERROR_CODE	"WKS.00211401"	/* the reaper's */
/*
 * sub_job_counts rows per (project_id, job_type, status): a sub-job's
 * changes go to stripe pg_stripe(id), totals are SUMs over the stripes.
 */
#define PG_STRIPES		16

/* The SQL stores and compares statuses as these integers. */
_Static_assert(JOB_STATUS_WAITING == 0 && JOB_STATUS_RUNNING == 1 &&
    JOB_STATUS_SUCCESS == 2 && JOB_STATUS_FAILED == 3,
    "SQL text hard-codes the job_status values");

/* A prepared statement of a connection, keyed by its SQL text. */
struct pg_slot {
	char		*sql;		/* owned copy of the key */
	uint64_t	 hash;
	char		 name[16];	/* "wj<n>" on the server */
};

struct pg_conn {
	struct pg_store	*store;
	PGconn		*db;
	struct pg_slot	*slot;		/* PG_STMT_CACHE of them */
	size_t		 nslot;
	unsigned	 next_name;	/* for the next prepared name */
	int		 bad;		/* lost: drop it, do not reuse */
	char		 sqlstate[6];	/* of the last failure; "" none */
	int		 read_depth;	/* nesting of pg_read_begin() */
	int		 writer;	/* an executor's connection */
	/* wj_mono_us() bound of the statement waited for (each statement
	 * gets the deadline); PG_NO_DEADLINE: none (migrations). */
	int64_t		 deadline_us;
	struct pg_conn	*next;		/* idle list */
};

struct pg_op;
/* Runs on an executor thread inside the op's savepoint; 0 or WJ_ERR_*. */
typedef int (*pg_op_fn)(struct pg_conn *, struct pg_op *);

struct pg_op {
	pg_op_fn	 fn;
	void		*arg;
	/* its audit_events row, written in the same transaction */
	struct store_audit aud;
	/* alone: runs in a transaction of its own, without a savepoint */
	int		 alone;
	/* filled by the executor */
	int		 result;
	int		 retry;		/* failed by a deadlock: run again */
	int		 done;
	pthread_cond_t	 cv;
	struct pg_op	*next;
	/*
	 * pg_submit_async: called on an executor thread, without the store
	 * lock, once the op's transaction committed (or failed); may free
	 * the op.
	 */
	void		(*on_done)(struct pg_op *);
};

struct pg_store {
	char		*conninfo;	/* store_opts.database, as given */
	int		 readonly;
	int		 max_attempts;
	size_t		 queue_max;
	int		 pool_max;
	int		 timeout_ms;
	pthread_key_t	 held;		/* this thread's snapshot pg_conn */
	int		 held_ok;
	/* the pool */
	pthread_mutex_t	 pool_mu;
	pthread_cond_t	 pool_cv;
	struct pg_conn	*idle;
	int		 nconn;		/* open or being opened, pool's */
	int64_t		 down_until_us;	/* wj_mono_us(); 0: up */
	int		 reconnecting;	/* one caller tries */
	/* the executor */
	pthread_mutex_t	 mu;		/* everything below */
	/* The project the last claim served last (claims take projects in
	 * turns from the one after it; work.c). */
	char		 claim_cursor[WJ_ID_LEN + 1];
	pthread_cond_t	 work_cv;
	struct pg_op	*qhead, *qtail;
	size_t		 qlen;
	int		 stop;
	int		 paused;	/* tests: hold the executors */
	int		 nexec_max;	/* executor threads to run */
	int		 nexec;		/* executor threads running */
	pthread_t	 exec[PG_EXECUTORS_MAX];
	uint64_t	 batches;	/* committed transactions */
};

/* ---- conn.c: connections, the pool, statements, errors ------------------ */

/* Open a connection (setup done, statements not yet prepared); with
 * writer, an executor's (temp table chg).  Bounded by the deadline. */
int	pg_conn_open(struct pg_store *, int writer, struct pg_conn **) WJ_WUR;
void	pg_conn_close(struct pg_conn *);
/* Run sql (one or more statements, no parameters, not prepared). */
int	pg_exec(struct pg_conn *, const char *sql) WJ_WUR;
/* ROLLBACK whatever c has open; a failure marks c bad. */
void	pg_rollback(struct pg_conn *);
/* Is the store down (recent connection failure)?  WJ_ERR_UNAVAILABLE
 * then, else 0. */
int	pg_down(struct pg_store *) WJ_WUR;
/* Note a lost connection or unreachable server: the store is down for
 * PG_DOWN_MS. */
void	pg_set_down(struct pg_store *);

/*
 * WJ_ERR_* for a failed result (NULL: the connection's error), logged;
 * unique_violation -> WJ_ERR_EXISTS, foreign_key_violation ->
 * WJ_ERR_NOT_FOUND, other class 23 -> WJ_ERR_INVALID, class 08,
 * 57P01..03, 53, query_canceled (the deadline), deadlock and
 * serialization failures (40P01/40001, see pg_retryable) ->
 * WJ_ERR_UNAVAILABLE (class 08 and 57P0x also mark c bad), 54000/22001 ->
 * WJ_ERR_TOO_LARGE, anything else WJ_ERR_INTERNAL.
 */
int	pg_fail(struct pg_conn *, const PGresult *, const char *what);
/* The SQLSTATE of the last failure of c ("" when none). */
const char *pg_sqlstate(const struct pg_conn *);
/* Was the last failure of c a deadlock / serialization failure, a
 * batch's lock wait past PG_BATCH_LOCK_MS (55P03), or a lost connection:
 * worth rerunning the transaction? */
int	pg_retryable(const struct pg_conn *);

/* Check out an idle connection of the pool (or open one), waiting at most
 * the deadline; WJ_ERR_UNAVAILABLE then or while down. */
int	pg_checkout(struct pg_store *, struct pg_conn **) WJ_WUR;
/* Give it back (closed instead when bad or in a transaction). */
void	pg_checkin(struct pg_store *, struct pg_conn *);

/*
 * A connection for a read: the thread's snapshot one inside
 * pg_read_begin/store_read_begin, else one checked out for the call.
 * Always give it back with pg_reader_put.
 */
int	pg_reader(struct pg_store *, struct pg_conn **) WJ_WUR;
void	pg_reader_put(struct pg_store *, struct pg_conn *);
/*
 * Reads of several statements share one snapshot (BEGIN ISOLATION LEVEL
 * REPEATABLE READ READ ONLY); nests, also with store_read_begin.  *c is
 * the connection to use until pg_read_end.
 */
int	pg_read_begin(struct pg_store *, struct pg_conn **) WJ_WUR;
/* End it; returns r (or the COMMIT error if r is 0); c is given back. */
int	pg_read_end(struct pg_store *, struct pg_conn *, int r);

/*
 * Parameters, from fmt, one letter each, for $1, $2 ...:
 *   't' const char *        text (NULL: SQL NULL)
 *   'i' int                 'I' int64_t
 *   'b' const void *, size_t  bytea (binary)
 *   'a' const char *const *, size_t  a text[] of n strings (none NULL);
 *       use as "= ANY ($n)" or "unnest($n::text[])"
 * Values are copied: nothing need outlive the call.
 */

/*
 * Prepare (cached), bind, run: *res is the result (rows or none), the
 * caller PQclears it.  On failure *res is NULL and the error is mapped.
 */
int	pg_query(struct pg_conn *, PGresult **res, const char *sql,
	    const char *fmt, ...) WJ_WUR;
int	pg_vquery(struct pg_conn *, PGresult **res, const char *sql,
	    const char *fmt, va_list) WJ_WUR;
/*
 * Prepare, bind, run; *changes = rows changed (PQcmdTuples; may be NULL);
 * with must_change, WJ_ERR_NOT_FOUND when it changed no row.
 */
int	pg_do(struct pg_conn *, int64_t *changes, int must_change,
	    const char *sql, const char *fmt, ...) WJ_WUR;
#define pg_run(c, changes, sql, ...) \
	pg_do((c), (changes), 0, (sql), __VA_ARGS__)
#define pg_change(c, sql, ...)	pg_do((c), NULL, 1, (sql), __VA_ARGS__)
/* *yes = whether sql returned a row. */
int	pg_exists(struct pg_conn *, int *yes, const char *sql, const char *fmt,
	    ...) WJ_WUR;
/* pg_exists of sql bound with id ($1): 0 when found, else
 * WJ_ERR_NOT_FOUND. */
int	pg_found(struct pg_conn *, const char *sql, const char *id) WJ_WUR;

/* One row of a result: what the row functions and accessors take. */
struct pg_row {
	const PGresult	*res;
	int		 i;
};
/* Column text or NULL for SQL NULL (borrowed from the result). */
const char *pg_text(const struct pg_row *, int col);
int	pg_isnull(const struct pg_row *, int col);
/* Integer columns (0 for NULL; libpq has a type pg_int64, hence
 * pg_bigint).  Booleans: 't' -> 1. */
int	pg_int(const struct pg_row *, int col);
int64_t	pg_bigint(const struct pg_row *, int col);
/* A bytea column into dst[cap]: *n bytes; WJ_ERR_INTERNAL if too long. */
int	pg_bytea(const struct pg_row *, int col, uint8_t *dst, size_t cap,
	    size_t *n) WJ_WUR;
/* Copy src into dst[size]; WJ_ERR_INTERNAL if it does not fit. */
int	pg_copy(char *dst, size_t size, const char *src) WJ_WUR;
/* Copy the text columns col, col + 1, ... into the (char *dst, size_t
 * size) pairs that follow, up to a NULL dst (pg_copy). */
int	pg_cols(const struct pg_row *, int col, ...) WJ_WUR;
#define PG_TO(a)	(a), sizeof(a)
#define PG_END		((char *)NULL)

/* ---- writer.c: the executor --------------------------------------------- */

/* Start the executor threads (store_open). */
int	pg_writer_start(struct pg_store *) WJ_WUR;
/* Drain the queue and stop them (store_close). */
void	pg_writer_stop(struct pg_store *);

/* Queue op, wait until its transaction committed; returns op->result. */
int	pg_submit(struct pg_store *, struct pg_op *) WJ_WUR;
/*
 * Queue op (with op->on_done set) and return at once: 0 when queued,
 * and then on_done runs exactly once, after the commit; else the error,
 * and on_done never runs.
 */
int	pg_submit_async(struct pg_store *, struct pg_op *) WJ_WUR;

/* ---- audit.c: the op envelope and its audit row -------------------------- */

/* An op its caller does not wait for: allocated with the op first. */
struct pg_async {
	struct pg_op	 op;
	void		(*finish)(struct pg_async *);
	store_done_fn	 done;
	void		*done_arg;
};
/*
 * Queue a->op (set up by pg_op_init): 0 when queued, and then, once its
 * transaction committed or was refused, finish(a) (may be NULL) and
 * done(arg, result), exactly once, on an executor thread; a is freed.
 * Any other return: nothing was queued, finish ran with that error, a is
 * freed, done never runs.
 */
int	pg_submit_done(struct pg_store *, struct pg_async *a,
	    void (*finish)(struct pg_async *), store_done_fn done, void *arg)
	    WJ_WUR;

void	pg_op_init(struct pg_op *, pg_op_fn fn, void *arg, int audit,
	    const struct store_actor *, const char *action,
	    const char *project_id);
void	pg_op_clear(struct pg_op *);
/* The op's audit resource list (store_res_add, store_res_end, store_res). */
#define pg_res_add(op, id)	store_res_add(&(op)->aud, (id))
#define pg_res_end(op)	store_res_end(&(op)->aud)
#define pg_res(op, ...)	store_res(&(op)->aud, __VA_ARGS__)
/* The op's audit_events row, with result as its outcome. */
int	pg_audit_insert(struct pg_conn *, struct pg_op *, int result) WJ_WUR;

/* ---- migrate.c --------------------------------------------------------- */

#define PG_SCHEMA_VERSION 3

/* Apply the numbered migrations not yet in schema_version, under a lock
 * that serialises nodes starting at once; WJ_ERR_INVALID (logged) when
 * the database is newer than this program. */
int	pg_migrate(struct pg_conn *) WJ_WUR;
/* The schema version recorded in the database (0 when none). */
int	pg_schema_version(struct pg_conn *, int *) WJ_WUR;

/*
 * The executor connections' scratch table of status changes (as SQLite's
 * temp.chg): one row per sub-job whose status an op changed;
 * old_status/new_status -1 = created/deleted.  Emptied by
 * pg_apply_changes and at each commit.
 */
#define PG_CHG_DDL "CREATE TEMP TABLE IF NOT EXISTS chg (" \
	"sub_job_id text COLLATE \"C\" NOT NULL, " \
	"project_id text COLLATE \"C\" NOT NULL, " \
	"job_id text COLLATE \"C\" NOT NULL, " \
	"job_type text COLLATE \"C\" NOT NULL, " \
	"old_status integer NOT NULL, new_status integer NOT NULL) " \
	"ON COMMIT DELETE ROWS"
/* The stripe of sub_job_counts a sub-job's changes go to, in SQL (id is
 * 32 hex digits). */
#define PG_STRIPE_SQL(id) "(('x' || substr(" id ", 1, 4))::bit(16)::int % " \
	PG_STR(PG_STRIPES) ")"

/* ---- jobs.c: shared by the job, delete and worker operations ----------- */

#define PG_SUB_JOB_COLS "id, job_id, project_id, job_type, status, " \
	"begin_ms, end_ms, process, error_code, fail_reason, host, " \
	"entities, attach_user, entity, ip_address, desktop_pool_id, " \
	"attempts, lease_id, lease_expires_ms"

/* Decode PG_SUB_JOB_COLS starting at column 0; strings borrowed. */
void	pg_sub_job_row(const struct pg_row *, struct sub_job *);
/* Only its first 15 columns: the public members (a list page). */
void	pg_list_row(const struct pg_row *, struct sub_job *);
/*
 * A status change and all its bookkeeping in ONE statement (one round
 * trip, no scratch table): ctes are WITH items (without the WITH) whose
 * last one is named chg, typically a data-modifying UPDATE/DELETE ...
 * RETURNING, with these columns first, in this order:
 *   id, project_id, job_id, job_type (the sub-job's),
 *   old_status, new_status (integer; -1 = created/deleted),
 *   error_code, fail_reason (the sub-job's new ones: the first failure),
 *   at_ms (bigint: the op's clock; a job's end_ms when it ends)
 * and any columns of the caller's after them.  pg_apply adds the jobs'
 * counts, started, first failure, with recompute their status and end_ms,
 * and the striped sub_job_counts, then runs tail ("SELECT ... FROM chg";
 * NULL: "SELECT count(*) FROM chg").  Parameters $1.. from fmt, as
 * pg_query.  *res (may be NULL) gets tail's rows; the caller PQclears it.
 * E.g. a finish:
 *   pg_apply(c, NULL, 1, "chg AS (UPDATE sub_jobs SET status = $1, ...
 *       WHERE id = $4 AND lease_id = $5 RETURNING id, project_id, job_id,
 *       job_type, 1, status, error_code, fail_reason, $2::bigint)",
 *       NULL, "iI...", ...)
 */
int	pg_apply(struct pg_conn *, PGresult **res, int recompute,
	    const char *ctes, const char *tail, const char *fmt, ...) WJ_WUR;
/*
 * The one statement store_sub_jobs_list runs for f (list.c; for EXPLAIN
 * in tests): its text into sql, its parameters but the limit and offset
 * (which follow as $(*np + 1), $(*np + 2)) into p[0..*np), room for
 * 3 + WJ_LIST_FILTER_VALUES; *none when f can match nothing.
 */
int	pg_list_sql(const struct store_list_filter *f, struct buf *sql,
	    const char **p, int *np, int *none) WJ_WUR;
/* The same for the changes recorded in the scratch table chg (as
 * sq_apply_changes does; one statement, which empties chg). */
int	pg_apply_changes(struct pg_conn *, int64_t now_ms, int recompute)
	    WJ_WUR;
int	pg_job_recompute(struct pg_conn *, const char *project_id,
	    const char *job_id, int64_t now_ms) WJ_WUR;

/* ---- conn.c: shared by the entity files -------------------------------- */

int	pg_name_ok(const char *);
int	pg_id_ok(const char *);

/* Decode a row into arg. */
typedef int (*pg_row_fn)(const struct pg_row *, void *arg);
/*
 * Run sql with the text parameters p[0..np) (NULL binds NULL) on a read
 * connection (pg_reader); fn gets every row.  WJ_ERR_NOT_FOUND when
 * want_row and there is none.
 */
int	pg_rows(struct pg_store *, const char *sql, const char *const *p,
	    int np, int want_row, pg_row_fn fn, void *arg) WJ_WUR;
/* Every row of res to fn; WJ_ERR_NOT_FOUND when want_row and none. */
int	pg_each(const PGresult *res, int want_row, pg_row_fn fn, void *arg)
	    WJ_WUR;
/* The one row of sql into out (WJ_ERR_NOT_FOUND without one); the text
 * parameters must not be NULL (WJ_ERR_INVALID). */
int	pg_one(struct pg_store *, const char *sql, const char *const *p,
	    int np, pg_row_fn row, void *out) WJ_WUR;
/* Run fn as one write through the executor, audited with action unless
 * it is NULL; returns the op's result. */
int	pg_write(struct pg_store *, pg_op_fn fn, void *arg, const char *action)
	    WJ_WUR;

struct pg_vec {
	void	 *v;
	size_t	  n, cap, size;
	pg_row_fn row;
};
void	*pg_vec_add(struct pg_vec *);
int	pg_vec_row(const struct pg_row *, void *arg) WJ_WUR;
int	pg_vec_out(int r, struct pg_vec *, void *out, size_t *n) WJ_WUR;
int	pg_list(struct pg_store *, const char *sql, const char *const *p,
	    int np, size_t size, pg_row_fn row, void *out, size_t *n) WJ_WUR;

/* ---- the entity files' shared checks (owners as in SQLite) ------------- */

int	pg_domain_exists(struct pg_conn *, const char *domain_id) WJ_WUR;
int	pg_hash_ok(const char *);
int	pg_ak_ok(const char *ak, const uint8_t *sk, size_t sklen);
int	pg_new_in_domain(struct pg_conn *, const char *domain_id,
	    const char *name, char id[WJ_ID_LEN + 1], char *name_dst,
	    size_t name_size, char *domain_dst, size_t domain_size) WJ_WUR;
int	pg_revoke_user(struct pg_conn *, const char *user_id) WJ_WUR;
int	pg_revoke_group(struct pg_conn *, const char *group_id) WJ_WUR;

#endif
