/*
 * store_fixture.c - see store_fixture.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store_fixture.h"

int
store_fx_dir(struct store_fx *f)
{
	const char *tmp = getenv("TMPDIR");

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s/wjtest.XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/wksjobs.db", f->dir);
	return 0;
}

int
store_fx_open(struct store_fx *f, const struct store_opts *o,
    const char *user, const char *ak)
{
	static const uint8_t sk[40] = { 1, 2, 3 };

	return store_fx_open_key(f, o, user, ak, sk, sizeof(sk));
}

int
store_fx_open_key(struct store_fx *f, const struct store_opts *o,
    const char *user, const char *ak, const uint8_t *secret, size_t n)
{
	struct store_opts so;

	if (store_fx_dir(f) != 0)
		return -1;
	memset(&so, 0, sizeof(so));
	if (o != NULL)
		so = *o;
	so.path = f->path;
	if (store_open(&so, &f->st) != 0 ||
	    store_bootstrap(f->st, "admin", user, "default", ak, secret, n,
	    &f->d, &f->u, &f->p) != 0)
		return -1;
	return 0;
}

int
store_fx_close(struct store_fx *f)
{
	char cmd[600];

	store_close(f->st);
	f->st = NULL;
	if (f->dir[0] == '\0')
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
store_fx_teardown(void **state)
{
	struct store_fx *f = *state;
	int r = store_fx_close(f);

	free(f);
	return r;
}

int
store_fx_job(struct store *st, const char *project_id)
{
	static const struct store_actor actor = { .request_id = "req-fixture" };
	struct store_sub_job_in sub = { 0 };
	struct store_job_in in = { 0 };
	char *body = NULL;
	int r;

	in.project_id = project_id;
	in.job_type = "createDesktops";
	in.subs = &sub;
	in.n = 1;
	r = store_job_create(st, &actor, &in, &body);
	free(body);
	return r;
}

sqlite3 *
store_fx_db(const struct store_fx *f)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

int64_t
store_fx_int(const struct store_fx *f, const char *sql)
{
	sqlite3 *db = store_fx_db(f);
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

int
store_fx_setup(void **state)
{
	struct store_fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (store_fx_open(f, NULL, "root",
	    "AKFIXTURE0000000000000000000001") != 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}
