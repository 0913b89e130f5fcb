/*
 * writer.c - the single writer of the SQLite engine and what keeps its
 * commits cheap: group commit (every queued op in one BEGIN IMMEDIATE,
 * each in its own savepoint), the syncer thread that fdatasyncs the WAL
 * before any op of a batch learns its result (so the writer already runs
 * the next batch during the flush), and the checkpointer thread that
 * copies the WAL back into the database on its own connection.  See
 * sqlite_int.h for the whole picture and docs/ARCHITECTURE.md#group-commit.
 *
 * Decision: when COMMIT fails, every op of the batch that had succeeded
 * gets the mapped error; an op that was refused on its own keeps its
 * refusal (it was decided on committed state and nothing of it was
 * applied).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sqlite_int.h"

/*
 * Run one op in its own savepoint, with its audit row; op->result gets
 * its outcome.  Returns non-zero when the savepoint could not be undone or
 * released: the transaction's content is then unknown and must not commit.
 */
static int
op_run(struct sq_conn *c, struct sq_op *op)
{
	int r, r2;

	if ((r = sq_run(c, NULL, "SAVEPOINT op", "")) != 0) {
		op->result = r;
		return r;
	}
	if ((r = sq_run(c, NULL, "DELETE FROM temp.chg", "")) == 0)
		r = op->fn(c, op);
	if (r != 0 && (r2 = sq_run(c, NULL, "ROLLBACK TO op", "")) != 0) {
		op->result = r;
		return r2;
	}
	if (op->aud.audit && (r2 = sq_audit_insert(c, op, r)) != 0 && r == 0) {
		r = r2;
		if ((r2 = sq_run(c, NULL, "ROLLBACK TO op", "")) != 0) {
			op->result = r;
			return r2;
		}
	}
	op->result = r;
	return sq_run(c, NULL, "RELEASE op", "");
}

/*
 * Run an op that is alone in its transaction (op->alone): no savepoint.
 * On failure the whole transaction is rolled back and a new one holds
 * the op's audit row.  Returns non-zero when that could not be done.
 */
static int
op_run_alone(struct sq_conn *c, struct sq_op *op)
{
	int r, r2;

	if ((r = sq_run(c, NULL, "DELETE FROM temp.chg", "")) == 0)
		r = op->fn(c, op);
	if (r == 0 && op->aud.audit)
		r = sq_audit_insert(c, op, 0);
	op->result = r;
	if (r == 0)
		return 0;
	if ((r2 = sq_run(c, NULL, "ROLLBACK", "")) != 0 ||
	    (r2 = sq_run(c, NULL, "BEGIN IMMEDIATE", "")) != 0)
		return r2;
	return op->aud.audit ? sq_audit_insert(c, op, r) : 0;
}

/* Give r to every op of the batch that has no error of its own. */
static void
batch_fail(struct sq_op *batch, int r)
{
	struct sq_op *op;

	for (op = batch; op != NULL; op = op->next)
		if (op->result == 0)
			op->result = r;
}

/* Returns 1 when the batch committed. */
static int
batch_run(struct sq_store *st, struct sq_op *batch)
{
	struct sq_conn *c = st->wconn;
	struct sq_op *op;
	int r;

	if ((r = sq_run(c, NULL, "BEGIN IMMEDIATE", "")) != 0) {
		batch_fail(batch, r);
		return 0;
	}
	for (op = batch; op != NULL; op = op->next) {
		if ((r = op->alone ? op_run_alone(c, op) : op_run(c, op)) == 0 &&
		    !sqlite3_get_autocommit(c->db))
			continue;
		/* SQLite rolled back (I/O error, full) or state unknown. */
		log_error("store: write transaction lost: %s", wj_strerror(r));
		if (!sqlite3_get_autocommit(c->db))
			(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		batch_fail(batch, WJ_ERR_UNAVAILABLE);
		return 0;
	}
	if ((r = sq_run(c, NULL, "COMMIT", "")) != 0) {
		if (!sqlite3_get_autocommit(c->db))
			(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		batch_fail(batch, r);
		return 0;
	}
	return 1;
}

/*
 * Tell every op of a finished batch its result; with the lock held (it is
 * dropped while asynchronous completions run: they may free their op).
 */
static void
complete(struct sq_store *st, struct sq_op *batch)
{
	struct sq_op *op, *next, *async = NULL, **atail = &async;

	for (op = batch; op != NULL; op = next) {
		next = op->next;
		if (op->on_done != NULL) {
			op->next = NULL;
			*atail = op;
			atail = &op->next;
			continue;
		}
		op->done = 1;
		pthread_cond_signal(&op->cv);
	}
	if (async == NULL)
		return;
	pthread_mutex_unlock(&st->mu);
	for (op = async; op != NULL; op = next) {
		next = op->next;
		op->done = 1;
		op->on_done(op);
	}
	pthread_mutex_lock(&st->mu);
}

/* Hand a run batch to the syncer (or, without one, answer it now). */
static void
finish_batch(struct sq_store *st, struct sq_op *batch, int committed)
{
	struct sq_op *last;

	if (committed) {
		st->batches++;
		st->unsynced = 1;
	}
	if (!st->syncer_running) {
		/* FULL on the writer: the commit itself was durable. */
		st->synced = st->batches;
		complete(st, batch);
		return;
	}
	for (last = batch; last->next != NULL; last = last->next)
		;
	if (st->stail != NULL)
		st->stail->next = batch;
	else
		st->shead = batch;
	st->stail = last;
	pthread_cond_signal(&st->sync_cv);
}

void
sq_cold_start(struct sq_coldwin *w, long blocks, int64_t now_us)
{
	w->start_us = now_us;
	w->start_blocks = blocks;
}

int
sq_cold_step(struct sq_coldwin *w, long blocks, int64_t now_us)
{
	if (now_us - w->start_us >= SQ_COLD_WINDOW_US) {
		/* Too old: what it saw was spread too thin. */
		sq_cold_start(w, blocks, now_us);
		return 0;
	}
	if (blocks - w->start_blocks < SQ_COLD_MIN_KB * 2)
		return 0;
	sq_cold_start(w, blocks, now_us);
	return 1;
}

/* After a batch, on the writer thread: has it been reading from the disk? */
static void
note_cold(struct sq_store *st)
{
	struct rusage ru;
	int64_t now = wj_mono_us();

	if (getrusage(RUSAGE_THREAD, &ru) == 0 &&
	    sq_cold_step(&st->coldwin, ru.ru_inblock, now))
		__atomic_store_n(&st->cold_until_us, now + SQ_COLD_HOLD_US,
		    __ATOMIC_RELAXED);
}

int
sq_cold(struct sq_store *st)
{
	return wj_mono_us() < __atomic_load_n(&st->cold_until_us,
	    __ATOMIC_RELAXED);
}

/*
 * Take the next batch off the queue (lock held): every queued op up to
 * the first one that runs alone; that one, when it is first, by itself.
 */
static struct sq_op *
take_batch(struct sq_store *st)
{
	struct sq_op *batch = st->qhead, *last = batch;
	size_t n = 1;

	if (!batch->alone)
		while (last->next != NULL && !last->next->alone) {
			last = last->next;
			n++;
		}
	st->qhead = last->next;
	if (st->qhead == NULL)
		st->qtail = NULL;
	last->next = NULL;
	st->qlen -= n;
	return batch;
}

static void *
writer_main(void *arg)
{
	struct sq_store *st = arg;
	struct sq_op *batch;
	struct rusage ru;
	int ok;

	(void)pthread_setname_np(pthread_self(), "wj-writer");
	if (getrusage(RUSAGE_THREAD, &ru) == 0)
		sq_cold_start(&st->coldwin, ru.ru_inblock, wj_mono_us());
	pthread_mutex_lock(&st->mu);
	for (;;) {
		while (!st->stop && (st->qhead == NULL || st->paused))
			pthread_cond_wait(&st->work_cv, &st->mu);
		if (st->qhead == NULL)
			break;		/* stopping, and nothing left */
		batch = take_batch(st);
		pthread_mutex_unlock(&st->mu);
		ok = batch_run(st, batch);
		note_cold(st);
		pthread_mutex_lock(&st->mu);
		/* Only after the sync does anyone learn a result. */
		finish_batch(st, batch, ok);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/* ---- the syncer -------------------------------------------------------- */

/*
 * fdatasync the WAL through the syncer's own descriptor (fsync flushes
 * the file, whichever descriptor wrote it), reopened when the WAL file
 * is not the one open (SQLite deletes it when the last connection of
 * any process closes; ours stay open, but a restore could replace it).
 */
static int
wal_sync(struct sq_store *st)
{
	struct stat sb, fb;

	if (stat(st->wal_path, &sb) == -1) {
		log_error("store: %s: %s", st->wal_path, strerror(errno));
		return WJ_ERR_UNAVAILABLE;
	}
	if (st->wal_fd != -1 && (fstat(st->wal_fd, &fb) == -1 ||
	    fb.st_ino != sb.st_ino || fb.st_dev != sb.st_dev)) {
		(void)close(st->wal_fd);
		st->wal_fd = -1;
	}
	if (st->wal_fd == -1 &&
	    (st->wal_fd = open(st->wal_path, O_RDWR | O_CLOEXEC)) == -1) {
		log_error("store: %s: %s", st->wal_path, strerror(errno));
		return WJ_ERR_UNAVAILABLE;
	}
	if (fdatasync(st->wal_fd) == -1) {
		log_error("store: fdatasync %s: %s", st->wal_path,
		    strerror(errno));
		return WJ_ERR_UNAVAILABLE;
	}
	return 0;
}

static void *
syncer_main(void *arg)
{
	struct sq_store *st = arg;
	struct sq_op *list;
	uint64_t upto;
	int need, r;

	(void)pthread_setname_np(pthread_self(), "wj-syncer");
	pthread_mutex_lock(&st->mu);
	for (;;) {
		while (!st->sync_stop &&
		    (st->shead == NULL || st->sync_paused))
			pthread_cond_wait(&st->sync_cv, &st->mu);
		if (st->shead == NULL)
			break;		/* stopping, and nothing left */
		list = st->shead;
		st->shead = st->stail = NULL;
		need = st->unsynced;
		st->unsynced = 0;
		upto = st->batches;
		pthread_mutex_unlock(&st->mu);
		/* Committed but not known durable: the client must retry. */
		if ((r = need ? wal_sync(st) : 0) != 0)
			batch_fail(list, r);
		pthread_mutex_lock(&st->mu);
		if (r == 0)
			st->synced = upto;
		else
			st->unsynced = 1;	/* the next sync covers them */
		complete(st, list);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/*
 * Start the syncer; then the writer's commits need not wait for the disk.
 * Without it the writer keeps synchronous = FULL and answers itself.
 * (NORMAL in WAL mode: commits append checksummed frames without an
 * fsync; after a crash, recovery keeps a prefix of whole transactions,
 * and every transaction before a completed fdatasync is in that prefix.)
 */
static void
syncer_start(struct sq_store *st)
{
	if (pthread_create(&st->syncer, NULL, syncer_main, st) != 0)
		return;
	st->syncer_running = 1;
	if (sq_exec(st->wconn, "PRAGMA synchronous = NORMAL") != 0)
		log_error("store: writer stays synchronous = FULL");
}

/* Append op to the queue; with the lock held.  0 or WJ_ERR_UNAVAILABLE. */
static int
enqueue(struct sq_store *st, struct sq_op *op)
{
	if (st->stop || st->qlen >= st->queue_max)
		return WJ_ERR_UNAVAILABLE;
	if (st->qtail != NULL)
		st->qtail->next = op;
	else
		st->qhead = op;
	st->qtail = op;
	st->qlen++;
	pthread_cond_signal(&st->work_cv);
	return 0;
}

int
sq_submit_async(struct sq_store *st, struct sq_op *op)
{
	int r;

	if (!st->writer_running || op->on_done == NULL)
		return WJ_ERR_UNAVAILABLE;
	op->next = NULL;
	op->done = 0;
	op->result = 0;
	pthread_mutex_lock(&st->mu);
	r = enqueue(st, op);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int
sq_submit(struct sq_store *st, struct sq_op *op)
{
	if (!st->writer_running)
		return WJ_ERR_UNAVAILABLE;	/* readonly store */
	op->cv = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	op->next = NULL;
	op->done = 0;
	op->result = 0;
	op->on_done = NULL;
	pthread_mutex_lock(&st->mu);
	if (enqueue(st, op) != 0) {
		pthread_mutex_unlock(&st->mu);
		return WJ_ERR_UNAVAILABLE;
	}
	while (!op->done)
		pthread_cond_wait(&op->cv, &st->mu);
	pthread_mutex_unlock(&st->mu);
	pthread_cond_destroy(&op->cv);
	return op->result;
}

/* ---- ops nobody waits for ---------------------------------------------- */

/* on_done of an sq_async op, on the syncer thread. */
static void
async_done(struct sq_op *op)
{
	struct sq_async *a = (struct sq_async *)(void *)op;
	store_done_fn done = a->done;
	void *arg = a->done_arg;
	int r = op->result;

	if (a->finish != NULL)
		a->finish(a);
	sq_op_clear(op);
	free(a);
	done(arg, r);
}

int
sq_submit_done(struct sq_store *st, struct sq_async *a,
    void (*finish)(struct sq_async *), store_done_fn done, void *arg)
{
	int r;

	a->finish = finish;
	a->done = done;
	a->done_arg = arg;
	a->op.on_done = async_done;
	if (done == NULL)
		r = WJ_ERR_INVALID;
	else if ((r = sq_submit_async(st, &a->op)) == 0)
		return 0;
	a->op.result = r;
	if (finish != NULL)
		finish(a);
	sq_op_clear(&a->op);
	free(a);
	return r;
}

/* ---- the checkpointer -------------------------------------------------- */

/*
 * After each commit of the writer's connection (replaces SQLite's
 * auto-checkpoint hook): wake the checkpointer once the WAL is long; if
 * it falls far behind, checkpoint here, as SQLite itself would.
 */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct sq_store *st = arg;

	if (pages >= SQ_CKPT_HARD_PAGES || !st->ckpt_running) {
		if (pages >= SQ_CKPT_PAGES)
			(void)sqlite3_wal_checkpoint_v2(db, name,
			    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return SQLITE_OK;
	}
	if (pages >= SQ_CKPT_PAGES) {
		pthread_mutex_lock(&st->mu);
		if (!st->ckpt_wanted) {
			st->ckpt_wanted = 1;
			pthread_cond_signal(&st->ckpt_cv);
		}
		pthread_mutex_unlock(&st->mu);
	}
	return SQLITE_OK;
}

int64_t sq_test_idle_us;

/*
 * The store had no commit for a whole SQ_IDLE_US: give the WAL back its
 * space if a burst of writes left it past SQ_WAL_IDLE_MAX.  TRUNCATE
 * waits (busy timeout) for the writer and the readers, copies what is
 * left and cuts the file to zero bytes.
 */
static void
ckpt_idle(struct sq_store *st)
{
	struct stat sb;
	int rc;

	if (stat(st->wal_path, &sb) != 0 || sb.st_size <= SQ_WAL_IDLE_MAX)
		return;
	rc = sqlite3_wal_checkpoint_v2(st->cconn->db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
		(void)sq_fail(st->cconn, rc, "idle checkpoint");
}

/* Wait (mu held) until a checkpoint is wanted, the store stops or
 * SQ_IDLE_US pass; returns 1 for the last. */
static int
ckpt_wait(struct sq_store *st)
{
	int64_t t = __atomic_load_n(&sq_test_idle_us, __ATOMIC_RELAXED);
	int64_t us = t > 0 ? t : SQ_IDLE_US;
	struct timespec until = wj_deadline_us(us);

	while (!st->stop && !st->ckpt_wanted)
		if (pthread_cond_timedwait(&st->ckpt_cv, &st->mu, &until) ==
		    ETIMEDOUT)
			return !st->stop && !st->ckpt_wanted;
	return 0;
}

static void *
ckpt_main(void *arg)
{
	struct sq_store *st = arg;
	uint64_t seen = 0;	/* st->batches at the last idle tick */
	int rc;

	(void)pthread_setname_np(pthread_self(), "wj-checkpoint");
	pthread_mutex_lock(&st->mu);
	for (;;) {
		if (ckpt_wait(st)) {
			if (st->batches == seen) {
				pthread_mutex_unlock(&st->mu);
				ckpt_idle(st);
				pthread_mutex_lock(&st->mu);
			}
			seen = st->batches;
			continue;
		}
		if (st->stop)
			break;
		st->ckpt_wanted = 0;
		pthread_mutex_unlock(&st->mu);
		/* Passive: copies what no reader needs, never blocks writes. */
		rc = sqlite3_wal_checkpoint_v2(st->cconn->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
			(void)sq_fail(st->cconn, rc, "checkpoint");
		pthread_mutex_lock(&st->mu);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/* Start the checkpointer; without it the writer checkpoints itself. */
static void
ckpt_start(struct sq_store *st)
{
	sqlite3_wal_hook(st->wconn->db, wal_hook, st);
	if (sq_conn_open(st, 1, &st->cconn) != 0)
		return;
	if (pthread_create(&st->ckpt, NULL, ckpt_main, st) != 0) {
		sq_conn_close(st->cconn);
		st->cconn = NULL;
		return;
	}
	st->ckpt_running = 1;
}

/* ---- start and stop ---------------------------------------------------- */

int
sq_writer_start(struct sq_store *st)
{
	syncer_start(st);
	if (pthread_create(&st->writer, NULL, writer_main, st) != 0)
		return WJ_ERR_INTERNAL;
	st->writer_running = 1;
	ckpt_start(st);
	return 0;
}

/* Set *flag (and clear *paused) under the lock, wake cv, wait for t. */
static void
stop_thread(struct sq_store *st, int *flag, int *paused, pthread_cond_t *cv,
    pthread_t t)
{
	pthread_mutex_lock(&st->mu);
	*flag = 1;
	if (paused != NULL)
		*paused = 0;
	pthread_cond_signal(cv);
	pthread_mutex_unlock(&st->mu);
	pthread_join(t, NULL);
}

void
sq_writer_stop(struct sq_store *st)
{
	/* The writer drains the queue before it exits; then the syncer
	 * answers what the writer left it. */
	if (st->writer_running)
		stop_thread(st, &st->stop, &st->paused, &st->work_cv,
		    st->writer);
	if (st->syncer_running)
		stop_thread(st, &st->sync_stop, &st->sync_paused,
		    &st->sync_cv, st->syncer);
	if (st->wal_fd != -1)
		(void)close(st->wal_fd);
	if (st->ckpt_running)
		stop_thread(st, &st->stop, NULL, &st->ckpt_cv, st->ckpt);
}
