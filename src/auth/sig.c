/*
 * sig.c - AK/SK request signatures, the driver: the table of the four
 * algorithms (SDK-HMAC-SHA256, SDK-HMAC-SM3, SDK-ECDSA-P256-SHA256,
 * SDK-SM2-SM3), the string to sign, verification and signing
 * (docs/API.md#authentication).
 *
 * One code path serves every algorithm; what differs (hash, unsigned-
 * payload header, signature primitive) is a row of algs[].  The canonical
 * request is sig_canon.c, the EC/SM2 keys sig_ec.c, the parsing of the
 * Authorization header and X-Sdk-Date sig_parse.c.  Key lookup, clock
 * skew and AK lock-out are the caller's business (auth/authn.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>

#include "../util/crypto.h"
#include "sig_int.h"

/* Hashes of the empty string: the payload hash of no body. */
static const char empty_sha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
static const char empty_sm3[] =
    "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b";

static const struct alg algs[] = {
	{ SIG_ALG_HMAC_SHA256, "SDK-HMAC-SHA256", "x-sdk-content-sha256",
	    empty_sha256, EVP_sha256, KIND_HMAC, NID_undef, NULL, NULL },
	{ SIG_ALG_HMAC_SM3, "SDK-HMAC-SM3", "x-sdk-content-sm3",
	    empty_sm3, EVP_sm3, KIND_HMAC, NID_undef, NULL, NULL },
	{ SIG_ALG_ECDSA_P256_SHA256, "SDK-ECDSA-P256-SHA256",
	    "x-sdk-content-sha256", empty_sha256, EVP_sha256, KIND_ECDSA,
	    NID_X9_62_prime256v1, "EC", "prime256v1" },
	{ SIG_ALG_SM2_SM3, "SDK-SM2-SM3", "x-sdk-content-sm3",
	    empty_sm3, EVP_sm3, KIND_SM2, NID_sm2, "SM2", "SM2" },
};
#define NALGS	(sizeof(algs) / sizeof(algs[0]))

const struct alg *
sig_alg_get(int id)
{
	size_t i;

	for (i = 0; i < NALGS; i++)
		if (algs[i].id == id)
			return &algs[i];
	return NULL;
}

const struct alg *
sig_alg_by_name(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < NALGS; i++)
		if (n == strlen(algs[i].name) &&
		    memcmp(name, algs[i].name, n) == 0)
			return &algs[i];
	return NULL;
}

/* Lower-case hex of the algorithm's hash of p[0..n). */
int
sig_md_hex(const struct alg *a, const void *p, size_t n,
    char out[SIG_HASH_HEX_LEN + 1])
{
	uint8_t md[SIG_MD_LEN];
	unsigned int len = 0;

	if (EVP_Digest(p, n, md, &len, a->md(), NULL) != 1 ||
	    len != sizeof(md))
		return WJ_ERR_CRYPTO;
	wj_hex(md, len, out);
	return 0;
}

/* StringToSign into sts[SIG_STS_MAX + 1]; its length in *n. */
static int
string_to_sign(const struct alg *a, const char *canonical, size_t clen,
    const char *date, char sts[SIG_STS_MAX + 1], size_t *n)
{
	char hash[SIG_HASH_HEX_LEN + 1];
	int r, len;

	if ((r = sig_md_hex(a, canonical, clen, hash)) != 0)
		return r;
	len = snprintf(sts, SIG_STS_MAX + 1, "%s\n%s\n%s", a->name, date,
	    hash);
	if (len < 0 || (size_t)len > SIG_STS_MAX)
		return WJ_ERR_INTERNAL;
	*n = (size_t)len;
	return 0;
}

/* Lower-case hex HMAC of the string to sign. */
static int
hmac_hex(const struct alg *a, const char *sts, size_t n, const char *sk,
    size_t sk_len, char out[SIG_HASH_HEX_LEN + 1])
{
	uint8_t mac[SIG_MD_LEN];
	unsigned int len = 0;

	if (HMAC(a->md(), sk, (int)sk_len, (const unsigned char *)sts, n, mac,
	    &len) == NULL || len != sizeof(mac)) {
		OPENSSL_cleanse(mac, sizeof(mac));
		return WJ_ERR_CRYPTO;
	}
	wj_hex(mac, sizeof(mac), out);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

/*
 * What a verification checks each variant of the canonical request
 * with: the date as received, the HMAC key, the Authorization's hex
 * signature and, for ECDSA/SM2, the derived public key and the signature
 * unhexed (derlen 0 when it is no DER: nothing matches).
 */
struct claim {
	const struct alg *a;
	const char	*date;
	const char	*sk;
	size_t		 sk_len;
	struct ec_key	 k;
	const char	*sig;
	size_t		 siglen;
	uint8_t		 der[SIG_DER_MAX];
	size_t		 derlen;
};

/*
 * Set *match when the claimed signature is that of the canonical request
 * cr: HMAC compared in constant time, or ECDSA/SM2 verified with the
 * derived public key and the DER form of the signature.
 */
static int
signature_matches(const struct claim *cl, const struct buf *cr, int *match)
{
	char sts[SIG_STS_MAX + 1], expect[SIG_HASH_HEX_LEN + 1];
	size_t n;
	int r;

	if ((r = string_to_sign(cl->a, cr->data, cr->len, cl->date, sts,
	    &n)) != 0)
		return r;
	if (cl->a->kind != KIND_HMAC)
		return cl->derlen == 0 ? 0 : sig_ec_verify(cl->a, &cl->k, sts,
		    n, cl->der, cl->derlen, match);
	if ((r = hmac_hex(cl->a, sts, n, cl->sk, cl->sk_len, expect)) != 0)
		return r;
	/* Length is public; bytes compare in constant time. */
	if (cl->siglen == SIG_HASH_HEX_LEN &&
	    wj_ct_equal(expect, cl->sig, cl->siglen))
		*match = 1;
	OPENSSL_cleanse(expect, sizeof(expect));
	return 0;
}

/* The algorithm of auth, which must sign host and x-sdk-date. */
static int
claim_alg(const struct sig_auth *auth, const struct alg **a,
    struct wj_errinfo *ei)
{
	if ((*a = sig_alg_get(auth->alg)) == NULL) {
		wj_errinfo_set(ei, "unsupported signature algorithm");
		return WJ_ERR_AUTH;
	}
	if (!sig_list_has(auth->signed_headers, "host")) {
		wj_errinfo_set(ei, "host not signed");
		return WJ_ERR_AUTH;
	}
	if (!sig_list_has(auth->signed_headers, SIG_DATE_HEADER)) {
		wj_errinfo_set(ei, "x-sdk-date not signed");
		return WJ_ERR_AUTH;
	}
	return 0;
}

/* The public key and the DER signature of an ECDSA/SM2 claim. */
static int
claim_ec(struct claim *cl, const char *ak)
{
	int r;

	if ((r = sig_ec_key_derive(cl->a, ak, cl->sk, cl->sk_len, 0,
	    &cl->k)) != 0)
		return r;
	/* Not even hex of DER: nothing can match (derlen stays 0). */
	if (cl->siglen % 2 == 0 && cl->siglen / 2 <= sizeof(cl->der) &&
	    wj_unhex(cl->sig, cl->siglen / 2, cl->der) == 0)
		cl->derlen = cl->siglen / 2;
	return 0;
}

/*
 * Set *match when any variant of the canonical request the SDKs differ
 * on matches: the Node.js URI (it differs only for paths with '%' and
 * the like) and, with an empty body and X-Sdk-Content-Sha256 (-Sm3),
 * the header as the payload hash (Go, Node.js) besides the hash of the
 * empty string (Python).
 */
static int
any_variant_matches(const struct sig_request *req, const struct canon *c,
    const struct claim *cl, int *match)
{
	const char *hashes[2];
	size_t nhash = 0, i;
	struct buf cr;
	int mode, nmodes, r = 0;

	hashes[nhash++] = sig_python_payload_hash(req, c);
	if (req->body_len == 0 && c->content != NULL &&
	    strcmp(c->content, hashes[0]) != 0)
		hashes[nhash++] = c->content;
	nmodes = c->uri[SIG_URI_DECODE].len == c->uri[SIG_URI_RAW].len &&
	    memcmp(c->uri[SIG_URI_DECODE].data, c->uri[SIG_URI_RAW].data,
	    c->uri[SIG_URI_RAW].len) == 0 ? 1 : 2;
	buf_init(&cr);
	for (mode = 0; mode < nmodes && r == 0; mode++)
		for (i = 0; i < nhash && r == 0; i++) {
			cr.len = 0;
			if ((r = sig_canon_assemble(c, mode, hashes[i],
			    &cr)) == 0)
				r = signature_matches(cl, &cr, match);
		}
	buf_free(&cr);
	return r;
}

/*
 * Whether a declared body hash is the body's (or UNSIGNED-PAYLOAD): the
 * SDKs use the header verbatim, so without this check a captured request
 * could carry another body under its signature.  Compared as the
 * header's value: surrounding whitespace is not part of it.
 */
static int
declared_hash_holds(const struct sig_request *req, const struct canon *c)
{
	const char *v;
	size_t n;

	if (req->body_len == 0 || c->content == NULL)
		return 1;
	n = strlen(c->content);
	v = sig_trim(c->content, &n);
	if (n == strlen("UNSIGNED-PAYLOAD") &&
	    memcmp(v, "UNSIGNED-PAYLOAD", n) == 0)
		return 1;
	return n == SIG_HASH_HEX_LEN &&
	    wj_ct_equal(v, c->body_hash, SIG_HASH_HEX_LEN);
}

int
sig_verify(const struct sig_request *req, const struct sig_auth *auth,
    const char *sk, size_t sk_len, struct wj_errinfo *ei)
{
	char date[SIG_DATE_LEN + 1];
	struct claim cl;
	struct canon c;
	int match = 0, r;

	sig_canon_init(&c);
	memset(&cl, 0, sizeof(cl));
	if (auth == NULL || sk == NULL || sk_len == 0 || sk_len > SIG_SK_MAX) {
		r = WJ_ERR_INVALID;
		goto out;
	}
	if ((r = claim_alg(auth, &cl.a, ei)) != 0 ||
	    (r = sig_canon_build(req, cl.a, auth->signed_headers,
	    1 << SIG_URI_DECODE | 1 << SIG_URI_RAW, &c, ei)) != 0 ||
	    (r = sig_get_date(req, date, ei)) != 0)
		goto out;
	cl.date = date;
	cl.sk = sk;
	cl.sk_len = sk_len;
	cl.sig = auth->signature;
	cl.siglen = strnlen(auth->signature, sizeof(auth->signature));
	if ((cl.a->kind != KIND_HMAC &&
	    (r = claim_ec(&cl, auth->access_key)) != 0) ||
	    (r = any_variant_matches(req, &c, &cl, &match)) != 0)
		goto out;
	if (!match || !declared_hash_holds(req, &c)) {
		wj_errinfo_set(ei, "verify aksk signature fail");
		r = WJ_ERR_AUTH;
		goto out;
	}
	r = 0;
 out:
	sig_ec_key_free(&cl.k);
	sig_canon_free(&c);
	return r;
}

static int
header_cmp(const void *va, const void *vb)
{
	const struct sig_header *a = *(const struct sig_header *const *)va;
	const struct sig_header *b = *(const struct sig_header *const *)vb;
	const unsigned char *p = (const unsigned char *)a->name;
	const unsigned char *q = (const unsigned char *)b->name;

	while (*p != '\0' && sig_lower(*p) == sig_lower(*q)) {
		p++;
		q++;
	}
	return (int)sig_lower(*p) - (int)sig_lower(*q);
}

/*
 * SignedHeaders as the Python SDK forms it: every header name
 * without '_', lower-cased, sorted, joined with ';'.
 */
static int
sign_list(const struct sig_request *req, struct buf *out)
{
	const struct sig_header **hs = NULL;
	size_t i, j, n = 0, len;
	int r;

	if (req->n_headers == 0 || req->n_headers > SIG_SIGN_HEADERS_MAX)
		return WJ_ERR_INVALID;
	if ((hs = calloc(req->n_headers, sizeof(*hs))) == NULL)
		return WJ_ERR_NOMEM;
	for (i = 0; i < req->n_headers; i++) {
		if (req->headers[i].name == NULL ||
		    req->headers[i].value == NULL) {
			r = WJ_ERR_INVALID;
			goto out;
		}
		if (strchr(req->headers[i].name, '_') == NULL)
			hs[n++] = &req->headers[i];
	}
	qsort(hs, n, sizeof(*hs), header_cmp);
	for (i = 0; i < n; i++) {
		len = strnlen(hs[i]->name, SIG_SIGNED_HEADERS_MAX + 1);
		if (len == 0 || len > SIG_SIGNED_HEADERS_MAX ||
		    (i > 0 && header_cmp(&hs[i - 1], &hs[i]) == 0)) {
			r = WJ_ERR_INVALID;	/* empty or repeated name */
			goto out;
		}
		if (i > 0 && (r = buf_putc(out, ';')) != 0)
			goto out;
		for (j = 0; j < len; j++)
			if ((r = buf_putc(out,
			    (char)sig_lower(hs[i]->name[j]))) != 0)
				goto out;
	}
	if (out->len == 0 || out->len > SIG_SIGNED_HEADERS_MAX) {
		r = WJ_ERR_INVALID;
		goto out;
	}
	r = 0;
 out:
	free(hs);
	return r;
}

int
sig_sign(const struct sig_request *req, const char *ak, const char *sk,
    char **out)
{
	return sig_sign_alg(req, SIG_ALG_HMAC_SHA256, ak, sk, out);
}

/* Whether ak (printable, no ',') and sk are fit to sign with. */
static int
signer_keys_ok(const char *ak, const char *sk, size_t *sklen)
{
	size_t i, aklen = strnlen(ak, SIG_AK_MAX + 1);

	*sklen = strnlen(sk, SIG_SK_MAX + 1);
	for (i = 0; i < aklen; i++)
		if (ak[i] <= ' ' || ak[i] > '~' || ak[i] == ',')
			return 0;
	return aklen > 0 && aklen <= SIG_AK_MAX && *sklen > 0 &&
	    *sklen <= SIG_SK_MAX;
}

/*
 * The string to sign of req, signing every header in list, as the
 * Python SDK builds it.  A request the canonical form refuses is the
 * caller's own fault: WJ_ERR_INVALID, not WJ_ERR_AUTH.
 */
static int
sign_string(const struct sig_request *req, const struct alg *a,
    const char *list, char sts[SIG_STS_MAX + 1], size_t *n)
{
	char date[SIG_DATE_LEN + 1];
	struct canon c;
	struct buf cr;
	int r;

	sig_canon_init(&c);
	buf_init(&cr);
	if ((r = sig_canon_build(req, a, list, 1 << SIG_URI_DECODE, &c,
	    NULL)) != 0 ||
	    (r = sig_get_date(req, date, NULL)) != 0 ||
	    (r = sig_canon_assemble(&c, SIG_URI_DECODE,
	    sig_python_payload_hash(req, &c), &cr)) != 0 ||
	    (r = string_to_sign(a, cr.data, cr.len, date, sts, n)) != 0) {
		if (r == WJ_ERR_AUTH)
			r = WJ_ERR_INVALID;
	}
	sig_canon_free(&c);
	buf_free(&cr);
	return r;
}

/* The hex signature of sts[0..n) with a's primitive. */
static int
sign_hex(const struct alg *a, const char *sts, size_t n, const char *ak,
    const char *sk, size_t sklen, char sig[SIG_SIGNATURE_MAX + 1])
{
	struct ec_key k;
	int r;

	if (a->kind == KIND_HMAC)
		return hmac_hex(a, sts, n, sk, sklen, sig);
	if ((r = sig_ec_key_derive(a, ak, sk, sklen, 1, &k)) == 0)
		r = sig_ec_sign_hex(a, &k, sts, n, sig);
	sig_ec_key_free(&k);
	return r;
}

int
sig_sign_alg(const struct sig_request *req, int alg, const char *ak,
    const char *sk, char **out)
{
	const struct alg *a;
	struct buf list, auth;
	char sts[SIG_STS_MAX + 1], sig[SIG_SIGNATURE_MAX + 1];
	size_t sklen, n;
	int r;

	*out = NULL;
	buf_init(&list);
	buf_init(&auth);
	memset(sig, 0, sizeof(sig));
	if (req == NULL || ak == NULL || sk == NULL ||
	    (a = sig_alg_get(alg)) == NULL || !signer_keys_ok(ak, sk, &sklen)) {
		r = WJ_ERR_INVALID;
		goto out;
	}
	if ((r = sign_list(req, &list)) != 0)
		goto out;
	if (!sig_list_has(list.data, "host") ||
	    !sig_list_has(list.data, SIG_DATE_HEADER)) {
		r = WJ_ERR_INVALID;
		goto out;
	}
	if ((r = sign_string(req, a, list.data, sts, &n)) != 0 ||
	    (r = sign_hex(a, sts, n, ak, sk, sklen, sig)) != 0 ||
	    (r = buf_printf(&auth, "%s Access=%s, SignedHeaders=%s, "
	    "Signature=%s", a->name, ak, list.data, sig)) != 0)
		goto out;
	if ((*out = buf_take(&auth, NULL)) == NULL)
		r = WJ_ERR_NOMEM;
 out:
	OPENSSL_cleanse(sig, sizeof(sig));
	buf_free(&list);
	buf_free(&auth);
	return r;
}
