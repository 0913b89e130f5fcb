/*
 * api.c - the route table and the one gate (after Redis processCommand):
 * match the route (404/405 before authentication), authenticate, count
 * the request against the caller's rate limit, check path parameters and
 * the project scope, authorize the route's IAM action, run the handler,
 * and turn its error code into the error body of the route's service
 * (Workspace, IAM or STS; gateway errors look alike everywhere).
 *
 * The IAM (/v3) and STS (/v5) routes are on the public listener, as they
 * are on the public cloud's endpoints: clients that get a token or decode
 * a refusal talk to the same address as for the job API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api.h"
#include "../model/limits.h"

#define PUB API_LISTENER_PUBLIC
#define INT API_LISTENER_INTERNAL
#define W HTTP_ERR_WKS

/*
 * Every endpoint of both listeners (docs/API.md), one entry each: method,
 * pattern and listener; the SDK operation name and what the gate checks
 * (flags); the IAM action, the handler and the shape of its error bodies.
 */
const struct api_route api_routes[] = {
	{ { "GET", "/v2/{project_id}/workspace-sub-jobs", PUB },
	    "ListItaSubJobs", API_ROUTE_PROJECT,
	    "workspace:jobs:listSubJobs", api_sub_jobs_list, W },
	{ { "POST", "/v2/{project_id}/workspace-sub-jobs/batch-delete", PUB },
	    "BatchDeleteSubJobs", API_ROUTE_PROJECT,
	    "workspace:jobs:deleteSubJobRecords",
	    api_sub_jobs_batch_delete, W },
	{ { "GET", "/v2/{project_id}/workspace-jobs/{job_id}", PUB },
	    "ShowJob", API_ROUTE_PROJECT,
	    "workspace:jobs:get", api_jobs_show, W },
	{ { "POST", "/v2/{project_id}/workspace-jobs/{job_id}/actions", PUB },
	    "RunActionsOnWorkspaceJob", API_ROUTE_PROJECT,
	    "workspace:jobs:retry", api_jobs_action, W },
	{ { "POST", "/v1/internal/{project_id}/jobs", INT },
	    "CreateJob", API_ROUTE_PROJECT,
	    "workspace:jobs:create", api_internal_create, W },
	{ { "POST", "/v1/internal/sub-jobs/claim", INT },
	    "ClaimSubJobs", API_ROUTE_CLAIM,
	    "workspace:jobs:execute", api_internal_claim, W },
	{ { "POST", "/v1/internal/sub-jobs/{id}/heartbeat", INT },
	    "HeartbeatSubJob", API_ROUTE_SUB_JOB,
	    "workspace:jobs:execute", api_internal_heartbeat, W },
	{ { "POST", "/v1/internal/sub-jobs/{id}/finish", INT },
	    "FinishSubJob", API_ROUTE_SUB_JOB,
	    "workspace:jobs:execute", api_internal_finish, W },
	{ { "GET", "/healthz", INT },
	    "healthz", API_ROUTE_NO_AUTH,
	    NULL, api_health_healthz, W },
	{ { "GET", "/readyz", INT },
	    "readyz", API_ROUTE_NO_AUTH,
	    NULL, api_health_readyz, W },
	{ { "GET", "/metrics", INT },
	    "metrics", API_ROUTE_NO_AUTH,
	    NULL, api_health_metrics, W },
	/* Getting a token needs no permission beyond being a user. */
	{ { "POST", "/v3/auth/tokens", PUB },
	    "KeystoneCreateUserTokenByPassword",
	    API_ROUTE_NO_AUTH | API_ROUTE_LIMIT_IP,
	    NULL, api_iam_token_create, HTTP_ERR_IAM },
	{ { "GET", "/v3/auth/tokens", PUB },
	    "KeystoneValidateToken", 0,
	    NULL, api_iam_token_validate, HTTP_ERR_IAM },
	{ { "GET", "/v3/projects", PUB },
	    "KeystoneListProjects", 0,
	    NULL, api_iam_projects, HTTP_ERR_IAM },
	/* Who am I: any caller, about itself (no IAM action). */
	{ { "GET", "/v3/auth/domains", PUB },
	    "KeystoneListAuthDomains", 0,
	    NULL, api_iam_auth_domains, HTTP_ERR_IAM },
	{ { "GET", "/v5/caller-identity", PUB },
	    "GetCallerIdentity", 0,
	    NULL, api_sts_caller_identity, HTTP_ERR_STS },
	{ { "POST", "/v5/decode-authorization-message", PUB },
	    "DecodeAuthorizationMessage", 0,
	    "sts::decodeAuthorizationMessage", api_sts_decode, HTTP_ERR_STS },
	/* The audit trail, as Cloud Trace Service lists it. */
	{ { "GET", "/v3/{project_id}/traces", PUB },
	    "ListTraces", API_ROUTE_PROJECT,
	    "cts:trace:list", api_traces_list, HTTP_ERR_CTS },
	/* The OpenAPI description, on both listeners (distinct names keep
	 * the metrics series apart). */
	{ { "GET", "/openapi.json", PUB },
	    "openapi", API_ROUTE_NO_AUTH, NULL, api_openapi_get, W },
	{ { "GET", "/openapi.json", INT },
	    "openapi_internal", API_ROUTE_NO_AUTH, NULL, api_openapi_get, W },
	/* The web console (api_console.c): its files need no credentials;
	 * its login is the IAM password flow, its other calls the cookie. */
	{ { "GET", "/console", PUB },
	    "console", API_ROUTE_NO_AUTH | API_ROUTE_CONSOLE,
	    NULL, api_console_file, W },
	{ { "GET", "/console/", PUB },
	    "console", API_ROUTE_NO_AUTH | API_ROUTE_CONSOLE,
	    NULL, api_console_file, W },
	{ { "POST", "/console/api/login", PUB },
	    "ConsoleLogin",
	    API_ROUTE_NO_AUTH | API_ROUTE_LIMIT_IP | API_ROUTE_CONSOLE,
	    NULL, api_console_login, HTTP_ERR_IAM },
	{ { "POST", "/console/api/logout", PUB },
	    "ConsoleLogout", API_ROUTE_CONSOLE,
	    NULL, api_console_logout, W },
	{ { "GET", "/console/api/session", PUB },
	    "ConsoleSession", API_ROUTE_CONSOLE,
	    NULL, api_console_session, W },
	{ { "GET", "/console/{file}", PUB },
	    "console", API_ROUTE_NO_AUTH | API_ROUTE_CONSOLE,
	    NULL, api_console_file, W },
	{ { "GET", "/console/{dir}/{file}", PUB },
	    "console", API_ROUTE_NO_AUTH | API_ROUTE_CONSOLE,
	    NULL, api_console_file, W },
};

const size_t api_n_routes = sizeof(api_routes) / sizeof(api_routes[0]);

const char *
api_route_name(size_t i)
{
	return i < api_n_routes ? api_routes[i].name : "none";
}

int
api_init(struct api *a, struct store *st, const struct wj_master_key *mk)
{
	const struct api_opts defaults = { GUARD_RATE_DEFAULT, 0, 0, 0, 0, 0 };
	int r;

	memset(a, 0, sizeof(*a));
	a->store = st;
	a->mk = *mk;
	a->authn.store = st;
	a->authn.mk = &a->mk;
	a->authn.skew_ms = WJ_SKEW_MS;
	if ((r = api_configure(a, &defaults)) != 0 ||
	    (r = api_memo_new(&a->memo)) != 0)
		return r;
	return api_metrics_new(api_n_routes, &a->metrics);
}

int
api_configure(struct api *a, const struct api_opts *o)
{
	struct guard_opts go = { 0, o->ak_lock_ms, o->rate_limit };
	struct guard *g;
	int r;

	if (o->token_lifetime_ms < 0 || o->password_lock_ms < 0)
		return WJ_ERR_INVALID;
	if ((r = guard_new(&go, &g)) != 0)
		return r;
	guard_free(a->guard);
	a->guard = g;
	a->authn.guard = g;
	a->token_lifetime_ms = o->token_lifetime_ms > 0 ?
	    o->token_lifetime_ms : API_TOKEN_LIFETIME_MS;
	a->password_lock_ms = o->password_lock_ms > 0 ?
	    o->password_lock_ms : API_PASSWORD_LOCK_MS;
	a->console = !o->no_console;
	a->console_secure = o->console_secure;
	return 0;
}

void
api_free(struct api *a)
{
	api_metrics_free(a->metrics);
	api_memo_free(a->memo);
	a->memo = NULL;
	guard_free(a->guard);
	a->guard = NULL;
	OPENSSL_cleanse(&a->mk, sizeof(a->mk));
}

/*
 * The console's session cookie stands for X-Auth-Token on the public
 * listener when a request has neither credential header
 * (docs/API.md#web-console); its writes must show the CSRF value.
 */
static const char *
console_credential(struct api_req *r, char *buf, size_t cap)
{
	struct http_req *h = r->http;

	if (!r->api->console || h->listener != API_LISTENER_PUBLIC ||
	    http_header(h, "Authorization") != NULL ||
	    http_header(h, "X-Auth-Token") != NULL ||
	    api_console_cookie(h, buf, cap) != 0)
		return NULL;
	return buf;
}

static int
authenticate(struct api_req *r)
{
	struct http_req *h = r->http;
	struct sig_header hdr[HTTP_MAX_HEADERS];
	struct sig_request sr;
	char cookie[TOKEN_TEXT_MAX + 1];
	const char *token;
	size_t i;
	int e;

	for (i = 0; i < h->n_headers; i++) {
		hdr[i].name = h->headers[i].name;
		hdr[i].value = h->headers[i].value;
	}
	memset(&sr, 0, sizeof(sr));
	sr.method = h->method;
	sr.path = h->path;
	sr.query = h->query;
	sr.headers = hdr;
	sr.n_headers = h->n_headers;
	sr.body = h->body.data;
	sr.body_len = h->body.len;
	if ((token = console_credential(r, cookie, sizeof(cookie))) == NULL)
		token = http_header(h, "X-Auth-Token");
	e = authn_request(&r->api->authn, &sr, http_header(h, "Authorization"),
	    token, http_header(h, "X-Sdk-Date"), wj_now_ms(), &r->who,
	    &r->err);
	if (token == cookie) {
		if (e == 0) {
			r->who.via_console = 1;
			e = api_console_csrf_check(r, cookie);
		}
		OPENSSL_cleanse(cookie, strlen(cookie));
	}
	if (e != 0)
		return e;
	(void)snprintf(h->principal, sizeof(h->principal), "%s/%s",
	    r->who.domain_name, r->who.user_name);
	r->actor.user_id = r->who.user_id;
	return 0;
}

/* Path values over WJ_PARAM_MAX characters, or not text, are 400. */
static int
check_path_params(struct api_req *r)
{
	struct http_req *h = r->http;
	size_t i, n;

	for (i = 0; i < HTTP_MAX_PARAMS; i++) {
		n = strlen(h->params[i]);
		if ((h->param_too_long & (1 << i)) || n > WJ_PARAM_MAX ||
		    !wj_utf8_clean(h->params[i], n)) {
			wj_errinfo_set(&r->err, "path parameter %zu is longer "
			    "than %d characters or not valid text", i + 1,
			    WJ_PARAM_MAX);
			return WJ_ERR_INVALID;
		}
	}
	return 0;
}

/*
 * The rate limiter (docs/API.md#limits): N requests per second per caller
 * and route; the caller is the user, or the address on routes without
 * credentials.
 * Only on the public listener, which stands for Huawei's gateway: the
 * internal API's heartbeats and finishes grow with the sub-jobs running,
 * and throttling them would cost workers their leases.
 */
static int
rate_limit(struct api_req *r)
{
	struct http_req *h = r->http;
	char key[GUARD_KEY_MAX + 1];
	int n, secs;

	if (h->listener != API_LISTENER_PUBLIC)
		return 0;
	if (r->who.user_id[0] != '\0')
		n = snprintf(key, sizeof(key), "u:%s/%d", r->who.user_id,
		    h->route);
	else
		n = snprintf(key, sizeof(key), "a:%s/%d", h->remote_ip,
		    h->route);
	if (n < 0 || (size_t)n >= sizeof(key) ||
	    guard_rate(r->api->guard, key, wj_now_ms(), &secs) == 0)
		return 0;
	h->retry_after = secs;
	wj_errinfo_set(&r->err, "policy user over ratelimit,limit:%d,time:1 "
	    "second", guard_rate_limit(r->api->guard));
	return WJ_ERR_THROTTLED;
}

/*
 * A sub-job route acts in the sub-job's project: a token of another
 * project may not touch it, and policies are those of that project.  An
 * unknown sub-job is left to the handler (404).
 */
static int
sub_job_scope(struct api_req *r, char project[WJ_ID_LEN + 1])
{
	int e;

	e = store_sub_job_project(r->api->store, r->who.domain_id,
	    r->http->params[0], project);
	if (e == WJ_ERR_NOT_FOUND || e == WJ_ERR_INVALID) {
		project[0] = '\0';
		return 0;
	}
	if (e != 0)
		return e;
	if (r->who.via_token && r->who.token_project_id[0] != '\0' &&
	    strcmp(r->who.token_project_id, project) != 0)
		return WJ_ERR_PROJECT;
	return 0;
}

/* A project route: the path's project is the caller's to act in. */
static int
project_scope(struct api_req *r, const struct api_route *rt)
{
	struct http_req *h = r->http;
	const char *xp;
	int e;

	if (!(rt->flags & API_ROUTE_PROJECT))
		return 0;
	r->project_id = h->params[0];
	/* Log at most the first characters of a long project parameter. */
	(void)snprintf(h->project, sizeof(h->project), "%.*s",
	    (int)sizeof(h->project) - 1, r->project_id);
	/* X-Project-Id is optional, and must match when sent. */
	xp = http_header(h, "X-Project-Id");
	if (xp != NULL && strcmp(xp, r->project_id) != 0)
		return WJ_ERR_PROJECT;
	if ((e = authn_project(&r->api->authn, &r->who, r->project_id)) != 0)
		return e;
	return 0;
}

/* The route's IAM action by identity policies (api_authz.c). */
static int
authorize(struct api_req *r, const struct api_route *rt)
{
	char project[WJ_ID_LEN + 1];
	int e;

	if (rt->flags & API_ROUTE_CLAIM)
		return api_authorize_claim(r, rt->action);
	if (rt->flags & API_ROUTE_SUB_JOB) {
		/* Root by signature: nothing to scope or decide, no read. */
		if (r->who.is_root && !r->who.via_token)
			return 0;
		if ((e = sub_job_scope(r, project)) != 0)
			return e;
		return api_authorize(r, rt->action,
		    project[0] != '\0' ? project : NULL);
	}
	if (rt->action == NULL)
		return 0;
	return api_authorize(r, rt->action, r->project_id);
}

/*
 * The one gate every request passes, in this order: find the route (404
 * and 405 come before authentication); authenticate, count the request
 * against the caller's rate limit, check the path parameters and the
 * project scope, authorize the route's IAM action; run the handler; write
 * the error body of whatever failed.  Routes without credentials (health,
 * metrics, getting a token) skip the checks, some of them not the rate
 * limit.
 */
void
api_dispatch(void *arg, struct http_req *h)
{
	const struct api_route *rt;
	struct api_req r;
	int e, style = HTTP_ERR_WKS;

	memset(&r, 0, sizeof(r));
	r.api = arg;
	r.http = h;
	r.actor.request_id = h->request_id;
	if ((e = http_route_match(&api_routes[0].http, api_n_routes,
	    sizeof(api_routes[0]), h)) != 0)
		goto out;
	rt = &api_routes[h->route];
	if (rt->flags & API_ROUTE_CONSOLE) {
		if (!r.api->console) {
			h->route = -1;
			e = WJ_ERR_NO_ROUTE;
			goto out;
		}
		api_console_headers(h);
	}
	h->op = rt->name;
	r.actor.action = rt->action;
	if (rt->flags & API_ROUTE_NO_AUTH)
		e = (rt->flags & API_ROUTE_LIMIT_IP) ? rate_limit(&r) : 0;
	else if ((e = authenticate(&r)) == 0 && (e = rate_limit(&r)) == 0 &&
	    (e = check_path_params(&r)) == 0 &&
	    (e = project_scope(&r, rt)) == 0)
		e = authorize(&r, rt);
	if (e != 0) {
		/* A refusal of the service itself is in its shape. */
		if (e == WJ_ERR_DENIED)
			style = rt->style;
		goto out;
	}
	style = rt->style;
	e = rt->handler(&r);
 out:
	if (e != 0)
		http_reply_error_as(h, style, e, &r.err, r.denial);
	free(r.denial);
	json_decref(r.body);
}

void
api_completed(void *arg, struct http_req *h, int64_t micros)
{
	struct api *a = arg;

	api_metrics_observe(a->metrics, h->route, h->status, micros);
}
