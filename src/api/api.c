/*
 * api.c - the route table and the one gate (after Redis processCommand):
 * match the route (404/405 before authentication), authenticate, check
 * path parameters and the project scope, authorize the route's IAM
 * action, run the handler, and turn its error code into the error body.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api.h"
#include "../model/limits.h"

enum route_flags {
	ROUTE_NO_AUTH = 1 << 0,	/* health and metrics */
	ROUTE_PROJECT = 1 << 1,	/* params[0] is the project_id */
};

struct route {
	const char  *name;	/* SDK operation name, for metrics */
	int	     flags;
	const char  *action;	/* IAM action (spec/auth.md §3.4) */
	api_handler  handler;
};

#define PUB API_LISTENER_PUBLIC
#define INT API_LISTENER_INTERNAL

/* spec/jobs-api.md (public) and DESIGN §5 (internal); same order below. */
static const struct http_route http_routes[] = {
	{ "GET", "/v2/{project_id}/workspace-sub-jobs", PUB },
	{ "POST", "/v2/{project_id}/workspace-sub-jobs/batch-delete", PUB },
	{ "GET", "/v2/{project_id}/workspace-jobs/{job_id}", PUB },
	{ "POST", "/v2/{project_id}/workspace-jobs/{job_id}/actions", PUB },
	{ "POST", "/v1/internal/{project_id}/jobs", INT },
	{ "POST", "/v1/internal/sub-jobs/claim", INT },
	{ "POST", "/v1/internal/sub-jobs/{id}/heartbeat", INT },
	{ "POST", "/v1/internal/sub-jobs/{id}/finish", INT },
	{ "GET", "/healthz", INT },
	{ "GET", "/readyz", INT },
	{ "GET", "/metrics", INT },
};

static const struct route routes[] = {
	{ "ListItaSubJobs", ROUTE_PROJECT, "workspace:jobs:listSubJobs",
	    api_sub_jobs_list },
	{ "BatchDeleteSubJobs", ROUTE_PROJECT,
	    "workspace:jobs:deleteSubJobRecords", api_sub_jobs_batch_delete },
	{ "ShowJob", ROUTE_PROJECT, "workspace:jobs:get", api_jobs_show },
	{ "RunActionsOnWorkspaceJob", ROUTE_PROJECT, "workspace:jobs:retry",
	    api_jobs_action },
	{ "CreateJob", ROUTE_PROJECT, "workspace:jobs:create",
	    api_internal_create },
	{ "ClaimSubJobs", 0, "workspace:jobs:execute", api_internal_claim },
	{ "HeartbeatSubJob", 0, "workspace:jobs:execute",
	    api_internal_heartbeat },
	{ "FinishSubJob", 0, "workspace:jobs:execute", api_internal_finish },
	{ "healthz", ROUTE_NO_AUTH, NULL, api_health_healthz },
	{ "readyz", ROUTE_NO_AUTH, NULL, api_health_readyz },
	{ "metrics", ROUTE_NO_AUTH, NULL, api_health_metrics },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))
_Static_assert(sizeof(http_routes) / sizeof(http_routes[0]) == N_ROUTES,
    "route tables out of step");

size_t
api_route_count(void)
{
	return N_ROUTES;
}

const char *
api_route_name(size_t i)
{
	return i < N_ROUTES ? routes[i].name : "none";
}

int
api_init(struct api *a, struct store *st, const struct wj_master_key *mk)
{
	memset(a, 0, sizeof(*a));
	a->store = st;
	a->mk = *mk;
	a->authn.store = st;
	a->authn.mk = &a->mk;
	a->authn.skew_ms = WJ_SKEW_MS;
	return api_metrics_new(N_ROUTES, &a->metrics);
}

void
api_free(struct api *a)
{
	api_metrics_free(a->metrics);
	OPENSSL_cleanse(&a->mk, sizeof(a->mk));
}

static int
authenticate(struct api_req *r)
{
	struct http_req *h = r->http;
	struct sig_header hdr[HTTP_MAX_HEADERS];
	struct sig_request sr;
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
	e = authn_request(&r->api->authn, &sr, http_header(h, "Authorization"),
	    http_header(h, "X-Auth-Token"), http_header(h, "X-Sdk-Date"),
	    wj_now_ms(), &r->who, &r->err);
	if (e != 0)
		return e;
	(void)snprintf(h->principal, sizeof(h->principal), "%s/%s",
	    r->who.domain_name, r->who.user_name);
	r->actor.user_id = r->who.user_id;
	return 0;
}

/* DESIGN §4: path values over 255 characters are 400. */
static int
check_params(struct api_req *r)
{
	struct http_req *h = r->http;
	size_t i, n;

	for (i = 0; i < HTTP_MAX_PARAMS; i++) {
		n = strlen(h->params[i]);
		if (h->param_too_long || n > WJ_PARAM_MAX ||
		    !wj_utf8_clean(h->params[i], n)) {
			wj_errinfo_set(&r->err, "path parameter %zu is longer "
			    "than %d characters or not valid text", i + 1,
			    WJ_PARAM_MAX);
			return WJ_ERR_INVALID;
		}
	}
	return 0;
}

static int
scope(struct api_req *r, const struct route *rt)
{
	struct http_req *h = r->http;
	const char *xp;
	int e;

	if (!(rt->flags & ROUTE_PROJECT))
		return 0;
	r->project_id = h->params[0];
	/* Log at most the first characters of a long project parameter. */
	(void)snprintf(h->project, sizeof(h->project), "%.*s",
	    (int)sizeof(h->project) - 1, r->project_id);
	/* DESIGN §4: X-Project-Id is optional, and must match when sent. */
	xp = http_header(h, "X-Project-Id");
	if (xp != NULL && strcmp(xp, r->project_id) != 0)
		return WJ_ERR_PROJECT;
	if ((e = authn_project(&r->api->authn, &r->who, r->project_id)) != 0)
		return e;
	return 0;
}

/*
 * XXX identity policies arrive with the IAM issue; until then only the
 * account's root user (allowed everything) is let through.
 */
static int
authorize(struct api_req *r, const struct route *rt)
{
	if (rt->action == NULL || r->who.is_root)
		return 0;
	wj_errinfo_set(&r->err, "%s is not allowed for %s", rt->action,
	    r->who.user_name);
	return WJ_ERR_DENIED;
}

void
api_dispatch(void *arg, struct http_req *h)
{
	struct api_req r;
	const struct route *rt;
	int e;

	memset(&r, 0, sizeof(r));
	r.api = arg;
	r.http = h;
	r.actor.request_id = h->request_id;
	if ((e = http_route_match(http_routes, N_ROUTES, h)) != 0)
		goto out;
	rt = &routes[h->route];
	r.actor.action = rt->action;
	if (!(rt->flags & ROUTE_NO_AUTH) &&
	    ((e = authenticate(&r)) != 0 || (e = check_params(&r)) != 0 ||
	    (e = scope(&r, rt)) != 0 || (e = authorize(&r, rt)) != 0))
		goto out;
	e = rt->handler(&r);
 out:
	if (e != 0)
		http_reply_error(h, e, &r.err);
}

void
api_completed(void *arg, struct http_req *h, int64_t micros)
{
	struct api *a = arg;

	api_metrics_observe(a->metrics, h->route, h->status, micros);
}
