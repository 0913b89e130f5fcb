/*
 * test_memo.c - the memo of rendered answers (api/memo.c) over a real
 * store: an answer is served again only while the store's data version
 * stands still (a commit of this store or of another process renders
 * again), the least recently used of a thread's entries makes room, and
 * failed or oversized answers are not kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/memo.h"
#include "store_fixture.h"

struct fx {
	struct store_fx	 s;
	struct api_memo	*memo;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || store_fx_open(&f->s, NULL, "root", "AKMEMO") != 0 ||
	    api_memo_new(&f->memo) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	api_memo_free(f->memo);
	return store_fx_teardown(state);
}

struct memo_arg {
	int	calls;
	size_t	bytes;		/* > 0: render this many bytes */
	int	fail;
};

/* Renders "n=<calls>" (or bytes of 'x'): a reused answer shows an old n. */
static int
memo_render(void *arg, struct buf *out)
{
	struct memo_arg *m = arg;
	size_t i;

	m->calls++;
	if (m->fail)
		return WJ_ERR_UNAVAILABLE;
	if (m->bytes > 0) {
		for (i = 0; i < m->bytes; i++)
			buf_putc(out, 'x');
		return 0;
	}
	return buf_printf(out, "n=%d", m->calls) == 0 ? 0 : WJ_ERR_NOMEM;
}

static int
read_into(struct fx *f, const char *key, struct memo_arg *m, struct buf *b)
{
	return api_memo_read(f->memo, f->s.st, key, strlen(key), memo_render,
	    m, b);
}

/* The memo's answer for key as a string (static storage). */
static const char *
memo_get(struct fx *f, const char *key, struct memo_arg *m)
{
	static char got[64];
	struct buf b;

	buf_init(&b);
	assert_int_equal(read_into(f, key, m, &b), 0);
	snprintf(got, sizeof(got), "%s", b.len < sizeof(got) ? b.data :
	    "(long)");
	buf_free(&b);
	return got;
}

static void
test_memo_exact(void **state)
{
	struct fx *f = *state;
	struct memo_arg m = { 0 };
	struct store_project p2;
	struct store_opts o;
	struct store *other;
	char key[16];
	int i;

	assert_int_equal(store_project_create(f->s.st, f->s.d.id, "second",
	    &p2), 0);
	assert_string_equal(memo_get(f, "a", &m), "n=1");
	assert_string_equal(memo_get(f, "a", &m), "n=1");
	assert_string_equal(memo_get(f, "b", &m), "n=2");
	assert_string_equal(memo_get(f, "a", &m), "n=1");
	assert_int_equal(m.calls, 2);
	/* Any commit renders again. */
	assert_int_equal(store_fx_job(f->s.st, f->s.p.id), 0);
	assert_string_equal(memo_get(f, "a", &m), "n=3");
	assert_string_equal(memo_get(f, "a", &m), "n=3");
	/* Also another process's commit (a second store on the file). */
	memset(&o, 0, sizeof(o));
	o.path = f->s.path;
	assert_int_equal(store_open(&o, &other), 0);
	assert_int_equal(store_fx_job(other, p2.id), 0);
	store_close(other);
	assert_string_equal(memo_get(f, "a", &m), "n=4");
	/* Least recently used out: API_MEMO_ENTRIES keys fit, not more. */
	for (i = 0; i <= API_MEMO_ENTRIES; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		(void)memo_get(f, key, &m);
	}
	m.calls = 100;
	assert_string_equal(memo_get(f, "a", &m), "n=101");
	assert_string_equal(memo_get(f, "k0", &m), "n=102");
	snprintf(key, sizeof(key), "k%d", API_MEMO_ENTRIES);
	assert_string_not_equal(memo_get(f, key, &m), "n=103");
}

static void
test_memo_not_kept(void **state)
{
	struct fx *f = *state;
	struct memo_arg m = { 0 };
	struct buf b;

	/* A failed render keeps nothing; an oversized answer is not kept. */
	m.fail = 1;
	buf_init(&b);
	assert_int_equal(read_into(f, "e", &m, &b), WJ_ERR_UNAVAILABLE);
	m.fail = 0;
	assert_string_equal(memo_get(f, "e", &m), "n=2");
	m.bytes = API_MEMO_MAX_BYTES + 1;
	assert_int_equal(read_into(f, "big", &m, &b), 0);
	assert_int_equal(b.len, API_MEMO_MAX_BYTES + 1);
	b.len = 0;
	assert_int_equal(read_into(f, "big", &m, &b), 0);
	assert_int_equal(m.calls, 4);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_memo_exact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_memo_not_kept, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
