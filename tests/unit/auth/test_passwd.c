/*
 * test_passwd.c - argon2id password hashes: format, verification, the
 * password rule at min, max and max + 1, and refusal of foreign hashes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/passwd.h"

static void
test_hash_verify(void **state)
{
	char h1[PASSWD_HASH_MAX + 1], h2[PASSWD_HASH_MAX + 1];

	(void)state;
	assert_int_equal(passwd_hash("Passw0rd-one", h1), 0);
	assert_true(strncmp(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
	assert_int_equal(passwd_verify(h1, "Passw0rd-one"), 0);
	assert_int_equal(passwd_verify(h1, "Passw0rd-onE"), WJ_ERR_AUTH);
	assert_int_equal(passwd_verify(h1, ""), WJ_ERR_AUTH);
	/* A fresh salt each time. */
	assert_int_equal(passwd_hash("Passw0rd-one", h2), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(passwd_verify(h2, "Passw0rd-one"), 0);
}

static void
test_rule(void **state)
{
	char pw[PASSWD_MAX + 2], h[PASSWD_HASH_MAX + 1];
	struct wj_errinfo ei;

	(void)state;
	memset(pw, 'a', sizeof(pw));
	pw[PASSWD_MIN - 1] = '\0';
	assert_int_equal(passwd_check(pw, &ei), WJ_ERR_INVALID);
	assert_non_null(strstr(ei.detail, "8..128"));
	pw[PASSWD_MIN - 1] = 'a';
	pw[PASSWD_MIN] = '\0';
	assert_int_equal(passwd_check(pw, NULL), 0);
	memset(pw, 'a', sizeof(pw));
	pw[PASSWD_MAX] = '\0';
	assert_int_equal(passwd_check(pw, NULL), 0);
	assert_int_equal(passwd_hash(pw, h), 0);
	assert_int_equal(passwd_verify(h, pw), 0);
	pw[PASSWD_MAX] = 'a';
	pw[PASSWD_MAX + 1] = '\0';
	assert_int_equal(passwd_check(pw, NULL), WJ_ERR_INVALID);
	assert_int_equal(passwd_hash(pw, h), WJ_ERR_INVALID);
	assert_string_equal(h, "");
	assert_int_equal(passwd_check("tab\there-x", NULL), WJ_ERR_INVALID);
	assert_int_equal(passwd_check("pässwörd-ü", NULL), 0);
	assert_int_equal(passwd_check(NULL, NULL), WJ_ERR_INVALID);
}

static void
test_foreign_hashes(void **state)
{
	(void)state;
	assert_int_equal(passwd_verify("", "whatever-1"), WJ_ERR_AUTH);
	assert_int_equal(passwd_verify(NULL, "whatever-1"), WJ_ERR_AUTH);
	assert_int_equal(passwd_verify("$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ"
	    "$aGFzaGhhc2hoYXNoaGFzaA", "whatever-1"), WJ_ERR_AUTH);
	assert_int_equal(passwd_verify("$argon2id$garbage", "whatever-1"),
	    WJ_ERR_AUTH);
	assert_int_equal(passwd_verify_dummy("x"), WJ_ERR_AUTH);
	assert_int_equal(passwd_verify_dummy(NULL), WJ_ERR_AUTH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_verify),
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_foreign_hashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
