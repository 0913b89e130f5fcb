/*
 * pagecost.c - wksjobs-pagecost: what each layer below HTTP costs for one
 * ListItaSubJobs page, one page at a time on the calling thread, on a
 * seeded database file (read only).  Each layer runs the same pages
 * (offsets 0, STEP, 2 x STEP, ... of one project, no filter, LIMIT rows)
 * ROUNDS times, and prints one JSON line per layer: the thread's CPU
 * (CLOCK_THREAD_CPUTIME_ID) per page, the best round and the median.
 *
 *   index     the page's ids from sub_jobs_page alone (no table lookup):
 *             what walking the list order costs at best
 *   step      the product's page statement stepped through its rows, no
 *             column read by the caller: the table lookups and the
 *             result rows the statement makes
 *   columns   the same, every column read as the store reads it
 *             (sq_list_row): the column copies on top
 *   store     store_sub_jobs_list with a callback that does nothing: the
 *             read snapshot, the total from the counts and the page
 *             decoded into struct sub_job, as a request does it
 *   json      the same, each row rendered by sub_job_to_json into one
 *             buffer, as the API renders a page (without HTTP, AK/SK and
 *             the answer's headers)
 *
 *   wksjobs-pagecost --db FILE --project ID [--limit 100] [--step 1]
 *       [--pages 100] [--rounds 20]
 *
 * The statements of index, step and columns are written here as the
 * store writes them for a page below the first block (plain OFFSET);
 * store and json run the product's code.  The WHOLE request at the same
 * pages is bench/pages.sh (PAGES_MODE=shallow); HTTP and AK/SK alone,
 * PAGES_MODE=missing.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "../src/model/job.h"
#include "../src/store/store.h"
#include "../src/util/buf.h"

#define MAX_ROUNDS 1000

struct cfg {
	const char *db;
	const char *project;
	int	    limit, step, pages, rounds;
};

static const char sql_index[] =
	"SELECT id FROM sub_jobs INDEXED BY sub_jobs_page "
	"WHERE project_id = ? ORDER BY nb, id LIMIT ? OFFSET ?";
static const char sql_page[] =
	"SELECT id, job_id, project_id, job_type, status, begin_ms, end_ms, "
	"process, error_code, fail_reason, host, entities, attach_user, "
	"entity, ip_address FROM sub_jobs WHERE project_id = ? "
	"ORDER BY nb, id LIMIT ? OFFSET ?";

enum layer { L_INDEX, L_STEP, L_COLUMNS, L_STORE, L_JSON };

struct ctx {
	const struct cfg *c;
	sqlite3	     *db;
	sqlite3_stmt *index, *page;
	struct store *store;
	struct buf    out;
	int64_t	      rows;		/* over all rounds, a check */
};

static double
thread_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The integer columns of sql_page (the others are read as text). */
static const char page_int[] = { 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	0 };

/* One page of a raw statement; cols: read every column of each row as
 * the store reads it (sq_list_row). */
static int
raw_page(struct ctx *x, sqlite3_stmt *st, int64_t offset, int cols)
{
	int r, i, n;

	sqlite3_bind_text(st, 1, x->c->project, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, x->c->limit);
	sqlite3_bind_int64(st, 3, offset);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		x->rows++;
		n = cols ? sqlite3_column_count(st) : 0;
		for (i = 0; i < n && i < (int)sizeof(page_int); i++)
			if (page_int[i])
				(void)sqlite3_column_int64(st, i);
			else
				(void)sqlite3_column_text(st, i);
	}
	sqlite3_reset(st);
	return r == SQLITE_DONE ? 0 : -1;
}

static int
count_row(void *arg, const struct sub_job *s)
{
	struct ctx *x = arg;

	(void)s;
	x->rows++;
	return 0;
}

static int
json_row(void *arg, const struct sub_job *s)
{
	struct jw *w = arg;

	sub_job_to_json(w, s, 0);
	return w->b->failed ? -1 : 0;
}

static int
store_page(struct ctx *x, int64_t offset, int json)
{
	struct store_list_filter f;
	struct jw w;
	int64_t total;

	memset(&f, 0, sizeof(f));
	f.project_id = x->c->project;
	f.limit = x->c->limit;
	f.offset = offset;
	if (!json)
		return store_sub_jobs_list(x->store, &f, &total, count_row, x);
	x->out.len = 0;
	jw_init(&w, &x->out);
	jw_arr_open(&w);
	if (store_sub_jobs_list(x->store, &f, &total, json_row, &w) != 0)
		return -1;
	jw_arr_close(&w);
	x->rows += x->c->limit;
	return x->out.failed ? -1 : 0;
}

static int
one_page(struct ctx *x, enum layer l, int64_t offset)
{
	switch (l) {
	case L_INDEX:
		return raw_page(x, x->index, offset, 1);
	case L_STEP:
		return raw_page(x, x->page, offset, 0);
	case L_COLUMNS:
		return raw_page(x, x->page, offset, 1);
	case L_STORE:
		return store_page(x, offset, 0);
	case L_JSON:
		return store_page(x, offset, 1);
	}
	return -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Every round of one layer; prints its line. */
static int
run_layer(struct ctx *x, enum layer l, const char *name)
{
	static double per[MAX_ROUNDS];
	const struct cfg *c = x->c;
	double t0;
	int k, p;

	x->rows = 0;
	for (p = 0; p < c->pages; p++)		/* warm the cache, not timed */
		if (one_page(x, l, (int64_t)p * c->step) != 0)
			return -1;
	x->rows = 0;
	for (k = 0; k < c->rounds; k++) {
		t0 = thread_us();
		for (p = 0; p < c->pages; p++)
			if (one_page(x, l, (int64_t)p * c->step) != 0)
				return -1;
		per[k] = (thread_us() - t0) / c->pages;
	}
	qsort(per, (size_t)c->rounds, sizeof(per[0]), cmp_double);
	printf("{\"layer\":\"%s\",\"limit\":%d,\"step\":%d,\"pages\":%d,"
	    "\"rounds\":%d,\"rows_per_page\":%.1f,\"best_us\":%.1f,"
	    "\"median_us\":%.1f}\n", name, c->limit, c->step, c->pages,
	    c->rounds, (double)x->rows / c->rounds / c->pages, per[0],
	    per[c->rounds / 2]);
	fflush(stdout);
	return 0;
}

static int
parse(int argc, char **argv, struct cfg *c)
{
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "project", required_argument, NULL, 'p' },
		{ "limit", required_argument, NULL, 'l' },
		{ "step", required_argument, NULL, 's' },
		{ "pages", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	int o;

	*c = (struct cfg){ NULL, NULL, 100, 1, 100, 20 };
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 'd': c->db = optarg; break;
		case 'p': c->project = optarg; break;
		case 'l': c->limit = atoi(optarg); break;
		case 's': c->step = atoi(optarg); break;
		case 'n': c->pages = atoi(optarg); break;
		case 'r': c->rounds = atoi(optarg); break;
		default: return -1;
		}
	}
	return c->db == NULL || c->project == NULL || c->limit < 1 ||
	    c->step < 0 || c->pages < 1 || c->rounds < 1 ||
	    c->rounds > MAX_ROUNDS ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static const char *names[] = { "index", "step", "columns", "store",
	    "json" };
	struct store_opts so;
	struct ctx x;
	struct cfg c;
	int rc = 1;
	size_t l;

	if (parse(argc, argv, &c) != 0) {
		fprintf(stderr, "usage: wksjobs-pagecost --db FILE --project ID "
		    "[--limit N] [--step N] [--pages N] [--rounds N]\n");
		return 2;
	}
	memset(&x, 0, sizeof(x));
	x.c = &c;
	buf_init(&x.out);
	memset(&so, 0, sizeof(so));
	so.path = c.db;
	so.readonly = 1;
	/* The store first: its process-wide SQLite setup must come before
	 * SQLite's first use.  The raw connection is opened as the store
	 * opens its own: no mutex per call. */
	if (store_open(&so, &x.store) != 0) {
		fprintf(stderr, "pagecost: store_open %s failed\n", c.db);
		goto out;
	}
	if (sqlite3_open_v2(c.db, &x.db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(x.db, sql_index, -1, &x.index, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(x.db, sql_page, -1, &x.page, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "pagecost: %s: %s\n", c.db,
		    sqlite3_errmsg(x.db));
		goto out;
	}
	for (l = 0; l < sizeof(names) / sizeof(names[0]); l++)
		if (run_layer(&x, (enum layer)l, names[l]) != 0) {
			fprintf(stderr, "pagecost: %s: a page failed\n",
			    names[l]);
			goto out;
		}
	rc = 0;
 out:
	if (x.store != NULL)
		store_close(x.store);
	sqlite3_finalize(x.index);
	sqlite3_finalize(x.page);
	sqlite3_close(x.db);
	buf_free(&x.out);
	return rc;
}
