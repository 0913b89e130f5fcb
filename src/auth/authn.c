/*
 * authn.c - credentials to principal; see authn.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "authn.h"
#include "keycache.h"

int
authn_seal_secret(const struct wj_master_key *mk, const char *ak,
    const char *sk, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t *s;
	size_t n;
	int r;

	if ((r = wj_seal(mk, ak, strlen(ak), sk, strlen(sk), &s, &n)) != 0)
		return r;
	if (n > cap) {
		free(s);
		return WJ_ERR_INVALID;
	}
	memcpy(out, s, n);
	*outlen = n;
	free(s);
	return 0;
}

int
authn_open_secret(const struct wj_master_key *mk, const char *ak,
    const uint8_t *in, size_t inlen, char *sk, size_t cap)
{
	uint8_t *p;
	size_t n;
	int r;

	if ((r = wj_open(mk, ak, strlen(ak), in, inlen, &p, &n)) != 0)
		return r;
	if (n + 1 > cap) {
		wj_freezero(p, n + 1);
		return WJ_ERR_INVALID;
	}
	memcpy(sk, p, n);
	sk[n] = '\0';
	wj_freezero(p, n + 1);
	return 0;
}

int
authn_reseal_secret(void *mk, const char *ak, const uint8_t *in,
    size_t inlen, uint8_t *out, size_t cap, size_t *outlen)
{
	char sk[256];
	int r;

	if ((r = authn_open_secret(mk, ak, in, inlen, sk, sizeof(sk))) == 0)
		r = authn_seal_secret(mk, ak, sk, out, cap, outlen);
	OPENSSL_cleanse(sk, sizeof(sk));
	return r;
}

static int
random_chars(char *out, size_t n, const char *alphabet)
{
	size_t i, an = strlen(alphabet);
	uint8_t b[64];
	int r;

	if (n > sizeof(b))
		return WJ_ERR_INVALID;
	if ((r = wj_random(b, n)) != 0)
		return r;
	/* 256 % 36 and % 62 bias is negligible for identifiers, but avoid
	 * it anyway by rejection. */
	for (i = 0; i < n; i++) {
		while (b[i] >= 256 - 256 % an)
			if ((r = wj_random(&b[i], 1)) != 0)
				return r;
		out[i] = alphabet[b[i] % an];
	}
	out[n] = '\0';
	OPENSSL_cleanse(b, sizeof(b));
	return 0;
}

int
authn_new_keypair(char ak[21], char sk[41])
{
	int r;

	if ((r = random_chars(ak, 20, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")) !=
	    0)
		return r;
	return random_chars(sk, 40,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
}

/*
 * One more failure of ak, counted in the store with every server's
 * failures: the store decides the lock (store_key_sig_failed), which
 * every server sees within the key cache's time and an operator can
 * lift; this server refuses a key it saw locked at once (the guard).
 * Only failures wait for the store: a good signature writes nothing
 * unless failures were counted.  When the store cannot count, this
 * server counts alone.
 */
static void
count_ak_failure(const struct authn *a, const char *ak, int64_t now_ms)
{
	int64_t until = 0;
	int r;

	if (a->guard == NULL)
		return;
	if ((r = store_key_sig_failed(a->store, ak, now_ms,
	    guard_ak_threshold(a->guard), guard_ak_lock_ms(a->guard),
	    &until)) != 0) {
		log_warn("authn: AK failure not stored: %s", wj_strerror(r));
		(void)guard_ak_failed(a->guard, ak, now_ms);
		return;
	}
	guard_ak_stored(a->guard, ak, now_ms, until);
}

/*
 * A good signature: a count of failures (seen here or in the store's
 * row) starts again, everywhere.  The request waits for the clear, as a
 * failure waits for its count: a clear still queued when the next
 * failures are counted would undo them, and the key would not lock.
 */
static void
clear_ak_failures(const struct authn *a, const struct store_key *key)
{
	int r;

	if (a->guard == NULL || (!guard_ak_ok(a->guard, key->access_key) &&
	    key->sig_failures == 0))
		return;
	if ((r = store_key_sig_ok(a->store, key->access_key)) != 0) {
		log_warn("authn: AK failure count not cleared: %s",
		    wj_strerror(r));
		return;
	}
	keycache_key_sig_cleared(a->store, key->access_key);
}

/* Locked in the store (by any server) or in this server's guard. */
static int
ak_locked(const struct authn *a, const struct store_key *key, int64_t now_ms)
{
	if (key->locked_until_ms > now_ms)
		return 1;
	return a->guard != NULL && guard_ak_check(a->guard, key->access_key,
	    now_ms, key->unlocked_ms, NULL) != 0;
}

/* X-Sdk-Date within the skew of the server's clock. */
static int
check_date(const char *sdk_date, int64_t now_ms, int64_t skew_ms,
    struct wj_errinfo *ei)
{
	char server[17];
	int64_t t;

	if (sdk_date == NULL || sig_parse_date(sdk_date, &t) != 0) {
		wj_errinfo_set(ei, "verify aksk signature fail, "
		    "X-Sdk-Date missing or malformed");
		return WJ_ERR_AUTH;
	}
	if (t > now_ms + skew_ms || t < now_ms - skew_ms) {
		sig_format_date(now_ms, server);
		wj_errinfo_set(ei, "verify aksk signature fail, signature "
		    "expired, signature time:%s,server time:%s", sdk_date,
		    server);
		return WJ_ERR_AUTH;
	}
	return 0;
}

static int
authn_aksk(const struct authn *a, const struct sig_request *req,
    const char *authz, const char *sdk_date, int64_t now_ms,
    struct principal *out, struct wj_errinfo *ei)
{
	struct sig_auth sa;
	struct store_key key;
	char sk[256];
	int r;

	if ((r = sig_parse_authorization_algs(authz, SIG_ALGS_ALL, &sa,
	    ei)) != 0)
		return WJ_ERR_AUTH;
	if ((r = keycache_key_get(a->store, sa.access_key, &key)) != 0) {
		if (r != WJ_ERR_NOT_FOUND)
			return r;
		wj_errinfo_set(ei, "Get secretKey failed");
		return WJ_ERR_AUTH;
	}
	if (!key.enabled || !key.user.enabled) {
		wj_errinfo_set(ei, "Get secretKey failed");
		return WJ_ERR_AUTH;
	}
	/* A locked AK is refused, its signature right or wrong. */
	if (ak_locked(a, &key, now_ms)) {
		wj_errinfo_set(ei, "AK access failed to reach the limit,"
		    "forbidden.");
		return WJ_ERR_AUTH;
	}
	if ((r = check_date(sdk_date, now_ms, a->skew_ms, ei)) != 0) {
		count_ak_failure(a, key.access_key, now_ms);
		return r;
	}
	if ((r = keycache_open_secret(a->mk, key.access_key, key.secret_sealed,
	    key.secret_sealed_len, sk, sizeof(sk))) != 0)
		return WJ_ERR_INTERNAL;
	r = sig_verify(req, &sa, sk, strlen(sk), ei);
	OPENSSL_cleanse(sk, sizeof(sk));
	if (r != 0) {
		count_ak_failure(a, key.access_key, now_ms);
		wj_errinfo_set(ei, "verify aksk signature fail");
		return WJ_ERR_AUTH;
	}
	clear_ak_failures(a, &key);
	memcpy(out->user_id, key.user.id, sizeof(out->user_id));
	memcpy(out->user_name, key.user.name, sizeof(out->user_name));
	memcpy(out->domain_id, key.user.domain_id, sizeof(out->domain_id));
	memcpy(out->domain_name, key.user.domain_name,
	    sizeof(out->domain_name));
	(void)snprintf(out->access_key, sizeof(out->access_key), "%s",
	    sa.access_key);
	out->is_root = key.user.is_root;
	return 0;
}

int
authn_request(const struct authn *a, const struct sig_request *req,
    const char *authz, const char *token, const char *sdk_date,
    int64_t now_ms, struct principal *out, struct wj_errinfo *ei)
{
	memset(out, 0, sizeof(*out));
	/* Both credentials, or neither, is 401 APIGW.0301. */
	if (authz != NULL && token != NULL) {
		wj_errinfo_set(ei, "both X-Auth-Token and Authorization given");
		return WJ_ERR_AUTH;
	}
	if (authz == NULL && token == NULL) {
		wj_errinfo_set(ei, "x-auth-token not found");
		return WJ_ERR_AUTH;
	}
	if (token != NULL)
		return authn_token(a, token, now_ms, NULL, out, ei);
	return authn_aksk(a, req, authz, sdk_date, now_ms, out, ei);
}

int
authn_token(const struct authn *a, const char *text, int64_t now_ms,
    struct token *tp, struct principal *out, struct wj_errinfo *ei)
{
	struct store_user_auth u;
	struct token t;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = token_open(a->mk, text, now_ms, &t)) != 0) {
		if (r == WJ_ERR_TOKEN_EXPIRED || r == WJ_ERR_NOMEM)
			return r;
		wj_errinfo_set(ei, "decrypt token fail");
		return WJ_ERR_AUTH;
	}
	if ((r = store_user_auth_get(a->store, t.user_id, &u)) != 0)
		return r == WJ_ERR_NOT_FOUND ? WJ_ERR_TOKEN_EXPIRED : r;
	OPENSSL_cleanse(u.password_hash, sizeof(u.password_hash));
	/* Disabled, or changed since the token was issued. */
	if (!u.user.enabled || strcmp(u.user.domain_id, t.domain_id) != 0 ||
	    t.issued_ms <= u.tokens_valid_after_ms)
		return WJ_ERR_TOKEN_EXPIRED;
	memcpy(out->user_id, u.user.id, sizeof(out->user_id));
	memcpy(out->user_name, u.user.name, sizeof(out->user_name));
	memcpy(out->domain_id, u.user.domain_id, sizeof(out->domain_id));
	memcpy(out->domain_name, u.user.domain_name,
	    sizeof(out->domain_name));
	memcpy(out->token_project_id, t.project_id,
	    sizeof(out->token_project_id));
	out->is_root = u.user.is_root;
	out->via_token = 1;
	if (tp != NULL)
		*tp = t;
	return 0;
}

int
authn_project(const struct authn *a, const struct principal *p,
    const char *project_id)
{
	struct store_project proj;
	int r;

	/* A token acts in its project only (a domain token in none). */
	if (p->via_token && strcmp(p->token_project_id, project_id) != 0)
		return WJ_ERR_PROJECT;
	if ((r = keycache_project_get(a->store, project_id, &proj)) != 0)
		return r == WJ_ERR_NOT_FOUND ? WJ_ERR_PROJECT : r;
	if (strcmp(proj.domain_id, p->domain_id) != 0)
		return WJ_ERR_PROJECT;
	return 0;
}
