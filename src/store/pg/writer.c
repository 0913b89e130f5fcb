/*
 * writer.c - the PostgreSQL engine's write executor: a bounded queue of
 * ops and a few executor threads, each with a connection of its own.  An
 * executor takes what is queued (up to PG_BATCH_MAX ops, or one op that
 * runs alone) and runs it as one transaction: BEGIN, each op in its own
 * SAVEPOINT with its audit row, COMMIT once (synchronous_commit on: the
 * commit is durable when it returns); then every op learns its result.
 *
 * Decisions:
 * - An op that fails by a deadlock or serialization failure (40P01,
 *   40001) is rolled back to its savepoint without an audit row and run
 *   again, alone in its own transaction, after the batch commits; a
 *   batch whose transaction is lost before COMMIT (connection gone, or a
 *   failure of the savepoint machinery) reruns every op that way.  At
 *   most PG_RETRIES runs; then WJ_ERR_UNAVAILABLE (503), never 500.
 * - A batch of several ops waits at most PG_BATCH_LOCK_MS for any row
 *   lock (SET LOCAL lock_timeout): two batches that take the same rows
 *   (a job's counts) in another order would otherwise deadlock, and the
 *   server finds a deadlock only after deadlock_timeout (a second by
 *   default).  An op whose wait times out (55P03) is rerun alone, like a
 *   deadlocked one: a transaction of one op takes its rows in order.
 * - A connection lost during COMMIT leaves the outcome unknown: its ops
 *   answer WJ_ERR_UNAVAILABLE and are not rerun (the client retries).
 * - While the store is down (pool.c) ops fail at once with
 *   WJ_ERR_UNAVAILABLE; the executor reconnects on a later batch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_int.h"

/* How a transaction ended. */
enum { TX_DONE, TX_RERUN, TX_UNKNOWN };

/*
 * Run one op in its own savepoint, with its audit row.  Returns non-zero
 * when the savepoint could not be undone or released: the transaction
 * is lost.
 */
static int
op_run(struct pg_conn *c, struct pg_op *op)
{
	int r, r2, retry;

	op->retry = 0;
	if ((r = pg_exec(c, "SAVEPOINT op")) != 0)
		return r;
	r = op->fn(c, op);
	/* Read before the rollback's own statement clears it. */
	retry = r != 0 && pg_retryable(c);
	if (r != 0 && (r2 = pg_exec(c, "ROLLBACK TO SAVEPOINT op")) != 0)
		return r2;
	if (retry) {
		op->retry = 1;
		op->result = r;
		return pg_exec(c, "RELEASE SAVEPOINT op");
	}
	if (op->aud.audit && (r2 = pg_audit_insert(c, op, r)) != 0 && r == 0) {
		r = r2;
		if ((r2 = pg_exec(c, "ROLLBACK TO SAVEPOINT op")) != 0)
			return r2;
	}
	op->result = r;
	return pg_exec(c, "RELEASE SAVEPOINT op");
}

/*
 * An op alone in its transaction: no savepoint; on failure the
 * transaction is rolled back and a new one holds the audit row.
 */
static int
op_run_alone(struct pg_conn *c, struct pg_op *op)
{
	int r, r2;

	op->retry = 0;
	r = op->fn(c, op);
	if (r == 0 && op->aud.audit)
		r = pg_audit_insert(c, op, 0);
	op->result = r;
	if (r == 0)
		return 0;
	if (pg_retryable(c)) {
		op->retry = 1;
		pg_rollback(c);
		return c->bad ? WJ_ERR_UNAVAILABLE : pg_exec(c, "BEGIN");
	}
	pg_rollback(c);
	if ((r2 = pg_exec(c, "BEGIN")) != 0)
		return r2;
	return op->aud.audit ? pg_audit_insert(c, op, r) : 0;
}

/* Give r to every op of the batch that has no error of its own. */
static void
batch_fail(struct pg_op *batch, int r)
{
	struct pg_op *op;

	for (op = batch; op != NULL; op = op->next)
		if (op->result == 0)
			op->result = r;
}

/* The executor's connection, (re)opened when needed. */
static int
ensure_conn(struct pg_store *st, struct pg_conn **c)
{
	int r;

	if (*c != NULL && ((*c)->bad || PQstatus((*c)->db) != CONNECTION_OK)) {
		pg_conn_close(*c);
		*c = NULL;
	}
	if (*c != NULL)
		return 0;
	if ((r = pg_down(st)) != 0)
		return r;
	if ((r = pg_conn_open(st, 1, c)) != 0)
		pg_set_down(st);
	return r;
}

/* Run batch as one transaction on *c: TX_DONE (results set; ops marked
 * retry run again), TX_RERUN (nothing committed) or TX_UNKNOWN. */
static int
batch_run(struct pg_store *st, struct pg_conn **cp, struct pg_op *batch)
{
	struct pg_conn *c;
	struct pg_op *op;
	int r, retry;

	for (op = batch; op != NULL; op = op->next) {
		op->result = 0;
		op->retry = 0;
	}
	if ((r = ensure_conn(st, cp)) != 0) {
		batch_fail(batch, r);
		return TX_DONE;
	}
	c = *cp;
	if ((r = pg_exec(c, "BEGIN")) != 0 || (batch->next != NULL &&
	    (r = pg_exec(c, "SET LOCAL lock_timeout = '"
	    PG_STR(PG_BATCH_LOCK_MS) "ms'")) != 0))
		return c->bad ? TX_RERUN : (pg_rollback(c), batch_fail(batch, r),
		    TX_DONE);
	for (op = batch; op != NULL; op = op->next)
		if ((r = op->alone ? op_run_alone(c, op) : op_run(c, op)) != 0) {
			log_warn("store: write transaction lost: %s",
			    wj_strerror(r));
			pg_rollback(c);
			return TX_RERUN;
		}
	if ((r = pg_exec(c, "COMMIT")) != 0) {
		if (c->bad)
			return TX_UNKNOWN;
		retry = pg_retryable(c);
		pg_rollback(c);
		if (retry)
			return TX_RERUN;
		batch_fail(batch, r);
		return TX_DONE;
	}
	(void)__atomic_fetch_add(&st->batches, 1, __ATOMIC_RELAXED);
	return TX_DONE;
}

static void
backoff(int attempt)
{
	/* 1..4 ms per attempt, spread so that two reruns part. */
	long ms = (long)(1 + (wj_mono_us() / 7) % 4) * attempt;
	struct timespec ts = { 0, ms * 1000000L };

	(void)nanosleep(&ts, NULL);
}

/* Run op alone in transactions of its own until it is not retryable. */
static void
rerun_one(struct pg_store *st, struct pg_conn **c, struct pg_op *op)
{
	struct pg_op *next = op->next;
	int attempt, tx = TX_RERUN;

	op->next = NULL;
	for (attempt = 1; attempt <= PG_RETRIES; attempt++) {
		backoff(attempt);
		tx = batch_run(st, c, op);
		if (tx == TX_DONE && !op->retry)
			break;
		if (tx == TX_UNKNOWN)
			break;
	}
	if (tx != TX_DONE || op->retry) {
		op->result = WJ_ERR_UNAVAILABLE;
		log_warn("store: a write failed %d times: answered 503",
		    PG_RETRIES);
	}
	op->next = next;
}

/* Run a batch to the end: its reruns included. */
static void
batch_all(struct pg_store *st, struct pg_conn **c, struct pg_op *batch)
{
	struct pg_op *op;
	int tx;

	tx = batch_run(st, c, batch);
	if (tx == TX_UNKNOWN) {
		for (op = batch; op != NULL; op = op->next)
			op->result = WJ_ERR_UNAVAILABLE;
		return;
	}
	for (op = batch; op != NULL; op = op->next)
		if (tx == TX_RERUN || op->retry)
			rerun_one(st, c, op);
}

/* Tell every op of a finished batch its result; mu not held. */
static void
complete(struct pg_store *st, struct pg_op *batch)
{
	struct pg_op *op, *next;

	for (op = batch; op != NULL; op = next) {
		next = op->next;
		if (op->on_done != NULL) {
			op->done = 1;
			op->on_done(op);	/* may free op */
			continue;
		}
		pthread_mutex_lock(&st->mu);
		op->done = 1;
		pthread_cond_signal(&op->cv);
		pthread_mutex_unlock(&st->mu);
	}
}

/* The next batch off the queue (mu held): queued ops up to the first
 * that runs alone, at most PG_BATCH_MAX; that one, when first, alone. */
static struct pg_op *
take_batch(struct pg_store *st)
{
	struct pg_op *batch = st->qhead, *last = batch;
	size_t n = 1;

	if (!batch->alone)
		while (last->next != NULL && !last->next->alone &&
		    n < PG_BATCH_MAX) {
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
executor_main(void *arg)
{
	struct pg_store *st = arg;
	struct pg_conn *c = NULL;
	struct pg_op *batch;

	(void)pthread_setname_np(pthread_self(), "wj-pg-exec");
	pthread_mutex_lock(&st->mu);
	for (;;) {
		while (!st->stop && (st->qhead == NULL || st->paused))
			pthread_cond_wait(&st->work_cv, &st->mu);
		if (st->qhead == NULL)
			break;		/* stopping, and nothing left */
		batch = take_batch(st);
		/* More queued: another executor may take it meanwhile. */
		if (st->qhead != NULL)
			pthread_cond_signal(&st->work_cv);
		pthread_mutex_unlock(&st->mu);
		batch_all(st, &c, batch);
		complete(st, batch);
		pthread_mutex_lock(&st->mu);
	}
	pthread_mutex_unlock(&st->mu);
	pg_conn_close(c);
	return NULL;
}

/* Append op to the queue; mu held.  0 or WJ_ERR_UNAVAILABLE. */
static int
enqueue(struct pg_store *st, struct pg_op *op)
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
pg_submit_async(struct pg_store *st, struct pg_op *op)
{
	int r;

	if (st->nexec == 0 || op->on_done == NULL)
		return WJ_ERR_UNAVAILABLE;
	/* Down: 503 at once rather than a queue that fails later. */
	if ((r = pg_down(st)) != 0)
		return r;
	op->next = NULL;
	op->done = 0;
	op->result = 0;
	pthread_mutex_lock(&st->mu);
	r = enqueue(st, op);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int
pg_submit(struct pg_store *st, struct pg_op *op)
{
	int r;

	if (st->nexec == 0)
		return WJ_ERR_UNAVAILABLE;	/* readonly store */
	if ((r = pg_down(st)) != 0)
		return r;
	op->cv = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	op->next = NULL;
	op->done = 0;
	op->result = 0;
	op->on_done = NULL;
	pthread_mutex_lock(&st->mu);
	if (enqueue(st, op) != 0) {
		pthread_mutex_unlock(&st->mu);
		pthread_cond_destroy(&op->cv);
		return WJ_ERR_UNAVAILABLE;
	}
	while (!op->done)
		pthread_cond_wait(&op->cv, &st->mu);
	pthread_mutex_unlock(&st->mu);
	pthread_cond_destroy(&op->cv);
	return op->result;
}

/* ---- ops nobody waits for ---------------------------------------------- */

/* on_done of a pg_async op, on an executor thread. */
static void
async_done(struct pg_op *op)
{
	struct pg_async *a = (struct pg_async *)(void *)op;
	store_done_fn done = a->done;
	void *arg = a->done_arg;
	int r = op->result;

	if (a->finish != NULL)
		a->finish(a);
	pg_op_clear(op);
	free(a);
	done(arg, r);
}

int
pg_submit_done(struct pg_store *st, struct pg_async *a,
    void (*finish)(struct pg_async *), store_done_fn done, void *arg)
{
	int r;

	a->finish = finish;
	a->done = done;
	a->done_arg = arg;
	a->op.on_done = async_done;
	if (done == NULL)
		r = WJ_ERR_INVALID;
	else if ((r = pg_submit_async(st, &a->op)) == 0)
		return 0;
	a->op.result = r;
	if (finish != NULL)
		finish(a);
	pg_op_clear(&a->op);
	free(a);
	return r;
}

/* ---- start and stop ---------------------------------------------------- */

int
pg_writer_start(struct pg_store *st)
{
	int i;

	for (i = 0; i < st->nexec_max; i++) {
		if (pthread_create(&st->exec[i], NULL, executor_main, st) != 0)
			break;
		st->nexec++;
	}
	return st->nexec > 0 ? 0 : WJ_ERR_INTERNAL;
}

void
pg_writer_stop(struct pg_store *st)
{
	int i;

	if (st->nexec == 0)
		return;
	/* The executors drain the queue before they exit. */
	pthread_mutex_lock(&st->mu);
	st->stop = 1;
	st->paused = 0;
	pthread_cond_broadcast(&st->work_cv);
	pthread_mutex_unlock(&st->mu);
	for (i = 0; i < st->nexec; i++)
		pthread_join(st->exec[i], NULL);
	st->nexec = 0;
}
