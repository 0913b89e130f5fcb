/*
 * client.c - signed HTTP requests over libcurl; see client.h.  Signing
 * itself is auth/sig.c's sig_sign over the verifier's own canonical
 * request (auth/sig_canon.c); this file chooses the headers, sends
 * exactly the bytes it signed and collects the answer.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "client.h"
#include "../util/crypto.h"
#include "../util/util.h"

#define CONTENT_TYPE	"application/json"
#define USER_AGENT	"wksjobs-cli/1.0"
#define N_SIGNED_MAX	(4 + CLIENT_EXTRA_HEADERS)

struct client {
	CURL		       *curl;
	struct client_endpoint	ep;
	char		       *endpoint;
	char		       *ak;
	char		       *sk;
	char		       *project_id;	/* NULL: none */
	char		       *ca_file;	/* NULL: the system's CAs */
	long			timeout_s;
};

/* ---- endpoint ------------------------------------------------------- */

static int
printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static int
copy_part(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return WJ_ERR_INVALID;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

int
client_endpoint_parse(const char *url, struct client_endpoint *out)
{
	const char *p, *host, *slash;
	size_t n, hl;

	memset(out, 0, sizeof(*out));
	if (url == NULL || (n = strlen(url)) == 0 || n > CLIENT_ENDPOINT_MAX ||
	    !printable(url, n) || strpbrk(url, "?#@\\") != NULL)
		return WJ_ERR_INVALID;
	if (strncmp(url, "http://", 7) == 0) {
		strcpy(out->scheme, "http");
		host = url + 7;
	} else if (strncmp(url, "https://", 8) == 0) {
		strcpy(out->scheme, "https");
		host = url + 8;
	} else
		return WJ_ERR_INVALID;
	slash = strchr(host, '/');
	hl = slash != NULL ? (size_t)(slash - host) : strlen(host);
	/* An empty host or a bare ":port" is no endpoint. */
	if (hl == 0 || host[0] == ':' || host[hl - 1] == ':' ||
	    copy_part(out->netloc, sizeof(out->netloc), host, hl) != 0)
		return WJ_ERR_INVALID;
	p = slash != NULL ? slash : "";
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;			/* the API paths bring their own '/' */
	return copy_part(out->base, sizeof(out->base), p, n);
}

/* ---- signing -------------------------------------------------------- */

int
client_sign(const struct client_sign_in *in, const char *ak, const char *sk,
    char **authorization)
{
	struct sig_header h[N_SIGNED_MAX];
	struct sig_request req;
	size_t n = 0, i;

	*authorization = NULL;
	if (in->n_extra > CLIENT_EXTRA_HEADERS)
		return WJ_ERR_INVALID;
	h[n++] = (struct sig_header){ "Content-Type", CONTENT_TYPE };
	h[n++] = (struct sig_header){ "Host", in->netloc };
	if (in->project_id != NULL)
		h[n++] = (struct sig_header){ "X-Project-Id", in->project_id };
	h[n++] = (struct sig_header){ "X-Sdk-Date", in->date };
	for (i = 0; i < in->n_extra; i++)
		h[n++] = in->extra[i];
	memset(&req, 0, sizeof(req));
	req.method = in->method;
	req.path = in->path;
	req.query = in->query;
	req.headers = h;
	req.n_headers = n;
	req.body = in->body;
	req.body_len = in->body_len;
	return sig_sign(&req, ak, sk, authorization);
}

/* ---- client --------------------------------------------------------- */

int
client_global_init(void)
{
	json_object_seed(0);
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 :
	    WJ_ERR_INTERNAL;
}

static char *
dup_or_null(const char *s, int *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*fail = 1;
	return d;
}

static int
check_config(const struct client_config *cfg, struct client_endpoint *ep,
    struct wj_errinfo *ei)
{
	if (client_endpoint_parse(cfg->endpoint, ep) != 0) {
		wj_errinfo_set(ei, "endpoint must be http://HOST[:PORT] or "
		    "https://HOST[:PORT]");
		return WJ_ERR_INVALID;
	}
	if (cfg->ak == NULL || cfg->ak[0] == '\0' ||
	    strlen(cfg->ak) > SIG_AK_MAX || !printable(cfg->ak,
	    strlen(cfg->ak)) || strchr(cfg->ak, ',') != NULL) {
		wj_errinfo_set(ei, "a valid access key is required");
		return WJ_ERR_INVALID;
	}
	if (cfg->sk == NULL || cfg->sk[0] == '\0') {
		wj_errinfo_set(ei, "a secret key is required");
		return WJ_ERR_INVALID;
	}
	if (cfg->project_id != NULL && (cfg->project_id[0] == '\0' ||
	    strlen(cfg->project_id) > 255 || !printable(cfg->project_id,
	    strlen(cfg->project_id)))) {
		wj_errinfo_set(ei, "project ID must be 1..255 printable "
		    "characters");
		return WJ_ERR_INVALID;
	}
	return 0;
}

int
client_new(const struct client_config *cfg, struct client **out,
    struct wj_errinfo *ei)
{
	struct client *c;
	int fail = 0, r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return WJ_ERR_NOMEM;
	if ((r = check_config(cfg, &c->ep, ei)) != 0) {
		client_free(c);
		return r;
	}
	c->endpoint = dup_or_null(cfg->endpoint, &fail);
	c->ak = dup_or_null(cfg->ak, &fail);
	c->sk = dup_or_null(cfg->sk, &fail);
	c->project_id = dup_or_null(cfg->project_id, &fail);
	c->ca_file = dup_or_null(cfg->ca_file, &fail);
	c->timeout_s = cfg->timeout_s > 0 ? cfg->timeout_s :
	    CLIENT_TIMEOUT_DEFAULT;
	if (fail || (c->curl = curl_easy_init()) == NULL) {
		client_free(c);
		return WJ_ERR_NOMEM;
	}
	*out = c;
	return 0;
}

/* A value given, else a non-empty environment variable, else NULL. */
static const char *
given_or_env(const char *given, const char *env)
{
	const char *e;

	if (given != NULL)
		return given;
	e = getenv(env);
	return e != NULL && e[0] != '\0' ? e : NULL;
}

static int
missing(const char *what, const char *flag, const char *env)
{
	fprintf(stderr, "wksjobs: no %s: give --%s or set %s\n", what, flag,
	    env);
	return WJ_ERR_INVALID;
}

int
client_open(const struct client_config *given, const char *endpoint_flag,
    int need_project, struct client **out)
{
	struct client_config cfg = *given;
	struct wj_errinfo ei;
	int r;

	*out = NULL;
	memset(&ei, 0, sizeof(ei));
	cfg.ak = given_or_env(given->ak, "HUAWEICLOUD_SDK_AK");
	cfg.sk = given_or_env(given->sk, "HUAWEICLOUD_SDK_SK");
	cfg.project_id = given_or_env(given->project_id,
	    "HUAWEICLOUD_SDK_PROJECT_ID");
	if (cfg.ak == NULL)
		return missing("access key", "ak", "HUAWEICLOUD_SDK_AK");
	if (cfg.sk == NULL)
		return missing("secret key", "sk", "HUAWEICLOUD_SDK_SK");
	if (need_project && cfg.project_id == NULL)
		return missing("project ID", "project-id",
		    "HUAWEICLOUD_SDK_PROJECT_ID");
	/* $SSL_CERT_FILE matters to https endpoints only. */
	cfg.ca_file = given->ca_file != NULL || (cfg.endpoint != NULL &&
	    strncmp(cfg.endpoint, "https:", 6) == 0) ?
	    given_or_env(given->ca_file, "SSL_CERT_FILE") : NULL;
	if (cfg.ca_file != NULL && access(cfg.ca_file, R_OK) != 0) {
		fprintf(stderr, "wksjobs: %s %s: cannot read it: %s\n",
		    given->ca_file != NULL ? "--ca-file" : "$SSL_CERT_FILE",
		    cfg.ca_file, strerror(errno));
		return WJ_ERR_INVALID;
	}
	if (client_global_init() != 0) {
		fprintf(stderr, "wksjobs: cannot initialise libcurl\n");
		return WJ_ERR_IO;
	}
	if ((r = client_new(&cfg, out, &ei)) != 0) {
		if (r != WJ_ERR_INVALID)
			fprintf(stderr, "wksjobs: %s\n", wj_strerror(r));
		else
			fprintf(stderr, "wksjobs: --%s %s: %s\n",
			    endpoint_flag, cfg.endpoint, ei.detail);
		return r;
	}
	return 0;
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	if (c->sk != NULL)
		wj_freezero(c->sk, strlen(c->sk));
	free(c->endpoint);
	free(c->ak);
	free(c->project_id);
	free(c->ca_file);
	free(c);
}

const char *
client_endpoint(const struct client *c)
{
	return c->endpoint;
}

const char *
client_project_id(const struct client *c)
{
	return c->project_id;
}

void
client_resp_init(struct client_resp *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body);
}

void
client_resp_free(struct client_resp *r)
{
	buf_free(&r->body);
	json_decref(r->json);
	client_resp_init(r);
}

int
client_resp_ok(const struct client_resp *r)
{
	return r->status >= 200 && r->status <= 299;
}

/* ---- one request ---------------------------------------------------- */

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct client_resp *r = arg;

	/* curl guarantees size * n fits: it is the length of p. */
	if (buf_append(&r->body, p, size * n) != 0)
		return 0;	/* makes curl fail with CURLE_WRITE_ERROR */
	return size * n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	static const char name[] = "x-request-id:";
	struct client_resp *r = arg;
	size_t len = size * n, k = sizeof(name) - 1;

	if (len > k && strncasecmp(p, name, k) == 0) {
		p += k;
		len -= k;
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if (len > CLIENT_REQUEST_ID_MAX)
			len = CLIENT_REQUEST_ID_MAX;
		memcpy(r->request_id, p, len);
		r->request_id[len] = '\0';
		(void)client_sanitize(r->request_id, r->request_id,
		    sizeof(r->request_id), CLIENT_REQUEST_ID_MAX);
	}
	return size * n;
}

static int
add_header(struct curl_slist **l, const char *name, const char *value)
{
	struct curl_slist *n;
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "%s: %s", name, value);
	if (b.failed) {
		buf_free(&b);
		return WJ_ERR_NOMEM;
	}
	n = curl_slist_append(*l, b.data);
	/* The Authorization line is a secret's derivative: wipe the copy. */
	OPENSSL_cleanse(b.data, b.len);
	buf_free(&b);
	if (n == NULL)
		return WJ_ERR_NOMEM;
	*l = n;
	return 0;
}

/* Every header sent: the signed ones first, then the unsigned ones. */
static int
build_headers(const struct client *c, const char *date, const char *auth,
    const struct sig_header *extra, size_t n_extra, struct curl_slist **l)
{
	struct curl_slist *n;
	size_t i;
	int r;

	*l = NULL;
	if ((r = add_header(l, "Host", c->ep.netloc)) != 0 ||
	    (r = add_header(l, "Content-Type", CONTENT_TYPE)) != 0 ||
	    (c->project_id != NULL &&
	    (r = add_header(l, "X-Project-Id", c->project_id)) != 0) ||
	    (r = add_header(l, "X-Sdk-Date", date)) != 0 ||
	    (r = add_header(l, "Authorization", auth)) != 0 ||
	    (r = add_header(l, "Accept", CONTENT_TYPE)) != 0 ||
	    (r = add_header(l, "User-Agent", USER_AGENT)) != 0)
		return r;
	for (i = 0; i < n_extra; i++)
		if ((r = add_header(l, extra[i].name, extra[i].value)) != 0)
			return r;
	/* No "Expect: 100-continue" round trip for larger bodies. */
	if ((n = curl_slist_append(*l, "Expect:")) == NULL)
		return WJ_ERR_NOMEM;
	*l = n;
	return 0;
}

static int
check_extra(const struct sig_header *extra, size_t n)
{
	size_t i;

	if (n > CLIENT_EXTRA_HEADERS)
		return WJ_ERR_INVALID;
	for (i = 0; i < n; i++)
		if (extra[i].name == NULL || extra[i].value == NULL ||
		    extra[i].name[0] == '\0' ||
		    !printable(extra[i].name, strlen(extra[i].name)) ||
		    strchr(extra[i].name, ':') != NULL ||
		    strpbrk(extra[i].value, "\r\n") != NULL)
			return WJ_ERR_INVALID;
	return 0;
}

static void
set_options(struct client *c, const char *method, const char *url,
    const char *body, struct curl_slist *hdrs, struct client_resp *resp)
{
	CURL *h = c->curl;

	curl_easy_reset(h);	/* keeps the connection cache */
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);	/* send what we signed */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    c->timeout_s < 10 ? c->timeout_s : 10L);
	/* https: the server's certificate is verified, always. */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (c->ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	else {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body != NULL ? body :
		    "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(body != NULL ? strlen(body) : 0));
	}
}

/*
 * resp->error for a failed transfer: libcurl's text, and for the TLS
 * failures what they mean and what to do.
 */
static void
transport_error(const struct client *c, CURLcode cc, const char *why,
    struct client_resp *resp)
{
	const char *post = "";

	if (cc == CURLE_PEER_FAILED_VERIFICATION) {
		if (c->ca_file != NULL)
			(void)snprintf(resp->error, sizeof(resp->error), "the "
			    "server's TLS certificate was not trusted (%s); is "
			    "it signed by a CA in %s, valid now and made out "
			    "to this host?", why, c->ca_file);
		else
			(void)snprintf(resp->error, sizeof(resp->error), "the "
			    "server's TLS certificate was not trusted (%s); "
			    "give --ca-file (or set $SSL_CERT_FILE) with the CA "
			    "that signed it", why);
		return;
	}
	if (cc == CURLE_SSL_CONNECT_ERROR)
		post = " (TLS handshake failed: is the server HTTPS, TLS 1.2 "
		    "or 1.3?)";
	else if (strcmp(c->ep.scheme, "http") == 0 &&
	    (cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING ||
	    cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_WEIRD_SERVER_REPLY))
		post = " (if the server speaks HTTPS, the endpoint is "
		    "https://...)";
	(void)snprintf(resp->error, sizeof(resp->error), "%s%s", why, post);
}

static int
perform(struct client *c, struct client_resp *resp)
{
	char errbuf[CURL_ERROR_SIZE];
	CURLcode cc;

	errbuf[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	if ((cc = curl_easy_perform(c->curl)) != CURLE_OK) {
		transport_error(c, cc, errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(cc), resp);
		curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
		return resp->body.failed ? WJ_ERR_NOMEM : WJ_ERR_IO;
	}
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->body.len > 0)
		resp->json = json_loadb(resp->body.data, resp->body.len, 0,
		    NULL);
	return 0;
}

int
client_do(struct client *c, const char *method, const char *path,
    const char *query, const char *body, const struct sig_header *extra,
    size_t n_extra, struct client_resp *resp)
{
	struct client_sign_in in;
	struct curl_slist *hdrs = NULL;
	struct buf full, url;
	char date[17], *auth = NULL;
	int r;

	client_resp_free(resp);
	buf_init(&full);
	buf_init(&url);
	if ((r = check_extra(extra, n_extra)) != 0)
		goto out;
	buf_printf(&full, "%s%s", c->ep.base, path);
	buf_printf(&url, "%s://%s%s%s%s", c->ep.scheme, c->ep.netloc,
	    full.data != NULL ? full.data : "", query != NULL &&
	    query[0] != '\0' ? "?" : "", query != NULL ? query : "");
	if (full.failed || url.failed) {
		r = WJ_ERR_NOMEM;
		goto out;
	}
	sig_format_date(wj_now_ms(), date);
	memset(&in, 0, sizeof(in));
	in.method = method;
	in.netloc = c->ep.netloc;
	in.path = full.data;
	in.query = query;
	in.project_id = c->project_id;
	in.date = date;
	in.body = body;
	in.body_len = body != NULL ? strlen(body) : 0;
	in.extra = extra;
	in.n_extra = n_extra;
	if ((r = client_sign(&in, c->ak, c->sk, &auth)) != 0 ||
	    (r = build_headers(c, date, auth, extra, n_extra, &hdrs)) != 0)
		goto out;
	set_options(c, method, url.data, body, hdrs, resp);
	r = perform(c, resp);
 out:
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	if (auth != NULL)
		wj_freezero(auth, strlen(auth));
	buf_free(&full);
	buf_free(&url);
	return r;
}

int
client_do_json(struct client *c, const char *method, const char *path,
    const char *query, json_t *body, const struct sig_header *extra,
    size_t n_extra, struct client_resp *resp)
{
	char *text = NULL;
	int r;

	if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL) {
		client_resp_free(resp);
		return WJ_ERR_NOMEM;
	}
	r = client_do(c, method, path, query, text, extra, n_extra, resp);
	free(text);
	return r;
}

/* ---- paths and queries ---------------------------------------------- */

int
client_path_add(struct buf *path, const char *segment)
{
	int r;

	if (segment == NULL || segment[0] == '\0')
		return WJ_ERR_INVALID;
	if ((r = buf_putc(path, '/')) != 0 ||
	    (r = sig_uri_encode(path, segment, strlen(segment))) != 0)
		return r;
	return 0;
}

int
client_query_add(struct buf *q, const char *name, const char *value)
{
	int r;

	if ((q->len > 0 && (r = buf_putc(q, '&')) != 0) ||
	    (r = sig_uri_encode(q, name, strlen(name))) != 0 ||
	    (r = buf_putc(q, '=')) != 0 ||
	    (r = sig_uri_encode(q, value, strlen(value))) != 0)
		return r;
	return 0;
}

void
client_listener_hint(FILE *f, struct client *c,
    const struct client_resp *resp, int internal_api)
{
	const char *code;
	int probe;

	code = json_string_value(json_object_get(resp->json, "error_code"));
	if (resp->status != 404 || code == NULL ||
	    strcmp(code, "APIGW.0101") != 0)
		return;
	/* The other listener of the pair answers this for every path. */
	probe = client_probe_internal(c);
	if (!internal_api && probe == 1)
		fprintf(f, "wksjobs: %s looks like the internal listener; "
		    "the public API is on the other port (default %s): give "
		    "--endpoint or set $WKSJOBS_ENDPOINT\n", client_endpoint(c),
		    CLIENT_PUBLIC_DEFAULT);
	else if (internal_api && probe == 0)
		fprintf(f, "wksjobs: %s looks like the public listener; "
		    "the internal API is on the other port (default %s): give "
		    "--internal-endpoint or set $WKSJOBS_INTERNAL_ENDPOINT\n",
		    client_endpoint(c), CLIENT_INTERNAL_DEFAULT);
}

int
client_probe_internal(struct client *c)
{
	struct client_resp r;
	int e, result = -1;

	client_resp_init(&r);
	e = client_do(c, "GET", "/healthz", NULL, NULL, NULL, 0, &r);
	if (e == 0 && r.status == 200)
		result = 1;
	else if (e == 0 && r.status == 404)
		result = 0;
	client_resp_free(&r);
	return result;
}
