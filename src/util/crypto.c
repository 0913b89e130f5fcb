/*
 * crypto.c - libcrypto wrappers; see crypto.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "crypto.h"

int
wj_random(void *p, size_t n)
{
	if (n > INT32_MAX || RAND_bytes(p, (int)n) != 1)
		return WJ_ERR_CRYPTO;
	return 0;
}

void
wj_hex(const void *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[s[i] >> 4];
		out[2 * i + 1] = hex[s[i] & 15];
	}
	out[2 * n] = '\0';
}

int
wj_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
wj_unhex(const char *hex, size_t n, uint8_t *out)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if ((hi = wj_hexval((unsigned char)hex[2 * i])) < 0 ||
		    (lo = wj_hexval((unsigned char)hex[2 * i + 1])) < 0)
			return WJ_ERR_INVALID;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void
wj_sha256(const void *p, size_t n, uint8_t out[WJ_SHA256_LEN])
{
	SHA256(p, n, out);
}

void
wj_sha256_hex(const void *p, size_t n, char out[65])
{
	uint8_t md[WJ_SHA256_LEN];

	SHA256(p, n, md);
	wj_hex(md, sizeof(md), out);
}

void
wj_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
    uint8_t out[WJ_SHA256_LEN])
{
	unsigned int olen = WJ_SHA256_LEN;

	HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &olen);
}

int
wj_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void
wj_freezero(void *p, size_t n)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, n);
	free(p);
}

static int
gcm(int enc, const uint8_t *key, const uint8_t *nonce,
    const void *aad, size_t aadlen, const uint8_t *in, size_t n, uint8_t *out,
    uint8_t *tag)
{
	EVP_CIPHER_CTX *c;
	int len, r = WJ_ERR_CRYPTO;

	if (n > INT32_MAX || aadlen > INT32_MAX)
		return WJ_ERR_INVALID;
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return WJ_ERR_NOMEM;
	if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce,
	    enc) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1)
		goto out;
	if (aadlen > 0 &&
	    EVP_CipherUpdate(c, NULL, &len, aad, (int)aadlen) != 1)
		goto out;
	if (n > 0 && EVP_CipherUpdate(c, out, &len, in, (int)n) != 1)
		goto out;
	if (EVP_CipherFinal_ex(c, out + n, &len) != 1)
		goto out;
	if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		goto out;
	r = 0;
 out:
	EVP_CIPHER_CTX_free(c);
	return r;
}

int
wj_seal(const struct wj_master_key *mk, const void *aad, size_t aadlen,
    const void *pt, size_t n, uint8_t **out, size_t *outlen)
{
	uint8_t *o;
	int r;

	*out = NULL;
	*outlen = 0;
	if (n > 16 * 1024 * 1024)
		return WJ_ERR_INVALID;
	if ((o = malloc(n + WJ_SEAL_OVERHEAD)) == NULL)
		return WJ_ERR_NOMEM;
	o[0] = mk->id;
	if ((r = wj_random(o + 1, 12)) != 0 ||
	    (r = gcm(1, mk->key, o + 1, aad, aadlen, pt, n, o + 13,
	    o + 13 + n)) != 0) {
		free(o);
		return r;
	}
	*out = o;
	*outlen = n + WJ_SEAL_OVERHEAD;
	return 0;
}

int
wj_sealed_key_id(const uint8_t *in, size_t inlen)
{
	return inlen >= WJ_SEAL_OVERHEAD ? in[0] : 0;
}

/* The key of key id id in mk, current or retired; NULL when none. */
static const uint8_t *
key_of(const struct wj_master_key *mk, uint8_t id)
{
	size_t i;

	if (id == mk->id)
		return mk->key;
	for (i = 0; i < mk->n_old && i < WJ_KEYRING_OLD_MAX; i++)
		if (mk->old[i].id == id)
			return mk->old[i].key;
	return NULL;
}

int
wj_open(const struct wj_master_key *mk, const void *aad, size_t aadlen,
    const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen)
{
	const uint8_t *key;
	uint8_t *o, tag[16];
	size_t n;
	int r;

	*out = NULL;
	*outlen = 0;
	if (inlen < WJ_SEAL_OVERHEAD || (key = key_of(mk, in[0])) == NULL)
		return WJ_ERR_CRYPTO;
	n = inlen - WJ_SEAL_OVERHEAD;
	if ((o = malloc(n + 1)) == NULL)
		return WJ_ERR_NOMEM;
	memcpy(tag, in + 13 + n, 16);
	if ((r = gcm(0, key, in + 1, aad, aadlen, in + 13, n, o, tag)) != 0) {
		wj_freezero(o, n + 1);
		return WJ_ERR_CRYPTO;
	}
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return 0;
}

/* The base64url alphabet: a digit's value is its index. */
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
wj_b64url_encode(const void *p, size_t n, char **out)
{
	const char *a = b64url;
	const uint8_t *s = p;
	size_t i, o = 0;
	uint32_t v;
	char *d;

	*out = NULL;
	if (n > 64 * 1024 * 1024)
		return WJ_ERR_INVALID;
	if ((d = malloc((n + 2) / 3 * 4 + 1)) == NULL)
		return WJ_ERR_NOMEM;
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		d[o++] = a[v >> 18];
		d[o++] = a[(v >> 12) & 63];
		d[o++] = a[(v >> 6) & 63];
		d[o++] = a[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)s[i] << 16;
		d[o++] = a[v >> 18];
		d[o++] = a[(v >> 12) & 63];
	} else if (n - i == 2) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		d[o++] = a[v >> 18];
		d[o++] = a[(v >> 12) & 63];
		d[o++] = a[(v >> 6) & 63];
	}
	d[o] = '\0';
	*out = d;
	return 0;
}

static int
b64val(char c)
{
	const char *p = memchr(b64url, c, sizeof(b64url) - 1);

	return p != NULL ? (int)(p - b64url) : -1;
}

int
wj_b64url_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
	uint32_t v = 0;
	size_t i, o = 0;
	int bits = 0, x;
	uint8_t *d;

	*out = NULL;
	*outlen = 0;
	if (n % 4 == 1)
		return WJ_ERR_INVALID;
	if ((d = malloc(n / 4 * 3 + 3)) == NULL)
		return WJ_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((x = b64val(s[i])) < 0) {
			free(d);
			return WJ_ERR_INVALID;
		}
		v = v << 6 | (uint32_t)x;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			d[o++] = (uint8_t)(v >> bits);
		}
	}
	*out = d;
	*outlen = o;
	return 0;
}

/*
 * Read the key file path (mode 0600, at most max bytes) into buf; *n its
 * size.  A missing file is WJ_ERR_NOT_FOUND.
 */
static int
read_key_file(const char *path, uint8_t *buf, size_t max, size_t *n)
{
	struct stat st;
	ssize_t got;
	int fd;

	*n = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? WJ_ERR_NOT_FOUND : WJ_ERR_IO;
	if (fstat(fd, &st) == -1 || (st.st_mode & 077) != 0 ||
	    st.st_size < 0 || (size_t)st.st_size > max) {
		close(fd);
		return WJ_ERR_IO;
	}
	got = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size)
		return WJ_ERR_IO;
	*n = (size_t)got;
	return 0;
}

int
wj_master_key_load(const char *path, struct wj_master_key *mk)
{
	uint8_t b[WJ_KEY_RECORD_LEN];
	size_t n;
	int r;

	memset(mk, 0, sizeof(*mk));
	if ((r = read_key_file(path, b, sizeof(b), &n)) != 0)
		return r == WJ_ERR_NOT_FOUND ? WJ_ERR_IO : r;
	if (n == WJ_MASTER_KEY_LEN) {
		mk->id = 1;
		memcpy(mk->key, b, WJ_MASTER_KEY_LEN);
	} else if (n == WJ_KEY_RECORD_LEN && b[0] != 0) {
		mk->id = b[0];
		memcpy(mk->key, b + 1, WJ_MASTER_KEY_LEN);
	} else
		r = WJ_ERR_IO;
	OPENSSL_cleanse(b, sizeof(b));
	return r;
}

int
wj_master_key_load_old(const char *path, struct wj_master_key *mk)
{
	uint8_t b[WJ_KEYRING_OLD_MAX * WJ_KEY_RECORD_LEN];
	size_t n, i;
	int r;

	mk->n_old = 0;
	if ((r = read_key_file(path, b, sizeof(b), &n)) != 0)
		return r == WJ_ERR_NOT_FOUND ? 0 : r;
	if (n % WJ_KEY_RECORD_LEN != 0)
		r = WJ_ERR_IO;
	for (i = 0; r == 0 && i < n / WJ_KEY_RECORD_LEN; i++) {
		if (b[i * WJ_KEY_RECORD_LEN] == 0) {
			r = WJ_ERR_IO;
			break;
		}
		mk->old[i].id = b[i * WJ_KEY_RECORD_LEN];
		memcpy(mk->old[i].key, b + i * WJ_KEY_RECORD_LEN + 1,
		    WJ_MASTER_KEY_LEN);
		mk->n_old = i + 1;
	}
	OPENSSL_cleanse(b, sizeof(b));
	if (r != 0) {
		OPENSSL_cleanse(mk->old, sizeof(mk->old));
		mk->n_old = 0;
	}
	return r;
}

/* Write p[0..n) to path.tmp (0600), fsync, rename over path. */
static int
write_key_file(const char *path, const uint8_t *p, size_t n)
{
	char tmp[4096];
	int fd, k;

	k = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (k < 0 || (size_t)k >= sizeof(tmp))
		return WJ_ERR_INVALID;
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return WJ_ERR_IO;
	if ((n > 0 && write(fd, p, n) != (ssize_t)n) || fsync(fd) == -1) {
		close(fd);
		(void)unlink(tmp);
		return WJ_ERR_IO;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		(void)unlink(tmp);
		return WJ_ERR_IO;
	}
	return 0;
}

int
wj_master_key_save(const char *path, const struct wj_master_key *mk)
{
	uint8_t b[WJ_KEY_RECORD_LEN];
	int r;

	b[0] = mk->id;
	memcpy(b + 1, mk->key, WJ_MASTER_KEY_LEN);
	r = write_key_file(path, b, sizeof(b));
	OPENSSL_cleanse(b, sizeof(b));
	return r;
}

int
wj_master_key_save_old(const char *path, const struct wj_master_key *mk)
{
	uint8_t b[WJ_KEYRING_OLD_MAX * WJ_KEY_RECORD_LEN];
	size_t i;
	int r;

	if (mk->n_old > WJ_KEYRING_OLD_MAX)
		return WJ_ERR_INVALID;
	for (i = 0; i < mk->n_old; i++) {
		b[i * WJ_KEY_RECORD_LEN] = mk->old[i].id;
		memcpy(b + i * WJ_KEY_RECORD_LEN + 1, mk->old[i].key,
		    WJ_MASTER_KEY_LEN);
	}
	r = write_key_file(path, b, mk->n_old * WJ_KEY_RECORD_LEN);
	OPENSSL_cleanse(b, sizeof(b));
	return r;
}

int
wj_master_key_rotate(struct wj_master_key *mk)
{
	struct wj_key fresh;
	unsigned id;
	int r;

	if (mk->n_old >= WJ_KEYRING_OLD_MAX)
		return WJ_ERR_INVALID;
	/* The next id after the current one that no retired key has. */
	for (id = mk->id % 255 + 1; key_of(mk, (uint8_t)id) != NULL;
	    id = id % 255 + 1)
		;
	if ((r = wj_random(fresh.key, WJ_MASTER_KEY_LEN)) != 0)
		return r;
	fresh.id = (uint8_t)id;
	mk->old[mk->n_old].id = mk->id;
	memcpy(mk->old[mk->n_old].key, mk->key, WJ_MASTER_KEY_LEN);
	mk->n_old++;
	mk->id = fresh.id;
	memcpy(mk->key, fresh.key, WJ_MASTER_KEY_LEN);
	OPENSSL_cleanse(&fresh, sizeof(fresh));
	return 0;
}

int
wj_master_key_create(const char *path, struct wj_master_key *mk)
{
	ssize_t n;
	int fd, r;

	memset(mk, 0, sizeof(*mk));
	if ((r = wj_random(mk->key, WJ_MASTER_KEY_LEN)) != 0)
		return r;
	mk->id = 1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return errno == EEXIST ? WJ_ERR_EXISTS : WJ_ERR_IO;
	n = write(fd, mk->key, WJ_MASTER_KEY_LEN);
	if (n != WJ_MASTER_KEY_LEN || fsync(fd) == -1) {
		close(fd);
		(void)unlink(path);
		return WJ_ERR_IO;
	}
	close(fd);
	return 0;
}
