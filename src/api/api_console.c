/*
 * api_console.c - the web console (docs/API.md#web-console): its files,
 * compiled into the binary from console/ (scripts/embed_console.py),
 * served under /console/ on the public listener with headers that allow
 * nothing but the service's own scripts and styles; its login, which
 * puts an IAM token (api_iam.c's password flow) into an HttpOnly,
 * SameSite=Strict cookie; the session's CSRF value, an HMAC of the token
 * under the master key (any node holding the key checks it without a
 * database read); and its logout, which revokes the user's tokens
 * through the users row (users.tokens_valid_after, on every node) and
 * clears the cookie.
 *
 * The gate (api.c) accepts the cookie as the credential of any route of
 * the public listener when a request carries neither a signature nor
 * X-Auth-Token, and refuses a write so authenticated unless X-CSRF-Token
 * matches (api_console_csrf_check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api.h"
#include "../auth/token.h"

struct console_file {
	const char	    *path;	/* relative to console/ */
	const char	    *type;	/* Content-Type */
	const unsigned char *data;
	size_t		     len;
	const char	    *etag;	/* quoted */
};

#include "console_files.h"	/* generated: console_files[] */

#define CSRF_LABEL	"wksjobs console csrf v1"
#define CSRF_TEXT_MAX	64	/* base64url of an HMAC-SHA256: 43 */
#define PREFIX		"/console/"

/* Only what the console's own files do: scripts, styles, its API. */
#define CSP "default-src 'self'; object-src 'none'; base-uri 'none'; " \
	"frame-ancestors 'none'; form-action 'self'"

void
api_console_headers(struct http_req *h)
{
	(void)http_add_header(h, "Content-Security-Policy", CSP);
	(void)http_add_header(h, "X-Frame-Options", "DENY");
	(void)http_add_header(h, "X-Content-Type-Options", "nosniff");
	(void)http_add_header(h, "Referrer-Policy", "no-referrer");
}

/* ---- files --------------------------------------------------------------- */

static const struct console_file *
find_file(const char *rel)
{
	size_t i;

	for (i = 0; i < CONSOLE_N_FILES; i++)
		if (strcmp(console_files[i].path, rel) == 0)
			return &console_files[i];
	return NULL;
}

/* Whether If-None-Match names etag (or is "*"). */
static int
not_modified(const struct http_req *h, const char *etag)
{
	const char *inm = http_header(h, "If-None-Match");

	return inm != NULL && (strcmp(inm, "*") == 0 ||
	    strstr(inm, etag) != NULL);
}

/*
 * GET /console, /console/ and the files below it.  Every answer is
 * revalidated (no-cache) against the file's ETag, so a new binary's
 * files are seen at once and an unchanged file costs a 304.
 */
int
api_console_file(struct api_req *r)
{
	struct http_req *h = r->http;
	const struct console_file *f;
	const char *rel;

	if (strcmp(h->path, "/console") == 0) {
		(void)http_add_header(h, "Location", PREFIX);
		http_reply_empty(h, 308);
		return 0;
	}
	rel = h->path + strlen(PREFIX);
	if (*rel == '\0')
		rel = "index.html";
	if ((f = find_file(rel)) == NULL)
		return WJ_ERR_NO_ROUTE;
	(void)http_add_header(h, "ETag", f->etag);
	(void)http_add_header(h, "Cache-Control", "no-cache");
	if (not_modified(h, f->etag)) {
		http_reply_empty(h, 304);
		return 0;
	}
	buf_free(&h->resp);
	if (buf_append(&h->resp, f->data, f->len) != 0)
		return WJ_ERR_NOMEM;
	h->status = 200;
	h->resp_json = 0;
	h->content_type = f->type;
	return 0;
}

/* ---- the session ------------------------------------------------------- */

int
api_console_cookie(const struct http_req *h, char *out, size_t cap)
{
	const char *c = http_header(h, "Cookie"), *v, *end;
	size_t nl = strlen(API_CONSOLE_COOKIE), n;

	for (; c != NULL && *c != '\0'; c = end) {
		while (*c == ' ' || *c == ';')
			c++;
		end = c + strcspn(c, ";");
		if ((size_t)(end - c) <= nl || strncmp(c, API_CONSOLE_COOKIE,
		    nl) != 0 || c[nl] != '=')
			continue;
		v = c + nl + 1;
		n = (size_t)(end - v);
		if (n == 0 || n >= cap)
			return -1;
		memcpy(out, v, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

/* The CSRF value of token under key: base64url(HMAC(key, label|token)). */
static int
csrf_of(const uint8_t *key, const char *token, char **out)
{
	uint8_t mac[WJ_SHA256_LEN];
	struct buf b;
	int e;

	buf_init(&b);
	if (buf_puts(&b, CSRF_LABEL) != 0 || buf_putc(&b, '\0') != 0 ||
	    buf_puts(&b, token) != 0) {
		buf_free(&b);
		return WJ_ERR_NOMEM;
	}
	wj_hmac_sha256(key, WJ_MASTER_KEY_LEN, b.data, b.len, mac);
	buf_free(&b);
	e = wj_b64url_encode(mac, sizeof(mac), out);
	OPENSSL_cleanse(mac, sizeof(mac));
	return e;
}

/* Whether sent is token's CSRF value under key. */
static int
csrf_matches(const uint8_t *key, const char *token, const char *sent)
{
	char *want = NULL;
	int ok;

	if (csrf_of(key, token, &want) != 0)
		return 0;
	ok = strlen(sent) == strlen(want) &&
	    wj_ct_equal(sent, want, strlen(want));
	free(want);
	return ok;
}

int
api_console_csrf_check(struct api_req *r, const char *token)
{
	const struct wj_master_key *mk = &r->api->mk;
	const char *m = r->http->method, *sent;
	size_t i;

	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
		return 0;
	sent = http_header(r->http, "X-CSRF-Token");
	/* A value made under a key retired since still counts. */
	if (sent != NULL && strlen(sent) <= CSRF_TEXT_MAX) {
		if (csrf_matches(mk->key, token, sent))
			return 0;
		for (i = 0; i < mk->n_old; i++)
			if (csrf_matches(mk->old[i].key, token, sent))
				return 0;
	}
	wj_errinfo_set(&r->err, "a write with the console's session cookie "
	    "needs the session's X-CSRF-Token header");
	return WJ_ERR_DENIED;
}

/* The session cookie (malloc'd) holding token, or clearing it (NULL). */
static char *
session_cookie(const struct api *a, const char *token, int64_t max_age_s)
{
	char *c = NULL;
	int n;

	n = asprintf(&c, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; "
	    "SameSite=Strict%s", API_CONSOLE_COOKIE, token != NULL ? token : "",
	    (long long)max_age_s, a->console_secure ? "; Secure" : "");
	return n < 0 ? NULL : c;
}

static int
set_cookie(struct api_req *r, char *cookie)
{
	struct http_req *h = r->http;

	if (cookie == NULL)
		return WJ_ERR_NOMEM;
	if (h->resp_header_value != NULL) {
		OPENSSL_cleanse(h->resp_header_value,
		    strlen(h->resp_header_value));
		free(h->resp_header_value);
	}
	h->resp_header = "Set-Cookie";
	h->resp_header_value = cookie;
	return 0;
}

/* The session's identity, for its JSON. */
struct session {
	const char *user_id, *user_name;
	const char *domain_id, *domain_name;
	const char *project_id, *project_name;	/* "": none */
	int	    is_root;
	int64_t	    expires_ms;			/* 0: not said */
};

/* {"user", "domain", "project"?, "is_root", "csrf_token", "expires_at"?} */
static int
session_body(struct api_req *r, const struct session *s, const char *token)
{
	char *csrf = NULL, exp[28];
	struct buf b;
	struct jw w;
	int e;

	if ((e = csrf_of(r->api->mk.key, token, &csrf)) != 0)
		return e;
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	api_json_named(&w, "user", s->user_id, s->user_name);
	api_json_named(&w, "domain", s->domain_id, s->domain_name);
	if (s->project_id[0] != '\0')
		api_json_named(&w, "project", s->project_id, s->project_name);
	jw_key(&w, "is_root");
	jw_bool(&w, s->is_root);
	jw_kv_str(&w, "csrf_token", csrf);
	if (s->expires_ms > 0) {
		wj_time_iso(s->expires_ms, exp);
		jw_kv_str(&w, "expires_at", exp);
	}
	jw_obj_close(&w);
	free(csrf);
	return api_reply(r, 200, &b);
}

int
api_console_login_reply(struct api_req *r, const struct token *t,
    const char *text, int is_root)
{
	int64_t age = (t->expires_ms - t->issued_ms) / 1000;
	struct session s = { t->user_id, t->user_name, t->domain_id,
	    t->domain_name, t->project_id, t->project_name, is_root,
	    t->expires_ms };
	int e;

	if ((e = session_body(r, &s, text)) != 0)
		return e;
	return set_cookie(r, session_cookie(r->api, text, age));
}

/* POST /console/api/login: no credentials, rate-limited by address. */
int
api_console_login(struct api_req *r)
{
	return api_iam_console_login(r);
}

/* The request's session token, or WJ_ERR_AUTH when it came otherwise. */
static int
session_token(struct api_req *r, char *out, size_t cap)
{
	if (!r->who.via_console ||
	    api_console_cookie(r->http, out, cap) != 0) {
		wj_errinfo_set(&r->err, "no console session");
		return WJ_ERR_AUTH;
	}
	return 0;
}

/* GET /console/api/session: who is logged in, and the CSRF value. */
int
api_console_session(struct api_req *r)
{
	const struct principal *w = &r->who;
	struct store_project p;
	struct session s = { w->user_id, w->user_name, w->domain_id,
	    w->domain_name, "", "", w->is_root, 0 };
	char tok[TOKEN_TEXT_MAX + 1];
	int e;

	if ((e = session_token(r, tok, sizeof(tok))) != 0)
		return e;
	if (w->token_project_id[0] != '\0' &&
	    (e = store_project_get(r->api->store, w->token_project_id,
	    &p)) == 0) {
		s.project_id = p.id;
		s.project_name = p.name;
	}
	if (e == 0 || e == WJ_ERR_NOT_FOUND)
		e = session_body(r, &s, tok);
	OPENSSL_cleanse(tok, sizeof(tok));
	return e;
}

/*
 * POST /console/api/logout: the user's tokens issued until now stop
 * working on every node (the store keeps the mark on the users row), and
 * the cookie goes.
 */
int
api_console_logout(struct api_req *r)
{
	char tok[TOKEN_TEXT_MAX + 1];
	int e;

	if ((e = session_token(r, tok, sizeof(tok))) != 0)
		return e;
	OPENSSL_cleanse(tok, sizeof(tok));
	if ((e = store_user_revoke_tokens(r->api->store, r->who.user_id)) != 0)
		return e;
	if ((e = set_cookie(r, session_cookie(r->api, NULL, 0))) != 0)
		return e;
	http_reply_empty(r->http, 204);
	return 0;
}
