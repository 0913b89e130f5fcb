/*
 * authz.c - identity-policy authorization; see authz.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"

static const char *const system_names[] = {
	POLICY_SYS_FULL_ACCESS,
	POLICY_SYS_READ_ONLY,
};

/* The parsed policies that apply to one user, with names and scopes. */
struct pset {
	struct policy *p[AUTHZ_POLICIES_MAX];
	char	name[AUTHZ_POLICIES_MAX][STORE_NAME_MAX + 1];
	char	project[AUTHZ_POLICIES_MAX][WJ_ID_LEN + 1];
	size_t	n;
};

static void
pset_free(struct pset *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		policy_free(s->p[i]);
	free(s);
}

static int
parse_ref(const struct store_policy_ref *ref, struct policy **out)
{
	struct wj_errinfo ei;
	int r;

	if (ref->is_system &&
	    (r = policy_system_new(ref->name, out)) != WJ_ERR_NOT_FOUND)
		return r;
	ei.detail[0] = '\0';
	if ((r = policy_parse(ref->document, strlen(ref->document), out,
	    &ei)) != 0)
		log_error("authz: policy %s (%s) does not parse: %s", ref->name,
		    ref->id, ei.detail);
	return r == WJ_ERR_INVALID ? WJ_ERR_INTERNAL : r;
}

static int
pset_add(void *arg, const struct store_policy_ref *ref)
{
	struct pset *s = arg;
	size_t i = s->n;
	int r;

	if (i >= AUTHZ_POLICIES_MAX) {
		log_error("authz: more than %d policies apply; refusing",
		    AUTHZ_POLICIES_MAX);
		return WJ_ERR_INTERNAL;
	}
	if ((r = parse_ref(ref, &s->p[i])) != 0)
		return r;
	(void)snprintf(s->name[i], sizeof(s->name[i]), "%s", ref->name);
	(void)snprintf(s->project[i], sizeof(s->project[i]), "%s",
	    ref->project_id);
	s->n++;
	return 0;
}

static int
pset_load(struct store *st, const char *user_id, const char *project_id,
    struct pset **out)
{
	struct pset *s;
	int r;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return WJ_ERR_NOMEM;
	if ((r = store_user_policies(st, user_id, project_id, pset_add,
	    s)) != 0) {
		pset_free(s);
		return r;
	}
	*out = s;
	return 0;
}

static void
decision_init(struct authz_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->result = POLICY_DENY_IMPLICIT;
}

/*
 * Evaluate the members of s that apply in project_id ("" = only the
 * domain-wide ones) into *out.
 */
static int
pset_eval(const struct pset *s, const char *project_id, const char *action,
    const struct policy_ctx *ctx, struct authz_decision *out)
{
	const struct policy *use[AUTHZ_POLICIES_MAX] = { 0 };
	size_t map[AUTHZ_POLICIES_MAX], i, n = 0;
	struct policy_decision d;
	int r;

	decision_init(out);
	for (i = 0; i < s->n; i++) {
		if (s->project[i][0] != '\0' &&
		    strcmp(s->project[i], project_id) != 0)
			continue;
		map[n] = i;
		use[n++] = s->p[i];
	}
	if ((r = policy_eval(use, n, action, ctx, &d)) != 0)
		return r;
	out->result = d.result;
	memcpy(out->sid, d.sid, sizeof(out->sid));
	if (d.policy != POLICY_NONE && d.policy < n)
		memcpy(out->policy, s->name[map[d.policy]],
		    sizeof(out->policy));
	return 0;
}

int
authz_check(struct store *st, const char *user_id, const char *action,
    const char *project_id, const struct policy_ctx *ctx,
    struct authz_decision *out)
{
	const char *p = project_id != NULL ? project_id : "";
	struct pset *s = NULL;
	int r;

	decision_init(out);
	if (user_id == NULL || action == NULL)
		return WJ_ERR_INVALID;
	if ((r = pset_load(st, user_id, p, &s)) != 0)
		return r;
	r = pset_eval(s, p, action, ctx, out);
	pset_free(s);
	return r;
}

static int
projects_walk(const struct pset *s, const struct store_project *pr,
    size_t npr, const char *action, const struct policy_ctx *ctx,
    char (*out)[WJ_ID_LEN + 1], size_t cap, size_t *n)
{
	struct authz_decision d;
	struct policy_ctx c = *ctx;
	size_t i;
	int r;

	for (i = 0; i < npr; i++) {
		c.project_id = pr[i].id;
		if ((r = pset_eval(s, pr[i].id, action, &c, &d)) != 0)
			return r;
		if (d.result != POLICY_ALLOW)
			continue;
		if (*n < cap)
			memcpy(out[*n], pr[i].id, WJ_ID_LEN + 1);
		(*n)++;
	}
	return 0;
}

int
authz_projects(struct store *st, const char *user_id, const char *domain_id,
    const char *action, const struct policy_ctx *ctx,
    char (*out)[WJ_ID_LEN + 1], size_t cap, size_t *n, int *all,
    struct authz_decision *deny)
{
	struct store_project *pr = NULL;
	struct policy_ctx dom = *ctx;
	struct pset *s = NULL;
	size_t npr = 0, allowed = 0;
	int r;

	*n = 0;
	*all = 0;
	decision_init(deny);
	if (user_id == NULL || domain_id == NULL || action == NULL)
		return WJ_ERR_INVALID;
	if ((r = pset_load(st, user_id, NULL, &s)) != 0 ||
	    (r = store_project_list(st, domain_id, &pr, &npr)) != 0)
		goto out;
	dom.project_id = NULL;
	if ((r = pset_eval(s, "", action, &dom, deny)) != 0 ||
	    (r = projects_walk(s, pr, npr, action, ctx, out, cap,
	    &allowed)) != 0)
		goto out;
	*all = npr > 0 && allowed == npr;
	*n = allowed < cap ? allowed : cap;
 out:
	free(pr);
	pset_free(s);
	return r;
}

int
authz_sync_system_policies(struct store *st)
{
	const char *doc;
	size_t i;
	int r;

	for (i = 0; i < sizeof(system_names) / sizeof(system_names[0]); i++) {
		if ((doc = policy_system_document(system_names[i])) == NULL)
			return WJ_ERR_INTERNAL;
		if ((r = store_policy_put_system(st, system_names[i],
		    doc)) != 0)
			return r;
	}
	return 0;
}
