/*
 * migrate.c - the numbered schema of the SQLite store.  Migration N
 * runs once, in its own BEGIN IMMEDIATE transaction together with the
 * schema_version row that records it, so two processes opening one new
 * file cannot both apply it.  Never edit a released migration: add one.
 *
 * Keys put project_id first wherever a table has one; times
 * are INTEGER UTC milliseconds; IDs are 32 lowercase hex (wj_id_new).
 */
#include <stddef.h>

#include "sqlite_int.h"

struct migration {
	int	    version;
	const char *sql;
};

/* sub_jobs: its columns and indexes, created by 1 and rebuilt by 4. */
#define SUB_JOBS_COLUMNS \
	"  project_id TEXT NOT NULL," \
	"  id TEXT NOT NULL," \
	"  job_id TEXT NOT NULL," \
	"  job_type TEXT NOT NULL," \
	"  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3)," \
	"  begin_ms INTEGER NOT NULL," \
	"  end_ms INTEGER," \
	"  process INTEGER NOT NULL DEFAULT 0," \
	"  error_code TEXT," \
	"  fail_reason TEXT," \
	"  host TEXT," \
	"  entities TEXT,"				/* compact JSON */ \
	"  desktop_pool_id TEXT," \
	"  attach_user TEXT," \
	"  entity TEXT," \
	"  ip_address TEXT," \
	"  attempts INTEGER NOT NULL DEFAULT 0," \
	"  lease_id TEXT," \
	"  lease_expires_ms INTEGER," \
	"  lease_seconds INTEGER," \
	"  worker_id TEXT,"
#define SUB_JOBS_FOREIGN_KEY \
	"  FOREIGN KEY (project_id, job_id) REFERENCES jobs (project_id, id));"
/* By type, job and pool: the list's other filters, in list order. */
#define SUB_JOBS_FILTER_INDEXES \
	"CREATE INDEX sub_jobs_type" \
	"  ON sub_jobs (project_id, job_type, begin_ms DESC, id);" \
	"CREATE INDEX sub_jobs_job" \
	"  ON sub_jobs (project_id, job_id, begin_ms DESC, id);" \
	"CREATE INDEX sub_jobs_pool" \
	"  ON sub_jobs (project_id, desktop_pool_id, begin_ms DESC, id)" \
	"  WHERE desktop_pool_id IS NOT NULL;"
/* The reaper: RUNNING sub-jobs by lease expiry. */
#define SUB_JOBS_LEASE_INDEX \
	"CREATE INDEX sub_jobs_lease" \
	"  ON sub_jobs (lease_expires_ms) WHERE status = 1;"
#define SUB_JOBS_INDEXES \
	/* The internal API names sub-jobs by id alone. */ \
	"CREATE UNIQUE INDEX sub_jobs_id ON sub_jobs (id);" \
	/* List pages straight from an index, in order. */ \
	"CREATE INDEX sub_jobs_page" \
	"  ON sub_jobs (project_id, begin_ms DESC, id);" \
	"CREATE INDEX sub_jobs_status" \
	"  ON sub_jobs (project_id, status, begin_ms DESC, id);" \
	SUB_JOBS_FILTER_INDEXES \
	/* Claims: oldest WAITING first; covering the claim filters. */ \
	"CREATE INDEX sub_jobs_claim" \
	"  ON sub_jobs (begin_ms, id, project_id, job_type) WHERE status = 0;" \
	SUB_JOBS_LEASE_INDEX

static const char schema_1[] =
	/* ---- identities ---- */
	"CREATE TABLE domains ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE users ("
	"  id TEXT PRIMARY KEY,"
	"  domain_id TEXT NOT NULL REFERENCES domains (id),"
	"  name TEXT NOT NULL,"
	"  is_root INTEGER NOT NULL DEFAULT 0,"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  password_hash TEXT,"
	"  tokens_valid_after INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL,"
	"  UNIQUE (domain_id, name));"
	"CREATE TABLE projects ("
	"  id TEXT PRIMARY KEY,"
	"  domain_id TEXT NOT NULL REFERENCES domains (id),"
	"  name TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  UNIQUE (domain_id, name));"
	"CREATE TABLE access_keys ("
	"  ak TEXT PRIMARY KEY,"
	"  user_id TEXT NOT NULL REFERENCES users (id),"
	"  secret_sealed BLOB NOT NULL,"
	"  enabled INTEGER NOT NULL DEFAULT 1,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE INDEX access_keys_user ON access_keys (user_id);"
	/* Groups, memberships, policies and their attachments. */
	"CREATE TABLE groups ("
	"  id TEXT PRIMARY KEY,"
	"  domain_id TEXT NOT NULL REFERENCES domains (id),"
	"  name TEXT NOT NULL,"
	"  description TEXT,"
	"  created_ms INTEGER NOT NULL,"
	"  UNIQUE (domain_id, name));"
	"CREATE TABLE group_members ("
	"  group_id TEXT NOT NULL REFERENCES groups (id),"
	"  user_id TEXT NOT NULL REFERENCES users (id),"
	"  created_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (group_id, user_id)) WITHOUT ROWID;"
	"CREATE INDEX group_members_user ON group_members (user_id);"
	"CREATE TABLE policies ("
	"  id TEXT PRIMARY KEY,"
	"  domain_id TEXT REFERENCES domains (id),"	/* NULL: system */
	"  name TEXT NOT NULL,"
	"  description TEXT,"
	"  document TEXT NOT NULL,"			/* policy JSON */
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX policies_name"
	"  ON policies (coalesce(domain_id, ''), name);"
	"CREATE TABLE policy_attachments ("
	"  principal_type TEXT NOT NULL"
	"    CHECK (principal_type IN ('user', 'group')),"
	"  principal_id TEXT NOT NULL,"
	"  policy_id TEXT NOT NULL REFERENCES policies (id),"
	"  project_id TEXT NOT NULL DEFAULT '',"	/* '': whole domain */
	"  created_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (principal_type, principal_id, policy_id, project_id))"
	"  WITHOUT ROWID;"
	"CREATE INDEX policy_attachments_policy"
	"  ON policy_attachments (policy_id);"
	"CREATE TABLE audit_events ("
	"  id INTEGER PRIMARY KEY,"
	"  time_ms INTEGER NOT NULL,"
	"  request_id TEXT,"
	"  user_id TEXT,"
	"  action TEXT NOT NULL,"
	"  project_id TEXT,"
	"  resource_ids TEXT,"				/* JSON */
	"  outcome TEXT NOT NULL);"
	"CREATE INDEX audit_events_project"
	"  ON audit_events (project_id, time_ms);"
	/* ---- jobs: counts per status kept by every write ---- */
	"CREATE TABLE jobs ("
	"  project_id TEXT NOT NULL REFERENCES projects (id),"
	"  id TEXT NOT NULL,"
	"  job_type TEXT NOT NULL,"
	"  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3),"
	"  begin_ms INTEGER NOT NULL,"
	"  end_ms INTEGER,"
	"  error_code TEXT,"
	"  fail_reason TEXT,"
	"  n_waiting INTEGER NOT NULL DEFAULT 0 CHECK (n_waiting >= 0),"
	"  n_running INTEGER NOT NULL DEFAULT 0 CHECK (n_running >= 0),"
	"  n_success INTEGER NOT NULL DEFAULT 0 CHECK (n_success >= 0),"
	"  n_failed INTEGER NOT NULL DEFAULT 0 CHECK (n_failed >= 0),"
	"  started INTEGER NOT NULL DEFAULT 0,"
	"  failed INTEGER NOT NULL DEFAULT 0,"		/* first failure seen */
	"  PRIMARY KEY (project_id, id));"
	"CREATE TABLE sub_jobs ("
	SUB_JOBS_COLUMNS
	"  PRIMARY KEY (project_id, id),"
	SUB_JOBS_FOREIGN_KEY
	SUB_JOBS_INDEXES
	/* total_count for status/job_type filters without a scan. */
	"CREATE TABLE sub_job_counts ("
	"  project_id TEXT NOT NULL,"
	"  job_type TEXT NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  n INTEGER NOT NULL CHECK (n >= 0),"
	"  PRIMARY KEY (project_id, job_type, status)) WITHOUT ROWID;"
	/* Idempotent create: the first answer's exact body per token. */
	"CREATE TABLE client_tokens ("
	"  project_id TEXT NOT NULL,"
	"  token TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (project_id, token));";

/*
 * 2: password lockout, kept in the user row so that it
 * survives restarts and every node sees it.  Groups, memberships,
 * policies and attachments have their tables and indexes since 1.
 */
static const char schema_2[] =
	"ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE users ADD COLUMN locked_until_ms INTEGER NOT NULL "
	"  DEFAULT 0;";

/*
 * 3: audit_events_project goes: nothing reads the audit trail by project
 * (it is read whole, by time, by support), and every audited write paid
 * one more page of its own for it (a random place in the index per
 * project): a noticeable share of the pages a delete writes.
 */
static const char schema_3[] =
	"DROP INDEX IF EXISTS audit_events_project;";

/*
 * 4: sub_jobs without its (project_id, id) primary key.  The unique index
 * on id already makes every sub-job ID unique and finds a sub-job by
 * project and ID (the ID, then the project compared); the second unique
 * index cost every insert and delete one more B-tree.  A table rebuild
 * (SQLite cannot drop a primary key): rowids kept, the other indexes as
 * in 1.  On a big file it takes a while once and WAL space of about the
 * table.
 */
static const char schema_4[] =
	"CREATE TABLE sub_jobs_4 ("
	SUB_JOBS_COLUMNS
	SUB_JOBS_FOREIGN_KEY
	"INSERT INTO sub_jobs_4 (rowid, project_id, id, job_id, job_type, "
	"  status, begin_ms, end_ms, process, error_code, fail_reason, host, "
	"  entities, desktop_pool_id, attach_user, entity, ip_address, "
	"  attempts, lease_id, lease_expires_ms, lease_seconds, worker_id) "
	"SELECT rowid, project_id, id, job_id, job_type, status, begin_ms, "
	"  end_ms, process, error_code, fail_reason, host, entities, "
	"  desktop_pool_id, attach_user, entity, ip_address, attempts, "
	"  lease_id, lease_expires_ms, lease_seconds, worker_id "
	"FROM sub_jobs;"
	"DROP TABLE sub_jobs;"
	"ALTER TABLE sub_jobs_4 RENAME TO sub_jobs;"
	SUB_JOBS_INDEXES;

/*
 * 5: the AK lockout in the access key row, like the password lockout in
 * 2, so that an operator can list and lift it (wksjobs admin key unlock)
 * and every server sees it.  unlocked_ms: when it was last lifted, so
 * that a server drops the lock it keeps in memory for the key as well
 * (docs/API.md#authentication).
 */
static const char schema_5[] =
	"ALTER TABLE access_keys ADD COLUMN locked_until_ms INTEGER NOT NULL "
	"DEFAULT 0;"
	"ALTER TABLE access_keys ADD COLUMN unlocked_ms INTEGER NOT NULL "
	"DEFAULT 0;";

/*
 * 6: failed signatures counted in the access key row, like failed_logins
 * in 2, so that the failures every server sees add up to one count and
 * the lock they reach is the same on all of them.
 */
static const char schema_6[] =
	"ALTER TABLE access_keys ADD COLUMN sig_failures INTEGER NOT NULL "
	"DEFAULT 0;";

/*
 * 7: the claim index by project first.  A claim without a project filter
 * takes sub-jobs fairly across the projects with WAITING work (each
 * project's oldest ranked, work.c), so it probes each project's claimable
 * set on its own: a project's oldest WAITING sub-jobs are found at once
 * however many WAITING sub-jobs other projects have.
 */
#define SUB_JOBS_CLAIM_INDEX_7 \
	"CREATE INDEX sub_jobs_claim" \
	"  ON sub_jobs (project_id, begin_ms, id, job_type) WHERE status = 0;"
static const char schema_7[] =
	"DROP INDEX IF EXISTS sub_jobs_claim;"
	SUB_JOBS_CLAIM_INDEX_7;

/*
 * 8: what the audit trail's readers need (store_traces_list): the
 * operation, the caller's names and address, how the request came
 * (via: enum store_via), the HTTP status, the request body (secrets
 * removed, at most STORE_TRACE_REQUEST_MAX bytes) and when the row was
 * written (time_ms is when the request came).  The project's rows by
 * time, newest first, serve the list; the cost it adds to every audited
 * write is measured in bench/.
 */
static const char schema_8[] =
	"ALTER TABLE audit_events ADD COLUMN trace_name TEXT;"
	"ALTER TABLE audit_events ADD COLUMN user_name TEXT;"
	"ALTER TABLE audit_events ADD COLUMN domain_id TEXT;"
	"ALTER TABLE audit_events ADD COLUMN domain_name TEXT;"
	"ALTER TABLE audit_events ADD COLUMN source_ip TEXT;"
	"ALTER TABLE audit_events ADD COLUMN via INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE audit_events ADD COLUMN code INTEGER;"
	"ALTER TABLE audit_events ADD COLUMN request TEXT;"
	"ALTER TABLE audit_events ADD COLUMN record_ms INTEGER;"
	"CREATE INDEX audit_events_trace"
	"  ON audit_events (project_id, time_ms DESC, id DESC);";

/*
 * 9: list pages placed without walking the rows before them
 * (docs/ARCHITECTURE.md#list-pages).  nb (-begin_ms) gives the list
 * order begin_ms DESC, id as (nb, id) ascending, which SQLite can seek as
 * a row value; the page and status indexes are rebuilt on it, the page
 * index with the status so that a filter of several statuses is checked
 * in the index.  sub_job_blocks cuts each project's sub-jobs, in that
 * order, into blocks: set s = 4 all of them (counts per status n0..n3),
 * set s = 0..3 those of status s (its count in n<s>).  A block is its
 * first key and the counts of the set's rows from it up to the next
 * block's key.  Triggers keep the sets in step with every write of
 * sub_jobs, in the write's transaction: a row counts in the block of its
 * set before it (or moves the set's first key down to it), a status
 * change moves it from one status set to another, a delete uncounts it;
 * a block over 2 * SQ_BLOCK_ROWS rows splits at its SQ_BLOCK_ROWS-th row
 * (the first half recounted from an index), one under half of
 * SQ_BLOCK_ROWS joins the block before it (a set's first block: the one
 * after it).  The blocks of the rows already there are cut from the rows
 * numbered in list order (SQ_BLOCKS_BUILD).
 */
/* The key of set S's block that holds key K of project P, its first,
 * next and previous block. */
#define SQ_BLOCK_OF(p, S, k) \
	"SELECT nb, id FROM sub_job_blocks WHERE project_id = " p " AND s = " \
	S " AND (nb, id) <= " k " ORDER BY nb DESC, id DESC LIMIT 1"
#define SQ_BLOCK_FIRST(p, S) \
	"SELECT nb, id FROM sub_job_blocks WHERE project_id = " p " AND s = " \
	S " ORDER BY nb, id LIMIT 1"
#define SQ_BLOCK_NEXT(p, S, k) \
	"SELECT nb, id FROM sub_job_blocks WHERE project_id = " p " AND s = " \
	S " AND (nb, id) > " k " ORDER BY nb, id LIMIT 1"
#define SQ_BLOCK_PREV(p, S, k) \
	"SELECT nb, id FROM sub_job_blocks WHERE project_id = " p " AND s = " \
	S " AND (nb, id) < " k " ORDER BY nb DESC, id DESC LIMIT 1"
#define SQ_BLOCK_ROWS_IN(x) \
	"(" x ".n0 + " x ".n1 + " x ".n2 + " x ".n3)"
#define SQ_BLOCK_IS(S, k) \
	" WHERE project_id = new.project_id AND s = " S " AND (nb, id) = (" k ")"
/* The sub-job new counted in set S: a first block for the set, the first
 * key moved down to it, one more in its block. */
#define SQ_SET_ADD(S) \
	"INSERT INTO sub_job_blocks (project_id, s, nb, id, n0, n1, n2, n3)" \
	"  SELECT new.project_id, " S ", new.nb, new.id, 0, 0, 0, 0" \
	"  WHERE NOT EXISTS (SELECT 1 FROM sub_job_blocks" \
	"  WHERE project_id = new.project_id AND s = " S ");" \
	"UPDATE sub_job_blocks SET nb = new.nb, id = new.id" \
	SQ_BLOCK_IS(S, SQ_BLOCK_FIRST("new.project_id", S)) \
	"  AND (nb, id) > (new.nb, new.id);" \
	"UPDATE sub_job_blocks SET n0 = n0 + (new.status = 0)," \
	"  n1 = n1 + (new.status = 1), n2 = n2 + (new.status = 2)," \
	"  n3 = n3 + (new.status = 3)" \
	SQ_BLOCK_IS(S, SQ_BLOCK_OF("new.project_id", S, "(new.nb, new.id)")) ";"
/* The sub-job old no longer counted in set S. */
#define SQ_SET_SUB(S) \
	"UPDATE sub_job_blocks SET n0 = n0 - (old.status = 0)," \
	"  n1 = n1 - (old.status = 1), n2 = n2 - (old.status = 2)," \
	"  n3 = n3 - (old.status = 3)" \
	"  WHERE project_id = old.project_id AND s = " S " AND (nb, id) = (" \
	SQ_BLOCK_OF("old.project_id", S, "(old.nb, old.id)") ");"
/* A block of new.s over 2 * SQ_BLOCK_ROWS rows (those of sub_jobs
 * matching WHERE_SET): the new block first holds all, then the first
 * half is recounted and taken from it.  Neither update fires a split
 * again (the halves are small enough), with or without recursive
 * triggers. */
#define SQ_SPLIT(name, when, where_set) \
	"CREATE TRIGGER " name " AFTER UPDATE ON sub_job_blocks" \
	"  WHEN " when " AND " SQ_BLOCK_ROWS_IN("new") " > 2 * " \
	SQ_STR(SQ_BLOCK_ROWS) " BEGIN" \
	"  INSERT INTO sub_job_blocks (project_id, s, nb, id, n0, n1, n2, n3)" \
	"    SELECT project_id, new.s, nb, id, new.n0, new.n1, new.n2, new.n3" \
	"    FROM sub_jobs WHERE project_id = new.project_id" where_set \
	"    AND (nb, id) >= (new.nb, new.id) ORDER BY nb, id" \
	"    LIMIT 1 OFFSET " SQ_STR(SQ_BLOCK_ROWS) ";" \
	"  UPDATE sub_job_blocks SET (n0, n1, n2, n3) = (SELECT" \
	"    sum(status = 0), sum(status = 1), sum(status = 2)," \
	"    sum(status = 3) FROM sub_jobs WHERE project_id = new.project_id" \
	where_set " AND (nb, id) >= (new.nb, new.id) AND (nb, id) < (" \
	SQ_BLOCK_NEXT("new.project_id", "new.s", "(new.nb, new.id)") "))" \
	"    WHERE project_id = new.project_id AND s = new.s" \
	"    AND nb = new.nb AND id = new.id;" \
	"  UPDATE sub_job_blocks SET (n0, n1, n2, n3) = (SELECT" \
	"    sub_job_blocks.n0 - h.n0, sub_job_blocks.n1 - h.n1," \
	"    sub_job_blocks.n2 - h.n2, sub_job_blocks.n3 - h.n3" \
	"    FROM sub_job_blocks AS h WHERE h.project_id = new.project_id" \
	"    AND h.s = new.s AND h.nb = new.nb AND h.id = new.id)" \
	SQ_BLOCK_IS("new.s", SQ_BLOCK_NEXT("new.project_id", "new.s", \
	"(new.nb, new.id)")) ";" \
	"END;"

static const char schema_9[] =
	"ALTER TABLE sub_jobs ADD COLUMN nb INTEGER "
	"  GENERATED ALWAYS AS (-begin_ms) VIRTUAL;"
	/* All in the order they had: where two cost the same to SQLite's
	 * planner (a job's sub-jobs of one status), the last made wins. */
	"DROP INDEX IF EXISTS sub_jobs_page;"
	"DROP INDEX IF EXISTS sub_jobs_status;"
	"DROP INDEX IF EXISTS sub_jobs_type;"
	"DROP INDEX IF EXISTS sub_jobs_job;"
	"DROP INDEX IF EXISTS sub_jobs_pool;"
	"DROP INDEX IF EXISTS sub_jobs_claim;"
	"DROP INDEX IF EXISTS sub_jobs_lease;"
	"CREATE INDEX sub_jobs_page ON sub_jobs (project_id, nb, id, status);"
	"CREATE INDEX sub_jobs_status"
	"  ON sub_jobs (project_id, status, nb, id);"
	SUB_JOBS_FILTER_INDEXES
	SUB_JOBS_CLAIM_INDEX_7
	SUB_JOBS_LEASE_INDEX
	"CREATE TABLE sub_job_blocks ("
	"  project_id TEXT NOT NULL,"
	"  s INTEGER NOT NULL CHECK (s BETWEEN 0 AND 4),"
	"  nb INTEGER NOT NULL,"
	"  id TEXT NOT NULL,"
	"  n0 INTEGER NOT NULL CHECK (n0 >= 0),"
	"  n1 INTEGER NOT NULL CHECK (n1 >= 0),"
	"  n2 INTEGER NOT NULL CHECK (n2 >= 0),"
	"  n3 INTEGER NOT NULL CHECK (n3 >= 0),"
	"  PRIMARY KEY (project_id, s, nb, id)) WITHOUT ROWID;"
	SQ_BLOCKS_BUILD
	"CREATE TRIGGER sub_jobs_blocks_insert AFTER INSERT ON sub_jobs BEGIN "
	SQ_SET_ADD("4") SQ_SET_ADD("new.status")
	"END;"
	"CREATE TRIGGER sub_jobs_blocks_status AFTER UPDATE OF status ON sub_jobs"
	"  WHEN new.status <> old.status BEGIN"
	"  UPDATE sub_job_blocks SET n0 = n0 + (new.status = 0) - (old.status = 0),"
	"    n1 = n1 + (new.status = 1) - (old.status = 1),"
	"    n2 = n2 + (new.status = 2) - (old.status = 2),"
	"    n3 = n3 + (new.status = 3) - (old.status = 3)"
	SQ_BLOCK_IS("4", SQ_BLOCK_OF("new.project_id", "4", "(new.nb, new.id)"))
	";" SQ_SET_SUB("old.status") SQ_SET_ADD("new.status")
	"END;"
	/* While a delete by IDs holds its one row (in its own transaction),
	 * it counts its rows out of their blocks itself (blocks.c). */
	"CREATE TABLE sub_job_blocks_deferred ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1));"
	"CREATE TRIGGER sub_jobs_blocks_delete AFTER DELETE ON sub_jobs"
	"  WHEN NOT EXISTS (SELECT 1 FROM sub_job_blocks_deferred) BEGIN "
	SQ_SET_SUB("4") SQ_SET_SUB("old.status")
	"END;"
	SQ_SPLIT("sub_job_blocks_split", "new.s = 4", "")
	SQ_SPLIT("sub_job_blocks_split_status", "new.s < 4",
	    " AND status = new.s")
	/* Only after a count went down; a set's only block stays unless it
	 * is empty. */
	"CREATE TRIGGER sub_job_blocks_merge AFTER UPDATE ON sub_job_blocks"
	"  WHEN " SQ_BLOCK_ROWS_IN("new") " < " SQ_BLOCK_ROWS_IN("old")
	"  AND " SQ_BLOCK_ROWS_IN("new") " < " SQ_STR(SQ_BLOCK_ROWS) " / 2"
	"  AND (" SQ_BLOCK_ROWS_IN("new") " = 0 OR EXISTS ("
	SQ_BLOCK_PREV("new.project_id", "new.s", "(new.nb, new.id)")
	") OR EXISTS ("
	SQ_BLOCK_NEXT("new.project_id", "new.s", "(new.nb, new.id)") "))"
	"  BEGIN"
	"  DELETE FROM sub_job_blocks WHERE project_id = new.project_id"
	"    AND s = new.s AND nb = new.nb AND id = new.id;"
	"  UPDATE sub_job_blocks SET n0 = n0 + new.n0, n1 = n1 + new.n1,"
	"    n2 = n2 + new.n2, n3 = n3 + new.n3"
	SQ_BLOCK_IS("new.s", SQ_BLOCK_PREV("new.project_id", "new.s",
	    "(new.nb, new.id)")) ";"
	"  UPDATE sub_job_blocks SET nb = new.nb, id = new.id,"
	"    n0 = n0 + new.n0, n1 = n1 + new.n1, n2 = n2 + new.n2,"
	"    n3 = n3 + new.n3"
	SQ_BLOCK_IS("new.s", SQ_BLOCK_FIRST("new.project_id", "new.s"))
	"    AND (nb, id) > (new.nb, new.id);"
	"END;";

static const struct migration migrations[] = {
	{ 1, schema_1 },
	{ 2, schema_2 },
	{ 3, schema_3 },
	{ 4, schema_4 },
	{ 5, schema_5 },
	{ 6, schema_6 },
	{ 7, schema_7 },
	{ 8, schema_8 },
	{ 9, schema_9 },
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

static int
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc;

	if ((rc = sqlite3_exec(db, sql, NULL, NULL, &msg)) == SQLITE_OK)
		return 0;
	log_error("store: migration: %s", msg != NULL ? msg : "?");
	sqlite3_free(msg);
	return sq_map(rc) != 0 ? sq_map(rc) : WJ_ERR_INTERNAL;
}

int
sq_schema_version(sqlite3 *db, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	*out = 0;
	rc = sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) "
	    "FROM schema_version", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		/* No table yet: a new file. */
		if (rc == SQLITE_ERROR)
			return 0;
		return sq_map(rc);
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else
		r = sq_map(rc) != 0 ? sq_map(rc) : WJ_ERR_INTERNAL;
	sqlite3_finalize(st);
	return r;
}

static int
record(sqlite3 *db, int version)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "INSERT INTO schema_version (version, "
	    "applied_ms) VALUES (?, ?)", -1, &st, NULL);
	if (rc == SQLITE_OK &&
	    (rc = sqlite3_bind_int(st, 1, version)) == SQLITE_OK &&
	    (rc = sqlite3_bind_int64(st, 2, wj_now_ms())) == SQLITE_OK &&
	    (rc = sqlite3_step(st)) == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		log_error("store: migration %d: %s", version,
		    sqlite3_errmsg(db));
		return sq_map(rc) != 0 ? sq_map(rc) : WJ_ERR_INTERNAL;
	}
	return 0;
}

/* Apply migration m unless the database has it (checked under the lock). */
static int
apply(sqlite3 *db, const struct migration *m)
{
	int r, have;

	if ((r = exec(db, "BEGIN IMMEDIATE")) != 0)
		return r;
	if ((r = exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
	    "version INTEGER PRIMARY KEY, "
	    "applied_ms INTEGER NOT NULL)")) != 0 ||
	    (r = sq_schema_version(db, &have)) != 0)
		goto out;
	if (have >= m->version)
		goto out;
	if (have != m->version - 1) {
		log_error("store: schema version %d cannot take migration %d",
		    have, m->version);
		r = WJ_ERR_INTERNAL;
		goto out;
	}
	if ((r = exec(db, m->sql)) != 0 || (r = record(db, m->version)) != 0)
		goto out;
	log_debug("store: applied schema migration %d", m->version);
 out:
	if (r == 0)
		return exec(db, "COMMIT");
	(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

int
sq_migrate(sqlite3 *db)
{
	size_t i;
	int r, have;

	/* Fast path without the write lock: already up to date. */
	if ((r = sq_schema_version(db, &have)) != 0)
		return r;
	if (have > SQ_SCHEMA_VERSION) {
		log_error("store: the database has schema version %d; this "
		    "wksjobs knows up to %d: upgrade the binary", have,
		    SQ_SCHEMA_VERSION);
		return WJ_ERR_INVALID;
	}
	for (i = 0; i < N_MIGRATIONS && have < SQ_SCHEMA_VERSION; i++)
		if ((r = apply(db, &migrations[i])) != 0)
			return r;
	/* One line for an upgrade; a new database is no news. */
	if (have > 0 && have < SQ_SCHEMA_VERSION)
		log_info("store: schema upgraded from version %d to %d", have,
		    SQ_SCHEMA_VERSION);
	return 0;
}
