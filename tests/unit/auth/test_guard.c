/*
 * test_guard.c - AK lockout and rate limits: the threshold, resets,
 * expiry, an operator's unlock, independence of keys, token-bucket arithmetic and Retry-After,
 * a rate of 0, bounded tables under many keys, and concurrent callers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>

#include "auth/guard.h"

#define T0 1767225600000LL

static struct guard *
mk(int failures, int64_t lock_ms, int rate)
{
	struct guard_opts o = { failures, lock_ms, rate };
	struct guard *g = NULL;

	assert_int_equal(guard_new(&o, &g), 0);
	assert_non_null(g);
	return g;
}

static void
test_ak_locks_at_threshold(void **state)
{
	struct guard *g = mk(0, 0, 0);	/* defaults: 5 and 5 min */
	int64_t until;
	int i;

	(void)state;
	for (i = 0; i < GUARD_AK_FAILURES - 1; i++) {
		guard_ak_failed(g, "AK1", T0 + i);
		assert_int_equal(guard_ak_check(g, "AK1", T0 + i, 0, NULL), 0);
	}
	guard_ak_failed(g, "AK1", T0 + 10);
	assert_int_equal(guard_ak_check(g, "AK1", T0 + 11, 0, &until),
	    WJ_ERR_AUTH);
	assert_true(until == T0 + 10 + GUARD_AK_LOCK_MS);
	/* Other keys are not affected. */
	assert_int_equal(guard_ak_check(g, "AK2", T0 + 11, 0, NULL), 0);
	/* Locked until the end, free after it. */
	assert_int_equal(guard_ak_check(g, "AK1", until - 1, 0, NULL),
	    WJ_ERR_AUTH);
	assert_int_equal(guard_ak_check(g, "AK1", until, 0, NULL), 0);
	/* After a lock the count starts again. */
	guard_ak_failed(g, "AK1", until + 1);
	assert_int_equal(guard_ak_check(g, "AK1", until + 2, 0, NULL), 0);
	guard_free(g);
}

/* An operator's unlock (the store's unlocked_ms) lifts the lock this
 * process keeps; a lock made after it stays. */
static void
test_ak_lifted(void **state)
{
	struct guard *g = mk(3, 60000, 0);
	int i;

	(void)state;
	assert_true(guard_ak_failed(g, "AK", T0) == 0);
	assert_true(guard_ak_failed(g, "AK", T0 + 1) == 0);
	assert_true(guard_ak_failed(g, "AK", T0 + 2) == T0 + 2 + 60000);
	assert_int_equal(guard_ak_check(g, "AK", T0 + 3, 0, NULL),
	    WJ_ERR_AUTH);
	/* lifted before the lock was made: it stays */
	assert_int_equal(guard_ak_check(g, "AK", T0 + 3, T0 + 1, NULL),
	    WJ_ERR_AUTH);
	/* lifted after: gone, and the count starts again */
	assert_int_equal(guard_ak_check(g, "AK", T0 + 10, T0 + 5, NULL), 0);
	assert_int_equal(guard_ak_check(g, "AK", T0 + 11, 0, NULL), 0);
	for (i = 0; i < 2; i++)
		assert_true(guard_ak_failed(g, "AK", T0 + 20 + i) == 0);
	assert_int_equal(guard_ak_check(g, "AK", T0 + 30, T0 + 5, NULL), 0);
	assert_true(guard_ak_failed(g, "AK", T0 + 40) != 0);
	/* the same old unlock time does not lift the new lock */
	assert_int_equal(guard_ak_check(g, "AK", T0 + 41, T0 + 5, NULL),
	    WJ_ERR_AUTH);
	guard_free(g);
}

static void
test_ak_success_resets(void **state)
{
	struct guard *g = mk(3, 1000, 0);
	int round, i;

	(void)state;
	for (round = 0; round < 5; round++) {
		for (i = 0; i < 2; i++)
			guard_ak_failed(g, "AK", T0 + round * 10 + i);
		guard_ak_ok(g, "AK");
	}
	assert_int_equal(guard_ak_check(g, "AK", T0 + 100, 0, NULL), 0);
	for (i = 0; i < 3; i++)
		guard_ak_failed(g, "AK", T0 + 200);
	assert_int_equal(guard_ak_check(g, "AK", T0 + 200, 0, NULL), WJ_ERR_AUTH);
	assert_int_equal(guard_ak_check(g, "AK", T0 + 1200, 0, NULL), 0);
	/* Unusable keys are ignored, never crash. */
	guard_ak_failed(g, NULL, T0);
	guard_ak_failed(g, "", T0);
	guard_ak_ok(g, NULL);
	assert_int_equal(guard_ak_check(g, NULL, T0, 0, NULL), 0);
	guard_free(g);
}

static void
test_ak_locks_survive_floods(void **state)
{
	struct guard *g = mk(5, 60000, 0);
	char key[32];
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		guard_ak_failed(g, "VICTIM", T0);
	assert_int_equal(guard_ak_check(g, "VICTIM", T0, 0, NULL), WJ_ERR_AUTH);
	/*
	 * Twice as many keys as the table holds, each failing once: the
	 * table stays bounded and unlocked entries go before a running lock.
	 */
	for (i = 0; i < GUARD_SETS * GUARD_WAYS * 2; i++) {
		snprintf(key, sizeof(key), "K%d", i);
		guard_ak_failed(g, key, T0 + 1);
	}
	assert_int_equal(guard_ak_check(g, "VICTIM", T0 + 2, 0, NULL),
	    WJ_ERR_AUTH);
	guard_free(g);
}

static void
test_rate_bucket(void **state)
{
	struct guard *g = mk(0, 0, 5);
	int i, secs;

	(void)state;
	assert_int_equal(guard_rate_limit(g), 5);
	/* A burst of the rate passes, the next is refused. */
	for (i = 0; i < 5; i++)
		assert_int_equal(guard_rate(g, "u/1", T0, &secs), 0);
	assert_int_equal(guard_rate(g, "u/1", T0, &secs), WJ_ERR_THROTTLED);
	assert_int_equal(secs, 1);
	/* Another route or user has its own bucket. */
	assert_int_equal(guard_rate(g, "u/2", T0, &secs), 0);
	assert_int_equal(guard_rate(g, "v/1", T0, &secs), 0);
	/* 1/5 s later one more request fits, and only one. */
	assert_int_equal(guard_rate(g, "u/1", T0 + 199, &secs),
	    WJ_ERR_THROTTLED);
	assert_int_equal(guard_rate(g, "u/1", T0 + 200, &secs), 0);
	assert_int_equal(guard_rate(g, "u/1", T0 + 200, &secs),
	    WJ_ERR_THROTTLED);
	/* After a second the bucket is full again, not fuller. */
	for (i = 0; i < 5; i++)
		assert_int_equal(guard_rate(g, "u/1", T0 + 5000, &secs), 0);
	assert_int_equal(guard_rate(g, "u/1", T0 + 5000, &secs),
	    WJ_ERR_THROTTLED);
	/* A clock step backwards does not refill. */
	assert_int_equal(guard_rate(g, "u/1", T0, &secs), WJ_ERR_THROTTLED);
	guard_free(g);
}

static void
test_rate_retry_after(void **state)
{
	struct guard *g = mk(0, 0, 1);
	int secs;

	(void)state;
	assert_int_equal(guard_rate(g, "k", T0, &secs), 0);
	assert_int_equal(guard_rate(g, "k", T0 + 1, &secs), WJ_ERR_THROTTLED);
	assert_int_equal(secs, 1);	/* 999 ms: rounded up to whole secs */
	assert_int_equal(guard_rate(g, "k", T0 + 1000, &secs), 0);
	guard_free(g);
}

static void
test_rate_off_and_bad_keys(void **state)
{
	struct guard *g = mk(0, 0, 0);
	struct guard_opts bad = { -1, 0, 0 };
	struct guard *x = NULL;
	char longkey[GUARD_KEY_MAX + 2];
	int i, secs;

	(void)state;
	for (i = 0; i < 10000; i++)
		assert_int_equal(guard_rate(g, "k", T0, &secs), 0);
	guard_free(g);
	g = mk(0, 0, 1);
	memset(longkey, 'x', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(guard_rate(g, longkey, T0, &secs), 0);
	assert_int_equal(guard_rate(g, longkey, T0, &secs), 0);
	guard_free(g);
	assert_int_equal(guard_new(&bad, &x), WJ_ERR_INVALID);
	assert_null(x);
	bad.ak_failures = 0;
	bad.rate = -5;
	assert_int_equal(guard_new(&bad, &x), WJ_ERR_INVALID);
	guard_free(NULL);
}

struct worker {
	struct guard *g;
	int	      allowed;
};

static void *
hammer(void *arg)
{
	struct worker *w = arg;
	int i, secs;

	for (i = 0; i < 1000; i++)
		if (guard_rate(w->g, "shared", T0, &secs) == 0)
			w->allowed++;
	return NULL;
}

static void
test_rate_concurrent(void **state)
{
	struct worker w[4];
	pthread_t t[4];
	struct guard *g = mk(0, 0, 100);
	int i, total = 0;

	(void)state;
	for (i = 0; i < 4; i++) {
		w[i].g = g;
		w[i].allowed = 0;
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += w[i].allowed;
	}
	/* One instant: exactly the burst, whoever got it. */
	assert_int_equal(total, 100);
	guard_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ak_locks_at_threshold),
		cmocka_unit_test(test_ak_lifted),
		cmocka_unit_test(test_ak_success_resets),
		cmocka_unit_test(test_ak_locks_survive_floods),
		cmocka_unit_test(test_rate_bucket),
		cmocka_unit_test(test_rate_retry_after),
		cmocka_unit_test(test_rate_off_and_bad_keys),
		cmocka_unit_test(test_rate_concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
