/*
 * domains.c - PostgreSQL engine: not written yet; every call
 * fails (placeholder until the engine lands).
 */
#include "pg_int.h"

int
pg_store_bootstrap(struct pg_store *st, const char *dname, const char *uname, const char *pname, const char *ak, const uint8_t *sk_sealed, size_t sk_sealed_len, struct store_domain *d, struct store_user *u, struct store_project *p)
{
	(void)st;
	(void)dname;
	(void)uname;
	(void)pname;
	(void)ak;
	(void)sk_sealed;
	(void)sk_sealed_len;
	(void)d;
	(void)u;
	(void)p;
	return WJ_ERR_INTERNAL;
}

int
pg_store_domain_create(struct pg_store *st, const char *name, const char *password_hash, struct store_domain *d, struct store_user *root)
{
	(void)st;
	(void)name;
	(void)password_hash;
	(void)d;
	(void)root;
	return WJ_ERR_INTERNAL;
}

int
pg_store_domain_first(struct pg_store *st, struct store_domain *out)
{
	(void)st;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_domain_by_name(struct pg_store *st, const char *name, struct store_domain *out)
{
	(void)st;
	(void)name;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_domain_get(struct pg_store *st, const char *id, struct store_domain *out)
{
	(void)st;
	(void)id;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_domain_list(struct pg_store *st, struct store_domain **out, size_t *n)
{
	(void)st;
	(void)out;
	(void)n;
	return WJ_ERR_INTERNAL;
}

int
pg_store_project_create(struct pg_store *st, const char *domain_id, const char *name, struct store_project *out)
{
	(void)st;
	(void)domain_id;
	(void)name;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_project_list(struct pg_store *st, const char *domain_id, struct store_project **out, size_t *n)
{
	(void)st;
	(void)domain_id;
	(void)out;
	(void)n;
	return WJ_ERR_INTERNAL;
}

int
pg_store_project_get(struct pg_store *st, const char *id, struct store_project *out)
{
	(void)st;
	(void)id;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_project_by_name(struct pg_store *st, const char *domain_id, const char *name, struct store_project *out)
{
	(void)st;
	(void)domain_id;
	(void)name;
	(void)out;
	return WJ_ERR_INTERNAL;
}
