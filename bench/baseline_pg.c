/*
 * baseline_pg.c - wksjobs-baseline-pg: the plain libpq loops that the
 * PostgreSQL rows of the benchmark (bench/run-pg.sh) are measured
 * against, and the lock-wait sampler that runs beside them.  No HTTP, no
 * batching, no savepoints: N threads, one connection each, prepared
 * statements, one durable transaction per unit of work.
 *
 *   claim-finish: per thread, one transaction claims one sub-job (SELECT
 *     ... ORDER BY begin_ms, id LIMIT 1 FOR UPDATE SKIP LOCKED, the UPDATE
 *     that leases it, its job's counts, the striped sub_job_counts, an
 *     audit row), the next finishes it as SUCCESS (the UPDATE checked by
 *     the lease, the job's counts and status, the counts, an audit row).
 *     Prints sub-jobs finished per second.
 *   delete: per thread, one transaction per line of --ids ("project
 *     id,id,...", bench/seed.c's deletable.txt; the threads take the
 *     lines in turn): each ID locked and checked as the store does
 *     (exists, not WAITING/RUNNING, not a protected type; an unknown ID
 *     that names a job refuses the request), then the deletes, the job's
 *     counts, the counts and the audit row, COMMIT; a refusal rolls back.
 *   locks: one connection samples pg_stat_activity and pg_locks every
 *     --interval-ms and counts, per sample, the backends waiting on a
 *     heavyweight lock (wait_event_type 'Lock') and on what relation.
 *
 * Each mode runs for --seconds and prints one JSON line.  A deadlock or
 * serialization failure is rolled back and retried (counted).
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "model/job.h"
#include "util/util.h"

#define MAX_IDS		10
#define MAX_THREADS	256
#define MAX_KINDS	64
#define APP_NAME	"wksjobs-baseline"

struct opts {
	const char	*url, *ids, *app;
	int		 conns, interval_ms;
	double		 seconds;
	int64_t		 max;
};

static struct opts o = { NULL, NULL, "wksjobs", 8, 100, 5, 1000000 };
static int64_t end_us;

/* The lines of --ids, shared by the delete threads. */
static char **lines;
static int64_t n_lines, next_line;
static pthread_mutex_t line_mu = PTHREAD_MUTEX_INITIALIZER;

struct worker {
	pthread_t	 th;
	int		 no;
	PGconn		*db;
	int64_t		*lat, n, cap, retries, empty, refused;
};

static void
die(PGconn *db, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "wksjobs-baseline-pg: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (db != NULL)
		fprintf(stderr, ": %s", PQerrorMessage(db));
	fputc('\n', stderr);
	exit(1);
}

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static PGconn *
connect_db(const char *app)
{
	const char *keys[] = { "dbname", "application_name", NULL };
	const char *vals[] = { o.url, app, NULL };
	PGconn *db;

	db = PQconnectdbParams(keys, vals, 1);
	if (db == NULL || PQstatus(db) != CONNECTION_OK)
		die(db, "connect");
	return db;
}

static void
prep(PGconn *db, const char *name, const char *sql)
{
	PGresult *res = PQprepare(db, name, sql, 0, NULL);

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die(db, "prepare %s", name);
	PQclear(res);
}

/*
 * Run a prepared statement; its result in *out when wanted.  0, or 1
 * when the transaction must be retried (deadlock, serialization).
 */
static int
run(PGconn *db, const char *name, int n, const char *const *v,
    PGresult **out)
{
	PGresult *res = PQexecPrepared(db, name, n, v, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	const char *state;

	if (out != NULL)
		*out = NULL;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		if (out != NULL)
			*out = res;
		else
			PQclear(res);
		return 0;
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (state != NULL && (strcmp(state, "40P01") == 0 ||
	    strcmp(state, "40001") == 0)) {
		PQclear(res);
		return 1;
	}
	die(db, "%s", name);
	return -1;
}

static void
exec_sql(PGconn *db, const char *sql)
{
	PGresult *res = PQexec(db, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die(db, "%s", sql);
	PQclear(res);
}

static void
note(struct worker *w, int64_t us)
{
	int64_t *p;

	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 4096;
		if ((p = realloc(w->lat, (size_t)w->cap * sizeof(*p))) == NULL)
			die(NULL, "out of memory");
		w->lat = p;
	}
	w->lat[w->n++] = us;
}

/* ---- claim -> finish ------------------------------------------------- */

/* A sub-job's stripe of sub_job_counts, as the store computes it. */
#define STRIPE "abs(hashtext($2) % 16)"
#define COUNT_MOVE(from, to) \
	"INSERT INTO sub_job_counts AS k (project_id, job_type, status, " \
	"stripe, n) VALUES ($1, $3, " from ", " STRIPE ", -1), ($1, $3, " to \
	", " STRIPE ", 1) ON CONFLICT (project_id, job_type, status, stripe) " \
	"DO UPDATE SET n = k.n + excluded.n"
#define AUDIT(action) \
	"INSERT INTO audit_events (time_ms, request_id, user_id, action, " \
	"project_id, resource_ids, outcome) VALUES ($1, 'baseline', NULL, '" \
	action "', $2, $3, $4)"

static void
claim_prepare(PGconn *db)
{
	prep(db, "pick", "SELECT project_id, id, job_id, job_type "
	    "FROM sub_jobs WHERE status = 0 ORDER BY begin_ms, id LIMIT 1 "
	    "FOR UPDATE SKIP LOCKED");
	prep(db, "lease", "UPDATE sub_jobs SET status = 1, lease_id = $3, "
	    "lease_expires_ms = $4, lease_seconds = 600, worker_id = $5 "
	    "WHERE project_id = $1 AND id = $2");
	prep(db, "job_claimed", "UPDATE jobs SET n_waiting = n_waiting - 1, "
	    "n_running = n_running + 1, started = 1, status = 1 "
	    "WHERE project_id = $1 AND id = $2");
	prep(db, "count_claimed", COUNT_MOVE("0", "1"));
	prep(db, "finish", "UPDATE sub_jobs SET status = 2, end_ms = $3, "
	    "process = 100, lease_id = NULL, lease_expires_ms = NULL "
	    "WHERE id = $1 AND status = 1 AND lease_id = $2 "
	    "RETURNING project_id, job_id, job_type");
	prep(db, "job_finished", "UPDATE jobs SET n_running = n_running - 1, "
	    "n_success = n_success + 1, status = wj_job_status(n_waiting, "
	    "n_running - 1, n_success + 1, n_failed, started, failed), "
	    "end_ms = CASE WHEN wj_job_status(n_waiting, n_running - 1, "
	    "n_success + 1, n_failed, started, failed) >= 2 "
	    "THEN coalesce(end_ms, $3::bigint) END "
	    "WHERE project_id = $1 AND id = $2");
	prep(db, "count_finished", COUNT_MOVE("1", "2"));
	prep(db, "audit", AUDIT("workspace:jobs:execute"));
}

struct leased {
	char	project[WJ_ID_LEN + 1], id[WJ_ID_LEN + 1];
	char	job[WJ_ID_LEN + 1], type[64], lease[WJ_ID_LEN + 1];
};

/* The audit row of one claimed or finished sub-job. */
static int
audit_one(PGconn *db, const char *project, const char *id)
{
	char now[24], res[WJ_ID_LEN + 8];
	const char *v[4] = { now, project, res, "success" };

	snprintf(now, sizeof(now), "%lld", (long long)wj_now_ms());
	snprintf(res, sizeof(res), "[\"%s\"]", id);
	return run(db, "audit", 4, v, NULL);
}

/* One claim transaction: 0 claimed, 1 retry, 2 nothing waits. */
static int
claim_tx(struct worker *w, struct leased *l)
{
	char exp[24], worker[32];
	const char *v[5];
	PGresult *res;
	int r;

	exec_sql(w->db, "BEGIN");
	if ((r = run(w->db, "pick", 0, NULL, &res)) != 0)
		return r;
	if (PQntuples(res) == 0) {
		PQclear(res);
		exec_sql(w->db, "COMMIT");
		return 2;
	}
	snprintf(l->project, sizeof(l->project), "%s", PQgetvalue(res, 0, 0));
	snprintf(l->id, sizeof(l->id), "%s", PQgetvalue(res, 0, 1));
	snprintf(l->job, sizeof(l->job), "%s", PQgetvalue(res, 0, 2));
	snprintf(l->type, sizeof(l->type), "%s", PQgetvalue(res, 0, 3));
	PQclear(res);
	if (wj_id_new(l->lease) != 0)
		die(NULL, "lease id");
	snprintf(exp, sizeof(exp), "%lld", (long long)wj_now_ms() + 600000);
	snprintf(worker, sizeof(worker), "baseline-%d", w->no);
	v[0] = l->project, v[1] = l->id, v[2] = l->lease, v[3] = exp;
	v[4] = worker;
	if ((r = run(w->db, "lease", 5, v, NULL)) != 0)
		return r;
	v[1] = l->job;
	if ((r = run(w->db, "job_claimed", 2, v, NULL)) != 0)
		return r;
	v[2] = l->type;
	if ((r = run(w->db, "count_claimed", 3, v, NULL)) != 0 ||
	    (r = audit_one(w->db, l->project, l->id)) != 0)
		return r;
	exec_sql(w->db, "COMMIT");
	return 0;
}

/* One finish transaction: 0 done, 1 retry. */
static int
finish_tx(struct worker *w, const struct leased *l)
{
	char now[24];
	const char *v[3];
	PGresult *res;
	int r;

	snprintf(now, sizeof(now), "%lld", (long long)wj_now_ms());
	exec_sql(w->db, "BEGIN");
	v[0] = l->id, v[1] = l->lease, v[2] = now;
	if ((r = run(w->db, "finish", 3, v, &res)) != 0)
		return r;
	if (PQntuples(res) != 1)
		die(NULL, "finish of %s changed no row", l->id);
	PQclear(res);
	v[0] = l->project, v[1] = l->job;
	if ((r = run(w->db, "job_finished", 3, v, NULL)) != 0)
		return r;
	v[2] = l->type;
	if ((r = run(w->db, "count_finished", 3, v, NULL)) != 0 ||
	    (r = audit_one(w->db, l->project, l->id)) != 0)
		return r;
	exec_sql(w->db, "COMMIT");
	return 0;
}

static void
rollback(struct worker *w)
{
	exec_sql(w->db, "ROLLBACK");
	w->retries++;
}

/* Claim, then finish, until the time is up: latency per sub-job. */
static void *
claim_finish_thread(void *arg)
{
	struct worker *w = arg;
	struct leased l;
	int64_t t;
	int r;

	claim_prepare(w->db);
	while (mono_us() < end_us) {
		t = mono_us();
		while ((r = claim_tx(w, &l)) == 1)
			rollback(w);
		if (r == 2) {
			w->empty++;
			continue;
		}
		while (finish_tx(w, &l) == 1)
			rollback(w);
		note(w, mono_us() - t);
	}
	return NULL;
}

/* ---- delete ---------------------------------------------------------- */

static void
delete_prepare(PGconn *db)
{
	prep(db, "check", "SELECT job_id, job_type, status FROM sub_jobs "
	    "WHERE project_id = $1 AND id = $2 FOR UPDATE");
	prep(db, "is_job", "SELECT 1 FROM jobs WHERE project_id = $1 AND "
	    "id = $2");
	prep(db, "del", "DELETE FROM sub_jobs WHERE project_id = $1 AND "
	    "id = $2");
	prep(db, "job_counts", "UPDATE jobs SET n_success = n_success - "
	    "$3::bigint, n_failed = n_failed - $4::bigint "
	    "WHERE project_id = $1 AND id = $2");
	prep(db, "counts", "UPDATE sub_job_counts SET n = n - 1 WHERE "
	    "project_id = $1 AND job_type = $2 AND status = $3 AND "
	    "stripe = abs(hashtext($4) % 16)");
	prep(db, "audit", AUDIT("workspace:jobs:deleteSubJobRecords"));
}

struct hit {
	char	id[WJ_ID_LEN + 1], job[WJ_ID_LEN + 1], type[64];
	int	status;
};

/* Check one ID of the request: 0 deletable (into *h), 1 skipped, 2 bad;
 * -1 retry. */
static int
delete_check(struct worker *w, const char *project, const char *id,
    struct hit *h)
{
	const char *v[2] = { project, id };
	PGresult *res;
	int bad;

	if (run(w->db, "check", 2, v, &res) != 0)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		if (run(w->db, "is_job", 2, v, &res) != 0)
			return -1;
		bad = PQntuples(res) > 0;
		PQclear(res);
		return bad ? 2 : 1;
	}
	snprintf(h->id, sizeof(h->id), "%s", id);
	snprintf(h->job, sizeof(h->job), "%s", PQgetvalue(res, 0, 0));
	snprintf(h->type, sizeof(h->type), "%s", PQgetvalue(res, 0, 1));
	h->status = atoi(PQgetvalue(res, 0, 2));
	PQclear(res);
	if (h->status == JOB_STATUS_WAITING ||
	    h->status == JOB_STATUS_RUNNING || job_type_protected(h->type))
		return 2;
	return 0;
}

static int
cmp_status(const void *a, const void *b)
{
	return ((const struct hit *)a)->status - ((const struct hit *)b)->status;
}

/*
 * Delete n checked hits and move their counts, row by row as
 * baseline_delete.c does; in status order, so that concurrent requests
 * lock the rows of sub_job_counts in one order.
 */
static int
delete_rows(struct worker *w, const char *project, struct hit *h, int n)
{
	char st[4];
	const char *v[5];
	int i;

	qsort(h, (size_t)n, sizeof(*h), cmp_status);
	for (i = 0; i < n; i++) {
		v[0] = project, v[1] = h[i].id;
		if (run(w->db, "del", 2, v, NULL) != 0)
			return 1;
		v[1] = h[i].job;
		v[2] = h[i].status == JOB_STATUS_SUCCESS ? "1" : "0";
		v[3] = h[i].status == JOB_STATUS_FAILED ? "1" : "0";
		if (run(w->db, "job_counts", 4, v, NULL) != 0)
			return 1;
		snprintf(st, sizeof(st), "%d", h[i].status);
		v[1] = h[i].type, v[2] = st, v[3] = h[i].job;
		if (run(w->db, "counts", 4, v, NULL) != 0)
			return 1;
	}
	return 0;
}

/* One request in its own transaction: 0 done, 1 retry. */
static int
delete_tx(struct worker *w, const char *project, const char *ids)
{
	char buf[MAX_IDS * (WJ_ID_LEN + 1) + 1], now[24];
	char res[MAX_IDS * (WJ_ID_LEN + 3) + 3] = "[";
	struct hit h[MAX_IDS];
	const char *v[4];
	char *id, *save = NULL;
	int n = 0, bad = 0, c;

	snprintf(buf, sizeof(buf), "%s", ids);
	exec_sql(w->db, "BEGIN");
	for (id = strtok_r(buf, ",", &save); id != NULL && n < MAX_IDS;
	    id = strtok_r(NULL, ",", &save)) {
		strcat(res, res[1] ? ",\"" : "\"");
		strcat(res, id);
		strcat(res, "\"");
		if ((c = delete_check(w, project, id, &h[n])) < 0)
			return 1;
		if (c == 0)
			n++;
		else if (c == 2)
			bad++;
	}
	strcat(res, "]");
	if (bad == 0 && delete_rows(w, project, h, n) != 0)
		return 1;
	snprintf(now, sizeof(now), "%lld", (long long)wj_now_ms());
	v[0] = now, v[1] = project, v[2] = res;
	v[3] = bad ? "error: invalid" : "success";
	if (run(w->db, "audit", 4, v, NULL) != 0)
		return 1;
	exec_sql(w->db, bad ? "ROLLBACK" : "COMMIT");
	if (bad)
		w->refused++;
	return 0;
}

static void *
delete_thread(void *arg)
{
	struct worker *w = arg;
	char *line, *sp;
	int64_t t, i;

	delete_prepare(w->db);
	while (mono_us() < end_us) {
		pthread_mutex_lock(&line_mu);
		i = next_line < n_lines && next_line < o.max ? next_line++ : -1;
		pthread_mutex_unlock(&line_mu);
		if (i < 0)
			break;
		line = lines[i];
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		t = mono_us();
		while (delete_tx(w, line, sp + 1) == 1)
			rollback(w);
		note(w, mono_us() - t);
	}
	return NULL;
}

static void
read_lines(const char *path)
{
	char buf[1024];
	int64_t cap = 0;
	char **p;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		die(NULL, "cannot open %s", path);
	while (fgets(buf, sizeof(buf), f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		if (n_lines == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((p = realloc(lines, (size_t)cap * sizeof(*p))) ==
			    NULL)
				die(NULL, "out of memory");
			lines = p;
		}
		if ((lines[n_lines++] = strdup(buf)) == NULL)
			die(NULL, "out of memory");
	}
	fclose(f);
}

/* ---- the threads' summary -------------------------------------------- */

static void
run_workers(void *(*fn)(void *), const char *unit)
{
	static struct worker w[MAX_THREADS];
	int64_t n = 0, retries = 0, empty = 0, refused = 0, t0, t, *all;
	int i;

	for (i = 0; i < o.conns; i++) {
		w[i].no = i;
		w[i].db = connect_db(APP_NAME);
		exec_sql(w[i].db, "SET synchronous_commit = on");
	}
	t0 = mono_us();
	end_us = t0 + (int64_t)(o.seconds * 1e6);
	for (i = 0; i < o.conns; i++)
		if (pthread_create(&w[i].th, NULL, fn, &w[i]) != 0)
			die(NULL, "pthread_create");
	for (i = 0; i < o.conns; i++) {
		pthread_join(w[i].th, NULL);
		n += w[i].n, retries += w[i].retries;
		empty += w[i].empty, refused += w[i].refused;
	}
	t = mono_us() - t0;
	if ((all = calloc((size_t)n + 1, sizeof(*all))) == NULL)
		die(NULL, "out of memory");
	for (n = 0, i = 0; i < o.conns; i++) {
		memcpy(all + n, w[i].lat, (size_t)w[i].n * sizeof(*all));
		n += w[i].n;
		free(w[i].lat);
		PQfinish(w[i].db);
	}
	qsort(all, (size_t)n, sizeof(*all), cmp64);
	printf("{\"%s\":%lld,\"conns\":%d,\"seconds\":%.3f,\"rps\":%.1f,"
	    "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"retries\":%lld,"
	    "\"empty\":%lld,\"refused\":%lld}\n", unit, (long long)n, o.conns,
	    (double)t / 1e6, n > 0 ? (double)n * 1e6 / (double)t : 0.0,
	    n > 0 ? (double)all[n / 2] / 1000 : 0.0,
	    n > 0 ? (double)all[(n * 99) / 100] / 1000 : 0.0,
	    (long long)retries, (long long)empty, (long long)refused);
	free(all);
}

/* ---- the lock-wait sampler ------------------------------------------- */

/*
 * The active backends of application o.app now (the sampler's own
 * excluded): what each waits for, and for a heavyweight lock the table
 * of the row: a backend waiting for a row another transaction holds
 * waits on that transaction's ID while holding the row's tuple lock, and
 * one queued behind it waits for the tuple lock itself; both name the
 * table.  Without a tuple lock (an UPDATE that found the row changed
 * under it waits on the transaction alone) the start of the waiting
 * statement says what it was doing.
 */
static const char sample_sql[] =
	"SELECT coalesce(a.wait_event_type, ''), coalesce(a.wait_event, ''), "
	"CASE WHEN a.wait_event_type = 'Lock' THEN coalesce((SELECT "
	"t.relation::regclass::text FROM pg_locks AS t WHERE t.pid = a.pid "
	"AND t.locktype = 'tuple' ORDER BY t.granted LIMIT 1), "
	"'(statement) ' || regexp_replace(left(a.query, 60), "
	"'[\\s\"\\\\]+', ' ', 'g')) END "
	"FROM pg_stat_activity AS a WHERE a.application_name = $1 "
	"AND a.state = 'active' AND a.pid <> pg_backend_pid()";

struct kind {
	char	name[160];
	int64_t	n;
};

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
count_kind(struct kind *k, int *nk, const char *name)
{
	int i;

	for (i = 0; i < *nk && strcmp(k[i].name, name) != 0; i++)
		;
	if (i == *nk) {
		if (*nk == MAX_KINDS)
			return;
		snprintf(k[i].name, sizeof(k[i].name), "%s", name);
		(*nk)++;
	}
	k[i].n++;
}

static void
print_kinds(const char *name, const struct kind *k, int nk)
{
	int i;

	printf(",\"%s\":{", name);
	for (i = 0; i < nk; i++)
		printf("%s\"%s\":%lld", i ? "," : "", k[i].name,
		    (long long)k[i].n);
	printf("}");
}

/* One sample: each active backend's wait, and its lock's table. */
static void
sample(PGconn *db, struct kind *lk, int *nlk, struct kind *wk, int *nwk,
    int64_t *counts)
{
	const char *v[1] = { o.app };
	char name[160];
	PGresult *res;
	int i, any = 0;

	res = PQexecPrepared(db, "sample", 1, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		die(db, "sample");
	counts[0]++;
	counts[3] += PQntuples(res);
	for (i = 0; i < PQntuples(res); i++) {
		if (*PQgetvalue(res, i, 0) == '\0')
			continue;
		snprintf(name, sizeof(name), "%s:%s", PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, 1));
		count_kind(wk, nwk, name);
		if (strcmp(PQgetvalue(res, i, 0), "Lock") != 0)
			continue;
		any = 1;
		counts[2]++;
		snprintf(name, sizeof(name), "%s on %s", PQgetvalue(res, i, 1),
		    PQgetvalue(res, i, 2));
		count_kind(lk, nlk, name);
	}
	counts[1] += any;
	PQclear(res);
}

static void
locks(void)
{
	struct kind lk[MAX_KINDS], wk[MAX_KINDS];
	PGconn *db = connect_db("wksjobs-bench-sampler");
	/* samples, samples with a lock wait, lock waiters, active */
	int64_t counts[4] = { 0, 0, 0, 0 }, t0, t;
	struct timespec pause;
	int nlk = 0, nwk = 0;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	prep(db, "sample", sample_sql);
	t0 = mono_us();
	end_us = t0 + (int64_t)(o.seconds * 1e6);
	while (!stop && (t = mono_us()) < end_us) {
		sample(db, lk, &nlk, wk, &nwk, counts);
		t = o.interval_ms * 1000 - (mono_us() - t);
		if (t > 0) {
			pause.tv_sec = t / 1000000;
			pause.tv_nsec = (long)(t % 1000000) * 1000;
			nanosleep(&pause, NULL);
		}
	}
	printf("{\"samples\":%lld,\"seconds\":%.3f,\"interval_ms\":%d,"
	    "\"samples_waiting\":%lld,\"lock_waiters\":%lld,"
	    "\"active\":%lld", (long long)counts[0],
	    (double)(mono_us() - t0) / 1e6, o.interval_ms,
	    (long long)counts[1], (long long)counts[2], (long long)counts[3]);
	print_kinds("locks", lk, nlk);
	print_kinds("waits", wk, nwk);
	printf("}\n");
	PQfinish(db);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "conns", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 's' },
		{ "ids", required_argument, NULL, 'i' },
		{ "max", required_argument, NULL, 'm' },
		{ "app", required_argument, NULL, 'a' },
		{ "interval-ms", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mode;
	int c;

	if (argc < 2)
		goto usage;
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'u': o.url = optarg; break;
		case 'c': o.conns = atoi(optarg); break;
		case 's': o.seconds = atof(optarg); break;
		case 'i': o.ids = optarg; break;
		case 'm': o.max = atoll(optarg); break;
		case 'a': o.app = optarg; break;
		case 'n': o.interval_ms = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (o.url == NULL || o.conns < 1 || o.conns > MAX_THREADS ||
	    o.seconds <= 0 || o.interval_ms < 1)
		goto usage;
	if (strcmp(mode, "claim-finish") == 0)
		run_workers(claim_finish_thread, "sub_jobs");
	else if (strcmp(mode, "delete") == 0 && o.ids != NULL) {
		read_lines(o.ids);
		run_workers(delete_thread, "requests");
	} else if (strcmp(mode, "locks") == 0)
		locks();
	else
		goto usage;
	return 0;
 usage:
	fprintf(stderr, "usage: wksjobs-baseline-pg claim-finish|delete|locks "
	    "--url URL [--conns N] [--seconds S] [--ids FILE] [--max N] "
	    "[--app NAME] [--interval-ms MS]\n");
	return 2;
}
