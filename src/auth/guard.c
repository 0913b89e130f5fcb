/*
 * guard.c - AK lockout and per-caller rate limits; see guard.h.
 *
 * A table is GUARD_SETS sets of GUARD_WAYS entries; a key hashes
 * (wj_hash) to one set, so a lookup compares at most GUARD_WAYS keys.
 * Rate buckets count micro-requests: a bucket holds up to rate * 1e6 and
 * refills rate * 1e3 per millisecond, a request takes 1e6.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hash.h"
#include "guard.h"

#define MICRO 1000000LL

struct entry {
	uint64_t hash;
	char	 key[GUARD_KEY_MAX + 1];
	int	 used;		/* slot holds a key */
	int	 started;	/* rate: the bucket has been filled */
	int64_t	 seen_ms;	/* last use, for LRU */
	union {
		struct lock_state {
			int64_t failures;	/* consecutive, counted here */
			int64_t until_ms;	/* 0 = not locked */
			int64_t since_ms;	/* when it locked */
			int	stored;		/* failures the store counted */
		} lock;
		struct bucket_state {
			int64_t micro;		/* micro-requests left */
			int64_t refilled_ms;	/* last refill */
		} bucket;
	} u;
};

struct table {
	pthread_mutex_t mu;
	struct entry	e[GUARD_SETS][GUARD_WAYS];
};

struct guard {
	int		ak_failures;
	int64_t		ak_lock_ms;
	atomic_int	rate;		/* guard_set_rate: any thread */
	struct table	locks;
	struct table	buckets;
};

static int
table_init(struct table *t)
{
	memset(t->e, 0, sizeof(t->e));
	return pthread_mutex_init(&t->mu, NULL) == 0 ? 0 : WJ_ERR_NOMEM;
}

int
guard_new(const struct guard_opts *o, struct guard **out)
{
	struct guard *g;

	*out = NULL;
	if (o->ak_failures < 0 || o->ak_lock_ms < 0 || o->rate < 0 ||
	    o->rate > 1000000)
		return WJ_ERR_INVALID;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return WJ_ERR_NOMEM;
	g->ak_failures = o->ak_failures > 0 ? o->ak_failures :
	    GUARD_AK_FAILURES;
	g->ak_lock_ms = o->ak_lock_ms > 0 ? o->ak_lock_ms : GUARD_AK_LOCK_MS;
	atomic_init(&g->rate, o->rate);
	if (table_init(&g->locks) != 0) {
		free(g);
		return WJ_ERR_NOMEM;
	}
	if (table_init(&g->buckets) != 0) {
		pthread_mutex_destroy(&g->locks.mu);
		free(g);
		return WJ_ERR_NOMEM;
	}
	*out = g;
	return 0;
}

void
guard_free(struct guard *g)
{
	if (g == NULL)
		return;
	pthread_mutex_destroy(&g->locks.mu);
	pthread_mutex_destroy(&g->buckets.mu);
	free(g);
}

int
guard_rate_limit(const struct guard *g)
{
	return atomic_load(&g->rate);
}

void
guard_set_rate(struct guard *g, int rate)
{
	atomic_store(&g->rate, rate);
}

/* The entry of key in its set, or NULL; t->mu held. */
static struct entry *
entry_find(struct table *t, const char *key, uint64_t h)
{
	struct entry *set = t->e[h % GUARD_SETS];
	size_t i;

	for (i = 0; i < GUARD_WAYS; i++)
		if (set[i].used && set[i].hash == h &&
		    strcmp(set[i].key, key) == 0)
			return &set[i];
	return NULL;
}

/*
 * A slot for a new key: a free one, else the least recently used one
 * (with keep_locked: whose lock is over), else the lock that ends first.
 */
static struct entry *
entry_victim(struct table *t, uint64_t h, int64_t now_ms, int keep_locked)
{
	struct entry *set = t->e[h % GUARD_SETS], *v = NULL, *soonest = NULL;
	size_t i;

	for (i = 0; i < GUARD_WAYS; i++) {
		if (!set[i].used)
			return &set[i];
		if (keep_locked && set[i].u.lock.until_ms > now_ms) {
			if (soonest == NULL ||
			    set[i].u.lock.until_ms < soonest->u.lock.until_ms)
				soonest = &set[i];
			continue;
		}
		if (v == NULL || set[i].seen_ms < v->seen_ms)
			v = &set[i];
	}
	return v != NULL ? v : soonest;
}

/* key's entry, created (zeroed) if absent; NULL for an unusable key. */
static struct entry *
entry_get(struct table *t, const char *key, int64_t now_ms, int keep_locked)
{
	uint64_t h;
	struct entry *e;
	size_t n;

	if (key == NULL || (n = strnlen(key, GUARD_KEY_MAX + 1)) == 0 ||
	    n > GUARD_KEY_MAX)
		return NULL;
	h = wj_hash(key, n);
	if ((e = entry_find(t, key, h)) == NULL) {
		e = entry_victim(t, h, now_ms, keep_locked);
		memset(e, 0, sizeof(*e));
		e->used = 1;
		e->hash = h;
		memcpy(e->key, key, n + 1);
	}
	e->seen_ms = now_ms;
	return e;
}

/* ---- AK lockout ---------------------------------------------------------- */

int
guard_ak_check(struct guard *g, const char *ak, int64_t now_ms,
    int64_t lifted_ms, int64_t *until_ms)
{
	struct entry *e;
	int r = 0;

	if (until_ms != NULL)
		*until_ms = 0;
	pthread_mutex_lock(&g->locks.mu);
	if (ak == NULL ||
	    (e = entry_find(&g->locks, ak, wj_hash_str(ak))) == NULL)
		goto out;
	/* An operator lifted the lock (and the count) since it was made. */
	if (lifted_ms > 0 && e->u.lock.since_ms <= lifted_ms &&
	    (e->u.lock.until_ms != 0 || e->u.lock.failures != 0 ||
	    e->u.lock.stored)) {
		memset(&e->u.lock, 0, sizeof(e->u.lock));
		goto out;
	}
	if (e->u.lock.until_ms > now_ms) {
		if (until_ms != NULL)
			*until_ms = e->u.lock.until_ms;
		r = WJ_ERR_AUTH;
	}
 out:
	pthread_mutex_unlock(&g->locks.mu);
	return r;
}

int64_t
guard_ak_failed(struct guard *g, const char *ak, int64_t now_ms)
{
	struct entry *e;
	int64_t locked = 0;

	pthread_mutex_lock(&g->locks.mu);
	if ((e = entry_get(&g->locks, ak, now_ms, 1)) != NULL) {
		if (e->u.lock.until_ms != 0 && e->u.lock.until_ms <= now_ms)
			e->u.lock.until_ms = 0;	/* an old lock ran out */
		if (e->u.lock.failures == 0)
			e->u.lock.since_ms = now_ms;	/* the first failure */
		if (++e->u.lock.failures >= g->ak_failures) {
			e->u.lock.failures = 0;
			e->u.lock.until_ms = now_ms + g->ak_lock_ms;
			e->u.lock.since_ms = now_ms;
			locked = e->u.lock.until_ms;
		}
	}
	pthread_mutex_unlock(&g->locks.mu);
	return locked;
}

void
guard_ak_stored(struct guard *g, const char *ak, int64_t now_ms,
    int64_t until_ms)
{
	struct entry *e;

	pthread_mutex_lock(&g->locks.mu);
	if ((e = entry_get(&g->locks, ak, now_ms, 1)) != NULL) {
		if (e->u.lock.until_ms != 0 && e->u.lock.until_ms <= now_ms)
			e->u.lock.until_ms = 0;	/* an old lock ran out */
		if (e->u.lock.failures == 0 && !e->u.lock.stored)
			e->u.lock.since_ms = now_ms;	/* the first failure */
		e->u.lock.stored = 1;
		if (until_ms > now_ms && until_ms > e->u.lock.until_ms) {
			e->u.lock.failures = 0;
			e->u.lock.until_ms = until_ms;
			e->u.lock.since_ms = now_ms;
		}
	}
	pthread_mutex_unlock(&g->locks.mu);
}

int
guard_ak_ok(struct guard *g, const char *ak)
{
	struct entry *e;
	int had = 0;

	if (ak == NULL)
		return 0;
	pthread_mutex_lock(&g->locks.mu);
	if ((e = entry_find(&g->locks, ak, wj_hash_str(ak))) != NULL) {
		had = e->u.lock.failures != 0 || e->u.lock.stored ||
		    e->u.lock.until_ms != 0;
		memset(e, 0, sizeof(*e));
	}
	pthread_mutex_unlock(&g->locks.mu);
	return had;
}

int
guard_ak_threshold(const struct guard *g)
{
	return g->ak_failures;
}

int64_t
guard_ak_lock_ms(const struct guard *g)
{
	return g->ak_lock_ms;
}

/* ---- rate limits ------------------------------------------------------- */

int
guard_rate(struct guard *g, const char *key, int64_t now_ms,
    int *retry_after_s)
{
	int64_t cap, per_ms, need, wait_ms;
	struct bucket_state *bk;
	struct entry *e;
	int r = 0, rate = atomic_load(&g->rate);

	*retry_after_s = 0;
	if (rate == 0)
		return 0;
	cap = (int64_t)rate * MICRO;
	per_ms = (int64_t)rate * (MICRO / 1000);
	pthread_mutex_lock(&g->buckets.mu);
	if ((e = entry_get(&g->buckets, key, now_ms, 0)) == NULL)
		goto out;	/* no usable key: nothing to count against */
	bk = &e->u.bucket;
	if (!e->started) {
		bk->micro = cap;	/* a new bucket starts full */
		bk->refilled_ms = now_ms;
		e->started = 1;
	} else if (now_ms > bk->refilled_ms)
		bk->micro = (now_ms - bk->refilled_ms) >= cap / per_ms ? cap :
		    bk->micro + (now_ms - bk->refilled_ms) * per_ms;
	if (bk->micro > cap)
		bk->micro = cap;
	if (now_ms > bk->refilled_ms)
		bk->refilled_ms = now_ms;
	if (bk->micro >= MICRO) {
		bk->micro -= MICRO;
		goto out;
	}
	need = MICRO - bk->micro;
	wait_ms = (need + per_ms - 1) / per_ms;
	*retry_after_s = (int)((wait_ms + 999) / 1000);
	if (*retry_after_s < 1)
		*retry_after_s = 1;
	r = WJ_ERR_THROTTLED;
 out:
	pthread_mutex_unlock(&g->buckets.mu);
	return r;
}
