/*
 * authn.c - credentials to principal; see authn.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "authn.h"

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

static int
aksk(const struct authn *a, const struct sig_request *req, const char *authz,
    const char *sdk_date, int64_t now_ms, struct principal *out,
    struct wj_errinfo *ei)
{
	struct sig_auth sa;
	struct store_key key;
	char sk[256];
	int64_t t;
	int r;

	if ((r = sig_parse_authorization_algs(authz, SIG_ALGS_ALL, &sa,
	    ei)) != 0)
		return WJ_ERR_AUTH;
	if ((r = store_key_get(a->store, sa.access_key, &key)) != 0) {
		if (r != WJ_ERR_NOT_FOUND)
			return r;
		wj_errinfo_set(ei, "Get secretKey failed");
		return WJ_ERR_AUTH;
	}
	if (!key.enabled || !key.user.enabled) {
		wj_errinfo_set(ei, "Get secretKey failed");
		return WJ_ERR_AUTH;
	}
	if (sdk_date == NULL || sig_parse_date(sdk_date, &t) != 0) {
		wj_errinfo_set(ei, "verify aksk signature fail, "
		    "X-Sdk-Date missing or malformed");
		return WJ_ERR_AUTH;
	}
	if (t > now_ms + a->skew_ms || t < now_ms - a->skew_ms) {
		char server[17];

		sig_format_date(now_ms, server);
		wj_errinfo_set(ei, "verify aksk signature fail, signature "
		    "expired, signature time:%s,server time:%s", sdk_date,
		    server);
		return WJ_ERR_AUTH;
	}
	if ((r = authn_open_secret(a->mk, key.access_key, key.secret_sealed,
	    key.secret_sealed_len, sk, sizeof(sk))) != 0)
		return WJ_ERR_INTERNAL;
	r = sig_verify(req, &sa, sk, strlen(sk), ei);
	OPENSSL_cleanse(sk, sizeof(sk));
	if (r != 0) {
		wj_errinfo_set(ei, "verify aksk signature fail");
		return WJ_ERR_AUTH;
	}
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
	/* DESIGN §4: both credentials, or neither, is 401 APIGW.0301. */
	if (authz != NULL && token != NULL) {
		wj_errinfo_set(ei, "both X-Auth-Token and Authorization given");
		return WJ_ERR_AUTH;
	}
	if (authz == NULL && token == NULL) {
		wj_errinfo_set(ei, "x-auth-token not found");
		return WJ_ERR_AUTH;
	}
	if (token != NULL) {
		/* XXX IAM tokens arrive with the IAM issue: none decrypts. */
		wj_errinfo_set(ei, "decrypt token fail");
		return WJ_ERR_AUTH;
	}
	return aksk(a, req, authz, sdk_date, now_ms, out, ei);
}

int
authn_project(const struct authn *a, const struct principal *p,
    const char *project_id)
{
	struct store_project proj;
	int r;

	if ((r = store_project_get(a->store, project_id, &proj)) != 0)
		return r == WJ_ERR_NOT_FOUND ? WJ_ERR_PROJECT : r;
	if (strcmp(proj.domain_id, p->domain_id) != 0)
		return WJ_ERR_PROJECT;
	return 0;
}
