/*
 * groups.c - PostgreSQL engine: not written yet; every call
 * fails (placeholder until the engine lands).
 */
#include "pg_int.h"

int
pg_store_group_create(struct pg_store *st, const char *domain_id, const char *name, struct store_group *out)
{
	(void)st;
	(void)domain_id;
	(void)name;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_group_by_name(struct pg_store *st, const char *domain_id, const char *name, struct store_group *out)
{
	(void)st;
	(void)domain_id;
	(void)name;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_group_list(struct pg_store *st, const char *domain_id, struct store_group **out, size_t *n)
{
	(void)st;
	(void)domain_id;
	(void)out;
	(void)n;
	return WJ_ERR_INTERNAL;
}

int
pg_store_group_add_user(struct pg_store *st, const char *group_id, const char *user_id)
{
	(void)st;
	(void)group_id;
	(void)user_id;
	return WJ_ERR_INTERNAL;
}

int
pg_store_group_remove_user(struct pg_store *st, const char *group_id, const char *user_id)
{
	(void)st;
	(void)group_id;
	(void)user_id;
	return WJ_ERR_INTERNAL;
}
