/*
 * traces.c - PostgreSQL engine: the audit trail read back and pruned;
 * not written yet, every call fails (placeholder until the engine lands).
 */
#include "pg_int.h"

int
pg_store_traces_list(struct pg_store *st, const struct store_trace_filter *f, store_trace_cb cb, void *arg)
{
	(void)st;
	(void)f;
	(void)cb;
	(void)arg;
	return WJ_ERR_INTERNAL;
}

int
pg_store_audit_prune(struct pg_store *st, int64_t before_ms, int max, int64_t *n)
{
	(void)st;
	(void)before_ms;
	(void)max;
	*n = 0;
	return WJ_ERR_INTERNAL;
}
