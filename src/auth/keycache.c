/*
 * keycache.c - see keycache.h.  Two small direct-mapped tables (a slot
 * per hash of the name; a newer entry replaces an older one), one mutex:
 * lookups copy a few hundred bytes under it, never call the store.
 * Not the gateway guard's table (guard.c): losing an entry here costs one
 * store read, so any entry may go at any time, while the guard must keep
 * a running lock and counts in its entries; each table stays the simplest
 * one for its job, and they share only the hash.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../util/hash.h"
#include "authn.h"
#include "keycache.h"

#define KEY_SLOTS	256
#define PROJECT_SLOTS	1024
#define SK_MAX		256

struct key_slot {
	const struct store *st;
	int64_t		 key_ms;	/* when key was read; 0 = empty */
	struct store_key key;
	/* the opened secret of key.secret_sealed, when sk_ms != 0 */
	const struct wj_master_key *mk;
	int64_t		 sk_ms;
	char		 sk[SK_MAX];
};

struct project_slot {
	const struct store *st;
	int64_t		 ms;
	struct store_project p;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct key_slot keys[KEY_SLOTS];
static struct project_slot projects[PROJECT_SLOTS];

static size_t
slot_index(const char *s, size_t n)
{
	return (size_t)(wj_hash_str(s) % n);
}

static int
within_ttl(int64_t ms, int64_t now)
{
	return ms != 0 && now - ms >= 0 && now - ms < KEYCACHE_TTL_MS;
}

static void
key_slot_wipe(struct key_slot *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

int
keycache_key_get(struct store *st, const char *ak, struct store_key *out)
{
	struct key_slot *k = &keys[slot_index(ak, KEY_SLOTS)];
	int64_t now = wj_now_ms();
	struct store_key fetched;
	int r;

	pthread_mutex_lock(&mu);
	if (k->st == st && within_ttl(k->key_ms, now) &&
	    strcmp(k->key.access_key, ak) == 0) {
		*out = k->key;
		pthread_mutex_unlock(&mu);
		return 0;
	}
	pthread_mutex_unlock(&mu);
	if ((r = store_key_get(st, ak, &fetched)) != 0)
		return r;	/* not found: never cached */
	pthread_mutex_lock(&mu);
	key_slot_wipe(k);
	k->st = st;
	k->key_ms = now;
	k->key = fetched;
	pthread_mutex_unlock(&mu);
	*out = fetched;
	OPENSSL_cleanse(&fetched, sizeof(fetched));
	return 0;
}

void
keycache_key_sig_cleared(struct store *st, const char *ak)
{
	struct key_slot *k = &keys[slot_index(ak, KEY_SLOTS)];

	pthread_mutex_lock(&mu);
	if (k->st == st && k->key_ms != 0 &&
	    strcmp(k->key.access_key, ak) == 0)
		k->key.sig_failures = 0;
	pthread_mutex_unlock(&mu);
}

int
keycache_open_secret(const struct wj_master_key *mk, const char *ak,
    const uint8_t *sealed, size_t sealed_len, char *sk, size_t cap)
{
	struct key_slot *k = &keys[slot_index(ak, KEY_SLOTS)];
	int64_t now = wj_now_ms();
	size_t n;
	int r;

	pthread_mutex_lock(&mu);
	if (k->mk == mk && within_ttl(k->sk_ms, now) &&
	    strcmp(k->key.access_key, ak) == 0 &&
	    k->key.secret_sealed_len == sealed_len &&
	    CRYPTO_memcmp(k->key.secret_sealed, sealed, sealed_len) == 0 &&
	    (n = strlen(k->sk)) < cap) {
		memcpy(sk, k->sk, n + 1);
		pthread_mutex_unlock(&mu);
		return 0;
	}
	pthread_mutex_unlock(&mu);
	if ((r = authn_open_secret(mk, ak, sealed, sealed_len, sk, cap)) != 0)
		return r;
	/* Kept only beside the key entry it belongs to. */
	pthread_mutex_lock(&mu);
	if (k->key_ms != 0 && strcmp(k->key.access_key, ak) == 0 &&
	    k->key.secret_sealed_len == sealed_len &&
	    memcmp(k->key.secret_sealed, sealed, sealed_len) == 0 &&
	    strlen(sk) < sizeof(k->sk)) {
		OPENSSL_cleanse(k->sk, sizeof(k->sk));
		memcpy(k->sk, sk, strlen(sk) + 1);
		k->mk = mk;
		k->sk_ms = now;
	}
	pthread_mutex_unlock(&mu);
	return 0;
}

int
keycache_project_get(struct store *st, const char *id,
    struct store_project *out)
{
	struct project_slot *p = &projects[slot_index(id, PROJECT_SLOTS)];
	int64_t now = wj_now_ms();
	struct store_project fetched;
	int r;

	pthread_mutex_lock(&mu);
	if (p->st == st && within_ttl(p->ms, now) && strcmp(p->p.id, id) == 0) {
		*out = p->p;
		pthread_mutex_unlock(&mu);
		return 0;
	}
	pthread_mutex_unlock(&mu);
	if ((r = store_project_get(st, id, &fetched)) != 0)
		return r;
	pthread_mutex_lock(&mu);
	p->st = st;
	p->ms = now;
	p->p = fetched;
	pthread_mutex_unlock(&mu);
	*out = fetched;
	return 0;
}

void
keycache_clear(void)
{
	size_t i;

	pthread_mutex_lock(&mu);
	for (i = 0; i < KEY_SLOTS; i++)
		key_slot_wipe(&keys[i]);
	memset(projects, 0, sizeof(projects));
	pthread_mutex_unlock(&mu);
}
