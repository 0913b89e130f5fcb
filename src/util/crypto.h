/*
 * crypto.h - thin wrappers over OpenSSL libcrypto: random bytes, hex,
 * SHA-256, HMAC-SHA256, base64url and AES-256-GCM sealing under the
 * master key.  Nothing here knows what is being sealed.
 */
#ifndef WJ_CRYPTO_H
#define WJ_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define WJ_MASTER_KEY_LEN 32
#define WJ_SHA256_LEN 32
#define WJ_SEAL_OVERHEAD (1 + 12 + 16)	/* key id, nonce, tag */

#define WJ_KEY_RECORD_LEN (1 + WJ_MASTER_KEY_LEN)	/* id | key */
#define WJ_KEYRING_OLD_MAX 16	/* retired keys a keyring holds */

/* A key and the id that every ciphertext sealed under it starts with. */
struct wj_key {
	uint8_t	id;
	uint8_t	key[WJ_MASTER_KEY_LEN];
};

/*
 * The master key: the current key (seals and opens) and the retired
 * ones a rotation left (open only, chosen by the ciphertext's key id;
 * docs/ARCHITECTURE.md#security).
 */
struct wj_master_key {
	uint8_t	id;			/* key id kept with every ciphertext */
	uint8_t	key[WJ_MASTER_KEY_LEN];
	size_t	n_old;
	struct wj_key old[WJ_KEYRING_OLD_MAX];
};

/* Fill p with n bytes from the CSPRNG. */
int	wj_random(void *p, size_t n) WJ_WUR;
/* Lower-case hex of p[0..n) into out (2n+1 bytes, NUL-terminated). */
void	wj_hex(const void *p, size_t n, char *out);
/* Value of one hex digit (either case), or -1. */
int	wj_hexval(int c);
/* Decode 2n hex digits into out[0..n); WJ_ERR_INVALID on a bad digit. */
int	wj_unhex(const char *hex, size_t n, uint8_t *out) WJ_WUR;
void	wj_sha256(const void *p, size_t n, uint8_t out[WJ_SHA256_LEN]);
void	wj_sha256_hex(const void *p, size_t n, char out[65]);
void	wj_hmac_sha256(const void *key, size_t klen, const void *msg,
	    size_t mlen, uint8_t out[WJ_SHA256_LEN]);
/* Constant-time equality of two n-byte strings. */
int	wj_ct_equal(const void *, const void *, size_t);
/* Wipe then free; p may be NULL. */
void	wj_freezero(void *p, size_t n);

/*
 * Seal pt[0..n) with AES-256-GCM under mk, binding aad.  *out is malloc'd
 * (n + WJ_SEAL_OVERHEAD bytes): key id | nonce | ciphertext | tag.
 */
int	wj_seal(const struct wj_master_key *mk, const void *aad, size_t aadlen,
	    const void *pt, size_t n, uint8_t **out, size_t *outlen) WJ_WUR;
/* Open a wj_seal result with the key of its key id, current or retired;
 * WJ_ERR_CRYPTO on an unknown key id, a wrong key, aad or tampering. */
int	wj_open(const struct wj_master_key *mk, const void *aad, size_t aadlen,
	    const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen) WJ_WUR;

/* base64url without padding; *out malloc'd and NUL-terminated. */
int	wj_b64url_encode(const void *p, size_t n, char **out) WJ_WUR;
int	wj_b64url_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
	    WJ_WUR;

/* The key id (0 when none) of a wj_seal result. */
int	wj_sealed_key_id(const uint8_t *in, size_t inlen);

/*
 * Key files are mode 0600.  The master key file: 32 raw bytes (key id 1,
 * as init writes it) or one record, id then key.  The retired keys file:
 * records, at most WJ_KEYRING_OLD_MAX.
 *
 * Load the master key file into mk (no retired keys), or write a fresh
 * one of key id 1 (O_EXCL: never overwrites).
 */
int	wj_master_key_load(const char *path, struct wj_master_key *mk) WJ_WUR;
int	wj_master_key_create(const char *path, struct wj_master_key *mk) WJ_WUR;
/* Add the retired keys of path to mk; a missing file adds none. */
int	wj_master_key_load_old(const char *path, struct wj_master_key *mk)
	    WJ_WUR;
/*
 * Write mk's current key (save) or its retired keys (save_old) to path
 * through path.tmp, fsync'd and renamed over it: never half-written.
 */
int	wj_master_key_save(const char *path, const struct wj_master_key *mk)
	    WJ_WUR;
int	wj_master_key_save_old(const char *path,
	    const struct wj_master_key *mk) WJ_WUR;
/*
 * Make mk's current key a retired one and a fresh key of a new id the
 * current one; WJ_ERR_INVALID when WJ_KEYRING_OLD_MAX keys are retired.
 */
int	wj_master_key_rotate(struct wj_master_key *mk) WJ_WUR;

#endif
