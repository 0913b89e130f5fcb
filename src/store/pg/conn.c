/*
 * conn.c - PostgreSQL engine: not written yet; every call
 * fails (placeholder until the engine lands).
 */
#include "pg_int.h"

int
pg_store_read_begin(struct pg_store *st)
{
	(void)st;
	return WJ_ERR_INTERNAL;
}

int
pg_store_read_end(struct pg_store *st, int r)
{
	(void)st;
	(void)r;
	return WJ_ERR_INTERNAL;
}

int
pg_store_data_version(struct pg_store *st, int64_t *dv)
{
	(void)st;
	(void)dv;
	return WJ_ERR_INTERNAL;
}

int
pg_store_ping(struct pg_store *st)
{
	(void)st;
	return WJ_ERR_INTERNAL;
}
int
pg_store_open(const struct store_opts *o, struct pg_store **out)
{
	(void)o;
	*out = NULL;
	log_error("store: the PostgreSQL engine is not built yet");
	return WJ_ERR_INVALID;
}

void
pg_store_close(struct pg_store *st)
{
	(void)st;
}
