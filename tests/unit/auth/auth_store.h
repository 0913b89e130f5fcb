/*
 * auth_store.h - the world the authentication and authorization tests
 * run in: a real SQLite store in a fresh temporary directory, reached
 * only through store.h, holding an account with its root user and
 * access key, a second project, a plain user with a key of her own, and
 * a second account.  Secrets are sealed under a fixed test master key.
 * Include after <cmocka.h>; one copy per test program.
 */
#ifndef WJ_TEST_AUTH_STORE_H
#define WJ_TEST_AUTH_STORE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/authn.h"
#include "auth/authz.h"
#include "auth/keycache.h"
#include "store/store.h"

#define WORLD_ROOT_AK	"AKWORLDROOT000000000"
#define WORLD_ROOT_SK	"rootSecretKey0123456789abcdefghijklmnopq"
#define WORLD_ALICE_AK	"AKWORLDALICE00000000"
#define WORLD_ALICE_SK	"aliceSecretKey0123456789abcdefghijklmnop"

struct world {
	char			 dir[256];
	char			 path[300];
	struct store		*st;
	struct wj_master_key	 mk;
	struct store_domain	 d;		/* "acme" */
	struct store_user	 root;
	struct store_project	 p;		/* "default" */
	struct store_project	 p2;		/* "second" */
	struct store_user	 alice;		/* not root, own key */
	struct store_domain	 other;		/* a second account */
	struct store_user	 other_root;
	struct store_project	 other_p;
};

/* Give user_id the access key ak with secret sk, sealed under w->mk. */
static int
world_key(struct world *w, const char *user_id, const char *ak,
    const char *sk)
{
	uint8_t sealed[128];
	size_t n;

	if (authn_seal_secret(&w->mk, ak, sk, sealed, sizeof(sealed),
	    &n) != 0)
		return -1;
	return store_key_create(w->st, user_id, ak, sealed, n) == 0 ? 0 : -1;
}

static int
world_open(struct world *w)
{
	const char *tmp = getenv("TMPDIR");
	struct store_opts o;
	uint8_t sealed[128];
	size_t n;

	memset(w, 0, sizeof(*w));
	memset(w->mk.key, 0x5a, sizeof(w->mk.key));
	w->mk.id = 1;
	(void)snprintf(w->dir, sizeof(w->dir), "%s/wjauth.XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(w->dir) == NULL)
		return -1;
	(void)snprintf(w->path, sizeof(w->path), "%s/wksjobs.db", w->dir);
	memset(&o, 0, sizeof(o));
	o.path = w->path;
	if (authn_seal_secret(&w->mk, WORLD_ROOT_AK, WORLD_ROOT_SK, sealed,
	    sizeof(sealed), &n) != 0 ||
	    store_open(&o, &w->st) != 0 ||
	    store_bootstrap(w->st, "acme", "acme", "default", WORLD_ROOT_AK,
	    sealed, n, &w->d, &w->root, &w->p) != 0 ||
	    store_project_create(w->st, w->d.id, "second", &w->p2) != 0 ||
	    store_user_create(w->st, w->d.id, "alice", NULL, &w->alice) != 0 ||
	    world_key(w, w->alice.id, WORLD_ALICE_AK, WORLD_ALICE_SK) != 0 ||
	    store_domain_create(w->st, "other", NULL, &w->other,
	    &w->other_root) != 0 ||
	    store_project_create(w->st, w->other.id, "theirs",
	    &w->other_p) != 0 ||
	    authz_sync_system_policies(w->st) != 0)
		return -1;
	/* The key cache is one per process: nothing of another test. */
	keycache_clear();
	return 0;
}

static void
world_close(struct world *w)
{
	static const char *const files[] = { "", "-wal", "-shm" };
	char p[320];
	size_t i;

	keycache_clear();
	store_close(w->st);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		(void)snprintf(p, sizeof(p), "%s%s", w->path, files[i]);
		(void)unlink(p);
	}
	(void)rmdir(w->dir);
}

static int
world_setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	if (w == NULL || world_open(w) != 0) {
		free(w);
		return -1;
	}
	*state = w;
	return 0;
}

static int
world_teardown(void **state)
{
	struct world *w = *state;

	world_close(w);
	free(w);
	return 0;
}

/* A test of a program over the world, each case in a fresh one. */
#define WORLD_TEST(name) \
	cmocka_unit_test_setup_teardown(name, world_setup, world_teardown)

/* Run the tests of a program, without the store's start-up chatter. */
#define WORLD_RUN(tests) \
	(wj_log_level = WJ_LOG_WARN, cmocka_run_group_tests(tests, NULL, NULL))

#endif
