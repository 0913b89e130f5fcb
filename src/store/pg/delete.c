/*
 * delete.c - PostgreSQL engine: not written yet; every call
 * fails (placeholder until the engine lands).
 */
#include "pg_int.h"

int
pg_store_sub_jobs_delete_async(struct pg_store *st, const struct store_actor *actor, const char *project_id, const char *const *ids, size_t n, struct wj_errinfo *ei, store_done_fn done, void *arg)
{
	(void)st;
	(void)actor;
	(void)project_id;
	(void)ids;
	(void)n;
	(void)ei;
	(void)done;
	(void)arg;
	return WJ_ERR_INTERNAL;
}

int
pg_store_sub_jobs_delete_by_status_async(struct pg_store *st, const struct store_actor *actor, const char *project_id, int status, int64_t *deleted, store_done_fn done, void *arg)
{
	(void)st;
	(void)actor;
	(void)project_id;
	(void)status;
	(void)deleted;
	(void)done;
	(void)arg;
	return WJ_ERR_INTERNAL;
}
