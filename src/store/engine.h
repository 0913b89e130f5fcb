/*
 * engine.h - the seam between store.h and its engines, private to
 * src/store/ (and the unit tests' hooks).  A struct store is a handle
 * on exactly one engine: the embedded SQLite one (src/store/sqlite/) or
 * PostgreSQL (src/store/pg/).  Every store_X of store.h that touches the
 * data is sq_store_X or pg_store_X with the engine's own handle first
 * and the same parameters after (src/store/store.c dispatches); the
 * synchronous write forms are engine-neutral (src/store/sync.c).
 */
#ifndef WJ_STORE_ENGINE_H
#define WJ_STORE_ENGINE_H

#include "store.h"
#include "../util/buf.h"

struct sq_store;
struct pg_store;

struct store {
	struct sq_store	*sq;	/* one of the two is set */
	struct pg_store	*pg;
};

/*
 * The audit part of a write op, the same for every engine (envelope.c):
 * whether the op leaves an audit_events row in its transaction, who asked,
 * the action, the project, the resource ids it touched (a JSON array) and
 * an outcome the op may set instead of "success".
 */
struct store_audit {
	int		 audit;
	const struct store_actor *actor;	/* may be NULL */
	const char	*action;	/* used when actor->action is NULL */
	char		 project[WJ_PARAM_MAX + 1];	/* "" = none */
	struct buf	 res;		/* resource ids as a JSON array */
	const char	*outcome;	/* set by the op to override "success" */
};
void	store_audit_init(struct store_audit *, int audit,
	    const struct store_actor *, const char *action,
	    const char *project_id);
void	store_audit_clear(struct store_audit *);
/* Add id to the resource list; store_res_end closes the list. */
void	store_res_add(struct store_audit *, const char *id);
void	store_res_end(struct store_audit *);
/* The whole resource list: the ids that follow, up to NULL. */
void	store_res(struct store_audit *, ...);

/* An audit_events row, in the order of both engines' INSERT. */
struct store_audit_row {
	int64_t	    time_ms;
	const char *request_id, *user_id, *action, *project_id, *resource_ids,
		   *outcome, *trace_name, *user_name, *domain_id, *domain_name,
		   *source_ip;
	int	    via, code;
	const char *request;
	int64_t	    record_ms;
	char	    text[128];		/* backs outcome on an error */
};
/* The row of an op that ended with result; WJ_ERR_NOMEM when its
 * resource list could not be built. */
int	store_audit_row(const struct store_audit *, int result,
	    struct store_audit_row *) WJ_WUR;

/* The HTTP status an audit row records for a write's result (either
 * engine's audit insert): the actor's ok_status or status_of. */
int	store_actor_status(const struct store_actor *, int result);
/* An audit row's outcome: given (NULL: "success") for 0, else "error:
 * <why>" written into text[cap]. */
const char *store_audit_outcome(int result, const char *given, char *text,
	    size_t cap);

/*
 * The time range (*lo, *hi), both exclusive, that a traces filter
 * selects: its from and to, narrowed to the marker's millisecond and
 * before, or to one row's.  Empty when *hi - *lo <= 1.
 */
void	store_traces_range(const struct store_trace_filter *, int64_t *lo,
	    int64_t *hi);
/* Whether a traces filter is within its bounds. */
int	store_traces_filter_ok(const struct store_trace_filter *);

/* ---- src/store/sqlite/ -------------------------------------------------- */

int	sq_store_open(const struct store_opts *, struct sq_store **) WJ_WUR;
void	sq_store_close(struct sq_store *);
int	sq_store_backup(struct sq_store *, const char *path) WJ_WUR;
int	sq_store_read_begin(struct sq_store *) WJ_WUR;
int	sq_store_read_end(struct sq_store *, int r);
int	sq_store_data_version(struct sq_store *, int64_t *dv) WJ_WUR;
int	sq_store_ping(struct sq_store *) WJ_WUR;
int	sq_store_sub_jobs_delete_async(struct sq_store *, const struct store_actor *actor, const char *project_id, const char *const *ids, size_t n, struct wj_errinfo *ei, store_done_fn done, void *arg) WJ_WUR;
int	sq_store_sub_jobs_delete_by_status_async(struct sq_store *, const struct store_actor *actor, const char *project_id, int status, int64_t *deleted, store_done_fn done, void *arg) WJ_WUR;
int	sq_store_bootstrap(struct sq_store *, const char *dname, const char *uname, const char *pname, const char *ak, const uint8_t *sk_sealed, size_t sk_sealed_len, struct store_domain *d, struct store_user *u, struct store_project *p) WJ_WUR;
int	sq_store_domain_create(struct sq_store *, const char *name, const char *password_hash, struct store_domain *d, struct store_user *root) WJ_WUR;
int	sq_store_domain_first(struct sq_store *, struct store_domain *out) WJ_WUR;
int	sq_store_domain_by_name(struct sq_store *, const char *name, struct store_domain *out) WJ_WUR;
int	sq_store_domain_get(struct sq_store *, const char *id, struct store_domain *out) WJ_WUR;
int	sq_store_domain_list(struct sq_store *, struct store_domain **out, size_t *n) WJ_WUR;
int	sq_store_project_create(struct sq_store *, const char *domain_id, const char *name, struct store_project *out) WJ_WUR;
int	sq_store_project_list(struct sq_store *, const char *domain_id, struct store_project **out, size_t *n) WJ_WUR;
int	sq_store_project_get(struct sq_store *, const char *id, struct store_project *out) WJ_WUR;
int	sq_store_project_by_name(struct sq_store *, const char *domain_id, const char *name, struct store_project *out) WJ_WUR;
int	sq_store_group_create(struct sq_store *, const char *domain_id, const char *name, struct store_group *out) WJ_WUR;
int	sq_store_group_by_name(struct sq_store *, const char *domain_id, const char *name, struct store_group *out) WJ_WUR;
int	sq_store_group_list(struct sq_store *, const char *domain_id, struct store_group **out, size_t *n) WJ_WUR;
int	sq_store_group_add_user(struct sq_store *, const char *group_id, const char *user_id) WJ_WUR;
int	sq_store_group_remove_user(struct sq_store *, const char *group_id, const char *user_id) WJ_WUR;
int	sq_store_job_create_async(struct sq_store *, const struct store_actor *actor, const struct store_job_in *in, char **body, store_done_fn done, void *arg) WJ_WUR;
int	sq_store_job_show(struct sq_store *, const char *project_id, const char *job_id, store_job_cb jcb, store_sub_job_cb scb, void *arg) WJ_WUR;
int	sq_store_job_retry_async(struct sq_store *, const struct store_actor *actor, const char *project_id, const char *job_id, struct wj_errinfo *ei, store_done_fn done, void *arg) WJ_WUR;
int	sq_store_sub_job_project(struct sq_store *, const char *domain_id, const char *sub_job_id, char project_id[WJ_ID_LEN + 1]) WJ_WUR;
int	sq_store_sub_job_job(struct sq_store *, const char *project_id, const char *sub_job_id, char job_id[WJ_ID_LEN + 1]) WJ_WUR;
int	sq_store_sub_jobs_list(struct sq_store *, const struct store_list_filter *f, int64_t *total, store_sub_job_cb cb, void *arg) WJ_WUR;
int	sq_store_count_by_status(struct sq_store *, int64_t out[JOB_STATUS_COUNT]) WJ_WUR;
int	sq_store_policy_create(struct sq_store *, const char *domain_id, const char *name, const char *document, struct store_policy *out) WJ_WUR;
int	sq_store_policy_put_system(struct sq_store *, const char *name, const char *document) WJ_WUR;
int	sq_store_policy_by_name(struct sq_store *, const char *domain_id, const char *name, struct store_policy *out) WJ_WUR;
int	sq_store_policy_list(struct sq_store *, const char *domain_id, struct store_policy **out, size_t *n) WJ_WUR;
int	sq_store_policy_attach(struct sq_store *, const char *domain_id, const char *policy_id, int ptype, const char *principal_id, const char *project_id) WJ_WUR;
int	sq_store_policy_detach(struct sq_store *, const char *domain_id, const char *policy_id, int ptype, const char *principal_id, const char *project_id) WJ_WUR;
int	sq_store_attachment_list(struct sq_store *, const char *domain_id, struct store_attachment **out, size_t *n) WJ_WUR;
int	sq_store_user_policies(struct sq_store *, const char *user_id, const char *project_id, store_policy_cb cb, void *arg) WJ_WUR;
int	sq_store_user_create(struct sq_store *, const char *domain_id, const char *name, const char *password_hash, struct store_user *out) WJ_WUR;
int	sq_store_user_by_name(struct sq_store *, const char *domain_id, const char *name, struct store_user *out) WJ_WUR;
int	sq_store_user_list(struct sq_store *, const char *domain_id, struct store_user **out, size_t *n) WJ_WUR;
int	sq_store_user_auth_get(struct sq_store *, const char *user_id, struct store_user_auth *out) WJ_WUR;
int	sq_store_user_auth_by_name(struct sq_store *, const char *domain_id, const char *name, struct store_user_auth *out) WJ_WUR;
int	sq_store_user_set_enabled(struct sq_store *, const char *user_id, int enabled) WJ_WUR;
int	sq_store_user_set_password(struct sq_store *, const char *user_id, const char *password_hash) WJ_WUR;
int	sq_store_user_login_failed_async(struct sq_store *, const char *user_id, int64_t now_ms, int threshold, int64_t lock_ms, int *locked, store_done_fn done, void *arg) WJ_WUR;
int	sq_store_user_login_ok_async(struct sq_store *, const char *user_id, store_done_fn done, void *arg) WJ_WUR;
int	sq_store_user_revoke_tokens(struct sq_store *, const char *user_id)
	    WJ_WUR;
int	sq_store_user_unlock(struct sq_store *, const char *user_id) WJ_WUR;
int	sq_store_key_create(struct sq_store *, const char *user_id, const char *ak, const uint8_t *sk_sealed, size_t sk_sealed_len) WJ_WUR;
int	sq_store_key_list(struct sq_store *, const char *domain_id, struct store_key **out, size_t *n) WJ_WUR;
int	sq_store_key_set_enabled(struct sq_store *, const char *ak, int enabled) WJ_WUR;
int	sq_store_key_get(struct sq_store *, const char *ak, struct store_key *out) WJ_WUR;
int	sq_store_key_lock_async(struct sq_store *, const char *ak, int64_t until_ms, store_done_fn done, void *arg) WJ_WUR;
int	sq_store_key_unlock(struct sq_store *, const char *ak, int64_t now_ms) WJ_WUR;
int	sq_store_key_sig_failed_async(struct sq_store *, const char *ak, int64_t now_ms, int threshold, int64_t lock_ms, int64_t *until_ms, store_done_fn done, void *arg) WJ_WUR;
int	sq_store_key_sig_ok_async(struct sq_store *, const char *ak, store_done_fn done, void *arg) WJ_WUR;
int	sq_store_reseal_secrets(struct sq_store *, store_reseal_fn fn, void *arg, int64_t *n) WJ_WUR;
int	sq_store_claim_async(struct sq_store *, const struct store_actor *actor, const struct store_claim_in *in, struct store_claimed *out, store_done_fn done, void *arg) WJ_WUR;
int	sq_store_heartbeat_async(struct sq_store *, const char *domain_id, const char *sub_job_id, const char *lease_id, int process, int64_t *lease_expires_ms, store_done_fn done, void *arg) WJ_WUR;
int	sq_store_finish_async(struct sq_store *, const struct store_actor *actor, const char *domain_id, const char *sub_job_id, const char *lease_id, int status, const char *error_code, const char *fail_reason, const char *host, store_done_fn done, void *arg) WJ_WUR;
int	sq_store_reap(struct sq_store *, int64_t now_ms, int64_t *n) WJ_WUR;
int	sq_store_traces_list(struct sq_store *, const struct store_trace_filter *f, store_trace_cb cb, void *arg) WJ_WUR;
int	sq_store_audit_prune(struct sq_store *, int64_t before_ms, int max, int64_t *n) WJ_WUR;

/* ---- src/store/pg/ ------------------------------------------------------ */

int	pg_store_open(const struct store_opts *, struct pg_store **) WJ_WUR;
void	pg_store_close(struct pg_store *);
int	pg_store_backup(struct pg_store *, const char *path) WJ_WUR;
int	pg_store_read_begin(struct pg_store *) WJ_WUR;
int	pg_store_read_end(struct pg_store *, int r);
int	pg_store_data_version(struct pg_store *, int64_t *dv) WJ_WUR;
int	pg_store_ping(struct pg_store *) WJ_WUR;
int	pg_store_sub_jobs_delete_async(struct pg_store *, const struct store_actor *actor, const char *project_id, const char *const *ids, size_t n, struct wj_errinfo *ei, store_done_fn done, void *arg) WJ_WUR;
int	pg_store_sub_jobs_delete_by_status_async(struct pg_store *, const struct store_actor *actor, const char *project_id, int status, int64_t *deleted, store_done_fn done, void *arg) WJ_WUR;
int	pg_store_bootstrap(struct pg_store *, const char *dname, const char *uname, const char *pname, const char *ak, const uint8_t *sk_sealed, size_t sk_sealed_len, struct store_domain *d, struct store_user *u, struct store_project *p) WJ_WUR;
int	pg_store_domain_create(struct pg_store *, const char *name, const char *password_hash, struct store_domain *d, struct store_user *root) WJ_WUR;
int	pg_store_domain_first(struct pg_store *, struct store_domain *out) WJ_WUR;
int	pg_store_domain_by_name(struct pg_store *, const char *name, struct store_domain *out) WJ_WUR;
int	pg_store_domain_get(struct pg_store *, const char *id, struct store_domain *out) WJ_WUR;
int	pg_store_domain_list(struct pg_store *, struct store_domain **out, size_t *n) WJ_WUR;
int	pg_store_project_create(struct pg_store *, const char *domain_id, const char *name, struct store_project *out) WJ_WUR;
int	pg_store_project_list(struct pg_store *, const char *domain_id, struct store_project **out, size_t *n) WJ_WUR;
int	pg_store_project_get(struct pg_store *, const char *id, struct store_project *out) WJ_WUR;
int	pg_store_project_by_name(struct pg_store *, const char *domain_id, const char *name, struct store_project *out) WJ_WUR;
int	pg_store_group_create(struct pg_store *, const char *domain_id, const char *name, struct store_group *out) WJ_WUR;
int	pg_store_group_by_name(struct pg_store *, const char *domain_id, const char *name, struct store_group *out) WJ_WUR;
int	pg_store_group_list(struct pg_store *, const char *domain_id, struct store_group **out, size_t *n) WJ_WUR;
int	pg_store_group_add_user(struct pg_store *, const char *group_id, const char *user_id) WJ_WUR;
int	pg_store_group_remove_user(struct pg_store *, const char *group_id, const char *user_id) WJ_WUR;
int	pg_store_job_create_async(struct pg_store *, const struct store_actor *actor, const struct store_job_in *in, char **body, store_done_fn done, void *arg) WJ_WUR;
int	pg_store_job_show(struct pg_store *, const char *project_id, const char *job_id, store_job_cb jcb, store_sub_job_cb scb, void *arg) WJ_WUR;
int	pg_store_job_retry_async(struct pg_store *, const struct store_actor *actor, const char *project_id, const char *job_id, struct wj_errinfo *ei, store_done_fn done, void *arg) WJ_WUR;
int	pg_store_sub_job_project(struct pg_store *, const char *domain_id, const char *sub_job_id, char project_id[WJ_ID_LEN + 1]) WJ_WUR;
int	pg_store_sub_job_job(struct pg_store *, const char *project_id, const char *sub_job_id, char job_id[WJ_ID_LEN + 1]) WJ_WUR;
int	pg_store_sub_jobs_list(struct pg_store *, const struct store_list_filter *f, int64_t *total, store_sub_job_cb cb, void *arg) WJ_WUR;
int	pg_store_count_by_status(struct pg_store *, int64_t out[JOB_STATUS_COUNT]) WJ_WUR;
int	pg_store_policy_create(struct pg_store *, const char *domain_id, const char *name, const char *document, struct store_policy *out) WJ_WUR;
int	pg_store_policy_put_system(struct pg_store *, const char *name, const char *document) WJ_WUR;
int	pg_store_policy_by_name(struct pg_store *, const char *domain_id, const char *name, struct store_policy *out) WJ_WUR;
int	pg_store_policy_list(struct pg_store *, const char *domain_id, struct store_policy **out, size_t *n) WJ_WUR;
int	pg_store_policy_attach(struct pg_store *, const char *domain_id, const char *policy_id, int ptype, const char *principal_id, const char *project_id) WJ_WUR;
int	pg_store_policy_detach(struct pg_store *, const char *domain_id, const char *policy_id, int ptype, const char *principal_id, const char *project_id) WJ_WUR;
int	pg_store_attachment_list(struct pg_store *, const char *domain_id, struct store_attachment **out, size_t *n) WJ_WUR;
int	pg_store_user_policies(struct pg_store *, const char *user_id, const char *project_id, store_policy_cb cb, void *arg) WJ_WUR;
int	pg_store_user_create(struct pg_store *, const char *domain_id, const char *name, const char *password_hash, struct store_user *out) WJ_WUR;
int	pg_store_user_by_name(struct pg_store *, const char *domain_id, const char *name, struct store_user *out) WJ_WUR;
int	pg_store_user_list(struct pg_store *, const char *domain_id, struct store_user **out, size_t *n) WJ_WUR;
int	pg_store_user_auth_get(struct pg_store *, const char *user_id, struct store_user_auth *out) WJ_WUR;
int	pg_store_user_auth_by_name(struct pg_store *, const char *domain_id, const char *name, struct store_user_auth *out) WJ_WUR;
int	pg_store_user_set_enabled(struct pg_store *, const char *user_id, int enabled) WJ_WUR;
int	pg_store_user_set_password(struct pg_store *, const char *user_id, const char *password_hash) WJ_WUR;
int	pg_store_user_login_failed_async(struct pg_store *, const char *user_id, int64_t now_ms, int threshold, int64_t lock_ms, int *locked, store_done_fn done, void *arg) WJ_WUR;
int	pg_store_user_login_ok_async(struct pg_store *, const char *user_id, store_done_fn done, void *arg) WJ_WUR;
int	pg_store_user_revoke_tokens(struct pg_store *, const char *user_id)
	    WJ_WUR;
int	pg_store_user_unlock(struct pg_store *, const char *user_id) WJ_WUR;
int	pg_store_key_create(struct pg_store *, const char *user_id, const char *ak, const uint8_t *sk_sealed, size_t sk_sealed_len) WJ_WUR;
int	pg_store_key_list(struct pg_store *, const char *domain_id, struct store_key **out, size_t *n) WJ_WUR;
int	pg_store_key_set_enabled(struct pg_store *, const char *ak, int enabled) WJ_WUR;
int	pg_store_key_get(struct pg_store *, const char *ak, struct store_key *out) WJ_WUR;
int	pg_store_key_lock_async(struct pg_store *, const char *ak, int64_t until_ms, store_done_fn done, void *arg) WJ_WUR;
int	pg_store_key_unlock(struct pg_store *, const char *ak, int64_t now_ms) WJ_WUR;
int	pg_store_key_sig_failed_async(struct pg_store *, const char *ak, int64_t now_ms, int threshold, int64_t lock_ms, int64_t *until_ms, store_done_fn done, void *arg) WJ_WUR;
int	pg_store_key_sig_ok_async(struct pg_store *, const char *ak, store_done_fn done, void *arg) WJ_WUR;
int	pg_store_reseal_secrets(struct pg_store *, store_reseal_fn fn, void *arg, int64_t *n) WJ_WUR;
int	pg_store_claim_async(struct pg_store *, const struct store_actor *actor, const struct store_claim_in *in, struct store_claimed *out, store_done_fn done, void *arg) WJ_WUR;
int	pg_store_heartbeat_async(struct pg_store *, const char *domain_id, const char *sub_job_id, const char *lease_id, int process, int64_t *lease_expires_ms, store_done_fn done, void *arg) WJ_WUR;
int	pg_store_finish_async(struct pg_store *, const struct store_actor *actor, const char *domain_id, const char *sub_job_id, const char *lease_id, int status, const char *error_code, const char *fail_reason, const char *host, store_done_fn done, void *arg) WJ_WUR;
int	pg_store_reap(struct pg_store *, int64_t now_ms, int64_t *n) WJ_WUR;
int	pg_store_traces_list(struct pg_store *, const struct store_trace_filter *f, store_trace_cb cb, void *arg) WJ_WUR;
int	pg_store_audit_prune(struct pg_store *, int64_t before_ms, int max, int64_t *n) WJ_WUR;

/* ---- filter.c: engine-neutral ------------------------------------------- */

/* A list filter with statuses parsed and empty values dropped. */
struct store_norm_filter {
	const char *project_id;
	int	    status[JOB_STATUS_COUNT];
	size_t	    n_status;
	const char *type[WJ_LIST_FILTER_VALUES];
	size_t	    n_type;
	const char *job_id;
	const char *pool;
	int	    none;	/* can match nothing */
};
void	store_norm_filter(const struct store_list_filter *,
	    struct store_norm_filter *);

#endif
