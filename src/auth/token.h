/*
 * token.h - the two sealed things the service hands out
 * (docs/ARCHITECTURE.md#security): IAM user tokens (X-Subject-Token /
 * X-Auth-Token) and the encoded_authorization_message of a 403.  Both
 * are compact JSON sealed with AES-256-GCM under the master key and
 * written as base64url behind a version prefix, so any node holding the
 * key opens them without a database read.  The additional data binds
 * each to its purpose and version (a message never opens as a token),
 * and a message to its account (it opens only for a caller of the same
 * account).  Leaves revocation (users.tokens_valid_after), scope checks
 * and who may decode a message to the caller.  Pure apart from the
 * CSPRNG.
 */
#ifndef WJ_TOKEN_H
#define WJ_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "../util/crypto.h"
#include "../util/util.h"

#define TOKEN_PREFIX		"WJT1."
#define TOKEN_NAME_MAX		64	/* = STORE_NAME_MAX */
#define TOKEN_TEXT_MAX		4096	/* longest token text opened */
#define AUTHZ_MSG_PREFIX	"WJA1."
#define AUTHZ_MSG_TEXT_MAX	10240	/* 1..10240 characters */

struct token {
	char	user_id[WJ_ID_LEN + 1];
	char	user_name[TOKEN_NAME_MAX + 1];
	char	domain_id[WJ_ID_LEN + 1];
	char	domain_name[TOKEN_NAME_MAX + 1];
	char	project_id[WJ_ID_LEN + 1];	/* "": a domain-scoped token */
	char	project_name[TOKEN_NAME_MAX + 1];
	int64_t	issued_ms;
	int64_t	expires_ms;
};

/*
 * Seal t into a token text (*out malloc'd, NUL-terminated; wipe and free
 * it).  WJ_ERR_INVALID when a field is empty, too long or not text, or
 * expires_ms <= issued_ms.
 */
int	token_seal(const struct wj_master_key *, const struct token *t,
	    char **out) WJ_WUR;

/*
 * Open a token text.  WJ_ERR_INVALID when it is not a token of this key
 * (format, version, tampering, wrong key); WJ_ERR_TOKEN_EXPIRED when it
 * is but now_ms >= expires_ms (*out is then filled too); 0 otherwise.
 */
int	token_open(const struct wj_master_key *, const char *text,
	    int64_t now_ms, struct token *out) WJ_WUR;

/* Why a request was refused: the content of an authorization message. */
struct authz_msg {
	const char *action;		/* e.g. workspace:jobs:retry */
	const char *user_id;
	const char *user_name;
	const char *domain_id;		/* the account; also the binding */
	const char *domain_name;
	const char *project_id;		/* NULL or "" when none */
	const char *request_id;
	const char *source_ip;		/* NULL when unknown */
	int64_t	    time_ms;
	int	    explicit_deny;	/* else an implicit deny */
	const char *sid;		/* explicit: the denying Sid */
	const char *policy;		/* explicit: the denying policy */
};

#define AUTHZ_FAILURE_IMPLICIT	"implicit deny by identity-based policy"
#define AUTHZ_FAILURE_EXPLICIT	"explicit deny by identity-based policy"

/*
 * Seal m into an encoded message (*out malloc'd).  The plaintext is the
 * decoded message itself, a JSON object: action, user, user_id, domain,
 * domain_id, project (when any), request_id, source_ip (when known),
 * time, resource, failure, and for an explicit deny sid and policy.
 */
int	authz_msg_seal(const struct wj_master_key *, const struct authz_msg *m,
	    char **out) WJ_WUR;

/*
 * Open an encoded message for a caller of account domain_id: *json is
 * the decoded message text (malloc'd).  WJ_ERR_INVALID when text is not
 * shaped like a message at all; WJ_ERR_DENIED when it is but does not
 * open: damaged, sealed under another key, or of another account.
 */
int	authz_msg_open(const struct wj_master_key *, const char *domain_id,
	    const char *text, char **json) WJ_WUR;

#endif
