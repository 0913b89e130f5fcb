/*
 * test_token.c - the sealed token and authorization-message codecs:
 * round trips, expiry, tampering anywhere, wrong keys and key ids, the
 * purpose and account bindings, malformed texts and field bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "auth/token.h"

#define NOW 1767225600000LL	/* 2026-01-01T00:00:00Z */

static struct wj_master_key key1 = { .id = 1, .key = { 1, 2, 3, 4, 5, 6, 7, 8 } };
static struct wj_master_key key2 = { .id = 1, .key = { 9, 9, 9, 9 } };
static struct wj_master_key key1_id2 = { .id = 2, .key = { 1, 2, 3, 4, 5, 6, 7, 8 } };

static void
sample(struct token *t)
{
	memset(t, 0, sizeof(*t));
	strcpy(t->user_id, "0190a1b2c3d4e5f60718293a4b5c6d7e");
	strcpy(t->user_name, "alice");
	strcpy(t->domain_id, "0190a1b2c3d4e5f60718293a4b5c6d00");
	strcpy(t->domain_name, "example-account");
	strcpy(t->project_id, "0190a1b2c3d4e5f60718293a4b5c6d11");
	strcpy(t->project_name, "cn-north-4");
	t->issued_ms = NOW;
	t->expires_ms = NOW + 24 * 3600 * 1000LL;
}

static void
test_token_roundtrip(void **state)
{
	struct token t, got;
	char *text;

	(void)state;
	sample(&t);
	assert_int_equal(token_seal(&key1, &t, &text), 0);
	assert_true(strncmp(text, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) == 0);
	assert_true(strlen(text) < TOKEN_TEXT_MAX);
	assert_int_equal(token_open(&key1, text, NOW + 1, &got), 0);
	assert_memory_equal(&t, &got, sizeof(t));
	free(text);
	/* A domain-scoped token: no project. */
	t.project_id[0] = t.project_name[0] = '\0';
	assert_int_equal(token_seal(&key1, &t, &text), 0);
	assert_int_equal(token_open(&key1, text, NOW, &got), 0);
	assert_string_equal(got.project_id, "");
	assert_string_equal(got.user_name, "alice");
	free(text);
}

static void
test_token_fresh_each_time(void **state)
{
	struct token t;
	char *a, *b;

	(void)state;
	sample(&t);
	assert_int_equal(token_seal(&key1, &t, &a), 0);
	assert_int_equal(token_seal(&key1, &t, &b), 0);
	/* A fresh nonce: equal content, different texts. */
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

static void
test_token_expiry(void **state)
{
	struct token t, got;
	char *text;

	(void)state;
	sample(&t);
	assert_int_equal(token_seal(&key1, &t, &text), 0);
	assert_int_equal(token_open(&key1, text, t.expires_ms - 1, &got), 0);
	assert_int_equal(token_open(&key1, text, t.expires_ms, &got),
	    WJ_ERR_TOKEN_EXPIRED);
	/* Filled anyway, so the caller can say which user it was. */
	assert_string_equal(got.user_name, "alice");
	assert_int_equal(token_open(&key1, text, t.expires_ms + 3600000,
	    &got), WJ_ERR_TOKEN_EXPIRED);
	free(text);
}

static void
test_token_tamper(void **state)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	struct token t, got;
	char *text;
	size_t i, n, plen = strlen(TOKEN_PREFIX);
	char saved;

	(void)state;
	sample(&t);
	assert_int_equal(token_seal(&key1, &t, &text), 0);
	n = strlen(text);
	/* Every character after the prefix, changed, breaks it. */
	for (i = plen; i < n; i++) {
		saved = text[i];
		text[i] = saved == 'A' ? 'B' : 'A';
		/* The last character may carry unused bits: skip no-ops. */
		if (i == n - 1 && strchr(alphabet, saved) != NULL &&
		    (strchr(alphabet, saved) - alphabet) / 4 ==
		    (strchr(alphabet, text[i]) - alphabet) / 4) {
			text[i] = saved;
			continue;
		}
		assert_int_equal(token_open(&key1, text, NOW, &got),
		    WJ_ERR_INVALID);
		text[i] = saved;
	}
	/* Truncated, extended, or without its prefix. */
	text[n - 4] = '\0';
	assert_int_equal(token_open(&key1, text, NOW, &got), WJ_ERR_INVALID);
	assert_int_equal(token_open(&key1, text + plen, NOW, &got),
	    WJ_ERR_INVALID);
	free(text);
}

static void
test_token_wrong_key(void **state)
{
	struct token t, got;
	char *text;

	(void)state;
	sample(&t);
	assert_int_equal(token_seal(&key1, &t, &text), 0);
	assert_int_equal(token_open(&key2, text, NOW, &got), WJ_ERR_INVALID);
	assert_int_equal(token_open(&key1_id2, text, NOW, &got),
	    WJ_ERR_INVALID);
	assert_int_equal(token_open(&key1, text, NOW, &got), 0);
	free(text);
}

static void
test_token_garbage(void **state)
{
	static const char *bad[] = {
		"", "WJT1.", "WJT1.A", "WJT1.!!!!", "WJT2.AAAA", "MIIEXAMPLE",
		"not-a-token", "WJT1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	char big[TOKEN_TEXT_MAX + 16];
	struct token got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(token_open(&key1, bad[i], NOW, &got),
		    WJ_ERR_INVALID);
	assert_int_equal(token_open(&key1, NULL, NOW, &got), WJ_ERR_INVALID);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, TOKEN_PREFIX, strlen(TOKEN_PREFIX));
	assert_int_equal(token_open(&key1, big, NOW, &got), WJ_ERR_INVALID);
}

static void
test_token_bad_fields(void **state)
{
	struct token t;
	char *text = NULL;

	(void)state;
	sample(&t);
	t.user_name[0] = '\0';
	assert_int_equal(token_seal(&key1, &t, &text), WJ_ERR_INVALID);
	assert_null(text);
	sample(&t);
	t.expires_ms = t.issued_ms;
	assert_int_equal(token_seal(&key1, &t, &text), WJ_ERR_INVALID);
	sample(&t);
	t.project_name[0] = '\0';	/* a project needs its name */
	assert_int_equal(token_seal(&key1, &t, &text), WJ_ERR_INVALID);
	sample(&t);
	t.user_name[0] = '\x01';	/* control characters */
	assert_int_equal(token_seal(&key1, &t, &text), WJ_ERR_INVALID);
	sample(&t);
	memset(t.user_name, 'x', TOKEN_NAME_MAX);
	t.user_name[TOKEN_NAME_MAX] = '\0';	/* max is fine */
	assert_int_equal(token_seal(&key1, &t, &text), 0);
	free(text);
}

/* ---- authorization messages ----------------------------------------------- */

static void
msg_sample(struct authz_msg *m, int explicit_deny)
{
	memset(m, 0, sizeof(*m));
	m->action = "workspace:jobs:retry";
	m->user_id = "0190a1b2c3d4e5f60718293a4b5c6d7e";
	m->user_name = "alice";
	m->domain_id = "0190a1b2c3d4e5f60718293a4b5c6d00";
	m->domain_name = "example-account";
	m->project_id = "0190a1b2c3d4e5f60718293a4b5c6d11";
	m->request_id = "0190a1b2c3d4e5f60718293a4b5c6dff";
	m->source_ip = "127.0.0.1";
	m->time_ms = NOW;
	m->explicit_deny = explicit_deny;
	m->sid = explicit_deny ? "DenyRetry" : "";
	m->policy = explicit_deny ? "no-retry" : "";
}

static json_t *
decode(const char *domain, const char *text, int want)
{
	char *json = NULL;
	json_t *doc;

	assert_int_equal(authz_msg_open(&key1, domain, text, &json), want);
	if (want != 0) {
		assert_null(json);
		return NULL;
	}
	doc = json_loads(json, 0, NULL);
	free(json);
	assert_non_null(doc);
	return doc;
}

static const char *
sget(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
test_msg_roundtrip(void **state)
{
	struct authz_msg m;
	char *text;
	json_t *d;

	(void)state;
	msg_sample(&m, 0);
	assert_int_equal(authz_msg_seal(&key1, &m, &text), 0);
	assert_true(strlen(text) <= AUTHZ_MSG_TEXT_MAX);
	d = decode(m.domain_id, text, 0);
	assert_string_equal(sget(d, "action"), "workspace:jobs:retry");
	assert_string_equal(sget(d, "user"), "alice");
	assert_string_equal(sget(d, "project"), m.project_id);
	assert_string_equal(sget(d, "request_id"), m.request_id);
	assert_string_equal(sget(d, "failure"), AUTHZ_FAILURE_IMPLICIT);
	assert_string_equal(sget(d, "time"), "2026-01-01T00:00:00.000000Z");
	assert_null(json_object_get(d, "sid"));
	json_decref(d);
	free(text);
	msg_sample(&m, 1);
	assert_int_equal(authz_msg_seal(&key1, &m, &text), 0);
	d = decode(m.domain_id, text, 0);
	assert_string_equal(sget(d, "failure"), AUTHZ_FAILURE_EXPLICIT);
	assert_string_equal(sget(d, "sid"), "DenyRetry");
	assert_string_equal(sget(d, "policy"), "no-retry");
	json_decref(d);
	free(text);
	/* No project: the member is left out. */
	m.project_id = NULL;
	assert_int_equal(authz_msg_seal(&key1, &m, &text), 0);
	d = decode(m.domain_id, text, 0);
	assert_null(json_object_get(d, "project"));
	json_decref(d);
	free(text);
}

static void
test_msg_bound_to_account_and_key(void **state)
{
	struct authz_msg m;
	char *text, *json = NULL;

	(void)state;
	msg_sample(&m, 1);
	assert_int_equal(authz_msg_seal(&key1, &m, &text), 0);
	(void)decode("0190a1b2c3d4e5f60718293a4b5c6d01", text, WJ_ERR_DENIED);
	assert_int_equal(authz_msg_open(&key2, m.domain_id, text, &json),
	    WJ_ERR_DENIED);
	assert_null(json);
	/* Tampered: denied, not invalid (it is shaped like a message).
	 * Another base64url character, so the text keeps its shape (a
	 * flipped bit could make one outside the alphabet: flaky). */
	text[strlen(text) / 2] = text[strlen(text) / 2] == 'A' ? 'B' : 'A';
	(void)decode(m.domain_id, text, WJ_ERR_DENIED);
	free(text);
}

static void
test_msg_and_token_do_not_mix(void **state)
{
	struct authz_msg m;
	struct token t, got;
	char *tok, *msg, *swapped;
	size_t tp = strlen(TOKEN_PREFIX), mp = strlen(AUTHZ_MSG_PREFIX);

	(void)state;
	sample(&t);
	msg_sample(&m, 0);
	m.domain_id = t.domain_id;
	assert_int_equal(token_seal(&key1, &t, &tok), 0);
	assert_int_equal(authz_msg_seal(&key1, &m, &msg), 0);
	assert_int_equal(token_open(&key1, msg, NOW, &got), WJ_ERR_INVALID);
	(void)decode(t.domain_id, tok, WJ_ERR_INVALID);
	/* Same key, other prefix: the additional data still differs. */
	assert_non_null(swapped = malloc(strlen(msg) + tp + 1));
	sprintf(swapped, "%s%s", TOKEN_PREFIX, msg + mp);
	assert_int_equal(token_open(&key1, swapped, NOW, &got),
	    WJ_ERR_INVALID);
	free(swapped);
	assert_non_null(swapped = malloc(strlen(tok) + mp + 1));
	sprintf(swapped, "%s%s", AUTHZ_MSG_PREFIX, tok + tp);
	(void)decode(t.domain_id, swapped, WJ_ERR_DENIED);
	free(swapped);
	free(tok);
	free(msg);
}

static void
test_msg_malformed(void **state)
{
	char big[AUTHZ_MSG_TEXT_MAX + 8];
	struct authz_msg m;
	char *text = NULL;

	(void)state;
	(void)decode("d", "", WJ_ERR_INVALID);
	(void)decode("d", "WJA1.", WJ_ERR_INVALID);
	(void)decode("d", "WJA1.@@@@", WJ_ERR_INVALID);
	(void)decode("d", "hello", WJ_ERR_INVALID);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, AUTHZ_MSG_PREFIX, strlen(AUTHZ_MSG_PREFIX));
	(void)decode("d", big, WJ_ERR_INVALID);
	msg_sample(&m, 0);
	m.action = NULL;
	assert_int_equal(authz_msg_seal(&key1, &m, &text), WJ_ERR_INVALID);
	assert_null(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_roundtrip),
		cmocka_unit_test(test_token_fresh_each_time),
		cmocka_unit_test(test_token_expiry),
		cmocka_unit_test(test_token_tamper),
		cmocka_unit_test(test_token_wrong_key),
		cmocka_unit_test(test_token_garbage),
		cmocka_unit_test(test_token_bad_fields),
		cmocka_unit_test(test_msg_roundtrip),
		cmocka_unit_test(test_msg_bound_to_account_and_key),
		cmocka_unit_test(test_msg_and_token_do_not_mix),
		cmocka_unit_test(test_msg_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
