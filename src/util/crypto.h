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

struct wj_master_key {
	uint8_t	id;			/* key id kept with every ciphertext */
	uint8_t	key[WJ_MASTER_KEY_LEN];
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
/* Open a wj_seal result; WJ_ERR_CRYPTO on a wrong key, aad or tampering. */
int	wj_open(const struct wj_master_key *mk, const void *aad, size_t aadlen,
	    const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen) WJ_WUR;

/* base64url without padding; *out malloc'd and NUL-terminated. */
int	wj_b64url_encode(const void *p, size_t n, char **out) WJ_WUR;
int	wj_b64url_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
	    WJ_WUR;

/*
 * Load the master key file (32 raw bytes, must be mode 0600) or, with
 * create set, write a fresh one (O_EXCL: never overwrites).
 */
int	wj_master_key_load(const char *path, struct wj_master_key *mk) WJ_WUR;
int	wj_master_key_create(const char *path, struct wj_master_key *mk) WJ_WUR;

#endif
