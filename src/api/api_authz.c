/*
 * api_authz.c - the gate's authorization step
 * (docs/API.md#authorization): the request context of the global
 * condition keys, the decision of auth/authz, and on a refusal the sealed
 * encoded_authorization_message (auth/token) that STS decodes.  The
 * account's root user is allowed everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "../auth/authz.h"
#include "../auth/token.h"

/* The global condition keys of this request (auth/policy.h). */
static void
make_ctx(const struct api_req *r, const char *project, int64_t now_ms,
    struct policy_ctx *c)
{
	policy_ctx_init(c);
	c->user_name = r->who.user_name;
	c->user_id = r->who.user_id;
	c->domain_name = r->who.domain_name;
	c->project_id = project;
	c->source_ip = r->http->remote_ip[0] != '\0' ? r->http->remote_ip :
	    NULL;
	c->current_time_ms = now_ms;
	c->mfa_present = 0;	/* no MFA sign-in exists here */
}

/* Refuse with WJ_ERR_DENIED and the sealed reason in r->denial. */
static int
deny(struct api_req *r, const char *action, const char *project,
    const struct authz_decision *d, int64_t now_ms)
{
	struct authz_msg m;
	int e;

	memset(&m, 0, sizeof(m));
	m.action = action;
	m.user_id = r->who.user_id;
	m.user_name = r->who.user_name;
	m.domain_id = r->who.domain_id;
	m.domain_name = r->who.domain_name;
	m.project_id = project;
	m.request_id = r->http->request_id;
	m.source_ip = r->http->remote_ip;
	m.time_ms = now_ms;
	m.explicit_deny = d->result == POLICY_DENY_EXPLICIT;
	m.sid = d->sid;
	m.policy = d->policy;
	free(r->denial);
	r->denial = NULL;
	if ((e = authz_msg_seal(&r->api->mk, &m, &r->denial)) != 0)
		log_error("authz: cannot seal a refusal: %s", wj_strerror(e));
	wj_errinfo_set(&r->err, "%s is not allowed for %s (%s)", action,
	    r->who.user_name, m.explicit_deny ? AUTHZ_FAILURE_EXPLICIT :
	    AUTHZ_FAILURE_IMPLICIT);
	return WJ_ERR_DENIED;
}

int
api_authorize(struct api_req *r, const char *action, const char *project)
{
	struct authz_decision d;
	struct policy_ctx c;
	int64_t now = wj_now_ms();
	int e;

	if (r->who.is_root)
		return 0;
	make_ctx(r, project, now, &c);
	if ((e = authz_check(r->api->store, r->who.user_id, action, project,
	    &c, &d)) != 0)
		return e;
	if (d.result == POLICY_ALLOW)
		return 0;
	return deny(r, action, project, &d, now);
}

/* A token of one project claims from that project only. */
static int
claim_token_scope(struct api_req *r)
{
	struct api_claim_scope *cs = &r->claim;
	const char *tp = r->who.token_project_id;
	size_t i;

	if (!r->who.via_token || tp[0] == '\0')
		return 0;
	for (i = 0; i < cs->n && !cs->all; i++)
		if (strcmp(cs->ids[i], tp) == 0)
			break;
	if (!cs->all && i == cs->n)
		return WJ_ERR_DENIED;
	cs->all = 0;
	cs->n = 1;
	(void)snprintf(cs->ids[0], sizeof(cs->ids[0]), "%s", tp);
	return 0;
}

int
api_authorize_claim(struct api_req *r, const char *action)
{
	struct api_claim_scope *cs = &r->claim;
	struct authz_decision d;
	struct policy_ctx c;
	int64_t now = wj_now_ms();
	int e;

	memset(cs, 0, sizeof(*cs));
	if (r->who.is_root)
		cs->all = 1;
	else {
		make_ctx(r, NULL, now, &c);
		if ((e = authz_projects(r->api->store, r->who.user_id,
		    r->who.domain_id, action, &c, cs->ids,
		    WJ_LIST_FILTER_VALUES, &cs->n, &cs->all, &d)) != 0)
			return e;
		/* XXX Past WJ_LIST_FILTER_VALUES projects, the rest wait. */
		if (!cs->all && cs->n == 0)
			return deny(r, action, NULL, &d, now);
	}
	if (claim_token_scope(r) != 0) {
		d.result = POLICY_DENY_IMPLICIT;
		d.sid[0] = d.policy[0] = '\0';
		return deny(r, action, r->who.token_project_id, &d, now);
	}
	return 0;
}

int
api_claim_narrow(struct api_req *r, struct store_claim_in *in)
{
	const struct api_claim_scope *cs = &r->claim;
	const char *action = r->actor.action != NULL ? r->actor.action :
	    "workspace:jobs:execute";
	const char *tp = r->who.token_project_id;
	int e, all = cs->all || (r->who.is_root && !r->who.via_token);
	size_t i, j;

	if (!all && cs->n == 0) {
		/* Only when the gate did not run: fail closed. */
		wj_errinfo_set(&r->err, "no project to claim from");
		return WJ_ERR_DENIED;
	}
	if (in->n_project_ids == 0) {
		if (all)
			return 0;
		for (i = 0; i < cs->n; i++)
			in->project_ids[i] = cs->ids[i];
		in->n_project_ids = cs->n;
		return 0;
	}
	for (i = 0; i < in->n_project_ids; i++) {
		if (r->who.via_token && tp[0] != '\0' &&
		    strcmp(in->project_ids[i], tp) != 0)
			return WJ_ERR_PROJECT;
		for (j = 0; !all && j < cs->n; j++)
			if (strcmp(in->project_ids[i], cs->ids[j]) == 0)
				break;
		/* Not among those found: decide it on its own (and say why). */
		if (!all && j == cs->n &&
		    (e = api_authorize(r, action, in->project_ids[i])) != 0)
			return e;
	}
	return 0;
}
