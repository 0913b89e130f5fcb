/*
 * auth_world.h - the world the authentication and authorization tests
 * run in: the store fixture (store_fixture.h) whose root user's access
 * key holds a secret sealed under a fixed test master key, plus a second
 * project, a plain user with a key of her own, and a second account.
 * Built into the tests only; include after <cmocka.h> for the macros.
 */
#ifndef WJ_AUTH_WORLD_H
#define WJ_AUTH_WORLD_H

#include "auth/authn.h"
#include "auth/authz.h"
#include "auth/keycache.h"
#include "store_fixture.h"

#define WORLD_ROOT_AK	"AKWORLDROOT000000000"
#define WORLD_ROOT_SK	"rootSecretKey0123456789abcdefghijklmnopq"
#define WORLD_ALICE_AK	"AKWORLDALICE00000000"
#define WORLD_ALICE_SK	"aliceSecretKey0123456789abcdefghijklmnop"

struct world {
	struct store_fx		 s;	/* s.st; s.d, s.u (root), s.p */
	struct wj_master_key	 mk;
	struct store_project	 p2;		/* "second" */
	struct store_user	 alice;		/* not root, own key */
	struct store_domain	 other;		/* a second account */
	struct store_user	 other_root;
	struct store_project	 other_p;
};

/* Give user_id the access key ak with secret sk, sealed under w->mk. */
int	world_key(struct world *, const char *user_id, const char *ak,
	    const char *sk);
/* Make the world, with an empty key cache.  0 or -1. */
int	world_open(struct world *);
/* Close the store, remove its directory, empty the key cache. */
void	world_close(struct world *);
/* cmocka set-up and teardown of a world each case gets afresh. */
int	world_setup(void **state);
int	world_teardown(void **state);

/* A test of a program over the world, each case in a fresh one. */
#define WORLD_TEST(name) \
	cmocka_unit_test_setup_teardown(name, world_setup, world_teardown)

/* Run the tests of a program, without the store's start-up chatter. */
#define WORLD_RUN(tests) \
	(wj_log_level = WJ_LOG_WARN, cmocka_run_group_tests(tests, NULL, NULL))

#endif
