/*
 * guard.h - the gateway's protections that need memory of earlier
 * requests (docs/ARCHITECTURE.md#security): an access key locks for
 * a while after consecutive signature failures, and every caller gets a
 * token bucket per route (N requests per second, bursts of N).
 *
 * The AK failures of every server are counted in the store, which
 * decides the lock (auth/authn.c, store_key_sig_failed); this table
 * keeps what this server learnt from it, so that it refuses a key it saw
 * locked at once, without a read, and knows when a success must clear a
 * count.  It counts alone (guard_ak_failed) only when the store cannot.
 * The rate buckets live in this process only (as on a gateway node: the
 * cluster's limit is the number of servers times the rate; see
 * docs/API.md#limits).  Tables are bounded,
 * set-associative tables under one mutex each, so memory never grows
 * with the number of keys or callers.  When a set is full the least
 * recently used entry goes (never a running lock while an unlocked
 * entry can go instead).  A known limit: with more distinct active
 * callers than a table holds, an evicted caller starts again with a full
 * bucket.
 */
#ifndef WJ_GUARD_H
#define WJ_GUARD_H

#include <stdint.h>

#include "../util/err.h"

#define GUARD_KEY_MAX		96	/* bytes of a key: AK, user/route */
#define GUARD_SETS		512
#define GUARD_WAYS		8	/* entries per set */
#define GUARD_AK_FAILURES	5	/* 5 consecutive failures */
#define GUARD_AK_LOCK_MS	(5 * 60 * 1000)	/* ... lock the AK 5 minutes */
#define GUARD_RATE_DEFAULT	200	/* 200 calls per second */

struct guard;

struct guard_opts {
	int	ak_failures;	/* failures that lock; 0 = GUARD_AK_FAILURES */
	int64_t	ak_lock_ms;	/* lock length; 0 = GUARD_AK_LOCK_MS */
	int	rate;		/* requests per second per key; 0 = no limit */
};

/* A new guard (*out), or WJ_ERR_NOMEM / WJ_ERR_INVALID. */
int	guard_new(const struct guard_opts *, struct guard **out) WJ_WUR;
/* Free a guard; NULL is accepted. */
void	guard_free(struct guard *);

/*
 * Whether ak is locked at now_ms: WJ_ERR_AUTH while it is (*until_ms, may
 * be NULL, says until when), 0 otherwise.  lifted_ms (0: never) is when
 * an operator last lifted the key's lock: a lock and failures counted
 * since before then are forgotten.
 */
int	guard_ak_check(struct guard *, const char *ak, int64_t now_ms,
	    int64_t lifted_ms, int64_t *until_ms) WJ_WUR;
/*
 * One more consecutive failure of ak counted here alone (the store could
 * not count it); the threshold-th one locks it on this server.  Returns
 * the end of the lock it set then, else 0.
 */
int64_t	guard_ak_failed(struct guard *, const char *ak, int64_t now_ms);
/*
 * The store counted a failure of ak at now_ms: until_ms > now_ms when ak
 * is locked until then (refused here from now on, without waiting for
 * the key cache), else 0.
 */
void	guard_ak_stored(struct guard *, const char *ak, int64_t now_ms,
	    int64_t until_ms);
/*
 * A success: the count of consecutive failures of ak starts again.
 * Returns 1 when failures of ak were known here (the store's count is to
 * be cleared too), else 0.
 */
int	guard_ak_ok(struct guard *, const char *ak);
/* The failures that lock an AK, and for how long (guard_opts). */
int	guard_ak_threshold(const struct guard *);
int64_t	guard_ak_lock_ms(const struct guard *);

/*
 * Take one request from key's bucket at now_ms.  0 when there was one;
 * WJ_ERR_THROTTLED when not, with *retry_after_s the whole seconds (>= 1)
 * until there is.  Always 0 when the rate is 0.
 */
int	guard_rate(struct guard *, const char *key, int64_t now_ms,
	    int *retry_after_s) WJ_WUR;
/* The configured rate (requests per second; 0 = off). */
int	guard_rate_limit(const struct guard *);
/* A new rate from now on (any thread; buckets keep what they hold). */
void	guard_set_rate(struct guard *, int rate);

#endif
