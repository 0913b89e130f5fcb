/*
 * tls.h - private to src/http: the certificate and key of a TLS listener
 * (tls.c), what server.c keeps per connection, and the certificate
 * callback libmicrohttpd calls at each handshake.
 */
#ifndef WJ_HTTP_TLS_H
#define WJ_HTTP_TLS_H

#include <pthread.h>

#include <gnutls/abstract.h>

#include "http.h"

/* TLS 1.2 and 1.3 only, GnuTLS's default ciphers within them. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* A loaded certificate chain and its key, shared by reference. */
struct tls_cred;

/*
 * One listener's certificate: the files it comes from and the current
 * credentials, replaced whole by tls_slot_reload while handshakes take
 * references to it.
 */
struct tls_slot {
	pthread_mutex_t	 mu;
	struct tls_cred	*cur;
	char		*cert_path;
	char		*key_path;
	const char	*name;		/* "public", "internal": for the log */
};

/*
 * What server.c keeps for every connection (its libmicrohttpd socket
 * context), from accept to close.
 */
struct http_conn {
	int		 excess;	/* past max_connections: 503, close */
	struct tls_slot	*tls;		/* the listener's; NULL: plain HTTP */
	struct tls_cred	*cred;		/* what its handshake took: held
					   until the connection closes */
};

/* Load the files into slot (the name is borrowed); says why in ei. */
int	tls_slot_init(struct tls_slot *, const char *name, const char *cert,
	    const char *key, struct wj_errinfo *ei) WJ_WUR;
/* Load the files again and swap them in; on failure keep the old. */
int	tls_slot_reload(struct tls_slot *, struct wj_errinfo *ei) WJ_WUR;
/* After every connection using it has closed. */
void	tls_slot_free(struct tls_slot *);
/* Drop the connection's reference (at close). */
void	tls_conn_release(struct http_conn *);

/* The certificate callback (MHD_OPTION_HTTPS_CERT_CALLBACK). */
gnutls_certificate_retrieve_function2 tls_retrieve;

#endif
