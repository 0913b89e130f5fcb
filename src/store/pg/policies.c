/*
 * policies.c - PostgreSQL engine: not written yet; every call
 * fails (placeholder until the engine lands).
 */
#include "pg_int.h"

int
pg_store_policy_create(struct pg_store *st, const char *domain_id, const char *name, const char *document, struct store_policy *out)
{
	(void)st;
	(void)domain_id;
	(void)name;
	(void)document;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_policy_put_system(struct pg_store *st, const char *name, const char *document)
{
	(void)st;
	(void)name;
	(void)document;
	return WJ_ERR_INTERNAL;
}

int
pg_store_policy_by_name(struct pg_store *st, const char *domain_id, const char *name, struct store_policy *out)
{
	(void)st;
	(void)domain_id;
	(void)name;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_policy_list(struct pg_store *st, const char *domain_id, struct store_policy **out, size_t *n)
{
	(void)st;
	(void)domain_id;
	(void)out;
	(void)n;
	return WJ_ERR_INTERNAL;
}

int
pg_store_policy_attach(struct pg_store *st, const char *domain_id, const char *policy_id, int ptype, const char *principal_id, const char *project_id)
{
	(void)st;
	(void)domain_id;
	(void)policy_id;
	(void)ptype;
	(void)principal_id;
	(void)project_id;
	return WJ_ERR_INTERNAL;
}

int
pg_store_policy_detach(struct pg_store *st, const char *domain_id, const char *policy_id, int ptype, const char *principal_id, const char *project_id)
{
	(void)st;
	(void)domain_id;
	(void)policy_id;
	(void)ptype;
	(void)principal_id;
	(void)project_id;
	return WJ_ERR_INTERNAL;
}

int
pg_store_attachment_list(struct pg_store *st, const char *domain_id, struct store_attachment **out, size_t *n)
{
	(void)st;
	(void)domain_id;
	(void)out;
	(void)n;
	return WJ_ERR_INTERNAL;
}

int
pg_store_user_policies(struct pg_store *st, const char *user_id, const char *project_id, store_policy_cb cb, void *arg)
{
	(void)st;
	(void)user_id;
	(void)project_id;
	(void)cb;
	(void)arg;
	return WJ_ERR_INTERNAL;
}
