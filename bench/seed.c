/*
 * seed.c - wksjobs-seed: fill an initialised data directory (wksjobs init)
 * with a benchmark data set, straight into the SQLite schema in one big
 * transaction: P projects of the init account (the init project is the
 * first, "big", one), J jobs and S sub-jobs with realistic fields, then
 * the per-job and per-project counts the store's writes keep, checked
 * afterwards with the store tests' consistency queries.
 *
 * Layout (defaults): 1,000,000 sub-jobs in 100,000 jobs of 10 sub-jobs
 * over 1,000 projects; the big project holds 100,000 sub-jobs, the
 * "huge" one 200,000, the other 998 share the rest.  Within a project
 * the oldest half of the jobs is finished (2 in 5 all SUCCESS, 1 in 5
 * half and half, 2 in 5 all FAILED: 25 % SUCCESS and 25 % FAILED), the
 * next quarter RUNNING (leases a week long, so the reaper stays idle),
 * the newest quarter WAITING.  About 3 % of the jobs of the small
 * projects have a protected type; the big project has none, so exactly
 * 25,000 of its sub-jobs are deletable by delete_by_status SUCCESS.
 *
 * Writes, next to the database, seed.env (shell variables naming the
 * projects and a job to show) and deletable.txt: groups of 10 deletable
 * sub-job IDs of one project ("project id,id,...") in random order, none
 * of them a SUCCESS sub-job of the big project.
 *
 * Secondary indexes of sub_jobs are dropped while loading and rebuilt
 * from their own saved SQL afterwards (a sort per index instead of a
 * million random B-tree inserts each); so are the triggers that keep
 * sub_job_blocks, whose blocks are then cut once from the loaded rows.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "model/job.h"
#include "store/sqlite/blocks.h"
#include "util/util.h"

#define SUBS_PER_JOB	10
#define DAY_MS		(24LL * 3600 * 1000)

static sqlite3 *db;

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "wksjobs-seed: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (db != NULL)
		fprintf(stderr, " (%s)", sqlite3_errmsg(db));
	fputc('\n', stderr);
	exit(1);
}

static void
exec(const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("%s: %s", sql, msg != NULL ? msg : "?");
}

static int64_t
q_int(const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die("prepare %s", sql);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static sqlite3_stmt *
prep(const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK)
		die("prepare %s", sql);
	return st;
}

static void
step_done(sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die("step %s", sqlite3_sql(st));
	sqlite3_reset(st);
}

/* ---- deterministic pseudo-random data ----------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t
rnd(void)
{
	return rng_state = splitmix(rng_state);
}

static uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

/*
 * A UUIDv7-shaped ID (32 lowercase hex) for ms: the 12-bit counter keeps
 * IDs of one millisecond in creation order, and a bijection of a global
 * sequence number fills the random part, so no two IDs are equal.
 */
static void
id_make(int64_t ms, char out[WJ_ID_LEN + 1])
{
	static uint64_t seq;
	static int64_t last_ms;
	static uint16_t ctr;
	static const char hex[] = "0123456789abcdef";
	uint8_t b[16];
	uint64_t r = splitmix(++seq ^ 0x5bd1e995ULL);
	int i;

	if (ms != last_ms) {
		last_ms = ms;
		ctr = 0;
	} else
		ctr++;
	for (i = 0; i < 6; i++)
		b[i] = (uint8_t)(ms >> (40 - 8 * i));
	b[6] = (uint8_t)(0x70 | ((ctr >> 8) & 0x0f));
	b[7] = (uint8_t)ctr;
	for (i = 0; i < 8; i++)
		b[8 + i] = (uint8_t)(r >> (56 - 8 * i));
	b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[WJ_ID_LEN] = '\0';
}

static const char *const job_types[] = {
	"createDesktops", "deleteDesktops", "rebuildDesktops",
	"changeDesktopImage", "expandVolumes", "addVolumes",
	"restartDesktops", "rejoinDomain", "attachDesktops", "detachDesktops",
};
#define N_TYPES (sizeof(job_types) / sizeof(job_types[0]))
static const char *const protected_types[] = {
	"applyWorkspace", "changeAccessVpc", "cancelWorkspace",
};
static const char *const products[] = {
	"workspace.x86.ultimate.large2", "workspace.c2.large.windows",
	"workspace.x86.dedicated.xlarge4", "workspace.appstream.general",
};
static const struct { const char *code, *reason; } failures[] = {
	{ "WKS.0005", "Failed to invoke ECS interface." },
	{ "WKS.0011", "The desktop image does not exist or is not shared "
	    "with this project." },
	{ "WKS.0107", "Insufficient EVS quota for the requested volume "
	    "size." },
	{ "WKS.00211401", "lease expired 3 times; the worker stopped "
	    "heartbeating" },
};

/* ---- the data set --------------------------------------------------------- */

struct opts {
	const char *data;
	int64_t	    subjobs, projects, big, huge;
};

struct project {
	char	id[WJ_ID_LEN + 1];
	int64_t	jobs;
};

/* Groups of deletable sub-job IDs: one line of deletable.txt each. */
struct groups {
	char	**line;
	size_t	  n, cap;
	/* the group being filled, per job (sub-jobs of one project) */
	char	  cur[WJ_ID_LEN + 2 + 11 * (WJ_ID_LEN + 1)];
	int	  in_cur;
};

static void
group_add(struct groups *g, const char *project, const char *id)
{
	size_t len;

	if (g->in_cur == 0)
		snprintf(g->cur, sizeof(g->cur), "%s ", project);
	else
		strcat(g->cur, ",");
	strcat(g->cur, id);
	if (++g->in_cur < SUBS_PER_JOB)
		return;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 4096;
		if ((g->line = realloc(g->line, g->cap * sizeof(char *))) ==
		    NULL)
			die("out of memory");
	}
	len = strlen(g->cur);
	if ((g->line[g->n] = malloc(len + 1)) == NULL)
		die("out of memory");
	memcpy(g->line[g->n++], g->cur, len + 1);
	g->in_cur = 0;
}

/* A new project starts a new group: drop a partial one. */
static void
group_flush(struct groups *g)
{
	g->in_cur = 0;
}

struct stmts {
	sqlite3_stmt *project, *job, *sub;
};

struct seed {
	struct opts	 o;
	struct stmts	 s;
	int64_t		 now;
	char		 domain_id[WJ_ID_LEN + 1];
	struct project	*p;
	struct groups	 del;
	char		 show_job[WJ_ID_LEN + 1];
	int64_t		 n_sub, n_job;
};

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		die("bind");
}

static void
bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		bind_text(st, i, s);
}

enum job_class { CL_SUCCESS, CL_MIXED, CL_FAILED, CL_RUNNING, CL_WAITING };

static enum job_class
job_class(int64_t k, int64_t n)
{
	/* Oldest half finished, next quarter running, newest waiting. */
	if (k * 2 < n) {
		switch (k % 5) {
		case 0: case 1: return CL_SUCCESS;
		case 2: return CL_MIXED;
		default: return CL_FAILED;
		}
	}
	return k * 4 < n * 3 ? CL_RUNNING : CL_WAITING;
}

/* One job with its sub-jobs; k-th of n in project pi (oldest first). */
static void
seed_job(struct seed *sd, size_t pi, int64_t k, int64_t n)
{
	const struct project *p = &sd->p[pi];
	struct stmts *s = &sd->s;
	enum job_class cl = job_class(k, n);
	int64_t span = 30 * DAY_MS, begin, end, job_end = 0;
	int64_t cnt[JOB_STATUS_COUNT] = { 0 };
	char job_id[WJ_ID_LEN + 1], id[WJ_ID_LEN + 1], pool[WJ_ID_LEN + 1];
	char ent[512], user[32], desk[64], ip[48], host[48], did[80];
	const char *type, *ecode = NULL, *ereason = NULL, *fcode, *freason;
	int i, status, started, failed = 0, process, prot, f;

	/* Spread jobs over the last 30 days, in order within the project. */
	begin = sd->now - span + (span / n) * k + (int64_t)rnd_below(
	    (uint32_t)(span / n > 1 ? span / n : 1));
	prot = pi != 0 && rnd_below(100) < 3;
	type = prot ? protected_types[rnd_below(3)] :
	    job_types[rnd_below(N_TYPES)];
	pool[0] = '\0';
	if (rnd_below(10) < 3)
		id_make(sd->now - span - 1000 * (int64_t)(pi + 1), pool);
	id_make(begin, job_id);
	started = cl != CL_WAITING;
	f = (int)rnd_below(sizeof(failures) / sizeof(failures[0]));
	for (i = 0; i < SUBS_PER_JOB; i++) {
		switch (cl) {
		case CL_SUCCESS: status = JOB_STATUS_SUCCESS; break;
		case CL_FAILED: status = JOB_STATUS_FAILED; break;
		case CL_MIXED:
			status = i % 2 ? JOB_STATUS_FAILED : JOB_STATUS_SUCCESS;
			break;
		case CL_RUNNING: status = JOB_STATUS_RUNNING; break;
		default: status = JOB_STATUS_WAITING;
		}
		cnt[status]++;
		id_make(begin, id);
		snprintf(user, sizeof(user), "user%05u", rnd_below(50000));
		snprintf(desk, sizeof(desk), "%s-pc%02u", user,
		    rnd_below(10) + 1);
		snprintf(did, sizeof(did), "%08x-%04x-4%03x-%04x-%08x%04x",
		    (unsigned)rnd(), rnd_below(0x10000), rnd_below(0x1000),
		    0x8000 | rnd_below(0x4000), (unsigned)rnd(),
		    rnd_below(0x10000));
		snprintf(ip, sizeof(ip), "192.168.%u.%u", rnd_below(256),
		    rnd_below(254) + 1);
		snprintf(host, sizeof(host), "10.0.%u.%u", rnd_below(16),
		    rnd_below(254) + 1);
		snprintf(ent, sizeof(ent), "{\"desktop_id\":\"%s\","
		    "\"product_id\":\"%s\",\"user_name\":\"%s\","
		    "\"desktop_name\":\"%s\"}", did,
		    products[rnd_below(4)], user, desk);
		end = 0;
		process = 0;
		fcode = freason = NULL;
		if (status == JOB_STATUS_SUCCESS || status == JOB_STATUS_FAILED) {
			end = begin + 20000 + (int64_t)rnd_below(600000);
			if (end > job_end)
				job_end = end;
			process = status == JOB_STATUS_SUCCESS ? 100 :
			    (int)rnd_below(100);
		} else if (status == JOB_STATUS_RUNNING)
			process = 10 + (int)rnd_below(80);
		if (status == JOB_STATUS_FAILED) {
			fcode = failures[f].code;
			freason = failures[f].reason;
			if (!failed) {
				failed = 1;
				ecode = fcode;
				ereason = freason;
			}
		}
		sqlite3_reset(s->sub);
		bind_text(s->sub, 1, p->id);
		bind_text(s->sub, 2, id);
		bind_text(s->sub, 3, job_id);
		bind_text(s->sub, 4, type);
		sqlite3_bind_int(s->sub, 5, status);
		sqlite3_bind_int64(s->sub, 6, begin);
		if (end > 0)
			sqlite3_bind_int64(s->sub, 7, end);
		else
			sqlite3_bind_null(s->sub, 7);
		sqlite3_bind_int(s->sub, 8, process);
		bind_opt(s->sub, 9, fcode);
		bind_opt(s->sub, 10, freason);
		bind_opt(s->sub, 11, started ? host : NULL);
		bind_text(s->sub, 12, ent);
		bind_opt(s->sub, 13, pool[0] ? pool : NULL);
		bind_text(s->sub, 14, user);
		bind_text(s->sub, 15, desk);
		bind_text(s->sub, 16, ip);
		if (status == JOB_STATUS_RUNNING) {
			char lease[WJ_ID_LEN + 1];

			id_make(begin + 1, lease);
			bind_text(s->sub, 17, lease);
			sqlite3_bind_int64(s->sub, 18, sd->now + 7 * DAY_MS);
			sqlite3_bind_int(s->sub, 19, 600);
			bind_text(s->sub, 20, "seed-worker");
		} else {
			sqlite3_bind_null(s->sub, 17);
			sqlite3_bind_null(s->sub, 18);
			sqlite3_bind_null(s->sub, 19);
			sqlite3_bind_null(s->sub, 20);
		}
		step_done(s->sub);
		sd->n_sub++;
		if (!prot && (status == JOB_STATUS_FAILED ||
		    (status == JOB_STATUS_SUCCESS && pi != 0)))
			group_add(&sd->del, p->id, id);
	}
	status = job_derive_status(cnt, started, failed);
	sqlite3_reset(s->job);
	bind_text(s->job, 1, p->id);
	bind_text(s->job, 2, job_id);
	bind_text(s->job, 3, type);
	sqlite3_bind_int(s->job, 4, status);
	sqlite3_bind_int64(s->job, 5, begin);
	if (status == JOB_STATUS_SUCCESS || status == JOB_STATUS_FAILED)
		sqlite3_bind_int64(s->job, 6, job_end);
	else
		sqlite3_bind_null(s->job, 6);
	bind_opt(s->job, 7, ecode);
	bind_opt(s->job, 8, ereason);
	for (i = 0; i < JOB_STATUS_COUNT; i++)
		sqlite3_bind_int64(s->job, 9 + i, cnt[i]);
	sqlite3_bind_int(s->job, 13, started);
	sqlite3_bind_int(s->job, 14, failed);
	step_done(s->job);
	sd->n_job++;
	/* ShowJob: a finished job of the small project, half failed. */
	if (pi == 2 && cl == CL_MIXED && !prot && sd->show_job[0] == '\0')
		memcpy(sd->show_job, job_id, sizeof(sd->show_job));
}

static void
seed_projects(struct seed *sd)
{
	sqlite3_stmt *st;
	int64_t i, rest, small, jobs_total;

	jobs_total = sd->o.subjobs / SUBS_PER_JOB;
	if ((sd->p = calloc((size_t)sd->o.projects, sizeof(*sd->p))) == NULL)
		die("out of memory");
	/* Project 0: the one wksjobs init made (the big one). */
	st = prep("SELECT id, domain_id FROM projects ORDER BY created_ms "
	    "LIMIT 1");
	if (sqlite3_step(st) != SQLITE_ROW)
		die("no project: run wksjobs init first");
	snprintf(sd->p[0].id, sizeof(sd->p[0].id), "%s",
	    sqlite3_column_text(st, 0));
	snprintf(sd->domain_id, sizeof(sd->domain_id), "%s",
	    sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	sd->p[0].jobs = sd->o.big / SUBS_PER_JOB;
	sd->p[1].jobs = sd->o.huge / SUBS_PER_JOB;
	rest = jobs_total - sd->p[0].jobs - sd->p[1].jobs;
	small = sd->o.projects - 2;
	for (i = 2; i < sd->o.projects; i++)
		sd->p[i].jobs = rest / small + (i - 2 < rest % small ? 1 : 0);
	for (i = 1; i < sd->o.projects; i++) {
		char name[32];

		id_make(sd->now - 40 * DAY_MS + i, sd->p[i].id);
		snprintf(name, sizeof(name), "bench-%04lld", (long long)i);
		sqlite3_reset(sd->s.project);
		bind_text(sd->s.project, 1, sd->p[i].id);
		bind_text(sd->s.project, 2, sd->domain_id);
		bind_text(sd->s.project, 3, name);
		sqlite3_bind_int64(sd->s.project, 4, sd->now - 40 * DAY_MS);
		step_done(sd->s.project);
	}
}

/* The store tests' invariant (tests/unit/store/test_store.c). */
static void
check_counts(void)
{
	sqlite3_stmt *st;
	int64_t n[JOB_STATUS_COUNT];
	int i, want, rc;

	if (q_int("SELECT count(*) FROM (SELECT j.id FROM jobs AS j WHERE"
	    " n_waiting != (SELECT count(*) FROM sub_jobs AS s WHERE"
	    "  s.project_id = j.project_id AND s.job_id = j.id AND status = 0)"
	    " OR n_running != (SELECT count(*) FROM sub_jobs AS s WHERE"
	    "  s.project_id = j.project_id AND s.job_id = j.id AND status = 1)"
	    " OR n_success != (SELECT count(*) FROM sub_jobs AS s WHERE"
	    "  s.project_id = j.project_id AND s.job_id = j.id AND status = 2)"
	    " OR n_failed != (SELECT count(*) FROM sub_jobs AS s WHERE"
	    "  s.project_id = j.project_id AND s.job_id = j.id AND"
	    "  status = 3))") != 0)
		die("jobs counts inconsistent");
	if (q_int("SELECT count(*) FROM (SELECT project_id, job_type, status, "
	    "count(*) FROM sub_jobs GROUP BY 1, 2, 3 EXCEPT SELECT project_id, "
	    "job_type, status, n FROM sub_job_counts)") != 0 ||
	    q_int("SELECT count(*) FROM (SELECT project_id, job_type, status, "
	    "n FROM sub_job_counts WHERE n > 0 EXCEPT SELECT project_id, "
	    "job_type, status, count(*) FROM sub_jobs GROUP BY 1, 2, 3)") != 0)
		die("sub_job_counts inconsistent");
	st = prep("SELECT n_waiting, n_running, n_success, n_failed, started, "
	    "failed, status, end_ms IS NOT NULL FROM jobs");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < JOB_STATUS_COUNT; i++)
			n[i] = sqlite3_column_int64(st, i);
		want = job_derive_status(n, sqlite3_column_int(st, 4),
		    sqlite3_column_int(st, 5));
		if (sqlite3_column_int(st, 6) != want ||
		    sqlite3_column_int(st, 7) != (want == JOB_STATUS_SUCCESS ||
		    want == JOB_STATUS_FAILED))
			die("job status not derived from its counts");
	}
	if (rc != SQLITE_DONE)
		die("reading jobs");
	sqlite3_finalize(st);
}

static void
write_outputs(struct seed *sd)
{
	char path[4200];
	FILE *f;
	size_t i, j;
	char *t;

	snprintf(path, sizeof(path), "%s/seed.env", sd->o.data);
	if ((f = fopen(path, "w")) == NULL)
		die("%s", path);
	fprintf(f, "DOMAIN_ID=%s\nBIG_PROJECT=%s\nHUGE_PROJECT=%s\n"
	    "SMALL_PROJECT=%s\nSHOW_JOB=%s\nSEED_SUBJOBS=%lld\n"
	    "SEED_JOBS=%lld\nSEED_PROJECTS=%lld\nSEED_DELETE_GROUPS=%zu\n",
	    sd->domain_id, sd->p[0].id, sd->p[1].id, sd->p[2].id, sd->show_job,
	    (long long)sd->n_sub, (long long)sd->n_job,
	    (long long)sd->o.projects, sd->del.n);
	fclose(f);
	/* Shuffle: consecutive requests touch different projects. */
	for (i = sd->del.n; i > 1; i--) {
		j = rnd_below((uint32_t)i);
		t = sd->del.line[i - 1];
		sd->del.line[i - 1] = sd->del.line[j];
		sd->del.line[j] = t;
	}
	snprintf(path, sizeof(path), "%s/deletable.txt", sd->o.data);
	if ((f = fopen(path, "w")) == NULL)
		die("%s", path);
	for (i = 0; i < sd->del.n; i++) {
		fprintf(f, "%s\n", sd->del.line[i]);
		free(sd->del.line[i]);
	}
	free(sd->del.line);
	fclose(f);
}

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: wksjobs-seed --data DIR [--subjobs N] "
	    "[--projects N] [--big N] [--huge N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "subjobs", required_argument, NULL, 's' },
		{ "projects", required_argument, NULL, 'p' },
		{ "big", required_argument, NULL, 'b' },
		{ "huge", required_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct seed sd;
	struct timespec t0;
	sqlite3_stmt *st;
	char path[4200], **idx = NULL;
	size_t nidx = 0, i;
	int blocks = 0;
	int64_t k;
	int c;

	memset(&sd, 0, sizeof(sd));
	sd.o.subjobs = 1000000;
	sd.o.projects = 1000;
	sd.o.big = 100000;
	sd.o.huge = 200000;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': sd.o.data = optarg; break;
		case 's': sd.o.subjobs = atoll(optarg); break;
		case 'p': sd.o.projects = atoll(optarg); break;
		case 'b': sd.o.big = atoll(optarg); break;
		case 'h': sd.o.huge = atoll(optarg); break;
		default: usage();
		}
	}
	if (sd.o.data == NULL || sd.o.projects < 3 ||
	    sd.o.big + sd.o.huge >= sd.o.subjobs ||
	    (sd.o.subjobs - sd.o.big - sd.o.huge) / SUBS_PER_JOB <
	    sd.o.projects - 2)
		usage();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sd.now = wj_now_ms();
	snprintf(path, sizeof(path), "%s/wksjobs.db", sd.o.data);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		die("open %s", path);
	if (q_int("SELECT count(*) FROM sub_jobs") != 0)
		die("%s already holds sub-jobs", path);
	/* A throw-away load: no journal, no syncs; WAL again at the end. */
	exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
	    "PRAGMA cache_size = -1000000; PRAGMA temp_store = MEMORY;"
	    "PRAGMA foreign_keys = OFF");
	st = prep("SELECT type, sql FROM sqlite_schema WHERE "
	    "(type = 'index' AND tbl_name = 'sub_jobs' AND sql IS NOT NULL AND "
	    "sql NOT LIKE 'CREATE UNIQUE%') OR (type = 'trigger' AND "
	    "tbl_name IN ('sub_jobs', 'sub_job_blocks')) ORDER BY type, rowid");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if ((idx = realloc(idx, (nidx + 1) * sizeof(*idx))) == NULL ||
		    (idx[nidx] = strdup((const char *)sqlite3_column_text(st,
		    1))) == NULL)
			die("out of memory");
		nidx++;
	}
	sqlite3_finalize(st);
	for (i = 0; i < nidx; i++) {
		char drop[256];

		/* "CREATE INDEX name ON ..." names the index third. */
		if (sscanf(idx[i], "CREATE INDEX %200s", drop + 11) == 1)
			memcpy(drop, "DROP INDEX ", 11);
		else if (sscanf(idx[i], "CREATE TRIGGER %200s", drop + 13) == 1)
			memcpy(drop, "DROP TRIGGER ", 13);
		else
			die("unexpected index or trigger SQL %s", idx[i]);
		exec(drop);
	}
	exec("BEGIN");
	sd.s.project = prep("INSERT INTO projects (id, domain_id, name, "
	    "created_ms) VALUES (?, ?, ?, ?)");
	sd.s.job = prep("INSERT INTO jobs (project_id, id, job_type, status, "
	    "begin_ms, end_ms, error_code, fail_reason, n_waiting, n_running, "
	    "n_success, n_failed, started, failed) VALUES (?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?)");
	sd.s.sub = prep("INSERT INTO sub_jobs (project_id, id, job_id, "
	    "job_type, status, begin_ms, end_ms, process, error_code, "
	    "fail_reason, host, entities, desktop_pool_id, attach_user, entity, "
	    "ip_address, lease_id, lease_expires_ms, lease_seconds, worker_id) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?)");
	seed_projects(&sd);
	for (i = 0; i < (size_t)sd.o.projects; i++) {
		group_flush(&sd.del);
		for (k = 0; k < sd.p[i].jobs; k++)
			seed_job(&sd, i, k, sd.p[i].jobs);
	}
	exec("INSERT INTO sub_job_counts (project_id, job_type, status, n) "
	    "SELECT project_id, job_type, status, count(*) FROM sub_jobs "
	    "GROUP BY 1, 2, 3");
	sqlite3_finalize(sd.s.project);
	sqlite3_finalize(sd.s.job);
	sqlite3_finalize(sd.s.sub);
	fprintf(stderr, "seed: %lld sub-jobs in %lld jobs over %lld projects "
	    "loaded in %.1f s\n", (long long)sd.n_sub, (long long)sd.n_job,
	    (long long)sd.o.projects, since(&t0));
	/* Indexes first (ORDER BY type): the blocks are cut over them. */
	for (i = 0; i < nidx; i++) {
		if (strncmp(idx[i], "CREATE TRIGGER", 14) == 0 && !blocks++)
			exec(SQ_BLOCKS_BUILD);
		exec(idx[i]);
		free(idx[i]);
	}
	free(idx);
	exec("COMMIT");
	fprintf(stderr, "seed: indexes rebuilt at %.1f s\n", since(&t0));
	check_counts();
	fprintf(stderr, "seed: counts consistent at %.1f s\n", since(&t0));
	exec("PRAGMA journal_mode = WAL");
	write_outputs(&sd);
	free(sd.p);
	if (sqlite3_close(db) != SQLITE_OK)
		die("close");
	db = NULL;
	return 0;
}
