/*
 * api.h - the application: the route table of the public and internal
 * APIs and the one gate every request passes (route, authenticate, rate
 * limit, project scope, authorize, handler; see
 * docs/ARCHITECTURE.md#request-flow).  Handlers
 * live in a file per resource and return WJ_ERR_* codes; the gate writes
 * every error body through http_reply_error.
 */
#ifndef WJ_API_H
#define WJ_API_H

#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>

#include "../auth/authn.h"
#include "../auth/guard.h"
#include "../http/http.h"
#include "../store/store.h"
#include "memo.h"

enum { API_LISTENER_PUBLIC = 0, API_LISTENER_INTERNAL = 1 };

struct api_metrics;

#define API_TOKEN_LIFETIME_MS	(24 * 3600 * 1000LL) /* as IAM's */
#define API_LOGIN_FAILURES	5	/* wrong passwords before a lock */
#define API_PASSWORD_LOCK_MS	(15 * 60 * 1000LL)

/* Settings of the gate and the IAM handlers (wksjobs serve flags). */
struct api_opts {
	int	rate_limit;		/* per user and route, per second; 0 off */
	int64_t	token_lifetime_ms;
	int64_t	ak_lock_ms;		/* after GUARD_AK_FAILURES failures */
	int64_t	password_lock_ms;	/* after API_LOGIN_FAILURES */
	int	no_console;		/* no /console/ (serve --console=false) */
	int	console_secure;		/* the public listener is HTTPS: the
					   session cookie is Secure */
};

struct api {
	struct store	     *store;
	struct wj_master_key  mk;
	struct authn	      authn;
	struct api_metrics   *metrics;
	struct guard	     *guard;		/* AK lockout, rate limits */
	struct api_memo	     *memo;		/* rendered answers (memo.c) */
	int64_t		      token_lifetime_ms;
	int64_t		      password_lock_ms;
	int		      console;		/* /console/ served */
	int		      console_secure;	/* Secure cookie */
};

/* Projects a claim may take sub-jobs from (set by the gate). */
struct api_claim_scope {
	int	all;		/* every project of the account */
	size_t	n;
	char	ids[WJ_LIST_FILTER_VALUES][WJ_ID_LEN + 1];
};

/* Everything one request's handler needs. */
struct api_req {
	struct api	   *api;
	struct http_req	   *http;
	struct principal    who;
	const char	   *project_id;	/* path project, when the route has one */
	struct store_actor  actor;
	struct wj_errinfo   err;
	char		   *denial;	/* encoded authorization message of a
					   WJ_ERR_DENIED (owned) */
	json_t		   *body;	/* the body as api_body_object parsed
					   it (a reference of its own), or
					   NULL */
	struct api_claim_scope claim;
};

typedef int (*api_handler)(struct api_req *);

/* What the gate does for a route before its handler. */
enum api_route_flags {
	API_ROUTE_NO_AUTH = 1 << 0,	/* health, metrics, getting a token */
	API_ROUTE_PROJECT = 1 << 1,	/* params[0] is the project_id */
	API_ROUTE_SUB_JOB = 1 << 2,	/* params[0] is a sub-job: act in its
					   project */
	API_ROUTE_CLAIM = 1 << 3,	/* the action is checked per project */
	API_ROUTE_LIMIT_IP = 1 << 4,	/* no credentials: rate-limit the
					   address */
	API_ROUTE_CONSOLE = 1 << 5,	/* the web console's: absent unless
					   it is on; its page headers */
};

/* One endpoint: where it is served, who may call it, what answers. */
struct api_route {
	struct http_route http;		/* method, pattern, listener: first,
					   for http_route_match */
	const char	 *name;		/* SDK operation name, for metrics */
	int		  flags;	/* enum api_route_flags */
	const char	 *action;	/* IAM action, NULL: none to check */
	api_handler	  handler;
	int		  style;	/* enum http_err_style of its errors */
};

/* The route table (api.c); http_req.route indexes it. */
extern const struct api_route api_routes[];
extern const size_t api_n_routes;

/*
 * Set up the application over an open store; the master key is copied.
 * Defaults of struct api_opts: rate 200/s, 24 h tokens, 5 min AK and
 * 15 min password locks.
 */
int	api_init(struct api *, struct store *, const struct wj_master_key *)
	    WJ_WUR;
/* Change the settings (before serving); 0 fields keep the defaults. */
int	api_configure(struct api *, const struct api_opts *) WJ_WUR;
void	api_free(struct api *);
/* http_app callbacks: arg is the struct api. */
void	api_dispatch(void *arg, struct http_req *);
void	api_completed(void *arg, struct http_req *, int64_t micros);

/* ---- helpers shared by the handlers (api_util.c) -------------------- */

/*
 * Parse the request body as one JSON object.  WJ_ERR_EMPTY_BODY for an
 * empty body; WJ_ERR_MEDIA_TYPE unless Content-Type is application/json;
 * WJ_ERR_INVALID (reason in r->err) for anything but an object.  r->body
 * keeps a reference of the object until the request's dispatch ends (the
 * audit row's copy of the body starts from it); handlers must not change
 * the object.
 */
int	api_body_object(struct api_req *, json_t **out) WJ_WUR;
/*
 * Read member key of obj as a string of min..max UTF-8 characters.  An
 * absent (or null) member gives *out = NULL when !required; otherwise
 * WJ_ERR_INVALID naming the member.
 */
int	api_json_str(struct api_req *, json_t *obj, const char *key,
	    size_t min, size_t max, int required, const char **out) WJ_WUR;
/* Read member key as an integer in min..max; absent leaves *out. */
int	api_json_int(struct api_req *, json_t *obj, const char *key,
	    int64_t min, int64_t max, int required, int64_t *out) WJ_WUR;
/* The request's query parameters (http_query_parse); a 400 that says
 * why when there are too many. */
int	api_query(struct api_req *, struct http_qparam **q, size_t *n) WJ_WUR;
/* Reply with the JSON in b. */
int	api_reply(struct api_req *, int status, struct buf *b);
/* Write key: {"id": id, "name": name}. */
void	api_json_named(struct jw *, const char *key, const char *id,
	    const char *name);
/* Reply 200 with the object {key: value}. */
int	api_reply_member(struct api_req *, const char *key, const char *value);

/*
 * A write answered after the shared commit: the handler makes its
 * pending state (api_pending_new), queues the store's _async call with
 * api_pending_done as its done function and ends with api_deferred,
 * which hands the request to its endpoint's one reply function.  The
 * reply function runs on a server thread once the write is durable or
 * refused and answers with api_pending_reply.  Everything the store
 * reads until then lives in the endpoint's pending state, which starts
 * with this struct.
 */
#define API_TRACE_NAME_MAX	63	/* an audit row's operation name */

struct api_pending {
	struct http_req	   *h;
	struct store_actor  actor;	/* user_id points to user_id below */
	char		    user_id[WJ_ID_LEN + 1];
	char		    domain_id[WJ_ID_LEN + 1];	/* the caller's */
	/* what the audit row keeps (api_trace_actor) */
	char		    trace_name[API_TRACE_NAME_MAX + 1];
	char		    user_name[STORE_NAME_MAX + 1];
	char		    domain_name[STORE_NAME_MAX + 1];
	char		    request[STORE_TRACE_REQUEST_MAX + 1];
	struct wj_errinfo   err;	/* the store's reason of a refusal */
	int		    result;
	json_t		   *doc;	/* the request body the write reads */
};
/* A zeroed pending state of size bytes, starting with the struct
 * api_pending filled for r (its actor and the caller's domain copied);
 * NULL when out of memory. */
void	*api_pending_new(const struct api_req *r, size_t size);
/* Free a pending state that holds nothing but p->doc besides. */
void	api_pending_free(void *p);
/* The store_done_fn of a pending write: keeps result, resumes p->h. */
void	api_pending_done(void *arg, int result);
/* Answer after the commit: reply(h, p) fills the response then. */
void	api_defer(struct api_pending *,
	    void (*reply)(struct http_req *, void *p));
/*
 * The end of a write handler, e being what parsing and queueing the
 * store's _async call gave: 0 after api_defer(p, reply), or e after
 * drop(p) freed the pending state.
 */
int	api_deferred(struct api_pending *p, int e,
	    void (*reply)(struct http_req *, void *p), void (*drop)(void *p));
/*
 * The answer of a pending write: its error when result failed, else
 * status with the JSON in b (NULL: no body).  Frees b, not p.
 */
void	api_pending_reply(struct api_pending *, int status, struct buf *b);
/* The same with the object {"key": "value", ...} of the (key, value)
 * string pairs that follow, up to a NULL key. */
void	api_pending_reply_obj(struct api_pending *, int status, ...);

/* ---- the audit trail (api_traces.c; docs/API.md#listtraces) ------- */

/*
 * Fill p's actor with what an audit row keeps of r: the operation (the
 * route's name in lowerCamelCase), the caller's names and address, how
 * the request came (console session, or signature/token), when, and the
 * request body with secrets masked, cut to STORE_TRACE_REQUEST_MAX bytes.
 */
void	api_trace_actor(struct api_pending *p, const struct api_req *r);
/* The one body rule: body with secret members masked, as text, in
 * out[cap] (at most cap - 1 bytes); "" when it is not a JSON object.
 * doc, when not NULL, is body as api_body_object parsed it: without
 * secret members it is written out as it is, not parsed again. */
void	api_trace_request(const char *body, size_t len, const json_t *doc,
	    char *out, size_t cap);
int	api_traces_list(struct api_req *);

/* ---- handlers ---------------------------------------------------------- */

int	api_sub_jobs_list(struct api_req *);
int	api_sub_jobs_batch_delete(struct api_req *);
int	api_jobs_show(struct api_req *);
int	api_jobs_action(struct api_req *);
int	api_internal_create(struct api_req *);
int	api_internal_claim(struct api_req *);
int	api_internal_heartbeat(struct api_req *);
int	api_internal_finish(struct api_req *);
int	api_health_healthz(struct api_req *);
int	api_console_file(struct api_req *);
int	api_console_login(struct api_req *);
int	api_console_logout(struct api_req *);
int	api_console_session(struct api_req *);
int	api_health_readyz(struct api_req *);
int	api_health_metrics(struct api_req *);
int	api_iam_token_create(struct api_req *);
int	api_iam_token_validate(struct api_req *);
int	api_iam_projects(struct api_req *);
int	api_iam_auth_domains(struct api_req *);
int	api_sts_decode(struct api_req *);
int	api_sts_caller_identity(struct api_req *);
int	api_openapi_get(struct api_req *);

/* ---- authorization (api_authz.c) ------------------------------------ */

/*
 * Authorize action for the principal of r in project (NULL: outside any
 * project).  0 when allowed (the root user always is); WJ_ERR_DENIED with
 * r->denial set when not.
 */
int	api_authorize(struct api_req *, const char *action,
	    const char *project) WJ_WUR;
/*
 * Work out r->claim for a claim (every project of the account where the
 * principal may execute, narrowed by a token's scope).  WJ_ERR_DENIED
 * when there is none.
 */
int	api_authorize_claim(struct api_req *, const char *action) WJ_WUR;
/*
 * Narrow a claim request to r->claim: an explicit project_ids list must
 * lie inside it (WJ_ERR_DENIED naming the first that does not); an empty
 * one becomes it.
 */
int	api_claim_narrow(struct api_req *, struct store_claim_in *) WJ_WUR;

/* ---- the web console (api_console.c; docs/API.md#web-console) ------ */

#define API_CONSOLE_COOKIE	"wksjobs_session"

/*
 * The console's session token in the request's Cookie header, copied to
 * out (cap bytes); 0 when there is one, -1 when not.
 */
int	api_console_cookie(const struct http_req *, char *out, size_t cap);
/*
 * A write authenticated by the session cookie carries X-CSRF-Token, the
 * token's CSRF value: WJ_ERR_DENIED (reason in r->err) when it does not.
 */
int	api_console_csrf_check(struct api_req *, const char *token) WJ_WUR;
/* The headers of every console answer: CSP, framing, sniffing. */
void	api_console_headers(struct http_req *);
/*
 * The answer of a console login (api_iam.c's password flow calls it once
 * the token t, sealed as text, is issued): the session cookie and the
 * session's JSON.
 */
int	api_console_login_reply(struct api_req *, const struct token *t,
	    const char *text, int is_root) WJ_WUR;
/*
 * The IAM password flow for the console's login: the body's account,
 * user and password; a token of the account's scope, answered by
 * api_console_login_reply (errors in IAM's shape).
 */
int	api_iam_console_login(struct api_req *) WJ_WUR;

/* ---- metrics (api_metrics.c) ------------------------------------------- */

int	api_metrics_new(size_t n_routes, struct api_metrics **out) WJ_WUR;
void	api_metrics_free(struct api_metrics *);
void	api_metrics_observe(struct api_metrics *, int route, int status,
	    int64_t micros);
/* Prometheus text exposition; route names from the route table. */
int	api_metrics_render(struct api_metrics *, struct store *,
	    struct buf *out) WJ_WUR;

/* Route names, for metrics: index -> "ListItaSubJobs" etc.; "none" past
 * the table (requests that matched no route).  From api.c's table. */
const char *api_route_name(size_t);

#endif
