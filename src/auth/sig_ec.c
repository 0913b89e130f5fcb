/*
 * sig_ec.c - SDK-ECDSA-P256-SHA256 and SDK-SM2-SM3: the key pair derived
 * from AK and SK, the SM2 Z value, signing and verifying.  The key pair
 * is a function of AK and SK, so the server, which holds SK, derives the
 * public key itself; nothing asymmetric is stored.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "../util/crypto.h"
#include "sig_int.h"

/* The SM2 user id of every SDK. */
static const char sm2_user_id[] = "1234567812345678";

void
sig_ec_key_free(struct ec_key *k)
{
	EVP_PKEY_free(k->pkey);
	memset(k, 0, sizeof(*k));
}

/* Whether the AK and SK are fit for derivation and the HMAC API. */
static int
aksk_fit(const char *ak, size_t *aklen, size_t sk_len)
{
	*aklen = ak != NULL ? strnlen(ak, SIG_AK_MAX + 1) : 0;
	if (*aklen == 0 || *aklen > SIG_AK_MAX || sk_len == 0 ||
	    sk_len > SIG_SK_MAX)
		return WJ_ERR_INVALID;
	return 0;
}

#define KDF_INPUT_MAX	(4 + SIG_ALG_MAX + 1 + SIG_AK_MAX + 1 + 4)

/* The HMAC input 00000001 || alg name || 00 || AK || c || 00000100 into
 * data; its length, and in *ctr_at where the counter c goes. */
static size_t
kdf_input(const struct alg *a, const char *ak, size_t aklen,
    uint8_t data[KDF_INPUT_MAX], size_t *ctr_at)
{
	size_t namelen = strlen(a->name), len = 0;

	memcpy(data, "\0\0\0\1", 4);
	len += 4;
	memcpy(data + len, a->name, namelen);
	len += namelen;
	data[len++] = 0;
	memcpy(data + len, ak, aklen);
	len += aklen;
	*ctr_at = len++;
	memcpy(data + len, "\0\0\1\0", 4);
	return len + 4;
}

/*
 * d = candidate + 1 for the first counter c whose candidate =
 * HMAC(SK, 00000001 || alg name || 00 || AK || c || 00000100) is at most
 * n - 2; pub = d * G, as x || y.
 */
static int
derive_key_pair(const struct alg *a, const char *ak, size_t aklen,
    const char *sk, size_t sk_len, uint8_t priv[SIG_EC_LEN],
    uint8_t pub[2 * SIG_EC_LEN])
{
	uint8_t data[KDF_INPUT_MAX];
	uint8_t mac[SIG_MD_LEN], point[1 + 2 * SIG_EC_LEN];
	EC_GROUP *g = NULL;
	EC_POINT *q = NULL;
	BN_CTX *bc = NULL;
	BIGNUM *d = NULL, *max = NULL;
	size_t len, ctr_at;
	unsigned int maclen;
	int c, r;

	len = kdf_input(a, ak, aklen, data, &ctr_at);
	if ((g = EC_GROUP_new_by_curve_name(a->nid)) == NULL ||
	    (q = EC_POINT_new(g)) == NULL || (bc = BN_CTX_new()) == NULL ||
	    (d = BN_secure_new()) == NULL || (max = BN_dup(
	    EC_GROUP_get0_order(g))) == NULL || !BN_sub_word(max, 2)) {
		r = WJ_ERR_CRYPTO;
		goto out;
	}
	BN_set_flags(d, BN_FLG_CONSTTIME);
	r = WJ_ERR_CRYPTO;	/* unless a counter succeeds */
	for (c = 0; c < SIG_DERIVE_TRIES; c++) {
		data[ctr_at] = (uint8_t)c;
		if (HMAC(a->md(), sk, (int)sk_len, data, len, mac,
		    &maclen) == NULL || maclen != sizeof(mac) ||
		    BN_bin2bn(mac, (int)maclen, d) == NULL)
			goto out;
		if (BN_cmp(d, max) <= 0) {
			r = 0;
			break;
		}
	}
	if (r != 0)
		goto out;
	r = WJ_ERR_CRYPTO;
	if (!BN_add_word(d, 1) ||
	    !EC_POINT_mul(g, q, d, NULL, NULL, bc) ||
	    EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, point,
	    sizeof(point), bc) != sizeof(point) ||
	    (priv != NULL && BN_bn2binpad(d, priv, SIG_EC_LEN) != SIG_EC_LEN))
		goto out;
	memcpy(pub, point + 1, 2 * SIG_EC_LEN);
	r = 0;
 out:
	OPENSSL_cleanse(mac, sizeof(mac));
	BN_clear_free(d);
	BN_free(max);
	BN_CTX_free(bc);
	EC_POINT_free(q);
	EC_GROUP_free(g);
	return r;
}

int
sig_derive_key(int alg, const char *ak, const char *sk, size_t sk_len,
    uint8_t priv[SIG_EC_LEN], uint8_t pub[2 * SIG_EC_LEN])
{
	const struct alg *a;
	size_t aklen;
	int r;

	if ((a = sig_alg_get(alg)) == NULL || a->kind == KIND_HMAC ||
	    sk == NULL || pub == NULL)
		return WJ_ERR_INVALID;
	if ((r = aksk_fit(ak, &aklen, sk_len)) != 0)
		return r;
	return derive_key_pair(a, ak, aklen, sk, sk_len, priv, pub);
}

/*
 * Feed the big-endian integer p[0..n) to SM3, with its leading zero
 * bytes dropped (the SDK's minimal encoding) or kept (GB/T 32918).
 */
static int
z_put(EVP_MD_CTX *m, const uint8_t *p, size_t n, int minimal)
{
	while (minimal && n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	return n == 0 || EVP_DigestUpdate(m, p, n) == 1;
}

/*
 * Z = SM3(ENTL || ID || a || b || xG || yG || xQ || yQ), ENTL
 * two bytes, each integer minimal or as 32 bytes.
 */
static int
sm2_z(const uint8_t pub[2 * SIG_EC_LEN], int minimal,
    uint8_t z[SIG_MD_LEN])
{
	uint8_t ints[4][SIG_EC_LEN], entl[2];
	EC_GROUP *g = NULL;
	EVP_MD_CTX *m = NULL;
	BN_CTX *bc = NULL;
	BIGNUM *ca, *cb, *gx, *gy;
	unsigned int len = 0;
	size_t i;
	int r = WJ_ERR_CRYPTO;

	entl[0] = (uint8_t)((8 * (sizeof(sm2_user_id) - 1)) >> 8);
	entl[1] = (uint8_t)(8 * (sizeof(sm2_user_id) - 1));
	if ((g = EC_GROUP_new_by_curve_name(NID_sm2)) == NULL ||
	    (bc = BN_CTX_new()) == NULL)
		goto out;
	BN_CTX_start(bc);
	ca = BN_CTX_get(bc);
	cb = BN_CTX_get(bc);
	gx = BN_CTX_get(bc);
	if ((gy = BN_CTX_get(bc)) == NULL ||
	    !EC_GROUP_get_curve(g, NULL, ca, cb, bc) ||
	    !EC_POINT_get_affine_coordinates(g, EC_GROUP_get0_generator(g),
	    gx, gy, bc) ||
	    BN_bn2binpad(ca, ints[0], SIG_EC_LEN) != SIG_EC_LEN ||
	    BN_bn2binpad(cb, ints[1], SIG_EC_LEN) != SIG_EC_LEN ||
	    BN_bn2binpad(gx, ints[2], SIG_EC_LEN) != SIG_EC_LEN ||
	    BN_bn2binpad(gy, ints[3], SIG_EC_LEN) != SIG_EC_LEN)
		goto out;
	if ((m = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(m, EVP_sm3(), NULL) != 1 ||
	    EVP_DigestUpdate(m, entl, sizeof(entl)) != 1 ||
	    EVP_DigestUpdate(m, sm2_user_id, sizeof(sm2_user_id) - 1) != 1)
		goto out;
	for (i = 0; i < 4; i++)
		if (!z_put(m, ints[i], SIG_EC_LEN, minimal))
			goto out;
	if (!z_put(m, pub, SIG_EC_LEN, minimal) ||
	    !z_put(m, pub + SIG_EC_LEN, SIG_EC_LEN, minimal) ||
	    EVP_DigestFinal_ex(m, z, &len) != 1 || len != SIG_MD_LEN)
		goto out;
	r = 0;
 out:
	EVP_MD_CTX_free(m);
	if (bc != NULL)
		BN_CTX_end(bc);
	BN_CTX_free(bc);
	EC_GROUP_free(g);
	return r;
}

/* An EVP key of a's curve: pub, and priv when not NULL. */
static int
ec_key_make(const struct alg *a, const uint8_t *priv,
    const uint8_t pub[2 * SIG_EC_LEN], struct ec_key *k)
{
	uint8_t point[1 + 2 * SIG_EC_LEN];
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	BIGNUM *d = NULL;
	int r = WJ_ERR_CRYPTO;

	memset(k, 0, sizeof(*k));
	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(point + 1, pub, 2 * SIG_EC_LEN);
	/* A secure BIGNUM lands in the part OSSL_PARAM_free wipes. */
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    a->group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    point, sizeof(point)))
		goto out;
	if (priv != NULL && ((d = BN_secure_new()) == NULL ||
	    BN_bin2bn(priv, SIG_EC_LEN, d) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)))
		goto out;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pc = EVP_PKEY_CTX_new_from_name(NULL, a->keytype,
	    NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, &k->pkey, priv != NULL ?
	    EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	if (a->kind == KIND_SM2) {
		if (sm2_z(pub, 1, k->z[0]) != 0 || sm2_z(pub, 0, k->z[1]) != 0)
			goto out;
		/* The two differ only if a coordinate starts with 00. */
		k->nz = memcmp(k->z[0], k->z[1], SIG_MD_LEN) == 0 ? 1 : 2;
	}
	r = 0;
 out:
	if (r != 0)
		sig_ec_key_free(k);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return r;
}

/* The key pair (with_priv) or public key of a for AK and SK. */
int
sig_ec_key_derive(const struct alg *a, const char *ak, const char *sk,
    size_t sk_len, int with_priv, struct ec_key *k)
{
	uint8_t priv[SIG_EC_LEN], pub[2 * SIG_EC_LEN];
	size_t aklen;
	int r;

	memset(k, 0, sizeof(*k));
	if ((r = aksk_fit(ak, &aklen, sk_len)) != 0)
		return r;
	if ((r = derive_key_pair(a, ak, aklen, sk, sk_len, priv, pub)) == 0)
		r = ec_key_make(a, with_priv ? priv : NULL, pub, k);
	OPENSSL_cleanse(priv, sizeof(priv));
	return r;
}

/*
 * The digest the signature covers: SHA-256(StringToSign) for ECDSA,
 * SM3(Z || StringToSign) for SM2 with Z number zi.
 */
static int
ec_digest(const struct alg *a, const struct ec_key *k, int zi,
    const char *sts, size_t n, uint8_t e[SIG_MD_LEN])
{
	EVP_MD_CTX *m;
	unsigned int len = 0;
	int ok;

	if ((m = EVP_MD_CTX_new()) == NULL)
		return WJ_ERR_CRYPTO;
	ok = EVP_DigestInit_ex(m, a->md(), NULL) == 1 &&
	    (a->kind != KIND_SM2 ||
	    EVP_DigestUpdate(m, k->z[zi], SIG_MD_LEN) == 1) &&
	    EVP_DigestUpdate(m, sts, n) == 1 &&
	    EVP_DigestFinal_ex(m, e, &len) == 1 && len == SIG_MD_LEN;
	EVP_MD_CTX_free(m);
	return ok ? 0 : WJ_ERR_CRYPTO;
}

/* Whether der[0..len) is a's signature of sts under k. */
int
sig_ec_verify(const struct alg *a, const struct ec_key *k, const char *sts,
    size_t n, const uint8_t *der, size_t len, int *match)
{
	EVP_PKEY_CTX *pc;
	uint8_t e[SIG_MD_LEN];
	int zi, nz, r = 0;

	if ((pc = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL ||
	    EVP_PKEY_verify_init(pc) != 1) {
		EVP_PKEY_CTX_free(pc);
		return WJ_ERR_CRYPTO;
	}
	nz = a->kind == KIND_SM2 ? k->nz : 1;
	for (zi = 0; zi < nz; zi++) {
		if ((r = ec_digest(a, k, zi, sts, n, e)) != 0)
			break;
		/* OpenSSL insists on strict DER, as the SDKs produce. */
		if (EVP_PKEY_verify(pc, der, len, e, sizeof(e)) == 1)
			*match = 1;
	}
	/* A refused signature leaves errors nobody else should see. */
	ERR_clear_error();
	EVP_PKEY_CTX_free(pc);
	return r;
}

/* Hex of a's DER signature of sts with the private key in k. */
int
sig_ec_sign_hex(const struct alg *a, const struct ec_key *k, const char *sts,
    size_t n, char out[SIG_SIGNATURE_MAX + 1])
{
	EVP_PKEY_CTX *pc = NULL;
	uint8_t e[SIG_MD_LEN], der[SIG_DER_MAX];
	size_t len = sizeof(der);
	int r;

	/* The SDK's Z (index 0) is what the SDK signs with. */
	if ((r = ec_digest(a, k, 0, sts, n, e)) != 0)
		return r;
	if ((pc = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL ||
	    EVP_PKEY_sign_init(pc) != 1 ||
	    EVP_PKEY_sign(pc, der, &len, e, sizeof(e)) != 1 ||
	    len == 0 || len > sizeof(der))
		r = WJ_ERR_CRYPTO;
	else
		wj_hex(der, len, out);
	EVP_PKEY_CTX_free(pc);
	return r;
}
