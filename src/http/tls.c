/*
 * tls.c - the certificates of the TLS listeners: PEM files read into
 * GnuTLS objects (a key readable by others is refused), handed to each
 * handshake by libmicrohttpd's certificate callback, and replaced on
 * reload.  A handshake takes a reference to the credentials current at
 * that moment and the connection holds it until it closes, so a reload
 * never pulls a certificate from under a connection in flight.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "tls.h"

#define TLS_CHAIN_MAX	16		/* certificates in one file */
#define TLS_FILE_MAX	(1024 * 1024)	/* bytes of one PEM file */
#define TLS_DESC_MAX	512

struct tls_cred {
	atomic_int	 refs;
	gnutls_pcert_st	 pcert[TLS_CHAIN_MAX];
	unsigned int	 n;
	gnutls_privkey_t key;
	int64_t		 not_after_ms;
	char		 desc[TLS_DESC_MAX];	/* subject, serial, expiry */
};

static void
cred_unref(struct tls_cred *cr)
{
	unsigned int i;

	if (cr == NULL || atomic_fetch_sub(&cr->refs, 1) != 1)
		return;
	for (i = 0; i < cr->n; i++)
		gnutls_pcert_deinit(&cr->pcert[i]);
	if (cr->key != NULL)
		gnutls_privkey_deinit(cr->key);
	free(cr);
}

static void
datum_free(gnutls_datum_t *d)
{
	if (d->data != NULL) {
		explicit_bzero(d->data, d->size);
		free(d->data);
	}
	d->data = NULL;
	d->size = 0;
}

/* The whole file; a secret one must not be readable by others. */
static int
read_pem(const char *path, int secret, gnutls_datum_t *out,
    struct wj_errinfo *ei)
{
	struct stat st;
	ssize_t got;
	size_t len = 0;
	int fd, r = WJ_ERR_IO;

	out->data = NULL;
	out->size = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		wj_errinfo_set(ei, "%s: %s", path, strerror(errno));
		return WJ_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > TLS_FILE_MAX) {
		wj_errinfo_set(ei, "%s: not a regular file of at most %d "
		    "bytes", path, TLS_FILE_MAX);
		goto out;
	}
	if (secret && (st.st_mode & S_IROTH) != 0) {
		wj_errinfo_set(ei, "%s is readable by others (mode %04o): "
		    "make it 0600, or 0640 with a group such as ssl-cert "
		    "(chmod o-r)", path, (unsigned int)(st.st_mode & 07777));
		r = WJ_ERR_INVALID;
		goto out;
	}
	if ((out->data = malloc((size_t)st.st_size + 1)) == NULL) {
		r = WJ_ERR_NOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size) {
		got = read(fd, out->data + len, (size_t)st.st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	if (len != (size_t)st.st_size) {
		wj_errinfo_set(ei, "%s: short read", path);
		datum_free(out);
		goto out;
	}
	out->data[len] = '\0';
	out->size = (unsigned int)len;
	r = 0;
 out:
	(void)close(fd);
	return r;
}

/* The key's public half is the certificate's. */
static int
key_matches(struct tls_cred *cr)
{
	unsigned char a[64], b[64];
	size_t al = sizeof(a), bl = sizeof(b);
	gnutls_pubkey_t pub;
	int ok;

	if (gnutls_pubkey_init(&pub) < 0)
		return 0;
	ok = gnutls_pubkey_import_privkey(pub, cr->key, 0, 0) >= 0 &&
	    gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, a,
	    &al) >= 0 && gnutls_pubkey_get_key_id(cr->pcert[0].pubkey,
	    GNUTLS_KEYID_USE_SHA256, b, &bl) >= 0 && al == bl &&
	    memcmp(a, b, al) == 0;
	gnutls_pubkey_deinit(pub);
	return ok;
}

static void
hex(const unsigned char *p, size_t n, const char *sep, char *out,
    size_t cap)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n && o + strlen(sep) + 2 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%02X",
		    i > 0 ? sep : "", p[i]);
}

/* "subject ..., serial ..., not after ..., sha256 ..." for the log. */
static void
describe(struct tls_cred *cr)
{
	unsigned char serial[40], fp[32];
	size_t sl = sizeof(serial), fl = sizeof(fp);
	char s[2 * sizeof(serial) + 1], f[3 * sizeof(fp)], na[28];
	gnutls_datum_t dn = { NULL, 0 };
	gnutls_x509_crt_t crt;

	snprintf(cr->desc, sizeof(cr->desc), "(unreadable certificate)");
	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &cr->pcert[0].cert,
	    GNUTLS_X509_FMT_DER) >= 0) {
		if (gnutls_x509_crt_get_serial(crt, serial, &sl) < 0)
			sl = 0;
		if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp,
		    &fl) < 0)
			fl = 0;
		(void)gnutls_x509_crt_get_dn3(crt, &dn, 0);
		cr->not_after_ms =
		    (int64_t)gnutls_x509_crt_get_expiration_time(crt) * 1000;
		hex(serial, sl, "", s, sizeof(s));
		hex(fp, fl, ":", f, sizeof(f));
		wj_time_iso(cr->not_after_ms, na);
		snprintf(cr->desc, sizeof(cr->desc), "subject %s, serial %s, "
		    "not after %s, sha256 %s", dn.data != NULL ?
		    (char *)dn.data : "?", s, na, f);
		gnutls_free(dn.data);
	}
	gnutls_x509_crt_deinit(crt);
}

static int
cred_parse(struct tls_cred *cr, const char *cert, const gnutls_datum_t *c,
    const char *key, const gnutls_datum_t *k, struct wj_errinfo *ei)
{
	int g;

	cr->n = TLS_CHAIN_MAX;
	if ((g = gnutls_pcert_list_import_x509_raw(cr->pcert, &cr->n, c,
	    GNUTLS_X509_FMT_PEM, GNUTLS_X509_CRT_LIST_FAIL_IF_UNSORTED)) < 0) {
		cr->n = 0;
		wj_errinfo_set(ei, "%s: no usable PEM certificate chain "
		    "(leaf first, at most %d): %s", cert, TLS_CHAIN_MAX,
		    gnutls_strerror(g));
		return WJ_ERR_INVALID;
	}
	if (gnutls_privkey_init(&cr->key) < 0)
		return WJ_ERR_NOMEM;
	if ((g = gnutls_privkey_import_x509_raw(cr->key, k,
	    GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		wj_errinfo_set(ei, "%s: no usable PEM private key (one without "
		    "a passphrase): %s", key, gnutls_strerror(g));
		return WJ_ERR_INVALID;
	}
	if (!key_matches(cr)) {
		wj_errinfo_set(ei, "%s is not the key of the certificate in "
		    "%s", key, cert);
		return WJ_ERR_INVALID;
	}
	describe(cr);
	return 0;
}

static int
cred_load(const char *cert, const char *key, struct tls_cred **out,
    struct wj_errinfo *ei)
{
	gnutls_datum_t c = { NULL, 0 }, k = { NULL, 0 };
	struct tls_cred *cr;
	int r;

	*out = NULL;
	if ((cr = calloc(1, sizeof(*cr))) == NULL)
		return WJ_ERR_NOMEM;
	atomic_init(&cr->refs, 1);
	if ((r = read_pem(cert, 0, &c, ei)) != 0 ||
	    (r = read_pem(key, 1, &k, ei)) != 0 ||
	    (r = cred_parse(cr, cert, &c, key, &k, ei)) != 0) {
		cred_unref(cr);
		goto out;
	}
	*out = cr;
 out:
	datum_free(&c);
	datum_free(&k);
	return r;
}

int
http_tls_check(const char *cert, const char *key, struct wj_errinfo *ei)
{
	struct tls_cred *cr;
	int r;

	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		wj_errinfo_set(ei, "this libmicrohttpd has no TLS support");
		return WJ_ERR_INVALID;
	}
	if ((r = cred_load(cert, key, &cr, ei)) != 0)
		return r;
	if (cr->not_after_ms < wj_now_ms())
		log_warn("tls: the certificate in %s has expired: %s", cert,
		    cr->desc);
	cred_unref(cr);
	return 0;
}

int
tls_slot_init(struct tls_slot *s, const char *name, const char *cert,
    const char *key, struct wj_errinfo *ei)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	if (pthread_mutex_init(&s->mu, NULL) != 0)
		return WJ_ERR_NOMEM;
	if ((s->cert_path = strdup(cert)) == NULL ||
	    (s->key_path = strdup(key)) == NULL)
		return WJ_ERR_NOMEM;
	return tls_slot_reload(s, ei);
}

int
tls_slot_reload(struct tls_slot *s, struct wj_errinfo *ei)
{
	struct tls_cred *cr, *old;
	int r;

	if ((r = cred_load(s->cert_path, s->key_path, &cr, ei)) != 0)
		return r;
	pthread_mutex_lock(&s->mu);
	old = s->cur;
	s->cur = cr;
	pthread_mutex_unlock(&s->mu);
	cred_unref(old);
	log_info("tls: %s listener: %s", s->name, cr->desc);
	if (cr->not_after_ms < wj_now_ms())
		log_warn("tls: %s listener: the certificate has expired",
		    s->name);
	return 0;
}

void
tls_slot_free(struct tls_slot *s)
{
	cred_unref(s->cur);
	free(s->cert_path);
	free(s->key_path);
	pthread_mutex_destroy(&s->mu);
	memset(s, 0, sizeof(*s));
}

void
tls_conn_release(struct http_conn *hc)
{
	cred_unref(hc->cred);
	hc->cred = NULL;
}

int
tls_retrieve(gnutls_session_t sess, const gnutls_datum_t *req_ca, int n_ca,
    const gnutls_pk_algorithm_t *algos, int n_algos, gnutls_pcert_st **pcert,
    unsigned int *n, gnutls_privkey_t *key)
{
	const union MHD_ConnectionInfo *ci;
	struct http_conn *hc;
	struct tls_cred *cr;

	(void)req_ca;
	(void)n_ca;
	(void)algos;
	(void)n_algos;
	/* libmicrohttpd sets the session's pointer to its connection. */
	ci = MHD_get_connection_info(gnutls_session_get_ptr(sess),
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || (hc = ci->socket_context) == NULL || hc->tls == NULL)
		return -1;
	pthread_mutex_lock(&hc->tls->mu);
	cr = hc->tls->cur;
	atomic_fetch_add(&cr->refs, 1);
	pthread_mutex_unlock(&hc->tls->mu);
	tls_conn_release(hc);	/* a second handshake: the first's */
	hc->cred = cr;
	*pcert = cr->pcert;
	*n = cr->n;
	*key = cr->key;
	return 0;
}
