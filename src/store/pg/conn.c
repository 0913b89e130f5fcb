/*
 * conn.c - the PostgreSQL engine's connections: opening one (session
 * settings), running statements on it within the deadline (prepared once
 * per connection, cached by SQL text; parameters in text form, bytea in
 * binary), error mapping by SQLSTATE, row accessors, and the read helpers
 * the entity files share (pg_rows, growing arrays, name checks).  The
 * pool, snapshots and store_open live in pool.c, the executor in
 * writer.c, the schema in migrate.c.
 *
 * Decisions:
 * - A statement is sent asynchronously and its answer awaited with
 *   poll() for at most the deadline plus a grace second, per statement
 *   (the server's statement_timeout, the deadline itself, normally fires
 *   first): a server that stops answering costs a statement at most that,
 *   then the connection is cancelled, marked bad and the store is down.
 * - A full statement cache runs further statements unprepared rather than
 *   evicting (a DEALLOCATE would cost a round trip).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"
#include "../../util/hash.h"

#define GRACE_US	1000000		/* past the deadline, client side */

/* ---- errors ------------------------------------------------------------ */

/* WJ_ERR_* for a SQLSTATE; *lost when the session is gone. */
static int
map_state(const char *s, int *lost)
{
	*lost = 0;
	if (strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 ||
	    strcmp(s, "57P02") == 0 || strcmp(s, "57P03") == 0) {
		*lost = 1;
		return WJ_ERR_UNAVAILABLE;
	}
	if (strcmp(s, "23505") == 0)
		return WJ_ERR_EXISTS;
	if (strcmp(s, "23503") == 0)
		return WJ_ERR_NOT_FOUND;
	if (strncmp(s, "23", 2) == 0)
		return WJ_ERR_INVALID;
	if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 ||
	    strcmp(s, "57014") == 0 || strncmp(s, "53", 2) == 0 ||
	    strcmp(s, "55P03") == 0 || strcmp(s, "25P03") == 0)
		return WJ_ERR_UNAVAILABLE;
	if (strcmp(s, "54000") == 0 || strcmp(s, "22001") == 0)
		return WJ_ERR_TOO_LARGE;
	return WJ_ERR_INTERNAL;
}

int
pg_fail(struct pg_conn *c, const PGresult *res, const char *what)
{
	const char *s = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res != NULL ? PQresultErrorMessage(res) :
	    PQerrorMessage(c->db);
	int r, lost;

	if (s == NULL || strlen(s) != 5)
		s = PQstatus(c->db) == CONNECTION_OK ? "XX000" : "08006";
	memcpy(c->sqlstate, s, 6);
	r = map_state(s, &lost);
	if (lost || PQstatus(c->db) != CONNECTION_OK) {
		c->bad = 1;
		r = WJ_ERR_UNAVAILABLE;
	}
	/* Constraint failures are answers (exists, not found), and reruns
	 * follow a deadlock or a batch's lock wait: not faults.  The message
	 * first, then the start of the statement. */
	if (strncmp(s, "23", 2) == 0 || strncmp(s, "40", 2) == 0 ||
	    strcmp(s, "55P03") == 0)
		log_debug("store: %s [%s] in: %.160s", msg, s, what);
	else
		log_error("store: %s [%s] in: %.160s", msg, s, what);
	return r;
}

const char *
pg_sqlstate(const struct pg_conn *c)
{
	return c->sqlstate;
}

int
pg_retryable(const struct pg_conn *c)
{
	return c->bad || strcmp(c->sqlstate, "40001") == 0 ||
	    strcmp(c->sqlstate, "40P01") == 0 ||
	    strcmp(c->sqlstate, "55P03") == 0;
}

int
pg_copy(char *dst, size_t size, const char *src)
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

/* ---- waiting for an answer within the deadline -------------------------- */

/* The server is not answering in time: cancel, give up the session. */
static void
give_up(struct pg_conn *c)
{
	PGcancel *k;
	char err[128];

	if ((k = PQgetCancel(c->db)) != NULL) {
		(void)PQcancel(k, err, sizeof(err));
		PQfreeCancel(k);
	}
	c->bad = 1;
	memcpy(c->sqlstate, "08006", 6);
	log_error("store: the database did not answer within the deadline");
}

/* Wait until the answer is all in (0) or the deadline passed. */
static int
wait_ready(struct pg_conn *c)
{
	struct pollfd p;
	int64_t left;
	int n, f;

	while ((f = PQflush(c->db)) == 1 || PQisBusy(c->db)) {
		left = c->deadline_us + GRACE_US - wj_mono_us();
		if (left <= 0) {
			give_up(c);
			return WJ_ERR_UNAVAILABLE;
		}
		p.fd = PQsocket(c->db);
		p.events = f == 1 ? POLLIN | POLLOUT : POLLIN;
		p.revents = 0;
		n = poll(&p, 1, (int)((left + 999) / 1000));
		if (n < 0 && errno != EINTR)
			return pg_fail(c, NULL, "poll");
		if (n > 0 && (p.revents & (POLLIN | POLLERR | POLLHUP)) &&
		    !PQconsumeInput(c->db))
			return pg_fail(c, NULL, "receive");
	}
	if (f == -1)
		return pg_fail(c, NULL, "send");
	return 0;
}

/*
 * After a send: the results of what was sent.  *out is the first failed
 * result, else the last one (the caller clears it); NULL and the error
 * when the answer did not come.
 */
static int
collect(struct pg_conn *c, int sent, const char *what, PGresult **out)
{
	PGresult *res, *keep = NULL;
	int r, st;

	*out = NULL;
	c->sqlstate[0] = '\0';
	if (!sent)
		return pg_fail(c, NULL, what);
	if (c->deadline_us != PG_NO_DEADLINE)
		c->deadline_us = wj_mono_us() +
		    (int64_t)c->store->timeout_ms * 1000;
	for (;;) {
		if ((r = wait_ready(c)) != 0) {
			PQclear(keep);
			return r;
		}
		if ((res = PQgetResult(c->db)) == NULL)
			break;
		st = PQresultStatus(keep);
		if (keep != NULL && st != PGRES_COMMAND_OK &&
		    st != PGRES_TUPLES_OK) {
			PQclear(res);	/* keep the first failure */
			continue;
		}
		PQclear(keep);
		keep = res;
	}
	if (keep == NULL)
		return pg_fail(c, NULL, what);
	st = PQresultStatus(keep);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		r = pg_fail(c, keep, what);
		PQclear(keep);
		return r;
	}
	*out = keep;
	return 0;
}

int
pg_exec(struct pg_conn *c, const char *sql)
{
	PGresult *res;
	int r;

	if (c->bad)
		return WJ_ERR_UNAVAILABLE;
	r = collect(c, PQsendQuery(c->db, sql), sql, &res);
	PQclear(res);
	return r;
}

void
pg_rollback(struct pg_conn *c)
{
	if (c->bad || PQtransactionStatus(c->db) == PQTRANS_IDLE)
		return;
	if (pg_exec(c, "ROLLBACK") != 0)
		c->bad = 1;
}

/* ---- parameters -------------------------------------------------------- */

struct params {
	int		  n;
	const char	**val;		/* built by params_make */
	const char *const *vals;	/* what is sent: val, or given */
	int		 *len;
	int		 *fmt;
	struct buf	  text;		/* numbers and arrays, NUL separated */
	size_t		 *off;		/* into text, for the 'i' 'I' 'a' ones */
};

static void
params_free(struct params *p)
{
	free(p->val);
	free(p->len);
	free(p->fmt);
	free(p->off);
	buf_free(&p->text);
}

/* A text[] literal of v[0..n): {"a","b\"c"}. */
static void
put_array(struct buf *b, const char *const *v, size_t n)
{
	const char *s;
	size_t i;

	buf_putc(b, '{');
	for (i = 0; i < n; i++) {
		buf_puts(b, i ? ",\"" : "\"");
		for (s = v[i] != NULL ? v[i] : ""; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				buf_putc(b, '\\');
			buf_putc(b, *s);
		}
		buf_putc(b, '"');
	}
	buf_putc(b, '}');
}

#define NO_OFF ((size_t)-1)

/* One parameter k of kind f from ap. */
static int
param_one(struct params *p, int k, char f, va_list *ap)
{
	const char *const *arr;
	size_t n;

	p->off[k] = NO_OFF;
	p->fmt[k] = 0;
	p->len[k] = 0;
	switch (f) {
	case 't':
		p->val[k] = va_arg(*ap, const char *);
		return 0;
	case 'b':
		p->val[k] = va_arg(*ap, const char *);
		n = va_arg(*ap, size_t);
		if (n > INT32_MAX)
			return WJ_ERR_TOO_LARGE;
		p->len[k] = (int)n;
		p->fmt[k] = 1;
		if (p->val[k] == NULL)
			p->val[k] = "";
		return 0;
	}
	p->off[k] = p->text.len;
	if (f == 'i')
		buf_printf(&p->text, "%d", va_arg(*ap, int));
	else if (f == 'I')
		buf_printf(&p->text, "%" PRId64, va_arg(*ap, int64_t));
	else if (f == 'a') {
		arr = va_arg(*ap, const char *const *);
		n = va_arg(*ap, size_t);
		put_array(&p->text, arr, n);
	} else {
		log_error("store: bad parameter format '%c'", f);
		return WJ_ERR_INTERNAL;
	}
	buf_putc(&p->text, '\0');
	return 0;
}

static int
params_make(struct params *p, const char *fmt, va_list ap)
{
	va_list aq;
	int k, r = 0;

	memset(p, 0, sizeof(*p));
	buf_init(&p->text);
	p->n = (int)strlen(fmt);
	if (p->n == 0)
		return 0;
	p->val = calloc((size_t)p->n, sizeof(*p->val));
	p->len = calloc((size_t)p->n, sizeof(*p->len));
	p->fmt = calloc((size_t)p->n, sizeof(*p->fmt));
	p->off = calloc((size_t)p->n, sizeof(*p->off));
	if (p->val == NULL || p->len == NULL || p->fmt == NULL ||
	    p->off == NULL)
		return WJ_ERR_NOMEM;
	va_copy(aq, ap);
	for (k = 0; k < p->n && r == 0; k++)
		r = param_one(p, k, fmt[k], &aq);
	va_end(aq);
	if (r == 0 && p->text.failed)
		r = WJ_ERR_NOMEM;
	/* The buffer no longer moves: point into it. */
	for (k = 0; k < p->n && r == 0; k++)
		if (p->off[k] != NO_OFF)
			p->val[k] = p->text.data + p->off[k];
	p->vals = p->val;
	return r;
}

/* ---- statements -------------------------------------------------------- */

/* The prepared name for sql on c, preparing it on first use; NULL when
 * the cache is full (run it unprepared). */
static int
prepared(struct pg_conn *c, const char *sql, const char **name)
{
	uint64_t h = wj_hash_str(sql);
	struct pg_slot *s;
	PGresult *res;
	size_t i;
	int r;

	*name = NULL;
	for (i = 0; i < c->nslot; i++)
		if (c->slot[i].hash == h && strcmp(c->slot[i].sql, sql) == 0) {
			*name = c->slot[i].name;
			return 0;
		}
	if (c->nslot == PG_STMT_CACHE)
		return 0;
	s = &c->slot[c->nslot];
	(void)snprintf(s->name, sizeof(s->name), "wj%u", c->next_name++);
	if ((r = collect(c, PQsendPrepare(c->db, s->name, sql, 0, NULL), sql,
	    &res)) != 0)
		return r;
	PQclear(res);
	if ((s->sql = strdup(sql)) == NULL)
		return WJ_ERR_NOMEM;	/* a leaked server name: harmless */
	s->hash = h;
	c->nslot++;
	*name = s->name;
	return 0;
}

/* Prepare (cached) and run sql with the parameters p on c. */
static int
run(struct pg_conn *c, PGresult **res, const char *sql,
    const struct params *p)
{
	const char *name;
	int r, sent;

	if ((r = prepared(c, sql, &name)) != 0)
		return r;
	if (name != NULL)
		sent = PQsendQueryPrepared(c->db, name, p->n, p->vals, p->len,
		    p->fmt, 0);
	else
		sent = PQsendQueryParams(c->db, sql, p->n, NULL, p->vals,
		    p->len, p->fmt, 0);
	return collect(c, sent, sql, res);
}

int
pg_vquery(struct pg_conn *c, PGresult **res, const char *sql,
    const char *fmt, va_list ap)
{
	struct params p;
	int r;

	*res = NULL;
	if (c->bad)
		return WJ_ERR_UNAVAILABLE;
	if ((r = params_make(&p, fmt, ap)) == 0)
		r = run(c, res, sql, &p);
	params_free(&p);
	return r;
}

int
pg_query(struct pg_conn *c, PGresult **res, const char *sql,
    const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = pg_vquery(c, res, sql, fmt, ap);
	va_end(ap);
	return r;
}

int
pg_do(struct pg_conn *c, int64_t *changes, int must_change, const char *sql,
    const char *fmt, ...)
{
	PGresult *res;
	va_list ap;
	int64_t n = 0;
	int r;

	if (changes != NULL)
		*changes = 0;
	va_start(ap, fmt);
	r = pg_vquery(c, &res, sql, fmt, ap);
	va_end(ap);
	if (r != 0)
		return r;
	n = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	if (changes != NULL)
		*changes = n;
	return must_change && n == 0 ? WJ_ERR_NOT_FOUND : 0;
}

int
pg_exists(struct pg_conn *c, int *yes, const char *sql, const char *fmt, ...)
{
	PGresult *res;
	va_list ap;
	int r;

	*yes = 0;
	va_start(ap, fmt);
	r = pg_vquery(c, &res, sql, fmt, ap);
	va_end(ap);
	if (r != 0)
		return r;
	*yes = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

int
pg_found(struct pg_conn *c, const char *sql, const char *id)
{
	int r, found;

	if ((r = pg_exists(c, &found, sql, "t", id)) != 0)
		return r;
	return found ? 0 : WJ_ERR_NOT_FOUND;
}

/* ---- rows -------------------------------------------------------------- */

const char *
pg_text(const struct pg_row *w, int col)
{
	if (PQgetisnull(w->res, w->i, col))
		return NULL;
	return PQgetvalue(w->res, w->i, col);
}

int
pg_isnull(const struct pg_row *w, int col)
{
	return PQgetisnull(w->res, w->i, col);
}

int64_t
pg_bigint(const struct pg_row *w, int col)
{
	const char *s = pg_text(w, col);

	if (s == NULL)
		return 0;
	if (s[0] == 't' && s[1] == '\0')
		return 1;
	return strtoll(s, NULL, 10);
}

int
pg_int(const struct pg_row *w, int col)
{
	return (int)pg_bigint(w, col);
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* bytea in text form is \x and hex digits (bytea_output = hex, set on
 * every connection). */
int
pg_bytea(const struct pg_row *w, int col, uint8_t *dst, size_t cap,
    size_t *n)
{
	const char *s = pg_text(w, col);
	size_t len, i;
	int hi, lo;

	*n = 0;
	if (s == NULL)
		return 0;
	if (s[0] != '\\' || s[1] != 'x' || (len = strlen(s + 2)) % 2 != 0 ||
	    len / 2 > cap)
		return WJ_ERR_INTERNAL;
	for (i = 0; i < len / 2; i++) {
		if ((hi = hexval(s[2 + 2 * i])) < 0 ||
		    (lo = hexval(s[3 + 2 * i])) < 0)
			return WJ_ERR_INTERNAL;
		dst[i] = (uint8_t)(hi << 4 | lo);
	}
	*n = len / 2;
	return 0;
}

int
pg_cols(const struct pg_row *w, int col, ...)
{
	va_list ap;
	char *dst;
	size_t size;
	int r = 0;

	va_start(ap, col);
	while (r == 0 && (dst = va_arg(ap, char *)) != NULL) {
		size = va_arg(ap, size_t);
		r = pg_copy(dst, size, pg_text(w, col++));
	}
	va_end(ap);
	return r;
}

int
pg_each(const PGresult *res, int want_row, pg_row_fn fn, void *arg)
{
	struct pg_row w = { res, 0 };
	int r = 0, n = PQntuples(res);

	for (w.i = 0; w.i < n && r == 0; w.i++)
		r = fn(&w, arg);
	if (r == 0 && want_row && n == 0)
		r = WJ_ERR_NOT_FOUND;
	return r;
}

/* ---- connections ------------------------------------------------------- */

void
pg_conn_close(struct pg_conn *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nslot; i++)
		free(c->slot[i].sql);
	free(c->slot);
	if (c->db != NULL)
		PQfinish(c->db);
	free(c);
}

/* Server notices ("already exists, skipping") are no news. */
static void
notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("store: PostgreSQL: %s", msg);
}

/* The session: the deadline, idle transactions bounded, durable commits,
 * bytea in hex. */
static int
conn_setup(struct pg_conn *c, int writer)
{
	char sql[256];
	int r;

	(void)snprintf(sql, sizeof(sql), "SET statement_timeout = %d; "
	    "SET idle_in_transaction_session_timeout = %d; "
	    "SET synchronous_commit = on; SET bytea_output = hex; "
	    "SET client_encoding = 'UTF8'", c->store->timeout_ms,
	    PG_IDLE_TX_MS);
	if ((r = pg_exec(c, sql)) != 0)
		return r;
	return writer ? pg_exec(c, PG_CHG_DDL) : 0;
}

int
pg_conn_open(struct pg_store *st, int writer, struct pg_conn **out)
{
	const char *keys[] = { "connect_timeout", "fallback_application_name",
	    "dbname", NULL };
	const char *vals[4];
	char secs[16];
	struct pg_conn *c;
	int r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->slot = calloc(PG_STMT_CACHE, sizeof(*c->slot))) == NULL) {
		free(c);
		return WJ_ERR_NOMEM;
	}
	c->store = st;
	c->writer = writer;
	/* libpq's connect_timeout: whole seconds, 2 at least. */
	(void)snprintf(secs, sizeof(secs), "%d",
	    st->timeout_ms < 2000 ? 2 : (st->timeout_ms + 999) / 1000);
	vals[0] = secs;
	vals[1] = PG_APP_NAME;
	vals[2] = st->conninfo;
	vals[3] = NULL;
	/* A URL the user gave may override the timeout and the name. */
	c->db = PQconnectdbParams(keys, vals, 1);
	if (c->db == NULL) {
		r = WJ_ERR_NOMEM;
		goto out;
	}
	if (PQstatus(c->db) != CONNECTION_OK) {
		log_error("store: cannot connect to PostgreSQL: %s",
		    PQerrorMessage(c->db));
		r = WJ_ERR_UNAVAILABLE;
		goto out;
	}
	(void)PQsetNoticeProcessor(c->db, notice, NULL);
	if ((r = conn_setup(c, writer)) != 0)
		goto out;
	*out = c;
	c = NULL;
 out:
	pg_conn_close(c);
	return r;
}

/* ---- shared by the entity files ---------------------------------------- */

int
pg_name_ok(const char *s)
{
	size_t n;

	return s != NULL && (n = strlen(s)) >= 1 && n <= STORE_NAME_MAX &&
	    wj_utf8_clean(s, n);
}

int
pg_id_ok(const char *s)
{
	return s != NULL && strlen(s) >= 1 && strlen(s) <= WJ_ID_LEN;
}

/* Run sql with text parameters p[0..np) on c. */
static int
query_texts(struct pg_conn *c, PGresult **res, const char *sql,
    const char *const *p, int np)
{
	struct params q;

	*res = NULL;
	if (c->bad)
		return WJ_ERR_UNAVAILABLE;
	memset(&q, 0, sizeof(q));
	q.n = np;
	q.vals = p;
	return run(c, res, sql, &q);
}

int
pg_rows(struct pg_store *s, const char *sql, const char *const *p, int np,
    int want_row, pg_row_fn fn, void *arg)
{
	struct pg_conn *c;
	PGresult *res = NULL;
	int r;

	if ((r = pg_reader(s, &c)) != 0)
		return r;
	if ((r = query_texts(c, &res, sql, p, np)) == 0)
		r = pg_each(res, want_row, fn, arg);
	PQclear(res);
	pg_reader_put(s, c);
	return r;
}

int
pg_one(struct pg_store *st, const char *sql, const char *const *p, int np,
    pg_row_fn row, void *out)
{
	int i;

	for (i = 0; i < np; i++)
		if (p[i] == NULL)
			return WJ_ERR_INVALID;
	return pg_rows(st, sql, p, np, 1, row, out);
}

int
pg_write(struct pg_store *st, pg_op_fn fn, void *arg, const char *action)
{
	struct pg_op op;
	int r;

	pg_op_init(&op, fn, arg, action != NULL, NULL, action, NULL);
	r = pg_submit(st, &op);
	pg_op_clear(&op);
	return r;
}

/* ---- a growing array ---------------------------------------------------- */

void *
pg_vec_add(struct pg_vec *a)
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
pg_vec_row(const struct pg_row *w, void *arg)
{
	struct pg_vec *a = arg;
	void *item;

	if ((item = pg_vec_add(a)) == NULL)
		return WJ_ERR_NOMEM;
	return a->row(w, item);
}

int
pg_vec_out(int r, struct pg_vec *a, void *out, size_t *n)
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
pg_list(struct pg_store *st, const char *sql, const char *const *p, int np,
    size_t size, pg_row_fn row, void *out, size_t *n)
{
	struct pg_vec a = { NULL, 0, 0, size, row };
	int i;

	*(void **)out = NULL;
	*n = 0;
	for (i = 0; i < np; i++)
		if (p[i] == NULL)
			return WJ_ERR_INVALID;
	return pg_vec_out(pg_rows(st, sql, p, np, 0, pg_vec_row, &a), &a, out,
	    n);
}
