/*
 * conn.c - the SQLite engine's connections: opening and closing the store,
 * one reader connection per thread and the writer's, each with its cache
 * of prepared statements; the bind/step helpers every entity file uses;
 * error mapping; the shared read helpers (sq_rows, name checks, growing
 * arrays).  The writer thread lives in writer.c, the schema in migrate.c.
 *
 * Decisions:
 * - Several processes may open one file (server, admin CLI): every write
 *   transaction is BEGIN IMMEDIATE and every connection waits up to
 *   SQ_BUSY_TIMEOUT_MS for another's lock; then WJ_ERR_UNAVAILABLE.
 * - store_opts.readonly: the file is still created and migrated by
 *   store_open, but no writer thread runs and every write call returns
 *   WJ_ERR_UNAVAILABLE without touching the database.
 * - Reader connections are PRAGMA query_only and live until store_close,
 *   also when their thread exits earlier (threads are few and long-lived);
 *   they alone have list.c's SQL function (writes never call it).
 * - The writer deletes with PRAGMA secure_delete = ON, whatever SQLite's
 *   build default: a deleted sub-job's bytes are overwritten with zeros
 *   in its page, and a page the delete frees is zeroed before it joins
 *   the free list, so a deleted record cannot be read back from the
 *   database file (old page images stay in the WAL only until it is
 *   written over or truncated).  FAST would skip the zeroing of freed
 *   pages; deletes by IDs free almost none (they rebalance leaves), so it
 *   would save no WAL bytes (docs/ARCHITECTURE.md#security).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sqlite_int.h"
#include "../../util/hash.h"

/* ---- errors ------------------------------------------------------------ */

int
sq_map(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
	case SQLITE_INTERRUPT:
		return WJ_ERR_UNAVAILABLE;
	case SQLITE_NOMEM:
		return WJ_ERR_NOMEM;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE ||
		    rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return WJ_ERR_EXISTS;
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			return WJ_ERR_NOT_FOUND;
		return WJ_ERR_INVALID;
	case SQLITE_TOOBIG:
		return WJ_ERR_TOO_LARGE;
	}
	return WJ_ERR_INTERNAL;
}

int
sq_fail(struct sq_conn *c, int rc, const char *what)
{
	int r = sq_map(rc);

	if (r == 0)
		return 0;
	/* Constraint failures are answers (exists, not found), not faults. */
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		log_debug("store: %s: %s", what, sqlite3_errmsg(c->db));
	else
		log_error("store: %s: %s (%d)", what, sqlite3_errmsg(c->db),
		    rc);
	return r;
}

int
sq_copy(char *dst, size_t size, const char *src)
{
	size_t n;

	if (src == NULL)
		src = "";
	if ((n = strlen(src)) >= size) {
		dst[0] = '\0';
		return WJ_ERR_INTERNAL;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

/* ---- statements -------------------------------------------------------- */

/* The idle slot to reuse: an empty one, else the least recently used. */
static struct sq_slot *
slot_victim(struct sq_conn *c)
{
	struct sq_slot *v = NULL;
	size_t i;

	for (i = 0; i < SQ_STMT_CACHE; i++) {
		if (c->slot[i].busy)
			continue;
		if (c->slot[i].st == NULL)
			return &c->slot[i];
		if (v == NULL || c->slot[i].used < v->used)
			v = &c->slot[i];
	}
	return v;
}

static void
slot_clear(struct sq_slot *s)
{
	sqlite3_finalize(s->st);
	free(s->sql);
	memset(s, 0, sizeof(*s));
}

/* Check out slot s for the caller's text sql. */
static sqlite3_stmt *
slot_take(struct sq_conn *c, struct sq_slot *s, const char *sql)
{
	s->busy = 1;
	s->used = c->tick;
	s->key = (uintptr_t)sql;
	return s->st;
}

/*
 * The SQL texts are mostly string literals: the same text comes again at
 * the same address, so a slot last taken for this address is tried
 * first (strcmp still decides: a freed text's address may come back with
 * other words), and only then the hash of the text.
 */
int
sq_stmt(struct sq_conn *c, const char *sql, sqlite3_stmt **out)
{
	uint64_t h;
	struct sq_slot *s;
	sqlite3_stmt *st = NULL;
	char *copy;
	size_t i;
	int rc;

	*out = NULL;
	c->tick++;
	for (i = 0; i < SQ_STMT_CACHE; i++) {
		s = &c->slot[i];
		if (s->st != NULL && !s->busy && s->key == (uintptr_t)sql &&
		    strcmp(s->sql, sql) == 0) {
			*out = slot_take(c, s, sql);
			return 0;
		}
	}
	h = wj_hash_str(sql);
	for (i = 0; i < SQ_STMT_CACHE; i++) {
		s = &c->slot[i];
		if (s->st != NULL && !s->busy && s->hash == h &&
		    strcmp(s->sql, sql) == 0) {
			*out = slot_take(c, s, sql);
			return 0;
		}
	}
	/* Not cached, or every copy in use (a nested walk): prepare. */
	s = slot_victim(c);
	rc = sqlite3_prepare_v3(c->db, sql, -1,
	    s != NULL ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(c, rc, sql);
	if (s == NULL || (copy = strdup(sql)) == NULL) {
		*out = st;	/* uncached: sq_put finalizes it */
		return 0;
	}
	slot_clear(s);
	s->sql = copy;
	s->hash = h;
	s->st = st;
	*out = slot_take(c, s, sql);
	return 0;
}

void
sq_put(struct sq_conn *c, sqlite3_stmt *st)
{
	size_t i;

	if (st == NULL)
		return;
	/* The step already reported any error; reset only rearms it. */
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	for (i = 0; i < SQ_STMT_CACHE; i++)
		if (c->slot[i].st == st) {
			c->slot[i].busy = 0;
			return;
		}
	sqlite3_finalize(st);
}

static int
bindv(struct sq_conn *c, sqlite3_stmt *st, int first, const char *fmt,
    va_list ap)
{
	const char *s;
	const void *p;
	size_t n;
	int i, rc = SQLITE_OK;

	for (i = first; *fmt != '\0' && rc == SQLITE_OK; fmt++, i++) {
		switch (*fmt) {
		case 't':
			s = va_arg(ap, const char *);
			rc = s != NULL ?
			    sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) :
			    sqlite3_bind_null(st, i);
			break;
		case 'i':
			rc = sqlite3_bind_int(st, i, va_arg(ap, int));
			break;
		case 'I':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 'b':
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
			rc = sqlite3_bind_blob64(st, i, p, n, SQLITE_STATIC);
			break;
		default:
			log_error("store: bad bind format '%c'", *fmt);
			return WJ_ERR_INTERNAL;
		}
	}
	return rc == SQLITE_OK ? 0 : sq_fail(c, rc, "bind");
}

int
sq_bind_at(struct sq_conn *c, sqlite3_stmt *st, int first, const char *fmt,
    ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = bindv(c, st, first, fmt, ap);
	va_end(ap);
	return r;
}

int
sq_step(struct sq_conn *c, sqlite3_stmt *st, int *row)
{
	int rc;

	*row = 0;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*row = 1;
		return 0;
	}
	if (rc == SQLITE_DONE)
		return 0;
	return sq_fail(c, rc, sqlite3_sql(st));
}

int
sq_do(struct sq_conn *c, int64_t *changes, int must_change, const char *sql,
    const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int64_t n = 0;
	int r, row;

	if (changes != NULL)
		*changes = 0;
	if ((r = sq_stmt(c, sql, &st)) != 0)
		return r;
	va_start(ap, fmt);
	r = bindv(c, st, 1, fmt, ap);
	va_end(ap);
	while (r == 0 && (r = sq_step(c, st, &row)) == 0 && row)
		;
	if (r == 0)
		n = sqlite3_changes64(c->db);
	sq_put(c, st);
	if (changes != NULL)
		*changes = n;
	return r == 0 && must_change && n == 0 ? WJ_ERR_NOT_FOUND : r;
}

int
sq_exists(struct sq_conn *c, int *yes, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int r;

	*yes = 0;
	if ((r = sq_stmt(c, sql, &st)) != 0)
		return r;
	va_start(ap, fmt);
	r = bindv(c, st, 1, fmt, ap);
	va_end(ap);
	if (r == 0)
		r = sq_step(c, st, yes);
	sq_put(c, st);
	return r;
}

int
sq_found(struct sq_conn *c, const char *sql, const char *id)
{
	int r, found;

	if ((r = sq_exists(c, &found, sql, "t", id)) != 0)
		return r;
	return found ? 0 : WJ_ERR_NOT_FOUND;
}

const char *
sq_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* ---- connections ------------------------------------------------------- */

/* wj_job_status(w, r, s, f, started, failed): job.c's derivation in SQL. */
static void
fn_job_status(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t n[JOB_STATUS_COUNT];
	int i;

	(void)argc;
	for (i = 0; i < JOB_STATUS_COUNT; i++)
		n[i] = sqlite3_value_int64(argv[i]);
	sqlite3_result_int(ctx, job_derive_status(n,
	    sqlite3_value_int(argv[4]), sqlite3_value_int(argv[5])));
}

/* wj_type_protected(job_type): job.c's list of undeletable types. */
static void
fn_type_protected(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int(ctx, job_type_protected(
	    (const char *)sqlite3_value_text(argv[0])) != 0);
}

int
sq_exec(struct sq_conn *c, const char *sql)
{
	int rc;

	if ((rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return sq_fail(c, rc, sql);
	return 0;
}

static int
conn_setup(struct sq_conn *c, int writer)
{
	const int fl = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	int r, rc;

	if ((rc = sqlite3_extended_result_codes(c->db, 1)) != SQLITE_OK ||
	    (rc = sqlite3_busy_timeout(c->db, SQ_BUSY_TIMEOUT_MS)) !=
	    SQLITE_OK ||
	    (rc = sqlite3_create_function_v2(c->db, "wj_job_status", 6, fl,
	    NULL, fn_job_status, NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_create_function_v2(c->db, "wj_type_protected", 1,
	    fl, NULL, fn_type_protected, NULL, NULL, NULL)) != SQLITE_OK)
		return sq_fail(c, rc, "connection setup");
	/* synchronous=FULL: a commit is on disk before the call returns
	 * (the writer's connection hands that to the syncer: NORMAL). */
	if ((r = sq_exec(c, "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA temp_store = MEMORY;")) != 0)
		return r;
	if (!writer && (rc = sq_list_functions(c->db)) != SQLITE_OK)
		return sq_fail(c, rc, "connection setup");
	if (!writer)
		return sq_exec(c, "PRAGMA query_only = ON; "
		    "PRAGMA cache_size = -" SQ_STR(SQ_READER_CACHE_KB));
	return sq_exec(c, "PRAGMA secure_delete = ON;"
	    "PRAGMA cache_size = -" SQ_STR(SQ_WRITER_CACHE_KB));
}

void
sq_conn_close(struct sq_conn *c)
{
	size_t i;
	int rc;

	if (c == NULL)
		return;
	for (i = 0; i < SQ_STMT_CACHE; i++)
		slot_clear(&c->slot[i]);
	if ((rc = sqlite3_close(c->db)) != SQLITE_OK)
		log_error("store: close: %s", sqlite3_errstr(rc));
	free(c);
}

static pthread_once_t sq_once = PTHREAD_ONCE_INIT;

/*
 * Process-wide SQLite setup, before SQLite's first use: no memory
 * statistics (each allocation would take a global mutex for them, and
 * nothing reads them).  Were SQLite already in use in this process, this
 * fails with SQLITE_MISUSE and SQLite keeps its default.
 */
static void
sq_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int
sq_conn_open(struct sq_store *st, int writer, struct sq_conn **out)
{
	struct sq_conn *c;
	int r, rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return WJ_ERR_NOMEM;
	c->store = st;
	(void)pthread_once(&sq_once, sq_setup);
	rc = sqlite3_open_v2(st->path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = c->db != NULL ? sq_fail(c, rc, st->path) : WJ_ERR_NOMEM;
		goto out;
	}
	if ((r = conn_setup(c, writer)) != 0)
		goto out;
	*out = c;
	c = NULL;
 out:
	sq_conn_close(c);
	return r;
}

static int
reader_open(void *st, void **out)
{
	struct sq_conn *c;
	int r;

	if ((r = sq_conn_open(st, 0, &c)) == 0)
		*out = c;
	return r;
}

static void
reader_close(void *c)
{
	sq_conn_close(c);
}

int
sq_reader(struct sq_store *st, struct sq_conn **out)
{
	void *c;
	int r;

	r = wj_perthread_get(&st->readers, reader_open, st, &c);
	*out = c;
	return r;
}

int
sq_read_begin(struct sq_conn *c)
{
	int r;

	if (c->read_depth > 0) {
		c->read_depth++;
		return 0;
	}
	if ((r = sq_run(c, NULL, "BEGIN", "")) != 0)
		return r;
	c->read_depth = 1;
	return 0;
}

int
sq_read_end(struct sq_conn *c, int r)
{
	int r2;

	if (c->read_depth == 0 || --c->read_depth > 0)
		return r;
	if ((r2 = sq_run(c, NULL, "COMMIT", "")) != 0) {
		(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		if (r == 0)
			r = r2;
	}
	return r;
}

/* ---- snapshots and the data version ------------------------------------- */

int
sq_store_read_begin(struct sq_store *st)
{
	struct sq_conn *c;
	int r;

	if ((r = sq_reader(st, &c)) != 0)
		return r;
	return sq_read_begin(c);
}

int
sq_store_read_end(struct sq_store *st, int r)
{
	struct sq_conn *c;

	if (sq_reader(st, &c) != 0)
		return r;
	return sq_read_end(c, r);
}

/* PRAGMA data_version: it moves with every commit of another connection
 * (the writer's included), and stays within a read transaction. */
int
sq_store_data_version(struct sq_store *st, int64_t *dv)
{
	sqlite3_stmt *s = NULL;
	struct sq_conn *c;
	int r, row;

	if ((r = sq_reader(st, &c)) != 0 ||
	    (r = sq_stmt(c, "PRAGMA data_version", &s)) != 0)
		return r;
	if ((r = sq_step(c, s, &row)) == 0 && !row)
		r = WJ_ERR_INTERNAL;
	if (r == 0)
		*dv = sqlite3_column_int64(s, 0);
	sq_put(c, s);
	return r;
}

/* ---- open and close ---------------------------------------------------- */

/* Create the file 0600 if absent, so SQLite never creates it wider. */
static int
create_file(const char *path)
{
	int fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_error("store: %s: %s", path, strerror(errno));
		return WJ_ERR_IO;
	}
	(void)close(fd);
	return 0;
}

static int
set_wal(struct sq_conn *c)
{
	sqlite3_stmt *st = NULL;
	const char *mode;
	int r, row;

	if ((r = sq_stmt(c, "PRAGMA journal_mode = WAL", &st)) != 0)
		return r;
	if ((r = sq_step(c, st, &row)) != 0)
		goto out;
	mode = row ? sq_text(st, 0) : NULL;
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		log_error("store: journal_mode WAL refused (%s)",
		    mode != NULL ? mode : "?");
		r = WJ_ERR_UNAVAILABLE;
	}
 out:
	sq_put(c, st);
	return r;
}

/* The writer connection's scratch table of status changes. */
static int
writer_prepare(struct sq_conn *c)
{
	return sq_exec(c, "CREATE TEMP TABLE IF NOT EXISTS chg ("
	    "rid INTEGER PRIMARY KEY, project_id TEXT NOT NULL, "
	    "job_id TEXT NOT NULL, job_type TEXT NOT NULL, "
	    "old_status INTEGER NOT NULL, new_status INTEGER NOT NULL)");
}

static int
sq_store_new(const struct store_opts *o, struct sq_store **out)
{
	struct sq_store *st;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return WJ_ERR_NOMEM;
	st->mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	st->work_cv = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	st->ckpt_cv = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	st->sync_cv = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	st->wal_fd = -1;
	st->readonly = o->readonly;
	st->max_attempts = o->max_attempts > 0 ? o->max_attempts :
	    WJ_MAX_ATTEMPTS_DEFAULT;
	st->queue_max = o->write_queue_max > 0 ?
	    (size_t)o->write_queue_max : SQ_QUEUE_DEFAULT;
	if ((st->path = strdup(o->path)) == NULL ||
	    asprintf(&st->wal_path, "%s-wal", o->path) == -1) {
		free(st->path);
		free(st);
		return WJ_ERR_NOMEM;
	}
	*out = st;
	return 0;
}

int
sq_store_open(const struct store_opts *o, struct sq_store **out)
{
	struct sq_store *st = NULL;
	int r;

	*out = NULL;
	if (o == NULL || o->path == NULL || *o->path == '\0' ||
	    o->max_attempts < 0 || o->write_queue_max < 0)
		return WJ_ERR_INVALID;
	if ((r = create_file(o->path)) != 0 || (r = sq_store_new(o, &st)) != 0)
		return r;
	if (wj_perthread_init(&st->readers, reader_close) != 0) {
		r = WJ_ERR_INTERNAL;
		goto out;
	}
	if ((r = sq_conn_open(st, 1, &st->wconn)) != 0 ||
	    (r = set_wal(st->wconn)) != 0 ||
	    (r = sq_migrate(st->wconn->db)) != 0 ||
	    (r = writer_prepare(st->wconn)) != 0)
		goto out;
	if (!st->readonly && (r = sq_writer_start(st)) != 0)
		goto out;
	*out = st;
	st = NULL;
	r = 0;
 out:
	sq_store_close(st);
	return r;
}

void
sq_store_close(struct sq_store *st)
{
	if (st == NULL)
		return;
	sq_writer_stop(st);
	sq_conn_close(st->cconn);
	wj_perthread_free(&st->readers);
	sq_conn_close(st->wconn);
	pthread_cond_destroy(&st->ckpt_cv);
	pthread_cond_destroy(&st->sync_cv);
	pthread_cond_destroy(&st->work_cv);
	pthread_mutex_destroy(&st->mu);
	free(st->wal_path);
	free(st->path);
	free(st);
}

int
sq_store_ping(struct sq_store *st)
{
	struct sq_conn *c;
	int r;

	if ((r = sq_reader(st, &c)) != 0)
		return r;
	return sq_run(c, NULL, "SELECT version FROM schema_version LIMIT 1",
	    "");
}

/* ---- shared by the entity files ---------------------------------------- */

int
sq_name_ok(const char *s)
{
	size_t n;

	return s != NULL && (n = strlen(s)) >= 1 && n <= STORE_NAME_MAX &&
	    wj_utf8_clean(s, n);
}

int
sq_id_ok(const char *s)
{
	return s != NULL && strlen(s) >= 1 && strlen(s) <= WJ_ID_LEN;
}

int
sq_rows(struct sq_store *s, const char *sql, const char *const *p, int np,
    int want_row, sq_row_fn fn, void *arg)
{
	sqlite3_stmt *st = NULL;
	struct sq_conn *c;
	int i, r, row, seen = 0;

	if ((r = sq_reader(s, &c)) != 0 || (r = sq_stmt(c, sql, &st)) != 0)
		return r;
	for (i = 0; i < np; i++)
		if ((r = sq_bind_at(c, st, i + 1, "t", p[i])) != 0)
			goto out;
	for (;;) {
		if ((r = sq_step(c, st, &row)) != 0 || !row)
			break;
		seen = 1;
		if ((r = fn(st, arg)) != 0)
			break;
	}
	if (r == 0 && want_row && !seen)
		r = WJ_ERR_NOT_FOUND;
 out:
	sq_put(c, st);
	return r;
}

int
sq_one(struct sq_store *st, const char *sql, const char *const *p, int np,
    sq_row_fn row, void *out)
{
	int i;

	for (i = 0; i < np; i++)
		if (p[i] == NULL)
			return WJ_ERR_INVALID;
	return sq_rows(st, sql, p, np, 1, row, out);
}

int
sq_cols(sqlite3_stmt *st, int col, ...)
{
	va_list ap;
	char *dst;
	size_t size;
	int r = 0;

	va_start(ap, col);
	while (r == 0 && (dst = va_arg(ap, char *)) != NULL) {
		size = va_arg(ap, size_t);
		r = sq_copy(dst, size, sq_text(st, col++));
	}
	va_end(ap);
	return r;
}

int
sq_write(struct sq_store *st, sq_op_fn fn, void *arg, const char *action)
{
	struct sq_op op;
	int r;

	sq_op_init(&op, fn, arg, action != NULL, NULL, action, NULL);
	r = sq_submit(st, &op);
	sq_op_clear(&op);
	return r;
}

/* ---- a growing array ---------------------------------------------------- */

void *
sq_vec_add(struct sq_vec *a)
{
	size_t ncap;
	void *p;

	if (a->n == a->cap) {
		ncap = a->cap ? a->cap * 2 : 8;
		if ((p = reallocarray(a->v, ncap, a->size)) == NULL)
			return NULL;
		a->v = p;
		a->cap = ncap;
	}
	memset((char *)a->v + a->size * a->n, 0, a->size);
	return (char *)a->v + a->size * a->n++;
}

int
sq_vec_row(sqlite3_stmt *st, void *arg)
{
	struct sq_vec *a = arg;
	void *item;

	if ((item = sq_vec_add(a)) == NULL)
		return WJ_ERR_NOMEM;
	return a->row(st, item);
}

int
sq_vec_out(int r, struct sq_vec *a, void *out, size_t *n)
{
	if (r != 0) {
		free(a->v);
		return r;
	}
	*(void **)out = a->v;
	*n = a->n;
	return 0;
}

int
sq_list(struct sq_store *st, const char *sql, const char *const *p, int np,
    size_t size, sq_row_fn row, void *out, size_t *n)
{
	struct sq_vec a = { NULL, 0, 0, size, row };
	int i;

	*(void **)out = NULL;
	*n = 0;
	for (i = 0; i < np; i++)
		if (p[i] == NULL)
			return WJ_ERR_INVALID;
	return sq_vec_out(sq_rows(st, sql, p, np, 0, sq_vec_row, &a), &a, out,
	    n);
}
