/*
 * list.c - PostgreSQL engine: not written yet; every call
 * fails (placeholder until the engine lands).
 */
#include "pg_int.h"

int
pg_store_sub_jobs_list(struct pg_store *st, const struct store_list_filter *f, int64_t *total, store_sub_job_cb cb, void *arg)
{
	(void)st;
	(void)f;
	(void)total;
	(void)cb;
	(void)arg;
	return WJ_ERR_INTERNAL;
}

int
pg_store_count_by_status(struct pg_store *st, int64_t out[JOB_STATUS_COUNT])
{
	(void)st;
	(void)out;
	return WJ_ERR_INTERNAL;
}
