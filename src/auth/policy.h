/*
 * policy.h - IAM identity policies (docs/API.md#authorization): parse a
 * policy document into an owned, validated struct, evaluate a set of policies
 * for one action and request context, and write a parsed policy back as
 * canonical JSON for storage.  Pure: no I/O, no clock, no globals; safe
 * to use from any thread (a parsed policy is read-only after parsing).
 * Leaves to others: who the caller is and which policies are attached
 * (auth/authn, store), the root user's blanket allow, the 403 reply and
 * the encoded authorization message.
 *
 * Grammar accepted (anything else is refused at parse time with a
 * WJ_ERR_INVALID whose detail names the offending element, operator,
 * key or value):
 *
 *   {"Version": "5.0" | "1.1",
 *    "Statement": [ {                         1..POLICY_STATEMENTS_MAX
 *        "Sid": "label",                      optional, printable ASCII
 *        "Effect": "Allow" | "Deny",
 *        "Action" | "NotAction": pattern | [pattern, ...],   exactly one
 *        "Resource": "*" | ["*", ...],        optional; only "*" for now
 *        "Condition": {"<Op>[IfExists]": {"<key>": value | [value, ...]}}
 *    } ]}
 *
 * - Element and operator names are case-sensitive; condition key names
 *   are not ("g:username" is g:UserName).  Duplicate members are refused.
 * - An action pattern is service:resource:operation (three segments,
 *   the middle may be empty as in "sts::decodeAuthorizationMessage") of
 *   letters, digits, "-_.", and the wildcards "*" (any run, ':' included)
 *   and "?" (exactly one character).  Version 1.1 requires the service
 *   segment in lower case.  Sid, NotAction and Condition are accepted in
 *   both versions.
 * - Operators: StringEquals, StringNotEquals, StringMatch, StringStartWith,
 *   StringEndWith (the g: string keys, case-sensitive compare), Bool
 *   (g:MFAPresent, values "true"/"false"), IpAddress, NotIpAddress
 *   (g:SourceIp, IPv4/IPv6 address or CIDR), DateLessThan, DateGreaterThan
 *   (g:CurrentTime, "YYYY-MM-DDTHH:MM:SS[.sss]Z"); each with an optional
 *   IfExists suffix.  An operator applied to a key of another type is
 *   refused.
 * - Global keys: g:UserName, g:UserId, g:DomainName, g:ProjectId,
 *   g:SourceIp, g:CurrentTime, g:MFAPresent.
 *
 * Condition semantics: every operator/key entry of a statement must hold
 * (AND); the values of one key are alternatives (OR); for StringNotEquals
 * and NotIpAddress the entry holds when the key equals/lies in NONE of the
 * values.  StringMatch's "?" is one UTF-8 character.  An IPv4 network
 * never contains an IPv6 address and vice versa, except that an
 * IPv4-mapped source (::ffff:a.b.c.d, as dual-stack sockets report IPv4
 * peers) is also tested as a.b.c.d; host bits of a network are ignored.
 * Date comparisons are strict (at the boundary both Date operators are
 * false).  A key absent from the context makes its entry false for every
 * operator, negated ones included; with IfExists an absent key makes it
 * true.  So a "Deny ... NotIpAddress" statement does not deny a
 * request whose source address is unknown: the request path must always
 * supply g:SourceIp.
 */
#ifndef WJ_POLICY_H
#define WJ_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"
#include "../util/err.h"

#define POLICY_DOC_MAX		6144	/* Huawei custom policy: 6144 chars */
#define POLICY_STATEMENTS_MAX	64
#define POLICY_ACTIONS_MAX	64	/* per statement (also Resource) */
#define POLICY_COND_VALUES_MAX	32	/* per condition key */
#define POLICY_ACTION_MAX	128	/* one action pattern, bytes */
#define POLICY_SID_MAX		128	/* Sid, bytes */

/* System policies (their content is this service's choice). */
#define POLICY_SYS_FULL_ACCESS	"Workspace FullAccess"
#define POLICY_SYS_READ_ONLY	"Workspace ReadOnlyAccess"

/* A parsed policy; opaque, immutable once parsed. */
struct policy;

/* Values of the global condition keys for one request. */
#define POLICY_TIME_ABSENT	INT64_MIN

struct policy_ctx {
	const char *user_name;		/* g:UserName, NULL = absent */
	const char *user_id;		/* g:UserId */
	const char *domain_name;	/* g:DomainName */
	const char *project_id;		/* g:ProjectId */
	const char *source_ip;		/* g:SourceIp, IPv4 or IPv6 text */
	int64_t	    current_time_ms;	/* g:CurrentTime, UTC ms since epoch;
					   POLICY_TIME_ABSENT = absent */
	int	    mfa_present;	/* g:MFAPresent: -1 absent, 0, 1 */
};

enum policy_result {
	POLICY_DENY_IMPLICIT = 0,	/* no statement allowed it */
	POLICY_ALLOW = 1,
	POLICY_DENY_EXPLICIT = 2,	/* a Deny statement matched */
};

#define POLICY_NONE	((size_t)-1)

/*
 * The outcome of policy_eval.  For POLICY_DENY_EXPLICIT the deciding
 * statement is the first matching Deny (lowest policy index, then lowest
 * statement index); for POLICY_ALLOW the first matching Allow.  For
 * POLICY_DENY_IMPLICIT policy and statement are POLICY_NONE and sid "".
 */
struct policy_decision {
	int	result;			/* enum policy_result */
	size_t	policy;			/* index into the policies array */
	size_t	statement;		/* index into its Statement array */
	char	sid[POLICY_SID_MAX + 1]; /* its Sid; "" when it has none */
};

/* Every key absent: NULL strings, POLICY_TIME_ABSENT, mfa_present -1. */
void	policy_ctx_init(struct policy_ctx *);

/*
 * Parse and validate the policy document text[0..len) (JSON, at most
 * POLICY_DOC_MAX bytes).  On success *out is a new policy for the caller
 * to policy_free().  WJ_ERR_INVALID with the reason in ei (which may be
 * NULL) for any document outside the grammar above; WJ_ERR_NOMEM.
 */
int	policy_parse(const char *text, size_t len, struct policy **out,
	    struct wj_errinfo *ei) WJ_WUR;

/* Free a policy; NULL is accepted. */
void	policy_free(struct policy *);

/*
 * Append the canonical text of p to out: compact JSON, members in the
 * order Version, Statement / Sid, Effect, Action|NotAction, Resource,
 * Condition; condition keys spelled canonically ("g:UserName"); strings
 * and the string-or-array shape of each element kept as written.  The
 * result is never longer than the parsed document and parses back to an
 * equal policy with an identical canonical text.  WJ_ERR_NOMEM
 * (out is then marked failed), WJ_ERR_INVALID for a NULL p.
 */
int	policy_to_json(const struct policy *p, struct buf *out) WJ_WUR;

/*
 * Decide whether action (e.g. "workspace:jobs:get") is allowed by
 * policies[0..n) in ctx (NULL = every key absent): an explicit Deny in
 * any policy wins, else any Allow allows, else the deny is implicit.
 * Action matching is case-insensitive.  Returns 0 with the decision in
 * *out; WJ_ERR_INVALID (and *out an implicit deny) if action or an
 * element of policies is NULL, or ctx->source_ip is not an address.
 */
int	policy_eval(const struct policy *const *policies, size_t n,
	    const char *action, const struct policy_ctx *ctx,
	    struct policy_decision *out) WJ_WUR;

/*
 * Whether action matches pattern: ASCII case-insensitive, "*" any run of
 * characters (':' included), "?" exactly one character.  1 or 0.
 */
int	policy_action_match(const char *pattern, const char *action);

/* "allow", "implicit deny", "explicit deny" (or "unknown"). */
const char *policy_result_str(int result);

/*
 * The document of a system policy by exact name (POLICY_SYS_*), or NULL.
 * Static storage.
 */
const char *policy_system_document(const char *name);

/* Parse the named system policy into *out. WJ_ERR_NOT_FOUND if unknown. */
int	policy_system_new(const char *name, struct policy **out) WJ_WUR;

#endif
