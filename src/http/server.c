/*
 * server.c - libmicrohttpd glue: one http_req per request (created when
 * the request line arrives, freed when the response is done), body
 * collection under a cap, dispatch to the application, access log, a
 * draining stop, and TLS through libmicrohttpd's GnuTLS with the
 * certificates of tls.c.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http.h"
#include "tls.h"

#define MAX_LISTENERS 4

struct http_server {
	struct MHD_Daemon *d[MAX_LISTENERS];
	size_t		   body_cap[MAX_LISTENERS];
	int		   port[MAX_LISTENERS];
	size_t		   n;
	struct http_app	   app;
	struct http_opts   opts;
	atomic_int	   in_flight;
	atomic_int	   access_log;	/* opts.access_log, then SIGHUP's */
	atomic_int	   admitted[MAX_LISTENERS]; /* see max_inflight */
	atomic_int	   conns[MAX_LISTENERS];    /* open connections */
	struct tls_slot	  *tls[MAX_LISTENERS];	    /* NULL: plain HTTP */
	pthread_mutex_t	   defer_mu;	/* deferred/resumed/suspended */
	/* per-listener callback argument: server + index */
	struct lcls {
		struct http_server *srv;
		int		    idx;
	} cls[MAX_LISTENERS];
};

const char *
http_header(const struct http_req *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->n_headers; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

int
http_add_header(struct http_req *req, const char *name, const char *value)
{
	if (req->n_extra >= HTTP_EXTRA_HEADERS)
		return -1;
	req->extra[req->n_extra][0] = name;
	req->extra[req->n_extra][1] = value;
	req->n_extra++;
	return 0;
}

static void
req_free(struct http_req *req)
{
	if (req == NULL)
		return;
	free(req->raw_uri);
	free(req->path);
	free(req->query);
	buf_free(&req->body);
	buf_free(&req->resp);
	if (req->resp_header_value != NULL) {
		explicit_bzero(req->resp_header_value,
		    strlen(req->resp_header_value));
		free(req->resp_header_value);
	}
	free(req);
}

/* Until a request shows credentials (a console write shows its CSRF
 * token), tighter caps apply. */
static int
credentialed(const struct http_req *req)
{
	return http_header(req, "Authorization") != NULL ||
	    http_header(req, "X-Auth-Token") != NULL ||
	    http_header(req, "X-CSRF-Token") != NULL;
}

/* Called by libmicrohttpd with the raw request-URI, before parsing. */
static void *
uri_log_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct lcls *l = cls;
	struct http_req *req;
	const char *q;
	size_t plen;

	(void)c;
	if ((req = calloc(1, sizeof(*req))) == NULL)
		return NULL;
	req->srv = l->srv;
	req->listener = l->idx;
	req->route = -1;
	req->start_us = wj_mono_us();
	buf_init(&req->body);
	buf_init(&req->resp);
	atomic_fetch_add(&l->srv->in_flight, 1);
	if (wj_id_new(req->request_id) != 0)
		snprintf(req->request_id, sizeof(req->request_id), "0");
	if ((req->raw_uri = strdup(uri)) == NULL)
		return req;	/* dispatch sees path == NULL: 500 */
	q = strchr(uri, '?');
	plen = q != NULL ? (size_t)(q - uri) : strlen(uri);
	req->path = strndup(uri, plen);
	if (q != NULL)
		req->query = strdup(q + 1);
	return req;
}

/* Keep the path raw: the router and the signature need the wire form. */
static size_t
unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static enum MHD_Result
header_it(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	struct http_req *req = cls;

	(void)kind;
	if (req->n_headers >= HTTP_MAX_HEADERS)
		return MHD_NO;
	req->headers[req->n_headers].name = k;
	req->headers[req->n_headers].value = v != NULL ? v : "";
	req->n_headers++;
	return MHD_YES;
}

static void
client_ip(struct MHD_Connection *c, struct http_req *req)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    req->remote_ip, sizeof(req->remote_ip));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr,
		    req->remote_ip, sizeof(req->remote_ip));
}

static enum MHD_Result
send_reply(struct MHD_Connection *c, struct http_req *req)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char ra[16];
	size_t i, len;
	void *body;

	body = buf_take(&req->resp, &len);
	resp = MHD_create_response_from_buffer(len, body,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "X-Request-Id", req->request_id);
	if (len > 0 && (req->resp_json || req->content_type != NULL))
		MHD_add_response_header(resp, "Content-Type",
		    req->resp_json ? "application/json" : req->content_type);
	if (req->allow[0] != '\0')
		MHD_add_response_header(resp, "Allow", req->allow);
	if (req->retry_after > 0) {
		snprintf(ra, sizeof(ra), "%d", req->retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	if (req->resp_header != NULL && req->resp_header_value != NULL)
		MHD_add_response_header(resp, req->resp_header,
		    req->resp_header_value);
	for (i = 0; i < req->n_extra; i++)
		MHD_add_response_header(resp, req->extra[i][0],
		    req->extra[i][1]);
	ret = MHD_queue_response(c, (unsigned int)req->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * What the HTTP layer refuses on its own, before routing: an oversized
 * request-URI (414) or header section (494), two Content-Length or
 * Transfer-Encoding headers (400), a body over the cap (413).
 * Requests larger still never get here: libmicrohttpd answers them
 * itself (MHD_OPTION_CONNECTION_MEMORY_LIMIT).
 */
static int
early_error(struct MHD_Connection *c, const struct http_req *req)
{
	size_t i, n, bytes = 0, framing = 0;

	if (req->path == NULL)
		return WJ_ERR_NOMEM;
	if (strlen(req->raw_uri) > HTTP_URI_MAX)
		return WJ_ERR_URI_TOO_LARGE;
	if (MHD_get_connection_values(c, MHD_HEADER_KIND, NULL, NULL) >
	    HTTP_MAX_HEADERS)
		return WJ_ERR_HEADERS_TOO_LARGE;
	for (i = 0; i < req->n_headers; i++) {
		n = strlen(req->headers[i].value);
		if (n > HTTP_HEADER_VALUE_MAX)
			return WJ_ERR_HEADERS_TOO_LARGE;
		bytes += strlen(req->headers[i].name) + n + 4;
		if (strcasecmp(req->headers[i].name, "Content-Length") == 0 ||
		    strcasecmp(req->headers[i].name, "Transfer-Encoding") == 0)
			framing++;
	}
	if (bytes > HTTP_HEADERS_BYTES_MAX ||
	    (bytes > HTTP_PREAUTH_HEADERS_BYTES_MAX && !credentialed(req)))
		return WJ_ERR_HEADERS_TOO_LARGE;
	/* Two body lengths (RFC 9112 §6.3): ambiguous framing, 400. */
	if (framing > 1)
		return WJ_ERR_BAD_REQUEST;
	if (req->body_too_large)
		return WJ_ERR_TOO_LARGE;
	if (req->body.failed)
		return WJ_ERR_NOMEM;
	return 0;
}

static void
dispatch(struct http_server *srv, struct MHD_Connection *c,
    struct http_req *req)
{
	int e;

	req->dispatched = 1;
	if ((e = early_error(c, req)) != 0) {
		http_reply_error(req, e, NULL);
		return;
	}
	if (srv->opts.max_inflight > 0) {
		atomic_fetch_add(&srv->admitted[req->listener], 1);
		req->admitted = 1;
	}
	srv->app.dispatch(srv->app.arg, req);
}

void
http_req_defer(struct http_req *req, void (*fn)(struct http_req *, void *),
    void *arg)
{
	req->defer_fn = fn;
	req->defer_arg = arg;
	req->deferred = 1;
}

/* Requests of http_req_run (no server): resumed under this lock. */
static pthread_mutex_t local_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t local_cv = PTHREAD_COND_INITIALIZER;

void
http_req_resume(struct http_req *req)
{
	struct http_server *srv = req->srv;

	if (srv == NULL) {
		pthread_mutex_lock(&local_mu);
		req->resumed = 1;
		pthread_cond_broadcast(&local_cv);
		pthread_mutex_unlock(&local_mu);
		return;
	}
	pthread_mutex_lock(&srv->defer_mu);
	req->resumed = 1;
	if (req->suspended) {
		req->suspended = 0;
		MHD_resume_connection(req->conn);
	}
	pthread_mutex_unlock(&srv->defer_mu);
}

void
http_req_run(const struct http_app *app, struct http_req *req)
{
	req->srv = NULL;
	req->dispatched = 1;
	app->dispatch(app->arg, req);
	if (!req->deferred)
		return;
	pthread_mutex_lock(&local_mu);
	while (!req->resumed)
		pthread_cond_wait(&local_cv, &local_mu);
	pthread_mutex_unlock(&local_mu);
	req->deferred = 0;
	req->defer_fn(req, req->defer_arg);
}

/*
 * A deferred request after dispatch, or called again after its resume:
 * once resumed, run its completion and say the response may go (1);
 * until then suspend the connection (once) and say wait (0).
 */
static int
deferred_ready(struct http_server *srv, struct http_req *req)
{
	if (!req->deferred)
		return 0;
	pthread_mutex_lock(&srv->defer_mu);
	if (!req->resumed) {
		if (!req->suspended) {
			req->suspended = 1;
			MHD_suspend_connection(req->conn);
		}
		pthread_mutex_unlock(&srv->defer_mu);
		return 0;
	}
	pthread_mutex_unlock(&srv->defer_mu);
	req->deferred = 0;
	req->defer_fn(req, req->defer_arg);
	return 1;
}

/*
 * Connections: libmicrohttpd takes up to CONN_HEADROOM more than
 * max_connections (MHD_OPTION_CONNECTION_LIMIT), so that a connection
 * past the bound is told 503 and closed (overloaded) instead of waiting
 * in the listen backlog; such a connection is marked excess and, if it
 * stays idle, dropped after CONN_EXCESS_TIMEOUT_S.  Past the headroom too,
 * connections do wait in the backlog.
 */
#define CONN_HEADROOM		64
#define CONN_EXCESS_TIMEOUT_S	2

/*
 * Each connection's struct http_conn lives from accept to close (after
 * libmicrohttpd has ended its TLS session, so the certificate it holds
 * is no longer used).
 */
static void
conn_cb(void *cls, struct MHD_Connection *c, void **sctx,
    enum MHD_ConnectionNotificationCode toe)
{
	struct lcls *l = cls;
	struct http_server *srv = l->srv;
	struct http_conn *hc = *sctx;
	int n;

	if (toe != MHD_CONNECTION_NOTIFY_STARTED) {
		if (hc != NULL) {
			tls_conn_release(hc);
			free(hc);
			*sctx = NULL;
		}
		atomic_fetch_sub(&srv->conns[l->idx], 1);
		return;
	}
	n = atomic_fetch_add(&srv->conns[l->idx], 1);
	/* Without it a TLS handshake fails (tls_retrieve): no crash. */
	if ((hc = calloc(1, sizeof(*hc))) == NULL)
		return;
	hc->tls = srv->tls[l->idx];
	*sctx = hc;
	if (n >= srv->opts.max_connections) {
		hc->excess = 1;
		(void)MHD_set_connection_option(c,
		    MHD_CONNECTION_OPTION_TIMEOUT,
		    (unsigned int)CONN_EXCESS_TIMEOUT_S);
	}
}

/*
 * Admission: past max_inflight requests of this
 * listener in progress (dispatched and not completed, deferred ones
 * included), a new one gets 503 WKS.00050902 with Retry-After at once,
 * before anything else is read or done for it, instead of queueing behind
 * the others.  Counting starts at dispatch, so slow uploads hold no slot
 * (the bound is soft by the requests whose bodies were still arriving).
 * Returns 1 when it was refused (the reply is set).
 */
static int
overloaded(struct http_server *srv, struct MHD_Connection *c,
    struct http_req *req)
{
	const union MHD_ConnectionInfo *ci;
	const struct http_conn *hc;
	struct wj_errinfo ei;
	int max = srv->opts.max_inflight, n;

	/* A connection past max_connections (conn_cb): 503 and close. */
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci != NULL && (hc = ci->socket_context) != NULL && hc->excess &&
	    (req->resp_header_value = strdup("close")) != NULL) {
		req->resp_header = "Connection";
		req->dispatched = 1;
		wj_errinfo_set(&ei, "server busy: more than %d connections",
		    srv->opts.max_connections);
		http_reply_error(req, WJ_ERR_UNAVAILABLE, &ei);
		return 1;
	}
	if (max <= 0)
		return 0;
	if ((n = atomic_load(&srv->admitted[req->listener])) < max)
		return 0;
	req->dispatched = 1;
	wj_errinfo_set(&ei, "server busy: %d requests in progress", max);
	http_reply_error(req, WJ_ERR_UNAVAILABLE, &ei);
	return 1;
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct lcls *l = cls;
	struct http_req *req = *con_cls;
	const char *cl;
	int64_t n;

	(void)url;
	(void)version;
	if (req == NULL)
		return MHD_NO;	/* allocation failed at uri_log: drop */
	if (req->conn == NULL) {
		/* First call: headers are complete, no body yet. */
		req->conn = c;
		req->method = method;
		if (overloaded(l->srv, c, req))
			return send_reply(c, req);
		req->body_cap = l->srv->body_cap[l->idx];
		MHD_get_connection_values(c, MHD_HEADER_KIND, header_it, req);
		client_ip(c, req);
		if (!credentialed(req) && req->body_cap > HTTP_PREAUTH_BODY_MAX)
			req->body_cap = HTTP_PREAUTH_BODY_MAX;
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && (wj_parse_int(cl, 0, INT64_MAX, &n) != 0 ||
		    (uint64_t)n > req->body_cap))
			req->body_too_large = 1;
		/* Refused without reading the body. */
		if (early_error(c, req) != 0) {
			dispatch(l->srv, c, req);
			return send_reply(c, req);
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!req->dispatched && !req->body_too_large) {
			if (req->body.len + *upload_size > req->body_cap)
				req->body_too_large = 1;
			else
				(void)buf_append(&req->body, upload,
				    *upload_size);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->dispatched)
		return deferred_ready(l->srv, req) ? send_reply(c, req) :
		    MHD_YES;
	dispatch(l->srv, c, req);
	if (req->deferred && !deferred_ready(l->srv, req))
		return MHD_YES;		/* suspended until http_req_resume */
	return send_reply(c, req);
}

/* One line on stderr for a request answered (text or JSON). */
static void
access_log(const struct http_req *req, int64_t us)
{
	char ts[28];
	struct buf b;
	struct jw w;

	wj_time_iso(wj_now_ms(), ts);
	if (!wj_log_json()) {
		fprintf(stderr, "%s access %s %s %s %d %lldus %s %s\n", ts,
		    req->request_id, req->method ? req->method : "-",
		    req->path ? req->path : "-", req->status, (long long)us,
		    req->principal[0] ? req->principal : "-",
		    req->project[0] ? req->project : "-");
		return;
	}
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "time", ts);
	jw_kv_str(&w, "level", "info");
	jw_kv_str(&w, "message", "access");
	jw_kv_str(&w, "request_id", req->request_id);
	jw_kv_str(&w, "method", req->method);
	jw_kv_str(&w, "route", req->op);
	jw_kv_str(&w, "path", req->path);
	jw_kv_int(&w, "status", req->status);
	jw_kv_int(&w, "microseconds", us);
	jw_kv_str(&w, "principal", req->principal[0] ? req->principal : NULL);
	jw_kv_str(&w, "project", req->project[0] ? req->project : NULL);
	jw_obj_close(&w);
	if (!b.failed)
		fprintf(stderr, "%s\n", b.data);
	buf_free(&b);
}

static void
completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct lcls *l = cls;
	struct http_server *srv = l->srv;
	struct http_req *req = *con_cls;
	int64_t us;

	(void)c;
	(void)toe;
	if (req == NULL)
		return;
	*con_cls = NULL;
	us = wj_mono_us() - req->start_us;
	if (req->dispatched) {
		if (srv->app.completed != NULL)
			srv->app.completed(srv->app.arg, req, us);
		if (atomic_load(&srv->access_log))
			access_log(req, us);
	}
	if (req->admitted)
		atomic_fetch_sub(&srv->admitted[req->listener], 1);
	req_free(req);
	atomic_fetch_sub(&srv->in_flight, 1);
}

void
http_server_set_access_log(struct http_server *srv, int on)
{
	atomic_store(&srv->access_log, on);
}

/*
 * A TLS listener: its certificate loaded into srv->tls[i], the options
 * that make libmicrohttpd ask tls_retrieve for it at each handshake.
 */
static int
tls_setup(struct http_server *srv, size_t i, const struct http_listener *l,
    struct MHD_OptionItem opts[3])
{
	struct wj_errinfo ei;
	int r;

	memset(&ei, 0, sizeof(ei));
	if ((srv->tls[i] = calloc(1, sizeof(*srv->tls[i]))) == NULL)
		return WJ_ERR_NOMEM;
	if ((r = tls_slot_init(srv->tls[i], l->name != NULL ? l->name :
	    "a", l->tls_cert, l->tls_key, &ei)) != 0) {
		log_error("tls: %s", ei.detail[0] != '\0' ? ei.detail :
		    wj_strerror(r));
		return r;
	}
	opts[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
	    (void *)TLS_PRIORITIES };
	opts[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
	    (void *)tls_retrieve };
	return 0;
}

static int
listen_one(struct http_server *srv, size_t i, const struct http_listener *l)
{
	struct MHD_OptionItem tls_opts[3] = { { MHD_OPTION_END, 0, NULL },
	    { MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL } };
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	struct sockaddr *sa;
	unsigned int flags;
	const union MHD_DaemonInfo *di;
	int r;

	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	/*
	 * poll, not epoll: libmicrohttpd 0.9.75's
	 * edge-triggered epoll loop misses the end of a stream that arrives
	 * with the last bytes of a partial request, and such a connection
	 * then stays open until its timeout; poll does not (its cost is in
	 * docs/BENCHMARKS.md).
	 */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
	    MHD_USE_TURBO | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
	if (inet_pton(AF_INET, l->host, &a4.sin_addr) == 1) {
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)l->port);
		sa = (struct sockaddr *)&a4;
	} else if (inet_pton(AF_INET6, l->host, &a6.sin6_addr) == 1) {
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)l->port);
		sa = (struct sockaddr *)&a6;
		flags |= MHD_USE_IPv6;
	} else
		return WJ_ERR_INVALID;
	if (l->tls_cert != NULL) {
		if ((r = tls_setup(srv, i, l, tls_opts)) != 0)
			return r;
		flags |= MHD_USE_TLS;
	}
	srv->cls[i].srv = srv;
	srv->cls[i].idx = (int)i;
	srv->body_cap[i] = l->body_cap;
	srv->d[i] = MHD_start_daemon(flags, (uint16_t)l->port, NULL, NULL,
	    access_cb, &srv->cls[i],
	    MHD_OPTION_SOCK_ADDR, sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)srv->opts.threads,
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)srv->opts.max_connections + CONN_HEADROOM,
	    MHD_OPTION_NOTIFY_CONNECTION, conn_cb, &srv->cls[i],
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)srv->opts.timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_log_cb, &srv->cls[i],
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, completed_cb, &srv->cls[i],
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
	    MHD_OPTION_ARRAY, tls_opts,
	    MHD_OPTION_END);
	if (srv->d[i] == NULL)
		return WJ_ERR_IO;
	di = MHD_get_daemon_info(srv->d[i], MHD_DAEMON_INFO_BIND_PORT);
	srv->port[i] = di != NULL ? di->port : l->port;
	return 0;
}

int
http_server_start(const struct http_opts *o, const struct http_listener *l,
    size_t n, const struct http_app *app, struct http_server **out)
{
	struct http_server *srv;
	size_t i;
	int r;

	*out = NULL;
	if (n == 0 || n > MAX_LISTENERS)
		return WJ_ERR_INVALID;
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return WJ_ERR_NOMEM;
	srv->app = *app;
	srv->opts = *o;
	atomic_init(&srv->access_log, o->access_log);
	srv->n = n;
	atomic_init(&srv->in_flight, 0);
	for (i = 0; i < MAX_LISTENERS; i++) {
		atomic_init(&srv->admitted[i], 0);
		atomic_init(&srv->conns[i], 0);
	}
	srv->defer_mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	for (i = 0; i < n; i++) {
		if ((r = listen_one(srv, i, &l[i])) != 0) {
			/* The caller says why and what to do; srv->tls[i]
			 * may be set, so http_server_stop frees it. */
			srv->n = i + 1;
			http_server_stop(srv, 0);
			return r;
		}
	}
	*out = srv;
	return 0;
}

int
http_server_port(struct http_server *srv, size_t i)
{
	return i < srv->n ? srv->port[i] : -1;
}

void
http_server_stop(struct http_server *srv, int drain_ms)
{
	MHD_socket listen_fd[MAX_LISTENERS];
	int64_t deadline;
	size_t i;

	if (srv == NULL)
		return;
	/* Quiesced, a daemon hands its listening socket to us to close
	 * once it has stopped. */
	for (i = 0; i < srv->n; i++)
		listen_fd[i] = srv->d[i] != NULL ?
		    MHD_quiesce_daemon(srv->d[i]) : MHD_INVALID_SOCKET;
	/* Requests in flight finish and are answered before we stop. */
	deadline = wj_mono_us() + (int64_t)drain_ms * 1000;
	while (atomic_load(&srv->in_flight) > 0 && wj_mono_us() < deadline)
		usleep(10 * 1000);
	for (i = 0; i < srv->n; i++) {
		if (srv->d[i] != NULL)
			MHD_stop_daemon(srv->d[i]);
		if (listen_fd[i] != MHD_INVALID_SOCKET)
			(void)close(listen_fd[i]);
		/* Every connection has closed: no reference is left. */
		if (srv->tls[i] != NULL) {
			tls_slot_free(srv->tls[i]);
			free(srv->tls[i]);
		}
	}
	pthread_mutex_destroy(&srv->defer_mu);
	free(srv);
}

int
http_server_reload_tls(struct http_server *srv)
{
	struct wj_errinfo ei;
	size_t i;
	int r, first = 0;

	for (i = 0; i < srv->n; i++) {
		if (srv->tls[i] == NULL)
			continue;
		memset(&ei, 0, sizeof(ei));
		if ((r = tls_slot_reload(srv->tls[i], &ei)) == 0)
			continue;
		log_error("tls: %s listener: reload failed, keeping the "
		    "certificate it has: %s", srv->tls[i]->name,
		    ei.detail[0] != '\0' ? ei.detail : wj_strerror(r));
		if (first == 0)
			first = r;
	}
	return first;
}
