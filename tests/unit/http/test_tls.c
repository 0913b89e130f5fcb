/*
 * test_tls.c - TLS listeners (src/http/tls.c through server.c): which
 * certificate and key files are accepted (a key readable by others, a key
 * of another certificate, a missing or non-PEM file are refused, with the
 * reason), and a server on 127.0.0.1 whose certificate is swapped by
 * http_server_reload_tls: new handshakes get the new one, a connection
 * opened before keeps its own and is still answered, and a reload that
 * fails keeps what was in use.  Certificates are made here with libcrypto;
 * the client is GnuTLS.  Every wait is bounded.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "http/http.h"

struct fx {
	char		    dir[64];
	char		    cert[3][96];	/* serials 100, 101, 102 */
	char		    key[3][96];
	struct http_server *srv;
	int		    port;
};

static void
path_in(const struct fx *f, char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", f->dir, name);
}

/* A self-signed P-256 certificate for 127.0.0.1 and its key (0600). */
static int
make_cert(const char *cert, const char *key, long serial)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n;
	FILE *f;
	int fd, ok = 0;

	if (k == NULL || x == NULL)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"127.0.0.1", -1, -1, 0);
	X509_set_issuer_name(x, n);
	if (X509_sign(x, k, EVP_sha256()) == 0 ||
	    (f = fopen(cert, "w")) == NULL)
		goto out;
	ok = PEM_write_X509(f, x);
	fclose(f);
	if ((fd = open(key, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    (f = fdopen(fd, "w")) == NULL)
		goto out;
	ok = ok && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
 out:
	X509_free(x);
	EVP_PKEY_free(k);
	return ok ? 0 : -1;
}

static void
copy_file(const char *from, const char *to)
{
	char buf[8192];
	size_t n;
	FILE *in = fopen(from, "r"), *out = fopen(to, "w");

	assert_non_null(in);
	assert_non_null(out);
	n = fread(buf, 1, sizeof(buf), in);
	assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
	assert_int_equal(chmod(to, 0600), 0);
}

static void
dispatch(void *arg, struct http_req *req)
{
	(void)arg;
	http_reply_empty(req, 200);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int i;

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/wj-tls-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	for (i = 0; i < 3; i++) {
		snprintf(f->cert[i], sizeof(f->cert[i]), "%s/c%d.pem", f->dir,
		    i);
		snprintf(f->key[i], sizeof(f->key[i]), "%s/k%d.pem", f->dir,
		    i);
		if (make_cert(f->cert[i], f->key[i], 100 + i) != 0)
			return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[128];
	int i;

	http_server_stop(f->srv, 1000);
	for (i = 0; i < 3; i++) {
		unlink(f->cert[i]);
		unlink(f->key[i]);
	}
	path_in(f, p, sizeof(p), "junk.pem");
	unlink(p);
	path_in(f, p, sizeof(p), "served.pem");
	unlink(p);
	path_in(f, p, sizeof(p), "served.key");
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
refused(const char *cert, const char *key, int want, const char *says)
{
	struct wj_errinfo ei;

	memset(&ei, 0, sizeof(ei));
	assert_int_equal(http_tls_check(cert, key, &ei), want);
	if (strstr(ei.detail, says) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", ei.detail, says);
}

static void
test_files(void **state)
{
	struct fx *f = *state;
	struct wj_errinfo ei;
	char junk[128];
	FILE *j;

	assert_int_equal(http_tls_check(f->cert[0], f->key[0], &ei), 0);
	chmod(f->key[0], 0644);
	refused(f->cert[0], f->key[0], WJ_ERR_INVALID,
	    "is readable by others (mode 0644)");
	chmod(f->key[0], 0640);
	assert_int_equal(http_tls_check(f->cert[0], f->key[0], &ei), 0);
	chmod(f->key[0], 0600);
	refused(f->cert[0], f->key[1], WJ_ERR_INVALID,
	    "is not the key of the certificate in");
	refused("/nonexistent/c.pem", f->key[0], WJ_ERR_IO,
	    "/nonexistent/c.pem: No such file");
	path_in(f, junk, sizeof(junk), "junk.pem");
	assert_non_null(j = fopen(junk, "w"));
	fputs("not a certificate\n", j);
	fclose(j);
	refused(junk, f->key[0], WJ_ERR_INVALID, "no usable PEM certificate");
	chmod(junk, 0600);
	refused(f->cert[0], junk, WJ_ERR_INVALID, "no usable PEM private key");
}

/* A TLS client connection (no verification: the test compares the
 * certificate itself). */
struct conn {
	int		 fd;
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred;
};

static void
conn_open(struct conn *c, int port)
{
	struct sockaddr_in a;
	struct timeval tv = { 5, 0 };

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((c->fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(c->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(gnutls_certificate_allocate_credentials(&c->cred), 0);
	assert_int_equal(gnutls_init(&c->s, GNUTLS_CLIENT), 0);
	assert_int_equal(gnutls_set_default_priority(c->s), 0);
	gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, c->cred);
	gnutls_transport_set_int(c->s, c->fd);
	assert_int_equal(gnutls_handshake(c->s), 0);
}

static void
conn_close(struct conn *c)
{
	gnutls_deinit(c->s);
	gnutls_certificate_free_credentials(c->cred);
	close(c->fd);
}

/* The serial number of the certificate the connection got. */
static long
conn_serial(struct conn *c)
{
	const gnutls_datum_t *peer;
	unsigned int n = 0;
	unsigned char sn[32];
	size_t snl = sizeof(sn), i;
	gnutls_x509_crt_t crt;
	long v = 0;

	assert_non_null(peer = gnutls_certificate_get_peers(c->s, &n));
	assert_true(n >= 1);
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_import(crt, &peer[0],
	    GNUTLS_X509_FMT_DER), 0);
	assert_int_equal(gnutls_x509_crt_get_serial(crt, sn, &snl), 0);
	gnutls_x509_crt_deinit(crt);
	for (i = 0; i < snl; i++)
		v = v * 256 + sn[i];
	return v;
}

static long
served_serial(int port)
{
	struct conn c;
	long v;

	conn_open(&c, port);
	v = conn_serial(&c);
	conn_close(&c);
	return v;
}

/* One request on c; the status line's code. */
static int
conn_get(struct conn *c)
{
	static const char rq[] = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";
	char buf[512];
	ssize_t n;
	int code = 0;

	assert_int_equal(gnutls_record_send(c->s, rq, sizeof(rq) - 1),
	    (ssize_t)sizeof(rq) - 1);
	n = gnutls_record_recv(c->s, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(sscanf(buf, "HTTP/1.1 %d", &code), 1);
	return code;
}

static void
test_reload(void **state)
{
	struct fx *f = *state;
	const struct http_opts o = { 2, 16, 5, 0, 0 };
	struct http_listener l = { "127.0.0.1", 0, 1024, NULL, NULL, "test" };
	struct http_app app = { dispatch, NULL, NULL };
	char cert[128], key[128];
	struct conn old;

	/* The files the server reads: copies of c0 and k0 at first. */
	path_in(f, cert, sizeof(cert), "served.pem");
	path_in(f, key, sizeof(key), "served.key");
	copy_file(f->cert[0], cert);
	copy_file(f->key[0], key);
	l.tls_cert = cert;
	l.tls_key = key;
	assert_int_equal(http_server_start(&o, &l, 1, &app, &f->srv), 0);
	f->port = http_server_port(f->srv, 0);
	assert_int_equal(served_serial(f->port), 100);
	conn_open(&old, f->port);
	assert_int_equal(conn_get(&old), 200);

	copy_file(f->cert[1], cert);
	copy_file(f->key[1], key);
	assert_int_equal(http_server_reload_tls(f->srv), 0);
	assert_int_equal(served_serial(f->port), 101);
	/* Opened before: its certificate, and it is still served. */
	assert_int_equal(conn_serial(&old), 100);
	assert_int_equal(conn_get(&old), 200);

	/* A key that does not match: refused, 101 stays. */
	copy_file(f->cert[0], cert);
	assert_int_equal(http_server_reload_tls(f->srv), WJ_ERR_INVALID);
	assert_int_equal(served_serial(f->port), 101);
	assert_int_equal(conn_get(&old), 200);
	conn_close(&old);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
