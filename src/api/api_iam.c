/*
 * api_iam.c - the IAM (Keystone) calls clients make around the job API
 * (docs/API.md#identity-iam-and-sts): getting a token by password
 * (project or domain scope), validating one, and the project lookup the
 * SDKs do by name.  The web console's login takes the same password
 * flow with its own form of body (api_iam_console_login).
 * Errors come out in IAM's own body shape (the route's style).
 *
 * Decisions: a user may get a token for any project of its account
 * (what it may do there is the policies' business); an unknown account
 * or user costs one password verification like a wrong password, so
 * neither is told apart by time; after API_LOGIN_FAILURES consecutive
 * wrong passwords the user is locked (stored: survives restarts) and
 * even the right password is refused until the lock ends.  Validating
 * a token: one's own, or any of the account for its root user.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api.h"
#include "../auth/passwd.h"
#include "../auth/token.h"

#define BAD_BODY "The request body is invalid"
#define HOST_MAX 255
#define ROLES_MAX 64	/* role names listed in a token body */

struct login {
	const char *user;
	const char *password;
	const char *domain_id, *domain_name;	/* one of them */
	const char *project_id, *project_name;	/* project scope: one */
	const char *scope_domain_id, *scope_domain_name; /* domain scope */
	int	    project_scope;
};

/* ---- request ------------------------------------------------------------- */

/* 400 "The request body is invalid: <what>". */
static int
invalid_request(struct api_req *r, const char *what)
{
	wj_errinfo_set(&r->err, BAD_BODY ": %s", what);
	return WJ_ERR_INVALID;
}

/* An api_body_object refusal in IAM's words (its reason after them). */
static int
iam_body_refusal(struct api_req *r, int e)
{
	char why[WJ_DETAIL_MAX + 1];

	if (e != WJ_ERR_INVALID && e != WJ_ERR_EMPTY_BODY &&
	    e != WJ_ERR_MEDIA_TYPE)
		return e;
	memcpy(why, r->err.detail, sizeof(why));
	if (why[0] == '\0')
		wj_errinfo_set(&r->err, BAD_BODY);
	else
		wj_errinfo_set(&r->err, BAD_BODY ": %s", why);
	return WJ_ERR_INVALID;
}

/* obj.key as an object, or NULL. */
static json_t *
member_obj(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_object(v) ? v : NULL;
}

/* A string member of 1..max bytes of text, or NULL when absent/bad. */
static const char *
member_str(json_t *obj, const char *key, size_t max)
{
	json_t *v = json_object_get(obj, key);
	size_t n;

	if (!json_is_string(v))
		return NULL;
	n = json_string_length(v);
	if (n < 1 || n > max || strlen(json_string_value(v)) != n ||
	    !wj_utf8_clean(json_string_value(v), n))
		return NULL;
	return json_string_value(v);
}

/* {"id": ...} or {"name": ...}: exactly one of them. */
static int
id_or_name(json_t *o, const char **id, const char **name)
{
	*id = member_str(o, "id", WJ_PARAM_MAX);
	*name = member_str(o, "name", STORE_NAME_MAX);
	return (*id != NULL) != (*name != NULL) ? 0 : -1;
}

static int
parse_identity(struct api_req *r, json_t *auth, struct login *in)
{
	json_t *id, *m, *user, *dom;

	if ((id = member_obj(auth, "identity")) == NULL)
		return invalid_request(r, "auth.identity is required");
	m = json_object_get(id, "methods");
	if (!json_is_array(m) || json_array_size(m) != 1 ||
	    !json_is_string(json_array_get(m, 0)) ||
	    strcmp(json_string_value(json_array_get(m, 0)), "password") != 0)
		return invalid_request(r, "auth.identity.methods must be "
		    "[\"password\"]");
	user = member_obj(member_obj(id, "password"), "user");
	if (user == NULL)
		return invalid_request(r, "auth.identity.password.user is "
		    "required");
	in->user = member_str(user, "name", STORE_NAME_MAX);
	in->password = member_str(user, "password", PASSWD_MAX);
	if (in->user == NULL || in->password == NULL)
		return invalid_request(r, "user.name and user.password are "
		    "required strings");
	if ((dom = member_obj(user, "domain")) == NULL ||
	    id_or_name(dom, &in->domain_id, &in->domain_name) != 0)
		return invalid_request(r, "user.domain must have a name or an "
		    "id");
	return 0;
}

static int
parse_scope(struct api_req *r, json_t *auth, struct login *in)
{
	json_t *sc, *p, *d;

	if ((sc = member_obj(auth, "scope")) == NULL)
		return invalid_request(r, "auth.scope is required");
	p = member_obj(sc, "project");
	d = member_obj(sc, "domain");
	if ((p == NULL) == (d == NULL))
		return invalid_request(r, "auth.scope must be a project or a "
		    "domain");
	in->project_scope = p != NULL;
	if (p != NULL && id_or_name(p, &in->project_id,
	    &in->project_name) != 0)
		return invalid_request(r, "scope.project must have a name or "
		    "an id");
	if (d != NULL && id_or_name(d, &in->scope_domain_id,
	    &in->scope_domain_name) != 0)
		return invalid_request(r, "scope.domain must have a name or an "
		    "id");
	return 0;
}

/* ---- who is logging in --------------------------------------------------- */

static int
wrong_password(struct api_req *r)
{
	wj_errinfo_set(&r->err, "The username or password is wrong.");
	return WJ_ERR_AUTH;
}

static int
find_user(struct api_req *r, const struct login *in, struct store_domain *d,
    struct store_user_auth *u)
{
	struct store *st = r->api->store;
	int e;

	e = in->domain_id != NULL ? store_domain_get(st, in->domain_id, d) :
	    store_domain_by_name(st, in->domain_name, d);
	if (e == 0)
		e = store_user_auth_by_name(st, d->id, in->user, u);
	if (e == WJ_ERR_NOT_FOUND) {
		(void)passwd_verify_dummy(in->password);
		return wrong_password(r);
	}
	return e;
}

/*
 * A token request waiting for the store's group commit: a login that
 * counts a failure or clears the count writes before the answer
 * (docs/API.md#identity-iam-and-sts).  doc holds in's strings (the
 * password wiped at once); u's password hash is wiped too.
 */
struct token_pending {
	struct api_pending	p;		/* doc holds the password */
	struct api	       *api;
	struct login		in;
	struct store_domain	d;
	struct store_user_auth	u;
	int64_t			now;
	int			wrong;	/* the password was wrong ... */
	int			locked;	/* ... and that locked the user */
	int			console; /* the console's login: a cookie */
	char			first_project[WJ_ID_LEN + 1];
};

static void
token_pending_free(struct token_pending *t)
{
	OPENSSL_cleanse(t->u.password_hash, sizeof(t->u.password_hash));
	api_pending_free(t);
}

/*
 * Check the password of t->u (unless it is locked) and queue what that
 * writes: a failure counted (and maybe a lock), or the count of
 * failures cleared; with nothing to write, the answer is ready at once.
 */
static int
check_password(struct api_req *r, struct token_pending *t)
{
	struct api *a = r->api;
	struct store_user_auth *u = &t->u;
	int ok;

	if (u->locked_until_ms > t->now) {
		wj_errinfo_set(&r->err, "The user is locked after %d failed "
		    "logins; try again in %lld minute(s).", API_LOGIN_FAILURES,
		    (long long)((u->locked_until_ms - t->now + 59999) / 60000));
		return WJ_ERR_AUTH;
	}
	ok = passwd_verify(u->password_hash, t->in.password) == 0;
	OPENSSL_cleanse(u->password_hash, sizeof(u->password_hash));
	if (!ok) {
		t->wrong = 1;
		return store_user_login_failed_async(a->store, u->user.id,
		    t->now, API_LOGIN_FAILURES, a->password_lock_ms,
		    &t->locked, api_pending_done, t);
	}
	if (u->failed_logins > 0)
		return store_user_login_ok_async(a->store, u->user.id,
		    api_pending_done, t);
	api_pending_done(t, 0);
	return 0;
}

/* The token's scope: a project of the user's account, or the account. */
static int
resolve_scope(struct api_req *r, const struct login *in,
    const struct store_domain *d, struct token *t)
{
	struct store_project p;
	int e;

	if (!in->project_scope) {
		if ((in->scope_domain_id != NULL &&
		    strcmp(in->scope_domain_id, d->id) != 0) ||
		    (in->scope_domain_name != NULL &&
		    strcmp(in->scope_domain_name, d->name) != 0)) {
			wj_errinfo_set(&r->err, "The domain of the scope is "
			    "not the user's.");
			return WJ_ERR_AUTH;
		}
		return 0;
	}
	e = in->project_id != NULL ?
	    store_project_get(r->api->store, in->project_id, &p) :
	    store_project_by_name(r->api->store, d->id, in->project_name, &p);
	if (e == WJ_ERR_NOT_FOUND || (e == 0 &&
	    strcmp(p.domain_id, d->id) != 0)) {
		wj_errinfo_set(&r->err, "Could not find project: %s",
		    in->project_id != NULL ? in->project_id : in->project_name);
		return WJ_ERR_NOT_FOUND;
	}
	if (e != 0)
		return e;
	memcpy(t->project_id, p.id, sizeof(t->project_id));
	memcpy(t->project_name, p.name, sizeof(t->project_name));
	return 0;
}

/* ---- the token body ---------------------------------------------------- */

struct roles {
	struct jw *w;
	char	   seen[ROLES_MAX][STORE_NAME_MAX + 1];
	size_t	   n;
};

static int
role_add(void *arg, const struct store_policy_ref *ref)
{
	struct roles *rs = arg;
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->seen[i], ref->name) == 0)
			return 0;
	if (rs->n == ROLES_MAX)
		return 0;
	(void)snprintf(rs->seen[rs->n++], sizeof(rs->seen[0]), "%s",
	    ref->name);
	jw_obj_open(rs->w);
	jw_kv_str(rs->w, "id", "0");
	jw_kv_str(rs->w, "name", ref->name);
	jw_obj_close(rs->w);
	return 0;
}

/* roles: the root user is te_admin; others, their applicable policies. */
static int
write_roles(struct api_req *r, const struct token *t, int is_root,
    struct jw *w)
{
	struct roles *rs;
	int e = 0;

	jw_key(w, "roles");
	jw_arr_open(w);
	if (is_root) {
		jw_obj_open(w);
		jw_kv_str(w, "id", "0");
		jw_kv_str(w, "name", "te_admin");
		jw_obj_close(w);
	} else {
		if ((rs = calloc(1, sizeof(*rs))) == NULL)
			return WJ_ERR_NOMEM;
		rs->w = w;
		e = store_user_policies(r->api->store, t->user_id,
		    t->project_id, role_add, rs);
		free(rs);
	}
	jw_arr_close(w);
	return e;
}

/* The Host the client used, if it is plain enough to echo in URLs. */
static const char *
client_host(struct api_req *r)
{
	const char *h = http_header(r->http, "Host");
	size_t i, n;

	if (h == NULL || (n = strlen(h)) == 0 || n > HOST_MAX)
		return "127.0.0.1";
	for (i = 0; i < n; i++)
		if (h[i] <= ' ' || h[i] >= 0x7f || h[i] == '"' ||
		    h[i] == '\\' || h[i] == '/')
			return "127.0.0.1";
	return h;
}

static void
write_endpoint(struct jw *w, const char *id, const char *type,
    const char *region, const char *url)
{
	jw_obj_open(w);
	jw_kv_str(w, "id", id);
	jw_kv_str(w, "name", id);
	jw_kv_str(w, "type", type);
	jw_key(w, "endpoints");
	jw_arr_open(w);
	jw_obj_open(w);
	jw_kv_str(w, "id", id);
	jw_kv_str(w, "interface", "public");
	jw_kv_str(w, "region", region);
	jw_kv_str(w, "region_id", region);
	jw_kv_str(w, "url", url);
	jw_obj_close(w);
	jw_arr_close(w);
	jw_obj_close(w);
}

static void
write_catalog(struct api_req *r, const struct token *t, struct jw *w)
{
	const char *host = client_host(r), *region = t->project_name;
	char url[HOST_MAX + 128];

	jw_key(w, "catalog");
	jw_arr_open(w);
	if (t->project_id[0] != '\0') {
		(void)snprintf(url, sizeof(url), "http://%s/v2/%s", host,
		    t->project_id);
		write_endpoint(w, "workspace", "workspace", region, url);
	}
	(void)snprintf(url, sizeof(url), "http://%s/v3", host);
	write_endpoint(w, "iam", "identity", region, url);
	(void)snprintf(url, sizeof(url), "http://%s", host);
	write_endpoint(w, "sts", "sts", region, url);
	jw_arr_close(w);
}

/* The {"token": {...}} answer. */
static int
token_body(struct api_req *r, const struct token *t, int is_root,
    int catalog, struct buf *b)
{
	char iat[28], exp[28];
	struct jw w;
	int e;

	wj_time_iso(t->issued_ms, iat);
	wj_time_iso(t->expires_ms, exp);
	jw_init(&w, b);
	jw_obj_open(&w);
	jw_key(&w, "token");
	jw_obj_open(&w);
	jw_key(&w, "methods");
	jw_arr_open(&w);
	jw_str(&w, "password");
	jw_arr_close(&w);
	jw_kv_str(&w, "issued_at", iat);
	jw_kv_str(&w, "expires_at", exp);
	jw_key(&w, "user");
	jw_obj_open(&w);
	jw_kv_str(&w, "id", t->user_id);
	jw_kv_str(&w, "name", t->user_name);
	api_json_named(&w, "domain", t->domain_id, t->domain_name);
	jw_kv_str(&w, "password_expires_at", "");
	jw_obj_close(&w);
	if (t->project_id[0] != '\0') {
		jw_key(&w, "project");
		jw_obj_open(&w);
		jw_kv_str(&w, "id", t->project_id);
		jw_kv_str(&w, "name", t->project_name);
		api_json_named(&w, "domain", t->domain_id, t->domain_name);
		jw_obj_close(&w);
	} else
		api_json_named(&w, "domain", t->domain_id, t->domain_name);
	if ((e = write_roles(r, t, is_root, &w)) != 0)
		return e;
	if (catalog)
		write_catalog(r, t, &w);
	jw_obj_close(&w);
	jw_obj_close(&w);
	return b->failed ? WJ_ERR_NOMEM : 0;
}

/* Any non-empty nocatalog leaves the catalog out. */
static int
want_catalog(struct api_req *r)
{
	struct http_qparam *q = NULL;
	size_t i, n = 0;
	int want = 1;

	if (http_query_parse(r->http->query, &q, &n) != 0)
		return 1;
	for (i = 0; i < n; i++)
		if (strcmp(q[i].name, "nocatalog") == 0 && q[i].value_len > 0)
			want = 0;
	http_query_free(q, n);
	return want;
}

/* 201/200 with the token in X-Subject-Token and its body. */
static int
reply_token(struct api_req *r, int status, const struct token *t,
    const char *text, int is_root)
{
	struct buf b;
	int e;

	buf_init(&b);
	if ((e = token_body(r, t, is_root, want_catalog(r), &b)) != 0) {
		buf_free(&b);
		return e;
	}
	free(r->http->resp_header_value);
	if ((r->http->resp_header_value = strdup(text)) == NULL) {
		buf_free(&b);
		return WJ_ERR_NOMEM;
	}
	r->http->resp_header = "X-Subject-Token";
	return api_reply(r, status, &b);
}

/* ---- handlers ------------------------------------------------------------ */

/* After the login's write: the user's token for t's scope. */
static int
issue_token(struct api_req *r, struct token_pending *t)
{
	const struct store_user *u = &t->u.user;
	struct token tok;
	char *text = NULL;
	int e;

	memset(&tok, 0, sizeof(tok));
	if (!u->enabled) {
		wj_errinfo_set(&r->err, "The user is disabled.");
		return WJ_ERR_AUTH;
	}
	if ((e = resolve_scope(r, &t->in, &t->d, &tok)) != 0)
		return e;
	memcpy(tok.user_id, u->id, sizeof(tok.user_id));
	memcpy(tok.user_name, u->name, sizeof(tok.user_name));
	memcpy(tok.domain_id, t->d.id, sizeof(tok.domain_id));
	memcpy(tok.domain_name, t->d.name, sizeof(tok.domain_name));
	tok.issued_ms = t->now;
	tok.expires_ms = t->now + r->api->token_lifetime_ms;
	if ((e = token_seal(&r->api->mk, &tok, &text)) != 0)
		return e;
	(void)snprintf(r->http->principal, sizeof(r->http->principal),
	    "%s/%s", t->d.name, u->name);
	e = t->console ? api_console_login_reply(r, &tok, text, u->is_root) :
	    reply_token(r, 201, &tok, text, u->is_root);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	return e;
}

/* The one reply of KeystoneCreateUserTokenByPassword, on a server thread
 * once the login's write is durable (or there was none). */
static void
token_reply(struct http_req *h, void *arg)
{
	struct token_pending *t = arg;
	struct api_req r;
	int e;

	memset(&r, 0, sizeof(r));
	r.api = t->api;
	r.http = h;
	if ((e = t->p.result) == 0 && t->wrong) {
		if (t->locked)
			log_warn("iam: user %s/%s locked after %d failed "
			    "logins", t->u.user.domain_name, t->u.user.name,
			    API_LOGIN_FAILURES);
		e = wrong_password(&r);
	} else if (e == 0)
		e = issue_token(&r, t);
	if (e != 0)
		http_reply_error_as(h, HTTP_ERR_IAM, e, &r.err, NULL);
	token_pending_free(t);
}

/* Wipe the password (in the parsed body) and the raw body. */
static void
wipe_login(struct api_req *r, struct token_pending *t)
{
	if (t->in.password != NULL)
		OPENSSL_cleanse((char *)t->in.password, strlen(t->in.password));
	t->in.password = NULL;
	if (r->http->body.data != NULL)
		OPENSSL_cleanse(r->http->body.data, r->http->body.len);
}

/*
 * A console login that names no project is scoped to the account's first
 * one (the job API is per project); an account without any gets a token
 * of the account.
 */
static int
default_project(struct api_req *r, struct token_pending *t)
{
	struct store_project *p = NULL;
	size_t n = 0;
	int e;

	if (!t->console || t->in.project_id != NULL ||
	    t->in.project_name != NULL)
		return 0;
	if ((e = store_project_list(r->api->store, t->d.id, &p, &n)) != 0)
		return e;
	if (n > 0) {	/* the list is by name */
		memcpy(t->first_project, p[0].id, sizeof(t->first_project));
		t->in.project_id = t->first_project;
		t->in.project_scope = 1;
	}
	free(p);
	return 0;
}

/*
 * The login of t->in, parsed by parse(r, doc, in): check the password and
 * answer once its write is durable; errors in IAM's shape.
 */
static int
login(struct api_req *r, int console,
    int (*parse)(struct api_req *, json_t *, struct login *))
{
	struct token_pending *t;
	int e;

	if ((t = api_pending_new(r, sizeof(*t))) == NULL)
		return WJ_ERR_NOMEM;
	t->api = r->api;
	t->now = wj_now_ms();
	t->console = console;
	if ((e = api_body_object(r, &t->p.doc)) != 0) {
		e = iam_body_refusal(r, e);
		goto out;
	}
	if ((e = parse(r, t->p.doc, &t->in)) != 0 ||
	    (e = find_user(r, &t->in, &t->d, &t->u)) != 0 ||
	    (e = default_project(r, t)) != 0 ||
	    (e = check_password(r, t)) != 0)
		goto out;
	api_defer(&t->p, token_reply);
 out:
	/* The password lives in the parsed document: wipe it. */
	wipe_login(r, t);
	if (e != 0)
		token_pending_free(t);
	return e;
}

/* {"auth": {"identity": ..., "scope": ...}}, Keystone's body. */
static int
parse_keystone(struct api_req *r, json_t *doc, struct login *in)
{
	json_t *auth;
	int e;

	if ((auth = member_obj(doc, "auth")) == NULL)
		return invalid_request(r, "auth is required");
	if ((e = parse_identity(r, auth, in)) != 0)
		return e;
	return parse_scope(r, auth, in);
}

int
api_iam_token_create(struct api_req *r)
{
	return login(r, 0, parse_keystone);
}

/*
 * {"account", "user", "password"[, "project"]}: the console's form; the
 * project by name (default_project when there is none).
 */
static int
parse_console(struct api_req *r, json_t *doc, struct login *in)
{
	in->domain_name = member_str(doc, "account", STORE_NAME_MAX);
	in->user = member_str(doc, "user", STORE_NAME_MAX);
	in->password = member_str(doc, "password", PASSWD_MAX);
	if (in->domain_name == NULL || in->user == NULL ||
	    in->password == NULL)
		return invalid_request(r, "account, user and password are "
		    "required strings");
	if (json_object_get(doc, "project") != NULL &&
	    (in->project_name = member_str(doc, "project",
	    STORE_NAME_MAX)) == NULL)
		return invalid_request(r, "project must be a project name");
	in->scope_domain_name = in->domain_name;
	in->project_scope = in->project_name != NULL;
	return 0;
}

int
api_iam_console_login(struct api_req *r)
{
	return login(r, 1, parse_console);
}

int
api_iam_token_validate(struct api_req *r)
{
	const char *subject = http_header(r->http, "X-Subject-Token");
	struct principal p;
	struct token t;
	struct wj_errinfo ei;
	int e;

	if (subject == NULL) {
		wj_errinfo_set(&r->err, "X-Subject-Token is required.");
		return WJ_ERR_INVALID;
	}
	e = authn_token(&r->api->authn, subject, wj_now_ms(), &t, &p, &ei);
	if (e == WJ_ERR_NOMEM || e == WJ_ERR_UNAVAILABLE ||
	    e == WJ_ERR_INTERNAL)
		return e;
	if (e != 0 || strcmp(p.domain_id, r->who.domain_id) != 0) {
		wj_errinfo_set(&r->err, "The token is invalid, expired or "
		    "revoked.");
		return WJ_ERR_NOT_FOUND;
	}
	/* One's own token; the account's root user may check any. */
	if (!r->who.is_root && strcmp(p.user_id, r->who.user_id) != 0) {
		wj_errinfo_set(&r->err, "Only the account's root user may "
		    "validate another user's token.");
		return WJ_ERR_DENIED;
	}
	return reply_token(r, 200, &t, subject, p.is_root);
}

/* "links": {"self": "http://<host><path>"} (path formatted). */
static void
write_links(struct jw *w, const char *host, const char *fmt, const char *id)
{
	char url[HOST_MAX + 64 + WJ_ID_LEN], path[64 + WJ_ID_LEN];

	(void)snprintf(path, sizeof(path), fmt, id);
	(void)snprintf(url, sizeof(url), "http://%s%s", host, path);
	jw_key(w, "links");
	jw_obj_open(w);
	jw_kv_str(w, "self", url);
	jw_obj_close(w);
}

static void
project_json(const struct store_project *p, const char *host, struct jw *w)
{
	jw_obj_open(w);
	jw_kv_str(w, "id", p->id);
	jw_kv_str(w, "name", p->name);
	jw_kv_str(w, "domain_id", p->domain_id);
	jw_kv_str(w, "parent_id", p->domain_id);
	jw_kv_str(w, "description", "");
	jw_key(w, "enabled");
	jw_bool(w, 1);
	jw_key(w, "is_domain");
	jw_bool(w, 0);
	write_links(w, host, "/v3/projects/%s", p->id);
	jw_obj_close(w);
}

/* The name filter of GET /v3/projects, if any ("" = none). */
static int
name_filter(struct api_req *r, char *name, size_t cap)
{
	struct http_qparam *q = NULL;
	size_t i, n = 0;
	int e;

	name[0] = '\0';
	if ((e = http_query_parse(r->http->query, &q, &n)) != 0) {
		wj_errinfo_set(&r->err, "too many query parameters");
		return e;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(q[i].name, "name") != 0)
			continue;
		if (q[i].value_len >= cap ||
		    strlen(q[i].value) != q[i].value_len) {
			/* Longer than any name: matches nothing. */
			(void)snprintf(name, cap, "%c", '\x01');
			break;
		}
		memcpy(name, q[i].value, q[i].value_len + 1);
	}
	http_query_free(q, n);
	return 0;
}

int
api_iam_projects(struct api_req *r)
{
	struct store_project *p = NULL;
	char name[STORE_NAME_MAX + 1];
	const char *host = client_host(r);
	size_t i, n = 0;
	struct buf b;
	struct jw w;
	int e;

	if ((e = name_filter(r, name, sizeof(name))) != 0 ||
	    (e = store_project_list(r->api->store, r->who.domain_id, &p,
	    &n)) != 0)
		return e;
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_key(&w, "projects");
	jw_arr_open(&w);
	for (i = 0; i < n; i++)
		if (name[0] == '\0' || strcmp(name, p[i].name) == 0)
			project_json(&p[i], host, &w);
	jw_arr_close(&w);
	write_links(&w, host, "/v3/projects%s", "");
	jw_obj_close(&w);
	free(p);
	return api_reply(r, 200, &b);
}

/*
 * KeystoneListAuthDomains: the account the caller may act in, its own
 * (an IAM user belongs to one).  The SDKs' GlobalCredentials without a
 * domain id take the first entry's id as the caller's domain.
 */
int
api_iam_auth_domains(struct api_req *r)
{
	const char *host = client_host(r);
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_key(&w, "domains");
	jw_arr_open(&w);
	jw_obj_open(&w);
	jw_kv_str(&w, "id", r->who.domain_id);
	jw_kv_str(&w, "name", r->who.domain_name);
	jw_key(&w, "enabled");
	jw_bool(&w, 1);
	jw_kv_str(&w, "description", "");
	write_links(&w, host, "/v3/domains/%s", r->who.domain_id);
	jw_obj_close(&w);
	jw_arr_close(&w);
	write_links(&w, host, "/v3/auth/domains%s", "");
	jw_obj_close(&w);
	return api_reply(r, 200, &b);
}
