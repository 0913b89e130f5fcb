/*
 * sig.c - the AK/SK side of src/auth/sig*.c: the Authorization header
 * parser, the X-Sdk-Date parser (and util/time.c's other date parser), the canonical request builder (both URI
 * modes, SHA-256 and SM3), the verifier, and the signer against the
 * verifier.
 *
 * Input, one field a line: Authorization value, X-Sdk-Date, method,
 * path, query (empty: none), then "Name: value" header lines up to an
 * empty line; the rest is the body.
 *
 * Invariants: a parsed Authorization has a known algorithm and
 * NUL-terminated parts; a parsed date formats and parses back to itself
 * (an ISO one renders as its own first 19 characters);
 * a failed canonical request leaves the output as it was; whatever
 * request the signer agrees to sign, the verifier accepts (with the
 * Authorization the signer wrote, parsed back), unless it declares a
 * body hash that is not its body's; percent-decoding undoes
 * percent-encoding.
 */
#include <strings.h>

#include "fuzz.h"
#include "auth/sig.h"
#include "util/time.h"

#define MAX_HDRS 24

static const char AK[] = "FUZZAKFUZZAKFUZZAK01";
static const char SK[] = "FuzzSecretKeyForTheSignatureHarness00001";

/*
 * Whether the request declares a body hash of its own for alg (a body
 * with an X-Sdk-Content-Sha256 / -Sm3 other than UNSIGNED-PAYLOAD): the
 * verifier then also wants it to be the body's, which the signer leaves
 * to its caller.
 */
static int
declares_hash(const struct sig_request *req, int alg)
{
	const char *name = alg == SIG_ALG_HMAC_SM3 || alg == SIG_ALG_SM2_SM3 ?
	    "x-sdk-content-sm3" : "x-sdk-content-sha256";
	const char *v;
	size_t i, n;

	if (req->body_len == 0)
		return 0;
	for (i = 0; i < req->n_headers; i++) {
		if (strcasecmp(req->headers[i].name, name) != 0)
			continue;
		v = req->headers[i].value;
		while (*v == ' ' || *v == '\t')
			v++;
		n = strlen(v);
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		if (n != 16 || memcmp(v, "UNSIGNED-PAYLOAD", 16) != 0)
			return 1;
	}
	return 0;
}

static void
sign_and_verify(const struct sig_request *req, int alg)
{
	struct sig_auth auth;
	struct wj_errinfo ei;
	char *authz = NULL;
	int r;

	if (sig_sign_alg(req, alg, AK, SK, &authz) != 0)
		return;
	if (declares_hash(req, alg)) {
		free(authz);
		return;
	}
	r = sig_parse_authorization_algs(authz, SIG_ALGS_ALL, &auth, &ei);
	if (r != 0)
		fprintf(stderr, "signer wrote an unparsable header: %s (%s)\n",
		    authz, ei.detail);
	FUZZ_CHECK(r == 0);
	FUZZ_CHECK(auth.alg == alg);
	r = sig_verify(req, &auth, SK, strlen(SK), &ei);
	if (r != 0)
		fprintf(stderr, "own signature refused: %s (%s)\n", authz,
		    ei.detail);
	FUZZ_CHECK(r == 0);
	free(authz);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sig_header hdr[MAX_HDRS];
	char *lines[5 + MAX_HDRS], *p;
	struct sig_request req;
	struct sig_auth auth;
	struct wj_errinfo ei;
	struct buf out, enc, dec;
	char date[17], iso[28];
	const char *sh;
	size_t nl = 0, nh = 0, i, len0;
	int64_t ms, ms2;
	int parsed, alg, mode, r;

	if (size > 16384)
		return 0;
	memset(lines, 0, sizeof(lines));
	for (i = 0; i < 5; i++)
		lines[nl++] = fuzz_line(&data, &size);
	while (size > 0 && nh < MAX_HDRS) {
		p = fuzz_line(&data, &size);
		lines[nl++] = p;
		if (p == NULL || *p == '\0')
			break;
		hdr[nh].name = p;
		if ((p = strchr(p, ':')) == NULL) {
			hdr[nh].value = "";
		} else {
			*p++ = '\0';
			hdr[nh].value = p;
		}
		nh++;
	}
	for (i = 0; i < 5; i++)
		if (lines[i] == NULL)
			goto out;
	/* Authorization */
	memset(&auth, 0x5a, sizeof(auth));
	parsed = sig_parse_authorization_algs(lines[0], SIG_ALGS_ALL, &auth,
	    &ei) == 0;
	if (parsed) {
		FUZZ_CHECK(auth.alg == SIG_ALG_HMAC_SHA256 ||
		    auth.alg == SIG_ALG_HMAC_SM3 ||
		    auth.alg == SIG_ALG_ECDSA_P256_SHA256 ||
		    auth.alg == SIG_ALG_SM2_SM3);
		FUZZ_CHECK(memchr(auth.access_key, '\0',
		    sizeof(auth.access_key)) != NULL);
		FUZZ_CHECK(memchr(auth.signed_headers, '\0',
		    sizeof(auth.signed_headers)) != NULL);
		FUZZ_CHECK(memchr(auth.signature, '\0',
		    sizeof(auth.signature)) != NULL);
	}
	(void)sig_parse_authorization(lines[0], &auth, &ei);
	/* X-Sdk-Date */
	if (sig_parse_date(lines[1], &ms) == 0) {
		sig_format_date(ms, date);
		FUZZ_CHECK(sig_parse_date(date, &ms2) == 0 && ms2 == ms);
	}
	if (wj_time_parse_iso(lines[1], &ms) == 0) {
		wj_time_iso(ms, iso);
		FUZZ_CHECK(memcmp(iso, lines[1], 19) == 0);
	}
	/* Canonical requests */
	memset(&req, 0, sizeof(req));
	req.method = lines[2];
	req.path = lines[3];
	req.query = lines[4][0] != '\0' ? lines[4] : NULL;
	req.headers = hdr;
	req.n_headers = nh;
	req.body = data;
	req.body_len = size;
	sh = parsed ? auth.signed_headers : "host;x-sdk-date";
	buf_init(&out);
	for (alg = SIG_ALG_HMAC_SHA256; alg <= SIG_ALG_SM2_SM3; alg++)
		for (mode = SIG_URI_DECODE; mode <= SIG_URI_RAW; mode++) {
			buf_puts(&out, "keep");
			len0 = out.len;
			r = sig_canonical_request(&req, sh, alg, mode, &out,
			    &ei);
			if (r != 0)
				FUZZ_CHECK(out.failed || (out.len == len0 &&
				    memcmp(out.data, "keep", 4) == 0));
			buf_free(&out);
			buf_init(&out);
		}
	/* The verifier on whatever was sent ... */
	if (parsed)
		(void)sig_verify(&req, &auth, SK, strlen(SK), &ei);
	/* ... and on what the signer makes of the same request. */
	sign_and_verify(&req, SIG_ALG_HMAC_SHA256);
	sign_and_verify(&req, SIG_ALG_HMAC_SM3);
	if (size > 0 && (data[0] & 0x1f) == 0) {
		sign_and_verify(&req, SIG_ALG_ECDSA_P256_SHA256);
		sign_and_verify(&req, SIG_ALG_SM2_SM3);
	}
	/* Percent-encoding round trip on the path bytes. */
	buf_init(&enc);
	buf_init(&dec);
	if (sig_uri_encode(&enc, lines[3], strlen(lines[3])) == 0 &&
	    sig_uri_decode(&dec, enc.data != NULL ? enc.data : "", enc.len,
	    0) == 0)
		FUZZ_CHECK(dec.len == strlen(lines[3]) &&
		    (dec.len == 0 || memcmp(dec.data, lines[3], dec.len) == 0));
	buf_free(&enc);
	buf_free(&dec);
 out:
	for (i = 0; i < nl; i++)
		free(lines[i]);
	return 0;
}
