/*
 * test_keycache.c - the cache of access keys, opened secrets and
 * projects (auth/keycache.c) over a real store: a hit serves what was
 * read, stale for at most KEYCACHE_TTL_MS and fresh after; unknown keys
 * and projects are never cached; a secret is served only for the same
 * key, sealed bytes and master key; stores do not share entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth_world.h"

/*
 * A change in the store shows through the cache no sooner than the TTL
 * allows and no later: reads within KEYCACHE_TTL_MS of the first one
 * serve the old row, a read after it the new one.
 */
static void
test_expiry_bounds(void **state)
{
	struct world *w = *state;
	struct store_project pr;
	struct store_key k;
	int64_t first, now, wait_ms;

	first = wj_now_ms();
	assert_int_equal(keycache_key_get(w->s.st, WORLD_ALICE_AK, &k), 0);
	assert_true(k.enabled);
	assert_int_equal(keycache_project_get(w->s.st, w->s.p.id, &pr), 0);
	assert_int_equal(store_key_set_enabled(w->s.st, WORLD_ALICE_AK, 0), 0);
	assert_int_equal(keycache_key_get(w->s.st, WORLD_ALICE_AK, &k), 0);
	now = wj_now_ms();
	if (now - first < KEYCACHE_TTL_MS)
		assert_true(k.enabled);	/* still the cached row */
	/* Just past the TTL of the first read. */
	wait_ms = first + KEYCACHE_TTL_MS + 20 - now;
	if (wait_ms > 0)
		usleep((useconds_t)wait_ms * 1000);
	assert_int_equal(keycache_key_get(w->s.st, WORLD_ALICE_AK, &k), 0);
	assert_false(k.enabled);
	assert_int_equal(keycache_project_get(w->s.st, w->s.p.id, &pr), 0);
	assert_string_equal(pr.id, w->s.p.id);
	/* Cleared: the store is read again at once. */
	assert_int_equal(store_key_set_enabled(w->s.st, WORLD_ALICE_AK, 1), 0);
	keycache_clear();
	assert_int_equal(keycache_key_get(w->s.st, WORLD_ALICE_AK, &k), 0);
	assert_true(k.enabled);
}

/* A miss is not remembered: a key or project made after it works. */
static void
test_misses_are_not_cached(void **state)
{
	struct world *w = *state;
	struct store_project pr;
	struct store_key k;

	assert_int_equal(keycache_key_get(w->s.st, "AKLATER", &k),
	    WJ_ERR_NOT_FOUND);
	assert_int_equal(world_key(w, w->alice.id, "AKLATER",
	    WORLD_ALICE_SK), 0);
	assert_int_equal(keycache_key_get(w->s.st, "AKLATER", &k), 0);
	assert_string_equal(k.user.id, w->alice.id);
	assert_int_equal(keycache_project_get(w->s.st,
	    "0123456789abcdef0123456789abcdef", &pr), WJ_ERR_NOT_FOUND);
}

static void
test_secret_only_for_its_seal(void **state)
{
	struct world *w = *state;
	struct wj_master_key other = w->mk;
	uint8_t sealed[128];
	struct store_key k;
	char sk[64], tiny[8];
	size_t n;

	assert_int_equal(keycache_key_get(w->s.st, WORLD_ROOT_AK, &k), 0);
	assert_int_equal(keycache_open_secret(&w->mk, WORLD_ROOT_AK,
	    k.secret_sealed, k.secret_sealed_len, sk, sizeof(sk)), 0);
	assert_string_equal(sk, WORLD_ROOT_SK);
	/* The second time from the cache, the same. */
	memset(sk, 0, sizeof(sk));
	assert_int_equal(keycache_open_secret(&w->mk, WORLD_ROOT_AK,
	    k.secret_sealed, k.secret_sealed_len, sk, sizeof(sk)), 0);
	assert_string_equal(sk, WORLD_ROOT_SK);
	/* Other sealed bytes for the AK are opened, not matched. */
	assert_int_equal(authn_seal_secret(&w->mk, WORLD_ROOT_AK,
	    WORLD_ALICE_SK, sealed, sizeof(sealed), &n), 0);
	assert_int_equal(keycache_open_secret(&w->mk, WORLD_ROOT_AK, sealed,
	    n, sk, sizeof(sk)), 0);
	assert_string_equal(sk, WORLD_ALICE_SK);
	/* Another master key opens nothing, cached or not. */
	memset(other.key, 0x33, sizeof(other.key));
	assert_int_not_equal(keycache_open_secret(&other, WORLD_ROOT_AK,
	    k.secret_sealed, k.secret_sealed_len, sk, sizeof(sk)), 0);
	/* A buffer too small is refused, never overrun. */
	assert_int_not_equal(keycache_open_secret(&w->mk, WORLD_ROOT_AK,
	    k.secret_sealed, k.secret_sealed_len, tiny, sizeof(tiny)), 0);
}

static void
test_stores_do_not_share(void **state)
{
	struct world *w = *state, w2;
	struct store_key k;

	assert_int_equal(keycache_key_get(w->s.st, WORLD_ROOT_AK, &k), 0);
	assert_string_equal(k.user.id, w->s.u.id);
	assert_int_equal(world_open(&w2), 0);
	assert_int_equal(keycache_key_get(w->s.st, WORLD_ROOT_AK, &k), 0);
	assert_int_equal(keycache_key_get(w2.s.st, WORLD_ROOT_AK, &k), 0);
	assert_string_equal(k.user.id, w2.s.u.id);
	assert_int_equal(keycache_key_get(w->s.st, WORLD_ROOT_AK, &k), 0);
	assert_string_equal(k.user.id, w->s.u.id);
	world_close(&w2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		WORLD_TEST(test_expiry_bounds),
		WORLD_TEST(test_misses_are_not_cached),
		WORLD_TEST(test_secret_only_for_its_seal),
		WORLD_TEST(test_stores_do_not_share),
	};

	return WORLD_RUN(tests);
}
