/*
 * sqlite_int.h - private to the SQLite engine of store.h (the files of
 * src/store/sqlite/, one per entity or concern) and to its unit tests.
 * Nothing outside src/store/sqlite/ and tests/unit/store/ includes it.
 *
 * Connections: one per reading thread (st->readers: opened lazily, all
 * closed by store_close) and one for the writer thread.  Each caches its
 * prepared statements by SQL text.
 *
 * Writes: a write API function fills a struct sq_op (work function +
 * argument + result) and hands it to sq_submit(), which queues it and
 * sleeps until the writer has run it.  The writer takes every queued op,
 * runs BEGIN IMMEDIATE, each op in its own SAVEPOINT and COMMITs once
 * (docs/ARCHITECTURE.md#group-commit); an op of unbounded size
 * (op->alone) gets a transaction of its own instead of a savepoint.  The
 * commit writes the WAL without waiting for the disk (synchronous =
 * NORMAL on the writer's connection); the syncer thread then fdatasyncs
 * the WAL and only after that wakes the ops of the batch, so an answer
 * still means "on disk", while the writer already runs the next batch
 * during the flush (pipelined group commit).
 */
#ifndef WJ_SQLITE_INT_H
#define WJ_SQLITE_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../engine.h"
#include "blocks.h"
#include "../../util/buf.h"
#include "../../util/perthread.h"

/* A numeric macro as an SQL literal. */
#define SQ_STR_(x) #x
#define SQ_STR(x) SQ_STR_(x)

#define SQ_BUSY_TIMEOUT_MS	5000	/* wait for another process's lock */
#define SQ_QUEUE_DEFAULT	4096	/* store_opts.write_queue_max = 0 */
#define SQ_STMT_CACHE		48	/* prepared statements per connection */
#define SQ_REAP_ERROR_CODE	"WKS.00211401"	/* the reaper's */
/*
 * WAL checkpoints (in pages of the WAL): from SQ_CKPT_PAGES on, the
 * checkpointer thread runs a passive checkpoint; past SQ_CKPT_HARD_PAGES
 * (it cannot keep up) the writer checkpoints itself, as SQLite would.
 */
#define SQ_CKPT_PAGES		16000
#define SQ_CKPT_HARD_PAGES	(2 * SQ_CKPT_PAGES)
/*
 * The WAL keeps the size its longest stretch between restarts gave it.
 * The checkpointer looks every SQ_IDLE_US: when a whole interval passed
 * without a commit (so 5 to 10 s after the last one), it truncates a WAL
 * larger than SQ_WAL_IDLE_MAX bytes to zero.
 */
#define SQ_IDLE_US		5000000
#define SQ_WAL_IDLE_MAX		(1024 * 1024)
/* The writer's page cache (KiB): the interior pages of the sub_jobs
 * indexes that every delete and claim walks stay in memory. */
#define SQ_WRITER_CACHE_KB	8192
/* Each reader's (one per HTTP thread): a page of 100 rows reads ~30
 * pages; the interior pages of the list indexes stay in it. */
#define SQ_READER_CACHE_KB	1024

/* The SQL stores and compares statuses as these integers. */
_Static_assert(JOB_STATUS_WAITING == 0 && JOB_STATUS_RUNNING == 1 &&
    JOB_STATUS_SUCCESS == 2 && JOB_STATUS_FAILED == 3,
    "SQL text hard-codes the job_status values");

/* A cached prepared statement, keyed by its SQL text. */
struct sq_slot {
	char		*sql;		/* owned copy of the key */
	uintptr_t	 key;		/* the address of the caller's text
					   at the last hit (a hint only) */
	uint64_t	 hash;
	sqlite3_stmt	*st;
	int		 busy;		/* checked out by sq_stmt() */
	uint64_t	 used;		/* LRU tick */
};

struct sq_conn {
	struct sq_store	*store;
	sqlite3		*db;
	struct sq_slot	 slot[SQ_STMT_CACHE];
	uint64_t	 tick;
	int		 read_depth;	/* nesting of sq_read_begin() */
};

struct sq_op;
/* Runs on the writer thread inside the op's savepoint; 0 or WJ_ERR_*. */
typedef int (*sq_op_fn)(struct sq_conn *, struct sq_op *);

struct sq_op {
	sq_op_fn	 fn;
	void		*arg;
	/* its audit_events row, written in the same transaction */
	struct store_audit aud;
	/*
	 * alone: runs in a transaction of its own, without a savepoint (a
	 * failure rolls the transaction back).  For ops of unbounded size:
	 * a savepoint keeps a copy in memory of every page the op changes.
	 */
	int		 alone;
	/* filled by the writer */
	int		 result;
	int		 done;
	pthread_cond_t	 cv;
	struct sq_op	*next;
	/*
	 * sq_submit_async: called on the syncer thread, without the store
	 * lock, once the op's batch is on disk (or failed); may free the op.
	 */
	void		(*on_done)(struct sq_op *);
};

/* Disk reads of the writer thread within a window of time (sq_cold_step). */
struct sq_coldwin {
	int64_t	start_us;
	long	start_blocks;
};

struct sq_store {
	char		*path;
	/* The writer's: the project the last claim served last (claims
	 * take projects in turns from the one after it; work.c). */
	char		 claim_cursor[WJ_ID_LEN + 1];
	int		 readonly;
	int		 max_attempts;
	size_t		 queue_max;
	struct wj_perthread readers;	/* this thread's reader sq_conn */
	pthread_mutex_t	 mu;		/* everything below */
	pthread_cond_t	 work_cv;	/* queue non-empty, stop, resume */
	struct sq_conn	*wconn;		/* the writer's connection */
	struct sq_op	*qhead, *qtail;
	size_t		 qlen;
	int		 stop;
	int		 paused;	/* tests: hold the writer */
	int		 writer_running;
	pthread_t	 writer;
	uint64_t	 batches;	/* committed transactions */
	/*
	 * The syncer: batches the writer ran, in order, wait here until an
	 * fdatasync of the WAL covers their commit; then their ops learn
	 * their results.  Refused and rolled-back batches wait too: what
	 * they saw may be a commit that is not on disk yet.
	 */
	struct sq_op	*shead, *stail;
	int		 unsynced;	/* a commit since the last sync */
	uint64_t	 synced;	/* batches known to be on disk */
	pthread_t	 syncer;
	int		 syncer_running;
	int		 sync_stop;
	int		 sync_paused;	/* tests: hold the syncer */
	pthread_cond_t	 sync_cv;
	int		 wal_fd;	/* the syncer's; -1: not open */
	char		*wal_path;
	/*
	 * The checkpointer: copies the WAL back into the database on its
	 * own connection and thread, so that commits never wait for it
	 * (the writer's connection has no auto-checkpoint; see wal_hook).
	 */
	struct sq_conn	*cconn;
	pthread_t	 ckpt;
	int		 ckpt_running;
	int		 ckpt_wanted;	/* under mu */
	pthread_cond_t	 ckpt_cv;
	/*
	 * Cold cache: the writer read at least SQ_COLD_MIN_KB from the disk
	 * within one window (its thread's ru_inblock; sq_cold_step), so
	 * deletes prefetch their pages on the HTTP threads until this time
	 * (wj_mono_us; atomic).
	 */
	struct sq_coldwin coldwin;	/* the writer thread's own */
	int64_t		 cold_until_us;
};

/* ---- conn.c: connections, statements, errors ---------------------------- */

/* Open a connection to st's file: a reader (query_only) or, with writer,
 * one for the writer thread or the checkpointer. */
int	sq_conn_open(struct sq_store *, int writer, struct sq_conn **) WJ_WUR;
void	sq_conn_close(struct sq_conn *);
/* Run sql (one or more statements, no parameters). */
int	sq_exec(struct sq_conn *, const char *sql) WJ_WUR;

/* WJ_ERR_* for an SQLite (extended) result code; 0 for OK/ROW/DONE. */
int	sq_map(int rc);
/* sq_map(rc), logging the failure with the connection's message. */
int	sq_fail(struct sq_conn *, int rc, const char *what);

/*
 * Has the writer been reading from the disk within the last
 * SQ_COLD_HOLD_US: at least SQ_COLD_MIN_KB within one SQ_COLD_WINDOW_US?
 * A cold cache reads megabytes a second (several pages a delete); a few
 * stray pages (one the kernel dropped) are no cold cache, and prefetching
 * then only costs the HTTP threads' CPU, which on two cores the writer
 * lacks (a single stray read switched prefetching on for the whole hold).
 */
#define SQ_COLD_HOLD_US		2000000
#define SQ_COLD_WINDOW_US	1000000
#define SQ_COLD_MIN_KB		1024
/* (writer.c, which keeps the writer's window) */
int	sq_cold(struct sq_store *);
/* Start a window: the thread's ru_inblock (512-byte blocks) at now_us. */
void	sq_cold_start(struct sq_coldwin *, long blocks, int64_t now_us);
/* 1 if blocks, seen at now_us, make the window's reads reach
 * SQ_COLD_MIN_KB (a new window starts then); a window SQ_COLD_WINDOW_US
 * old starts over from blocks instead. */
int	sq_cold_step(struct sq_coldwin *, long blocks, int64_t now_us);

/* This thread's read connection, opened on first use. */
int	sq_reader(struct sq_store *, struct sq_conn **) WJ_WUR;
/* Reads of several statements share one snapshot; nests. */
int	sq_read_begin(struct sq_conn *) WJ_WUR;
/* End the read transaction; returns r (or the COMMIT error if r is 0). */
int	sq_read_end(struct sq_conn *, int r);

/* Check out the cached statement for sql (prepared on first use). */
int	sq_stmt(struct sq_conn *, const char *sql, sqlite3_stmt **) WJ_WUR;
/* Reset, clear bindings and return it (finalize if it was not cached). */
void	sq_put(struct sq_conn *, sqlite3_stmt *);
/*
 * Bind parameters 1.. from fmt: 't' const char * (NULL binds NULL),
 * 'i' int, 'I' int64_t, 'b' const void *, size_t.  Strings are bound
 * SQLITE_STATIC: they must outlive the statement's use.
 */
#define sq_bind(c, st, ...)	sq_bind_at((c), (st), 1, __VA_ARGS__)
/* The same from parameter index first on. */
int	sq_bind_at(struct sq_conn *, sqlite3_stmt *, int first,
	    const char *fmt, ...) WJ_WUR;
/* One step: 0 with *row set (1 = a row, 0 = done), or WJ_ERR_*. */
int	sq_step(struct sq_conn *, sqlite3_stmt *, int *row) WJ_WUR;
/*
 * Prepare, bind, run to completion; *changes = rows changed (may be
 * NULL); with must_change, WJ_ERR_NOT_FOUND when it changed no row.
 * Called as one of these two:
 */
int	sq_do(struct sq_conn *, int64_t *changes, int must_change,
	    const char *sql, const char *fmt, ...) WJ_WUR;
#define sq_run(c, changes, sql, ...) \
	sq_do((c), (changes), 0, (sql), __VA_ARGS__)
#define sq_change(c, sql, ...)	sq_do((c), NULL, 1, (sql), __VA_ARGS__)
/* Prepare, bind, one step: *yes = whether sql returned a row. */
int	sq_exists(struct sq_conn *, int *yes, const char *sql, const char *fmt,
	    ...) WJ_WUR;
/* sq_exists of sql bound with id: 0 when found, else WJ_ERR_NOT_FOUND. */
int	sq_found(struct sq_conn *, const char *sql, const char *id) WJ_WUR;
/* Column text or NULL (borrowed until the next step/reset). */
const char *sq_text(sqlite3_stmt *, int col);
/* Copy src into dst[size]; WJ_ERR_INTERNAL if it does not fit. */
int	sq_copy(char *dst, size_t size, const char *src) WJ_WUR;

/* ---- writer.c: the writer, the syncer, the checkpointer ----------------- */

/* Start the writer, syncer and checkpointer threads (store_open). */
int	sq_writer_start(struct sq_store *) WJ_WUR;
/* Drain the queue and stop them (store_close). */
void	sq_writer_stop(struct sq_store *);

/* Queue op, wait for its batch to commit; returns op->result. */
int	sq_submit(struct sq_store *, struct sq_op *) WJ_WUR;
/*
 * Queue op (with op->on_done set) and return at once: 0 when queued,
 * and then on_done runs exactly once, after the batch commits; else the
 * error, and on_done never runs.
 */
int	sq_submit_async(struct sq_store *, struct sq_op *) WJ_WUR;
/* ---- audit.c: the op envelope and its audit row ------------------------- */

/*
 * An op its caller does not wait for, as the store's *_async functions
 * queue it: allocated (malloc) with the op first, its argument after.
 */
struct sq_async {
	struct sq_op	 op;
	void		(*finish)(struct sq_async *);
	store_done_fn	 done;
	void		*done_arg;
};
/*
 * Queue a->op (set up by sq_op_init): 0 when queued, and then, once its
 * batch is durable or refused, finish(a) (may be NULL: hands results
 * out; op.result says how it went) and done(arg, result), exactly once,
 * on the syncer thread; a is freed.  Any other return: nothing was
 * queued, finish ran with that error, a is freed, done never runs.
 */
int	sq_submit_done(struct sq_store *, struct sq_async *a,
	    void (*finish)(struct sq_async *), store_done_fn done, void *arg)
	    WJ_WUR;

/* Initialise op for fn/arg; with audit, an audit_events row goes with it. */
void	sq_op_init(struct sq_op *, sq_op_fn fn, void *arg, int audit,
	    const struct store_actor *, const char *action,
	    const char *project_id);
/* Release what sq_op_init and the op allocated. */
void	sq_op_clear(struct sq_op *);
/* The op's audit resource list (store_res_add, store_res_end, store_res). */
#define sq_res_add(op, id)	store_res_add(&(op)->aud, (id))
#define sq_res_end(op)	store_res_end(&(op)->aud)
#define sq_res(op, ...)	store_res(&(op)->aud, __VA_ARGS__)
/* The op's audit_events row, with result as its outcome. */
int	sq_audit_insert(struct sq_conn *, struct sq_op *, int result) WJ_WUR;

/* ---- migrate.c --------------------------------------------------------- */

#define SQ_SCHEMA_VERSION 9
/* Pages from this offset on are placed by the blocks (list.c). */
#define SQ_SEEK_MIN	SQ_BLOCK_ROWS

/* Apply the numbered migrations not yet in schema_version. */
int	sq_migrate(sqlite3 *) WJ_WUR;
/* The schema version recorded in the database (0 for a new file). */
int	sq_schema_version(sqlite3 *, int *) WJ_WUR;

/* ---- jobs.c: shared by the job, delete and worker operations ----------- */

/* Columns of a sub-job row in the order sq_sub_job_row() decodes them. */
#define SQ_SUB_JOB_COLS "id, job_id, project_id, job_type, status, " \
	"begin_ms, end_ms, process, error_code, fail_reason, host, " \
	"entities, attach_user, entity, ip_address, desktop_pool_id, " \
	"attempts, lease_id, lease_expires_ms"

/* Decode SQ_SUB_JOB_COLS starting at column 0; strings borrowed. */
void	sq_sub_job_row(sqlite3_stmt *, struct sub_job *);
/* Only its first 15 columns: the public members (a list page). */
void	sq_list_row(sqlite3_stmt *, struct sub_job *);
/* Register list.c's SQL function on a reader connection (SQLite rc). */
int	sq_list_functions(sqlite3 *);

/*
 * Apply the status changes recorded in temp.chg (rid, project_id, job_id,
 * job_type, old_status, new_status; -1 = created/deleted) to the jobs'
 * counts, first-failure fields and started flag, and to sub_job_counts;
 * with recompute, also each touched job's status and end_ms.  Set-based:
 * a handful of statements however many rows changed.  Empties temp.chg.
 */
int	sq_apply_changes(struct sq_conn *, int64_t now_ms, int recompute)
	    WJ_WUR;
/* A row a delete by IDs removed, as its blocks know it (blocks.c). */
struct sq_deleted {
	int64_t		 nb;		/* -begin_ms */
	const char	*id;		/* borrowed for the op */
	int		 status;
};
/* While on (a row of sub_job_blocks_deferred, in the op's transaction),
 * deletes of sub_jobs leave sub_job_blocks to sq_blocks_sub or
 * sq_blocks_status_gone. */
int	sq_blocks_defer(struct sq_conn *, int on) WJ_WUR;
/* Count the n deleted rows out of their blocks: one lookup per run of
 * them that share a block, one write per block of each set. */
int	sq_blocks_sub(struct sq_conn *, const char *project_id,
	    const struct sq_deleted *rows, size_t n) WJ_WUR;
/* After every deletable row of status of the project was deleted with
 * the blocks deferred: that status's set cut again from the rows left,
 * the set of all rows recounted and its emptied or small blocks joined,
 * block by block, without a trigger per row. */
int	sq_blocks_status_gone(struct sq_conn *, const char *project_id,
	    int status) WJ_WUR;
/* Recompute one job's status and end_ms from its counts. */
int	sq_job_recompute(struct sq_conn *, const char *project_id,
	    const char *job_id, int64_t now_ms) WJ_WUR;

/*
 * The SQL of a list page for f (as store_sub_jobs_list runs it) into sql;
 * with seek, from a block's first key where the filter allows it (its
 * parameters after the filter's: nb, id).  *none set when the filter can
 * match nothing.  For EXPLAIN in tests (list.c).
 */
int	sq_list_page_sql(const struct store_list_filter *f, int seek,
	    struct buf *sql, int *none) WJ_WUR;

/* ---- knobs the unit tests turn (tests/unit/support/store_hooks.c) ------- */

/* When > 0: SQ_IDLE_US for the checkpointer's idle truncation. */
extern int64_t sq_test_idle_us;
/* Deletes by IDs prefetch even with a warm cache (1).  The counts their
 * index probes found so far, process-wide (delete.c; atomic). */
extern int sq_test_prefetch_always;
extern int64_t sq_prefetch_found;

/* ---- conn.c: shared by the entity files -------------------------------- */

/* STORE_NAME_MAX: names are 1..64 bytes of clean UTF-8. */
int	sq_name_ok(const char *);
/* An ID of 1..WJ_ID_LEN bytes. */
int	sq_id_ok(const char *);

/* Decode the current row of a statement into arg. */
typedef int (*sq_row_fn)(sqlite3_stmt *, void *arg);
/*
 * Run sql with the text parameters p[0..np) (NULL binds NULL) on this
 * thread's reader; fn gets every row.  WJ_ERR_NOT_FOUND when want_row
 * and there is none.
 */
int	sq_rows(struct sq_store *, const char *sql, const char *const *p, int np,
	    int want_row, sq_row_fn fn, void *arg) WJ_WUR;
/* The one row of sql into out (WJ_ERR_NOT_FOUND without one); the
 * text parameters p[0..np) must not be NULL (WJ_ERR_INVALID). */
int	sq_one(struct sq_store *, const char *sql, const char *const *p, int np,
	    sq_row_fn row, void *out) WJ_WUR;
/*
 * Copy the text columns col, col + 1, ... into the (char *dst, size_t
 * size) pairs that follow, up to a NULL dst; WJ_ERR_INTERNAL when one
 * does not fit (sq_copy).
 */
int	sq_cols(sqlite3_stmt *, int col, ...) WJ_WUR;
/* One destination of sq_cols: a char array member. */
#define SQ_TO(a)	(a), sizeof(a)
#define SQ_END		((char *)NULL)
/* Run fn as one write through the writer, audited with action unless it
 * is NULL; returns the op's result. */
int	sq_write(struct sq_store *, sq_op_fn fn, void *arg, const char *action)
	    WJ_WUR;

/* A growing array of fixed-size items (the list functions' results). */
struct sq_vec {
	void	 *v;
	size_t	  n, cap, size;
	sq_row_fn row;		/* decodes a row into a new item */
};
/* A zeroed new last item, or NULL when out of memory. */
void	*sq_vec_add(struct sq_vec *);
/* An sq_row_fn: a new item of the sq_vec arg, filled by its row. */
int	sq_vec_row(sqlite3_stmt *, void *arg) WJ_WUR;
/* Hand the array to the caller (*out, *n), or free it when r fails. */
int	sq_vec_out(int r, struct sq_vec *, void *out, size_t *n) WJ_WUR;
/*
 * The rows of sql (text parameters p[0..np), none of them NULL) as a
 * malloc'd array of *n items of size bytes, each filled by row, in *out
 * (a pointer to the array pointer).
 */
int	sq_list(struct sq_store *, const char *sql, const char *const *p, int np,
	    size_t size, sq_row_fn row, void *out, size_t *n) WJ_WUR;

/* ---- the entity files' shared checks ------------------------------------ */

/* 0 when the domain exists, else WJ_ERR_NOT_FOUND (domains.c). */
int	sq_domain_exists(struct sq_conn *, const char *domain_id) WJ_WUR;
/* An argon2id hash of 1..STORE_PASSWORD_HASH_MAX bytes, or NULL (users.c). */
int	sq_hash_ok(const char *);
/* An access key and its sealed secret fit their columns (users.c). */
int	sq_ak_ok(const char *ak, const uint8_t *sk, size_t sklen);
/* For a new row of domain_id: a new id, and copies of name and domain_id
 * (sq_copy); WJ_ERR_NOT_FOUND when the domain does not exist. */
int	sq_new_in_domain(struct sq_conn *, const char *domain_id,
	    const char *name, char id[WJ_ID_LEN + 1], char *name_dst,
	    size_t name_size, char *domain_dst, size_t domain_size) WJ_WUR;
/* Revoke the tokens of a user (users.c). */
int	sq_revoke_user(struct sq_conn *, const char *user_id) WJ_WUR;
/* ... of every member of a group (groups.c). */
int	sq_revoke_group(struct sq_conn *, const char *group_id) WJ_WUR;

#endif
