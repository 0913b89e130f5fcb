/*
 * http.h - the HTTP side of wksjobs: libmicrohttpd glue (a thread pool,
 * one request context per request, body caps, drain on shutdown), the
 * route matcher and the one place that writes error bodies.  Knows
 * nothing of jobs: the application hands in one dispatch function.
 */
#ifndef WJ_HTTP_H
#define WJ_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"
#include "../util/err.h"
#include "../util/util.h"

struct http_server;

#define HTTP_MAX_HEADERS 64
#define HTTP_MAX_PARAMS 4
#define HTTP_EXTRA_HEADERS 8	/* http_add_header's room */
#define HTTP_PARAM_MAX 1024	/* longer path parameters are refused */
/* Answered by the HTTP layer before routing (docs/API.md#limits):
 * a longer request-URI is 414, more or longer headers 494. */
#define HTTP_URI_MAX 8192		/* = WJ_URI_MAX, sig_canon.c's bound */
#define HTTP_HEADER_VALUE_MAX 40000	/* X-Auth-Token 1..40000 */
#define HTTP_HEADERS_BYTES_MAX 65536	/* all names and values */
/*
 * libmicrohttpd's memory per connection: a request at both caps above
 * (URI and header section) fits, with room for its bookkeeping and the
 * answer's headers.  It is all resident while the connection is open
 * (256 connections: 22 MiB), hence no larger.
 */
#define HTTP_CONN_MEMORY (HTTP_URI_MAX + HTTP_HEADERS_BYTES_MAX + 16384)

struct http_header {
	const char *name;	/* borrowed from libmicrohttpd */
	const char *value;
};

/*
 * One request from first byte to completion.  Owned by the server;
 * handlers fill the response part.
 */
struct http_req {
	/* request */
	char	    request_id[WJ_ID_LEN + 1];
	const char *method;
	char	   *raw_uri;		/* as on the request line */
	char	   *path;		/* raw path (before '?') */
	char	   *query;		/* raw query (after '?'), NULL if none */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t	    n_headers;
	struct buf  body;
	size_t	    body_cap;
	int	    body_too_large;
	char	    remote_ip[64];
	int	    listener;		/* index given at http_server_start */
	int64_t	    start_us;
	/* route match, filled by the application */
	int	    route;		/* index into its table, -1 none */
	char	    params[HTTP_MAX_PARAMS][HTTP_PARAM_MAX + 1];
	int	    param_too_long;	/* bit i: params[i] too long or
					   holds a NUL */
	/* response */
	int	    status;
	struct buf  resp;		/* body; empty = no body */
	int	    resp_json;		/* Content-Type: application/json */
	const char *content_type;	/* other Content-Type of a body */
	char	    allow[64];		/* Allow header for 405 */
	int	    retry_after;	/* seconds; 0 = no header */
	const char *resp_header;	/* name of one more header, or NULL */
	char	   *resp_header_value;	/* its value: malloc'd, wiped and
					   freed with the request */
	const char *extra[HTTP_EXTRA_HEADERS][2]; /* more (name, value),
					   both borrowed, static */
	size_t	    n_extra;
	/* log fields */
	const char *op;			/* the route's name, NULL none */
	char	    principal[160];
	char	    project[WJ_ID_LEN * 2 + 1];
	/* private */
	void	   *conn;
	struct http_server *srv;
	int	    dispatched;
	int	    admitted;		/* counted against max_inflight */
	/* http_req_defer: the answer comes later (server.c) */
	void	  (*defer_fn)(struct http_req *, void *);
	void	   *defer_arg;
	int	    deferred;		/* waiting for http_req_resume */
	int	    resumed;		/* http_req_resume was called */
	int	    suspended;		/* the connection is suspended */
};

/* Case-insensitive header lookup; NULL if absent. */
const char *http_header(const struct http_req *, const char *name);
/*
 * One more response header; name and value must outlive the request
 * (string literals).  Past HTTP_EXTRA_HEADERS it is dropped: -1.
 */
int	http_add_header(struct http_req *, const char *name,
	    const char *value);

/*
 * Answer later, without holding a server thread: called during dispatch
 * (instead of filling the response), it keeps the request and its
 * connection open.  Once the application calls http_req_resume (from any
 * thread, also before http_req_defer), fn(req, arg) runs on a server
 * thread and fills the response, which then goes out.  The request stays
 * valid until then.
 */
void	http_req_defer(struct http_req *,
	    void (*fn)(struct http_req *, void *arg), void *arg);
/* Thread-safe: the deferred request may now be answered. */
void	http_req_resume(struct http_req *);

/* Application callbacks (run on libmicrohttpd's pool threads). */
struct http_app {
	/* Fill req->status/resp for a complete request. */
	void	(*dispatch)(void *arg, struct http_req *);
	/* After the response went out (metrics); may be NULL. */
	void	(*completed)(void *arg, struct http_req *, int64_t micros);
	void	*arg;
};

/*
 * Run a request built in memory (req zeroed, then its request fields
 * filled; route -1) through app->dispatch on the calling thread, as the
 * server would without a connection: a deferred answer is waited for
 * (http_req_resume) and filled by its function before this returns.
 * For tests, fuzzers and tools; completed is not called.
 */
void	http_req_run(const struct http_app *, struct http_req *);

struct http_listener {
	const char *host;	/* numeric IPv4/IPv6 */
	int	    port;
	size_t	    body_cap;	/* larger bodies get 413 */
	const char *tls_cert;	/* PEM certificate chain, leaf first;
				   NULL: plain HTTP */
	const char *tls_key;	/* PEM private key, not readable by others */
	const char *name;	/* for the log: "public", "internal" */
};

struct http_opts {
	int	threads;		/* pool size */
	int	max_connections;
	int	timeout_s;		/* idle connection timeout */
	int	access_log;		/* one line per request on stderr */
	int	max_inflight;		/* per listener: requests admitted and
					   not yet completed, past which a new
					   one gets 503 at once; 0 = no bound */
};

/*
 * Start listening on every listener (0 = public, 1 = internal ...).
 * A port of 0 picks a free one; http_server_port tells which.
 */
int	http_server_start(const struct http_opts *, const struct http_listener *,
	    size_t n, const struct http_app *, struct http_server **out) WJ_WUR;
int	http_server_port(struct http_server *, size_t listener);
/* Access log on or off from now on (any thread). */
void	http_server_set_access_log(struct http_server *, int on);
/*
 * Read every TLS listener's certificate and key again from their files
 * and use them for new handshakes; connections already open keep theirs.
 * A listener whose files fail to load keeps its old ones; the first
 * failure is returned and every outcome logged.  0 with no TLS listener.
 */
int	http_server_reload_tls(struct http_server *) WJ_WUR;
/*
 * Whether cert and key would load (TLS built in, files readable, the key
 * not readable by others, the key the certificate's); why not in ei.
 */
int	http_tls_check(const char *cert, const char *key,
	    struct wj_errinfo *ei) WJ_WUR;
/* Stop accepting, wait up to drain_ms for requests in flight, stop. */
void	http_server_stop(struct http_server *, int drain_ms);

/* ---- routing ---------------------------------------------------------- */

/*
 * A route: method and a pattern of '/'-separated segments where "{name}"
 * matches one non-empty segment (percent-decoded into req->params in
 * order).  Patterns are matched against the raw path.  An application
 * keeps its own route entries (handler, permissions ...) with a struct
 * http_route as their first member, and hands the router its table.
 */
struct http_route {
	const char *method;
	const char *pattern;
	int	    listener;	/* which listener serves it */
};

/*
 * Find the route of req among the n entries of table, stride bytes apart
 * (the size of the application's entry; each starts with a struct
 * http_route), that req->listener serves: sets req->route (the index) and
 * req->params.  WJ_ERR_NO_ROUTE if no pattern matches the path;
 * WJ_ERR_METHOD (req->allow lists the methods) if only the method
 * differs.
 */
int	http_route_match(const struct http_route *table, size_t n,
	    size_t stride, struct http_req *req) WJ_WUR;

/* ---- query strings ------------------------------------------------- */

#define HTTP_QUERY_MAX_PARAMS 64

struct http_qparam {
	char	*name;		/* percent-decoded, '+' as space */
	char	*value;		/* "" when the item has no '=' */
	size_t	 name_len;	/* lengths: decoded text may hold NUL */
	size_t	 value_len;
};

/*
 * Split a raw query ("a=1&b=%20") into decoded pairs, in order; empty
 * items are skipped.  WJ_ERR_INVALID past HTTP_QUERY_MAX_PARAMS.
 * Free with http_query_free.
 */
int	http_query_parse(const char *raw, struct http_qparam **out, size_t *n)
	    WJ_WUR;
void	http_query_free(struct http_qparam *, size_t n);

/* ---- replies ---------------------------------------------------------- */

/* Set a JSON response: status and body taken from b (b is emptied). */
void	http_reply_json(struct http_req *, int status, struct buf *b);
/* Set an empty 200/204-style response. */
void	http_reply_empty(struct http_req *, int status);
/*
 * The one writer of error bodies: maps a WJ_ERR_* code to its status,
 * code and message (docs/API.md#errors); ei->detail becomes error_detail
 * (service errors) or the message suffix (gateway 401s).
 */
void	http_reply_error(struct http_req *, int err,
	    const struct wj_errinfo *ei);
/* The HTTP status http_reply_error uses for err. */
int	http_error_status(int err);

/* Error body shapes (docs/API.md#errors). */
enum http_err_style {
	HTTP_ERR_WKS = 0,	/* {"error_code","error_msg","error_detail"} */
	HTTP_ERR_IAM = 1,	/* {"error":{"code","message","title"}} */
	HTTP_ERR_STS = 2,	/* {"error_code":"STS5.xxxx","error_msg"} */
	HTTP_ERR_CTS = 3,	/* {"error_code":"CTS.xxxx","error_msg"} */
};

/*
 * http_reply_error in the body shape of another service.  Gateway
 * errors (APIGW.*) keep theirs.  IAM: the message is ei->detail when
 * there is one.  With HTTP_ERR_WKS and HTTP_ERR_CTS, encoded (may be
 * NULL) becomes the encoded_authorization_message of a WJ_ERR_DENIED.
 */
void	http_reply_error_as(struct http_req *, int style, int err,
	    const struct wj_errinfo *ei, const char *encoded);

/* Preauthentication limits: a request with neither Authorization nor
 * X-Auth-Token gets these smaller caps (after Redis;
 * docs/ARCHITECTURE.md#security). */
#define HTTP_PREAUTH_BODY_MAX		8192
#define HTTP_PREAUTH_HEADERS_BYTES_MAX	16384

#endif
