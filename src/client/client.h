/*
 * client.h - the HTTP client of the CLI commands and the worker: one
 * libcurl easy handle (connections kept alive) talking to one endpoint,
 * every request AK/SK-signed through auth/sig.h the way the Huawei SDKs
 * sign it: Host, X-Sdk-Date, Content-Type and X-Project-Id (plus any
 * extra header the caller adds) are signed; User-Agent and Accept are
 * not (docs/API.md#authentication).  It knows the wire, not the API:
 * paths, query strings and bodies come from the callers (cli/cmd_*.c,
 * client/worker.c).
 *
 * Not thread-safe per handle: a thread uses its own struct client.
 * client_global_init() must run once before any thread starts.
 */
#ifndef WJ_CLIENT_H
#define WJ_CLIENT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "../auth/sig.h"
#include "../util/buf.h"
#include "../util/err.h"

#define CLIENT_ENDPOINT_MAX	2048	/* whole endpoint URL */
#define CLIENT_NETLOC_MAX	512	/* host[:port], the signed Host */
#define CLIENT_REQUEST_ID_MAX	128	/* X-Request-Id kept for messages */
#define CLIENT_ERROR_MAX	512	/* transport failure text */
#define CLIENT_EXTRA_HEADERS	4	/* caller headers per request */
#define CLIENT_TIMEOUT_DEFAULT	30	/* seconds per request */

/* Defaults of --endpoint / --internal-endpoint. */
#define CLIENT_PUBLIC_DEFAULT	"http://127.0.0.1:8080"
#define CLIENT_INTERNAL_DEFAULT	"http://127.0.0.1:8081"

/* An endpoint URL taken apart: what is signed must be what is sent. */
struct client_endpoint {
	char	scheme[8];			/* "http" or "https" */
	char	netloc[CLIENT_NETLOC_MAX + 1];	/* host[:port] as written */
	char	base[CLIENT_ENDPOINT_MAX + 1];	/* path prefix, no final / */
};

/*
 * Parse "http[s]://host[:port][/prefix]".  WJ_ERR_INVALID for another
 * scheme, an empty host, a query, fragment, user info, spaces or
 * control characters, or anything over the limits above.
 */
int	client_endpoint_parse(const char *url, struct client_endpoint *out)
	    WJ_WUR;

/* Where credentials and the endpoint come from; strings are borrowed. */
struct client_config {
	const char *endpoint;
	const char *ak;
	const char *sk;
	const char *project_id;	/* X-Project-Id; NULL sends none */
	long	    timeout_s;	/* whole request; 0 = CLIENT_TIMEOUT_DEFAULT */
	const char *ca_file;	/* PEM CAs an https server's certificate must
				   chain to; NULL: the system's.  The
				   certificate is always verified. */
};

/*
 * The request as signed: the caller's headers plus Host, Content-Type,
 * X-Project-Id (when project_id is set) and X-Sdk-Date of date ("YYYY
 * MMDDTHHMMSSZ").  Pure, so that it is unit-tested against the SDK
 * vectors.  *authorization is malloc'd (the caller frees it).
 */
struct client_sign_in {
	const char *method;
	const char *netloc;
	const char *path;		/* full path, percent-encoded */
	const char *query;		/* encoded, no '?'; NULL for none */
	const char *project_id;		/* NULL: no X-Project-Id */
	const char *date;
	const void *body;
	size_t	    body_len;
	const struct sig_header *extra;	/* signed too */
	size_t	    n_extra;
};
int	client_sign(const struct client_sign_in *in, const char *ak,
	    const char *sk, char **authorization) WJ_WUR;

struct client;

/* Call once, before threads (libcurl and jansson global state). */
int	client_global_init(void) WJ_WUR;

/*
 * A client for cfg (strings are copied; the SK is wiped on free).
 * WJ_ERR_INVALID with the reason in ei for a bad endpoint or missing
 * credentials.
 */
int	client_new(const struct client_config *cfg, struct client **out,
	    struct wj_errinfo *ei) WJ_WUR;
void	client_free(struct client *);

/*
 * client_new for a command line: credentials not given (NULL) come from
 * the SDKs' variables HUAWEICLOUD_SDK_AK, _SK and _PROJECT_ID, the CA
 * file from SSL_CERT_FILE (as OpenSSL reads it), and the project ID is
 * required when need_project is set.  Says why on stderr
 * when it fails: WJ_ERR_INVALID for missing credentials or a bad
 * endpoint (the flag endpoint_flag names it), another error otherwise.
 */
int	client_open(const struct client_config *given,
	    const char *endpoint_flag, int need_project, struct client **out)
	    WJ_WUR;
/* The endpoint as configured (for messages); borrowed. */
const char *client_endpoint(const struct client *);
/* The project ID configured, or NULL; borrowed. */
const char *client_project_id(const struct client *);

/* What came back.  Free with client_resp_free (also after failure). */
struct client_resp {
	long	status;			/* HTTP status, 0 if none came */
	struct buf body;
	json_t *json;			/* body if it parsed as JSON; owned */
	char	request_id[CLIENT_REQUEST_ID_MAX + 1];
	char	error[CLIENT_ERROR_MAX];	/* transport failure */
};

void	client_resp_init(struct client_resp *);
void	client_resp_free(struct client_resp *);

/*
 * One signed request.  path is relative to the endpoint's prefix and
 * already encoded (client_path_add); body is JSON text or NULL.  Returns
 * 0 when a response arrived, whatever its status; WJ_ERR_IO when none
 * did (text in resp->error), WJ_ERR_NOMEM, WJ_ERR_INVALID.
 */
int	client_do(struct client *, const char *method, const char *path,
	    const char *query, const char *body,
	    const struct sig_header *extra, size_t n_extra,
	    struct client_resp *resp) WJ_WUR;

/*
 * As client_do with a jansson body (NULL for none), compact-encoded.
 */
int	client_do_json(struct client *, const char *method, const char *path,
	    const char *query, json_t *body, const struct sig_header *extra,
	    size_t n_extra, struct client_resp *resp) WJ_WUR;

/* Append "/" + the RFC 3986 encoding of segment to a path. */
int	client_path_add(struct buf *path, const char *segment) WJ_WUR;
/* Append "name=value" (encoded, '&' between pairs) to a query. */
int	client_query_add(struct buf *query, const char *name,
	    const char *value) WJ_WUR;

/*
 * Whether the endpoint is a wksjobs internal listener, the one that
 * serves GET /healthz: 1 it is (200), 0 it is not (404), -1 unknown.
 * For the hint after a "The API does not exist" answer.
 */
int	client_probe_internal(struct client *);
/*
 * After resp, if it is the gateway's 404 "The API does not exist"
 * (APIGW.0101): probe the endpoint and, when it is the other listener of
 * the pair, say so on f with the flag that points at the right one.
 * internal_api: the call was meant for the internal listener.
 */
void	client_listener_hint(FILE *f, struct client *,
	    const struct client_resp *resp, int internal_api);

/* Is the response a 2xx? */
int	client_resp_ok(const struct client_resp *);
/*
 * One line on f about a failed call:
 *   wksjobs: WHAT failed: HTTP 404 error_code=WKS.0202 error_msg="..."
 *   [error_detail="..."] request_id=...
 * or "no response from ENDPOINT: why".  Server text is sanitised.
 */
void	client_resp_print_error(FILE *f, const char *what,
	    const struct client *, const struct client_resp *);

/*
 * Copy s into out (cap bytes, always terminated) fit for a terminal or a
 * log line: control characters, C1 controls and invalid UTF-8 become
 * '?', and at most max_chars code points are kept.  Returns out.
 */
char	*client_sanitize(const char *s, char *out, size_t cap,
	    size_t max_chars);

#endif
