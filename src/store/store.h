/*
 * store.h - persistence of identities, jobs and sub-jobs: the one
 * contract every storage engine implements (src/store/sqlite/ and
 * src/store/pg/, one file per entity or concern, the same file names in
 * both; src/store/store.c picks the engine, engine.h is the seam).  Every write is one transaction run by the
 * store's single writer with group commit
 * (docs/ARCHITECTURE.md#group-commit): the call returns only once its
 * work is durable, or with nothing of it applied.  Reads run on a
 * connection owned by the calling thread.  Returns 0 or a negative
 * WJ_ERR_* code; WJ_ERR_UNAVAILABLE when the database is busy, full or
 * read-only (the caller answers 503 and may retry).
 * Knows nothing of HTTP.
 */
#ifndef WJ_STORE_H
#define WJ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../model/job.h"
#include "../util/err.h"
#include "../util/util.h"
#include "../model/limits.h"

struct buf;

struct store;

#define STORE_NAME_MAX 64	/* domain, user, project names */

struct store_opts {
	const char *path;		/* SQLite: the database file */
	/*
	 * PostgreSQL: a postgres:// or postgresql:// URL (libpq's; the PG*
	 * environment variables fill what it leaves out).  NULL or any
	 * other value: the SQLite file at path.
	 */
	const char *database;
	int	    readonly;		/* no writer thread (tools, tests) */
	int	    max_attempts;	/* lease expiries before FAILED */
	int	    write_queue_max;	/* pending writes before 503; 0 = 4096 */
	int	    db_pool;		/* PostgreSQL connections; 0 = default */
	int	    db_timeout_ms;	/* PostgreSQL: per request; 0 = default */
};

/* Does database (store_opts.database) name a PostgreSQL database: a
 * postgres:// or postgresql:// URL? */
int	store_is_pg_url(const char *database);

/*
 * Open the database o names (creating an SQLite file if absent, mode
 * 0600, WAL), apply the numbered migrations, start the writer.  *out on
 * success.
 */
int	store_open(const struct store_opts *o, struct store **out) WJ_WUR;
/* Finish queued writes, stop the writer, close every connection. */
void	store_close(struct store *);

/*
 * The writes the API makes have an _async form as well, for callers
 * that keep no thread waiting (the HTTP server answers after the shared
 * commit): it returns 0 when the write is queued, and then done(arg,
 * result) runs exactly once, on a thread of the store, once the write is
 * durable or refused (result as the sync form returns it, results and
 * ei filled before).  done must be quick and must not call the store.
 * Every pointer given must stay valid until done runs.  Any other
 * return: nothing was queued and done never runs.  The sync form is the
 * async one and a wait, the same for every engine (src/store/sync.c).
 */
typedef void (*store_done_fn)(void *arg, int result);

/* How a write came in: its audit row's trace type (store_traces_list). */
enum store_via {
	STORE_VIA_API = 0,	/* signed with AK/SK, or a token: ApiCall */
	STORE_VIA_CONSOLE = 1,	/* the web console's session: ConsoleAction */
	STORE_VIA_SYSTEM = 2,	/* the server itself (the lease reaper):
				   SystemAction */
};

/* The lease reaper's audit rows: their action and operation. */
#define STORE_REAP_ACTION	"system:leases:reap"
#define STORE_REAP_TRACE_NAME	"reapExpiredLeases"

/* The request body an audit row keeps, at most (bytes). */
#define STORE_TRACE_REQUEST_MAX	4096

/*
 * Who asked for a write; recorded in audit_events with it.  Every
 * member but action may be NULL (or 0).
 */
struct store_actor {
	const char *request_id;
	const char *user_id;
	const char *action;	/* e.g. workspace:jobs:deleteSubJobRecords */
	const char *trace_name;	/* the operation, e.g. batchDeleteSubJobs */
	const char *user_name;
	const char *domain_id;
	const char *domain_name;
	const char *source_ip;
	const char *request;	/* the body, secrets removed, at most
				   STORE_TRACE_REQUEST_MAX bytes */
	int	    via;	/* enum store_via */
	int64_t	    time_ms;	/* when the request came; 0 = now */
	int	    ok_status;	/* the HTTP status of a success; 0 = 200 */
	/* The status the caller answers for a failed write's result (a
	 * WJ_ERR_*); NULL: 500. */
	int	  (*status_of)(int result);
};

/* ---- identities ---------------------------------------------------- */

struct store_domain { char id[WJ_ID_LEN + 1]; char name[STORE_NAME_MAX + 1]; };
struct store_project {
	char id[WJ_ID_LEN + 1];
	char name[STORE_NAME_MAX + 1];
	char domain_id[WJ_ID_LEN + 1];
};
struct store_user {
	char	id[WJ_ID_LEN + 1];
	char	name[STORE_NAME_MAX + 1];
	char	domain_id[WJ_ID_LEN + 1];
	char	domain_name[STORE_NAME_MAX + 1];
	int	is_root;
	int	enabled;
};
/* An access key with its sealed secret and owner. */
struct store_key {
	char	access_key[WJ_ID_LEN + 1];
	int	enabled;
	int64_t	created_ms;
	int64_t	locked_until_ms;	/* signature lockout; 0 = none */
	int64_t	unlocked_ms;		/* when a lock was last lifted */
	int	sig_failures;		/* bad signatures since the last good
					 * one or lock, counted by every server */
	uint8_t	secret_sealed[128];
	size_t	secret_sealed_len;
	struct store_user user;
};

/*
 * Create domain dname with root user uname, project pname and the root
 * user's first access key, all in one transaction (wksjobs init).
 * WJ_ERR_EXISTS if any domain exists already.
 */
int	store_bootstrap(struct store *, const char *dname, const char *uname,
	    const char *pname, const char *ak, const uint8_t *sk_sealed,
	    size_t sk_sealed_len, struct store_domain *d, struct store_user *u,
	    struct store_project *p) WJ_WUR;
/* The only/first domain (single-account deployments, admin CLI). */
int	store_domain_first(struct store *, struct store_domain *) WJ_WUR;
int	store_project_create(struct store *, const char *domain_id,
	    const char *name, struct store_project *out) WJ_WUR;
/* Projects of a domain, by name; *out malloc'd array of *n. */
int	store_project_list(struct store *, const char *domain_id,
	    struct store_project **out, size_t *n) WJ_WUR;
/* WJ_ERR_NOT_FOUND if no project has this id. */
int	store_project_get(struct store *, const char *id,
	    struct store_project *out) WJ_WUR;
int	store_user_by_name(struct store *, const char *domain_id,
	    const char *name, struct store_user *out) WJ_WUR;
int	store_key_create(struct store *, const char *user_id, const char *ak,
	    const uint8_t *sk_sealed, size_t sk_sealed_len) WJ_WUR;
/* Keys of a domain; *out malloc'd. */
int	store_key_list(struct store *, const char *domain_id,
	    struct store_key **out, size_t *n) WJ_WUR;
int	store_key_set_enabled(struct store *, const char *ak, int enabled)
	    WJ_WUR;
/* Key by AK with its user; WJ_ERR_NOT_FOUND when unknown. */
int	store_key_get(struct store *, const char *ak, struct store_key *out)
	    WJ_WUR;
/*
 * Lock ak until until_ms after consecutive signature failures (the
 * gateway's write, not audited; a later lock is kept).  An unknown AK is
 * no error.  The gateway uses the _async form and waits for nothing.
 */
int	store_key_lock(struct store *, const char *ak, int64_t until_ms)
	    WJ_WUR;
int	store_key_lock_async(struct store *, const char *ak, int64_t until_ms,
	    store_done_fn done, void *arg) WJ_WUR;
/*
 * Lift ak's lock at now_ms (unlocked_ms = now_ms, which tells the servers
 * to drop the lock they keep in memory too) and forget its failures;
 * WJ_ERR_NOT_FOUND.
 */
int	store_key_unlock(struct store *, const char *ak, int64_t now_ms)
	    WJ_WUR;
/*
 * A bad signature of ak at now_ms, counted in the store so that every
 * server's failures add up: sig_failures + 1, and the threshold-th locks
 * ak until now_ms + lock_ms (a later lock is kept) and the count starts
 * again; while ak is locked at now_ms nothing is counted.  One atomic
 * step, however many servers count at once.  *until_ms (may be NULL)
 * gets the end of ak's lock when it is locked after this failure (by it
 * or before), else 0.  An unknown AK is no error.  Not audited.
 */
int	store_key_sig_failed(struct store *, const char *ak, int64_t now_ms,
	    int threshold, int64_t lock_ms, int64_t *until_ms) WJ_WUR;
int	store_key_sig_failed_async(struct store *, const char *ak,
	    int64_t now_ms, int threshold, int64_t lock_ms, int64_t *until_ms,
	    store_done_fn done, void *arg) WJ_WUR;
/* A good signature: ak's sig_failures back to 0 (no row written when it
 * is 0 already).  An unknown AK is no error. */
int	store_key_sig_ok(struct store *, const char *ak) WJ_WUR;
int	store_key_sig_ok_async(struct store *, const char *ak,
	    store_done_fn done, void *arg) WJ_WUR;

/*
 * The new sealed form of a stored secret (an access key's secret key,
 * sealed with its AK as the additional data): into out[0..cap), its
 * length in *outlen.  Any error stops store_reseal_secrets.
 */
typedef int (*store_reseal_fn)(void *arg, const char *ak, const uint8_t *in,
    size_t inlen, uint8_t *out, size_t cap, size_t *outlen);
/*
 * Re-seal every secret the store keeps, in one transaction: each is
 * replaced by what fn makes of it, or, on any error, none is (master key
 * rotation).  *n: how many were re-sealed.
 */
int	store_reseal_secrets(struct store *, store_reseal_fn fn, void *arg,
	    int64_t *n) WJ_WUR;

/*
 * A consistent copy of the database as of one moment, taken while
 * writers go on, into the new file path (mode 0600; WJ_ERR_EXISTS when
 * it exists) and checked by the engine before it returns; a failed copy
 * leaves no file.
 */
int	store_backup(struct store *, const char *path) WJ_WUR;

/*
 * Copy every row of the database from names into the database to names,
 * of either engine, which must hold no account yet (its schema is made
 * first): identities, keys, policies, jobs, sub-jobs with their leases,
 * client tokens, audit events; the counts writes keep are rebuilt from
 * the rows.  The source is read in one snapshot and the destination
 * written in one transaction, committed only when every table's row
 * count matches on both sides (else nothing of it stays).  Run it with
 * the service stopped: later writes to from are not copied.
 * WJ_ERR_EXISTS when to holds an account.
 */
#define STORE_COPY_TABLES_MAX	32
struct store_copy_report {
	struct store_copy_table {
		char	name[64];
		int64_t	rows;
	} t[STORE_COPY_TABLES_MAX];
	size_t	n;
};
int	store_copy(const struct store_opts *from, const struct store_opts *to,
	    struct store_copy_report *rep) WJ_WUR;

/* ---- jobs ------------------------------------------------------------ */

/* One sub-job of a create request; strings owned by the caller. */
struct store_sub_job_in {
	const char *entities;	/* compact JSON object text or NULL */
	const char *desktop_pool_id;
	const char *attach_user;
	const char *entity;
	const char *ip_address;
};

struct store_job_in {
	const char *project_id;
	const char *job_type;
	const char *client_token;	/* X-Client-Token or NULL */
	const struct store_sub_job_in *subs;
	size_t	    n;			/* 1..WJ_CREATE_SUB_JOBS_MAX */
};

/*
 * Create a job and its n WAITING sub-jobs (one clock reading for all).
 * *body receives the 201 answer {"job_id","sub_job_ids":[...]} (malloc'd).
 * With a client token seen before in this project, nothing is created and
 * *body is the first answer's body, byte for byte.
 */
int	store_job_create(struct store *, const struct store_actor *,
	    const struct store_job_in *, char **body) WJ_WUR;
int	store_job_create_async(struct store *, const struct store_actor *,
	    const struct store_job_in *, char **body, store_done_fn done,
	    void *arg) WJ_WUR;

struct store_list_filter {
	const char  *project_id;
	const char  *statuses[WJ_LIST_FILTER_VALUES];	/* OR */
	size_t	     n_statuses;
	const char  *job_types[WJ_LIST_FILTER_VALUES];	/* OR */
	size_t	     n_job_types;
	const char  *job_id;		/* NULL = any */
	const char  *desktop_pool_id;	/* NULL = any */
	int64_t	     limit;
	int64_t	     offset;
};

/* Called per row; non-zero return stops the walk and is passed back. */
typedef int (*store_sub_job_cb)(void *arg, const struct sub_job *);
typedef int (*store_job_cb)(void *arg, const struct job *);

/*
 * ListItaSubJobs: *total = every match before paging (from the counts the
 * writes keep, not a scan where the filter allows), then cb for the page
 * in order begin_time desc, id asc (docs/API.md#listitasubjobs).
 */
int	store_sub_jobs_list(struct store *, const struct store_list_filter *,
	    int64_t *total, store_sub_job_cb cb, void *arg) WJ_WUR;

/*
 * A read snapshot of the calling thread: every read of this thread from
 * store_read_begin to the matching store_read_end sees one state of the
 * data (the reads of the functions above join it).  Nests.
 * store_read_end returns r, or its own error when r is 0.
 */
int	store_read_begin(struct store *) WJ_WUR;
int	store_read_end(struct store *, int r);
/*
 * The data version of the calling thread's snapshot (inside
 * store_read_begin/store_read_end: the version of the data its reads
 * see).  Two equal versions of one store mean no commit of any
 * connection or process changed the data in between.
 */
int	store_data_version(struct store *, int64_t *out) WJ_WUR;

/*
 * ShowJob: jcb once with the job, then scb for every sub-job (same order
 * as the list).  WJ_ERR_NOT_FOUND if the job is not in this project.
 */
int	store_job_show(struct store *, const char *project_id,
	    const char *job_id, store_job_cb jcb, store_sub_job_cb scb,
	    void *arg) WJ_WUR;

/*
 * Retry a FAILED job: its FAILED sub-jobs go back to WAITING (attempts,
 * error fields, process and end time cleared).  WJ_ERR_NOT_FOUND, or
 * WJ_ERR_INVALID with the reason in ei when the job is not FAILED.
 */
int	store_job_retry(struct store *, const struct store_actor *,
	    const char *project_id, const char *job_id,
	    struct wj_errinfo *ei) WJ_WUR;
int	store_job_retry_async(struct store *, const struct store_actor *,
	    const char *project_id, const char *job_id,
	    struct wj_errinfo *ei, store_done_fn done, void *arg) WJ_WUR;

/*
 * BatchDeleteSubJobs by IDs (docs/API.md#batchdeletesubjobs), all or
 * nothing.  Unknown IDs are skipped.  WJ_ERR_INVALID with every
 * offending ID and why in ei if any ID is a job ID, a WAITING/RUNNING
 * sub-job, or of a protected type; then nothing is deleted.  ids are
 * distinct.
 */
int	store_sub_jobs_delete(struct store *, const struct store_actor *,
	    const char *project_id, const char *const *ids, size_t n,
	    struct wj_errinfo *ei) WJ_WUR;
int	store_sub_jobs_delete_async(struct store *, const struct store_actor *,
	    const char *project_id, const char *const *ids, size_t n,
	    struct wj_errinfo *ei, store_done_fn done, void *arg) WJ_WUR;
/* Delete every sub-job of the project in status (SUCCESS or FAILED)
 * except protected types; *deleted counts them (may be NULL). */
int	store_sub_jobs_delete_by_status(struct store *,
	    const struct store_actor *, const char *project_id, int status,
	    int64_t *deleted) WJ_WUR;
int	store_sub_jobs_delete_by_status_async(struct store *,
	    const struct store_actor *, const char *project_id, int status,
	    int64_t *deleted, store_done_fn done, void *arg) WJ_WUR;

/* ---- workers (docs/API.md#internal-api) ------------------------- */

struct store_claim_in {
	const char  *domain_id;		/* only this account's projects */
	const char  *project_ids[WJ_LIST_FILTER_VALUES]; /* narrows; may be 0 */
	size_t	     n_project_ids;
	const char  *job_types[WJ_LIST_FILTER_VALUES];
	size_t	     n_job_types;
	const char  *worker_id;
	const char  *host;
	int	     max;		/* 1..WJ_CLAIM_MAX */
	int	     lease_seconds;
};

/* Owned copy of claimed sub-jobs; free with store_claimed_free. */
struct store_claimed {
	struct sub_job *v;
	size_t		n;
	char	       *arena;		/* backs every string of v */
};
void	store_claimed_free(struct store_claimed *);

/*
 * Atomically move up to in->max of the oldest WAITING sub-jobs to RUNNING
 * with a fresh lease each.  No sub-job is ever held by two leases.  When
 * nothing waits for the caller (read without the write lock), nothing is
 * written: the _async form then runs done before it returns.
 */
int	store_claim(struct store *, const struct store_actor *,
	    const struct store_claim_in *, struct store_claimed *out) WJ_WUR;
int	store_claim_async(struct store *, const struct store_actor *,
	    const struct store_claim_in *, struct store_claimed *out,
	    store_done_fn done, void *arg) WJ_WUR;
/*
 * Extend the lease by its lease_seconds and record process (0..100, or -1
 * to leave it).  WJ_ERR_NOT_FOUND for an unknown sub-job (or one outside
 * domain_id), WJ_ERR_CONFLICT when lease_id no longer holds it.
 */
int	store_heartbeat(struct store *, const char *domain_id,
	    const char *sub_job_id, const char *lease_id, int process,
	    int64_t *lease_expires_ms) WJ_WUR;
int	store_heartbeat_async(struct store *, const char *domain_id,
	    const char *sub_job_id, const char *lease_id, int process,
	    int64_t *lease_expires_ms, store_done_fn done, void *arg) WJ_WUR;
/* Finish a leased sub-job as SUCCESS or FAILED; errors as heartbeat. */
int	store_finish(struct store *, const struct store_actor *,
	    const char *domain_id, const char *sub_job_id,
	    const char *lease_id, int status, const char *error_code,
	    const char *fail_reason, const char *host) WJ_WUR;
int	store_finish_async(struct store *, const struct store_actor *,
	    const char *domain_id, const char *sub_job_id,
	    const char *lease_id, int status, const char *error_code,
	    const char *fail_reason, const char *host, store_done_fn done,
	    void *arg) WJ_WUR;
/*
 * Expired leases: back to WAITING with attempts + 1, or FAILED once
 * attempts reaches max_attempts.  *n = sub-jobs touched.
 */
int	store_reap(struct store *, int64_t now_ms, int64_t *n) WJ_WUR;

/* ---- observability -------------------------------------------------- */

/* Sub-jobs by status over every project (for /metrics). */
int	store_count_by_status(struct store *, int64_t out[JOB_STATUS_COUNT])
	    WJ_WUR;
/* A cheap query proving the database answers (for /readyz). */
int	store_ping(struct store *) WJ_WUR;

/* ---- IAM: accounts, users, groups, policies --------------------------- */

#define STORE_PASSWORD_HASH_MAX	255	/* an argon2id encoded hash */
#define STORE_POLICY_DOC_MAX	6144	/* = POLICY_DOC_MAX (auth/policy.h) */

/* A user with what logging in needs; wipe password_hash after use. */
struct store_user_auth {
	struct store_user user;
	char	password_hash[STORE_PASSWORD_HASH_MAX + 1]; /* "" = none */
	int	failed_logins;		/* consecutive wrong passwords */
	int64_t	locked_until_ms;	/* 0 = not locked */
	int64_t	tokens_valid_after_ms;	/* tokens issued until then: revoked */
};

struct store_group {
	char	id[WJ_ID_LEN + 1];
	char	name[STORE_NAME_MAX + 1];
	char	domain_id[WJ_ID_LEN + 1];
};

struct store_policy {
	char	id[WJ_ID_LEN + 1];
	char	name[STORE_NAME_MAX + 1];
	char	domain_id[WJ_ID_LEN + 1];	/* "" for a system policy */
	int	is_system;
	int64_t	updated_ms;
	char	document[STORE_POLICY_DOC_MAX + 1];
};

enum store_principal_type {
	STORE_PRINCIPAL_USER = 0,
	STORE_PRINCIPAL_GROUP = 1,
};

/* One attachment, with names for display. */
struct store_attachment {
	char	policy_id[WJ_ID_LEN + 1];
	char	policy_name[STORE_NAME_MAX + 1];
	int	principal_type;			/* enum store_principal_type */
	char	principal_id[WJ_ID_LEN + 1];
	char	principal_name[STORE_NAME_MAX + 1];
	char	project_id[WJ_ID_LEN + 1];	/* "" = the whole domain */
	char	project_name[STORE_NAME_MAX + 1];
};

/*
 * A new account (domain) with its root user of the same name; the root
 * user gets password_hash when not NULL.  WJ_ERR_EXISTS for a taken name.
 */
int	store_domain_create(struct store *, const char *name,
	    const char *password_hash, struct store_domain *d,
	    struct store_user *root) WJ_WUR;
int	store_domain_by_name(struct store *, const char *name,
	    struct store_domain *out) WJ_WUR;
int	store_domain_get(struct store *, const char *id,
	    struct store_domain *out) WJ_WUR;
/* Every domain, by creation; *out malloc'd. */
int	store_domain_list(struct store *, struct store_domain **out,
	    size_t *n) WJ_WUR;
/* Project of a domain by name; WJ_ERR_NOT_FOUND. */
int	store_project_by_name(struct store *, const char *domain_id,
	    const char *name, struct store_project *out) WJ_WUR;

/* A new (non-root, enabled) user; password_hash may be NULL. */
int	store_user_create(struct store *, const char *domain_id,
	    const char *name, const char *password_hash,
	    struct store_user *out) WJ_WUR;
/* Users of a domain by name; *out malloc'd. */
int	store_user_list(struct store *, const char *domain_id,
	    struct store_user **out, size_t *n) WJ_WUR;
/* The user and its login state, by id or by name in a domain. */
int	store_user_auth_get(struct store *, const char *user_id,
	    struct store_user_auth *out) WJ_WUR;
int	store_user_auth_by_name(struct store *, const char *domain_id,
	    const char *name, struct store_user_auth *out) WJ_WUR;
/* Enable or disable; disabling revokes the user's tokens. */
int	store_user_set_enabled(struct store *, const char *user_id,
	    int enabled) WJ_WUR;
/*
 * Set the password hash: revokes the user's tokens and clears a
 * password lockout.
 */
int	store_user_set_password(struct store *, const char *user_id,
	    const char *password_hash) WJ_WUR;
/*
 * A wrong password: failed_logins + 1; reaching threshold locks the user
 * until now_ms + lock_ms (and the count starts again).  *locked (may be
 * NULL) says whether this failure locked it.
 */
int	store_user_login_failed(struct store *, const char *user_id,
	    int64_t now_ms, int threshold, int64_t lock_ms, int *locked)
	    WJ_WUR;
int	store_user_login_failed_async(struct store *, const char *user_id,
	    int64_t now_ms, int threshold, int64_t lock_ms, int *locked,
	    store_done_fn done, void *arg) WJ_WUR;
/* Revoke every token of the user issued until now (logging out of the
 * console; audited); WJ_ERR_NOT_FOUND for an unknown user. */
int	store_user_revoke_tokens(struct store *, const char *user_id) WJ_WUR;
/* Lift a password lockout: no lock, no failures counted (audited). */
int	store_user_unlock(struct store *, const char *user_id) WJ_WUR;
/* A right password: the count of failures goes back to 0. */
int	store_user_login_ok(struct store *, const char *user_id) WJ_WUR;
int	store_user_login_ok_async(struct store *, const char *user_id,
	    store_done_fn done, void *arg) WJ_WUR;

int	store_group_create(struct store *, const char *domain_id,
	    const char *name, struct store_group *out) WJ_WUR;
int	store_group_by_name(struct store *, const char *domain_id,
	    const char *name, struct store_group *out) WJ_WUR;
int	store_group_list(struct store *, const char *domain_id,
	    struct store_group **out, size_t *n) WJ_WUR;
/*
 * Membership changes revoke the user's tokens.  Adding a member twice is
 * not an error; removing a non-member is WJ_ERR_NOT_FOUND.  The user and
 * the group must be of one domain (WJ_ERR_INVALID otherwise).
 */
int	store_group_add_user(struct store *, const char *group_id,
	    const char *user_id) WJ_WUR;
int	store_group_remove_user(struct store *, const char *group_id,
	    const char *user_id) WJ_WUR;

/* A custom policy of a domain (document already validated). */
int	store_policy_create(struct store *, const char *domain_id,
	    const char *name, const char *document, struct store_policy *out)
	    WJ_WUR;
/* Create or refresh a system policy (no domain) by name. */
int	store_policy_put_system(struct store *, const char *name,
	    const char *document) WJ_WUR;
/* The domain's custom policy of that name, else the system one. */
int	store_policy_by_name(struct store *, const char *domain_id,
	    const char *name, struct store_policy *out) WJ_WUR;
/* System policies and the domain's, by name; *out malloc'd. */
int	store_policy_list(struct store *, const char *domain_id,
	    struct store_policy **out, size_t *n) WJ_WUR;
/*
 * Attach policy_id to a user or group of domain_id, for project_id ("" =
 * the whole domain).  Revokes the tokens of the user (every member of the
 * group).  Attaching twice is not an error; detaching what is not
 * attached is WJ_ERR_NOT_FOUND.  WJ_ERR_INVALID when the principal,
 * project or policy is not of domain_id (system policies are of all).
 */
int	store_policy_attach(struct store *, const char *domain_id,
	    const char *policy_id, int principal_type,
	    const char *principal_id, const char *project_id) WJ_WUR;
int	store_policy_detach(struct store *, const char *domain_id,
	    const char *policy_id, int principal_type,
	    const char *principal_id, const char *project_id) WJ_WUR;
/* Attachments of the domain's users and groups; *out malloc'd. */
int	store_attachment_list(struct store *, const char *domain_id,
	    struct store_attachment **out, size_t *n) WJ_WUR;

/* A policy that applies to a user, as store_user_policies reports it. */
struct store_policy_ref {
	const char *id;
	const char *name;
	const char *document;
	const char *project_id;		/* "" = whole domain */
	int	    is_system;
	int64_t	    updated_ms;
};
typedef int (*store_policy_cb)(void *arg, const struct store_policy_ref *);

/*
 * Every policy attached to user_id or to one of its groups, once per
 * (policy, project), for project_id: NULL = every attachment, "" = the
 * domain-wide ones, else the domain-wide ones and those of project_id.
 * Strings are borrowed for the call.
 */
int	store_user_policies(struct store *, const char *user_id,
	    const char *project_id, store_policy_cb cb, void *arg) WJ_WUR;

/* ---- the audit trail (docs/API.md#listtraces) ------------------------ */

/* A filter of store_traces_list; NULL or 0 members do not filter. */
struct store_trace_filter {
	const char *project_id;		/* required */
	int64_t	    from_ms;		/* time > from_ms */
	int64_t	    to_ms;		/* time < to_ms; 0 = no bound */
	const char *user_name;
	const char *trace_name;
	const char *resource_id;	/* one of the row's resources */
	int64_t	    id;			/* that row only (with time_ms) */
	int64_t	    id_time_ms;
	/* After the row (after_time_ms, after_id) in the list's order: the
	 * marker of the previous page; after_id 0 = from the newest. */
	int64_t	    after_time_ms;
	int64_t	    after_id;
	/* rows, 1..WJ_TRACES_LIMIT_MAX + 1 (one more than a page tells
	 * whether there is a next one) */
	int	    limit;
};

/* One audit row; strings borrowed for the callback, NULL when absent. */
struct store_trace {
	int64_t	    id;
	int64_t	    time_ms;
	int64_t	    record_ms;
	const char *request_id;
	const char *user_id;
	const char *user_name;
	const char *domain_id;
	const char *domain_name;
	const char *action;
	const char *trace_name;
	const char *resource_ids;	/* a JSON array of strings */
	const char *outcome;
	const char *source_ip;
	const char *request;
	int	    code;		/* 0 = not recorded */
	int	    via;		/* enum store_via */
};
typedef int (*store_trace_cb)(void *arg, const struct store_trace *);

/*
 * The audit rows of f->project_id that f selects, newest first (time_ms
 * descending, then id descending), at most f->limit, each to cb (a
 * non-zero return stops the walk and is passed back).
 */
int	store_traces_list(struct store *, const struct store_trace_filter *f,
	    store_trace_cb cb, void *arg) WJ_WUR;
/*
 * Delete up to max audit rows older than before_ms, oldest first (by
 * insertion order), in one transaction; *n counts them.  A caller prunes
 * in bounded batches until *n < max.
 */
int	store_audit_prune(struct store *, int64_t before_ms, int max,
	    int64_t *n) WJ_WUR;

/* The job of a sub-job of project_id (to tell a user who gave a sub-job
 * ID where a job ID belongs); WJ_ERR_NOT_FOUND. */
int	store_sub_job_job(struct store *, const char *project_id,
	    const char *sub_job_id, char job_id[WJ_ID_LEN + 1]) WJ_WUR;

/* The project of a sub-job of domain_id; WJ_ERR_NOT_FOUND. */
int	store_sub_job_project(struct store *, const char *domain_id,
	    const char *sub_job_id, char project_id[WJ_ID_LEN + 1]) WJ_WUR;

#endif
