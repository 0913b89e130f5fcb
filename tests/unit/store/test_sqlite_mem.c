/*
 * test_sqlite_mem.c - SQLite's allocator (src/store/sqlite/mem.c): the
 * size classes, that SQLite really allocates through it once installed,
 * that a freed block is handed out again by its thread, that the caches
 * keep their bounds, that blocks may be freed on another thread, and that
 * real databases work on it from several threads at once.  A thread's
 * cache going back to libc when the thread exits is checked by the
 * sanitizer build: LeakSanitizer reports the blocks of an exited thread
 * that were not released.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/sqlite/sqlite_int.h"

#define CLASS_MAX	16384	/* mem.c SQ_MEM_MAX */

/* Every size up to the largest class gets a class at least as large,
 * 16-byte multiples, rounded up by at most 1/8 (past 128), never smaller
 * than a smaller size's; 64 classes in all. */
static void
test_classes(void **state)
{
	size_t n, c, prev = 0, classes = 0;

	(void)state;
	for (n = 1; n <= CLASS_MAX; n++) {
		c = sq_mem_class_size(n);
		assert_true(c >= n);
		assert_int_equal(c % 16, 0);
		if (n > 128)
			assert_true(c - n <= n / 8);
		assert_true(c >= prev);
		if (c != prev)
			classes++;
		prev = c;
	}
	assert_int_equal(classes, 64);
	assert_int_equal(sq_mem_class_size(CLASS_MAX), CLASS_MAX);
	assert_int_equal(sq_mem_class_size(CLASS_MAX + 1), 0);
	assert_int_equal(sq_mem_class_size(0), 0);
}

/* sqlite3_msize reports the class size: SQLite's own allocator would
 * report glibc's usable size (104 for 100 bytes). */
static void
test_installed(void **state)
{
	void *p = sqlite3_malloc(100);

	(void)state;
	assert_non_null(p);
	assert_int_equal(sqlite3_msize(p), sq_mem_class_size(100));
	assert_int_equal(sqlite3_msize(p), 112);
	sqlite3_free(p);
}

/* A freed block is the next one of its class this thread gets. */
static void
test_reuse(void **state)
{
	void *p, *q;
	size_t before;

	(void)state;
	p = sqlite3_malloc(300);
	assert_non_null(p);
	before = sq_mem_cached();
	sqlite3_free(p);
	assert_int_equal(sq_mem_cached(), before + sq_mem_class_size(300));
	q = sqlite3_malloc(290);	/* the same class */
	assert_ptr_equal(q, p);
	assert_int_equal(sq_mem_cached(), before);
	sqlite3_free(q);
}

/* realloc keeps the contents across classes and past the largest. */
static void
test_resize(void **state)
{
	static const int sizes[] = { 5000, 40000, 70000, 20000, 300, 24 };
	unsigned char *p;
	size_t i;
	int j, keep = 24;

	(void)state;
	assert_non_null(p = sqlite3_malloc(24));
	for (j = 0; j < keep; j++)
		p[j] = (unsigned char)(j * 7 + 1);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_non_null(p = sqlite3_realloc(p, sizes[i]));
		assert_true(sqlite3_msize(p) >= (sqlite3_uint64)sizes[i]);
		for (j = 0; j < keep; j++)
			assert_int_equal(p[j], (unsigned char)(j * 7 + 1));
		memset(p + keep, 0xA5, (size_t)sizes[i] - (size_t)keep);
	}
	sqlite3_free(p);
	sqlite3_free(NULL);
}

/* At most 128 blocks of a class and 1 MiB in all stay cached. */
static void
test_bounds(void **state)
{
	enum { N = 400 };
	void *v[N];
	size_t before, i;

	(void)state;
	/* Taking more than the cache holds empties the class first. */
	for (i = 0; i < N; i++)
		assert_non_null(v[i] = sqlite3_malloc(64));
	before = sq_mem_cached();
	assert_true(before + 128 * 64 <= 1024 * 1024);
	for (i = 0; i < N; i++)
		sqlite3_free(v[i]);
	assert_int_equal(sq_mem_cached() - before, 128 * 64);
	/* 128 blocks of 4 KiB and 128 of 8 KiB would be 1.5 MiB. */
	for (i = 0; i < N; i++)
		assert_non_null(v[i] = sqlite3_malloc(i % 2 ? 8000 : 4000));
	for (i = 0; i < N; i++)
		sqlite3_free(v[i]);
	assert_true(sq_mem_cached() <= 1024 * 1024);
	assert_true(sq_mem_cached() > 1024 * 1024 - 8192);
}

struct blocks {
	void *v[64];
	size_t cached;	/* the thread's cache after its frees */
};

static void *
alloc_blocks(void *arg)
{
	struct blocks *b = arg;
	size_t i;

	for (i = 0; i < 64; i++)
		b->v[i] = sqlite3_malloc((int)(16 + i * 40));
	return NULL;
}

/* Blocks allocated on one thread are freed on another, which keeps them;
 * a thread that caches blocks and exits gives them back (LeakSanitizer
 * fails the sanitizer build otherwise). */
static void *
free_and_exit(void *arg)
{
	struct blocks *b = arg;
	size_t i;

	for (i = 0; i < 64; i++)
		sqlite3_free(b->v[i]);
	b->cached = sq_mem_cached();
	return NULL;
}

static void
test_threads(void **state)
{
	struct blocks b;
	pthread_t t;
	size_t i;

	(void)state;
	memset(&b, 0, sizeof(b));
	assert_int_equal(pthread_create(&t, NULL, alloc_blocks, &b), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	for (i = 0; i < 64; i++)
		assert_non_null(b.v[i]);
	assert_int_equal(pthread_create(&t, NULL, free_and_exit, &b), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(b.cached > 0);	/* kept until the thread ended */
}

/* Each thread: its own database in memory, 5,000 rows, sums checked. */
static void *
db_work(void *arg)
{
	int *ok = arg, i;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	*ok = 0;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE TABLE t (a INTEGER, b TEXT);"
	    "CREATE INDEX t_b ON t (b);", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, printf('%0*d', "
	    "?, ?))", -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < 5000; i++) {
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_int(st, 2, 10 + i % 500);	/* strings 10-509 */
		sqlite3_bind_int(st, 3, i);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "SELECT sum(a), sum(length(b)), count(*) "
	    "FROM t WHERE b > '0'", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto out;
	/* sum 0..4999; lengths 10 + i % 500 over ten rounds of 500 */
	*ok = sqlite3_column_int64(st, 0) == 12497500 &&
	    sqlite3_column_int64(st, 1) == 10 * (500 * 10 + 499 * 500 / 2) &&
	    sqlite3_column_int(st, 2) == 5000;
 out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return NULL;
}

static void
test_databases(void **state)
{
	pthread_t t[4];
	int ok[4], i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, db_work, &ok[i]),
		    0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_true(ok[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_installed),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_databases),
	};

	/* Before SQLite's first use, as conn.c does. */
	if (sq_mem_install() != SQLITE_OK) {
		fprintf(stderr, "sq_mem_install failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
