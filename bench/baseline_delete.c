/*
 * baseline_delete.c - wksjobs-baseline-delete: the plain C loop that
 * BatchDeleteSubJobs is measured against.  One SQLite transaction per
 * 10-ID delete request, one request after the other, on the same
 * database file with the store's pragmas (WAL, synchronous = FULL,
 * foreign keys, temp store in memory, secure delete, busy timeout): check each ID as the
 * store does (exists, is a sub-job, not WAITING/RUNNING, not a protected
 * type), delete, update the job counts and sub_job_counts, append the
 * audit row, COMMIT (durable).  No HTTP, no threads, no savepoints.
 *
 * Reads request lines "project_id id,id,..." (bench/seed.c's
 * deletable.txt) from --ids, runs until --max requests or --seconds,
 * and prints one JSON line: requests, seconds, rps, p50_ms, p99_ms.
 *
 * --no-sync runs the same with synchronous = OFF: not durable (a commit
 * waits for no disk), so it measures what one thread doing this SQL can
 * do on this CPU: the bound of a single SQLite writer, for reference.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "model/job.h"
#include "util/util.h"

#define MAX_IDS 10

static sqlite3 *db;

static void
die(const char *what)
{
	fprintf(stderr, "wksjobs-baseline-delete: %s: %s\n", what,
	    db != NULL ? sqlite3_errmsg(db) : "");
	exit(1);
}

static void
exec(const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql);
}

static sqlite3_stmt *
prep(const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK)
		die(sql);
	return st;
}

static void
run(sqlite3_stmt *st)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		die(sqlite3_sql(st));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
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

struct stmts {
	sqlite3_stmt *check, *is_job, *del, *job_counts, *counts, *audit;
};

/* One request: all or nothing, in its own durable transaction. */
static void
one_request(struct stmts *s, const char *project, char *ids)
{
	struct { int64_t rid; char job[WJ_ID_LEN + 1];
	    char type[64]; int status; } hit[MAX_IDS];
	char res[MAX_IDS * (WJ_ID_LEN + 3) + 3] = "[";
	const char *type;
	char *id, *save = NULL;
	int n = 0, bad = 0, i, status;

	exec("BEGIN IMMEDIATE");
	for (id = strtok_r(ids, ",", &save); id != NULL && n < MAX_IDS;
	    id = strtok_r(NULL, ",", &save)) {
		strcat(res, res[1] ? ",\"" : "\"");
		strcat(res, id);
		strcat(res, "\"");
		sqlite3_bind_text(s->check, 1, project, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->check, 2, id, -1, SQLITE_STATIC);
		if (sqlite3_step(s->check) != SQLITE_ROW) {
			/* Unknown: skipped, unless it names a job. */
			sqlite3_reset(s->check);
			sqlite3_bind_text(s->is_job, 1, project, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(s->is_job, 2, id, -1, SQLITE_STATIC);
			if (sqlite3_step(s->is_job) == SQLITE_ROW)
				bad++;
			sqlite3_reset(s->is_job);
			continue;
		}
		type = (const char *)sqlite3_column_text(s->check, 2);
		status = sqlite3_column_int(s->check, 3);
		if (status == JOB_STATUS_WAITING ||
		    status == JOB_STATUS_RUNNING || job_type_protected(type))
			bad++;
		else {
			hit[n].rid = sqlite3_column_int64(s->check, 0);
			snprintf(hit[n].job, sizeof(hit[n].job), "%s",
			    sqlite3_column_text(s->check, 1));
			snprintf(hit[n].type, sizeof(hit[n].type), "%s", type);
			hit[n].status = status;
			n++;
		}
		sqlite3_reset(s->check);
	}
	strcat(res, "]");
	for (i = 0; bad == 0 && i < n; i++) {
		sqlite3_bind_int64(s->del, 1, hit[i].rid);
		run(s->del);
		sqlite3_bind_int(s->job_counts, 1,
		    hit[i].status == JOB_STATUS_SUCCESS);
		sqlite3_bind_int(s->job_counts, 2,
		    hit[i].status == JOB_STATUS_FAILED);
		sqlite3_bind_text(s->job_counts, 3, project, -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(s->job_counts, 4, hit[i].job, -1,
		    SQLITE_STATIC);
		run(s->job_counts);
		sqlite3_bind_text(s->counts, 1, project, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->counts, 2, hit[i].type, -1,
		    SQLITE_STATIC);
		sqlite3_bind_int(s->counts, 3, hit[i].status);
		run(s->counts);
	}
	sqlite3_bind_int64(s->audit, 1, wj_now_ms());
	sqlite3_bind_text(s->audit, 2, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->audit, 3, res, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->audit, 4, bad ? "error: invalid" : "success", -1,
	    SQLITE_STATIC);
	run(s->audit);
	exec(bad ? "ROLLBACK" : "COMMIT");
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "ids", required_argument, NULL, 'i' },
		{ "max", required_argument, NULL, 'm' },
		{ "seconds", required_argument, NULL, 's' },
		{ "no-sync", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *idpath = NULL;
	char line[1024], *sp;
	struct stmts s;
	int64_t *lat, t0, t, end_us, n = 0, max = 3000;
	double seconds = 5;
	FILE *f;
	int c, nosync = 0;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'i': idpath = optarg; break;
		case 'm': max = atoll(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'n': nosync = 1; break;
		default: goto usage;
		}
	}
	if (path == NULL || idpath == NULL || max < 1)
		goto usage;
	if ((f = fopen(idpath, "r")) == NULL) {
		perror(idpath);
		return 1;
	}
	if ((lat = calloc((size_t)max, sizeof(*lat))) == NULL)
		return 1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		die(path);
	/* The store's connection setup (src/store/sqlite/conn.c conn_setup). */
	sqlite3_busy_timeout(db, 5000);
	exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;"
	    "PRAGMA secure_delete = ON");
	if (nosync)
		exec("PRAGMA synchronous = OFF");
	s.check = prep("SELECT rowid, job_id, job_type, status FROM sub_jobs "
	    "WHERE project_id = ? AND id = ?");
	s.is_job = prep("SELECT 1 FROM jobs WHERE project_id = ? AND id = ?");
	s.del = prep("DELETE FROM sub_jobs WHERE rowid = ?");
	s.job_counts = prep("UPDATE jobs SET n_success = n_success - ?1, "
	    "n_failed = n_failed - ?2 WHERE project_id = ?3 AND id = ?4");
	s.counts = prep("UPDATE sub_job_counts SET n = n - 1 WHERE "
	    "project_id = ? AND job_type = ? AND status = ?");
	s.audit = prep("INSERT INTO audit_events (time_ms, request_id, "
	    "user_id, action, project_id, resource_ids, outcome) VALUES (?1, "
	    "'baseline', NULL, 'workspace:jobs:deleteSubJobRecords', ?2, ?3, "
	    "?4)");
	t0 = mono_us();
	end_us = t0 + (int64_t)(seconds * 1e6);
	while (n < max && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		t = mono_us();
		one_request(&s, line, sp + 1);
		lat[n++] = mono_us() - t;
		if (mono_us() >= end_us)
			break;
	}
	t = mono_us() - t0;
	qsort(lat, (size_t)n, sizeof(*lat), cmp64);
	printf("{\"requests\":%lld,\"seconds\":%.3f,\"rps\":%.1f,"
	    "\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n", (long long)n, (double)t / 1e6,
	    n > 0 ? (double)n * 1e6 / (double)t : 0.0,
	    n > 0 ? (double)lat[n / 2] / 1000 : 0.0,
	    n > 0 ? (double)lat[(n * 99) / 100] / 1000 : 0.0);
	sqlite3_finalize(s.check);
	sqlite3_finalize(s.is_job);
	sqlite3_finalize(s.del);
	sqlite3_finalize(s.job_counts);
	sqlite3_finalize(s.counts);
	sqlite3_finalize(s.audit);
	sqlite3_close(db);
	fclose(f);
	free(lat);
	return 0;
 usage:
	fprintf(stderr, "usage: wksjobs-baseline-delete --db FILE --ids FILE "
	    "[--max N] [--seconds S] [--no-sync]\n");
	return 2;
}
