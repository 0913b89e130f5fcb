/*
 * test_store_async.c - store_sub_jobs_delete_async: queued without a
 * waiting thread, committed in the writer's group commit with whatever
 * else is queued, refused alone, answered exactly once (also when the
 * store closes with it queued); and the checkpointer keeps the WAL short.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>

#include <cmocka.h>
#include <jansson.h>

#include "store/store.h"
#include "store_fixture.h"
#include "store_hooks.h"

#define ID_SZ (WJ_ID_LEN + 1)

struct fx {
	struct store_fx		 s;
};

static const struct store_actor actor = { .request_id = "req-async" };

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || store_fx_open(&f->s, NULL, "root", "AKASYNC") != 0)
		return -1;
	*state = f;
	return 0;
}

static int64_t
q_int(const struct fx *f, const char *sql)
{
	return store_fx_int(&f->s, sql);
}

/* A job of n sub-jobs; every one claimed, the first nfin finished. */
static void
mk_running(struct fx *f, size_t n, size_t nfin, char ids[][ID_SZ])
{
	struct store_sub_job_in subs[8];
	struct store_job_in in;
	struct store_claim_in c;
	struct store_claimed got;
	char *body = NULL;
	size_t i;

	memset(subs, 0, sizeof(subs));
	memset(&in, 0, sizeof(in));
	in.project_id = f->s.p.id;
	in.job_type = "createDesktops";
	in.subs = subs;
	in.n = n;
	assert_int_equal(store_job_create(f->s.st, &actor, &in, &body), 0);
	free(body);
	memset(&c, 0, sizeof(c));
	c.domain_id = f->s.d.id;
	c.worker_id = "w1";
	c.max = (int)n;
	c.lease_seconds = 600;
	assert_int_equal(store_claim(f->s.st, &actor, &c, &got), 0);
	assert_int_equal(got.n, n);
	for (i = 0; i < n; i++) {
		strcpy(ids[i], got.v[i].id);
		if (i < nfin)
			assert_int_equal(store_finish(f->s.st, &actor, f->s.d.id,
			    got.v[i].id, got.v[i].lease_id, JOB_STATUS_SUCCESS,
			    NULL, NULL, NULL), 0);
	}
	store_claimed_free(&got);
}

/* One asynchronous delete and what its completion saw. */
struct pend {
	const char	  *ids[4];
	size_t		   n;
	struct wj_errinfo  ei;
	int		   calls;
	int		   result;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void
done(void *arg, int result)
{
	struct pend *p = arg;

	pthread_mutex_lock(&mu);
	p->calls++;
	p->result = result;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void
wait_calls(struct pend *const *ps, size_t n)
{
	size_t i, got;

	pthread_mutex_lock(&mu);
	for (;;) {
		for (got = i = 0; i < n; i++)
			got += ps[i]->calls > 0;
		if (got == n)
			break;
		pthread_cond_wait(&cv, &mu);
	}
	pthread_mutex_unlock(&mu);
}

static void
test_async_delete_group_commit(void **state)
{
	struct fx *f = *state;
	char ids[4][ID_SZ];
	struct pend a, b, c;
	struct pend *all[] = { &a, &b, &c };
	uint64_t before;

	/* ids 0-2 SUCCESS, id 3 RUNNING. */
	mk_running(f, 4, 3, ids);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	a.ids[0] = ids[0];
	a.n = 1;
	b.ids[0] = ids[1];
	b.ids[1] = ids[3];		/* RUNNING: refuses all of b */
	b.n = 2;
	c.ids[0] = ids[2];
	c.n = 1;
	sq_test_pause(f->s.st->sq, 1);
	before = sq_test_batches(f->s.st->sq);
	assert_int_equal(store_sub_jobs_delete_async(f->s.st, &actor, f->s.p.id,
	    a.ids, a.n, &a.ei, done, &a), 0);
	assert_int_equal(store_sub_jobs_delete_async(f->s.st, &actor, f->s.p.id,
	    b.ids, b.n, &b.ei, done, &b), 0);
	assert_int_equal(store_sub_jobs_delete_async(f->s.st, &actor, f->s.p.id,
	    c.ids, c.n, &c.ei, done, &c), 0);
	/* Queued, and nobody waits for them. */
	assert_int_equal(sq_test_queued(f->s.st->sq), 3);
	assert_int_equal(a.calls + b.calls + c.calls, 0);
	sq_test_pause(f->s.st->sq, 0);
	wait_calls(all, 3);
	/* One transaction for the three; each answered once. */
	assert_int_equal(sq_test_batches(f->s.st->sq), before + 1);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(a.result, 0);
	assert_int_equal(b.result, WJ_ERR_INVALID);
	assert_non_null(strstr(b.ei.detail, "is RUNNING"));
	assert_int_equal(c.result, 0);
	/* The refused one left its two sub-jobs; the counts follow. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM sub_jobs"), 2);
	assert_int_equal(q_int(f, "SELECT n_success + n_running FROM jobs"),
	    2);
	assert_int_equal(q_int(f, "SELECT coalesce(sum(n), 0) FROM "
	    "sub_job_counts"), 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_events WHERE "
	    "action = 'workspace:jobs:deleteSubJobRecords'"), 3);
}

static void
test_async_delete_refused_before_queueing(void **state)
{
	struct fx *f = *state;
	struct wj_errinfo ei;
	const char *ids[1] = { "x" };
	struct store_opts o;
	struct store *ro = NULL;
	struct pend p;

	memset(&p, 0, sizeof(p));
	assert_int_equal(store_sub_jobs_delete_async(f->s.st, &actor, f->s.p.id,
	    ids, 1, &ei, NULL, &p), WJ_ERR_INVALID);
	assert_int_equal(store_sub_jobs_delete_async(f->s.st, &actor, NULL,
	    ids, 1, &ei, done, &p), WJ_ERR_INVALID);
	/* No writer: unavailable, and no completion ever. */
	memset(&o, 0, sizeof(o));
	o.path = f->s.path;
	o.readonly = 1;
	assert_int_equal(store_open(&o, &ro), 0);
	assert_int_equal(store_sub_jobs_delete_async(ro, &actor, f->s.p.id,
	    ids, 1, &ei, done, &p), WJ_ERR_UNAVAILABLE);
	store_close(ro);
	assert_int_equal(p.calls, 0);
}

static void
test_async_delete_answered_on_close(void **state)
{
	struct fx *f = *state;
	char ids[1][ID_SZ];
	struct pend p;

	mk_running(f, 1, 1, ids);
	memset(&p, 0, sizeof(p));
	p.ids[0] = ids[0];
	sq_test_pause(f->s.st->sq, 1);
	assert_int_equal(store_sub_jobs_delete_async(f->s.st, &actor, f->s.p.id,
	    p.ids, 1, &p.ei, done, &p), 0);
	/* Closing drains the queue: the delete commits and is answered. */
	store_close(f->s.st);
	f->s.st = NULL;
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.result, 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sub_jobs"), 0);
}

/* Many commits: the checkpointer keeps copying the WAL back. */
static void
test_checkpointer_bounds_the_wal(void **state)
{
	struct fx *f = *state;
	char ids[8][ID_SZ], wal[320];
	struct stat sb;
	int i;

	for (i = 0; i < 200; i++)
		mk_running(f, 8, 8, ids);
	snprintf(wal, sizeof(wal), "%s-wal", f->s.path);
	assert_int_equal(stat(wal, &sb), 0);
	if (getenv("WJ_TEST_VERBOSE") != NULL)
		fprintf(stderr, "wal %lld bytes\n", (long long)sb.st_size);
	/* Without checkpoints it would hold every commit's pages. */
	assert_true(sb.st_size < (off_t)SQ_CKPT_PAGES * 3 * 4120);
	assert_true(q_int(f, "SELECT count(*) FROM sub_jobs") == 1600);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_async_delete_group_commit,
		    setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_async_delete_refused_before_queueing, setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_async_delete_answered_on_close, setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_checkpointer_bounds_the_wal, setup, store_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
