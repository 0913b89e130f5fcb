/*
 * authz.h - authorization of one request by identity policies
 * (docs/API.md#authorization): gathers the policies attached to the user
 * and to its groups, for the whole domain and for the request's project,
 * parses them (system policies from auth/policy's built-in text, so a
 * newer binary's definition wins over a stored copy) and evaluates the
 * action with auth/policy.  Fails closed: a stored document that no
 * longer parses is an error, never a policy left out.
 * Leaves to the caller: the root user's blanket allow, the request
 * context's values, and what a refusal looks like.
 */
#ifndef WJ_AUTHZ_H
#define WJ_AUTHZ_H

#include <stddef.h>

#include "policy.h"
#include "../store/store.h"

#define AUTHZ_POLICIES_MAX 256	/* attachments counted per evaluation */

struct authz_decision {
	int	result;				/* enum policy_result */
	char	sid[POLICY_SID_MAX + 1];	/* of the deciding statement */
	char	policy[STORE_NAME_MAX + 1];	/* deciding policy or "" */
};

/*
 * Decide whether user_id may do action in project_id (NULL: an action
 * outside any project, where only domain-wide attachments count), in
 * context ctx (its project_id should be project_id).  0 with the
 * decision in *out; WJ_ERR_* when the policies cannot be read or parsed
 * (then *out is an implicit deny).
 */
int	authz_check(struct store *, const char *user_id, const char *action,
	    const char *project_id, const struct policy_ctx *ctx,
	    struct authz_decision *out) WJ_WUR;

/*
 * The projects of domain_id where user_id may do action (each evaluated
 * with ctx and g:ProjectId set to it): *all = 1 when that is every one of
 * them; else their IDs in out[0..*n), at most cap (further ones are left
 * out).  *deny receives the decision of the domain-level evaluation, for
 * the message of a refusal when *n is 0 and !*all.
 */
int	authz_projects(struct store *, const char *user_id,
	    const char *domain_id, const char *action,
	    const struct policy_ctx *ctx, char (*out)[WJ_ID_LEN + 1],
	    size_t cap, size_t *n, int *all, struct authz_decision *deny)
	    WJ_WUR;

/* Create or refresh the system policies' rows (auth/policy's text). */
int	authz_sync_system_policies(struct store *) WJ_WUR;

#endif
