/*
 * store_sqlite.c - the SQLite back end of store.h: opening and closing,
 * connections and their statement caches, error mapping, and the single
 * writer with group commit (DESIGN §2).  The operations themselves live
 * in sqlite_ident.c, sqlite_jobs.c and sqlite_work.c; the schema in
 * migrations.c.
 *
 * Decisions:
 * - Several processes may open one file (server, admin CLI): every write
 *   transaction is BEGIN IMMEDIATE and every connection waits up to
 *   SQ_BUSY_TIMEOUT_MS for another's lock; then WJ_ERR_UNAVAILABLE.
 * - store_opts.readonly: the file is still created and migrated by
 *   store_open, but no writer thread runs and every write call returns
 *   WJ_ERR_UNAVAILABLE without touching the database.
 * - Reader connections are PRAGMA query_only and live until store_close,
 *   also when their thread exits earlier (threads are few and long-lived).
 * - When COMMIT fails, every op of the batch that had succeeded gets the
 *   mapped error; an op that was refused on its own keeps its refusal
 *   (it was decided on committed state and nothing of it was applied).
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

/* ---- errors -------------------------------------------------------------- */

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

/* ---- statements ---------------------------------------------------------- */

static uint64_t
sql_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

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

int
sq_stmt(struct sq_conn *c, const char *sql, sqlite3_stmt **out)
{
	uint64_t h = sql_hash(sql);
	struct sq_slot *s;
	sqlite3_stmt *st = NULL;
	char *copy;
	size_t i;
	int rc;

	*out = NULL;
	c->tick++;
	for (i = 0; i < SQ_STMT_CACHE; i++) {
		s = &c->slot[i];
		if (s->st != NULL && !s->busy && s->hash == h &&
		    strcmp(s->sql, sql) == 0) {
			s->busy = 1;
			s->used = c->tick;
			*out = s->st;
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
	s->busy = 1;
	s->used = c->tick;
	*out = st;
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
sq_bind(struct sq_conn *c, sqlite3_stmt *st, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = bindv(c, st, 1, fmt, ap);
	va_end(ap);
	return r;
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
sq_run(struct sq_conn *c, int64_t *changes, const char *sql, const char *fmt,
    ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int r, row;

	if (changes != NULL)
		*changes = 0;
	if ((r = sq_stmt(c, sql, &st)) != 0)
		return r;
	va_start(ap, fmt);
	r = bindv(c, st, 1, fmt, ap);
	va_end(ap);
	if (r != 0)
		goto out;
	do {
		if ((r = sq_step(c, st, &row)) != 0)
			goto out;
	} while (row);
	if (changes != NULL)
		*changes = sqlite3_changes64(c->db);
 out:
	sq_put(c, st);
	return r;
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

const char *
sq_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* ---- connections --------------------------------------------------------- */

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

static int
conn_exec(struct sq_conn *c, const char *sql)
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
	if ((r = conn_exec(c, "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA temp_store = MEMORY;")) != 0)
		return r;
	if (!writer)
		return conn_exec(c, "PRAGMA query_only = ON; "
		    "PRAGMA cache_size = -" SQ_STR(SQ_READER_CACHE_KB));
	return conn_exec(c, "PRAGMA cache_size = -"
	    SQ_STR(SQ_WRITER_CACHE_KB));
}

static void
conn_close(struct sq_conn *c)
{
	size_t i;
	int rc;

	if (c == NULL)
		return;
	for (i = 0; i < SQ_STMT_CACHE; i++)
		slot_clear(&c->slot[i]);
	for (i = 0; i < STORE_MEMO_ENTRIES; i++) {
		free(c->memo[i].key);
		buf_free(&c->memo[i].body);
	}
	if ((rc = sqlite3_close(c->db)) != SQLITE_OK)
		log_error("store: close: %s", sqlite3_errstr(rc));
	free(c);
}

static pthread_once_t sq_once = PTHREAD_ONCE_INIT;
static int walbuf_ok;

/*
 * Process-wide SQLite setup, before SQLite's first use: its allocations
 * through per-thread caches (sqlite_mem.c), no memory statistics (each
 * allocation would take a global mutex for them, and nothing reads them),
 * and the WAL-gathering VFS.  Were SQLite already in use in this process,
 * the first two fail with SQLITE_MISUSE and SQLite keeps its defaults.
 */
static void
sq_setup(void)
{
	int rc;

	if ((rc = sq_mem_install()) != SQLITE_OK)
		log_debug("store: SQLite allocator: %s; SQLite's own",
		    sqlite3_errstr(rc));
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if ((rc = sq_walbuf_register()) == SQLITE_OK)
		walbuf_ok = 1;
	else
		log_error("store: VFS %s: %s; WAL writes go one by one",
		    SQ_WALBUF_VFS, sqlite3_errstr(rc));
}

static int
conn_open(struct store *st, int writer, struct sq_conn **out)
{
	struct sq_conn *c;
	int r, rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return WJ_ERR_NOMEM;
	c->store = st;
	(void)pthread_once(&sq_once, sq_setup);
	/* The writer's WAL writes are gathered (sqlite_walbuf.c). */
	rc = sqlite3_open_v2(st->path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, writer && walbuf_ok ? SQ_WALBUF_VFS : NULL);
	if (rc != SQLITE_OK) {
		r = c->db != NULL ? sq_fail(c, rc, st->path) : WJ_ERR_NOMEM;
		goto out;
	}
	if ((r = conn_setup(c, writer)) != 0)
		goto out;
	*out = c;
	c = NULL;
 out:
	conn_close(c);
	return r;
}

int
sq_reader(struct store *st, struct sq_conn **out)
{
	struct sq_conn *c;
	int r;

	*out = NULL;
	if ((c = pthread_getspecific(st->key)) != NULL) {
		*out = c;
		return 0;
	}
	if ((r = conn_open(st, 0, &c)) != 0)
		return r;
	if (pthread_setspecific(st->key, c) != 0) {
		conn_close(c);
		return WJ_ERR_NOMEM;
	}
	pthread_mutex_lock(&st->mu);
	c->next = st->conns;
	st->conns = c;
	pthread_mutex_unlock(&st->mu);
	*out = c;
	return 0;
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

/* ---- memo of rendered answers (store_read_memo) -------------------------- */

/* The data version of c's read snapshot: it moves with every commit. */
static int
data_version(struct sq_conn *c, int64_t *dv)
{
	sqlite3_stmt *st = NULL;
	int r, row;

	if ((r = sq_stmt(c, "PRAGMA data_version", &st)) != 0)
		return r;
	if ((r = sq_step(c, st, &row)) == 0 && !row)
		r = WJ_ERR_INTERNAL;
	if (r == 0)
		*dv = sqlite3_column_int64(st, 0);
	sq_put(c, st);
	return r;
}

static struct sq_memo *
memo_find(struct sq_conn *c, const char *key, size_t key_len)
{
	size_t i;

	for (i = 0; i < STORE_MEMO_ENTRIES; i++)
		if (c->memo[i].key != NULL && c->memo[i].key_len == key_len &&
		    memcmp(c->memo[i].key, key, key_len) == 0)
			return &c->memo[i];
	return NULL;
}

/* Keep out[from..] as key's answer at dv, in the least recently used slot. */
static void
memo_keep(struct sq_conn *c, const char *key, size_t key_len, int64_t dv,
    const struct buf *out, size_t from)
{
	struct sq_memo *m = memo_find(c, key, key_len);
	size_t i, len = out->len - from;

	if (len > STORE_MEMO_MAX_BYTES)
		return;
	if (m == NULL) {
		m = &c->memo[0];
		for (i = 1; i < STORE_MEMO_ENTRIES; i++)
			if (c->memo[i].used < m->used)
				m = &c->memo[i];
		free(m->key);
		m->key = NULL;
		if ((m->key = malloc(key_len + 1)) == NULL)
			return;
		memcpy(m->key, key, key_len);
		m->key_len = key_len;
	}
	m->body.len = 0;
	if (buf_append(&m->body, out->data + from, len) != 0 ||
	    m->body.failed) {
		free(m->key);
		m->key = NULL;
		buf_free(&m->body);
		return;
	}
	m->dv = dv;
	m->used = ++c->tick;
}

int
store_read_memo(struct store *st, const char *key, size_t key_len,
    store_render_fn render, void *arg, struct buf *out)
{
	struct sq_memo *m;
	struct sq_conn *c;
	size_t from = out->len;
	int64_t dv = 0;
	int r;

	if (key == NULL || render == NULL)
		return WJ_ERR_INVALID;
	if ((r = sq_reader(st, &c)) != 0 || (r = sq_read_begin(c)) != 0)
		return r;
	if ((r = data_version(c, &dv)) != 0)
		return sq_read_end(c, r);
	if ((m = memo_find(c, key, key_len)) != NULL && m->dv == dv) {
		m->used = ++c->tick;
		r = buf_append(out, m->body.data, m->body.len);
		return sq_read_end(c, r);
	}
	/* render's own reads nest into this snapshot (sq_read_begin). */
	if ((r = render(arg, out)) == 0 && !out->failed &&
	    c->read_depth == 1)
		memo_keep(c, key, key_len, dv, out, from);
	return sq_read_end(c, r);
}

/* ---- the writer ---------------------------------------------------------- */

void
sq_op_init(struct sq_op *op, sq_op_fn fn, void *arg, int audit,
    const struct store_actor *actor, const char *action,
    const char *project_id)
{
	memset(op, 0, sizeof(*op));
	op->fn = fn;
	op->arg = arg;
	op->audit = audit;
	op->actor = actor;
	op->action = action;
	buf_init(&op->res);
	/* Project IDs are at most WJ_PARAM_MAX; longer ones never match. */
	if (project_id != NULL && sq_copy(op->project,
	    sizeof(op->project), project_id) != 0)
		op->project[0] = '\0';
}

void
sq_op_clear(struct sq_op *op)
{
	buf_free(&op->res);
}

void
sq_res_add(struct sq_op *op, const char *id)
{
	buf_putc(&op->res, op->res.len == 0 ? '[' : ',');
	buf_json_string(&op->res, id, strlen(id));
}

void
sq_res_end(struct sq_op *op)
{
	if (op->res.len > 0)
		buf_putc(&op->res, ']');
}

static int
audit_insert(struct sq_conn *c, struct sq_op *op, int result)
{
	const struct store_actor *a = op->actor;
	const char *action = op->action, *outcome;
	char text[128];

	if (op->res.failed)
		return WJ_ERR_NOMEM;
	if (a != NULL && a->action != NULL)
		action = a->action;
	if (result == 0)
		outcome = op->outcome != NULL ? op->outcome : "success";
	else {
		(void)snprintf(text, sizeof(text), "error: %s",
		    wj_strerror(result));
		outcome = text;
	}
	return sq_run(c, NULL, "INSERT INTO audit_events (time_ms, "
	    "request_id, user_id, action, project_id, resource_ids, outcome) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)", "Itttttt", (int64_t)wj_now_ms(),
	    a != NULL ? a->request_id : NULL, a != NULL ? a->user_id : NULL,
	    action != NULL ? action : "unknown",
	    op->project[0] != '\0' ? op->project : NULL,
	    op->res.len > 0 ? op->res.data : NULL, outcome);
}

/*
 * Run one op in its own savepoint, with its audit row; op->result gets
 * its outcome.  Returns non-zero when the savepoint could not be undone or
 * released: the transaction's content is then unknown and must not commit.
 */
static int
op_run(struct sq_conn *c, struct sq_op *op)
{
	int r, r2;

	if ((r = sq_run(c, NULL, "SAVEPOINT op", "")) != 0) {
		op->result = r;
		return r;
	}
	if ((r = sq_run(c, NULL, "DELETE FROM temp.chg", "")) == 0)
		r = op->fn(c, op);
	if (r != 0 && (r2 = sq_run(c, NULL, "ROLLBACK TO op", "")) != 0) {
		op->result = r;
		return r2;
	}
	if (op->audit && (r2 = audit_insert(c, op, r)) != 0 && r == 0) {
		r = r2;
		if ((r2 = sq_run(c, NULL, "ROLLBACK TO op", "")) != 0) {
			op->result = r;
			return r2;
		}
	}
	op->result = r;
	return sq_run(c, NULL, "RELEASE op", "");
}

/*
 * Run an op that is alone in its transaction (op->alone): no savepoint.
 * On failure the whole transaction is rolled back and a new one holds
 * the op's audit row.  Returns non-zero when that could not be done.
 */
static int
op_run_alone(struct sq_conn *c, struct sq_op *op)
{
	int r, r2;

	if ((r = sq_run(c, NULL, "DELETE FROM temp.chg", "")) == 0)
		r = op->fn(c, op);
	if (r == 0 && op->audit)
		r = audit_insert(c, op, 0);
	op->result = r;
	if (r == 0)
		return 0;
	if ((r2 = sq_run(c, NULL, "ROLLBACK", "")) != 0 ||
	    (r2 = sq_run(c, NULL, "BEGIN IMMEDIATE", "")) != 0)
		return r2;
	return op->audit ? audit_insert(c, op, r) : 0;
}

/* Give r to every op of the batch that has no error of its own. */
static void
batch_fail(struct sq_op *batch, int r)
{
	struct sq_op *op;

	for (op = batch; op != NULL; op = op->next)
		if (op->result == 0)
			op->result = r;
}

/* Returns 1 when the batch committed. */
static int
batch_run(struct store *st, struct sq_op *batch)
{
	struct sq_conn *c = st->wconn;
	struct sq_op *op;
	int r;

	if ((r = sq_run(c, NULL, "BEGIN IMMEDIATE", "")) != 0) {
		batch_fail(batch, r);
		return 0;
	}
	for (op = batch; op != NULL; op = op->next) {
		if ((r = op->alone ? op_run_alone(c, op) : op_run(c, op)) == 0 &&
		    !sqlite3_get_autocommit(c->db))
			continue;
		/* SQLite rolled back (I/O error, full) or state unknown. */
		log_error("store: write transaction lost: %s", wj_strerror(r));
		if (!sqlite3_get_autocommit(c->db))
			(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		batch_fail(batch, WJ_ERR_UNAVAILABLE);
		return 0;
	}
	if ((r = sq_run(c, NULL, "COMMIT", "")) != 0) {
		if (!sqlite3_get_autocommit(c->db))
			(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		batch_fail(batch, r);
		return 0;
	}
	return 1;
}

/*
 * Tell every op of a finished batch its result; with the lock held (it is
 * dropped while asynchronous completions run: they may free their op).
 */
static void
complete(struct store *st, struct sq_op *batch)
{
	struct sq_op *op, *next, *async = NULL, **atail = &async;

	for (op = batch; op != NULL; op = next) {
		next = op->next;
		if (op->on_done != NULL) {
			op->next = NULL;
			*atail = op;
			atail = &op->next;
			continue;
		}
		op->done = 1;
		pthread_cond_signal(&op->cv);
	}
	if (async == NULL)
		return;
	pthread_mutex_unlock(&st->mu);
	for (op = async; op != NULL; op = next) {
		next = op->next;
		op->done = 1;
		op->on_done(op);
	}
	pthread_mutex_lock(&st->mu);
}

/* Hand a run batch to the syncer (or, without one, answer it now). */
static void
finish_batch(struct store *st, struct sq_op *batch, int committed)
{
	struct sq_op *last;

	if (committed) {
		st->batches++;
		st->unsynced = 1;
	}
	if (!st->syncer_running) {
		/* FULL on the writer: the commit itself was durable. */
		st->synced = st->batches;
		complete(st, batch);
		return;
	}
	for (last = batch; last->next != NULL; last = last->next)
		;
	if (st->stail != NULL)
		st->stail->next = batch;
	else
		st->shead = batch;
	st->stail = last;
	pthread_cond_signal(&st->sync_cv);
}

void
sq_cold_start(struct sq_coldwin *w, long blocks, int64_t now_us)
{
	w->start_us = now_us;
	w->start_blocks = blocks;
}

int
sq_cold_step(struct sq_coldwin *w, long blocks, int64_t now_us)
{
	if (now_us - w->start_us >= SQ_COLD_WINDOW_US) {
		/* Too old: what it saw was spread too thin. */
		sq_cold_start(w, blocks, now_us);
		return 0;
	}
	if (blocks - w->start_blocks < SQ_COLD_MIN_KB * 2)
		return 0;
	sq_cold_start(w, blocks, now_us);
	return 1;
}

/* After a batch, on the writer thread: has it been reading from the disk? */
static void
note_cold(struct store *st)
{
	struct rusage ru;
	int64_t now = wj_mono_us();

	if (getrusage(RUSAGE_THREAD, &ru) == 0 &&
	    sq_cold_step(&st->coldwin, ru.ru_inblock, now))
		__atomic_store_n(&st->cold_until_us, now + SQ_COLD_HOLD_US,
		    __ATOMIC_RELAXED);
}

int
sq_cold(struct store *st)
{
	return wj_mono_us() < __atomic_load_n(&st->cold_until_us,
	    __ATOMIC_RELAXED);
}

/*
 * Take the next batch off the queue (lock held): every queued op up to
 * the first one that runs alone; that one, when it is first, by itself.
 */
static struct sq_op *
take_batch(struct store *st)
{
	struct sq_op *batch = st->qhead, *last = batch;
	size_t n = 1;

	if (!batch->alone)
		while (last->next != NULL && !last->next->alone) {
			last = last->next;
			n++;
		}
	st->qhead = last->next;
	if (st->qhead == NULL)
		st->qtail = NULL;
	last->next = NULL;
	st->qlen -= n;
	return batch;
}

static void *
writer_main(void *arg)
{
	struct store *st = arg;
	struct sq_op *batch;
	struct rusage ru;
	int ok;

	(void)pthread_setname_np(pthread_self(), "wj-writer");
	if (getrusage(RUSAGE_THREAD, &ru) == 0)
		sq_cold_start(&st->coldwin, ru.ru_inblock, wj_mono_us());
	pthread_mutex_lock(&st->mu);
	for (;;) {
		while (!st->stop && (st->qhead == NULL || st->paused))
			pthread_cond_wait(&st->work_cv, &st->mu);
		if (st->qhead == NULL)
			break;		/* stopping, and nothing left */
		batch = take_batch(st);
		pthread_mutex_unlock(&st->mu);
		ok = batch_run(st, batch);
		note_cold(st);
		pthread_mutex_lock(&st->mu);
		/* Only after the sync does anyone learn a result. */
		finish_batch(st, batch, ok);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/* ---- the syncer ---------------------------------------------------------- */

/*
 * fdatasync the WAL through the syncer's own descriptor (fsync flushes
 * the file, whichever descriptor wrote it), reopened when the WAL file
 * is not the one open (SQLite deletes it when the last connection of
 * any process closes; ours stay open, but a restore could replace it).
 */
static int
wal_sync(struct store *st)
{
	struct stat sb, fb;

	if (stat(st->wal_path, &sb) == -1) {
		log_error("store: %s: %s", st->wal_path, strerror(errno));
		return WJ_ERR_UNAVAILABLE;
	}
	if (st->wal_fd != -1 && (fstat(st->wal_fd, &fb) == -1 ||
	    fb.st_ino != sb.st_ino || fb.st_dev != sb.st_dev)) {
		(void)close(st->wal_fd);
		st->wal_fd = -1;
	}
	if (st->wal_fd == -1 &&
	    (st->wal_fd = open(st->wal_path, O_RDWR | O_CLOEXEC)) == -1) {
		log_error("store: %s: %s", st->wal_path, strerror(errno));
		return WJ_ERR_UNAVAILABLE;
	}
	if (fdatasync(st->wal_fd) == -1) {
		log_error("store: fdatasync %s: %s", st->wal_path,
		    strerror(errno));
		return WJ_ERR_UNAVAILABLE;
	}
	return 0;
}

static void *
syncer_main(void *arg)
{
	struct store *st = arg;
	struct sq_op *list;
	uint64_t upto;
	int need, r;

	(void)pthread_setname_np(pthread_self(), "wj-syncer");
	pthread_mutex_lock(&st->mu);
	for (;;) {
		while (!st->sync_stop &&
		    (st->shead == NULL || st->sync_paused))
			pthread_cond_wait(&st->sync_cv, &st->mu);
		if (st->shead == NULL)
			break;		/* stopping, and nothing left */
		list = st->shead;
		st->shead = st->stail = NULL;
		need = st->unsynced;
		st->unsynced = 0;
		upto = st->batches;
		pthread_mutex_unlock(&st->mu);
		/* Committed but not known durable: the client must retry. */
		if ((r = need ? wal_sync(st) : 0) != 0)
			batch_fail(list, r);
		pthread_mutex_lock(&st->mu);
		if (r == 0)
			st->synced = upto;
		else
			st->unsynced = 1;	/* the next sync covers them */
		complete(st, list);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/*
 * Start the syncer; then the writer's commits need not wait for the disk.
 * Without it the writer keeps synchronous = FULL and answers itself.
 * (NORMAL in WAL mode: commits append checksummed frames without an
 * fsync; after a crash, recovery keeps a prefix of whole transactions,
 * and every transaction before a completed fdatasync is in that prefix.)
 */
static void
syncer_start(struct store *st)
{
	if (pthread_create(&st->syncer, NULL, syncer_main, st) != 0)
		return;
	st->syncer_running = 1;
	if (conn_exec(st->wconn, "PRAGMA synchronous = NORMAL") != 0)
		log_error("store: writer stays synchronous = FULL");
}

/* Append op to the queue; with the lock held.  0 or WJ_ERR_UNAVAILABLE. */
static int
enqueue(struct store *st, struct sq_op *op)
{
	if (st->stop || st->qlen >= st->queue_max)
		return WJ_ERR_UNAVAILABLE;
	if (st->qtail != NULL)
		st->qtail->next = op;
	else
		st->qhead = op;
	st->qtail = op;
	st->qlen++;
	pthread_cond_signal(&st->work_cv);
	return 0;
}

int
sq_submit_async(struct store *st, struct sq_op *op)
{
	int r;

	if (!st->writer_running || op->on_done == NULL)
		return WJ_ERR_UNAVAILABLE;
	op->next = NULL;
	op->done = 0;
	op->result = 0;
	pthread_mutex_lock(&st->mu);
	r = enqueue(st, op);
	pthread_mutex_unlock(&st->mu);
	return r;
}

int
sq_submit(struct store *st, struct sq_op *op)
{
	if (!st->writer_running)
		return WJ_ERR_UNAVAILABLE;	/* readonly store */
	op->cv = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	op->next = NULL;
	op->done = 0;
	op->result = 0;
	op->on_done = NULL;
	pthread_mutex_lock(&st->mu);
	if (enqueue(st, op) != 0) {
		pthread_mutex_unlock(&st->mu);
		return WJ_ERR_UNAVAILABLE;
	}
	while (!op->done)
		pthread_cond_wait(&op->cv, &st->mu);
	pthread_mutex_unlock(&st->mu);
	pthread_cond_destroy(&op->cv);
	return op->result;
}

/* ---- the checkpointer ---------------------------------------------------- */

/*
 * After each commit of the writer's connection (replaces SQLite's
 * auto-checkpoint hook): wake the checkpointer once the WAL is long; if
 * it falls far behind, checkpoint here, as SQLite itself would.
 */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *st = arg;

	if (pages >= SQ_CKPT_HARD_PAGES || !st->ckpt_running) {
		if (pages >= SQ_CKPT_PAGES)
			(void)sqlite3_wal_checkpoint_v2(db, name,
			    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return SQLITE_OK;
	}
	if (pages >= SQ_CKPT_PAGES) {
		pthread_mutex_lock(&st->mu);
		if (!st->ckpt_wanted) {
			st->ckpt_wanted = 1;
			pthread_cond_signal(&st->ckpt_cv);
		}
		pthread_mutex_unlock(&st->mu);
	}
	return SQLITE_OK;
}

int64_t sq_test_idle_us;

/*
 * The store had no commit for a whole SQ_IDLE_US: give the WAL back its
 * space if a burst of writes left it past SQ_WAL_IDLE_MAX.  TRUNCATE
 * waits (busy timeout) for the writer and the readers, copies what is
 * left and cuts the file to zero bytes.
 */
static void
ckpt_idle(struct store *st)
{
	struct stat sb;
	int rc;

	if (stat(st->wal_path, &sb) != 0 || sb.st_size <= SQ_WAL_IDLE_MAX)
		return;
	rc = sqlite3_wal_checkpoint_v2(st->cconn->db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
		(void)sq_fail(st->cconn, rc, "idle checkpoint");
}

/* Wait (mu held) until a checkpoint is wanted, the store stops or
 * SQ_IDLE_US pass; returns 1 for the last. */
static int
ckpt_wait(struct store *st)
{
	int64_t t = __atomic_load_n(&sq_test_idle_us, __ATOMIC_RELAXED);
	int64_t us = t > 0 ? t : SQ_IDLE_US;
	struct timespec until = wj_deadline_us(us);

	while (!st->stop && !st->ckpt_wanted)
		if (pthread_cond_timedwait(&st->ckpt_cv, &st->mu, &until) ==
		    ETIMEDOUT)
			return !st->stop && !st->ckpt_wanted;
	return 0;
}

static void *
ckpt_main(void *arg)
{
	struct store *st = arg;
	uint64_t seen = 0;	/* st->batches at the last idle tick */
	int rc;

	(void)pthread_setname_np(pthread_self(), "wj-checkpoint");
	pthread_mutex_lock(&st->mu);
	for (;;) {
		if (ckpt_wait(st)) {
			if (st->batches == seen) {
				pthread_mutex_unlock(&st->mu);
				ckpt_idle(st);
				pthread_mutex_lock(&st->mu);
			}
			seen = st->batches;
			continue;
		}
		if (st->stop)
			break;
		st->ckpt_wanted = 0;
		pthread_mutex_unlock(&st->mu);
		/* Passive: copies what no reader needs, never blocks writes. */
		rc = sqlite3_wal_checkpoint_v2(st->cconn->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
			(void)sq_fail(st->cconn, rc, "checkpoint");
		pthread_mutex_lock(&st->mu);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/* Start the checkpointer; without it the writer checkpoints itself. */
static void
ckpt_start(struct store *st)
{
	sqlite3_wal_hook(st->wconn->db, wal_hook, st);
	if (conn_open(st, 1, &st->cconn) != 0)
		return;
	if (pthread_create(&st->ckpt, NULL, ckpt_main, st) != 0) {
		conn_close(st->cconn);
		st->cconn = NULL;
		return;
	}
	st->ckpt_running = 1;
}

/* ---- open and close ------------------------------------------------------ */

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
	return conn_exec(c, "CREATE TEMP TABLE IF NOT EXISTS chg ("
	    "rid INTEGER PRIMARY KEY, project_id TEXT NOT NULL, "
	    "job_id TEXT NOT NULL, job_type TEXT NOT NULL, "
	    "old_status INTEGER NOT NULL, new_status INTEGER NOT NULL)");
}

static int
store_new(const struct store_opts *o, struct store **out)
{
	struct store *st;

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
store_open(const struct store_opts *o, struct store **out)
{
	struct store *st = NULL;
	int r;

	*out = NULL;
	if (o == NULL || o->path == NULL || *o->path == '\0' ||
	    o->max_attempts < 0 || o->write_queue_max < 0)
		return WJ_ERR_INVALID;
	if ((r = create_file(o->path)) != 0 || (r = store_new(o, &st)) != 0)
		return r;
	if (pthread_key_create(&st->key, NULL) != 0) {
		r = WJ_ERR_INTERNAL;
		goto out;
	}
	st->key_ok = 1;
	if ((r = conn_open(st, 1, &st->wconn)) != 0 ||
	    (r = set_wal(st->wconn)) != 0 ||
	    (r = sq_migrate(st->wconn->db)) != 0 ||
	    (r = writer_prepare(st->wconn)) != 0)
		goto out;
	if (!st->readonly) {
		syncer_start(st);
		if (pthread_create(&st->writer, NULL, writer_main, st) != 0) {
			r = WJ_ERR_INTERNAL;
			goto out;
		}
		st->writer_running = 1;
		ckpt_start(st);
	}
	*out = st;
	st = NULL;
	r = 0;
 out:
	store_close(st);
	return r;
}

void
store_close(struct store *st)
{
	struct sq_conn *c, *next;

	if (st == NULL)
		return;
	if (st->writer_running) {
		pthread_mutex_lock(&st->mu);
		st->stop = 1;
		st->paused = 0;
		pthread_cond_signal(&st->work_cv);
		pthread_mutex_unlock(&st->mu);
		/* The writer drains the queue before it exits. */
		pthread_join(st->writer, NULL);
	}
	if (st->syncer_running) {
		pthread_mutex_lock(&st->mu);
		st->sync_stop = 1;
		st->sync_paused = 0;
		pthread_cond_signal(&st->sync_cv);
		pthread_mutex_unlock(&st->mu);
		/* The syncer answers what the writer left it, then exits. */
		pthread_join(st->syncer, NULL);
	}
	if (st->wal_fd != -1)
		(void)close(st->wal_fd);
	if (st->ckpt_running) {
		pthread_mutex_lock(&st->mu);
		st->stop = 1;
		pthread_cond_signal(&st->ckpt_cv);
		pthread_mutex_unlock(&st->mu);
		pthread_join(st->ckpt, NULL);
	}
	conn_close(st->cconn);
	if (st->key_ok)
		pthread_key_delete(st->key);
	for (c = st->conns; c != NULL; c = next) {
		next = c->next;
		conn_close(c);
	}
	conn_close(st->wconn);
	pthread_cond_destroy(&st->ckpt_cv);
	pthread_cond_destroy(&st->sync_cv);
	pthread_cond_destroy(&st->work_cv);
	pthread_mutex_destroy(&st->mu);
	free(st->wal_path);
	free(st->path);
	free(st);
}

int
store_ping(struct store *st)
{
	struct sq_conn *c;
	int r;

	if ((r = sq_reader(st, &c)) != 0)
		return r;
	return sq_run(c, NULL, "SELECT version FROM schema_version LIMIT 1",
	    "");
}

/* ---- test hooks ---------------------------------------------------------- */

void
sq_test_pause(struct store *st, int paused)
{
	pthread_mutex_lock(&st->mu);
	st->paused = paused;
	pthread_cond_signal(&st->work_cv);
	pthread_mutex_unlock(&st->mu);
}

size_t
sq_test_queued(struct store *st)
{
	size_t n;

	pthread_mutex_lock(&st->mu);
	n = st->qlen;
	pthread_mutex_unlock(&st->mu);
	return n;
}

uint64_t
sq_test_batches(struct store *st)
{
	uint64_t n;

	pthread_mutex_lock(&st->mu);
	n = st->batches;
	pthread_mutex_unlock(&st->mu);
	return n;
}

void
sq_test_pause_sync(struct store *st, int paused)
{
	pthread_mutex_lock(&st->mu);
	st->sync_paused = paused;
	pthread_cond_signal(&st->sync_cv);
	pthread_mutex_unlock(&st->mu);
}

uint64_t
sq_test_synced(struct store *st)
{
	uint64_t n;

	pthread_mutex_lock(&st->mu);
	n = st->synced;
	pthread_mutex_unlock(&st->mu);
	return n;
}

static int
busy_timeout_op(struct sq_conn *c, struct sq_op *op)
{
	int rc;

	rc = sqlite3_busy_timeout(c->db, *(const int *)op->arg);
	return rc == SQLITE_OK ? 0 : sq_fail(c, rc, "busy_timeout");
}

int
sq_test_busy_timeout(struct store *st, int ms)
{
	struct sq_op op;
	int r;

	sq_op_init(&op, busy_timeout_op, &ms, 0, NULL, NULL, NULL);
	r = sq_submit(st, &op);
	sq_op_clear(&op);
	return r;
}

/* ---- a growing array ------------------------------------------------------ */

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
