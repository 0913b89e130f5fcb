/*
 * store.c - the store's front: opens the engine the database names
 * (PostgreSQL for a postgres:// or postgresql:// URL, else the embedded
 * SQLite file) and hands every call of store.h to it (engine.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

int
store_is_pg_url(const char *database)
{
	return database != NULL &&
	    (strncmp(database, "postgres://", 11) == 0 ||
	    strncmp(database, "postgresql://", 13) == 0);
}

int
store_open(const struct store_opts *o, struct store **out)
{
	struct store *st;
	int r;

	*out = NULL;
	if (o == NULL)
		return WJ_ERR_INVALID;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return WJ_ERR_NOMEM;
	if (store_is_pg_url(o->database))
		r = pg_store_open(o, &st->pg);
	else
		r = sq_store_open(o, &st->sq);
	if (r != 0) {
		free(st);
		return r;
	}
	*out = st;
	return 0;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->pg != NULL)
		pg_store_close(st->pg);
	if (st->sq != NULL)
		sq_store_close(st->sq);
	free(st);
}

void
store_claimed_free(struct store_claimed *c)
{
	if (c == NULL)
		return;
	free(c->v);
	free(c->arena);
	memset(c, 0, sizeof(*c));
}

/* ---- every other call: the engine's ------------------------------------ */

int
store_backup(struct store *st, const char *path)
{
	if (st->pg != NULL)
		return pg_store_backup(st->pg, path);
	return sq_store_backup(st->sq, path);
}

int
store_read_begin(struct store *st)
{
	if (st->pg != NULL)
		return pg_store_read_begin(st->pg);
	return sq_store_read_begin(st->sq);
}

int
store_read_end(struct store *st, int r)
{
	if (st->pg != NULL)
		return pg_store_read_end(st->pg, r);
	return sq_store_read_end(st->sq, r);
}

int
store_data_version(struct store *st, int64_t *dv)
{
	if (st->pg != NULL)
		return pg_store_data_version(st->pg, dv);
	return sq_store_data_version(st->sq, dv);
}

int
store_ping(struct store *st)
{
	if (st->pg != NULL)
		return pg_store_ping(st->pg);
	return sq_store_ping(st->sq);
}

int
store_sub_jobs_delete_async(struct store *st, const struct store_actor *actor, const char *project_id, const char *const *ids, size_t n, struct wj_errinfo *ei, store_done_fn done, void *arg)
{
	if (st->pg != NULL)
		return pg_store_sub_jobs_delete_async(st->pg, actor, project_id, ids, n, ei, done, arg);
	return sq_store_sub_jobs_delete_async(st->sq, actor, project_id, ids, n, ei, done, arg);
}

int
store_sub_jobs_delete_by_status_async(struct store *st, const struct store_actor *actor, const char *project_id, int status, int64_t *deleted, store_done_fn done, void *arg)
{
	if (st->pg != NULL)
		return pg_store_sub_jobs_delete_by_status_async(st->pg, actor, project_id, status, deleted, done, arg);
	return sq_store_sub_jobs_delete_by_status_async(st->sq, actor, project_id, status, deleted, done, arg);
}

int
store_bootstrap(struct store *st, const char *dname, const char *uname, const char *pname, const char *ak, const uint8_t *sk_sealed, size_t sk_sealed_len, struct store_domain *d, struct store_user *u, struct store_project *p)
{
	if (st->pg != NULL)
		return pg_store_bootstrap(st->pg, dname, uname, pname, ak, sk_sealed, sk_sealed_len, d, u, p);
	return sq_store_bootstrap(st->sq, dname, uname, pname, ak, sk_sealed, sk_sealed_len, d, u, p);
}

int
store_domain_create(struct store *st, const char *name, const char *password_hash, struct store_domain *d, struct store_user *root)
{
	if (st->pg != NULL)
		return pg_store_domain_create(st->pg, name, password_hash, d, root);
	return sq_store_domain_create(st->sq, name, password_hash, d, root);
}

int
store_domain_first(struct store *st, struct store_domain *out)
{
	if (st->pg != NULL)
		return pg_store_domain_first(st->pg, out);
	return sq_store_domain_first(st->sq, out);
}

int
store_domain_by_name(struct store *st, const char *name, struct store_domain *out)
{
	if (st->pg != NULL)
		return pg_store_domain_by_name(st->pg, name, out);
	return sq_store_domain_by_name(st->sq, name, out);
}

int
store_domain_get(struct store *st, const char *id, struct store_domain *out)
{
	if (st->pg != NULL)
		return pg_store_domain_get(st->pg, id, out);
	return sq_store_domain_get(st->sq, id, out);
}

int
store_domain_list(struct store *st, struct store_domain **out, size_t *n)
{
	if (st->pg != NULL)
		return pg_store_domain_list(st->pg, out, n);
	return sq_store_domain_list(st->sq, out, n);
}

int
store_project_create(struct store *st, const char *domain_id, const char *name, struct store_project *out)
{
	if (st->pg != NULL)
		return pg_store_project_create(st->pg, domain_id, name, out);
	return sq_store_project_create(st->sq, domain_id, name, out);
}

int
store_project_list(struct store *st, const char *domain_id, struct store_project **out, size_t *n)
{
	if (st->pg != NULL)
		return pg_store_project_list(st->pg, domain_id, out, n);
	return sq_store_project_list(st->sq, domain_id, out, n);
}

int
store_project_get(struct store *st, const char *id, struct store_project *out)
{
	if (st->pg != NULL)
		return pg_store_project_get(st->pg, id, out);
	return sq_store_project_get(st->sq, id, out);
}

int
store_project_by_name(struct store *st, const char *domain_id, const char *name, struct store_project *out)
{
	if (st->pg != NULL)
		return pg_store_project_by_name(st->pg, domain_id, name, out);
	return sq_store_project_by_name(st->sq, domain_id, name, out);
}

int
store_group_create(struct store *st, const char *domain_id, const char *name, struct store_group *out)
{
	if (st->pg != NULL)
		return pg_store_group_create(st->pg, domain_id, name, out);
	return sq_store_group_create(st->sq, domain_id, name, out);
}

int
store_group_by_name(struct store *st, const char *domain_id, const char *name, struct store_group *out)
{
	if (st->pg != NULL)
		return pg_store_group_by_name(st->pg, domain_id, name, out);
	return sq_store_group_by_name(st->sq, domain_id, name, out);
}

int
store_group_list(struct store *st, const char *domain_id, struct store_group **out, size_t *n)
{
	if (st->pg != NULL)
		return pg_store_group_list(st->pg, domain_id, out, n);
	return sq_store_group_list(st->sq, domain_id, out, n);
}

int
store_group_add_user(struct store *st, const char *group_id, const char *user_id)
{
	if (st->pg != NULL)
		return pg_store_group_add_user(st->pg, group_id, user_id);
	return sq_store_group_add_user(st->sq, group_id, user_id);
}

int
store_group_remove_user(struct store *st, const char *group_id, const char *user_id)
{
	if (st->pg != NULL)
		return pg_store_group_remove_user(st->pg, group_id, user_id);
	return sq_store_group_remove_user(st->sq, group_id, user_id);
}

int
store_job_create_async(struct store *st, const struct store_actor *actor, const struct store_job_in *in, char **body, store_done_fn done, void *arg)
{
	if (st->pg != NULL)
		return pg_store_job_create_async(st->pg, actor, in, body, done, arg);
	return sq_store_job_create_async(st->sq, actor, in, body, done, arg);
}

int
store_job_show(struct store *st, const char *project_id, const char *job_id, store_job_cb jcb, store_sub_job_cb scb, void *arg)
{
	if (st->pg != NULL)
		return pg_store_job_show(st->pg, project_id, job_id, jcb, scb, arg);
	return sq_store_job_show(st->sq, project_id, job_id, jcb, scb, arg);
}

int
store_job_retry_async(struct store *st, const struct store_actor *actor, const char *project_id, const char *job_id, struct wj_errinfo *ei, store_done_fn done, void *arg)
{
	if (st->pg != NULL)
		return pg_store_job_retry_async(st->pg, actor, project_id, job_id, ei, done, arg);
	return sq_store_job_retry_async(st->sq, actor, project_id, job_id, ei, done, arg);
}

int
store_sub_job_project(struct store *st, const char *domain_id, const char *sub_job_id, char project_id[WJ_ID_LEN + 1])
{
	if (st->pg != NULL)
		return pg_store_sub_job_project(st->pg, domain_id, sub_job_id, project_id);
	return sq_store_sub_job_project(st->sq, domain_id, sub_job_id, project_id);
}

int
store_sub_job_job(struct store *st, const char *project_id, const char *sub_job_id, char job_id[WJ_ID_LEN + 1])
{
	if (st->pg != NULL)
		return pg_store_sub_job_job(st->pg, project_id, sub_job_id, job_id);
	return sq_store_sub_job_job(st->sq, project_id, sub_job_id, job_id);
}

int
store_sub_jobs_list(struct store *st, const struct store_list_filter *f, int64_t *total, store_sub_job_cb cb, void *arg)
{
	if (st->pg != NULL)
		return pg_store_sub_jobs_list(st->pg, f, total, cb, arg);
	return sq_store_sub_jobs_list(st->sq, f, total, cb, arg);
}

int
store_count_by_status(struct store *st, int64_t out[JOB_STATUS_COUNT])
{
	if (st->pg != NULL)
		return pg_store_count_by_status(st->pg, out);
	return sq_store_count_by_status(st->sq, out);
}

int
store_policy_create(struct store *st, const char *domain_id, const char *name, const char *document, struct store_policy *out)
{
	if (st->pg != NULL)
		return pg_store_policy_create(st->pg, domain_id, name, document, out);
	return sq_store_policy_create(st->sq, domain_id, name, document, out);
}

int
store_policy_put_system(struct store *st, const char *name, const char *document)
{
	if (st->pg != NULL)
		return pg_store_policy_put_system(st->pg, name, document);
	return sq_store_policy_put_system(st->sq, name, document);
}

int
store_policy_by_name(struct store *st, const char *domain_id, const char *name, struct store_policy *out)
{
	if (st->pg != NULL)
		return pg_store_policy_by_name(st->pg, domain_id, name, out);
	return sq_store_policy_by_name(st->sq, domain_id, name, out);
}

int
store_policy_list(struct store *st, const char *domain_id, struct store_policy **out, size_t *n)
{
	if (st->pg != NULL)
		return pg_store_policy_list(st->pg, domain_id, out, n);
	return sq_store_policy_list(st->sq, domain_id, out, n);
}

int
store_policy_attach(struct store *st, const char *domain_id, const char *policy_id, int ptype, const char *principal_id, const char *project_id)
{
	if (st->pg != NULL)
		return pg_store_policy_attach(st->pg, domain_id, policy_id, ptype, principal_id, project_id);
	return sq_store_policy_attach(st->sq, domain_id, policy_id, ptype, principal_id, project_id);
}

int
store_policy_detach(struct store *st, const char *domain_id, const char *policy_id, int ptype, const char *principal_id, const char *project_id)
{
	if (st->pg != NULL)
		return pg_store_policy_detach(st->pg, domain_id, policy_id, ptype, principal_id, project_id);
	return sq_store_policy_detach(st->sq, domain_id, policy_id, ptype, principal_id, project_id);
}

int
store_attachment_list(struct store *st, const char *domain_id, struct store_attachment **out, size_t *n)
{
	if (st->pg != NULL)
		return pg_store_attachment_list(st->pg, domain_id, out, n);
	return sq_store_attachment_list(st->sq, domain_id, out, n);
}

int
store_user_policies(struct store *st, const char *user_id, const char *project_id, store_policy_cb cb, void *arg)
{
	if (st->pg != NULL)
		return pg_store_user_policies(st->pg, user_id, project_id, cb, arg);
	return sq_store_user_policies(st->sq, user_id, project_id, cb, arg);
}

int
store_user_create(struct store *st, const char *domain_id, const char *name, const char *password_hash, struct store_user *out)
{
	if (st->pg != NULL)
		return pg_store_user_create(st->pg, domain_id, name, password_hash, out);
	return sq_store_user_create(st->sq, domain_id, name, password_hash, out);
}

int
store_user_by_name(struct store *st, const char *domain_id, const char *name, struct store_user *out)
{
	if (st->pg != NULL)
		return pg_store_user_by_name(st->pg, domain_id, name, out);
	return sq_store_user_by_name(st->sq, domain_id, name, out);
}

int
store_user_list(struct store *st, const char *domain_id, struct store_user **out, size_t *n)
{
	if (st->pg != NULL)
		return pg_store_user_list(st->pg, domain_id, out, n);
	return sq_store_user_list(st->sq, domain_id, out, n);
}

int
store_user_auth_get(struct store *st, const char *user_id, struct store_user_auth *out)
{
	if (st->pg != NULL)
		return pg_store_user_auth_get(st->pg, user_id, out);
	return sq_store_user_auth_get(st->sq, user_id, out);
}

int
store_user_auth_by_name(struct store *st, const char *domain_id, const char *name, struct store_user_auth *out)
{
	if (st->pg != NULL)
		return pg_store_user_auth_by_name(st->pg, domain_id, name, out);
	return sq_store_user_auth_by_name(st->sq, domain_id, name, out);
}

int
store_user_set_enabled(struct store *st, const char *user_id, int enabled)
{
	if (st->pg != NULL)
		return pg_store_user_set_enabled(st->pg, user_id, enabled);
	return sq_store_user_set_enabled(st->sq, user_id, enabled);
}

int
store_user_set_password(struct store *st, const char *user_id, const char *password_hash)
{
	if (st->pg != NULL)
		return pg_store_user_set_password(st->pg, user_id, password_hash);
	return sq_store_user_set_password(st->sq, user_id, password_hash);
}

int
store_user_login_failed_async(struct store *st, const char *user_id, int64_t now_ms, int threshold, int64_t lock_ms, int *locked, store_done_fn done, void *arg)
{
	if (st->pg != NULL)
		return pg_store_user_login_failed_async(st->pg, user_id, now_ms, threshold, lock_ms, locked, done, arg);
	return sq_store_user_login_failed_async(st->sq, user_id, now_ms, threshold, lock_ms, locked, done, arg);
}

int
store_user_login_ok_async(struct store *st, const char *user_id, store_done_fn done, void *arg)
{
	if (st->pg != NULL)
		return pg_store_user_login_ok_async(st->pg, user_id, done, arg);
	return sq_store_user_login_ok_async(st->sq, user_id, done, arg);
}

int
store_user_revoke_tokens(struct store *st, const char *user_id)
{
	if (st->pg != NULL)
		return pg_store_user_revoke_tokens(st->pg, user_id);
	return sq_store_user_revoke_tokens(st->sq, user_id);
}

int
store_user_unlock(struct store *st, const char *user_id)
{
	if (st->pg != NULL)
		return pg_store_user_unlock(st->pg, user_id);
	return sq_store_user_unlock(st->sq, user_id);
}

int
store_key_create(struct store *st, const char *user_id, const char *ak, const uint8_t *sk_sealed, size_t sk_sealed_len)
{
	if (st->pg != NULL)
		return pg_store_key_create(st->pg, user_id, ak, sk_sealed, sk_sealed_len);
	return sq_store_key_create(st->sq, user_id, ak, sk_sealed, sk_sealed_len);
}

int
store_key_list(struct store *st, const char *domain_id, struct store_key **out, size_t *n)
{
	if (st->pg != NULL)
		return pg_store_key_list(st->pg, domain_id, out, n);
	return sq_store_key_list(st->sq, domain_id, out, n);
}

int
store_key_set_enabled(struct store *st, const char *ak, int enabled)
{
	if (st->pg != NULL)
		return pg_store_key_set_enabled(st->pg, ak, enabled);
	return sq_store_key_set_enabled(st->sq, ak, enabled);
}

int
store_key_get(struct store *st, const char *ak, struct store_key *out)
{
	if (st->pg != NULL)
		return pg_store_key_get(st->pg, ak, out);
	return sq_store_key_get(st->sq, ak, out);
}

int
store_key_lock_async(struct store *st, const char *ak, int64_t until_ms, store_done_fn done, void *arg)
{
	if (st->pg != NULL)
		return pg_store_key_lock_async(st->pg, ak, until_ms, done, arg);
	return sq_store_key_lock_async(st->sq, ak, until_ms, done, arg);
}

int
store_key_unlock(struct store *st, const char *ak, int64_t now_ms)
{
	if (st->pg != NULL)
		return pg_store_key_unlock(st->pg, ak, now_ms);
	return sq_store_key_unlock(st->sq, ak, now_ms);
}

int
store_key_sig_failed_async(struct store *st, const char *ak, int64_t now_ms, int threshold, int64_t lock_ms, int64_t *until_ms, store_done_fn done, void *arg)
{
	if (st->pg != NULL)
		return pg_store_key_sig_failed_async(st->pg, ak, now_ms, threshold, lock_ms, until_ms, done, arg);
	return sq_store_key_sig_failed_async(st->sq, ak, now_ms, threshold, lock_ms, until_ms, done, arg);
}

int
store_key_sig_ok_async(struct store *st, const char *ak, store_done_fn done, void *arg)
{
	if (st->pg != NULL)
		return pg_store_key_sig_ok_async(st->pg, ak, done, arg);
	return sq_store_key_sig_ok_async(st->sq, ak, done, arg);
}

int
store_reseal_secrets(struct store *st, store_reseal_fn fn, void *arg, int64_t *n)
{
	if (st->pg != NULL)
		return pg_store_reseal_secrets(st->pg, fn, arg, n);
	return sq_store_reseal_secrets(st->sq, fn, arg, n);
}

int
store_claim_async(struct store *st, const struct store_actor *actor, const struct store_claim_in *in, struct store_claimed *out, store_done_fn done, void *arg)
{
	if (st->pg != NULL)
		return pg_store_claim_async(st->pg, actor, in, out, done, arg);
	return sq_store_claim_async(st->sq, actor, in, out, done, arg);
}

int
store_heartbeat_async(struct store *st, const char *domain_id, const char *sub_job_id, const char *lease_id, int process, int64_t *lease_expires_ms, store_done_fn done, void *arg)
{
	if (st->pg != NULL)
		return pg_store_heartbeat_async(st->pg, domain_id, sub_job_id, lease_id, process, lease_expires_ms, done, arg);
	return sq_store_heartbeat_async(st->sq, domain_id, sub_job_id, lease_id, process, lease_expires_ms, done, arg);
}

int
store_finish_async(struct store *st, const struct store_actor *actor, const char *domain_id, const char *sub_job_id, const char *lease_id, int status, const char *error_code, const char *fail_reason, const char *host, store_done_fn done, void *arg)
{
	if (st->pg != NULL)
		return pg_store_finish_async(st->pg, actor, domain_id, sub_job_id, lease_id, status, error_code, fail_reason, host, done, arg);
	return sq_store_finish_async(st->sq, actor, domain_id, sub_job_id, lease_id, status, error_code, fail_reason, host, done, arg);
}

int
store_reap(struct store *st, int64_t now_ms, int64_t *n)
{
	if (st->pg != NULL)
		return pg_store_reap(st->pg, now_ms, n);
	return sq_store_reap(st->sq, now_ms, n);
}

int
store_traces_list(struct store *st, const struct store_trace_filter *f, store_trace_cb cb, void *arg)
{
	if (st->pg != NULL)
		return pg_store_traces_list(st->pg, f, cb, arg);
	return sq_store_traces_list(st->sq, f, cb, arg);
}

int
store_audit_prune(struct store *st, int64_t before_ms, int max, int64_t *n)
{
	if (st->pg != NULL)
		return pg_store_audit_prune(st->pg, before_ms, max, n);
	return sq_store_audit_prune(st->sq, before_ms, max, n);
}

int
store_actor_status(const struct store_actor *a, int result)
{
	if (result == 0)
		return a != NULL && a->ok_status > 0 ? a->ok_status : 200;
	return a != NULL && a->status_of != NULL ? a->status_of(result) : 500;
}

const char *
store_audit_outcome(int result, const char *given, char *text, size_t cap)
{
	if (result == 0)
		return given != NULL ? given : "success";
	(void)snprintf(text, cap, "error: %s", wj_strerror(result));
	return text;
}

void
store_traces_range(const struct store_trace_filter *f, int64_t *lo,
    int64_t *hi)
{
	*lo = f->from_ms;
	*hi = f->to_ms > 0 ? f->to_ms : INT64_MAX;
	if (f->after_id > 0 && f->after_time_ms < INT64_MAX &&
	    f->after_time_ms + 1 < *hi)
		*hi = f->after_time_ms + 1;
	if (f->id > 0) {
		if (f->id_time_ms - 1 > *lo)
			*lo = f->id_time_ms - 1;
		if (f->id_time_ms < INT64_MAX && f->id_time_ms + 1 < *hi)
			*hi = f->id_time_ms + 1;
	}
}

int
store_traces_filter_ok(const struct store_trace_filter *f)
{
	return f != NULL && f->project_id != NULL && f->limit >= 1 &&
	    f->limit <= WJ_TRACES_LIMIT_MAX + 1 && f->from_ms >= 0 &&
	    f->to_ms >= 0 && f->id >= 0 && f->after_id >= 0;
}
