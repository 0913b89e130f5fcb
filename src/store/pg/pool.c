/*
 * pool.c - the PostgreSQL engine's pool of read connections, the "down"
 * state after a lost database, the read snapshots (store_read_begin) and
 * their data version, and opening and closing the store.
 *
 * Decisions:
 * - store_opts.db_pool counts every connection of the node: the executor
 *   threads hold min(db_pool / 2, PG_EXECUTORS_MAX) of them (at least 1),
 *   the readers share the rest (at least 1).
 * - Down: a lost connection or a failed connect makes every checkout fail
 *   with WJ_ERR_UNAVAILABLE for PG_DOWN_MS and drops the idle connections
 *   (they went with the server, most likely); then the next caller alone
 *   connects again (bounded by the deadline) while the others still fail
 *   at once.  Requests get 503 at once while the database is away, and
 *   the node comes back by itself.
 * - The data version is a hash of pg_current_snapshot() in the read
 *   snapshot: two snapshots with the same text see the same data, and a
 *   commit of any node (any transaction with a transaction id) moves it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"
#include "../../util/hash.h"

/* ---- down -------------------------------------------------------------- */

/* Close the idle connections; pool_mu held. */
static void
drop_idle(struct pg_store *st)
{
	struct pg_conn *c;

	while ((c = st->idle) != NULL) {
		st->idle = c->next;
		st->nconn--;
		pg_conn_close(c);
	}
}

static void
set_down_locked(struct pg_store *st)
{
	if (st->down_until_us == 0)
		log_warn("store: PostgreSQL connection lost; answering 503 "
		    "until it is back");
	st->down_until_us = wj_mono_us() + PG_DOWN_MS * 1000;
	drop_idle(st);
	pthread_cond_broadcast(&st->pool_cv);
}

void
pg_set_down(struct pg_store *st)
{
	pthread_mutex_lock(&st->pool_mu);
	set_down_locked(st);
	pthread_mutex_unlock(&st->pool_mu);
}

int
pg_down(struct pg_store *st)
{
	int64_t until;

	pthread_mutex_lock(&st->pool_mu);
	until = st->down_until_us;
	pthread_mutex_unlock(&st->pool_mu);
	return until != 0 && wj_mono_us() < until ? WJ_ERR_UNAVAILABLE : 0;
}

/* ---- the pool ---------------------------------------------------------- */

/* Open a new pool connection (the slot in nconn is taken); pool_mu
 * held on entry and exit, dropped meanwhile. */
static int
open_new(struct pg_store *st, struct pg_conn **out)
{
	int r;

	pthread_mutex_unlock(&st->pool_mu);
	r = pg_conn_open(st, 0, out);
	pthread_mutex_lock(&st->pool_mu);
	if (r != 0) {
		st->nconn--;
		set_down_locked(st);
		return r;
	}
	if (st->down_until_us != 0)
		log_info("store: PostgreSQL is back");
	st->down_until_us = 0;
	return 0;
}

/* Reader connections: what the executors leave of db_pool. */
static int
reader_max(const struct pg_store *st)
{
	int n = st->pool_max - st->nexec_max;

	return n > 0 ? n : 1;
}

/* One checkout attempt; pool_mu held.  1: wait and try again. */
static int
try_checkout(struct pg_store *st, struct pg_conn **out, int *r)
{
	int64_t now = wj_mono_us();

	*r = 0;
	if (st->down_until_us != 0) {
		if (now < st->down_until_us || st->reconnecting) {
			*r = WJ_ERR_UNAVAILABLE;
			return 0;
		}
		/* This caller tries the database again, the others fail. */
		st->reconnecting = 1;
		st->nconn++;
		*r = open_new(st, out);
		st->reconnecting = 0;
		return 0;
	}
	if ((*out = st->idle) != NULL) {
		st->idle = (*out)->next;
		return 0;
	}
	if (st->nconn < reader_max(st)) {
		st->nconn++;
		*r = open_new(st, out);
		return 0;
	}
	return 1;
}

int
pg_checkout(struct pg_store *st, struct pg_conn **out)
{
	struct timespec until = wj_deadline_us((int64_t)st->timeout_ms * 1000);
	int r = 0, e = 0;

	*out = NULL;
	pthread_mutex_lock(&st->pool_mu);
	while (try_checkout(st, out, &r))
		if (e == ETIMEDOUT || (e = pthread_cond_timedwait(&st->pool_cv,
		    &st->pool_mu, &until)) == ETIMEDOUT) {
			r = WJ_ERR_UNAVAILABLE;
			log_warn("store: no PostgreSQL connection free within "
			    "%d ms (db_pool %d)", st->timeout_ms, st->pool_max);
			break;
		}
	pthread_mutex_unlock(&st->pool_mu);
	if (r != 0)
		return r;
	(*out)->next = NULL;
	return 0;
}

void
pg_checkin(struct pg_store *st, struct pg_conn *c)
{
	int lost;

	if (c == NULL)
		return;
	if (!c->bad && PQtransactionStatus(c->db) != PQTRANS_IDLE)
		pg_rollback(c);
	lost = c->bad || PQstatus(c->db) != CONNECTION_OK ||
	    PQtransactionStatus(c->db) != PQTRANS_IDLE;
	pthread_mutex_lock(&st->pool_mu);
	if (lost) {
		st->nconn--;
		if (c->bad)
			set_down_locked(st);
	} else {
		c->next = st->idle;
		st->idle = c;
	}
	pthread_cond_signal(&st->pool_cv);
	pthread_mutex_unlock(&st->pool_mu);
	if (lost)
		pg_conn_close(c);
}

/* ---- reads and snapshots ----------------------------------------------- */

static struct pg_conn *
held(struct pg_store *st)
{
	return st->held_ok ? pthread_getspecific(st->held) : NULL;
}

int
pg_reader(struct pg_store *st, struct pg_conn **out)
{
	if ((*out = held(st)) != NULL)
		return (*out)->bad ? WJ_ERR_UNAVAILABLE : 0;
	return pg_checkout(st, out);
}

void
pg_reader_put(struct pg_store *st, struct pg_conn *c)
{
	if (c != NULL && c != held(st))
		pg_checkin(st, c);
}

int
pg_read_begin(struct pg_store *st, struct pg_conn **out)
{
	struct pg_conn *c;
	int r;

	*out = NULL;
	if ((c = held(st)) != NULL) {
		c->read_depth++;
		*out = c;
		return 0;
	}
	if ((r = pg_checkout(st, &c)) != 0)
		return r;
	if ((r = pg_exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ "
	    "ONLY")) != 0 || (r = pthread_setspecific(st->held, c) != 0 ?
	    WJ_ERR_NOMEM : 0) != 0) {
		pg_checkin(st, c);
		return r;
	}
	c->read_depth = 1;
	*out = c;
	return 0;
}

int
pg_read_end(struct pg_store *st, struct pg_conn *c, int r)
{
	int r2;

	if (c == NULL || c->read_depth == 0 || --c->read_depth > 0)
		return r;
	(void)pthread_setspecific(st->held, NULL);
	if ((r2 = pg_exec(c, "COMMIT")) != 0 && r == 0)
		r = r2;
	pg_checkin(st, c);
	return r;
}

int
pg_store_read_begin(struct pg_store *st)
{
	struct pg_conn *c;

	return pg_read_begin(st, &c);
}

int
pg_store_read_end(struct pg_store *st, int r)
{
	struct pg_conn *c = held(st);

	return c != NULL ? pg_read_end(st, c, r) : r;
}

int
pg_store_data_version(struct pg_store *st, int64_t *dv)
{
	struct pg_conn *c;
	PGresult *res = NULL;
	int r;

	*dv = 0;
	if ((r = pg_reader(st, &c)) != 0)
		return r;
	if ((r = pg_query(c, &res, "SELECT pg_current_snapshot()::text",
	    "")) == 0) {
		if (PQntuples(res) == 1)
			*dv = (int64_t)(wj_hash_str(PQgetvalue(res, 0, 0)) >>
			    1);
		else
			r = WJ_ERR_INTERNAL;
	}
	PQclear(res);
	pg_reader_put(st, c);
	return r;
}

int
pg_store_ping(struct pg_store *st)
{
	struct pg_conn *c;
	int r;

	if ((r = pg_down(st)) != 0 || (r = pg_reader(st, &c)) != 0)
		return r;
	r = pg_run(c, NULL, "SELECT version FROM schema_version LIMIT 1", "");
	pg_reader_put(st, c);
	return r;
}

/* ---- open and close ---------------------------------------------------- */

static int
store_new(const struct store_opts *o, struct pg_store **out)
{
	struct pg_store *st;
	int n;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return WJ_ERR_NOMEM;
	st->pool_mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	st->pool_cv = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	st->mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	st->work_cv = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	st->readonly = o->readonly;
	st->max_attempts = o->max_attempts > 0 ? o->max_attempts :
	    WJ_MAX_ATTEMPTS_DEFAULT;
	st->queue_max = o->write_queue_max > 0 ?
	    (size_t)o->write_queue_max : PG_QUEUE_DEFAULT;
	st->pool_max = o->db_pool > 0 ? o->db_pool : PG_POOL_DEFAULT;
	st->timeout_ms = o->db_timeout_ms > 0 ? o->db_timeout_ms :
	    PG_TIMEOUT_DEFAULT_MS;
	n = st->pool_max / 2;
	st->nexec_max = n < 1 ? 1 : n > PG_EXECUTORS_MAX ? PG_EXECUTORS_MAX :
	    n;
	if ((st->conninfo = strdup(o->database)) == NULL) {
		free(st);
		return WJ_ERR_NOMEM;
	}
	if (pthread_key_create(&st->held, NULL) == 0)
		st->held_ok = 1;
	*out = st;
	return st->held_ok ? 0 : WJ_ERR_INTERNAL;
}

/* Create or upgrade the schema on a connection of the pool. */
static int
migrate(struct pg_store *st)
{
	struct pg_conn *c;
	int r;

	if ((r = pg_checkout(st, &c)) != 0)
		return r;
	/* Migrations (and waiting for another node's) may take longer than
	 * a request's deadline. */
	c->deadline_us = PG_NO_DEADLINE;
	if ((r = pg_exec(c, "SET statement_timeout = 0")) == 0)
		r = pg_migrate(c);
	c->deadline_us = 0;
	if (r == 0) {
		char sql[64];

		(void)snprintf(sql, sizeof(sql), "SET statement_timeout = %d",
		    st->timeout_ms);
		r = pg_exec(c, sql);
	}
	pg_checkin(st, c);
	return r;
}

int
pg_store_open(const struct store_opts *o, struct pg_store **out)
{
	struct pg_store *st = NULL;
	int r;

	*out = NULL;
	if (o == NULL || o->database == NULL || o->max_attempts < 0 ||
	    o->write_queue_max < 0 || o->db_pool < 0 || o->db_timeout_ms < 0)
		return WJ_ERR_INVALID;
	if ((r = store_new(o, &st)) != 0)
		goto out;
	if ((r = migrate(st)) != 0)
		goto out;
	if (!st->readonly && (r = pg_writer_start(st)) != 0)
		goto out;
	*out = st;
	st = NULL;
 out:
	pg_store_close(st);
	return r;
}

void
pg_store_close(struct pg_store *st)
{
	if (st == NULL)
		return;
	pg_writer_stop(st);
	pthread_mutex_lock(&st->pool_mu);
	drop_idle(st);
	pthread_mutex_unlock(&st->pool_mu);
	if (st->held_ok)
		pthread_key_delete(st->held);
	pthread_cond_destroy(&st->work_cv);
	pthread_mutex_destroy(&st->mu);
	pthread_cond_destroy(&st->pool_cv);
	pthread_mutex_destroy(&st->pool_mu);
	free(st->conninfo);
	free(st);
}
