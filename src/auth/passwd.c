/*
 * passwd.c - argon2id password hashes; see passwd.h.
 */
#include <pthread.h>
#include <string.h>

#include <argon2.h>
#include <openssl/crypto.h>

#include "passwd.h"
#include "../util/crypto.h"
#include "../util/util.h"

int
passwd_check(const char *pw, struct wj_errinfo *ei)
{
	size_t n;

	if (pw == NULL) {
		wj_errinfo_set(ei, "a password is required");
		return WJ_ERR_INVALID;
	}
	n = strnlen(pw, PASSWD_MAX + 1);
	if (n < PASSWD_MIN || n > PASSWD_MAX || !wj_utf8_clean(pw, n)) {
		wj_errinfo_set(ei, "a password is %d..%d bytes of text without "
		    "control characters", PASSWD_MIN, PASSWD_MAX);
		return WJ_ERR_INVALID;
	}
	return 0;
}

int
passwd_hash(const char *pw, char out[PASSWD_HASH_MAX + 1])
{
	uint8_t salt[PASSWD_SALT_LEN];
	int r;

	out[0] = '\0';
	if (passwd_check(pw, NULL) != 0)
		return WJ_ERR_INVALID;
	if (argon2_encodedlen(PASSWD_T_COST, PASSWD_M_COST, PASSWD_LANES,
	    PASSWD_SALT_LEN, PASSWD_HASH_LEN, Argon2_id) > PASSWD_HASH_MAX + 1)
		return WJ_ERR_INTERNAL;
	if ((r = wj_random(salt, sizeof(salt))) != 0)
		return r;
	r = argon2id_hash_encoded(PASSWD_T_COST, PASSWD_M_COST, PASSWD_LANES,
	    pw, strlen(pw), salt, sizeof(salt), PASSWD_HASH_LEN, out,
	    PASSWD_HASH_MAX + 1);
	OPENSSL_cleanse(salt, sizeof(salt));
	if (r != ARGON2_OK) {
		out[0] = '\0';
		return r == ARGON2_MEMORY_ALLOCATION_ERROR ? WJ_ERR_NOMEM :
		    WJ_ERR_INTERNAL;
	}
	return 0;
}

int
passwd_verify(const char *hash, const char *pw)
{
	size_t n;

	if (hash == NULL || pw == NULL ||
	    strncmp(hash, "$argon2id$", 10) != 0)
		return WJ_ERR_AUTH;
	n = strnlen(pw, PASSWD_MAX + 1);
	if (n > PASSWD_MAX)
		return WJ_ERR_AUTH;
	/* libargon2 compares the tags in constant time. */
	return argon2id_verify(hash, pw, n) == ARGON2_OK ? 0 : WJ_ERR_AUTH;
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[PASSWD_HASH_MAX + 1];

static void
dummy_init(void)
{
	if (passwd_hash("wksjobs-dummy-password", dummy_hash) != 0)
		dummy_hash[0] = '\0';
}

int
passwd_verify_dummy(const char *pw)
{
	(void)pthread_once(&dummy_once, dummy_init);
	if (dummy_hash[0] != '\0' &&
	    passwd_verify(dummy_hash, pw != NULL ? pw : "") == 0)
		return WJ_ERR_AUTH;	/* same answer either way */
	return WJ_ERR_AUTH;
}
