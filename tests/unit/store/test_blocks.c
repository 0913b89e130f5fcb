/*
 * test_blocks.c - pages placed by sub_job_blocks (docs/ARCHITECTURE.md#
 * list-pages) against a real SQLite file: rounds of random writes through
 * the store (creates, claims, finishes, retries, deletes by IDs and by
 * status) and straight into the file (sub-jobs begun anywhere in the
 * list order, so that every trigger path runs); after each round every
 * filter's pages at many offsets (block boundaries among them) equal a
 * plain LIMIT/OFFSET over sub_jobs, and every block's counts equal a
 * count of the rows it covers.
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

#include "store/store.h"
#include "store/sqlite/blocks.h"
#include "model/limits.h"
#include "store_fixture.h"

#define ID_SZ		(WJ_ID_LEN + 1)
#define ROUNDS		6
#define PAGE_IDS_MAX	WJ_LIST_LIMIT_MAX

static const struct store_actor actor = { .request_id = "req-blocks" };
static uint64_t rnd_state = 88172645463325252ULL;

static uint32_t
rnd_below(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state % n);
}

/* ---- the file, through the test's own connection ------------------------- */

struct idlist {
	char	(*v)[ID_SZ];
	size_t	  n;
};

/* The first column of every row of sql (text parameter p, if any). */
static void
q_ids(sqlite3 *db, const char *sql, const char *p, struct idlist *out)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;

	out->n = 0;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (p != NULL)
		assert_int_equal(sqlite3_bind_text(st, 1, p, -1,
		    SQLITE_STATIC), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? 2 * cap : 64;
			out->v = realloc(out->v, cap * sizeof(*out->v));
			assert_non_null(out->v);
		}
		snprintf(out->v[out->n++], ID_SZ, "%s",
		    (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
}

static void
exec(sqlite3 *db, const char *sql)
{
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/*
 * Every block's counts are those of its set's rows (all of them, or one
 * status) from its key up to the next block's; no row lies before its
 * sets' first blocks; no block is empty or over 2 * SQ_BLOCK_ROWS rows;
 * each set's totals are the counts by status.
 */
static void
check_blocks(const struct store_fx *f)
{
	assert_int_equal(store_fx_int(f, "WITH b AS (SELECT project_id, s, "
	    "nb, id, n0, n1, n2, n3, lead(nb) OVER w AS xnb, lead(id) OVER w "
	    "AS xid FROM sub_job_blocks WINDOW w AS (PARTITION BY project_id, "
	    "s ORDER BY nb, id)) SELECT count(*) FROM b WHERE (n0, n1, n2, "
	    "n3) IS NOT (SELECT total(status = 0), total(status = 1), "
	    "total(status = 2), total(status = 3) FROM sub_jobs AS r WHERE "
	    "r.project_id = b.project_id AND (b.s = 4 OR r.status = b.s) AND "
	    "(r.nb, r.id) >= (b.nb, b.id) AND (b.xnb IS NULL OR "
	    "(r.nb, r.id) < (b.xnb, b.xid)))"), 0);
	assert_int_equal(store_fx_int(f, "SELECT count(*) FROM sub_jobs AS r "
	    "WHERE NOT EXISTS (SELECT 1 FROM sub_job_blocks AS b WHERE "
	    "b.project_id = r.project_id AND b.s = 4 AND (b.nb, b.id) <= "
	    "(r.nb, r.id)) OR NOT EXISTS (SELECT 1 FROM sub_job_blocks AS b "
	    "WHERE b.project_id = r.project_id AND b.s = r.status AND "
	    "(b.nb, b.id) <= (r.nb, r.id))"), 0);
	assert_int_equal(store_fx_int(f, "SELECT count(*) FROM sub_job_blocks "
	    "WHERE n0 + n1 + n2 + n3 NOT BETWEEN 1 AND 2 * "
	    SQ_BLOCK_STR(SQ_BLOCK_ROWS)), 0);
	assert_int_equal(store_fx_int(f, "SELECT count(*) FROM (SELECT "
	    "project_id, s, sum(n0), sum(n1), sum(n2), sum(n3) FROM "
	    "sub_job_blocks GROUP BY 1, 2 EXCEPT SELECT project_id, 4, "
	    "sum(status = 0), sum(status = 1), sum(status = 2), "
	    "sum(status = 3) FROM sub_jobs GROUP BY 1 EXCEPT SELECT "
	    "project_id, status, sum(status = 0), sum(status = 1), "
	    "sum(status = 2), sum(status = 3) FROM sub_jobs GROUP BY 1, 2)"),
	    0);
}

/* ---- writes -------------------------------------------------------------- */

static void
create_jobs(struct store_fx *f, int njobs)
{
	static const char *types[] = { "createDesktops", "deleteDesktops",
	    "cancelWorkspace" };
	struct store_sub_job_in subs[120];
	struct store_job_in in;
	char *body = NULL;
	int i;

	memset(subs, 0, sizeof(subs));
	for (i = 0; i < njobs; i++) {
		memset(&in, 0, sizeof(in));
		in.project_id = f->p.id;
		in.job_type = types[rnd_below(3)];
		in.subs = subs;
		in.n = 1 + rnd_below(120);
		assert_int_equal(store_job_create(f->st, &actor, &in, &body),
		    0);
		free(body);
		body = NULL;
	}
}

/* The counts the store keeps, recounted from the rows (in the caller's
 * transaction). */
static void
recount(sqlite3 *db)
{
	exec(db, "UPDATE jobs SET n_waiting = (SELECT count(*) FROM sub_jobs "
	    "AS s WHERE s.project_id = jobs.project_id AND s.job_id = jobs.id "
	    "AND status = 0), n_running = (SELECT count(*) FROM sub_jobs AS s "
	    "WHERE s.project_id = jobs.project_id AND s.job_id = jobs.id AND "
	    "status = 1), n_success = (SELECT count(*) FROM sub_jobs AS s "
	    "WHERE s.project_id = jobs.project_id AND s.job_id = jobs.id AND "
	    "status = 2), n_failed = (SELECT count(*) FROM sub_jobs AS s "
	    "WHERE s.project_id = jobs.project_id AND s.job_id = jobs.id AND "
	    "status = 3)");
	exec(db, "DELETE FROM sub_job_counts");
	exec(db, "INSERT INTO sub_job_counts (project_id, job_type, status, "
	    "n) SELECT project_id, job_type, status, count(*) FROM sub_jobs "
	    "GROUP BY 1, 2, 3");
}

/*
 * Sub-jobs begun at random times of the past, straight into the file
 * (the triggers are the database's): they land anywhere in the order,
 * some before the project's first block.  The counts the store keeps
 * are recounted, so that its totals and later changes stay right.
 */
static void
insert_anywhere(sqlite3 *db, const char *project_id, int n)
{
	char sql[1024];
	int i;

	exec(db, "BEGIN");
	for (i = 0; i < n; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO sub_jobs (project_id, "
		    "id, job_id, job_type, status, begin_ms) SELECT '%s', "
		    "printf('%%016x%%016x', %u, %u), id, 'createDesktops', %u, "
		    "unixepoch() * 1000 + %d FROM jobs WHERE project_id = '%s' "
		    "LIMIT 1", project_id, rnd_below(1u << 30),
		    rnd_below(1u << 30), rnd_below(4),
		    (int)rnd_below(200000) - 100000, project_id);
		exec(db, sql);
	}
	recount(db);
	exec(db, "COMMIT");
}

/* Claim up to n, finish about half of them (a third of those FAILED). */
static void
claim_finish(struct store_fx *f, int n)
{
	struct store_claim_in in;
	struct store_claimed got;
	size_t i;
	int st;

	memset(&in, 0, sizeof(in));
	in.domain_id = f->d.id;
	in.worker_id = "w1";
	in.host = "10.0.0.9";
	in.lease_seconds = 60;
	while (n > 0) {
		in.max = n > WJ_CLAIM_MAX ? WJ_CLAIM_MAX : n;
		assert_int_equal(store_claim(f->st, &actor, &in, &got), 0);
		if (got.n == 0)
			break;
		n -= (int)got.n;
		for (i = 0; i < got.n; i++) {
			if (rnd_below(2))
				continue;
			st = rnd_below(3) ? JOB_STATUS_SUCCESS :
			    JOB_STATUS_FAILED;
			assert_int_equal(store_finish(f->st, &actor, f->d.id,
			    got.v[i].id, got.v[i].lease_id, st, "WKS.1",
			    "failed", NULL), 0);
		}
		store_claimed_free(&got);
	}
}

static void
retry_some(struct store_fx *f, sqlite3 *db)
{
	struct wj_errinfo ei;
	struct idlist jobs = { NULL, 0 };
	size_t i;

	q_ids(db, "SELECT id FROM jobs WHERE project_id = ? AND status = 3",
	    f->p.id, &jobs);
	for (i = 0; i < jobs.n; i++)
		if (rnd_below(2))
			assert_int_equal(store_job_retry(f->st, &actor, f->p.id,
			    jobs.v[i], &ei), 0);
	free(jobs.v);
}

/* About a fraction 1/every of the deletable sub-jobs, by IDs. */
static void
delete_some(struct store_fx *f, sqlite3 *db, int every)
{
	const char *batch[WJ_DELETE_IDS_MAX];
	struct idlist ids = { NULL, 0 };
	struct wj_errinfo ei;
	size_t i, n = 0;

	q_ids(db, "SELECT id FROM sub_jobs WHERE project_id = ? AND status "
	    "IN (2, 3) AND job_type <> 'cancelWorkspace'", f->p.id, &ids);
	for (i = 0; i < ids.n; i++) {
		if (rnd_below(every) != 0)
			continue;
		batch[n++] = ids.v[i];
		if (n < WJ_DELETE_IDS_MAX && i + 1 < ids.n)
			continue;
		assert_int_equal(store_sub_jobs_delete(f->st, &actor, f->p.id,
		    batch, n, &ei), 0);
		n = 0;
	}
	if (n > 0)
		assert_int_equal(store_sub_jobs_delete(f->st, &actor, f->p.id,
		    batch, n, &ei), 0);
	free(ids.v);
}

/* ---- blocks laid out by hand --------------------------------------------- */

/* Row k of the layouts below: SUCCESS, k-th in list order. */
#define LAYOUT_BEGIN_MS	1000000000000LL
#define LAYOUT_ID(k)	"printf('%%032x', " k ")"
#define LAYOUT_K	"(1000000000000 - begin_ms)"	/* a row's k */

/*
 * The project's sub-jobs replaced by n SUCCESS rows of one job, in list
 * order 0..n-1, and the blocks of its sets of all rows and of SUCCESS
 * cut by hand: block i begins at row cut[i] (cut[0] = 0, ascending).
 */
static void
layout(sqlite3 *db, const char *project_id, int n, const int *cut,
    size_t ncut)
{
	char sql[1024];
	size_t i;

	exec(db, "BEGIN");
	snprintf(sql, sizeof(sql), "DELETE FROM sub_jobs WHERE project_id = "
	    "'%s'", project_id);
	exec(db, sql);
	snprintf(sql, sizeof(sql), "WITH RECURSIVE k(k) AS (SELECT 0 UNION "
	    "ALL SELECT k + 1 FROM k WHERE k + 1 < %d) INSERT INTO sub_jobs "
	    "(project_id, id, job_id, job_type, status, begin_ms) SELECT "
	    "'%s', " LAYOUT_ID("k") ", id, 'createDesktops', 2, %lld - k "
	    "FROM k, (SELECT id FROM jobs WHERE project_id = '%s' LIMIT 1)",
	    n, project_id, LAYOUT_BEGIN_MS, project_id);
	exec(db, sql);
	snprintf(sql, sizeof(sql), "DELETE FROM sub_job_blocks WHERE "
	    "project_id = '%s'", project_id);
	exec(db, sql);
	for (i = 0; i < ncut; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO sub_job_blocks "
		    "(project_id, s, nb, id, n0, n1, n2, n3) SELECT '%s', s, "
		    "%d - %lld, " LAYOUT_ID("%d") ", 0, 0, %d, 0 FROM (SELECT 4 "
		    "AS s UNION ALL SELECT 2)", project_id, cut[i],
		    LAYOUT_BEGIN_MS, cut[i], (i + 1 < ncut ? cut[i + 1] : n) -
		    cut[i]);
		exec(db, sql);
	}
	recount(db);
	exec(db, "COMMIT");
}

/* Delete rows k[0..n-1] of the layout by IDs, in that order. */
static void
delete_rows(struct store_fx *f, sqlite3 *db, const int *k, size_t n)
{
	const char *batch[WJ_DELETE_IDS_MAX];
	struct idlist ids = { NULL, 0 };
	struct wj_errinfo ei;
	size_t i;

	q_ids(db, "SELECT id FROM sub_jobs WHERE project_id = ? ORDER BY "
	    "nb, id", f->p.id, &ids);
	assert_true(n <= WJ_DELETE_IDS_MAX);
	for (i = 0; i < n; i++) {
		assert_true((size_t)k[i] < ids.n);
		batch[i] = ids.v[k[i]];
	}
	assert_int_equal(store_sub_jobs_delete(f->st, &actor, f->p.id, batch,
	    n, &ei), 0);
	free(ids.v);
}

/* ---- pages --------------------------------------------------------------- */

struct page {
	char	(*v)[ID_SZ];
	size_t	  n;
};

static int
collect(void *arg, const struct sub_job *s)
{
	struct page *p = arg;

	if (p->n >= PAGE_IDS_MAX)
		return -1;
	snprintf(p->v[p->n++], ID_SZ, "%s", s->id);
	return 0;
}

static const char *const status_names[] = { "WAITING", "RUNNING",
	"SUCCESS", "FAILED" };

/* A filter: statuses as a bit set (0: none), or a job type. */
struct filt {
	unsigned    statuses;
	const char *type;
};

static void
filter_sql(const struct filt *fl, char *buf, size_t size)
{
	size_t k = 0;
	int s;

	k += (size_t)snprintf(buf + k, size - k, "SELECT id FROM sub_jobs "
	    "WHERE project_id = ?");
	if (fl->type != NULL)
		k += (size_t)snprintf(buf + k, size - k, " AND job_type = '%s'",
		    fl->type);
	if (fl->statuses != 0) {
		k += (size_t)snprintf(buf + k, size - k, " AND status IN (-1");
		for (s = 0; s < 4; s++)
			if (fl->statuses & (1u << s))
				k += (size_t)snprintf(buf + k, size - k, ", %d",
				    s);
		k += (size_t)snprintf(buf + k, size - k, ")");
	}
	snprintf(buf + k, size - k, " ORDER BY begin_ms DESC, id");
}

/* The store's page at (limit, offset) is the plain walk's slice. */
static void
compare_page(struct store_fx *f, const struct filt *fl,
    const struct idlist *all, int64_t limit, int64_t offset,
    struct page *pg)
{
	struct store_list_filter lf;
	int64_t total = -1, i, want;
	int s;

	memset(&lf, 0, sizeof(lf));
	lf.project_id = f->p.id;
	lf.limit = limit;
	lf.offset = offset;
	if (fl->type != NULL) {
		lf.job_types[0] = fl->type;
		lf.n_job_types = 1;
	}
	for (s = 0; s < 4; s++)
		if (fl->statuses & (1u << s))
			lf.statuses[lf.n_statuses++] = status_names[s];
	pg->n = 0;
	assert_int_equal(store_sub_jobs_list(f->st, &lf, &total, collect, pg),
	    0);
	assert_int_equal(total, (int64_t)all->n);
	want = offset >= total ? 0 : total - offset;
	if (want > limit)
		want = limit;
	if ((int64_t)pg->n != want)
		print_message("filter %u/%s limit %lld offset %lld: %zu rows, "
		    "want %lld\n", fl->statuses, fl->type ? fl->type : "-",
		    (long long)limit, (long long)offset, pg->n,
		    (long long)want);
	assert_int_equal(pg->n, want);
	for (i = 0; i < want; i++)
		assert_string_equal(pg->v[i], all->v[offset + i]);
}

/* Offsets worth a look for a filter of total rows. */
static size_t
offsets(sqlite3 *db, const struct filt *fl, const char *project_id,
    int64_t total, int64_t *out, size_t max)
{
	sqlite3_stmt *st = NULL;
	char sql[256];
	int64_t sum = 0;
	size_t n = 0;
	int s, k, set;

	static const int64_t fixed[] = { 0, 1, SQ_BLOCK_ROWS - 1,
	    SQ_BLOCK_ROWS, SQ_BLOCK_ROWS + 1, 2 * SQ_BLOCK_ROWS, 999, 1000 };
	for (k = 0; k < (int)(sizeof(fixed) / sizeof(fixed[0])); k++)
		out[n++] = fixed[k];
	out[n++] = total - 1;
	out[n++] = total;
	for (k = 0; k < 6 && total > 0; k++)
		out[n++] = rnd_below((uint32_t)total);
	/* Where the filter's blocks begin and end (one status: its set;
	 * else the set of all). */
	set = 4;
	k = snprintf(sql, sizeof(sql), "SELECT 0");
	for (s = 0; s < 4; s++)
		if (fl->statuses == 0 || (fl->statuses & (1u << s))) {
			k += snprintf(sql + k, sizeof(sql) - (size_t)k, " + n%d",
			    s);
			set = fl->statuses == (1u << s) ? s : set;
		}
	snprintf(sql + k, sizeof(sql) - (size_t)k, " FROM sub_job_blocks "
	    "WHERE project_id = ? AND s = %d ORDER BY nb, id", set);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, project_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && n + 3 <= max) {
		sum += sqlite3_column_int64(st, 0);
		if (rnd_below(4) != 0)
			continue;
		out[n++] = sum - 1;
		out[n++] = sum;
		out[n++] = sum + 1;
	}
	sqlite3_finalize(st);
	return n;
}

static void
compare_all(struct store_fx *f, sqlite3 *db)
{
	static const struct filt filts[] = {
		{ 0, NULL }, { 1, NULL }, { 2, NULL }, { 4, NULL }, { 8, NULL },
		{ 4 | 8, NULL }, { 1 | 2 | 8, NULL }, { 15, NULL },
		{ 0, "deleteDesktops" }, { 8, "createDesktops" },
	};
	static const int64_t limits[] = { 1, 100, 1000 };
	struct idlist all = { NULL, 0 };
	struct page pg;
	int64_t off[128];
	char sql[512];
	size_t i, j, k, n;

	pg.v = calloc(PAGE_IDS_MAX, ID_SZ);
	assert_non_null(pg.v);
	for (i = 0; i < sizeof(filts) / sizeof(filts[0]); i++) {
		filter_sql(&filts[i], sql, sizeof(sql));
		q_ids(db, sql, f->p.id, &all);
		n = offsets(db, &filts[i], f->p.id, (int64_t)all.n, off,
		    sizeof(off) / sizeof(off[0]));
		for (j = 0; j < sizeof(limits) / sizeof(limits[0]); j++)
			for (k = 0; k < n; k++)
				if (off[k] >= 0)
					compare_page(f, &filts[i], &all,
					    limits[j], off[k], &pg);
	}
	free(all.v);
	free(pg.v);
}

/* ---- the test ------------------------------------------------------------ */

static void
test_pages_match_plain_offset(void **state)
{
	struct store_fx *f = *state;
	int64_t deleted;
	sqlite3 *db;
	int round;

	db = store_fx_db(f);
	for (round = 0; round < ROUNDS; round++) {
		create_jobs(f, 20);
		insert_anywhere(db, f->p.id, 150);
		claim_finish(f, 900);
		if (round % 2 == 1)
			retry_some(f, db);
		delete_some(f, db, 4);
		if (round == 3)
			assert_int_equal(store_sub_jobs_delete_by_status(f->st,
			    &actor, f->p.id, JOB_STATUS_SUCCESS, &deleted), 0);
		if (round == 4)
			assert_int_equal(store_sub_jobs_delete_by_status(f->st,
			    &actor, f->p.id, JOB_STATUS_FAILED, &deleted), 0);
		print_message("round %d: %lld sub-jobs in %lld blocks\n", round,
		    (long long)store_fx_int(f, "SELECT count(*) FROM sub_jobs"),
		    (long long)store_fx_int(f, "SELECT count(*) FROM sub_job_blocks"));
		check_blocks(f);
		compare_all(f, db);
	}
	/* Everything deleted: no block left. */
	exec(db, "DELETE FROM sub_jobs");
	assert_int_equal(store_fx_int(f, "SELECT count(*) FROM sub_job_blocks"), 0);
	sqlite3_close(db);
}

/*
 * Deletes by IDs whose rows lie in several blocks, in blocks that merge
 * and split while the delete counts them out, in the order the request
 * names them: each time the blocks and pages stay exact.
 */
static void
test_delete_across_blocks(void **state)
{
	static const struct {
		int	n, cut[6], ncut, k[WJ_DELETE_IDS_MAX], nk;
	} cases[] = {
		/* five blocks, runs of one and of several rows, a block's
		 * first and last rows */
		{ 1000, { 0, 200, 400, 600, 800 }, 5,
		  { 999, 5, 401, 150, 210, 399, 400, 650, 700, 810 }, 10 },
		/* a block falls under half and joins the one before it,
		 * which splits; that one loses rows too, named later */
		{ 600, { 0, 250, 315, 500 }, 4, { 260, 270, 10, 20, 30 }, 5 },
		/* the first block falls under half and joins the next,
		 * which falls under half too */
		{ 400, { 0, 66, 134, 300 }, 4,
		  { 100, 1, 70, 2, 80, 3, 90, 4, 110 }, 9 },
		/* a block emptied */
		{ 300, { 0, 100, 110, 200 }, 4,
		  { 100, 101, 102, 103, 104, 105, 106, 107, 108, 109 }, 10 },
		/* two neighbours under half, the first joins a block that
		 * splits, the second joins what is left of it */
		{ 330, { 0, 200, 266 }, 3, { 300, 210, 301, 220, 230 }, 5 },
		/* the last block under half */
		{ 300, { 0, 150, 265 }, 3, { 299, 298, 280, 10 }, 4 },
	};
	struct store_fx *f = *state;
	sqlite3 *db;
	size_t i;

	db = store_fx_db(f);
	assert_int_equal(store_fx_job(f->st, f->p.id), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		layout(db, f->p.id, cases[i].n, cases[i].cut,
		    (size_t)cases[i].ncut);
		check_blocks(f);
		delete_rows(f, db, cases[i].k, (size_t)cases[i].nk);
		assert_int_equal(store_fx_int(f, "SELECT count(*) FROM "
		    "sub_jobs"), cases[i].n - cases[i].nk);
		check_blocks(f);
		compare_all(f, db);
	}
	sqlite3_close(db);
}

/*
 * delete_by_status over hand-cut blocks: with as many rows as blocks or
 * more (the blocks fixed once afterwards; some rows of a protected job
 * type stay) and with fewer (the delete trigger per row); each time the
 * blocks and pages stay exact.
 */
static void
test_delete_by_status_blocks(void **state)
{
	static const struct {
		int		 n, cut[12], ncut;
		const char	*set;	/* the statuses and types after layout */
	} cases[] = {
		/* a third FAILED, every 50th SUCCESS row protected */
		{ 2000, { 0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800 },
		  10, "UPDATE sub_jobs SET status = 3 WHERE begin_ms % 3 = 0;"
		  "UPDATE sub_jobs SET job_type = 'cancelWorkspace' WHERE "
		  "status = 2 AND begin_ms % 50 = 1" },
		/* whole blocks SUCCESS among FAILED ones: blocks emptied, a
		 * small one joined */
		{ 1200, { 0, 150, 300, 450, 600, 750, 900, 1050 }, 8,
		  "UPDATE sub_jobs SET status = 3 WHERE (" LAYOUT_K " / 150) % 2 "
		  "= 0 OR (" LAYOUT_K " / 150 = 1 AND " LAYOUT_K " % 150 < 20)" },
		/* five SUCCESS rows among twelve blocks: the trigger per
		 * row */
		{ 2000, { 0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000,
		  1100 }, 12, "UPDATE sub_jobs SET status = 3 WHERE "
		  "begin_ms % 400 <> 7" },
	};
	struct store_fx *f = *state;
	int64_t deleted, left;
	sqlite3 *db;
	size_t i;

	db = store_fx_db(f);
	assert_int_equal(store_fx_job(f->st, f->p.id), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		layout(db, f->p.id, cases[i].n, cases[i].cut,
		    (size_t)cases[i].ncut);
		exec(db, "BEGIN");
		exec(db, cases[i].set);
		recount(db);
		exec(db, "COMMIT");
		check_blocks(f);
		left = store_fx_int(f, "SELECT count(*) FROM sub_jobs WHERE "
		    "status <> 2 OR job_type = 'cancelWorkspace'");
		assert_true(left < cases[i].n);
		assert_int_equal(store_sub_jobs_delete_by_status(f->st, &actor,
		    f->p.id, JOB_STATUS_SUCCESS, &deleted), 0);
		assert_int_equal(store_fx_int(f, "SELECT count(*) FROM "
		    "sub_jobs"), left);
		assert_int_equal(deleted, cases[i].n - left);
		check_blocks(f);
		compare_all(f, db);
	}
	sqlite3_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pages_match_plain_offset,
		    store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_delete_across_blocks,
		    store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_delete_by_status_blocks,
		    store_fx_setup, store_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
