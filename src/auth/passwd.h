/*
 * passwd.h - IAM user passwords: argon2id hashes in the PHC string
 * format (docs/ARCHITECTURE.md#security), and the rule a new password
 * must follow.  Leaves lockout and storage to the caller.
 */
#ifndef WJ_PASSWD_H
#define WJ_PASSWD_H

#include <stddef.h>

#include "../util/err.h"

#define PASSWD_MIN	8	/* bytes */
#define PASSWD_MAX	128
#define PASSWD_HASH_MAX	255	/* = STORE_PASSWORD_HASH_MAX */

/* argon2id parameters (OWASP 2023: m = 19 MiB, t = 2, p = 1). */
#define PASSWD_T_COST	2
#define PASSWD_M_COST	19456	/* KiB */
#define PASSWD_LANES	1
#define PASSWD_SALT_LEN	16
#define PASSWD_HASH_LEN	32

/*
 * WJ_ERR_INVALID (reason in ei) unless pw is PASSWD_MIN..PASSWD_MAX bytes
 * of valid UTF-8 text without control characters.
 */
int	passwd_check(const char *pw, struct wj_errinfo *ei) WJ_WUR;

/* Hash pw with a fresh salt into out (PASSWD_HASH_MAX + 1 bytes). */
int	passwd_hash(const char *pw, char out[PASSWD_HASH_MAX + 1]) WJ_WUR;

/*
 * 0 when pw matches the encoded hash, WJ_ERR_AUTH when it does not or the
 * hash is not an argon2id one (the comparison is constant-time).
 */
int	passwd_verify(const char *hash, const char *pw) WJ_WUR;

/*
 * Spend the time of one verification without a user (so that an unknown
 * name takes as long as a wrong password).  Always WJ_ERR_AUTH.
 */
int	passwd_verify_dummy(const char *pw);

#endif
