/*
 * backup.c - PostgreSQL engine: not written yet; every call
 * fails (placeholder until the engine lands).
 */
#include "pg_int.h"

int
pg_store_backup(struct pg_store *st, const char *path)
{
	(void)st;
	(void)path;
	return WJ_ERR_INTERNAL;
}
