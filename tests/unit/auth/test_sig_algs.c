/*
 * test_sig_algs.c - the signature algorithms besides SDK-HMAC-SHA256
 * (src/auth/sig*.c): SDK-HMAC-SM3 against the SDK's
 * vectors (tests/data/vectors/aksk-sm3.json), SDK-ECDSA-P256-SHA256 and
 * SDK-SM2-SM3 against the derived keys and sample signatures of
 * aksk-ecdsa.json, and the SM2 Z value of keys whose public coordinates
 * start with a zero byte.  Expected values that are not in the vectors
 * are computed here with OpenSSL directly, not with the code under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include "auth/sig.h"
#include "sig_vectors.h"
#include "util/crypto.h"

#define EMPTY_SM3 \
	"1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"
#define SM2_ID "1234567812345678"
#define NSM3 4
#define NEC 2
#define NTV (NSM3 + NEC)
/* Enough tries to meet a 1-in-256 event with certainty in practice. */
#define ZERO_SEARCH_MAX 20000

/* GB/T 32918.5 curve parameters, written out apart from sig_ec.c. */
static const char sm2_a[] =
    "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC";
static const char sm2_b[] =
    "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93";
static const char sm2_gx[] =
    "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7";
static const char sm2_gy[] =
    "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0";

/* One vector, as a server receives it; every byte mutable. */
struct tv {
	char		 name[128];
	int		 alg;		/* enum sig_alg */
	int		 ec;		/* from aksk-ecdsa.json */
	struct vreq	 rq;		/* the request as received */
	const char	*sk;
	const char	*ak;
	const char	*authorization;
	const char	*canonical;
	const char	*string_to_sign;
	const char	*signed_headers;
	const char	*priv_hex;	/* ec only */
	const char	*x_hex;
	const char	*y_hex;
	struct sig_auth	 auth;
};

static json_t *docs[2];
static struct tv tvs[NTV];

/* ---- helpers ---------------------------------------------------------- */

static int
alg_of(const char *name)
{
	if (strcmp(name, "SDK-HMAC-SM3") == 0)
		return SIG_ALG_HMAC_SM3;
	if (strcmp(name, "SDK-ECDSA-P256-SHA256") == 0)
		return SIG_ALG_ECDSA_P256_SHA256;
	if (strcmp(name, "SDK-SM2-SM3") == 0)
		return SIG_ALG_SM2_SM3;
	fail_msg("unexpected algorithm %s", name);
	return 0;
}

static void
load_vector(struct tv *t, json_t *v, int ec, const char *host)
{
	struct wj_errinfo ei = { { 0 } };
	const char *p, *k;
	json_t *hs, *val;

	memset(t, 0, sizeof(*t));
	t->ec = ec;
	assert_non_null(jstr(v, "name"));
	assert_non_null(jstr(v, "algorithm"));
	t->alg = alg_of(jstr(v, "algorithm"));
	snprintf(t->name, sizeof(t->name), "%s/%s", jstr(v, "algorithm"),
	    jstr(v, "name"));
	assert_non_null(jstr(v, "method"));
	snprintf(t->rq.method, sizeof(t->rq.method), "%s", jstr(v, "method"));
	assert_non_null(t->sk = jstr(v, "secret_key"));
	assert_non_null(t->ak = jstr(v, "access_key"));
	assert_non_null(t->canonical = jstr(v, "canonical_request"));
	assert_non_null(t->string_to_sign = jstr(v, "string_to_sign"));
	assert_non_null(t->signed_headers = jstr(v, "signed_headers"));
	if (ec) {
		/* Only the signer's view is given: add the Host it adds. */
		assert_non_null(t->authorization =
		    jstr(v, "sample_authorization"));
		assert_non_null(t->priv_hex = jstr(v,
		    "derived_private_key_hex"));
		assert_non_null(t->x_hex = jstr(v, "public_key_x_hex"));
		assert_non_null(t->y_hex = jstr(v, "public_key_y_hex"));
		assert_true(json_is_true(json_object_get(v,
		    "sample_signature_verifies")));
		assert_non_null(p = jstr(v, "resource_path"));
		vreq_set_target(&t->rq, p);
		hs = json_object_get(v, "headers_given_to_signer");
		assert_true(json_is_object(hs));
		json_object_foreach(hs, k, val)
			vreq_add_header(&t->rq, k, json_string_value(val));
		vreq_add_header(&t->rq, "Host", host);
	} else {
		assert_non_null(t->authorization = jstr(v, "authorization"));
		vreq_from_url(&t->rq, jstr(v, "url"),
		    json_object_get(v, "headers_sent"));
	}
	vreq_sync(&t->rq);
	vreq_set_body(&t->rq, json_object_get(v, "body"));
	if (sig_parse_authorization_algs(t->authorization, SIG_ALGS_ALL,
	    &t->auth, &ei) != 0)
		fail_msg("%s: authorization: %s", t->name, ei.detail);
	assert_int_equal(t->auth.alg, t->alg);
	assert_string_equal(t->signed_headers, t->auth.signed_headers);
}

static int
setup(void **state)
{
	static const char *files[2] = {
		"vectors/aksk-sm3.json", "vectors/aksk-ecdsa.json"
	};
	static const size_t want[2] = { NSM3, NEC };
	const char *host[2];
	size_t f, i, n = 0;
	json_t *v;

	(void)state;
	if (vfiles_load(docs, files, want) != 0)
		return -1;
	for (f = 0; f < 2; f++)
		if ((host[f] = jstr(json_object_get(json_object_get(docs[f],
		    "meta"), "fixed"), "host")) == NULL)
			return -1;
	vfiles_foreach(docs, f, i, v)
		load_vector(&tvs[n++], v, (int)f, host[f]);
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NTV; i++)
		vreq_free(&tvs[i].rq);
	vfiles_free(docs);
	return 0;
}

#define want_accept(t, what, i) \
	vreq_expect(&(t)->rq, &(t)->auth, (t)->sk, 1, (t)->name, what, i)
#define want_reject(t, what, i) \
	vreq_expect(&(t)->rq, &(t)->auth, (t)->sk, 0, (t)->name, what, i)

static const EVP_MD *
md_of(int alg)
{
	return alg == SIG_ALG_ECDSA_P256_SHA256 ? EVP_sha256() : EVP_sm3();
}

static void
md_hex(const EVP_MD *md, const void *p, size_t n, char out[65])
{
	uint8_t h[32];
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(p, n, h, &len, md, NULL), 1);
	assert_int_equal(len, 32);
	wj_hex(h, 32, out);
}

/* Independent StringToSign of a canonical request. */
static void
make_sts(const char *alg_name, const EVP_MD *md, const char *canon,
    const char *date, char *out, size_t outsz)
{
	char hash[65];
	int n;

	md_hex(md, canon, strlen(canon), hash);
	n = snprintf(out, outsz, "%s\n%s\n%s", alg_name, date, hash);
	assert_true(n > 0 && (size_t)n < outsz);
}

/* The canonical request of t's request with t's algorithm, malloc'd. */
static char *
tv_canonical(const struct tv *t, int mode)
{
	struct sig_request req;
	struct wj_errinfo ei = { { 0 } };
	struct buf b;
	char *s;
	int r;

	vreq_request(&t->rq, &req);
	buf_init(&b);
	if ((r = sig_canonical_request(&req, t->signed_headers, t->alg, mode,
	    &b, &ei)) != 0)
		fail_msg("%s: canonical request %d %s", t->name, r, ei.detail);
	s = buf_take(&b, NULL);
	assert_non_null(s);
	return s;
}

/* Index of header name (any case) in t, or -1. */
static int
tv_find(const struct tv *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->rq.nh; i++)
		if (strcasecmp(t->rq.names[i], name) == 0)
			return (int)i;
	return -1;
}

/* A copy of t's headers without Authorization, for signing. */
static size_t
unsigned_headers(const struct tv *t, struct sig_header *h, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < t->rq.nh; i++) {
		if (strcasecmp(t->rq.names[i], "Authorization") == 0)
			continue;
		assert_true(n < max);
		h[n].name = t->rq.names[i];
		h[n].value = t->rq.vals[i];
		n++;
	}
	return n;
}

/* Sign t's request with alg; *out malloc'd Authorization value. */
static void
tv_sign(const struct tv *t, int alg, const char *ak, char **out)
{
	struct sig_header h[16];
	struct sig_request req;
	int r;

	vreq_request(&t->rq, &req);
	req.headers = h;
	req.n_headers = unsigned_headers(t, h, 16);
	if ((r = sig_sign_alg(&req, alg, ak, t->sk, out)) != 0)
		fail_msg("%s: sig_sign_alg %d", t->name, r);
}

/* An EVP key of alg from x || y and optionally d (independent of sig_ec.c). */
static EVP_PKEY *
make_pkey(int alg, const uint8_t *priv, const uint8_t pub[64])
{
	uint8_t point[65];
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *params;
	EVP_PKEY_CTX *pc;
	EVP_PKEY *pk = NULL;
	BIGNUM *d = NULL;
	int sm2 = alg == SIG_ALG_SM2_SM3;

	point[0] = 4;
	memcpy(point + 1, pub, 64);
	assert_non_null(bld = OSSL_PARAM_BLD_new());
	assert_true(OSSL_PARAM_BLD_push_utf8_string(bld,
	    OSSL_PKEY_PARAM_GROUP_NAME, sm2 ? "SM2" : "P-256", 0));
	assert_true(OSSL_PARAM_BLD_push_octet_string(bld,
	    OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)));
	if (priv != NULL) {
		assert_non_null(d = BN_bin2bn(priv, 32, NULL));
		assert_true(OSSL_PARAM_BLD_push_BN(bld,
		    OSSL_PKEY_PARAM_PRIV_KEY, d));
	}
	assert_non_null(params = OSSL_PARAM_BLD_to_param(bld));
	assert_non_null(pc = EVP_PKEY_CTX_new_from_name(NULL,
	    sm2 ? "SM2" : "EC", NULL));
	assert_int_equal(EVP_PKEY_fromdata_init(pc), 1);
	assert_int_equal(EVP_PKEY_fromdata(pc, &pk, priv != NULL ?
	    EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params), 1);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return pk;
}

/*
 * A digest context set up by OpenSSL alone to sign (sign) or verify with
 * pk: SHA-256 for ECDSA, SM3 with the SDK's user id for SM2.
 */
static EVP_MD_CTX *
openssl_md_init(int alg, EVP_PKEY *pk, int sign)
{
	const char *md = alg == SIG_ALG_SM2_SM3 ? "SM3" : "SHA256";
	EVP_PKEY_CTX *pc = NULL;
	OSSL_PARAM params[2];
	EVP_MD_CTX *m;

	assert_non_null(m = EVP_MD_CTX_new());
	assert_int_equal(sign ?
	    EVP_DigestSignInit_ex(m, &pc, md, NULL, NULL, pk, NULL) :
	    EVP_DigestVerifyInit_ex(m, &pc, md, NULL, NULL, pk, NULL), 1);
	if (alg == SIG_ALG_SM2_SM3) {
		/* OpenSSL 3.0 takes the id only after the init. */
		params[0] = OSSL_PARAM_construct_octet_string(
		    OSSL_PKEY_PARAM_DIST_ID, (void *)SM2_ID, strlen(SM2_ID));
		params[1] = OSSL_PARAM_construct_end();
		assert_int_equal(EVP_PKEY_CTX_set_params(pc, params), 1);
	}
	return m;
}

/*
 * OpenSSL's own verification of msg: ECDSA with SHA-256, or SM2 with
 * SM3 and the standard (GB/T, fixed-length) Z for the SDK's user id.
 */
static int
openssl_verify(int alg, EVP_PKEY *pk, const uint8_t *sig, size_t siglen,
    const char *msg)
{
	EVP_MD_CTX *m;
	int ok;

	m = openssl_md_init(alg, pk, 0);
	ok = EVP_DigestVerify(m, sig, siglen, (const uint8_t *)msg,
	    strlen(msg));
	EVP_MD_CTX_free(m);
	ERR_clear_error();
	return ok == 1;
}

/* OpenSSL's standard signature of msg (as openssl_verify checks). */
static size_t
openssl_sign(int alg, EVP_PKEY *pk, const char *msg, uint8_t sig[128])
{
	EVP_MD_CTX *m;
	size_t len = 128;

	m = openssl_md_init(alg, pk, 1);
	assert_int_equal(EVP_DigestSign(m, sig, &len, (const uint8_t *)msg,
	    strlen(msg)), 1);
	EVP_MD_CTX_free(m);
	return len;
}

/* Append p[0..32) to the SM3 context, leading zeros dropped if minimal. */
static void
z_int(EVP_MD_CTX *m, const uint8_t *p, int minimal)
{
	size_t n = 32;

	while (minimal && n > 0 && *p == 0) {
		p++;
		n--;
	}
	if (n > 0)
		assert_int_equal(EVP_DigestUpdate(m, p, n), 1);
}

/*
 * Z = SM3(ENTL || id || a || b || xG || yG || xQ || yQ), with each
 * integer minimal (the Python SDK) or 32 bytes (GB/T 32918).
 */
static void
sm2_z(const uint8_t pub[64], const char *id, int minimal, uint8_t z[32])
{
	const char *consts[4] = { sm2_a, sm2_b, sm2_gx, sm2_gy };
	uint8_t c[32], entl[2];
	EVP_MD_CTX *m;
	unsigned int len = 0;
	size_t i, idlen = strlen(id);

	entl[0] = (uint8_t)((idlen * 8) >> 8);
	entl[1] = (uint8_t)(idlen * 8);
	assert_non_null(m = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestInit_ex(m, EVP_sm3(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(m, entl, 2), 1);
	assert_int_equal(EVP_DigestUpdate(m, id, idlen), 1);
	for (i = 0; i < 4; i++) {
		assert_int_equal(wj_unhex(consts[i], 32, c), 0);
		z_int(m, c, minimal);
	}
	z_int(m, pub, minimal);
	z_int(m, pub + 32, minimal);
	assert_int_equal(EVP_DigestFinal_ex(m, z, &len), 1);
	assert_int_equal(len, 32);
	EVP_MD_CTX_free(m);
}

/* e = SM3(z || msg). */
static void
sm2_e(const uint8_t z[32], const char *msg, uint8_t e[32])
{
	EVP_MD_CTX *m;
	unsigned int len = 0;

	assert_non_null(m = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestInit_ex(m, EVP_sm3(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(m, z, 32), 1);
	assert_int_equal(EVP_DigestUpdate(m, msg, strlen(msg)), 1);
	assert_int_equal(EVP_DigestFinal_ex(m, e, &len), 1);
	EVP_MD_CTX_free(m);
}

/* SM2 verification of a precomputed digest e (OpenSSL). */
static int
sm2_verify_e(EVP_PKEY *pk, const uint8_t *sig, size_t siglen,
    const uint8_t e[32])
{
	EVP_PKEY_CTX *pc;
	int ok;

	assert_non_null(pc = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL));
	assert_int_equal(EVP_PKEY_verify_init(pc), 1);
	ok = EVP_PKEY_verify(pc, sig, siglen, e, 32);
	EVP_PKEY_CTX_free(pc);
	ERR_clear_error();
	return ok == 1;
}

static size_t
sm2_sign_e(EVP_PKEY *pk, const uint8_t e[32], uint8_t sig[128])
{
	EVP_PKEY_CTX *pc;
	size_t len = 128;

	assert_non_null(pc = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL));
	assert_int_equal(EVP_PKEY_sign_init(pc), 1);
	assert_int_equal(EVP_PKEY_sign(pc, sig, &len, e, 32), 1);
	EVP_PKEY_CTX_free(pc);
	return len;
}

/* The Signature= hex of an Authorization value, decoded. */
static size_t
auth_der(const char *authz, uint8_t der[128])
{
	struct wj_errinfo ei;
	struct sig_auth a;
	size_t n;

	assert_int_equal(sig_parse_authorization_algs(authz, SIG_ALGS_ALL, &a,
	    &ei), 0);
	n = strlen(a.signature);
	assert_true(n % 2 == 0 && n / 2 <= 128);
	assert_int_equal(wj_unhex(a.signature, n / 2, der), 0);
	return n / 2;
}

/* Sign m with alg, then verify it; the verdict of sig_verify. */
static int
mini_roundtrip(const struct mini *m, int alg, const char *ak,
    const struct sig_request *check, char **authz)
{
	struct wj_errinfo ei = { { 0 } };
	struct sig_auth a;
	char *auth;
	int r;

	assert_int_equal(sig_sign_alg(&m->req, alg, ak, TEST_SK, &auth), 0);
	assert_int_equal(sig_parse_authorization_algs(auth, SIG_ALGS_ALL, &a,
	    &ei), 0);
	assert_int_equal(a.alg, alg);
	r = sig_verify(check != NULL ? check : &m->req, &a, TEST_SK,
	    strlen(TEST_SK), &ei);
	if (authz != NULL)
		*authz = auth;
	else
		free(auth);
	return r;
}

/* ---- loading and parsing ------------------------------------------------ */

static void
test_vectors_loaded(void **state)
{
	size_t i, ec = 0, sm3 = 0;

	(void)state;
	for (i = 0; i < NTV; i++) {
		ec += tvs[i].ec;
		sm3 += tvs[i].alg == SIG_ALG_HMAC_SM3;
	}
	assert_int_equal(ec, NEC);
	assert_int_equal(sm3, NSM3);
	assert_int_equal(tvs[NSM3].alg, SIG_ALG_ECDSA_P256_SHA256);
	assert_int_equal(tvs[NSM3 + 1].alg, SIG_ALG_SM2_SM3);
}

static void
test_parse_algorithms(void **state)
{
	static const struct {
		const char	*token;
		int		 alg;
	} ok[] = {
		{ "SDK-HMAC-SHA256", SIG_ALG_HMAC_SHA256 },
		{ "SDK-HMAC-SM3", SIG_ALG_HMAC_SM3 },
		{ "SDK-ECDSA-P256-SHA256", SIG_ALG_ECDSA_P256_SHA256 },
		{ "SDK-SM2-SM3", SIG_ALG_SM2_SM3 },
	};
	static const char *bad[] = {
		"sdk-hmac-sm3", "SDK-HMAC-SM", "SDK-HMAC-SM33", "SDK-SM2",
		"SDK-ECDSA-P256", "SDK-SM2-SM3X", "V11-HMAC-SHA256", "",
	};
	struct wj_errinfo ei;
	struct sig_auth a;
	char v[256];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(v, sizeof(v), "%s Access=AK, SignedHeaders=host;"
		    "x-sdk-date, Signature=3044", ok[i].token);
		memset(&ei, 0, sizeof(ei));
		assert_int_equal(sig_parse_authorization_algs(v, SIG_ALGS_ALL,
		    &a, &ei), 0);
		assert_int_equal(a.alg, ok[i].alg);
		assert_string_equal(a.access_key, "AK");
		/* Only its own bit: accepted; every other set: refused. */
		for (j = 0; j < sizeof(ok) / sizeof(ok[0]); j++) {
			memset(&ei, 0, sizeof(ei));
			assert_int_equal(sig_parse_authorization_algs(v,
			    SIG_ALG_MASK(ok[j].alg), &a, &ei),
			    i == j ? 0 : WJ_ERR_AUTH);
			if (i != j)
				assert_string_equal(ei.detail,
				    "unsupported signature algorithm");
		}
		assert_int_equal(sig_parse_authorization_algs(v, 0, &a, &ei),
		    WJ_ERR_AUTH);
		/* The default parser stays SDK-HMAC-SHA256 only. */
		assert_int_equal(sig_parse_authorization(v, &a, &ei),
		    i == 0 ? 0 : WJ_ERR_AUTH);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(v, sizeof(v), "%s Access=AK, SignedHeaders=host, "
		    "Signature=ab", bad[i]);
		memset(&ei, 0, sizeof(ei));
		if (sig_parse_authorization_algs(v, SIG_ALGS_ALL, &a, &ei) !=
		    WJ_ERR_AUTH)
			fail_msg("accepted %s", v);
		assert_string_equal(ei.detail,
		    "unsupported signature algorithm");
		assert_int_equal(a.alg, 0);
	}
	/* The longest DER signature (72 bytes) fits. */
	memset(v, 0, sizeof(v));
	j = (size_t)snprintf(v, sizeof(v), "SDK-SM2-SM3 Access=AK, "
	    "SignedHeaders=host, Signature=");
	memset(v + j, 'a', 144);
	assert_int_equal(sig_parse_authorization_algs(v, SIG_ALGS_ALL, &a,
	    &ei), 0);
	assert_int_equal(strlen(a.signature), 144);
}

static void
test_unknown_algorithm(void **state)
{
	static const int unknown[] = { 0, 2, 6, -1, 100 };
	struct wj_errinfo ei;
	struct sig_auth a;
	struct mini m;
	struct buf b;
	uint8_t priv[SIG_EC_LEN], pub[2 * SIG_EC_LEN];
	char *auth;
	size_t i;

	(void)state;
	mini_init(&m, "GET", "/", NULL);
	buf_init(&b);
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		memset(&ei, 0, sizeof(ei));
		assert_int_equal(sig_canonical_request(&m.req, "host",
		    unknown[i], 0, &b, &ei), WJ_ERR_AUTH);
		assert_string_equal(ei.detail,
		    "unsupported signature algorithm");
		assert_int_equal(sig_sign_alg(&m.req, unknown[i], TEST_AK,
		    TEST_SK, &auth), WJ_ERR_INVALID);
		assert_null(auth);
		assert_int_equal(sig_derive_key(unknown[i], TEST_AK, TEST_SK,
		    strlen(TEST_SK), priv, pub), WJ_ERR_INVALID);
		memset(&a, 0, sizeof(a));
		a.alg = unknown[i];
		snprintf(a.access_key, sizeof(a.access_key), TEST_AK);
		snprintf(a.signed_headers, sizeof(a.signed_headers),
		    "host;x-sdk-date");
		snprintf(a.signature, sizeof(a.signature), "00");
		assert_int_equal(sig_verify(&m.req, &a, TEST_SK,
		    strlen(TEST_SK), &ei), WJ_ERR_AUTH);
		assert_string_equal(ei.detail,
		    "unsupported signature algorithm");
	}
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* ---- SDK-HMAC-SM3 vectors ----------------------------------------------- */

static void
test_vectors_canonical_request(void **state)
{
	char *c;
	size_t i;

	(void)state;
	for (i = 0; i < NTV; i++) {
		c = tv_canonical(&tvs[i], SIG_URI_DECODE);
		if (strcmp(c, tvs[i].canonical) != 0)
			fail_msg("%s: canonical request\n%s\nwant\n%s",
			    tvs[i].name, c, tvs[i].canonical);
		free(c);
	}
}

/* Every StringToSign (and HMAC-SM3), recomputed without the code under test. */
static void
test_vectors_string_to_sign(void **state)
{
	char sts[256], alg[SIG_ALG_MAX + 1], *c, hex[65];
	uint8_t mac[32];
	unsigned int len = 0;
	size_t i;

	(void)state;
	for (i = 0; i < NTV; i++) {
		const struct tv *t = &tvs[i];

		/* The token before the first space of the Authorization. */
		assert_true(strcspn(t->authorization, " ") <= SIG_ALG_MAX);
		snprintf(alg, sizeof(alg), "%.*s",
		    (int)strcspn(t->authorization, " "), t->authorization);
		c = tv_canonical(t, SIG_URI_DECODE);
		make_sts(alg, md_of(t->alg), c, TEST_DATE, sts, sizeof(sts));
		assert_string_equal(sts, t->string_to_sign);
		free(c);
		if (t->ec)
			continue;
		assert_non_null(HMAC(EVP_sm3(), t->sk, (int)strlen(t->sk),
		    (const uint8_t *)sts, strlen(sts), mac, &len));
		wj_hex(mac, 32, hex);
		assert_string_equal(hex, t->auth.signature);
	}
}

static void
test_sm3_empty_hash(void **state)
{
	char hex[65], *c;
	struct mini m;
	struct buf b;
	struct wj_errinfo ei;

	(void)state;
	md_hex(EVP_sm3(), "", 0, hex);
	assert_string_equal(hex, EMPTY_SM3);
	mini_init(&m, "POST", "/", NULL);
	buf_init(&b);
	assert_int_equal(sig_canonical_request(&m.req, "host;x-sdk-date",
	    SIG_ALG_HMAC_SM3, 0, &b, &ei), 0);
	c = strrchr(b.data, '\n');
	assert_string_equal(c + 1, EMPTY_SM3);
	buf_free(&b);
}

/* SM3 family: X-Sdk-Content-Sm3 is the payload header, not -Sha256. */
static void
test_content_header_per_algorithm(void **state)
{
	static const struct {
		int	alg;
		int	sm3_used;
	} cases[] = {
		{ SIG_ALG_HMAC_SHA256, 0 },
		{ SIG_ALG_HMAC_SM3, 1 },
		{ SIG_ALG_ECDSA_P256_SHA256, 0 },
		{ SIG_ALG_SM2_SM3, 1 },
	};
	struct wj_errinfo ei;
	struct mini m;
	struct buf b;
	char want[65];
	const char *last;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mini_init(&m, "POST", "/", NULL);
		mini_add(&m, "X-Sdk-Content-Sha256", "SHA-HEADER");
		mini_add(&m, "X-Sdk-Content-Sm3", "SM3-HEADER");
		m.req.body = "{}";
		m.req.body_len = 2;
		buf_init(&b);
		assert_int_equal(sig_canonical_request(&m.req,
		    "host;x-sdk-date", cases[i].alg, 0, &b, &ei), 0);
		last = strrchr(b.data, '\n') + 1;
		assert_string_equal(last,
		    cases[i].sm3_used ? "SM3-HEADER" : "SHA-HEADER");
		buf_free(&b);

		/* Without its header: the algorithm's hash of the body. */
		m.req.n_headers = 2;
		mini_add(&m, cases[i].sm3_used ? "X-Sdk-Content-Sha256" :
		    "X-Sdk-Content-Sm3", "UNSIGNED-PAYLOAD");
		buf_init(&b);
		assert_int_equal(sig_canonical_request(&m.req,
		    "host;x-sdk-date", cases[i].alg, 0, &b, &ei), 0);
		md_hex(cases[i].sm3_used ? EVP_sm3() : EVP_sha256(), "{}", 2,
		    want);
		assert_string_equal(strrchr(b.data, '\n') + 1, want);
		buf_free(&b);
	}
}

static void
test_vectors_verify(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NTV; i++)
		want_accept(&tvs[i], "vector", i);
}

/* An SM3 signature under another algorithm's name does not verify. */
static void
test_vectors_wrong_algorithm(void **state)
{
	static const int all[] = { SIG_ALG_HMAC_SHA256, SIG_ALG_HMAC_SM3,
	    SIG_ALG_ECDSA_P256_SHA256, SIG_ALG_SM2_SM3 };
	struct tv *t;
	size_t i, j;
	int alg;

	(void)state;
	for (i = 0; i < NTV; i++) {
		t = &tvs[i];
		alg = t->auth.alg;
		for (j = 0; j < 4; j++) {
			if (all[j] == alg)
				continue;
			t->auth.alg = all[j];
			want_reject(t, "as algorithm", j);
		}
		t->auth.alg = alg;
		want_accept(t, "restored", i);
	}
}

static void
test_vectors_wrong_key(void **state)
{
	struct tv *t;
	const char *sk;
	struct sig_auth a;
	struct wj_errinfo ei;
	struct sig_request req;
	size_t i;

	(void)state;
	for (i = 0; i < NTV; i++) {
		t = &tvs[i];
		sk = t->sk;
		t->sk = "ExampleSecretKeyForSigningVectors0000002";
		want_reject(t, "other sk", i);
		t->sk = sk;
		/* ECDSA/SM2: the public key is derived from AK as well. */
		a = t->auth;
		snprintf(a.access_key, sizeof(a.access_key),
		    "HPUAEXAMPLEAKID00002");
		vreq_request(&t->rq, &req);
		memset(&ei, 0, sizeof(ei));
		assert_int_equal(sig_verify(&req, &a, t->sk, strlen(t->sk),
		    &ei), t->ec ? WJ_ERR_AUTH : 0);
	}
}

static void
test_vectors_tamper_method(void **state)
{
	char saved[32];
	size_t i;

	(void)state;
	for (i = 0; i < NTV; i++) {
		struct tv *t = &tvs[i];

		memcpy(saved, t->rq.method, sizeof(saved));
		snprintf(t->rq.method, sizeof(t->rq.method), "%s",
		    strcmp(saved, "GET") == 0 ? "POST" : "GET");
		want_reject(t, "method", i);
		snprintf(t->rq.method, sizeof(t->rq.method), "PUT");
		want_reject(t, "method", i);
		memcpy(t->rq.method, saved, sizeof(saved));
		want_accept(t, "restored", i);
	}
}

static void
test_vectors_tamper_path(void **state)
{
	char *saved;
	size_t i, n;

	(void)state;
	for (i = 0; i < NTV; i++) {
		struct tv *t = &tvs[i];

		saved = t->rq.path;
		n = strlen(saved);
		t->rq.path = xstrdup(saved);
		t->rq.path[n - 1] ^= 1;
		want_reject(t, "path byte", i);
		free(t->rq.path);
		assert_non_null(t->rq.path = malloc(n + 3));
		snprintf(t->rq.path, n + 3, "%s/x", saved);
		want_reject(t, "path segment", i);
		free(t->rq.path);
		t->rq.path = saved;
		want_accept(t, "restored", i);
	}
}

static void
test_vectors_tamper_query(void **state)
{
	char *saved, *q;
	size_t i, n;

	(void)state;
	for (i = 0; i < NTV; i++) {
		struct tv *t = &tvs[i];

		saved = t->rq.query;
		n = saved != NULL ? strlen(saved) : 0;
		assert_non_null(q = malloc(n + 8));
		snprintf(q, n + 8, "%s%sz=1", saved != NULL ? saved : "",
		    saved != NULL ? "&" : "");
		t->rq.query = q;
		want_reject(t, "query added", i);
		if (saved != NULL) {
			snprintf(q, n + 8, "%s", saved);
			q[n - 1] ^= 1;
			want_reject(t, "query value", i);
		}
		free(q);
		t->rq.query = saved;
		want_accept(t, "restored", i);
	}
}

/* Every signed header: a changed value fails, a removed one too. */
static void
test_vectors_tamper_headers(void **state)
{
	char *saved, *name, *list, *p, *save;
	size_t i, n;
	int h;

	(void)state;
	for (i = 0; i < NTV; i++) {
		struct tv *t = &tvs[i];

		list = xstrdup(t->signed_headers);
		for (p = strtok_r(list, ";", &save); p != NULL;
		    p = strtok_r(NULL, ";", &save)) {
			if ((h = tv_find(t, p)) < 0)
				fail_msg("%s: %s not sent", t->name, p);
			saved = t->rq.vals[h];
			n = strlen(saved);
			assert_non_null(t->rq.vals[h] = malloc(n + 2));
			snprintf(t->rq.vals[h], n + 2, "%sx", saved);
			vreq_sync(&t->rq);
			want_reject(t, p, i);
			free(t->rq.vals[h]);
			t->rq.vals[h] = saved;
			/* Renamed: the signed header is missing. */
			name = t->rq.names[h];
			t->rq.names[h] = "X-Renamed";
			vreq_sync(&t->rq);
			want_reject(t, p, i);
			t->rq.names[h] = name;
			vreq_sync(&t->rq);
		}
		free(list);
		want_accept(t, "restored", i);
	}
}

static void
test_vectors_tamper_body(void **state)
{
	char *saved;
	size_t i, n;
	int h, unsigned_payload;

	(void)state;
	for (i = 0; i < NTV; i++) {
		struct tv *t = &tvs[i];

		h = tv_find(t, "X-Sdk-Content-Sm3");
		unsigned_payload = h >= 0 &&
		    strcmp(t->rq.vals[h], "UNSIGNED-PAYLOAD") == 0;
		saved = t->rq.body;
		n = t->rq.body_len;
		if (n == 0) {
			t->rq.body = xstrdup("{}");
			t->rq.body_len = 2;
			want_reject(t, "body added", i);
		} else {
			t->rq.body = xstrndup(saved, n);
			t->rq.body[n - 1] ^= 1;
			/* An unsigned payload is not covered. */
			if (unsigned_payload)
				want_accept(t, "unsigned body", i);
			else
				want_reject(t, "body byte", i);
			t->rq.body_len = n - 1;
			if (unsigned_payload)
				want_accept(t, "unsigned body", i);
			else
				want_reject(t, "body shortened", i);
		}
		free(t->rq.body);
		t->rq.body = saved;
		t->rq.body_len = n;
		want_accept(t, "restored", i);
	}
}

static void
test_vectors_tamper_date(void **state)
{
	char *saved;
	size_t i;
	int h;

	(void)state;
	for (i = 0; i < NTV; i++) {
		struct tv *t = &tvs[i];

		assert_true((h = tv_find(t, "X-Sdk-Date")) >= 0);
		saved = t->rq.vals[h];
		t->rq.vals[h] = "20250101T080911Z";
		vreq_sync(&t->rq);
		want_reject(t, "date", i);
		t->rq.vals[h] = "20250101T080910";
		vreq_sync(&t->rq);
		want_reject(t, "date malformed", i);
		t->rq.vals[h] = saved;
		vreq_sync(&t->rq);
		want_accept(t, "restored", i);
	}
}

/* Any one hex digit of the signature changed; truncated; extended. */
static void
test_vectors_tamper_signature(void **state)
{
	char saved[SIG_SIGNATURE_MAX + 1];
	size_t i, k, n;

	(void)state;
	for (i = 0; i < NTV; i++) {
		struct tv *t = &tvs[i];

		memcpy(saved, t->auth.signature, sizeof(saved));
		n = strlen(saved);
		for (k = 0; k < n; k++) {
			t->auth.signature[k] = saved[k] == '0' ? '1' : '0';
			want_reject(t, "signature digit", k);
			t->auth.signature[k] = saved[k];
		}
		t->auth.signature[n - 2] = '\0';
		want_reject(t, "signature truncated", i);
		t->auth.signature[n - 1] = '\0';	/* odd length */
		t->auth.signature[n - 2] = saved[n - 2];
		want_reject(t, "signature odd", i);
		memcpy(t->auth.signature, saved, sizeof(saved));
		assert_true(n + 2 <= SIG_SIGNATURE_MAX);
		memcpy(t->auth.signature + n, "00", 3);
		want_reject(t, "signature extended", i);
		memcpy(t->auth.signature, saved, sizeof(saved));
		want_accept(t, "restored", i);
	}
}

/* sig_sign_alg reproduces the SDK's SDK-HMAC-SM3 Authorization. */
static void
test_sm3_sign(void **state)
{
	char *auth;
	size_t i;

	(void)state;
	for (i = 0; i < NSM3; i++) {
		tv_sign(&tvs[i], SIG_ALG_HMAC_SM3, tvs[i].ak, &auth);
		assert_string_equal(auth, tvs[i].authorization);
		free(auth);
	}
}

/* A declared X-Sdk-Content-Sm3 digest must be the body's SM3. */
static void
test_sm3_declared_body_hash(void **state)
{
	struct mini m, other;
	char sm3[65], sha[65];

	(void)state;
	md_hex(EVP_sm3(), "{\"a\":1}", 7, sm3);
	md_hex(EVP_sha256(), "{\"a\":1}", 7, sha);
	mini_init(&m, "POST", "/v2/p/x", NULL);
	mini_add(&m, "X-Sdk-Content-Sm3", sm3);
	m.req.body = "{\"a\":1}";
	m.req.body_len = 7;
	assert_int_equal(mini_roundtrip(&m, SIG_ALG_HMAC_SM3, TEST_AK, NULL,
	    NULL), 0);
	other = m;
	other.req.headers = other.h;
	other.req.body = "{\"a\":2}";
	assert_int_equal(mini_roundtrip(&m, SIG_ALG_HMAC_SM3, TEST_AK,
	    &other.req, NULL), WJ_ERR_AUTH);
	/* The SHA-256 digest is not what SM3 signers declare. */
	m.h[2].value = sha;
	assert_int_equal(mini_roundtrip(&m, SIG_ALG_HMAC_SM3, TEST_AK, NULL,
	    NULL), WJ_ERR_AUTH);
	m.h[2].value = "UNSIGNED-PAYLOAD";
	assert_int_equal(mini_roundtrip(&m, SIG_ALG_HMAC_SM3, TEST_AK,
	    &other.req, NULL), WJ_ERR_AUTH);	/* other.h still sm3 */
	other.h[2].value = "UNSIGNED-PAYLOAD";
	assert_int_equal(mini_roundtrip(&m, SIG_ALG_HMAC_SM3, TEST_AK,
	    &other.req, NULL), 0);
}

/* The SM3 family: an empty body with X-Sdk-Content-Sm3. */
static void
test_sm3_empty_body_variants(void **state)
{
	static const int fam[] = { SIG_ALG_HMAC_SM3, SIG_ALG_SM2_SM3 };
	struct wj_errinfo ei;
	struct sig_auth a;
	struct mini m;
	char sts[256], canon[512], hex[65];
	uint8_t mac[32];
	unsigned int len;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		/* Python: the empty hash; sign_alg does the same. */
		mini_init(&m, "POST", "/", NULL);
		mini_add(&m, "X-Sdk-Content-Sm3", "UNSIGNED-PAYLOAD");
		assert_int_equal(mini_roundtrip(&m, fam[i], TEST_AK, NULL,
		    NULL), 0);
	}
	/* Go/Node: the header value; built by hand for HMAC-SM3. */
	snprintf(canon, sizeof(canon), "POST\n/\n\nhost:%s\n"
	    "x-sdk-content-sm3:UNSIGNED-PAYLOAD\nx-sdk-date:%s\n\n"
	    "host;x-sdk-content-sm3;x-sdk-date\nUNSIGNED-PAYLOAD", TEST_HOST,
	    TEST_DATE);
	make_sts("SDK-HMAC-SM3", EVP_sm3(), canon, TEST_DATE, sts,
	    sizeof(sts));
	assert_non_null(HMAC(EVP_sm3(), TEST_SK, (int)strlen(TEST_SK),
	    (const uint8_t *)sts, strlen(sts), mac, &len));
	wj_hex(mac, 32, hex);
	memset(&a, 0, sizeof(a));
	a.alg = SIG_ALG_HMAC_SM3;
	snprintf(a.access_key, sizeof(a.access_key), TEST_AK);
	snprintf(a.signed_headers, sizeof(a.signed_headers),
	    "host;x-sdk-content-sm3;x-sdk-date");
	snprintf(a.signature, sizeof(a.signature), "%s", hex);
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK),
	    &ei), 0);
	/* Under SDK-HMAC-SHA256 that header is just a header. */
	a.alg = SIG_ALG_HMAC_SHA256;
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK),
	    &ei), WJ_ERR_AUTH);
}

/* ---- ECDSA and SM2: derived keys ----------------------------------------- */

static void
test_ec_derive_matches_vectors(void **state)
{
	uint8_t priv[SIG_EC_LEN], pub[2 * SIG_EC_LEN], pub2[2 * SIG_EC_LEN];
	char hex[2 * SIG_EC_LEN + 1];
	size_t i;

	(void)state;
	for (i = NSM3; i < NTV; i++) {
		const struct tv *t = &tvs[i];

		assert_int_equal(sig_derive_key(t->alg, t->ak, t->sk,
		    strlen(t->sk), priv, pub), 0);
		wj_hex(priv, SIG_EC_LEN, hex);
		assert_string_equal(hex, t->priv_hex);
		wj_hex(pub, SIG_EC_LEN, hex);
		assert_string_equal(hex, t->x_hex);
		wj_hex(pub + SIG_EC_LEN, SIG_EC_LEN, hex);
		assert_string_equal(hex, t->y_hex);
		/* priv is optional; the result does not change. */
		assert_int_equal(sig_derive_key(t->alg, t->ak, t->sk,
		    strlen(t->sk), NULL, pub2), 0);
		assert_memory_equal(pub, pub2, sizeof(pub));
		/* Another AK, another key. */
		assert_int_equal(sig_derive_key(t->alg, "HPUAEXAMPLEAKID00002",
		    t->sk, strlen(t->sk), NULL, pub2), 0);
		assert_memory_not_equal(pub, pub2, sizeof(pub));
	}
}

/* The key derivation redone here with HMAC and BN only. */
static void
test_ec_derive_independent(void **state)
{
	static const char *orders[2] = {
		/* P-256 n, SM2 n */
		"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
		"FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123",
	};
	uint8_t data[256], mac[32], priv[32], pub[64], want[32];
	BIGNUM *n = NULL, *c = NULL;
	unsigned int len;
	size_t i, dl, nl;
	int k, found;

	(void)state;
	for (i = NSM3; i < NTV; i++) {
		const struct tv *t = &tvs[i];
		const char *name = t->alg == SIG_ALG_SM2_SM3 ?
		    "SDK-SM2-SM3" : "SDK-ECDSA-P256-SHA256";

		assert_true(BN_hex2bn(&n, orders[i - NSM3]) > 0);
		assert_true(BN_sub_word(n, 2));
		found = 0;
		for (k = 0; k < 255 && !found; k++) {
			nl = strlen(name);
			dl = 0;
			memcpy(data, "\0\0\0\1", 4);
			dl += 4;
			memcpy(data + dl, name, nl);
			dl += nl;
			data[dl++] = 0;
			memcpy(data + dl, t->ak, strlen(t->ak));
			dl += strlen(t->ak);
			data[dl++] = (uint8_t)k;
			memcpy(data + dl, "\0\0\1\0", 4);
			dl += 4;
			assert_non_null(HMAC(md_of(t->alg), t->sk,
			    (int)strlen(t->sk), data, dl, mac, &len));
			assert_non_null(c = BN_bin2bn(mac, 32, c));
			if (BN_cmp(c, n) <= 0)
				found = 1;
		}
		assert_true(found);
		assert_int_equal(k, 1);	/* counter 0 suffices here */
		assert_true(BN_add_word(c, 1));
		assert_int_equal(BN_bn2binpad(c, want, 32), 32);
		assert_int_equal(sig_derive_key(t->alg, t->ak, t->sk,
		    strlen(t->sk), priv, pub), 0);
		assert_memory_equal(priv, want, 32);
	}
	BN_free(n);
	BN_free(c);
}

static void
test_ec_derive_errors(void **state)
{
	uint8_t priv[SIG_EC_LEN], pub[2 * SIG_EC_LEN];
	char ak[SIG_AK_MAX + 2];

	(void)state;
	assert_int_equal(sig_derive_key(SIG_ALG_HMAC_SHA256, TEST_AK, TEST_SK,
	    strlen(TEST_SK), priv, pub), WJ_ERR_INVALID);
	assert_int_equal(sig_derive_key(SIG_ALG_HMAC_SM3, TEST_AK, TEST_SK,
	    strlen(TEST_SK), priv, pub), WJ_ERR_INVALID);
	assert_int_equal(sig_derive_key(SIG_ALG_SM2_SM3, "", TEST_SK,
	    strlen(TEST_SK), priv, pub), WJ_ERR_INVALID);
	assert_int_equal(sig_derive_key(SIG_ALG_SM2_SM3, NULL, TEST_SK,
	    strlen(TEST_SK), priv, pub), WJ_ERR_INVALID);
	assert_int_equal(sig_derive_key(SIG_ALG_SM2_SM3, TEST_AK, TEST_SK, 0,
	    priv, pub), WJ_ERR_INVALID);
	assert_int_equal(sig_derive_key(SIG_ALG_SM2_SM3, TEST_AK, NULL, 1,
	    priv, pub), WJ_ERR_INVALID);
	assert_int_equal(sig_derive_key(SIG_ALG_SM2_SM3, TEST_AK, TEST_SK,
	    strlen(TEST_SK), priv, NULL), WJ_ERR_INVALID);
	/* AK: SIG_AK_MAX fits, one more does not. */
	memset(ak, 'A', SIG_AK_MAX);
	ak[SIG_AK_MAX] = '\0';
	assert_int_equal(sig_derive_key(SIG_ALG_ECDSA_P256_SHA256, ak,
	    TEST_SK, strlen(TEST_SK), priv, pub), 0);
	ak[SIG_AK_MAX] = 'A';
	ak[SIG_AK_MAX + 1] = '\0';
	assert_int_equal(sig_derive_key(SIG_ALG_ECDSA_P256_SHA256, ak,
	    TEST_SK, strlen(TEST_SK), priv, pub), WJ_ERR_INVALID);
}

/* The sample signatures verify with OpenSSL alone (standard Z). */
static void
test_ec_sample_independent(void **state)
{
	uint8_t pub[64], der[128];
	EVP_PKEY *pk;
	size_t i, n;

	(void)state;
	for (i = NSM3; i < NTV; i++) {
		const struct tv *t = &tvs[i];

		assert_int_equal(wj_unhex(t->x_hex, 32, pub), 0);
		assert_int_equal(wj_unhex(t->y_hex, 32, pub + 32), 0);
		/* Neither coordinate starts with 00: GB/T Z = SDK Z. */
		assert_true(pub[0] != 0 && pub[32] != 0);
		pk = make_pkey(t->alg, NULL, pub);
		n = auth_der(t->authorization, der);
		assert_true(openssl_verify(t->alg, pk, der, n,
		    t->string_to_sign));
		assert_false(openssl_verify(t->alg, pk, der, n,
		    "SDK-SM2-SM3\n20250101T080910Z\n00"));
		EVP_PKEY_free(pk);
	}
}

/*
 * sign -> verify with sig_sign_alg/sig_verify, and the signatures they make
 * verify with OpenSSL alone; k is random, so two signatures differ.
 */
static void
test_ec_sign_roundtrip(void **state)
{
	struct wj_errinfo ei;
	struct sig_auth a;
	struct sig_request req;
	uint8_t pub[64], der[128];
	EVP_PKEY *pk;
	char *auth1, *auth2, prefix[256];
	size_t i, n;

	(void)state;
	for (i = NSM3; i < NTV; i++) {
		const struct tv *t = &tvs[i];

		tv_sign(t, t->alg, t->ak, &auth1);
		tv_sign(t, t->alg, t->ak, &auth2);
		assert_string_not_equal(auth1, auth2);
		/* Everything up to the signature is the SDK's. */
		n = (size_t)(strstr(t->authorization, "Signature=") -
		    t->authorization) + strlen("Signature=");
		assert_true(n < sizeof(prefix));
		memcpy(prefix, t->authorization, n);
		prefix[n] = '\0';
		assert_memory_equal(auth1, prefix, n);

		assert_int_equal(sig_parse_authorization_algs(auth1,
		    SIG_ALGS_ALL, &a, &ei), 0);
		vreq_request(&t->rq, &req);
		assert_int_equal(sig_verify(&req, &a, t->sk, strlen(t->sk),
		    &ei), 0);
		assert_int_equal(sig_parse_authorization_algs(auth2,
		    SIG_ALGS_ALL, &a, &ei), 0);
		assert_int_equal(sig_verify(&req, &a, t->sk, strlen(t->sk),
		    &ei), 0);

		assert_int_equal(wj_unhex(t->x_hex, 32, pub), 0);
		assert_int_equal(wj_unhex(t->y_hex, 32, pub + 32), 0);
		pk = make_pkey(t->alg, NULL, pub);
		n = auth_der(auth1, der);
		assert_true(openssl_verify(t->alg, pk, der, n,
		    t->string_to_sign));
		EVP_PKEY_free(pk);
		free(auth1);
		free(auth2);
	}
}

/* Signatures made by OpenSSL with the derived private key verify. */
static void
test_ec_openssl_signature_verifies(void **state)
{
	struct wj_errinfo ei;
	struct sig_auth a;
	struct sig_request req;
	uint8_t priv[32], pub[64], der[128];
	EVP_PKEY *pk;
	size_t i, n;

	(void)state;
	for (i = NSM3; i < NTV; i++) {
		const struct tv *t = &tvs[i];

		assert_int_equal(sig_derive_key(t->alg, t->ak, t->sk,
		    strlen(t->sk), priv, pub), 0);
		pk = make_pkey(t->alg, priv, pub);
		n = openssl_sign(t->alg, pk, t->string_to_sign, der);
		a = t->auth;
		wj_hex(der, n, a.signature);
		vreq_request(&t->rq, &req);
		assert_int_equal(sig_verify(&req, &a, t->sk, strlen(t->sk),
		    &ei), 0);
		/* Over another string: refused. */
		n = openssl_sign(t->alg, pk, "SDK-SM2-SM3\n20250101T080910Z\n0",
		    der);
		wj_hex(der, n, a.signature);
		assert_int_equal(sig_verify(&req, &a, t->sk, strlen(t->sk),
		    &ei), WJ_ERR_AUTH);
		EVP_PKEY_free(pk);
	}
}

/* ECDSA/SM2 signatures that are not DER of the right shape fail. */
static void
test_ec_signature_garbage(void **state)
{
	static const char *bad[] = {
		"00", "30", "3000", "300602010102010", "3006020101020101",
		"30060201000201 01",
	};
	struct wj_errinfo ei;
	struct sig_auth a;
	struct sig_request req;
	size_t i, k;

	(void)state;
	for (i = NSM3; i < NTV; i++) {
		const struct tv *t = &tvs[i];

		vreq_request(&t->rq, &req);
		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			a = t->auth;
			snprintf(a.signature, sizeof(a.signature), "%s",
			    bad[k]);
			memset(&ei, 0, sizeof(ei));
			assert_int_equal(sig_verify(&req, &a, t->sk,
			    strlen(t->sk), &ei), WJ_ERR_AUTH);
			assert_string_equal(ei.detail,
			    "verify aksk signature fail");
		}
		/* An HMAC-sized hex string, and SIG_SIGNATURE_MAX digits. */
		a = t->auth;
		memset(a.signature, 'a', 64);
		a.signature[64] = '\0';
		assert_int_equal(sig_verify(&req, &a, t->sk, strlen(t->sk),
		    &ei), WJ_ERR_AUTH);
		memset(a.signature, '3', SIG_SIGNATURE_MAX);
		a.signature[SIG_SIGNATURE_MAX] = '\0';
		assert_int_equal(sig_verify(&req, &a, t->sk, strlen(t->sk),
		    &ei), WJ_ERR_AUTH);
	}
}

/* The other algorithms through small requests: sign -> verify. */
static void
test_all_algs_roundtrip(void **state)
{
	static const int all[] = { SIG_ALG_HMAC_SHA256, SIG_ALG_HMAC_SM3,
	    SIG_ALG_ECDSA_P256_SHA256, SIG_ALG_SM2_SM3 };
	struct mini m, other;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		mini_init(&m, "POST", "/v2/p/workspace-jobs/j%2F1%20x",
		    "b=2&a=1&a=0");
		mini_add(&m, "Content-Type", "application/json");
		mini_add(&m, "X-Project-Id", "p");
		m.req.body = "{\"op_type\": \"retry\"}";
		m.req.body_len = strlen(m.req.body);
		assert_int_equal(mini_roundtrip(&m, all[i], TEST_AK, NULL,
		    NULL), 0);
		other = m;
		other.req.headers = other.h;
		other.req.query = "b=2&a=1&a=1";
		assert_int_equal(mini_roundtrip(&m, all[i], TEST_AK,
		    &other.req, NULL), WJ_ERR_AUTH);
		other.req.query = m.req.query;
		other.h[3].value = "q";
		assert_int_equal(mini_roundtrip(&m, all[i], TEST_AK,
		    &other.req, NULL), WJ_ERR_AUTH);
	}
	/* sig_sign is sig_sign_alg with SDK-HMAC-SHA256. */
	{
		char *a1, *a2;

		mini_init(&m, "GET", "/", NULL);
		assert_int_equal(sig_sign(&m.req, TEST_AK, TEST_SK, &a1), 0);
		assert_int_equal(sig_sign_alg(&m.req, SIG_ALG_HMAC_SHA256,
		    TEST_AK, TEST_SK, &a2), 0);
		assert_string_equal(a1, a2);
		assert_memory_equal(a1, "SDK-HMAC-SHA256 ", 16);
		free(a1);
		free(a2);
	}
}

/* ---- SM2 keys with a public coordinate starting with 00 ------------------ */

/*
 * The first AK "HPUAZERO<i>" (i = 0, 1, ...) whose SM2 key has a zero
 * leading byte in coordinate which (0: x, 1: y).  Deterministic.
 */
static void
find_zero_key(int which, char ak[32], uint8_t priv[32], uint8_t pub[64])
{
	int i;

	for (i = 0; i < ZERO_SEARCH_MAX; i++) {
		snprintf(ak, 32, "HPUAZERO%05d", i);
		assert_int_equal(sig_derive_key(SIG_ALG_SM2_SM3, ak, TEST_SK,
		    strlen(TEST_SK), priv, pub), 0);
		if (pub[32 * which] == 0)
			return;
	}
	fail_msg("no SM2 key with a zero leading byte found");
}

static void
sm2_zero_case(int which)
{
	struct wj_errinfo ei;
	struct sig_auth a;
	struct mini m;
	uint8_t priv[32], pub[64], der[128], zmin[32], zfix[32], zid[32];
	uint8_t e[32];
	char ak[32], *auth, *canon, sts[256];
	struct buf b;
	EVP_PKEY *pk;
	size_t n;

	find_zero_key(which, ak, priv, pub);
	sm2_z(pub, SM2_ID, 1, zmin);
	sm2_z(pub, SM2_ID, 0, zfix);
	assert_memory_not_equal(zmin, zfix, 32);
	pk = make_pkey(SIG_ALG_SM2_SM3, priv, pub);

	/* Its own SM2 signature verifies (sig_sign_alg, sig_verify)... */
	mini_init(&m, "POST", "/v2/p/workspace-sub-jobs/batch-delete", NULL);
	mini_add(&m, "Content-Type", "application/json");
	m.req.body = "{\"job_ids\": [\"j1\"]}";
	m.req.body_len = strlen(m.req.body);
	assert_int_equal(mini_roundtrip(&m, SIG_ALG_SM2_SM3, ak, NULL, &auth),
	    0);

	/* ...which is over the SDK's minimal Z, not the GB/T one. */
	buf_init(&b);
	assert_int_equal(sig_canonical_request(&m.req,
	    "content-type;host;x-sdk-date", SIG_ALG_SM2_SM3, 0, &b, &ei), 0);
	canon = buf_take(&b, NULL);
	make_sts("SDK-SM2-SM3", EVP_sm3(), canon, TEST_DATE, sts,
	    sizeof(sts));
	free(canon);
	n = auth_der(auth, der);
	sm2_e(zmin, sts, e);
	assert_true(sm2_verify_e(pk, der, n, e));
	sm2_e(zfix, sts, e);
	assert_false(sm2_verify_e(pk, der, n, e));
	assert_false(openssl_verify(SIG_ALG_SM2_SM3, pk, der, n, sts));

	/* A signature made here over the minimal Z (the SDK's) verifies. */
	assert_int_equal(sig_parse_authorization_algs(auth, SIG_ALGS_ALL, &a,
	    &ei), 0);
	sm2_e(zmin, sts, e);
	n = sm2_sign_e(pk, e, der);
	wj_hex(der, n, a.signature);
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK),
	    &ei), 0);
	/* So does a GB/T one (fixed-length Z, as other SDKs make). */
	n = openssl_sign(SIG_ALG_SM2_SM3, pk, sts, der);
	wj_hex(der, n, a.signature);
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK),
	    &ei), 0);
	/* Z of another user id: refused. */
	sm2_z(pub, "1234567812345679", 1, zid);
	sm2_e(zid, sts, e);
	n = sm2_sign_e(pk, e, der);
	wj_hex(der, n, a.signature);
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK),
	    &ei), WJ_ERR_AUTH);
	/* No Z at all: refused. */
	assert_int_equal(EVP_Digest(sts, strlen(sts), e, NULL, EVP_sm3(),
	    NULL), 1);
	n = sm2_sign_e(pk, e, der);
	wj_hex(der, n, a.signature);
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK),
	    &ei), WJ_ERR_AUTH);

	EVP_PKEY_free(pk);
	free(auth);
}

static void
test_sm2_zero_x(void **state)
{
	(void)state;
	sm2_zero_case(0);
}

static void
test_sm2_zero_y(void **state)
{
	(void)state;
	sm2_zero_case(1);
}

/* For an ordinary key the two Z values agree (the vector key). */
static void
test_sm2_z_ordinary_key(void **state)
{
	uint8_t pub[64], zmin[32], zfix[32];
	const struct tv *t = &tvs[NSM3 + 1];

	(void)state;
	assert_int_equal(t->alg, SIG_ALG_SM2_SM3);
	assert_int_equal(wj_unhex(t->x_hex, 32, pub), 0);
	assert_int_equal(wj_unhex(t->y_hex, 32, pub + 32), 0);
	sm2_z(pub, SM2_ID, 1, zmin);
	sm2_z(pub, SM2_ID, 0, zfix);
	assert_memory_equal(zmin, zfix, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_loaded),
		cmocka_unit_test(test_parse_algorithms),
		cmocka_unit_test(test_unknown_algorithm),
		cmocka_unit_test(test_vectors_canonical_request),
		cmocka_unit_test(test_vectors_string_to_sign),
		cmocka_unit_test(test_sm3_empty_hash),
		cmocka_unit_test(test_content_header_per_algorithm),
		cmocka_unit_test(test_vectors_verify),
		cmocka_unit_test(test_vectors_wrong_algorithm),
		cmocka_unit_test(test_vectors_wrong_key),
		cmocka_unit_test(test_vectors_tamper_method),
		cmocka_unit_test(test_vectors_tamper_path),
		cmocka_unit_test(test_vectors_tamper_query),
		cmocka_unit_test(test_vectors_tamper_headers),
		cmocka_unit_test(test_vectors_tamper_body),
		cmocka_unit_test(test_vectors_tamper_date),
		cmocka_unit_test(test_vectors_tamper_signature),
		cmocka_unit_test(test_sm3_sign),
		cmocka_unit_test(test_sm3_declared_body_hash),
		cmocka_unit_test(test_sm3_empty_body_variants),
		cmocka_unit_test(test_ec_derive_matches_vectors),
		cmocka_unit_test(test_ec_derive_independent),
		cmocka_unit_test(test_ec_derive_errors),
		cmocka_unit_test(test_ec_sample_independent),
		cmocka_unit_test(test_ec_sign_roundtrip),
		cmocka_unit_test(test_ec_openssl_signature_verifies),
		cmocka_unit_test(test_ec_signature_garbage),
		cmocka_unit_test(test_all_algs_roundtrip),
		cmocka_unit_test(test_sm2_zero_x),
		cmocka_unit_test(test_sm2_zero_y),
		cmocka_unit_test(test_sm2_z_ordinary_key),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
