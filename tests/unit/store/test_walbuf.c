/*
 * test_walbuf.c - the WAL-gathering VFS (src/store/sqlite/walbuf.c) on a
 * real database file: every commit is in the file, for another
 * connection, the moment COMMIT returns; transactions that spill, rewrite
 * frames and roll back leave a consistent file; a process killed right
 * after a commit loses none; and the writes really are gathered.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/sqlite/sqlite_int.h"
#include "store_fixture.h"

struct fx {
	struct store_fx s;	/* only its directory and path */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || store_fx_dir(&f->s) != 0)
		return -1;
	*state = f;
	return 0;
}

static sqlite3 *
open_db(const struct fx *f, int walbuf)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(f->s.path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, walbuf ? SQ_WALBUF_VFS : NULL), SQLITE_OK);
	return db;
}

static void
exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err != NULL ? err : "?");
}

static int64_t
q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A writer through the VFS, as the store's: WAL, synchronous NORMAL. */
static sqlite3 *
open_writer(const struct fx *f)
{
	sqlite3 *db = open_db(f, 1);

	exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	    "CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB,"
	    "  n INTEGER NOT NULL);"
	    "CREATE INDEX IF NOT EXISTS t_n ON t (n)");
	return db;
}

/* Insert rows k0 .. k0 + n - 1 (3,000-byte values) in one transaction. */
static void
insert_rows(sqlite3 *db, int k0, int n)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "BEGIN; WITH RECURSIVE c(i) AS (SELECT "
	    "%d UNION ALL SELECT i + 1 FROM c WHERE i < %d) INSERT INTO t "
	    "SELECT i, randomblob(3000), i FROM c; COMMIT", k0, k0 + n - 1);
	exec(db, sql);
}

static void
test_commit_visible_at_once(void **state)
{
	struct fx *f = *state;
	struct sq_walbuf_stats s0, s1;
	sqlite3 *w, *r;
	int i;

	assert_int_equal(sq_walbuf_register(), SQLITE_OK);
	w = open_writer(f);
	r = open_db(f, 0);
	s0 = sq_walbuf_stats();
	for (i = 0; i < 40; i++) {
		insert_rows(w, i * 25, 25);
		/* Another connection, its own descriptor: all there. */
		assert_int_equal(q_int(r, "SELECT count(*) FROM t"),
		    (i + 1) * 25);
		assert_int_equal(q_int(r, "SELECT sum(length(v)) FROM t"),
		    (int64_t)(i + 1) * 25 * 3000);
	}
	s1 = sq_walbuf_stats();
	/* ~30 frames per commit, 2 writes each: gathered into a few. */
	assert_true(s1.writes - s0.writes >= 40 * 50);
	assert_true((s1.flushes - s0.flushes) * 8 < s1.writes - s0.writes);
	assert_int_equal(q_int(r, "SELECT count(*) FROM t WHERE n = k"), 1000);
	sqlite3_close(r);
	sqlite3_close(w);
}

static void
test_spill_rewrite_rollback(void **state)
{
	struct fx *f = *state;
	sqlite3 *w, *r;
	const unsigned char *ok;
	sqlite3_stmt *st;

	assert_int_equal(sq_walbuf_register(), SQLITE_OK);
	w = open_writer(f);
	r = open_db(f, 0);
	insert_rows(w, 0, 400);
	/* A cache of 8 pages: the next transactions spill frames mid-way
	 * and then change the same pages again (frames rewritten). */
	exec(w, "PRAGMA cache_size = 8");
	exec(w, "BEGIN; UPDATE t SET n = n + 1000; UPDATE t SET n = n + 1000,"
	    " v = randomblob(2000) WHERE k % 2 = 0; COMMIT");
	assert_int_equal(q_int(r, "SELECT sum(n) FROM t"),
	    (int64_t)399 * 400 / 2 + 400 * 1000 + 200 * 1000);
	exec(w, "BEGIN; DELETE FROM t WHERE k < 300; UPDATE t SET n = 0;"
	    "ROLLBACK");
	exec(w, "BEGIN; DELETE FROM t WHERE k >= 390; COMMIT");
	assert_int_equal(q_int(r, "SELECT count(*) FROM t"), 390);
	assert_int_equal(q_int(w, "SELECT count(*) FROM t"), 390);
	assert_int_equal(sqlite3_prepare_v2(r, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	ok = sqlite3_column_text(st, 0);
	assert_string_equal((const char *)ok, "ok");
	sqlite3_finalize(st);
	sqlite3_close(r);
	/* The last connection checkpoints and removes the WAL on close. */
	assert_int_equal(sqlite3_close(w), SQLITE_OK);
	r = open_db(f, 0);
	assert_int_equal(q_int(r, "SELECT count(*) FROM t"), 390);
	sqlite3_close(r);
}

/*
 * A child commits through the VFS and, after each COMMIT returns, tells
 * the parent how many rows it has; the parent SIGKILLs it in mid-stream.
 * Everything a returned COMMIT covered must be in the file.
 */
static void
test_killed_after_commit_loses_nothing(void **state)
{
	struct fx *f = *state;
	int fds[2], told = 0, n, status;
	pid_t pid;
	sqlite3 *r;

	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		sqlite3 *w;
		int i;

		close(fds[0]);
		if (sq_walbuf_register() != SQLITE_OK)
			_exit(2);
		w = open_writer(f);
		for (i = 0; i < 100000; i++) {
			insert_rows(w, i * 5, 5);
			n = (i + 1) * 5;
			if (write(fds[1], &n, sizeof(n)) != sizeof(n))
				_exit(3);
		}
		_exit(0);
	}
	assert_true(pid > 0);
	close(fds[1]);
	while (told < 500 && read(fds[0], &n, sizeof(n)) == sizeof(n))
		told = n;
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* What the child reported after killing started may still count. */
	while (read(fds[0], &n, sizeof(n)) == sizeof(n))
		told = n;
	close(fds[0]);
	assert_true(told >= 500);
	r = open_db(f, 0);
	assert_true(q_int(r, "SELECT count(*) FROM t") >= told);
	assert_int_equal(q_int(r, "SELECT count(*) FROM t") % 5, 0);
	assert_int_equal(q_int(r, "SELECT count(*) FROM t WHERE "
	    "length(v) <> 3000"), 0);
	sqlite3_close(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_visible_at_once,
		    setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_spill_rewrite_rollback,
		    setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_killed_after_commit_loses_nothing, setup, store_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
