/*
 * sync.c - the synchronous forms of the store's write calls, for every
 * engine: each queues its *_async call and waits for the answer (the
 * service itself answers HTTP requests from the async calls' done
 * functions; the tools and the tests use these).
 */
#include <pthread.h>

#include "store.h"

struct waiter {
	pthread_mutex_t	mu;
	pthread_cond_t	cv;
	int		done, result;
};
#define WAITER_INIT \
	{ PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 }

/* The store_done_fn of every call here: arg is a struct waiter. */
static void
woken(void *arg, int result)
{
	struct waiter *w = arg;

	pthread_mutex_lock(&w->mu);
	w->result = result;
	w->done = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* queued (an *_async call's return) when not 0, else the result once
 * woken ran. */
static int
wait_for(struct waiter *w, int queued)
{
	int r = queued;

	if (r == 0) {
		pthread_mutex_lock(&w->mu);
		while (!w->done)
			pthread_cond_wait(&w->cv, &w->mu);
		r = w->result;
		pthread_mutex_unlock(&w->mu);
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	return r;
}

int
store_sub_jobs_delete(struct store *st, const struct store_actor *actor,
    const char *project_id, const char *const *ids, size_t n,
    struct wj_errinfo *ei)
{
	struct waiter w = WAITER_INIT;

	return wait_for(&w, store_sub_jobs_delete_async(st, actor, project_id,
	    ids, n, ei, woken, &w));
}

int
store_sub_jobs_delete_by_status(struct store *st,
    const struct store_actor *actor, const char *project_id, int status,
    int64_t *deleted)
{
	struct waiter w = WAITER_INIT;

	return wait_for(&w, store_sub_jobs_delete_by_status_async(st, actor,
	    project_id, status, deleted, woken, &w));
}

int
store_job_create(struct store *st, const struct store_actor *actor,
    const struct store_job_in *in, char **body)
{
	struct waiter w = WAITER_INIT;

	return wait_for(&w, store_job_create_async(st, actor, in, body,
	    woken, &w));
}

int
store_job_retry(struct store *st, const struct store_actor *actor,
    const char *project_id, const char *job_id, struct wj_errinfo *ei)
{
	struct waiter w = WAITER_INIT;

	return wait_for(&w, store_job_retry_async(st, actor, project_id,
	    job_id, ei, woken, &w));
}

int
store_user_login_failed(struct store *st, const char *user_id,
    int64_t now_ms, int threshold, int64_t lock_ms, int *locked)
{
	struct waiter w = WAITER_INIT;

	return wait_for(&w, store_user_login_failed_async(st, user_id, now_ms,
	    threshold, lock_ms, locked, woken, &w));
}

int
store_user_login_ok(struct store *st, const char *user_id)
{
	struct waiter w = WAITER_INIT;

	return wait_for(&w, store_user_login_ok_async(st, user_id, woken,
	    &w));
}

int
store_claim(struct store *st, const struct store_actor *actor,
    const struct store_claim_in *in, struct store_claimed *out)
{
	struct waiter w = WAITER_INIT;

	return wait_for(&w, store_claim_async(st, actor, in, out, woken,
	    &w));
}

int
store_heartbeat(struct store *st, const char *domain_id,
    const char *sub_job_id, const char *lease_id, int process,
    int64_t *lease_expires_ms)
{
	struct waiter w = WAITER_INIT;

	return wait_for(&w, store_heartbeat_async(st, domain_id, sub_job_id,
	    lease_id, process, lease_expires_ms, woken, &w));
}

int
store_finish(struct store *st, const struct store_actor *actor,
    const char *domain_id, const char *sub_job_id, const char *lease_id,
    int status, const char *error_code, const char *fail_reason,
    const char *host)
{
	struct waiter w = WAITER_INIT;

	return wait_for(&w, store_finish_async(st, actor, domain_id, sub_job_id,
	    lease_id, status, error_code, fail_reason, host, woken,
	    &w));
}

int
store_key_lock(struct store *st, const char *ak, int64_t until_ms)
{
	struct waiter w = WAITER_INIT;

	return wait_for(&w, store_key_lock_async(st, ak, until_ms, woken, &w));
}

int
store_key_sig_failed(struct store *st, const char *ak, int64_t now_ms,
    int threshold, int64_t lock_ms, int64_t *until_ms)
{
	struct waiter w = WAITER_INIT;

	return wait_for(&w, store_key_sig_failed_async(st, ak, now_ms,
	    threshold, lock_ms, until_ms, woken, &w));
}

int
store_key_sig_ok(struct store *st, const char *ak)
{
	struct waiter w = WAITER_INIT;

	return wait_for(&w, store_key_sig_ok_async(st, ak, woken, &w));
}
