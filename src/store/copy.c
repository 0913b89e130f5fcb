/*
 * copy.c - store_copy: every row of one database into a new database of
 * either engine (wksjobs admin migrate), table by table in the order the
 * foreign keys need, over plain connections of both engines (sqlite3,
 * libpq).  The columns come from the databases themselves (the
 * destination's, which must all exist in the source), so a column added
 * by a later migration of both engines needs nothing here.  Counts the
 * writes keep (sub_job_counts) are rebuilt from the copied rows.  The
 * source is read in one snapshot, the destination written in one
 * transaction that commits only once every table's row count matches.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store.h"
#include "../util/buf.h"
#include "../util/util.h"

#define COPY_COLS_MAX	64
#define COPY_NAME_MAX	63
#define COPY_FLUSH	(1024 * 1024)	/* COPY data sent per message */

/* Tables in the order their references need; any other table follows. */
static const char *const order[] = {
	"domains", "users", "projects", "access_keys", "groups",
	"group_members", "policies", "policy_attachments", "jobs", "sub_jobs",
	"client_tokens", "audit_events",
};
/* Kept by the store itself (schema_version; sub_job_blocks, by SQLite's
 * triggers as the sub-jobs are copied, and sub_job_blocks_deferred, empty
 * outside a delete) or rebuilt (counts). */
static const char *const skipped[] = {
	"schema_version", "sub_job_counts", "sub_job_blocks",
	"sub_job_blocks_deferred", "sqlite_sequence", "sqlite_stat1",
	"sqlite_stat4",
};

/* One database, through its plain connection. */
struct side {
	int	 pg;
	sqlite3	*db;
	PGconn	*pc;
};

/* A column: 'i' integer, 'b' bytes, 't' text (everything else). */
struct col {
	char	name[COPY_NAME_MAX + 1];
	char	type;
};

struct table {
	char	   name[COPY_NAME_MAX + 1];
	struct col c[COPY_COLS_MAX];
	int	   n;
};

/* One value of a row being copied; p is NULL for SQL NULL. */
struct val {
	const char *p;
	size_t	    len;
};

static int
side_fail(const struct side *s, const char *what)
{
	log_error("store copy: %s: %s", what, s->pg ?
	    PQerrorMessage(s->pc) : sqlite3_errmsg(s->db));
	return WJ_ERR_IO;
}

static int
side_open(const struct store_opts *o, int writer, struct side *s)
{
	memset(s, 0, sizeof(*s));
	if (store_is_pg_url(o->database)) {
		s->pg = 1;
		s->pc = PQconnectdb(o->database);
		if (s->pc == NULL || PQstatus(s->pc) != CONNECTION_OK)
			return side_fail(s, "connect");
		return 0;
	}
	if (sqlite3_open_v2(o->path, &s->db, writer ? SQLITE_OPEN_READWRITE :
	    SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return side_fail(s, o->path);
	(void)sqlite3_busy_timeout(s->db, 5000);
	return 0;
}

static void
side_close(struct side *s)
{
	if (s->pc != NULL)
		PQfinish(s->pc);
	if (s->db != NULL)
		(void)sqlite3_close(s->db);
	memset(s, 0, sizeof(*s));
}

static int
side_exec(struct side *s, const char *sql)
{
	PGresult *res;
	int ok;

	if (!s->pg)
		return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ?
		    0 : side_fail(s, sql);
	res = PQexec(s->pc, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;
	PQclear(res);
	return ok ? 0 : side_fail(s, sql);
}

/* The first column of the rows of sql (no parameters) as a list of
 * names, each copied into names[i] (at most max); *n of them. */
static int
side_names(struct side *s, const char *sql, char (*names)[COPY_NAME_MAX + 1],
    char *types, int max, int *n)
{
	sqlite3_stmt *st = NULL;
	PGresult *res = NULL;
	int i, rows, rc;

	*n = 0;
	if (s->pg) {
		res = PQexec(s->pc, sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			PQclear(res);
			return side_fail(s, sql);
		}
		rows = PQntuples(res);
		for (i = 0; i < rows && i < max; i++) {
			(void)snprintf(names[i], COPY_NAME_MAX + 1, "%s",
			    PQgetvalue(res, i, 0));
			if (types != NULL)
				types[i] = PQgetvalue(res, i, 1)[0];
		}
		PQclear(res);
		*n = i;
		return rows > max ? WJ_ERR_INTERNAL : 0;
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return side_fail(s, sql);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		(void)snprintf(names[*n], COPY_NAME_MAX + 1, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		if (types != NULL)
			types[*n] = (char)sqlite3_column_text(st, 1)[0];
		(*n)++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : rc == SQLITE_ROW ? WJ_ERR_INTERNAL :
	    side_fail(s, sql);
}

/* The columns of table t->name, with their kinds. */
static int
side_columns(struct side *s, struct table *t)
{
	char names[COPY_COLS_MAX][COPY_NAME_MAX + 1], types[COPY_COLS_MAX];
	char sql[512];
	int i, r;

	if (s->pg)
		(void)snprintf(sql, sizeof(sql), "SELECT attname, CASE "
		    "WHEN atttypid IN (20, 21, 23) THEN 'i' WHEN atttypid = 17 "
		    "THEN 'b' ELSE 't' END FROM pg_attribute WHERE attrelid = "
		    "'%s'::regclass AND attnum > 0 AND NOT attisdropped "
		    "ORDER BY attnum", t->name);
	else
		(void)snprintf(sql, sizeof(sql), "SELECT name, CASE WHEN "
		    "upper(type) LIKE 'INT%%' THEN 'i' WHEN upper(type) = "
		    "'BLOB' THEN 'b' ELSE 't' END FROM pragma_table_info('%s')",
		    t->name);
	if ((r = side_names(s, sql, names, types, COPY_COLS_MAX, &t->n)) != 0)
		return r;
	for (i = 0; i < t->n; i++) {
		memcpy(t->c[i].name, names[i], sizeof(t->c[i].name));
		t->c[i].type = types[i];
	}
	return 0;
}

static int
side_tables(struct side *s, char (*names)[COPY_NAME_MAX + 1], int max,
    int *n)
{
	return side_names(s, s->pg ? "SELECT tablename FROM pg_tables WHERE "
	    "schemaname = current_schema() ORDER BY tablename" :
	    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY "
	    "name", names, NULL, max, n);
}

static int
side_count(struct side *s, const char *table, int64_t *n)
{
	char sql[128], names[1][COPY_NAME_MAX + 1];
	int r, got;

	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if ((r = side_names(s, sql, names, NULL, 1, &got)) != 0)
		return r;
	*n = got == 1 ? strtoll(names[0], NULL, 10) : -1;
	return 0;
}

/* ---- writing a row ------------------------------------------------------ */

/* The destination's statement or COPY of one table. */
struct sink {
	struct side	*s;
	const struct table *t;
	sqlite3_stmt	*st;
	struct buf	 b;		/* PostgreSQL: COPY text not yet sent */
	int64_t		 rows;
};

static void
hexbytes(struct buf *b, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		(void)buf_putc(b, hex[p[i] >> 4]);
		(void)buf_putc(b, hex[p[i] & 15]);
	}
}

/* v in COPY's text format. */
static void
copy_value(struct buf *b, const struct val *v, char type)
{
	size_t i;

	if (v->p == NULL) {
		(void)buf_puts(b, "\\N");
		return;
	}
	if (type == 'b') {
		(void)buf_puts(b, "\\\\x");
		hexbytes(b, (const unsigned char *)v->p, v->len);
		return;
	}
	for (i = 0; i < v->len; i++)
		switch (v->p[i]) {
		case '\\': (void)buf_puts(b, "\\\\"); break;
		case '\t': (void)buf_puts(b, "\\t"); break;
		case '\n': (void)buf_puts(b, "\\n"); break;
		case '\r': (void)buf_puts(b, "\\r"); break;
		default: (void)buf_putc(b, v->p[i]);
		}
}

static int
sink_flush(struct sink *k)
{
	if (k->b.len == 0)
		return 0;
	if (PQputCopyData(k->s->pc, k->b.data, (int)k->b.len) != 1)
		return side_fail(k->s, "COPY");
	k->b.len = 0;
	return 0;
}

static int
sink_bind(struct sink *k, int i, const struct val *v)
{
	char num[32];

	if (v->p == NULL)
		return sqlite3_bind_null(k->st, i + 1);
	if (k->t->c[i].type == 'b')
		return sqlite3_bind_blob(k->st, i + 1, v->p, (int)v->len,
		    SQLITE_TRANSIENT);
	if (k->t->c[i].type == 'i' && v->len < sizeof(num)) {
		memcpy(num, v->p, v->len);
		num[v->len] = '\0';
		return sqlite3_bind_int64(k->st, i + 1, strtoll(num, NULL, 10));
	}
	return sqlite3_bind_text(k->st, i + 1, v->p, (int)v->len,
	    SQLITE_TRANSIENT);
}

static int
sink_row(struct sink *k, const struct val *v)
{
	int i, rc = SQLITE_OK;

	k->rows++;
	if (k->s->pg) {
		for (i = 0; i < k->t->n; i++) {
			if (i > 0)
				(void)buf_putc(&k->b, '\t');
			copy_value(&k->b, &v[i], k->t->c[i].type);
		}
		if (buf_putc(&k->b, '\n') != 0)
			return WJ_ERR_NOMEM;
		return k->b.len >= COPY_FLUSH ? sink_flush(k) : 0;
	}
	for (i = 0; i < k->t->n && rc == SQLITE_OK; i++)
		rc = sink_bind(k, i, &v[i]);
	if (rc == SQLITE_OK && sqlite3_step(k->st) != SQLITE_DONE)
		rc = SQLITE_ERROR;
	sqlite3_reset(k->st);
	return rc == SQLITE_OK ? 0 : side_fail(k->s, k->t->name);
}

/* "c1, c2, ..." of t into b. */
static void
col_list(struct buf *b, const struct table *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		(void)buf_printf(b, "%s%s", i > 0 ? ", " : "", t->c[i].name);
}

static int
sink_open(struct sink *k, struct side *s, const struct table *t)
{
	struct buf sql;
	PGresult *res;
	int i, r = 0;

	memset(k, 0, sizeof(*k));
	k->s = s;
	k->t = t;
	buf_init(&k->b);
	buf_init(&sql);
	(void)buf_printf(&sql, "%s %s (", s->pg ? "COPY" : "INSERT INTO",
	    t->name);
	col_list(&sql, t);
	if (s->pg)
		(void)buf_puts(&sql, ") FROM STDIN");
	else {
		(void)buf_puts(&sql, ") VALUES (");
		for (i = 0; i < t->n; i++)
			(void)buf_puts(&sql, i > 0 ? ", ?" : "?");
		(void)buf_putc(&sql, ')');
	}
	if (buf_putc(&sql, '\0') != 0)
		r = WJ_ERR_NOMEM;
	else if (s->pg) {
		res = PQexec(s->pc, sql.data);
		if (PQresultStatus(res) != PGRES_COPY_IN)
			r = side_fail(s, sql.data);
		PQclear(res);
	} else if (sqlite3_prepare_v2(s->db, sql.data, -1, &k->st, NULL) !=
	    SQLITE_OK)
		r = side_fail(s, sql.data);
	buf_free(&sql);
	return r;
}

/* Finish the table (r: how the rows went; the COPY ends either way). */
static int
sink_close(struct sink *k, int r)
{
	PGresult *res;

	if (k->s->pg) {
		if (r == 0)
			r = sink_flush(k);
		if (PQputCopyEnd(k->s->pc, r == 0 ? NULL : "copy failed") != 1 &&
		    r == 0)
			r = side_fail(k->s, "COPY end");
		while ((res = PQgetResult(k->s->pc)) != NULL) {
			if (PQresultStatus(res) != PGRES_COMMAND_OK && r == 0)
				r = side_fail(k->s, k->t->name);
			PQclear(res);
		}
	}
	sqlite3_finalize(k->st);
	buf_free(&k->b);
	return r;
}

/* ---- reading rows ------------------------------------------------------- */

static int
select_sql(struct buf *b, const struct table *t)
{
	buf_init(b);
	(void)buf_puts(b, "SELECT ");
	col_list(b, t);
	(void)buf_printf(b, " FROM %s", t->name);
	return buf_putc(b, '\0') == 0 ? 0 : WJ_ERR_NOMEM;
}

static int
rows_sqlite(struct side *s, const struct table *t, struct sink *k)
{
	struct val v[COPY_COLS_MAX];
	sqlite3_stmt *st = NULL;
	struct buf sql;
	int i, rc, r;

	if ((r = select_sql(&sql, t)) != 0 ||
	    sqlite3_prepare_v2(s->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
		buf_free(&sql);
		return r != 0 ? r : side_fail(s, t->name);
	}
	buf_free(&sql);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < t->n; i++) {
			if (sqlite3_column_type(st, i) == SQLITE_NULL) {
				v[i].p = NULL;
				continue;
			}
			v[i].p = sqlite3_column_type(st, i) == SQLITE_BLOB ?
			    sqlite3_column_blob(st, i) :
			    (const char *)sqlite3_column_text(st, i);
			v[i].len = (size_t)sqlite3_column_bytes(st, i);
			if (v[i].p == NULL)
				v[i].p = "";
		}
		r = sink_row(k, v);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = side_fail(s, t->name);
	sqlite3_finalize(st);
	return r;
}

/* One row of a PostgreSQL result into v (bytea decoded into freed[]). */
static int
pg_vals(PGresult *res, const struct table *t, struct val *v,
    unsigned char **freed)
{
	int i;

	for (i = 0; i < t->n; i++) {
		freed[i] = NULL;
		if (PQgetisnull(res, 0, i)) {
			v[i].p = NULL;
			continue;
		}
		v[i].p = PQgetvalue(res, 0, i);
		v[i].len = (size_t)PQgetlength(res, 0, i);
		if (t->c[i].type != 'b')
			continue;
		freed[i] = PQunescapeBytea((const unsigned char *)v[i].p,
		    &v[i].len);
		if (freed[i] == NULL)
			return WJ_ERR_NOMEM;
		v[i].p = (const char *)freed[i];
	}
	return 0;
}

static int
rows_pg(struct side *s, const struct table *t, struct sink *k)
{
	unsigned char *freed[COPY_COLS_MAX];
	struct val v[COPY_COLS_MAX];
	struct buf sql;
	PGresult *res;
	int i, r;

	if ((r = select_sql(&sql, t)) != 0)
		return r;
	if (!PQsendQuery(s->pc, sql.data) || !PQsetSingleRowMode(s->pc))
		r = side_fail(s, t->name);
	buf_free(&sql);
	while ((res = PQgetResult(s->pc)) != NULL) {
		if (r == 0 && PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
			r = pg_vals(res, t, v, freed);
			if (r == 0)
				r = sink_row(k, v);
			for (i = 0; i < t->n; i++)
				PQfreemem(freed[i]);
		} else if (r == 0 && PQresultStatus(res) != PGRES_TUPLES_OK)
			r = side_fail(s, t->name);
		PQclear(res);
	}
	return r;
}

/* ---- the copy ---------------------------------------------------------- */

static int
listed(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

/* The destination's columns of table, every one of them in the source. */
static int
plan_table(struct side *from, struct side *to, const char *name,
    struct table *t)
{
	struct table src;
	int i, j;

	memset(t, 0, sizeof(*t));
	memset(&src, 0, sizeof(src));
	(void)snprintf(t->name, sizeof(t->name), "%s", name);
	memcpy(src.name, t->name, sizeof(src.name));
	if (side_columns(to, t) != 0 || side_columns(from, &src) != 0)
		return WJ_ERR_IO;
	for (i = 0; i < src.n; i++) {
		for (j = 0; j < t->n; j++)
			if (strcmp(src.c[i].name, t->c[j].name) == 0)
				break;
		if (j == t->n) {
			log_error("store copy: %s.%s has no place in the "
			    "destination (is its schema older?)", name,
			    src.c[i].name);
			return WJ_ERR_INVALID;
		}
	}
	/* The destination's columns the source lacks keep their default. */
	for (i = j = 0; i < t->n; i++) {
		int k, have = 0;

		for (k = 0; k < src.n && !have; k++)
			have = strcmp(src.c[k].name, t->c[i].name) == 0;
		if (have)
			t->c[j++] = t->c[i];
	}
	t->n = j;
	return 0;
}

static int
copy_table(struct side *from, struct side *to, const char *name,
    struct store_copy_report *rep)
{
	struct store_copy_table *row;
	struct table t;
	struct sink k;
	int64_t n_from, n_to;
	int r;

	if (rep->n >= STORE_COPY_TABLES_MAX)
		return WJ_ERR_INTERNAL;
	if ((r = plan_table(from, to, name, &t)) != 0 ||
	    (r = sink_open(&k, to, &t)) != 0)
		return r;
	r = from->pg ? rows_pg(from, &t, &k) : rows_sqlite(from, &t, &k);
	r = sink_close(&k, r);
	if (r == 0 && ((r = side_count(from, name, &n_from)) != 0 ||
	    (r = side_count(to, name, &n_to)) != 0))
		return r;
	if (r == 0 && (n_from != k.rows || n_to != k.rows)) {
		log_error("store copy: %s: %" PRId64 " rows read, %" PRId64
		    " in the source, %" PRId64 " in the destination", name,
		    k.rows, n_from, n_to);
		r = WJ_ERR_INTERNAL;
	}
	if (r != 0)
		return r;
	row = &rep->t[rep->n++];
	(void)snprintf(row->name, sizeof(row->name), "%s", name);
	row->rows = k.rows;
	return 0;
}

/* The counts of sub_job_counts from the copied sub-jobs (on PostgreSQL
 * all in stripe 0: the stripes only spread later changes, totals are
 * their sums), and identity sequences past the copied ids. */
static int
rebuild(struct side *to)
{
	int r;

	if ((r = side_exec(to, "DELETE FROM sub_job_counts")) != 0)
		return r;
	if (!to->pg)
		return side_exec(to, "INSERT INTO sub_job_counts (project_id, "
		    "job_type, status, n) SELECT project_id, job_type, status, "
		    "count(*) FROM sub_jobs GROUP BY project_id, job_type, "
		    "status");
	if ((r = side_exec(to, "INSERT INTO sub_job_counts (project_id, "
	    "job_type, status, stripe, n) SELECT project_id, job_type, status, "
	    "0, count(*) FROM sub_jobs GROUP BY project_id, job_type, "
	    "status")) != 0)
		return r;
	return side_exec(to, "SELECT setval(pg_get_serial_sequence("
	    "'audit_events', 'id'), max(id)) FROM audit_events HAVING "
	    "max(id) IS NOT NULL");
}

/* Every table of the source, in the order references need. */
static int
copy_all(struct side *from, struct side *to, struct store_copy_report *rep)
{
	char names[STORE_COPY_TABLES_MAX][COPY_NAME_MAX + 1];
	int64_t accounts;
	size_t i;
	int r, n, j;

	if ((r = side_count(to, "domains", &accounts)) != 0)
		return r;
	if (accounts != 0) {
		log_error("store copy: the destination holds an account "
		    "already: give an empty database");
		return WJ_ERR_EXISTS;
	}
	if ((r = side_tables(from, names, STORE_COPY_TABLES_MAX, &n)) != 0)
		return r;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if ((r = copy_table(from, to, order[i], rep)) != 0)
			return r;
	for (j = 0; j < n; j++) {
		if (listed(names[j], order, sizeof(order) / sizeof(order[0])) ||
		    listed(names[j], skipped,
		    sizeof(skipped) / sizeof(skipped[0])))
			continue;
		if ((r = copy_table(from, to, names[j], rep)) != 0)
			return r;
	}
	return rebuild(to);
}

int
store_copy(const struct store_opts *from, const struct store_opts *to,
    struct store_copy_report *rep)
{
	struct store *st = NULL;
	struct side a = { 0 }, b = { 0 };
	int r;

	memset(rep, 0, sizeof(*rep));
	/* Both at this program's schema: opening runs the migrations. */
	if ((r = store_open(from, &st)) != 0)
		return r;
	store_close(st);
	if ((r = store_open(to, &st)) != 0)
		return r;
	store_close(st);
	if ((r = side_open(from, 0, &a)) != 0 ||
	    (r = side_open(to, 1, &b)) != 0)
		goto out;
	if ((r = side_exec(&a, a.pg ? "BEGIN ISOLATION LEVEL REPEATABLE READ "
	    "READ ONLY" : "BEGIN")) != 0 ||
	    (r = side_exec(&b, b.pg ? "BEGIN" : "BEGIN IMMEDIATE")) != 0)
		goto out;
	r = copy_all(&a, &b, rep);
	(void)side_exec(&a, "ROLLBACK");
	if (r == 0)
		r = side_exec(&b, "COMMIT");
	else
		(void)side_exec(&b, "ROLLBACK");
 out:
	side_close(&a);
	side_close(&b);
	return r;
}
