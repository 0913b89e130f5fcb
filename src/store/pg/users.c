/*
 * users.c - PostgreSQL engine: not written yet; every call
 * fails (placeholder until the engine lands).
 */
#include "pg_int.h"

int
pg_store_user_create(struct pg_store *st, const char *domain_id, const char *name, const char *password_hash, struct store_user *out)
{
	(void)st;
	(void)domain_id;
	(void)name;
	(void)password_hash;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_user_by_name(struct pg_store *st, const char *domain_id, const char *name, struct store_user *out)
{
	(void)st;
	(void)domain_id;
	(void)name;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_user_list(struct pg_store *st, const char *domain_id, struct store_user **out, size_t *n)
{
	(void)st;
	(void)domain_id;
	(void)out;
	(void)n;
	return WJ_ERR_INTERNAL;
}

int
pg_store_user_auth_get(struct pg_store *st, const char *user_id, struct store_user_auth *out)
{
	(void)st;
	(void)user_id;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_user_auth_by_name(struct pg_store *st, const char *domain_id, const char *name, struct store_user_auth *out)
{
	(void)st;
	(void)domain_id;
	(void)name;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_user_set_enabled(struct pg_store *st, const char *user_id, int enabled)
{
	(void)st;
	(void)user_id;
	(void)enabled;
	return WJ_ERR_INTERNAL;
}

int
pg_store_user_set_password(struct pg_store *st, const char *user_id, const char *password_hash)
{
	(void)st;
	(void)user_id;
	(void)password_hash;
	return WJ_ERR_INTERNAL;
}

int
pg_store_user_login_failed_async(struct pg_store *st, const char *user_id, int64_t now_ms, int threshold, int64_t lock_ms, int *locked, store_done_fn done, void *arg)
{
	(void)st;
	(void)user_id;
	(void)now_ms;
	(void)threshold;
	(void)lock_ms;
	(void)locked;
	(void)done;
	(void)arg;
	return WJ_ERR_INTERNAL;
}

int
pg_store_user_login_ok_async(struct pg_store *st, const char *user_id, store_done_fn done, void *arg)
{
	(void)st;
	(void)user_id;
	(void)done;
	(void)arg;
	return WJ_ERR_INTERNAL;
}

int
pg_store_user_unlock(struct pg_store *st, const char *user_id)
{
	(void)st;
	(void)user_id;
	return WJ_ERR_INTERNAL;
}

int
pg_store_key_create(struct pg_store *st, const char *user_id, const char *ak, const uint8_t *sk_sealed, size_t sk_sealed_len)
{
	(void)st;
	(void)user_id;
	(void)ak;
	(void)sk_sealed;
	(void)sk_sealed_len;
	return WJ_ERR_INTERNAL;
}

int
pg_store_key_list(struct pg_store *st, const char *domain_id, struct store_key **out, size_t *n)
{
	(void)st;
	(void)domain_id;
	(void)out;
	(void)n;
	return WJ_ERR_INTERNAL;
}

int
pg_store_key_set_enabled(struct pg_store *st, const char *ak, int enabled)
{
	(void)st;
	(void)ak;
	(void)enabled;
	return WJ_ERR_INTERNAL;
}

int
pg_store_key_get(struct pg_store *st, const char *ak, struct store_key *out)
{
	(void)st;
	(void)ak;
	(void)out;
	return WJ_ERR_INTERNAL;
}

int
pg_store_key_lock_async(struct pg_store *st, const char *ak, int64_t until_ms, store_done_fn done, void *arg)
{
	(void)st;
	(void)ak;
	(void)until_ms;
	(void)done;
	(void)arg;
	return WJ_ERR_INTERNAL;
}

int
pg_store_key_unlock(struct pg_store *st, const char *ak, int64_t now_ms)
{
	(void)st;
	(void)ak;
	(void)now_ms;
	return WJ_ERR_INTERNAL;
}

int
pg_store_reseal_secrets(struct pg_store *st, store_reseal_fn fn, void *arg, int64_t *n)
{
	(void)st;
	(void)fn;
	(void)arg;
	(void)n;
	return WJ_ERR_INTERNAL;
}
