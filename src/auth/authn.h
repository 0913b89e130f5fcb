/*
 * authn.h - who is calling: turns the credentials of a request (an AK/SK
 * signature or an IAM token) into a principal, and checks that the
 * principal may act in the request's project.  Reports failures as
 * WJ_ERR_AUTH / WJ_ERR_TOKEN_EXPIRED / WJ_ERR_PROJECT with the gateway's
 * reason text (docs/API.md#errors); never says which part of a
 * signature was wrong.  An AK locks after consecutive signature failures,
 * counted in the store with every server's (store_key_sig_failed); the
 * guard (auth/guard) refuses at once what this server saw locked.  A token is checked against its user's row on every
 * request (enabled, same account, issued after tokens_valid_after): no
 * cache, so revocations apply to the next request.
 */
#ifndef WJ_AUTHN_H
#define WJ_AUTHN_H

#include <stdint.h>

#include "guard.h"
#include "sig.h"
#include "token.h"
#include "../store/store.h"
#include "../util/crypto.h"

struct principal {
	char	user_id[WJ_ID_LEN + 1];
	char	user_name[STORE_NAME_MAX + 1];
	char	domain_id[WJ_ID_LEN + 1];
	char	domain_name[STORE_NAME_MAX + 1];
	char	access_key[SIG_AK_MAX + 1];
	int	is_root;	/* the account's root user: allowed everything */
	int	via_token;	/* authenticated by X-Auth-Token */
	int	via_console;	/* ... or by the web console's session cookie
				   (set by the gate; a console action) */
	char	token_project_id[WJ_ID_LEN + 1]; /* its scope; "" = domain */
};

struct authn {
	struct store		   *store;
	const struct wj_master_key *mk;
	int64_t			    skew_ms;	/* of X-Sdk-Date */
	struct guard		   *guard;	/* AK lockout; NULL = none */
};

/*
 * Authenticate one request.  authz is the Authorization header, token the
 * X-Auth-Token header (either may be NULL); now_ms the server clock.
 */
int	authn_request(const struct authn *, const struct sig_request *req,
	    const char *authz, const char *token, const char *sdk_date,
	    int64_t now_ms, struct principal *out, struct wj_errinfo *ei)
	    WJ_WUR;

/*
 * Open a token and check it against its user: *t (may be NULL) gets its
 * content, *out the principal.  WJ_ERR_AUTH ("decrypt token fail") when
 * it is not a token; WJ_ERR_TOKEN_EXPIRED when expired, revoked, or its
 * user is gone or disabled.
 */
int	authn_token(const struct authn *, const char *text, int64_t now_ms,
	    struct token *t, struct principal *out, struct wj_errinfo *ei)
	    WJ_WUR;

/*
 * The principal may act in project_id (its account owns the project;
 * a token's scope is that project).  WJ_ERR_PROJECT otherwise, and for
 * projects that do not exist.
 */
int	authn_project(const struct authn *, const struct principal *,
	    const char *project_id) WJ_WUR;

/* Seal an SK for storage (aad = the AK) and open it again. */
int	authn_seal_secret(const struct wj_master_key *, const char *ak,
	    const char *sk, uint8_t *out, size_t cap, size_t *outlen) WJ_WUR;
int	authn_open_secret(const struct wj_master_key *, const char *ak,
	    const uint8_t *in, size_t inlen, char *sk, size_t cap) WJ_WUR;

/*
 * A sealed SK opened with any key of mk (void *: a store_reseal_fn) and
 * sealed again under mk's current key (master key rotation).
 */
int	authn_reseal_secret(void *mk, const char *ak, const uint8_t *in,
	    size_t inlen, uint8_t *out, size_t cap, size_t *outlen) WJ_WUR;

/* A fresh AK (20 upper-case alphanumerics) and SK (40 alphanumerics). */
int	authn_new_keypair(char ak[21], char sk[41]) WJ_WUR;

#endif
