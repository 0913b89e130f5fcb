/*
 * test_sig.c - AK/SK signatures (src/auth/sig*.c) against the official
 * SDK vectors (tests/data/vectors/aksk-sha256*.json) and the
 * edge cases of each canonicalisation step.
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

#include "auth/sig.h"
#include "sig_vectors.h"
#include "util/crypto.h"

#define EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* One vector, as a server receives it; every byte mutable. */
struct tv {
	char		 name[128];
	int		 node;		/* from the Node.js SDK file */
	struct vreq	 rq;		/* the request as received */
	const char	*sk;
	const char	*ak;
	const char	*authorization;
	const char	*canonical;	/* NULL when the vector has none */
	const char	*string_to_sign;
	const char	*signed_headers;
	struct sig_auth	 auth;
};

static json_t *docs[2];
static struct tv *tvs;
static size_t ntv;

/* ---- helpers ---------------------------------------------------------- */

static void
load_vector(struct tv *t, json_t *v, int node)
{
	struct wj_errinfo ei = { { 0 } };
	const char *p;
	json_t *hs, *pair;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->node = node;
	snprintf(t->name, sizeof(t->name), "%s", jstr(v, "name"));
	assert_non_null(jstr(v, "method"));
	snprintf(t->rq.method, sizeof(t->rq.method), "%s", jstr(v, "method"));
	assert_non_null(t->sk = jstr(v, "secret_key"));
	assert_non_null(t->ak = jstr(v, "access_key"));
	assert_non_null(t->authorization = jstr(v, "authorization"));
	t->canonical = jstr(v, "canonical_request");
	t->string_to_sign = jstr(v, "string_to_sign");

	if (node) {
		assert_non_null(p = jstr(v, "request_target"));
		vreq_set_target(&t->rq, p);
		hs = json_object_get(v, "headers_sent_ordered");
		assert_true(json_is_array(hs));
		json_array_foreach(hs, i, pair)
			vreq_add_header(&t->rq,
			    json_string_value(json_array_get(pair, 0)),
			    json_string_value(json_array_get(pair, 1)));
	} else {
		/* Only the URL is given. */
		vreq_from_url(&t->rq, jstr(v, "url"),
		    json_object_get(v, "headers_sent"));
	}
	vreq_sync(&t->rq);
	vreq_set_body(&t->rq, json_object_get(v, "body"));
	if (sig_parse_authorization(t->authorization, &t->auth, &ei) != 0)
		fail_msg("%s: authorization: %s", t->name, ei.detail);
	t->signed_headers = jstr(v, "signed_headers");
	if (t->signed_headers == NULL)
		t->signed_headers = t->auth.signed_headers;
	assert_string_equal(t->signed_headers, t->auth.signed_headers);
}

static int
setup(void **state)
{
	static const char *files[2] = {
		"vectors/aksk-sha256.json", "vectors/aksk-sha256-nodejs.json"
	};
	static const size_t want[2] = { 19, 8 };
	size_t f, i, n = 0;
	json_t *v;

	(void)state;
	if (vfiles_load(docs, files, want) != 0)
		return -1;
	ntv = want[0] + want[1];
	if ((tvs = calloc(ntv, sizeof(*tvs))) == NULL)
		return -1;
	vfiles_foreach(docs, f, i, v)
		load_vector(&tvs[n++], v, (int)f);
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ntv; i++)
		vreq_free(&tvs[i].rq);
	free(tvs);
	tvs = NULL;
	ntv = 0;
	vfiles_free(docs);
	return 0;
}

/* Whether name is in the ';'-list (any case). */
static int
in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	for (;;) {
		if (strncasecmp(p, name, n) == 0 &&
		    (p[n] == ';' || p[n] == '\0'))
			return 1;
		if ((p = strchr(p, ';')) == NULL)
			return 0;
		p++;
	}
}

#define verify_tv(t, a, ei)	vreq_verify(&(t)->rq, a, (t)->sk, ei)
#define want_accept(t, what, i) \
	vreq_expect(&(t)->rq, &(t)->auth, (t)->sk, 1, (t)->name, what, i)
#define want_reject(t, what, i) \
	vreq_expect(&(t)->rq, &(t)->auth, (t)->sk, 0, (t)->name, what, i)

/* Line k (0-based) of s into a malloc'd string. */
static char *
line_of(const char *s, int k)
{
	const char *e;

	while (k-- > 0) {
		assert_non_null(s = strchr(s, '\n'));
		s++;
	}
	if ((e = strchr(s, '\n')) == NULL)
		e = s + strlen(s);
	return xstrndup(s, (size_t)(e - s));
}

/* Independent string to sign + HMAC, to sign hand-made canonical forms. */
static void
sign_canonical(const char *canon, const char *date, const char *sk,
    char out[65])
{
	char hash[65], sts[128];
	uint8_t mac[WJ_SHA256_LEN];
	int n;

	wj_sha256_hex(canon, strlen(canon), hash);
	n = snprintf(sts, sizeof(sts), "SDK-HMAC-SHA256\n%s\n%s", date, hash);
	assert_true(n > 0 && (size_t)n < sizeof(sts));
	wj_hmac_sha256(sk, strlen(sk), sts, (size_t)n, mac);
	wj_hex(mac, sizeof(mac), out);
}

/* Canonical request of m (SignedHeaders list, mode) into a malloc'd str. */
static int
mini_canon(const struct mini *m, const char *list, int mode, char **out,
    struct wj_errinfo *ei)
{
	struct buf b;
	int r;

	buf_init(&b);
	memset(ei, 0, sizeof(*ei));
	*out = NULL;
	if ((r = sig_canonical_request(&m->req, list, SIG_ALG_HMAC_SHA256,
	    mode, &b, ei)) == 0)
		*out = buf_take(&b, NULL);
	buf_free(&b);
	return r;
}

static char *
mini_line(const struct mini *m, const char *list, int mode, int k)
{
	struct wj_errinfo ei;
	char *c, *l;
	int r;

	if ((r = mini_canon(m, list, mode, &c, &ei)) != 0)
		fail_msg("canonical request: %d %s", r, ei.detail);
	l = line_of(c, k);
	free(c);
	return l;
}

/* A canonicalisation case: what goes in, what line comes out. */
struct line_case {
	const char *in, *want;
};

/*
 * For each case, a GET with in as its path (line 1) or its query
 * (line 2): line k of its canonical request in mode must be want.
 */
static void
expect_lines(const struct line_case *cases, size_t n, int mode, int k)
{
	struct mini m;
	char *l;
	size_t i;

	for (i = 0; i < n; i++) {
		mini_init(&m, "GET", k == 1 ? cases[i].in : "/p",
		    k == 2 ? cases[i].in : NULL);
		l = mini_line(&m, "host;x-sdk-date", mode, k);
		if (strcmp(l, cases[i].want) != 0)
			fail_msg("%s: %s, want %s", cases[i].in, l,
			    cases[i].want);
		free(l);
	}
}

/* ---- the SDK vectors ---------------------------------------------------- */

static void
test_vectors_loaded(void **state)
{
	size_t i, node = 0;

	(void)state;
	assert_int_equal(ntv, 27);
	for (i = 0; i < ntv; i++)
		node += tvs[i].node;
	assert_int_equal(node, 8);
}

/* The canonical request built from the wire equals the SDK's. */
static void
test_vectors_canonical_request(void **state)
{
	struct wj_errinfo ei;
	struct sig_request req;
	struct buf b;
	size_t i, checked = 0;
	int r, mode;

	(void)state;
	for (i = 0; i < ntv; i++) {
		struct tv *t = &tvs[i];

		if (t->canonical == NULL)
			continue;
		vreq_request(&t->rq, &req);
		for (mode = SIG_URI_DECODE; mode <= SIG_URI_RAW; mode++) {
			/* A '%' in the path is where the two SDKs differ. */
			int same = strchr(t->rq.path, '%') == NULL;
			int own = mode == (t->node ? SIG_URI_RAW :
			    SIG_URI_DECODE);

			buf_init(&b);
			memset(&ei, 0, sizeof(ei));
			r = sig_canonical_request(&req, t->signed_headers,
			    SIG_ALG_HMAC_SHA256, mode, &b, &ei);
			if (r != 0)
				fail_msg("%s: mode %d: %d %s", t->name, mode,
				    r, ei.detail);
			if ((own || same) && strcmp(b.data, t->canonical) != 0)
				fail_msg("%s: mode %d:\n%s\n--- want ---\n%s",
				    t->name, mode, b.data, t->canonical);
			if (!own && !same)
				assert_string_not_equal(b.data, t->canonical);
			buf_free(&b);
		}
		checked++;
	}
	assert_int_equal(checked, 27);
}

/* The test's own string-to-sign helper agrees with the SDK. */
static void
test_vectors_string_to_sign(void **state)
{
	char sig[65], hash[65], sts[128];
	size_t i;

	(void)state;
	for (i = 0; i < ntv; i++) {
		const struct tv *t = &tvs[i];

		wj_sha256_hex(t->canonical, strlen(t->canonical), hash);
		snprintf(sts, sizeof(sts), "SDK-HMAC-SHA256\n%s\n%s",
		    TEST_DATE, hash);
		assert_string_equal(sts, t->string_to_sign);
		sign_canonical(t->canonical, TEST_DATE, t->sk, sig);
		assert_string_equal(sig, t->auth.signature);
	}
}

static void
test_vectors_verify(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ntv; i++) {
		assert_string_equal(tvs[i].auth.access_key, TEST_AK);
		assert_int_equal(tvs[i].auth.alg, SIG_ALG_HMAC_SHA256);
		want_accept(&tvs[i], "as sent", 0);
	}
}

static void
test_vectors_wrong_key(void **state)
{
	struct wj_errinfo ei;
	struct sig_request req;
	size_t i;

	(void)state;
	for (i = 0; i < ntv; i++) {
		vreq_request(&tvs[i].rq, &req);
		memset(&ei, 0, sizeof(ei));
		assert_int_equal(sig_verify(&req, &tvs[i].auth,
		    TEST_SK "x", strlen(TEST_SK) + 1, &ei), WJ_ERR_AUTH);
		assert_string_equal(ei.detail, "verify aksk signature fail");
	}
}

static void
test_vectors_tamper_method(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < ntv; i++) {
		struct tv *t = &tvs[i];

		for (j = 0; t->rq.method[j] != '\0'; j++) {
			t->rq.method[j] ^= 1;
			want_reject(t, "method byte", j);
			t->rq.method[j] ^= 1;
		}
		want_accept(t, "method restored", 0);
	}
}

static void
test_vectors_tamper_path(void **state)
{
	char *saved, *p, c0;
	size_t i, j;

	(void)state;
	for (i = 0; i < ntv; i++) {
		struct tv *t = &tvs[i];

		for (j = 0; t->rq.path[j] != '\0'; j++) {
			char c = t->rq.path[j];

			t->rq.path[j] = (char)(c ^ 1);
			want_reject(t, "path byte", j);
			t->rq.path[j] = c == 'x' ? 'y' : 'x';
			want_reject(t, "path byte", j);
			t->rq.path[j] = c;
		}
		/* A segment more or less. */
		saved = t->rq.path;
		assert_non_null(t->rq.path = malloc(strlen(saved) + 3));
		sprintf(t->rq.path, "%s/x", saved);
		want_reject(t, "path segment added", 0);
		free(t->rq.path);
		t->rq.path = saved;
		assert_non_null(p = strrchr(t->rq.path, '/'));
		if (p[1] != '\0') {
			c0 = p[0];
			p[0] = '\0';
			want_reject(t, "path segment dropped", 0);
			p[0] = c0;
		}
		want_accept(t, "path restored", 0);
	}
}

static void
test_vectors_tamper_query(void **state)
{
	char *orig;
	size_t i, j, tampered = 0;

	(void)state;
	for (i = 0; i < ntv; i++) {
		struct tv *t = &tvs[i];

		if (t->rq.query == NULL) {
			/* Adding a query must break it too. */
			t->rq.query = xstrdup("a=1");
			want_reject(t, "query added", 0);
			free(t->rq.query);
			t->rq.query = NULL;
			want_accept(t, "query removed", 0);
			continue;
		}
		for (j = 0; t->rq.query[j] != '\0'; j++) {
			t->rq.query[j] ^= 1;
			want_reject(t, "query byte", j);
			t->rq.query[j] ^= 1;
			tampered++;
		}
		/* Dropping the query or a parameter breaks it. */
		orig = t->rq.query;
		t->rq.query = NULL;
		want_reject(t, "query dropped", 0);
		t->rq.query = orig;
		want_accept(t, "query restored", 0);
	}
	assert_true(tampered > 100);
}

static void
test_vectors_tamper_headers(void **state)
{
	char *saved;
	size_t i, j, k, nsigned;

	(void)state;
	for (i = 0; i < ntv; i++) {
		struct tv *t = &tvs[i];

		nsigned = 0;
		for (k = 0; k < t->rq.nh; k++) {
			char *v = t->rq.vals[k];

			if (!in_list(t->signed_headers, t->rq.names[k])) {
				/* Unsigned headers may change freely. */
				v[0] ^= 1;
				want_accept(t, "unsigned header", k);
				v[0] ^= 1;
				continue;
			}
			nsigned++;
			for (j = 0; v[j] != '\0'; j++) {
				v[j] ^= 1;
				want_reject(t, t->rq.names[k], j);
				v[j] ^= 1;
			}
			/* Value replaced, emptied, extended. */
			for (j = 0; j < 3; j++) {
				saved = t->rq.vals[k];
				assert_non_null(t->rq.vals[k] =
				    malloc(strlen(saved) + 2));
				sprintf(t->rq.vals[k], "%s", j == 0 ? "x" :
				    j == 1 ? "" : saved);
				if (j == 2)
					strcat(t->rq.vals[k], "x");
				vreq_sync(&t->rq);
				want_reject(t, "header value changed", j);
				free(t->rq.vals[k]);
				t->rq.vals[k] = saved;
			}
			t->rq.names[k][0] ^= 1;	/* renamed = missing */
			vreq_sync(&t->rq);
			want_reject(t, "header renamed", k);
			t->rq.names[k][0] ^= 1;
			/* Name case, blanks around the value do not count. */
			t->rq.names[k][0] ^= 0x20;
			want_accept(t, "header name case", k);
			t->rq.names[k][0] ^= 0x20;
			/*
			 * Except for X-Sdk-Content-Sha256, whose value is also
			 * the payload hash, verbatim.
			 */
			if (strcasecmp(t->rq.names[k],
			    "x-sdk-content-sha256") == 0)
				continue;
			saved = t->rq.vals[k];
			assert_non_null(t->rq.vals[k] = malloc(strlen(saved) + 5));
			sprintf(t->rq.vals[k], " \t%s  ", saved);
			vreq_sync(&t->rq);
			want_accept(t, "header value blanks", k);
			free(t->rq.vals[k]);
			t->rq.vals[k] = saved;
			vreq_sync(&t->rq);
		}
		/* Every name of the list was found and tampered with. */
		for (j = 0, k = 1; t->signed_headers[j] != '\0'; j++)
			k += t->signed_headers[j] == ';';
		assert_int_equal(nsigned, k);
		want_accept(t, "headers restored", 0);
	}
}

static void
test_vectors_tamper_body(void **state)
{
	struct wj_errinfo ei;
	char *saved;
	size_t i, j, unsigned_payload = 0;

	(void)state;
	for (i = 0; i < ntv; i++) {
		struct tv *t = &tvs[i];
		int unsigned_body = in_list(t->signed_headers,
		    "x-sdk-content-sha256");

		for (j = 0; j < t->rq.body_len; j++) {
			t->rq.body[j] ^= 1;
			if (unsigned_body)
				want_accept(t, "unsigned body byte", j);
			else
				want_reject(t, "body byte", j);
			t->rq.body[j] ^= 1;
		}
		if (unsigned_body)
			unsigned_payload++;
		/* One byte more (or a body where there was none). */
		saved = t->rq.body;
		assert_non_null(t->rq.body = malloc(t->rq.body_len + 1));
		if (t->rq.body_len > 0)
			memcpy(t->rq.body, saved, t->rq.body_len);
		t->rq.body[t->rq.body_len++] = 'x';
		if (unsigned_body)
			want_accept(t, "unsigned body grown", 0);
		else
			want_reject(t, "body grown", 0);
		free(t->rq.body);
		t->rq.body = saved;
		t->rq.body_len--;
		if (t->rq.body_len > 0 && !unsigned_body) {
			t->rq.body_len--;
			want_reject(t, "body truncated", 0);
			t->rq.body_len++;
		}
		assert_int_equal(verify_tv(t, &t->auth, &ei), 0);
	}
	assert_int_equal(unsigned_payload, 2);
}

static void
test_vectors_tamper_date(void **state)
{
	struct wj_errinfo ei;
	char *saved;
	size_t i, k;

	(void)state;
	for (i = 0; i < ntv; i++) {
		struct tv *t = &tvs[i];

		for (k = 0; k < t->rq.nh; k++)
			if (strcasecmp(t->rq.names[k], "x-sdk-date") == 0)
				break;
		assert_true(k < t->rq.nh);
		saved = t->rq.vals[k];
		/* A valid date one second later: the signature breaks. */
		t->rq.vals[k] = xstrdup("20250101T080911Z");
		vreq_sync(&t->rq);
		assert_int_equal(verify_tv(t, &t->auth, &ei), WJ_ERR_AUTH);
		assert_string_equal(ei.detail, "verify aksk signature fail");
		free(t->rq.vals[k]);
		t->rq.vals[k] = xstrdup("2025-01-01T08:09:10Z");
		vreq_sync(&t->rq);
		assert_int_equal(verify_tv(t, &t->auth, &ei), WJ_ERR_AUTH);
		assert_string_equal(ei.detail, "x-sdk-date malformed");
		free(t->rq.vals[k]);
		t->rq.vals[k] = saved;
		vreq_sync(&t->rq);
		want_accept(t, "date restored", 0);
	}
}

static void
test_vectors_tamper_signature(void **state)
{
	struct wj_errinfo ei;
	struct sig_auth a;
	size_t i, j;

	(void)state;
	for (i = 0; i < ntv; i++) {
		struct tv *t = &tvs[i];

		a = t->auth;
		assert_int_equal(strlen(a.signature), 64);
		for (j = 0; j < 64; j++) {
			a.signature[j] = a.signature[j] == '0' ? '1' : '0';
			assert_int_equal(verify_tv(t, &a, &ei), WJ_ERR_AUTH);
			assert_string_equal(ei.detail,
			    "verify aksk signature fail");
			a.signature[j] = t->auth.signature[j];
		}
		/* Truncated, extended, upper case. */
		a.signature[63] = '\0';
		assert_int_equal(verify_tv(t, &a, &ei), WJ_ERR_AUTH);
		a = t->auth;
		strcat(a.signature, "0");
		assert_int_equal(verify_tv(t, &a, &ei), WJ_ERR_AUTH);
		a = t->auth;
		for (j = 0; j < 64; j++)
			if (a.signature[j] >= 'a')
				a.signature[j] -= 'a' - 'A';
		assert_int_equal(verify_tv(t, &a, &ei), WJ_ERR_AUTH);
		/* SignedHeaders is signed: dropping a name breaks it. */
		a = t->auth;
		assert_non_null(strchr(a.signed_headers, ';'));
		strcat(a.signed_headers, ";accept");
		assert_int_not_equal(verify_tv(t, &a, &ei), 0);
		assert_int_equal(verify_tv(t, &t->auth, &ei), 0);
	}
}

/* sig_sign reproduces the SDKs' Authorization headers. */
static void
test_vectors_sign(void **state)
{
	struct sig_request req;
	struct sig_header *hs;
	char *auth;
	size_t i, k, n;
	int r;

	(void)state;
	for (i = 0; i < ntv; i++) {
		struct tv *t = &tvs[i];

		/*
		 * Python signs every header it has but those with '_': pass
		 * all it sent (minus Authorization), the '_' one included.
		 * Node.js signs a chosen few: pass just those.
		 */
		assert_non_null(hs = calloc(t->rq.nh, sizeof(*hs)));
		for (k = n = 0; k < t->rq.nh; k++) {
			if (strcasecmp(t->rq.names[k], "authorization") == 0)
				continue;
			if (!in_list(t->signed_headers, t->rq.names[k]) &&
			    (t->node || strchr(t->rq.names[k], '_') == NULL))
				continue;
			hs[n++] = t->rq.hdrs[k];
		}
		vreq_request(&t->rq, &req);
		req.headers = hs;
		req.n_headers = n;
		if ((r = sig_sign(&req, t->ak, t->sk, &auth)) != 0)
			fail_msg("%s: sig_sign %d", t->name, r);
		if (strcmp(auth, t->authorization) != 0)
			fail_msg("%s:\n%s\n--- want ---\n%s", t->name, auth,
			    t->authorization);
		free(auth);
		free(hs);
	}
}

/* ---- Authorization header ----------------------------------------------- */

static void
test_parse_authorization_ok(void **state)
{
	static const char *ok[] = {
		"SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, "
		    "Signature=0123abcdef",
		"SDK-HMAC-SHA256 Access=AK1,SignedHeaders=host;x-sdk-date,"
		    "Signature=0123abcdef",
		"  SDK-HMAC-SHA256   Access=AK1 ,   SignedHeaders="
		    "host;x-sdk-date ,\tSignature=0123abcdef  ",
		"SDK-HMAC-SHA256\tSignature=0123abcdef, Access=AK1, "
		    "SignedHeaders=host;x-sdk-date",
		"SDK-HMAC-SHA256 SignedHeaders = host;x-sdk-date, Access= AK1,"
		    " Signature =0123abcdef",
	};
	struct wj_errinfo ei = { { 0 } };
	struct sig_auth a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (sig_parse_authorization(ok[i], &a, &ei) != 0)
			fail_msg("[%zu] %s: %s", i, ok[i], ei.detail);
		assert_int_equal(a.alg, SIG_ALG_HMAC_SHA256);
		assert_string_equal(a.access_key, "AK1");
		assert_string_equal(a.signed_headers, "host;x-sdk-date");
		assert_string_equal(a.signature, "0123abcdef");
	}
}

/* in is refused for reason, and nothing half-filled comes back. */
static void
expect_refused(const char *in, const char *reason, size_t i)
{
	struct wj_errinfo ei;
	struct sig_auth a;

	memset(&ei, 0, sizeof(ei));
	memset(&a, 'x', sizeof(a));
	if (sig_parse_authorization(in, &a, &ei) != WJ_ERR_AUTH)
		fail_msg("[%zu] accepted: %s", i, in);
	assert_string_equal(ei.detail, reason);
	assert_int_equal(a.alg, 0);
	assert_string_equal(a.access_key, "");
	assert_string_equal(a.signature, "");
}

static void
test_parse_authorization_missing(void **state)
{
	static const struct {
		const char *in, *reason;
	} bad[] = {
		{ "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host",
		    "authorization Signature missing" },
		{ "SDK-HMAC-SHA256 SignedHeaders=host, Signature=ab",
		    "authorization Access missing" },
		{ "SDK-HMAC-SHA256 Access=AK, Signature=ab",
		    "authorization SignedHeaders missing" },
		{ "SDK-HMAC-SHA256", "authorization Access missing" },
		{ "SDK-HMAC-SHA256 ", "authorization Access missing" },
		{ "SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature=ab",
		    "malformed authorization header" },
		{ "SDK-HMAC-SHA256 Access=AK, SignedHeaders=, Signature=ab",
		    "malformed authorization header" },
		{ "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=",
		    "malformed authorization header" },
		{ "SDK-HMAC-SHA256 Access=AK,, SignedHeaders=h, Signature=ab",
		    "malformed authorization header" },
		{ "SDK-HMAC-SHA256 Access AK, SignedHeaders=h, Signature=ab",
		    "malformed authorization header" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(bad[i].in, bad[i].reason, i);
}

static void
test_parse_authorization_algorithm(void **state)
{
	static const char *bad[] = {
		"",
		"   ",
		"SDK-HMAC-SM3 Access=AK, SignedHeaders=host, Signature=ab",
		"SDK-ECDSA-P256-SHA256 Access=AK, SignedHeaders=h, Signature=a",
		"V11-HMAC-SHA256 Credential=AK, SignedHeaders=h, Signature=ab",
		"sdk-hmac-sha256 Access=AK, SignedHeaders=host, Signature=ab",
		"SDK-HMAC-SHA256Access=AK, SignedHeaders=host, Signature=ab",
		"SDK-HMAC-SHA2567 Access=AK, SignedHeaders=host, Signature=ab",
		"AWS4-HMAC-SHA256 Credential=AK, SignedHeaders=h, Signature=ab",
		"Bearer abc",
	};
	struct wj_errinfo ei;
	struct sig_auth a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(bad[i], "unsupported signature algorithm", i);
	memset(&ei, 0, sizeof(ei));
	assert_int_equal(sig_parse_authorization(NULL, &a, &ei), WJ_ERR_AUTH);
}

static void
test_parse_authorization_malformed(void **state)
{
	static const char *bad[] = {
		/* repeated part */
		"SDK-HMAC-SHA256 Access=A, Access=A, SignedHeaders=h, Sig=ab",
		"SDK-HMAC-SHA256 Signature=ab, SignedHeaders=h, Signature=ab",
		/* unknown part, key case */
		"SDK-HMAC-SHA256 Access=A, SignedHeaders=h, Signature=ab, X=1",
		"SDK-HMAC-SHA256 access=A, SignedHeaders=h, Signature=ab",
		/* signature not hex */
		"SDK-HMAC-SHA256 Access=A, SignedHeaders=h, Signature=abg",
		/* blanks inside a value */
		"SDK-HMAC-SHA256 Access=A B, SignedHeaders=h, Signature=ab",
		"SDK-HMAC-SHA256 Access=A, SignedHeaders=host; x, Signature=ab",
		"SDK-HMAC-SHA256 Access=A, SignedHeaders=h:o, Signature=ab",
		/* control and non-ASCII bytes */
		"SDK-HMAC-SHA256 Access=A\x01, SignedHeaders=h, Signature=ab",
		"SDK-HMAC-SHA256 Access=\xc3\xa9, SignedHeaders=h, Signature=a",
	};
	struct wj_errinfo ei;
	struct sig_auth a;
	char big[SIG_SIGNED_HEADERS_MAX + 200], *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(bad[i], "malformed authorization header", i);

	/* Access: SIG_AK_MAX fits, one more does not. */
	p = big + sprintf(big, "SDK-HMAC-SHA256 Access=");
	memset(p, 'A', SIG_AK_MAX);
	sprintf(p + SIG_AK_MAX, ", SignedHeaders=h, Signature=ab");
	assert_int_equal(sig_parse_authorization(big, &a, &ei), 0);
	assert_int_equal(strlen(a.access_key), SIG_AK_MAX);
	memset(p, 'A', SIG_AK_MAX + 1);
	sprintf(p + SIG_AK_MAX + 1, ", SignedHeaders=h, Signature=ab");
	assert_int_equal(sig_parse_authorization(big, &a, &ei), WJ_ERR_AUTH);

	/* SignedHeaders: SIG_SIGNED_HEADERS_MAX fits, one more does not. */
	p = big + sprintf(big, "SDK-HMAC-SHA256 Access=A, SignedHeaders=");
	memset(p, 'h', SIG_SIGNED_HEADERS_MAX);
	sprintf(p + SIG_SIGNED_HEADERS_MAX, ", Signature=ab");
	assert_int_equal(sig_parse_authorization(big, &a, &ei), 0);
	memset(p, 'h', SIG_SIGNED_HEADERS_MAX + 1);
	sprintf(p + SIG_SIGNED_HEADERS_MAX + 1, ", Signature=ab");
	assert_int_equal(sig_parse_authorization(big, &a, &ei), WJ_ERR_AUTH);

	/* Signature: SIG_SIGNATURE_MAX fits, one more does not. */
	p = big + sprintf(big, "SDK-HMAC-SHA256 Access=A, SignedHeaders=h, "
	    "Signature=");
	memset(p, 'a', SIG_SIGNATURE_MAX);
	p[SIG_SIGNATURE_MAX] = '\0';
	assert_int_equal(sig_parse_authorization(big, &a, &ei), 0);
	memset(p, 'a', SIG_SIGNATURE_MAX + 1);
	p[SIG_SIGNATURE_MAX + 1] = '\0';
	assert_int_equal(sig_parse_authorization(big, &a, &ei), WJ_ERR_AUTH);
}

/* ---- percent-encoding ---------------------------------------------------- */

static void
test_uri_encode(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;
	} cases[] = {
#define S(x) x, sizeof(x) - 1
		{ S(""), "" },
		{ S("AZaz09-_.~"), "AZaz09-_.~" },
		{ S(" +/?&=*'!()%:@,;$#[]"),
		    "%20%2B%2F%3F%26%3D%2A%27%21%28%29%25%3A%40%2C%3B%24%23"
		    "%5B%5D" },
		{ S("\xe4\xbb\xbb\xe5\x8a\xa1-\xc3\xa9"),
		    "%E4%BB%BB%E5%8A%A1-%C3%A9" },
		{ S("a\0b\xff"), "a%00b%FF" },
		{ S("\x7f\x1f"), "%7F%1F" },
#undef S
	};
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b);
		assert_int_equal(sig_uri_encode(&b, cases[i].in, cases[i].n),
		    0);
		assert_int_equal(b.len, strlen(cases[i].out));
		if (b.len > 0)
			assert_memory_equal(b.data, cases[i].out, b.len);
		buf_free(&b);
	}
}

static void
test_uri_decode(void **state)
{
	static const struct {
		const char *in;
		int plus;
		const char *out;
		size_t n;
	} cases[] = {
		{ "", 0, "", 0 },
		{ "%41%42c", 0, "ABc", 3 },
		{ "%e4%BB%bB", 0, "\xe4\xbb\xbb", 3 },
		{ "%2b%2B", 1, "++", 2 },
		{ "a+b", 1, "a b", 3 },
		{ "a+b", 0, "a+b", 3 },
		{ "%", 0, "%", 1 },
		{ "%4", 0, "%4", 2 },
		{ "a%4", 0, "a%4", 3 },
		{ "%zz", 0, "%zz", 3 },
		{ "%4g%g4", 0, "%4g%g4", 6 },
		{ "%%41", 0, "%A", 2 },
		{ "%2541", 0, "%41", 3 },	/* one pass only */
		{ "%00x", 0, "\0x", 2 },
		{ "%20+%2B", 1, "  +", 3 },
	};
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b);
		assert_int_equal(sig_uri_decode(&b, cases[i].in,
		    strlen(cases[i].in), cases[i].plus), 0);
		if (b.len != cases[i].n ||
		    (b.len > 0 && memcmp(b.data, cases[i].out, b.len) != 0))
			fail_msg("[%zu] %s: got %zu bytes", i, cases[i].in,
			    b.len);
		buf_free(&b);
	}
}

/* ---- canonical request pieces -------------------------------------------- */

static void
test_canonical_uri_decode(void **state)
{
	static const struct line_case cases[] = {
		{ "", "/" },
		{ "/", "/" },
		{ "/a", "/a/" },
		{ "/a/", "/a/" },
		{ "//a//", "//a//" },
		{ "/a%2Fb", "/a/b/" },
		{ "/a%2fb/", "/a/b/" },
		{ "/j%2F1%20x", "/j/1%20x/" },
		{ "/a b", "/a%20b/" },
		{ "/a+b", "/a%2Bb/" },		/* '+' is no space here */
		{ "/%7e%7E~", "/~~~/" },
		{ "/%zz", "/%25zz/" },
		{ "/a%", "/a%25/" },
		{ "/a%252F", "/a%252F/" },	/* decoded once */
		{ "/%E4%BB%BB", "/%E4%BB%BB/" },
		{ "/\xe4\xbb\xbb", "/%E4%BB%BB/" },
		{ "/a%00b", "/a%00b/" },
		{ "/%2F", "//" },
		{ "/v2/p/jobs/x/actions", "/v2/p/jobs/x/actions/" },
	};

	(void)state;
	expect_lines(cases, sizeof(cases) / sizeof(cases[0]), SIG_URI_DECODE,
	    1);
}

static void
test_canonical_uri_raw(void **state)
{
	static const struct line_case cases[] = {
		{ "", "/" },
		{ "/", "/" },
		{ "/a", "/a/" },
		{ "/a/", "/a/" },
		{ "/a%2Fb", "/a%252Fb/" },
		{ "/j%2F1%20x", "/j%252F1%2520x/" },
		{ "/a b", "/a%20b/" },
		{ "/a+b~", "/a%2Bb~/" },
		{ "/\xe4\xbb\xbb", "/%E4%BB%BB/" },
	};

	(void)state;
	expect_lines(cases, sizeof(cases) / sizeof(cases[0]), SIG_URI_RAW,
	    1);
}

static void
test_canonical_query(void **state)
{
	static const struct line_case cases[] = {
		{ NULL, "" },
		{ "", "" },
		{ "&", "" },
		{ "&&a=1&&", "a=1" },
		{ "b&a", "a=&b=" },
		{ "a=", "a=" },
		{ "=x", "=x" },
		{ "a=b=c", "a=b%3Dc" },
		{ "a=1+2", "a=1%202" },
		{ "a=1%2B2", "a=1%2B2" },
		{ "a=1%202", "a=1%202" },
		{ "k=~&j=%7e", "j=~&k=~" },
		{ "a=%zz", "a=%25zz" },
		{ "b=2&a=1&a=0", "a=0&a=1&b=2" },
		{ "ab=1&a=2", "a=2&ab=1" },
		/* Sorted raw: 'a-' (2D) before 'a:' (3A), not by "a%3A". */
		{ "a%3A=2&a-=1", "a-=1&a%3A=2" },
		{ "a=%C3%A9&a=z", "a=z&a=%C3%A9" },
		{ "status=RUNNING&status=FAILED&job_type=x",
		    "job_type=x&status=FAILED&status=RUNNING" },
		{ "x=a%20b%2Bc%2Fd%3Fe%26f%3Dg~h*'i!()",
		    "x=a%20b%2Bc%2Fd%3Fe%26f%3Dg~h%2A%27i%21%28%29" },
		{ "n%00=%00", "n%00=%00" },
	};

	(void)state;
	expect_lines(cases, sizeof(cases) / sizeof(cases[0]), SIG_URI_DECODE,
	    2);
}

static void
test_canonical_method(void **state)
{
	struct wj_errinfo ei;
	struct mini m;
	char *l, *c;

	(void)state;
	mini_init(&m, "post", "/", NULL);
	l = mini_line(&m, "host;x-sdk-date", SIG_URI_DECODE, 0);
	assert_string_equal(l, "POST");
	free(l);
	mini_init(&m, "", "/", NULL);
	assert_int_equal(mini_canon(&m, "host", 0, &c, &ei), WJ_ERR_AUTH);
	mini_init(&m, "GE T", "/", NULL);
	assert_int_equal(mini_canon(&m, "host", 0, &c, &ei), WJ_ERR_AUTH);
	mini_init(&m, "GET\n", "/", NULL);
	assert_int_equal(mini_canon(&m, "host", 0, &c, &ei), WJ_ERR_AUTH);
	assert_null(c);
}

static void
test_canonical_headers_trim(void **state)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{ "v", "v" },
		{ "  a  b \t", "a  b" },		/* interior kept */
		{ "\t\v\fx\x1c\x1f ", "x" },
		{ "\t\r\nx", "x" },			/* CR/LF: refused */
		{ "", "" },
		{ "   ", "" },
		{ "x\xc2\xa0", "x" },			/* U+00A0 */
		{ "\xe3\x80\x80x\xe2\x80\x89", "x" }, /* U+3000, U+2009 */
		{ "\xc2\x85x\xe2\x80\xa8", "x" },	/* U+0085, U+2028 */
		{ "\xe4\xbb\xbb\xe5\x8a\xa1", "\xe4\xbb\xbb\xe5\x8a\xa1" },
		{ "\xc3\xa0", "\xc3\xa0" },		/* not a space */
	};
	struct wj_errinfo ei;
	struct mini m;
	char want[64], *c;
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mini_init(&m, "GET", "/", NULL);
		mini_add(&m, "X-Note", cases[i].value);
		r = mini_canon(&m, "host;x-note;x-sdk-date", SIG_URI_DECODE,
		    &c, &ei);
		if (strchr(cases[i].value, '\n') != NULL) {
			/* CR/LF could forge header lines: refused. */
			assert_int_equal(r, WJ_ERR_AUTH);
			assert_string_equal(ei.detail,
			    "header x-note malformed");
			continue;
		}
		assert_int_equal(r, 0);
		snprintf(want, sizeof(want), "\nx-note:%s\n", cases[i].want);
		if (strstr(c, want) == NULL)
			fail_msg("[%zu]: %s", i, c);
		free(c);
	}
}

static void
test_canonical_headers_lookup(void **state)
{
	struct wj_errinfo ei;
	struct mini m;
	char *c;

	(void)state;
	/* Any case on the wire and in the list; lower case in the lines. */
	mini_init(&m, "GET", "/", NULL);
	m.h[0].name = "HOST";
	m.h[1].name = "x-SDK-date";
	mini_add(&m, "Content-Type", "application/json");
	assert_int_equal(mini_canon(&m, "Content-Type;host;X-Sdk-Date",
	    SIG_URI_DECODE, &c, &ei), 0);
	assert_string_equal(c, "GET\n/\n\ncontent-type:application/json\n"
	    "host:" TEST_HOST "\nx-sdk-date:" TEST_DATE "\n\n"
	    "Content-Type;host;X-Sdk-Date\n" EMPTY_SHA256);
	free(c);

	/* Missing. */
	mini_init(&m, "GET", "/", NULL);
	assert_int_equal(mini_canon(&m, "host;x-foo;x-sdk-date",
	    SIG_URI_DECODE, &c, &ei), WJ_ERR_AUTH);
	assert_string_equal(ei.detail, "signed header x-foo missing");
	assert_null(c);
	/* A prefix of a name is not the name. */
	mini_add(&m, "X-Fo", "1");
	mini_add(&m, "X-Fooo", "1");
	assert_int_equal(mini_canon(&m, "host;x-foo;x-sdk-date",
	    SIG_URI_DECODE, &c, &ei), WJ_ERR_AUTH);

	/* Repeated. */
	mini_init(&m, "GET", "/", NULL);
	mini_add(&m, "host", "evil.example.com");
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", SIG_URI_DECODE,
	    &c, &ei), WJ_ERR_AUTH);
	assert_string_equal(ei.detail, "signed header host repeated");
	/* ... unless not signed. */
	mini_init(&m, "GET", "/", NULL);
	mini_add(&m, "Accept", "a");
	mini_add(&m, "accept", "b");
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", SIG_URI_DECODE,
	    &c, &ei), 0);
	free(c);

	/* Malformed lists. */
	mini_init(&m, "GET", "/", NULL);
	assert_int_equal(mini_canon(&m, "", 0, &c, &ei), WJ_ERR_AUTH);
	assert_int_equal(mini_canon(&m, "host;;x-sdk-date", 0, &c, &ei),
	    WJ_ERR_AUTH);
	assert_string_equal(ei.detail, "malformed SignedHeaders");
	assert_int_equal(mini_canon(&m, "host;", 0, &c, &ei), WJ_ERR_AUTH);
	assert_int_equal(mini_canon(&m, "host x-sdk-date", 0, &c, &ei),
	    WJ_ERR_AUTH);
	assert_int_equal(mini_canon(&m, "host:x", 0, &c, &ei), WJ_ERR_AUTH);
}

static void
test_canonical_headers_bounds(void **state)
{
	struct wj_errinfo ei;
	struct buf b;
	struct mini m;
	char *big, *c;

	(void)state;
	/* spec: header values up to 40000 bytes. */
	assert_non_null(big = malloc(40002));
	memset(big, 'v', 40001);
	big[40001] = '\0';
	mini_init(&m, "GET", "/", NULL);
	mini_add(&m, "X-Big", big);
	assert_int_equal(mini_canon(&m, "host;x-big;x-sdk-date", 0, &c, &ei),
	    WJ_ERR_AUTH);
	assert_string_equal(ei.detail, "header x-big too long");
	big[40000] = '\0';
	assert_int_equal(mini_canon(&m, "host;x-big;x-sdk-date", 0, &c, &ei),
	    0);
	assert_non_null(strstr(c, big));
	free(c);
	/* Not signed: not looked at. */
	big[40000] = 'v';
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", 0, &c, &ei), 0);
	free(c);
	/* Nor is X-Sdk-Content-Sha256 without bound. */
	m.h[2].name = "X-Sdk-Content-Sha256";
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", 0, &c, &ei),
	    WJ_ERR_AUTH);
	free(big);

	/* Many signed headers of the maximum size: bounded in total. */
	mini_init(&m, "GET", "/", NULL);
	assert_non_null(big = malloc(40001));
	memset(big, 'v', 40000);
	big[40000] = '\0';
	mini_add(&m, "a", big);
	mini_add(&m, "b", big);
	mini_add(&m, "c", big);
	mini_add(&m, "d", big);
	mini_add(&m, "e", big);
	mini_add(&m, "f", big);
	assert_int_equal(mini_canon(&m, "a;b;c;d;e;f;host;x-sdk-date",
	    0, &c, &ei), 0);
	free(c);
	assert_int_equal(mini_canon(&m,
	    "a;b;c;d;e;f;a;b;c;d;e;f;a;b;c;d;e;f;host;x-sdk-date", 0, &c,
	    &ei), WJ_ERR_AUTH);
	assert_string_equal(ei.detail, "signed headers too large");
	free(big);

	/* Path and query up to WJ_URI_MAX (8192). */
	assert_non_null(big = malloc(8194));
	memset(big, 'p', 8193);
	big[0] = '/';
	big[8193] = '\0';
	mini_init(&m, "GET", big, NULL);
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", 0, &c, &ei),
	    WJ_ERR_AUTH);
	assert_string_equal(ei.detail, "request uri too long");
	big[8192] = '\0';
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", 0, &c, &ei), 0);
	free(c);
	mini_init(&m, "GET", "/", big);
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", 0, &c, &ei), 0);
	free(c);
	/* Worst case for the query: all separators. */
	memset(big, '&', 8192);
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", 0, &c, &ei), 0);
	free(c);
	memset(big, '%', 8192);
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", 0, &c, &ei), 0);
	free(c);
	big[8192] = '%';
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", 0, &c, &ei),
	    WJ_ERR_AUTH);
	free(big);

	/* Unknown algorithm, unknown mode. */
	mini_init(&m, "GET", "/", NULL);
	buf_init(&b);
	assert_int_equal(sig_canonical_request(&m.req, "host", 2, 0, &b, &ei),
	    WJ_ERR_AUTH);
	assert_int_equal(sig_canonical_request(&m.req, "host",
	    SIG_ALG_HMAC_SHA256, 7, &b, &ei), WJ_ERR_INVALID);
	assert_int_equal(b.len, 0);
	/* What the buffer held stays; a failure appends nothing. */
	assert_int_equal(buf_puts(&b, "keep"), 0);
	assert_int_equal(sig_canonical_request(&m.req, "host;x-gone",
	    SIG_ALG_HMAC_SHA256, 0, &b, &ei), WJ_ERR_AUTH);
	assert_string_equal(b.data, "keep");
	assert_int_equal(sig_canonical_request(&m.req, "host;x-sdk-date",
	    SIG_ALG_HMAC_SHA256, 0, &b, &ei), 0);
	assert_memory_equal(b.data, "keepGET\n/\n\nhost:", 16);
	buf_free(&b);
}

static void
test_payload_hash(void **state)
{
	struct wj_errinfo ei;
	struct mini m;
	char *l;

	(void)state;
	/* Empty body (NULL or zero bytes): hash of "". */
	mini_init(&m, "POST", "/", NULL);
	l = mini_line(&m, "host;x-sdk-date", 0, 7);
	assert_string_equal(l, EMPTY_SHA256);
	free(l);
	m.req.body = "";
	l = mini_line(&m, "host;x-sdk-date", 0, 7);
	assert_string_equal(l, EMPTY_SHA256);
	free(l);
	/* Body: its SHA-256. */
	m.req.body = "abc";
	m.req.body_len = 3;
	l = mini_line(&m, "host;x-sdk-date", 0, 7);
	assert_string_equal(l, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	free(l);
	/* Header present: its value verbatim, signed or not. */
	mini_add(&m, "X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD");
	l = mini_line(&m, "host;x-sdk-date", 0, 7);
	assert_string_equal(l, "UNSIGNED-PAYLOAD");
	free(l);
	l = mini_line(&m, "host;x-sdk-content-sha256;x-sdk-date", 0, 8);
	assert_string_equal(l, "UNSIGNED-PAYLOAD");
	free(l);
	/* ... but not for an empty body (Python SDK). */
	m.req.body_len = 0;
	l = mini_line(&m, "host;x-sdk-date", 0, 7);
	assert_string_equal(l, EMPTY_SHA256);
	free(l);
	/* Repeated header: refused even when not signed. */
	mini_add(&m, "x-sdk-content-sha256", "UNSIGNED-PAYLOAD");
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", 0, &l, &ei),
	    WJ_ERR_AUTH);
}

/* ---- verification ------------------------------------------------------ */

/* Sign m with the given canonical request, verify; returns sig_verify's. */
static int
verify_with(const struct mini *m, const char *canon, const char *list,
    struct wj_errinfo *ei)
{
	struct sig_auth a;

	memset(&a, 0, sizeof(a));
	memset(ei, 0, sizeof(*ei));
	a.alg = SIG_ALG_HMAC_SHA256;
	snprintf(a.access_key, sizeof(a.access_key), "%s", TEST_AK);
	snprintf(a.signed_headers, sizeof(a.signed_headers), "%s", list);
	sign_canonical(canon, TEST_DATE, TEST_SK, a.signature);
	return sig_verify(&m->req, &a, TEST_SK, strlen(TEST_SK), ei);
}

static void
test_verify_requires_host_and_date(void **state)
{
	struct wj_errinfo ei;
	struct mini m;
	char *c;

	(void)state;
	mini_init(&m, "GET", "/", NULL);
	mini_add(&m, "X-Project-Id", "p");
	assert_int_equal(mini_canon(&m, "host;x-project-id", 0, &c, &ei), 0);
	assert_int_equal(verify_with(&m, c, "host;x-project-id", &ei),
	    WJ_ERR_AUTH);
	assert_string_equal(ei.detail, "x-sdk-date not signed");
	free(c);
	assert_int_equal(mini_canon(&m, "x-project-id;x-sdk-date", 0, &c,
	    &ei), 0);
	assert_int_equal(verify_with(&m, c, "x-project-id;x-sdk-date", &ei),
	    WJ_ERR_AUTH);
	assert_string_equal(ei.detail, "host not signed");
	free(c);
	/* Any case in the list. */
	assert_int_equal(mini_canon(&m, "HOST;X-Sdk-Date", 0, &c, &ei), 0);
	assert_int_equal(verify_with(&m, c, "HOST;X-Sdk-Date", &ei), 0);
	free(c);
	/* Signed but absent. */
	m.req.n_headers = 1;
	assert_int_equal(verify_with(&m, "x", "host;x-sdk-date", &ei),
	    WJ_ERR_AUTH);
	assert_string_equal(ei.detail, "signed header x-sdk-date missing");
}

static void
test_verify_bad_inputs(void **state)
{
	struct wj_errinfo ei;
	struct sig_auth a;
	struct mini m;
	char *c;

	(void)state;
	mini_init(&m, "GET", "/", NULL);
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", 0, &c, &ei), 0);
	assert_int_equal(verify_with(&m, c, "host;x-sdk-date", &ei), 0);

	memset(&a, 0, sizeof(a));
	a.alg = 2;
	snprintf(a.signed_headers, sizeof(a.signed_headers), "host;x-sdk-date");
	sign_canonical(c, TEST_DATE, TEST_SK, a.signature);
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK), &ei),
	    WJ_ERR_AUTH);
	assert_string_equal(ei.detail, "unsupported signature algorithm");
	a.alg = SIG_ALG_HMAC_SHA256;
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK), &ei),
	    0);
	/* A key of the wrong length: the prefix does not verify. */
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK) - 1,
	    &ei), WJ_ERR_AUTH);
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, 0, &ei),
	    WJ_ERR_INVALID);
	/* ei may be NULL. */
	assert_int_equal(sig_verify(&m.req, &a, "other", 5, NULL),
	    WJ_ERR_AUTH);
	free(c);

	/* A well-signed but malformed date is refused. */
	m.h[1].value = "20251301T000000Z";
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", 0, &c, &ei), 0);
	assert_int_equal(verify_with(&m, c, "host;x-sdk-date", &ei),
	    WJ_ERR_AUTH);
	assert_string_equal(ei.detail, "x-sdk-date malformed");
	free(c);
	/* Blanks around the date are trimmed, as in the canonical line. */
	m.h[1].value = "  " TEST_DATE " ";
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", 0, &c, &ei), 0);
	assert_int_equal(verify_with(&m, c, "host;x-sdk-date", &ei), 0);
	free(c);
}

/*
 * An empty body with X-Sdk-Content-Sha256: both the
 * Python (hash of "") and the Go/Node.js (header value) forms pass.
 */
static void
test_verify_empty_body_variants(void **state)
{
	static const char *list = "host;x-sdk-content-sha256;x-sdk-date";
	struct wj_errinfo ei;
	struct mini m;
	char *py, *node, *p;

	(void)state;
	mini_init(&m, "POST", "/v2/p/workspace-sub-jobs/batch-delete", NULL);
	mini_add(&m, "X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD");
	assert_int_equal(mini_canon(&m, list, 0, &py, &ei), 0);
	assert_non_null(p = strstr(py, EMPTY_SHA256));
	assert_non_null(node = malloc(strlen(py) + 1));
	memcpy(node, py, (size_t)(p - py));
	strcpy(node + (p - py), "UNSIGNED-PAYLOAD");

	assert_int_equal(verify_with(&m, py, list, &ei), 0);
	assert_int_equal(verify_with(&m, node, list, &ei), 0);
	/* Anything else does not. */
	strcpy(node + (p - py), "UNSIGNED-PAYLOAd");
	assert_int_equal(verify_with(&m, node, list, &ei), WJ_ERR_AUTH);
	strcpy(node + (p - py), "UNSIGNED-PAYLOAD");
	/* With a body only the header value is right. */
	m.req.body = "{}";
	m.req.body_len = 2;
	assert_int_equal(verify_with(&m, node, list, &ei), 0);
	assert_int_equal(verify_with(&m, py, list, &ei), WJ_ERR_AUTH);
	/* Without the header, an empty body hashes "" only. */
	m.req.body_len = 0;
	m.req.n_headers = 2;
	free(py);
	assert_int_equal(mini_canon(&m, "host;x-sdk-date", 0, &py, &ei), 0);
	assert_int_equal(verify_with(&m, py, "host;x-sdk-date", &ei), 0);
	free(py);
	free(node);
}

/* Node.js encodes the raw path; accepted as well. */
static void
test_verify_raw_uri_fallback(void **state)
{
	static const char *list = "host;x-sdk-date";
	struct wj_errinfo ei;
	struct mini m;
	char *raw, *dec;

	(void)state;
	mini_init(&m, "GET", "/v2/p/workspace-jobs/j%2F1%20x", NULL);
	assert_int_equal(mini_canon(&m, list, SIG_URI_RAW, &raw, &ei), 0);
	assert_int_equal(mini_canon(&m, list, SIG_URI_DECODE, &dec, &ei), 0);
	assert_string_not_equal(raw, dec);
	assert_int_equal(verify_with(&m, raw, list, &ei), 0);
	assert_int_equal(verify_with(&m, dec, list, &ei), 0);
	/* The raw form of one path does not pass for another. */
	m.req.path = "/v2/p/workspace-jobs/j/1%20x";
	assert_int_equal(verify_with(&m, raw, list, &ei), WJ_ERR_AUTH);
	/* ... while the Python form is shared, by design. */
	assert_int_equal(verify_with(&m, dec, list, &ei), 0);
	free(raw);
	free(dec);
}

/* ---- signing ------------------------------------------------------------- */

/* m signed with the test key and verified as it is: the verdict. */
static int
mini_sign_verify(struct mini *m, struct sig_auth *a)
{
	struct wj_errinfo ei = { { 0 } };
	char *auth;

	assert_int_equal(sig_sign(&m->req, TEST_AK, TEST_SK, &auth), 0);
	assert_int_equal(sig_parse_authorization(auth, a, &ei), 0);
	free(auth);
	return sig_verify(&m->req, a, TEST_SK, strlen(TEST_SK), &ei);
}

/* A declared body hash (not UNSIGNED-PAYLOAD) must be the body's. */
static void
test_verify_declared_body_hash_binds_body(void **state)
{
	struct wj_errinfo ei = { { 0 } };
	struct sig_auth a;
	struct mini m;
	char hash[65];
	const char *body = "{\"op_type\":\"retry\"}";

	(void)state;
	wj_sha256_hex(body, strlen(body), hash);
	mini_init(&m, "POST", "/v2/p/workspace-jobs/j/actions", NULL);
	mini_add(&m, "Content-Type", "application/json");
	mini_add(&m, "X-Sdk-Content-Sha256", hash);
	m.req.body = body;
	m.req.body_len = strlen(body);
	assert_int_equal(mini_sign_verify(&m, &a), 0);
	/* Same signature and declared hash, other body: refused. */
	m.req.body = "{\"op_type\":\"xetry\"}";
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK), &ei),
	    WJ_ERR_AUTH);
}

/*
 * A request whose X-Sdk-Content-Sha256 value has surrounding whitespace
 * (" UNSIGNED-PAYLOAD") is one sig_sign signs, so sig_verify must accept
 * it: whitespace is not part of a header value.  Found by fuzz/sig.
 */
static void
test_verify_unsigned_payload_marker_with_whitespace(void **state)
{
	struct sig_auth a;
	struct mini m;
	char hash[66];
	const char *body = "{\"op_type\": \"retry\"}";

	(void)state;
	mini_init(&m, "POST", "/v2/p1/workspace-jobs/j/actions", NULL);
	mini_add(&m, "X-Sdk-Content-Sha256", " UNSIGNED-PAYLOAD\t");
	m.req.body = body;
	m.req.body_len = strlen(body);
	assert_int_equal(mini_sign_verify(&m, &a), 0);
	/* A declared hash with whitespace still has to be the body's. */
	wj_sha256_hex(body, strlen(body), hash + 1);
	hash[0] = ' ';
	m.h[2].value = hash;
	assert_int_equal(mini_sign_verify(&m, &a), 0);
	hash[1] = hash[1] == '0' ? '1' : '0';
	assert_int_equal(mini_sign_verify(&m, &a), WJ_ERR_AUTH);
}

static void
test_sign_roundtrip(void **state)
{
	struct wj_errinfo ei = { { 0 } };
	struct sig_auth a;
	struct mini m;
	char *auth;

	(void)state;
	mini_init(&m, "POST", "/v2/p/workspace-jobs/j%2F1/actions",
	    "b=2&a=1+1");
	mini_add(&m, "Content-Type", "  application/json ");
	mini_add(&m, "X_Not_Signed", "x");
	mini_add(&m, "X-Project-Id", "p");
	m.req.body = "{\"op_type\": \"retry\"}";
	m.req.body_len = strlen(m.req.body);
	assert_int_equal(sig_sign(&m.req, TEST_AK, TEST_SK, &auth), 0);
	assert_int_equal(sig_parse_authorization(auth, &a, &ei), 0);
	assert_string_equal(a.access_key, TEST_AK);
	assert_string_equal(a.signed_headers,
	    "content-type;host;x-project-id;x-sdk-date");
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK), &ei),
	    0);
	/* The value is signed trimmed: the server may receive it so. */
	m.h[2].value = "application/json";
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK), &ei),
	    0);
	/* The unsigned '_' header may change. */
	m.h[3].value = "y";
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK), &ei),
	    0);
	m.h[4].value = "q";
	assert_int_equal(sig_verify(&m.req, &a, TEST_SK, strlen(TEST_SK), &ei),
	    WJ_ERR_AUTH);
	free(auth);
}

static void
test_sign_errors(void **state)
{
	struct mini m;
	char *auth = (char *)"sentinel";

	(void)state;
	mini_init(&m, "GET", "/", NULL);
	assert_int_equal(sig_sign(&m.req, TEST_AK, TEST_SK, &auth), 0);
	free(auth);
	auth = (char *)"sentinel";
	assert_int_equal(sig_sign(&m.req, "", TEST_SK, &auth), WJ_ERR_INVALID);
	assert_null(auth);
	assert_int_equal(sig_sign(&m.req, "A K", TEST_SK, &auth),
	    WJ_ERR_INVALID);
	assert_int_equal(sig_sign(&m.req, "A,K", TEST_SK, &auth),
	    WJ_ERR_INVALID);
	assert_int_equal(sig_sign(&m.req, TEST_AK, "", &auth), WJ_ERR_INVALID);
	assert_int_equal(sig_sign(&m.req, NULL, TEST_SK, &auth),
	    WJ_ERR_INVALID);
	/* Host and X-Sdk-Date are required. */
	m.h[0].name = "X-Host";
	assert_int_equal(sig_sign(&m.req, TEST_AK, TEST_SK, &auth),
	    WJ_ERR_INVALID);
	m.h[0].name = "Host";
	m.h[1].name = "X_Sdk_Date";		/* not signed: missing */
	assert_int_equal(sig_sign(&m.req, TEST_AK, TEST_SK, &auth),
	    WJ_ERR_INVALID);
	m.h[1].name = "X-Sdk-Date";
	m.h[1].value = "2025-01-01";
	assert_int_equal(sig_sign(&m.req, TEST_AK, TEST_SK, &auth),
	    WJ_ERR_INVALID);
	m.h[1].value = TEST_DATE;
	/* Repeated names, bad names, bad values. */
	mini_add(&m, "HOST", "x");
	assert_int_equal(sig_sign(&m.req, TEST_AK, TEST_SK, &auth),
	    WJ_ERR_INVALID);
	m.h[2].name = "Bad Name";
	assert_int_equal(sig_sign(&m.req, TEST_AK, TEST_SK, &auth),
	    WJ_ERR_INVALID);
	m.h[2].name = "X-Ok";
	m.h[2].value = "a\r\nb";
	assert_int_equal(sig_sign(&m.req, TEST_AK, TEST_SK, &auth),
	    WJ_ERR_INVALID);
	m.h[2].value = "ok";
	assert_int_equal(sig_sign(&m.req, TEST_AK, TEST_SK, &auth), 0);
	assert_non_null(strstr(auth, "SignedHeaders=host;x-ok;x-sdk-date,"));
	free(auth);
}

/* ---- X-Sdk-Date (the parser itself: tests/unit/util/test_time.c) ---- */

static void
test_date_parse_and_format(void **state)
{
	char out[17];
	int64_t ms;

	(void)state;
	assert_int_equal(sig_parse_date("20250101T080910Z", &ms), 0);
	assert_int_equal(ms, INT64_C(1735718950000));
	sig_format_date(ms + 999, out);
	assert_string_equal(out, "20250101T080910Z");
	ms = 42;
	assert_int_equal(sig_parse_date("20250229T000000Z", &ms),
	    WJ_ERR_INVALID);
	assert_int_equal(ms, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_loaded),
		cmocka_unit_test(test_vectors_canonical_request),
		cmocka_unit_test(test_vectors_string_to_sign),
		cmocka_unit_test(test_vectors_verify),
		cmocka_unit_test(test_vectors_wrong_key),
		cmocka_unit_test(test_vectors_tamper_method),
		cmocka_unit_test(test_vectors_tamper_path),
		cmocka_unit_test(test_vectors_tamper_query),
		cmocka_unit_test(test_vectors_tamper_headers),
		cmocka_unit_test(test_vectors_tamper_body),
		cmocka_unit_test(test_vectors_tamper_date),
		cmocka_unit_test(test_vectors_tamper_signature),
		cmocka_unit_test(test_vectors_sign),
		cmocka_unit_test(test_parse_authorization_ok),
		cmocka_unit_test(test_parse_authorization_missing),
		cmocka_unit_test(test_parse_authorization_algorithm),
		cmocka_unit_test(test_parse_authorization_malformed),
		cmocka_unit_test(test_uri_encode),
		cmocka_unit_test(test_uri_decode),
		cmocka_unit_test(test_canonical_uri_decode),
		cmocka_unit_test(test_canonical_uri_raw),
		cmocka_unit_test(test_canonical_query),
		cmocka_unit_test(test_canonical_method),
		cmocka_unit_test(test_canonical_headers_trim),
		cmocka_unit_test(test_canonical_headers_lookup),
		cmocka_unit_test(test_canonical_headers_bounds),
		cmocka_unit_test(test_payload_hash),
		cmocka_unit_test(test_verify_requires_host_and_date),
		cmocka_unit_test(test_verify_bad_inputs),
		cmocka_unit_test(test_verify_empty_body_variants),
		cmocka_unit_test(test_verify_raw_uri_fallback),
		cmocka_unit_test(test_sign_roundtrip),
		cmocka_unit_test(
		    test_verify_unsigned_payload_marker_with_whitespace),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_verify_declared_body_hash_binds_body),
		cmocka_unit_test(test_date_parse_and_format),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
