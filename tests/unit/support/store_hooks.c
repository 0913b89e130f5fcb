/*
 * store_hooks.c - what the unit tests use to look into the SQLite
 * engine's writer and hold it: built into the tests only, never into
 * the wksjobs binary.  Declared in store_hooks.h.
 */
#include "store_hooks.h"

void
sq_test_pause(struct store *st, int paused)
{
	pthread_mutex_lock(&st->mu);
	st->paused = paused;
	pthread_cond_signal(&st->work_cv);
	pthread_mutex_unlock(&st->mu);
}

size_t
sq_test_queued(struct store *st)
{
	size_t n;

	pthread_mutex_lock(&st->mu);
	n = st->qlen;
	pthread_mutex_unlock(&st->mu);
	return n;
}

uint64_t
sq_test_batches(struct store *st)
{
	uint64_t n;

	pthread_mutex_lock(&st->mu);
	n = st->batches;
	pthread_mutex_unlock(&st->mu);
	return n;
}

void
sq_test_pause_sync(struct store *st, int paused)
{
	pthread_mutex_lock(&st->mu);
	st->sync_paused = paused;
	pthread_cond_signal(&st->sync_cv);
	pthread_mutex_unlock(&st->mu);
}

uint64_t
sq_test_synced(struct store *st)
{
	uint64_t n;

	pthread_mutex_lock(&st->mu);
	n = st->synced;
	pthread_mutex_unlock(&st->mu);
	return n;
}

static int
busy_timeout_op(struct sq_conn *c, struct sq_op *op)
{
	int rc;

	rc = sqlite3_busy_timeout(c->db, *(const int *)op->arg);
	return rc == SQLITE_OK ? 0 : sq_fail(c, rc, "busy_timeout");
}

int
sq_test_busy_timeout(struct store *st, int ms)
{
	struct sq_op op;
	int r;

	sq_op_init(&op, busy_timeout_op, &ms, 0, NULL, NULL, NULL);
	r = sq_submit(st, &op);
	sq_op_clear(&op);
	return r;
}

int64_t
sq_test_prefetch_found(void)
{
	return __atomic_load_n(&sq_prefetch_found, __ATOMIC_RELAXED);
}
