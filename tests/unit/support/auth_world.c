/*
 * auth_world.c - see auth_world.h.
 */
#include <stdlib.h>
#include <string.h>

#include "auth_world.h"

int
world_key(struct world *w, const char *user_id, const char *ak,
    const char *sk)
{
	uint8_t sealed[128];
	size_t n;

	if (authn_seal_secret(&w->mk, ak, sk, sealed, sizeof(sealed),
	    &n) != 0)
		return -1;
	return store_key_create(w->s.st, user_id, ak, sealed, n) == 0 ?
	    0 : -1;
}

int
world_open(struct world *w)
{
	uint8_t sealed[128];
	size_t n;

	memset(w, 0, sizeof(*w));
	memset(w->mk.key, 0x5a, sizeof(w->mk.key));
	w->mk.id = 1;
	if (authn_seal_secret(&w->mk, WORLD_ROOT_AK, WORLD_ROOT_SK, sealed,
	    sizeof(sealed), &n) != 0 ||
	    store_fx_open_key(&w->s, NULL, "acme", WORLD_ROOT_AK, sealed,
	    n) != 0 ||
	    store_project_create(w->s.st, w->s.d.id, "second", &w->p2) != 0 ||
	    store_user_create(w->s.st, w->s.d.id, "alice", NULL,
	    &w->alice) != 0 ||
	    world_key(w, w->alice.id, WORLD_ALICE_AK, WORLD_ALICE_SK) != 0 ||
	    store_domain_create(w->s.st, "other", NULL, &w->other,
	    &w->other_root) != 0 ||
	    store_project_create(w->s.st, w->other.id, "theirs",
	    &w->other_p) != 0 ||
	    authz_sync_system_policies(w->s.st) != 0)
		return -1;
	/* The key cache is one per process: nothing of another test. */
	keycache_clear();
	return 0;
}

void
world_close(struct world *w)
{
	keycache_clear();
	(void)store_fx_close(&w->s);
}

int
world_setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	if (w == NULL || world_open(w) != 0) {
		if (w != NULL)
			world_close(w);
		free(w);
		return -1;
	}
	*state = w;
	return 0;
}

int
world_teardown(void **state)
{
	struct world *w = *state;

	world_close(w);
	free(w);
	return 0;
}
