/*
 * test_util.c - buffers and the JSON writer, number and UTF-8 checks,
 * IDs, deadlines, sealing and base64url (time: test_time.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/buf.h"
#include "util/crypto.h"
#include "util/util.h"

static void
test_jw_commas_and_escapes(void **s)
{
	struct buf b;
	struct jw w;

	(void)s;
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "a", "x\"y\\\n\x01");
	jw_kv_str(&w, "omitted", NULL);
	jw_kv_int(&w, "n", -42);
	jw_key(&w, "arr");
	jw_arr_open(&w);
	jw_int(&w, 1);
	jw_str(&w, "two");
	jw_obj_open(&w);
	jw_obj_close(&w);
	jw_arr_close(&w);
	jw_key(&w, "raw");
	jw_raw(&w, "{\"k\":true}");
	jw_obj_close(&w);
	assert_false(b.failed);
	assert_string_equal(b.data, "{\"a\":\"x\\\"y\\\\\\n\\u0001\",\"n\":-42,"
	    "\"arr\":[1,\"two\",{}],\"raw\":{\"k\":true}}");
	buf_free(&b);
}

static void
test_buf_limit_is_sticky(void **s)
{
	struct buf b;

	(void)s;
	buf_init(&b);
	assert_int_equal(buf_reserve(&b, BUF_MAX + 1), WJ_ERR_NOMEM);
	assert_true(b.failed);
	assert_int_equal(buf_puts(&b, "x"), WJ_ERR_NOMEM);
	buf_free(&b);
}

static void
test_parse_int_bounds(void **s)
{
	int64_t v;

	(void)s;
	assert_int_equal(wj_parse_int("0", 0, 1000, &v), 0);
	assert_int_equal(wj_parse_int("1000", 0, 1000, &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(wj_parse_int("1001", 0, 1000, &v), WJ_ERR_INVALID);
	assert_int_equal(wj_parse_int("-1", 0, 1000, &v), WJ_ERR_INVALID);
	assert_int_equal(wj_parse_int("+1", 0, 1000, &v), WJ_ERR_INVALID);
	assert_int_equal(wj_parse_int("1 ", 0, 1000, &v), WJ_ERR_INVALID);
	assert_int_equal(wj_parse_int("", 0, 1000, &v), WJ_ERR_INVALID);
	assert_int_equal(wj_parse_int("1e3", 0, 1000, &v), WJ_ERR_INVALID);
	assert_int_equal(wj_parse_int("99999999999999999999", 0, INT64_MAX,
	    &v), WJ_ERR_INVALID);
	assert_int_equal(wj_parse_int("-5", -10, 10, &v), 0);
	assert_int_equal(v, -5);
}

static void
test_utf8(void **s)
{
	(void)s;
	assert_true(wj_utf8_clean("abc\xc3\xa9\xe4\xb8\xad", 8));
	assert_false(wj_utf8_clean("a\x01", 2));
	assert_false(wj_utf8_clean("a\x7f", 2));
	assert_false(wj_utf8_clean("\xc0\xaf", 2));	/* overlong '/' */
	assert_false(wj_utf8_clean("\xed\xa0\x80", 3));	/* surrogate */
	assert_false(wj_utf8_clean("\xe4\xb8", 2));	/* truncated */
	assert_false(wj_utf8_clean("\xff", 1));
	assert_int_equal(wj_utf8_len("\xc3\xa9x", 3), 2);
}

/* Regression (35-hostile): a detail truncated at WJ_DETAIL_MAX could end
 * inside a UTF-8 sequence, making the error body invalid UTF-8. */
static void
test_errinfo_truncates_on_a_character(void **s)
{
	struct wj_errinfo ei;
	char big[3 * WJ_DETAIL_MAX];
	size_t i, n;
	int off;

	(void)s;
	for (off = 0; off < 4; off++) {
		/* off ASCII bytes, then 3-byte characters: every cut point */
		memset(big, 'a', (size_t)off);
		for (i = (size_t)off; i + 3 < sizeof(big); i += 3)
			memcpy(big + i, "\xe2\x82\xac", 3);
		big[i] = '\0';
		wj_errinfo_set(&ei, "%s", big);
		n = strlen(ei.detail);
		assert_true(n <= WJ_DETAIL_MAX);
		assert_true(n >= WJ_DETAIL_MAX - 3);
		assert_true(wj_utf8_clean(ei.detail, n));
		wj_errinfo_set(&ei, "x");
		wj_errinfo_append(&ei, "%s", big);
		assert_true(wj_utf8_clean(ei.detail, strlen(ei.detail)));
	}
	/* Four-byte characters too. */
	for (i = 0; i + 4 < sizeof(big); i += 4)
		memcpy(big + i, "\xf0\x9f\x98\x80", 4);
	big[i] = '\0';
	wj_errinfo_set(&ei, "ab%s", big);
	assert_true(wj_utf8_clean(ei.detail, strlen(ei.detail)));
	/* Untruncated text is untouched. */
	wj_errinfo_set(&ei, "caf\xc3\xa9");
	assert_string_equal(ei.detail, "caf\xc3\xa9");
}

/* A detail that quotes bad input stays UTF-8 (found by fuzz/api_body:
 * jansson's message for {"h\<U+074C>50} cuts the character in two). */
static void
test_errinfo_scrubs_invalid_utf8(void **s)
{
	struct wj_errinfo ei;

	(void)s;
	wj_errinfo_set(&ei, "not valid JSON: %s",
	    "invalid escape near '\"h\\\xdd'");
	assert_string_equal(ei.detail,
	    "not valid JSON: invalid escape near '\"h\\?'");
	wj_errinfo_set(&ei, "ok \xc3\xa9");
	wj_errinfo_append(&ei, "; %s", "bad \xff\xfe \xed\xa0\x80 \xc0\xaf "
	    "\xf4\x90\x80\x80 \xe2\x82 end \xf0\x9f\x98\x80");
	assert_string_equal(ei.detail, "ok \xc3\xa9; bad ?? ??? ?? ???? ?? end "
	    "\xf0\x9f\x98\x80");
	assert_true(wj_utf8_clean(ei.detail, strlen(ei.detail)));
}

static void
test_ids_are_time_ordered_hex(void **s)
{
	char a[WJ_ID_LEN + 1], b[WJ_ID_LEN + 1];
	int i;

	(void)s;
	assert_int_equal(wj_id_new(a), 0);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(wj_id_new(b), 0);
		assert_int_equal(strlen(b), WJ_ID_LEN);
		assert_true(strspn(b, "0123456789abcdef") == WJ_ID_LEN);
		assert_true(strcmp(a, b) < 0);
		assert_int_equal(b[12], '7');	/* version 7 */
		memcpy(a, b, sizeof(a));
	}
}

/* A deadline is now + us on the wall clock, its nanoseconds normalised,
 * whatever the carry. */
static void
test_deadline(void **s)
{
	static const int64_t us[] = { 0, 1, 999999, 1000000, 1999999,
	    2500000, 3600000000LL };
	struct timespec d;
	int64_t before, after, at;
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(us) / sizeof(us[0]); i++) {
		before = wj_now_ms() * 1000;
		d = wj_deadline_us(us[i]);
		after = (wj_now_ms() + 1) * 1000;
		assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
		at = (int64_t)d.tv_sec * 1000000 + d.tv_nsec / 1000;
		assert_true(at >= before + us[i]);
		assert_true(at <= after + us[i]);
	}
}

static void
test_seal_open_and_tamper(void **s)
{
	struct wj_master_key mk = { .id = 1, .key = { 0 } },
	    other = { .id = 1, .key = { 1 } };
	uint8_t *c, *p;
	size_t cl, pl;

	(void)s;
	assert_int_equal(wj_seal(&mk, "ak", 2, "secret", 6, &c, &cl), 0);
	assert_int_equal(cl, 6 + WJ_SEAL_OVERHEAD);
	assert_int_equal(wj_open(&mk, "ak", 2, c, cl, &p, &pl), 0);
	assert_int_equal(pl, 6);
	assert_memory_equal(p, "secret", 6);
	free(p);
	assert_int_equal(wj_open(&mk, "ax", 2, c, cl, &p, &pl),
	    WJ_ERR_CRYPTO);			/* other aad */
	assert_int_equal(wj_open(&other, "ak", 2, c, cl, &p, &pl),
	    WJ_ERR_CRYPTO);			/* other key */
	c[cl - 1] ^= 1;
	assert_int_equal(wj_open(&mk, "ak", 2, c, cl, &p, &pl),
	    WJ_ERR_CRYPTO);			/* tampered tag */
	assert_int_equal(wj_open(&mk, "ak", 2, c, 5, &p, &pl),
	    WJ_ERR_CRYPTO);			/* truncated */
	free(c);
}

/* A rotated keyring seals under the new key id and opens what the old
 * key sealed; its files load back the same; a ring without the old key
 * opens nothing of it. */
static void
test_keyring_rotate(void **s)
{
	struct wj_master_key mk, back;
	char dir[] = "/tmp/wj-keyring-XXXXXX", key[64], old[64];
	uint8_t *c, *c2, *p;
	size_t cl, cl2, pl;

	(void)s;
	assert_non_null(mkdtemp(dir));
	snprintf(key, sizeof(key), "%s/k", dir);
	snprintf(old, sizeof(old), "%s/k.old", dir);
	assert_int_equal(wj_master_key_create(key, &mk), 0);
	assert_int_equal(wj_seal(&mk, "a", 1, "sk", 2, &c, &cl), 0);
	assert_int_equal(wj_sealed_key_id(c, cl), 1);
	assert_int_equal(wj_master_key_rotate(&mk), 0);
	assert_int_equal(mk.id, 2);
	assert_int_equal(mk.n_old, 1);
	assert_int_equal(wj_master_key_save(key, &mk), 0);
	assert_int_equal(wj_master_key_save_old(old, &mk), 0);
	assert_int_equal(wj_master_key_load(key, &back), 0);
	assert_int_equal(back.id, 2);
	assert_int_equal(wj_open(&back, "a", 1, c, cl, &p, &pl),
	    WJ_ERR_CRYPTO);			/* retired key not loaded */
	assert_int_equal(wj_master_key_load_old(old, &back), 0);
	assert_int_equal(back.n_old, 1);
	assert_int_equal(wj_open(&back, "a", 1, c, cl, &p, &pl), 0);
	assert_memory_equal(p, "sk", 2);
	free(p);
	assert_int_equal(wj_seal(&back, "a", 1, "sk", 2, &c2, &cl2), 0);
	assert_int_equal(wj_sealed_key_id(c2, cl2), 2);
	free(c);
	free(c2);
	assert_int_equal(unlink(key), 0);
	assert_int_equal(unlink(old), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_b64url_roundtrip(void **s)
{
	const char *in = "\x00\xff\xfe hello";
	uint8_t *d;
	size_t n, len;
	char *e;

	(void)s;
	for (len = 0; len <= 9; len++) {
		assert_int_equal(wj_b64url_encode(in, len, &e), 0);
		assert_null(strpbrk(e, "+/="));
		assert_int_equal(wj_b64url_decode(e, strlen(e), &d, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(d, in, len);
		free(d);
		free(e);
	}
	assert_int_equal(wj_b64url_decode("ab*d", 4, &d, &n), WJ_ERR_INVALID);
	assert_int_equal(wj_b64url_decode("abcde", 5, &d, &n), WJ_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jw_commas_and_escapes),
		cmocka_unit_test(test_buf_limit_is_sticky),
		cmocka_unit_test(test_parse_int_bounds),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_errinfo_truncates_on_a_character),
		cmocka_unit_test(test_errinfo_scrubs_invalid_utf8),
		cmocka_unit_test(test_ids_are_time_ordered_hex),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_seal_open_and_tamper),
		cmocka_unit_test(test_keyring_rotate),
		cmocka_unit_test(test_b64url_roundtrip),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
