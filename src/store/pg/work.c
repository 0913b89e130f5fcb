/*
 * work.c - PostgreSQL engine: not written yet; every call
 * fails (placeholder until the engine lands).
 */
#include "pg_int.h"

int
pg_store_claim_async(struct pg_store *st, const struct store_actor *actor, const struct store_claim_in *in, struct store_claimed *out, store_done_fn done, void *arg)
{
	(void)st;
	(void)actor;
	(void)in;
	(void)out;
	(void)done;
	(void)arg;
	return WJ_ERR_INTERNAL;
}

int
pg_store_heartbeat_async(struct pg_store *st, const char *domain_id, const char *sub_job_id, const char *lease_id, int process, int64_t *lease_expires_ms, store_done_fn done, void *arg)
{
	(void)st;
	(void)domain_id;
	(void)sub_job_id;
	(void)lease_id;
	(void)process;
	(void)lease_expires_ms;
	(void)done;
	(void)arg;
	return WJ_ERR_INTERNAL;
}

int
pg_store_finish_async(struct pg_store *st, const struct store_actor *actor, const char *domain_id, const char *sub_job_id, const char *lease_id, int status, const char *error_code, const char *fail_reason, const char *host, store_done_fn done, void *arg)
{
	(void)st;
	(void)actor;
	(void)domain_id;
	(void)sub_job_id;
	(void)lease_id;
	(void)status;
	(void)error_code;
	(void)fail_reason;
	(void)host;
	(void)done;
	(void)arg;
	return WJ_ERR_INTERNAL;
}

int
pg_store_reap(struct pg_store *st, int64_t now_ms, int64_t *n)
{
	(void)st;
	(void)now_ms;
	(void)n;
	return WJ_ERR_INTERNAL;
}
