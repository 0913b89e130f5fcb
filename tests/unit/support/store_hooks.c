/*
 * store_hooks.c - what the unit tests use to look into the SQLite
 * engine's writer and hold it: built into the tests only, never into
 * the wksjobs binary.  Declared in store_hooks.h.
 */
#include "store_hooks.h"

/* Set a hold flag of st's threads under its lock and wake the thread. */
static void
hold(struct sq_store *st, int *flag, pthread_cond_t *cv, int paused)
{
	pthread_mutex_lock(&st->mu);
	*flag = paused;
	pthread_cond_signal(cv);
	pthread_mutex_unlock(&st->mu);
}

/* A counter of st's threads, read under its lock. */
static uint64_t
counter(struct sq_store *st, const uint64_t *n)
{
	uint64_t v;

	pthread_mutex_lock(&st->mu);
	v = *n;
	pthread_mutex_unlock(&st->mu);
	return v;
}

void
sq_test_pause(struct sq_store *st, int paused)
{
	hold(st, &st->paused, &st->work_cv, paused);
}

void
sq_test_pause_sync(struct sq_store *st, int paused)
{
	hold(st, &st->sync_paused, &st->sync_cv, paused);
}

size_t
sq_test_queued(struct sq_store *st)
{
	size_t n;

	pthread_mutex_lock(&st->mu);
	n = st->qlen;
	pthread_mutex_unlock(&st->mu);
	return n;
}

uint64_t
sq_test_batches(struct sq_store *st)
{
	return counter(st, &st->batches);
}

uint64_t
sq_test_synced(struct sq_store *st)
{
	return counter(st, &st->synced);
}

static int
busy_timeout_op(struct sq_conn *c, struct sq_op *op)
{
	int rc;

	rc = sqlite3_busy_timeout(c->db, *(const int *)op->arg);
	return rc == SQLITE_OK ? 0 : sq_fail(c, rc, "busy_timeout");
}

int
sq_test_busy_timeout(struct sq_store *st, int ms)
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
