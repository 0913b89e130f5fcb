/*
 * test_authn.c - who is calling (auth/authn.c) over a real store: an
 * AK/SK signature or a token becomes a principal; both or neither, a bad
 * signature, a date outside the skew, an unknown or disabled key, and an
 * expired or revoked token are refused; an AK locks after repeated
 * failures and opens again when the lock runs out; a principal acts only
 * in its own account's projects (a token only in its scope).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth_world.h"
#include "auth/sig.h"
#include "auth/token.h"

#define SKEW_MS		(15 * 60 * 1000)
#define MINUTE_MS	(60 * 1000)

/* A signed GET as a client sends it, at a time of the test's choosing. */
struct signed_req {
	struct sig_header  h[2];
	struct sig_request req;
	char		   date[17];
	char		  *authz;
};

static void
sign_at(struct signed_req *s, const char *ak, const char *sk, int64_t ms)
{
	memset(s, 0, sizeof(*s));
	sig_format_date(ms, s->date);
	s->h[0].name = "Host";
	s->h[0].value = "wksjobs.test";
	s->h[1].name = "X-Sdk-Date";
	s->h[1].value = s->date;
	s->req.method = "GET";
	s->req.path = "/v2/p/workspace-jobs";
	s->req.query = "limit=10";
	s->req.headers = s->h;
	s->req.n_headers = 2;
	assert_int_equal(sig_sign(&s->req, ak, sk, &s->authz), 0);
}

static void
signed_free(struct signed_req *s)
{
	free(s->authz);
	s->authz = NULL;
}

/* What every case works with: the world, the authenticator, a clock. */
struct tc {
	struct world	   *w;
	struct authn	    a;
	int64_t		    now;
	struct principal    p;
	struct wj_errinfo   ei;
};

static void
begin(struct tc *t, void **state, struct guard *g)
{
	memset(t, 0, sizeof(*t));
	t->w = *state;
	t->a.store = t->w->s.st;
	t->a.mk = &t->w->mk;
	t->a.skew_ms = SKEW_MS;
	t->a.guard = g;
	t->now = wj_now_ms();
}

/* begin, with s a request of the root user's key signed at t->now. */
static void
begin_root(struct tc *t, struct signed_req *s, void **state)
{
	begin(t, state, NULL);
	sign_at(s, WORLD_ROOT_AK, WORLD_ROOT_SK, t->now);
}

/* The request s, checked at now_ms: its result, the reason in t->ei. */
static int
check(struct tc *t, const struct signed_req *s, int64_t now_ms)
{
	memset(&t->ei, 0, sizeof(t->ei));
	return authn_request(&t->a, &s->req, s->authz, NULL, s->date, now_ms,
	    &t->p, &t->ei);
}

/* The token text opened and checked at t->now. */
static int
open_token(struct tc *t, const char *text)
{
	memset(&t->ei, 0, sizeof(t->ei));
	return authn_token(&t->a, text, t->now, NULL, &t->p, &t->ei);
}

static char *
token_for(struct world *w, const struct store_user *u,
    const struct store_project *scope, int64_t issued_ms, int64_t ttl_ms)
{
	struct token t;
	char *text = NULL;

	memset(&t, 0, sizeof(t));
	strcpy(t.user_id, u->id);
	strcpy(t.user_name, u->name);
	strcpy(t.domain_id, u->domain_id);
	strcpy(t.domain_name, w->s.d.name);
	if (scope != NULL) {
		strcpy(t.project_id, scope->id);
		strcpy(t.project_name, scope->name);
	}
	t.issued_ms = issued_ms;
	t.expires_ms = issued_ms + ttl_ms;
	assert_int_equal(token_seal(&w->mk, &t, &text), 0);
	return text;
}

static void
test_aksk_gives_the_key_owner(void **state)
{
	struct tc t;
	struct signed_req s;

	begin_root(&t, &s, state);
	assert_int_equal(check(&t, &s, t.now), 0);
	assert_string_equal(t.p.user_id, t.w->s.u.id);
	assert_string_equal(t.p.domain_id, t.w->s.d.id);
	assert_string_equal(t.p.access_key, WORLD_ROOT_AK);
	assert_true(t.p.is_root);
	assert_false(t.p.via_token);
	signed_free(&s);

	sign_at(&s, WORLD_ALICE_AK, WORLD_ALICE_SK, t.now);
	assert_int_equal(check(&t, &s, t.now), 0);
	assert_string_equal(t.p.user_name, "alice");
	assert_false(t.p.is_root);
	signed_free(&s);
}

static void
test_token_gives_its_user(void **state)
{
	struct tc t;
	char *tok;

	begin(&t, state, NULL);
	tok = token_for(t.w, &t.w->alice, &t.w->s.p, t.now, MINUTE_MS);
	assert_int_equal(authn_request(&t.a, NULL, NULL, tok, NULL, t.now,
	    &t.p, &t.ei), 0);
	assert_string_equal(t.p.user_id, t.w->alice.id);
	assert_string_equal(t.p.token_project_id, t.w->s.p.id);
	assert_true(t.p.via_token);
	assert_string_equal(t.p.access_key, "");
	free(tok);
}

static void
test_both_or_neither_credential(void **state)
{
	struct tc t;
	struct signed_req s;
	char *tok;

	begin_root(&t, &s, state);
	tok = token_for(t.w, &t.w->s.u, NULL, t.now, MINUTE_MS);
	memset(&t.ei, 0, sizeof(t.ei));
	assert_int_equal(authn_request(&t.a, &s.req, s.authz, tok, s.date,
	    t.now, &t.p, &t.ei), WJ_ERR_AUTH);
	assert_non_null(strstr(t.ei.detail, "both"));
	memset(&t.ei, 0, sizeof(t.ei));
	assert_int_equal(authn_request(&t.a, &s.req, NULL, NULL, s.date, t.now,
	    &t.p, &t.ei), WJ_ERR_AUTH);
	assert_string_equal(t.ei.detail, "x-auth-token not found");
	assert_string_equal(t.p.user_id, "");
	free(tok);
	signed_free(&s);
}

static void
test_bad_signature_and_unknown_keys(void **state)
{
	struct tc t;
	struct signed_req s;
	char *sig;

	begin_root(&t, &s, state);
	/* One hex digit of the signature changed. */
	sig = strstr(s.authz, "Signature=") + strlen("Signature=");
	*sig = *sig == '0' ? '1' : '0';
	assert_int_equal(check(&t, &s, t.now), WJ_ERR_AUTH);
	assert_string_equal(t.ei.detail, "verify aksk signature fail");
	signed_free(&s);
	/* The right AK with another secret. */
	sign_at(&s, WORLD_ROOT_AK, WORLD_ALICE_SK, t.now);
	assert_int_equal(check(&t, &s, t.now), WJ_ERR_AUTH);
	signed_free(&s);
	/* An AK nobody has, and a garbled header. */
	sign_at(&s, "AKNOBODY", WORLD_ROOT_SK, t.now);
	assert_int_equal(check(&t, &s, t.now), WJ_ERR_AUTH);
	assert_string_equal(t.ei.detail, "Get secretKey failed");
	free(s.authz);
	s.authz = strdup("SDK-HMAC-SHA256 Access=");
	assert_int_equal(check(&t, &s, t.now), WJ_ERR_AUTH);
	signed_free(&s);
}

static void
test_disabled_key_or_user(void **state)
{
	struct tc t;
	struct signed_req s;

	begin(&t, state, NULL);
	sign_at(&s, WORLD_ALICE_AK, WORLD_ALICE_SK, t.now);
	assert_int_equal(store_key_set_enabled(t.w->s.st, WORLD_ALICE_AK, 0),
	    0);
	assert_int_equal(check(&t, &s, t.now), WJ_ERR_AUTH);
	assert_string_equal(t.ei.detail, "Get secretKey failed");
	assert_int_equal(store_key_set_enabled(t.w->s.st, WORLD_ALICE_AK, 1),
	    0);
	keycache_clear();
	assert_int_equal(check(&t, &s, t.now), 0);
	assert_int_equal(store_user_set_enabled(t.w->s.st, t.w->alice.id, 0),
	    0);
	keycache_clear();
	assert_int_equal(check(&t, &s, t.now), WJ_ERR_AUTH);
	signed_free(&s);
}

/* X-Sdk-Date within the skew either way, to the millisecond. */
static void
test_date_skew(void **state)
{
	struct tc t;
	int64_t at = wj_now_ms() / 1000 * 1000;
	struct signed_req s;

	begin(&t, state, NULL);
	sign_at(&s, WORLD_ROOT_AK, WORLD_ROOT_SK, at);
	assert_int_equal(check(&t, &s, at + SKEW_MS), 0);
	assert_int_equal(check(&t, &s, at - SKEW_MS), 0);
	assert_int_equal(check(&t, &s, at + SKEW_MS + 1), WJ_ERR_AUTH);
	assert_non_null(strstr(t.ei.detail, "signature expired"));
	assert_int_equal(check(&t, &s, at - SKEW_MS - 1), WJ_ERR_AUTH);
	/* The date is part of the request: a missing one is refused. */
	memset(&t.ei, 0, sizeof(t.ei));
	assert_int_equal(authn_request(&t.a, &s.req, s.authz, NULL, NULL, at,
	    &t.p, &t.ei), WJ_ERR_AUTH);
	assert_non_null(strstr(t.ei.detail, "X-Sdk-Date"));
	assert_int_equal(authn_request(&t.a, &s.req, s.authz, NULL,
	    "20250230T000000Z", at, &t.p, &t.ei), WJ_ERR_AUTH);
	signed_free(&s);
}

/*
 * After the threshold of consecutive failures the AK is refused even
 * with a right signature, until the lock runs out; a success in between
 * starts the count again.
 */
static void
test_lockout(void **state)
{
	struct tc t;
	struct guard_opts go = { 3, 10 * MINUTE_MS, 0 };
	struct signed_req good, bad;
	struct guard *g;
	int i;

	assert_int_equal(guard_new(&go, &g), 0);
	begin(&t, state, g);
	sign_at(&good, WORLD_ROOT_AK, WORLD_ROOT_SK, t.now);
	sign_at(&bad, WORLD_ROOT_AK, WORLD_ALICE_SK, t.now);
	for (i = 0; i < 2; i++)
		assert_int_equal(check(&t, &bad, t.now), WJ_ERR_AUTH);
	assert_int_equal(check(&t, &good, t.now), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(check(&t, &bad, t.now), WJ_ERR_AUTH);
	assert_int_equal(check(&t, &good, t.now), 0);
	/* A date out of the skew counts as a failure too. */
	for (i = 0; i < 2; i++)
		assert_int_equal(check(&t, &bad, t.now), WJ_ERR_AUTH);
	signed_free(&bad);
	sign_at(&bad, WORLD_ROOT_AK, WORLD_ROOT_SK, t.now - SKEW_MS - 1000);
	assert_int_equal(check(&t, &bad, t.now), WJ_ERR_AUTH);
	assert_int_equal(check(&t, &good, t.now), WJ_ERR_AUTH);
	assert_non_null(strstr(t.ei.detail, "reach the limit"));
	/* Another AK is not affected. */
	signed_free(&bad);
	sign_at(&bad, WORLD_ALICE_AK, WORLD_ALICE_SK, t.now);
	assert_int_equal(check(&t, &bad, t.now), 0);
	/* The lock runs out (the date checked against the later clock). */
	signed_free(&good);
	sign_at(&good, WORLD_ROOT_AK, WORLD_ROOT_SK, t.now + 10 * MINUTE_MS);
	assert_int_equal(check(&t, &good, t.now + 10 * MINUTE_MS - 1),
	    WJ_ERR_AUTH);
	assert_int_equal(check(&t, &good, t.now + 10 * MINUTE_MS), 0);
	signed_free(&good);
	signed_free(&bad);
	guard_free(g);
}

static void
test_token_refusals(void **state)
{
	struct tc t;
	char *tok;

	begin(&t, state, NULL);
	/* Expired. */
	tok = token_for(t.w, &t.w->alice, NULL, t.now - 2 * MINUTE_MS,
	    MINUTE_MS);
	assert_int_equal(open_token(&t, tok),
	    WJ_ERR_TOKEN_EXPIRED);
	free(tok);
	/* Not a token at all. */
	memset(&t.ei, 0, sizeof(t.ei));
	assert_int_equal(open_token(&t, "WJT1.garbage"),
	    WJ_ERR_AUTH);
	assert_string_equal(t.ei.detail, "decrypt token fail");
	/* Issued before the user's tokens were revoked. */
	tok = token_for(t.w, &t.w->alice, NULL, t.now - MINUTE_MS,
	    2 * MINUTE_MS);
	assert_int_equal(open_token(&t, tok), 0);
	assert_int_equal(store_user_set_enabled(t.w->s.st, t.w->alice.id, 0),
	    0);
	assert_int_equal(open_token(&t, tok),
	    WJ_ERR_TOKEN_EXPIRED);
	assert_int_equal(store_user_set_enabled(t.w->s.st, t.w->alice.id, 1),
	    0);
	assert_int_equal(open_token(&t, tok),
	    WJ_ERR_TOKEN_EXPIRED);
	free(tok);
}

static void
test_project_scope(void **state)
{
	struct tc t;
	struct signed_req s;
	char *tok;

	begin_root(&t, &s, state);
	assert_int_equal(check(&t, &s, t.now), 0);
	assert_int_equal(authn_project(&t.a, &t.p, t.w->s.p.id), 0);
	assert_int_equal(authn_project(&t.a, &t.p, t.w->p2.id), 0);
	assert_int_equal(authn_project(&t.a, &t.p, t.w->other_p.id),
	    WJ_ERR_PROJECT);
	assert_int_equal(authn_project(&t.a, &t.p,
	    "0123456789abcdef0123456789abcdef"), WJ_ERR_PROJECT);
	signed_free(&s);
	/* A token acts in its own project only, a domain token in none. */
	tok = token_for(t.w, &t.w->s.u, &t.w->s.p, t.now, MINUTE_MS);
	assert_int_equal(open_token(&t, tok), 0);
	assert_int_equal(authn_project(&t.a, &t.p, t.w->s.p.id), 0);
	assert_int_equal(authn_project(&t.a, &t.p, t.w->p2.id), WJ_ERR_PROJECT);
	free(tok);
	tok = token_for(t.w, &t.w->s.u, NULL, t.now, MINUTE_MS);
	assert_int_equal(open_token(&t, tok), 0);
	assert_int_equal(authn_project(&t.a, &t.p, t.w->s.p.id),
	    WJ_ERR_PROJECT);
	free(tok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		WORLD_TEST(test_aksk_gives_the_key_owner),
		WORLD_TEST(test_token_gives_its_user),
		WORLD_TEST(test_both_or_neither_credential),
		WORLD_TEST(test_bad_signature_and_unknown_keys),
		WORLD_TEST(test_disabled_key_or_user),
		WORLD_TEST(test_date_skew),
		WORLD_TEST(test_lockout),
		WORLD_TEST(test_token_refusals),
		WORLD_TEST(test_project_scope),
	};

	return WORLD_RUN(tests);
}
