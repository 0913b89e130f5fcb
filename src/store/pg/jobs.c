/*
 * jobs.c - PostgreSQL engine: not written yet; every call
 * fails (placeholder until the engine lands).
 */
#include "pg_int.h"

int
pg_store_job_create_async(struct pg_store *st, const struct store_actor *actor, const struct store_job_in *in, char **body, store_done_fn done, void *arg)
{
	(void)st;
	(void)actor;
	(void)in;
	(void)body;
	(void)done;
	(void)arg;
	return WJ_ERR_INTERNAL;
}

int
pg_store_job_show(struct pg_store *st, const char *project_id, const char *job_id, store_job_cb jcb, store_sub_job_cb scb, void *arg)
{
	(void)st;
	(void)project_id;
	(void)job_id;
	(void)jcb;
	(void)scb;
	(void)arg;
	return WJ_ERR_INTERNAL;
}

int
pg_store_job_retry_async(struct pg_store *st, const struct store_actor *actor, const char *project_id, const char *job_id, struct wj_errinfo *ei, store_done_fn done, void *arg)
{
	(void)st;
	(void)actor;
	(void)project_id;
	(void)job_id;
	(void)ei;
	(void)done;
	(void)arg;
	return WJ_ERR_INTERNAL;
}

int
pg_store_sub_job_project(struct pg_store *st, const char *domain_id, const char *sub_job_id, char project_id[WJ_ID_LEN + 1])
{
	(void)st;
	(void)domain_id;
	(void)sub_job_id;
	(void)project_id;
	return WJ_ERR_INTERNAL;
}

int
pg_store_sub_job_job(struct pg_store *st, const char *project_id, const char *sub_job_id, char job_id[WJ_ID_LEN + 1])
{
	(void)st;
	(void)project_id;
	(void)sub_job_id;
	(void)job_id;
	return WJ_ERR_INTERNAL;
}
