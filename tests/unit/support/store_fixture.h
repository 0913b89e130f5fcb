/*
 * store_fixture.h - the store every unit test of the store and the API
 * starts from, and the one the authentication tests build their world
 * on (auth_world.h): a new SQLite file in a temporary directory with one
 * account (domain "admin", a root user, project "default" and an access
 * key), removed again afterwards; and direct SQL on that file for the
 * checks.  Built into the tests only; its checks fail through cmocka.
 */
#ifndef WJ_STORE_FIXTURE_H
#define WJ_STORE_FIXTURE_H

#include "store/store.h"

struct store_fx {
	char			 dir[256];
	char			 path[300];	/* dir/wksjobs.db */
	struct store		*st;
	struct store_domain	 d;
	struct store_user	 u;		/* the root user */
	struct store_project	 p;
};

/* A new temporary directory (under $TMPDIR or /tmp) and the path of the
 * database in it; nothing opened.  0 or -1. */
int	store_fx_dir(struct store_fx *);
/*
 * store_fx_dir, then open the store with o (NULL: the defaults; o->path
 * is ignored) and bootstrap the account with root user user and access
 * key ak.  0 or -1.
 */
int	store_fx_open(struct store_fx *, const struct store_opts *o,
	    const char *user, const char *ak);
/* store_fx_open, the root's key holding secret (n bytes) as given. */
int	store_fx_open_key(struct store_fx *, const struct store_opts *o,
	    const char *user, const char *ak, const uint8_t *secret,
	    size_t n);
/* Close the store (when open) and remove the directory.  0 or -1. */
int	store_fx_close(struct store_fx *);
/* A job of one sub-job in project_id (a commit); the store's result. */
int	store_fx_job(struct store *, const char *project_id);
/*
 * The test's own connection to the fixture's database file (read-write,
 * a 5 s busy timeout), beside the store's; fails the test when it
 * cannot open.  Close with sqlite3_close.
 */
struct sqlite3	*store_fx_db(const struct store_fx *);
/* The first column of sql's first row, -1 without a row, read through a
 * connection of its own; fails the test when sql does not prepare. */
int64_t	store_fx_int(const struct store_fx *, const char *sql);
/* A cmocka setup: a malloc'd struct store_fx, store_fx_open with the
 * defaults (root user "root"), in *state. */
int	store_fx_setup(void **state);
/* A cmocka teardown for a test's fixture that is malloc'd and starts
 * with a struct store_fx: store_fx_close, then free. */
int	store_fx_teardown(void **state);

#endif
