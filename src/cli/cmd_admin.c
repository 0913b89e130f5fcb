/*
 * cmd_admin.c - "wksjobs admin": the identities of a data directory,
 * straight on its store: accounts (domains), projects, users, groups,
 * access keys and policies.  Safe while serve runs (SQLite WAL; the
 * server reads identities per request and caches nothing, so a change
 * applies to the next request).  Every command has --json output.
 * Commands are a table (after tmux's cmd_table); --account picks the
 * account, the first one by default.  Policy documents are checked by
 * auth/policy before anything is stored: a document it refuses is named
 * in the error.  Leaves authorization itself to the server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cmd.h"
#include "datadir.h"
#include "../auth/authn.h"
#include "../auth/authz.h"
#include "../auth/passwd.h"
#include "../auth/policy.h"

static const struct opt admin_opts[] = {
	{ "data", OPT_STR, 1, 4000, "./data", "data directory", 0 },
	{ "json", OPT_BOOL, 0, 1, "false", "print JSON", 0 },
	{ "account", OPT_STR, 1, 64, NULL, "account (domain) to manage; "
	    "default the first", 0 },
	{ "user", OPT_STR, 1, 64, NULL, "user name (key create, policy "
	    "attach/detach)", 0 },
	{ "group", OPT_STR, 1, 64, NULL, "group name (policy attach/detach)",
	    0 },
	{ "project", OPT_STR, 1, 255, NULL, "project name or id (policy "
	    "attach/detach)", 0 },
	{ "domain", OPT_BOOL, 0, 1, "false", "the whole account (policy "
	    "attach/detach)", 0 },
	{ "password", OPT_STR, 1, PASSWD_MAX, NULL, "password (user create, "
	    "user passwd, domain create) [prefer $WKSJOBS_PASSWORD]", 0 },
	{ "file", OPT_STR, 1, 4000, NULL, "policy document (policy create)",
	    0 },
};

#define N_OPTS (sizeof(admin_opts) / sizeof(admin_opts[0]))

static const char *use =
    "wksjobs admin COMMAND [--data DIR] [--account NAME] [--json]\n"
    "  domain create NAME [--password P] | domain list\n"
    "  project create NAME | project list\n"
    "  user create NAME [--password P] | user list | user disable NAME |\n"
    "  user enable NAME | user passwd NAME --password P\n"
    "  group create NAME | group list | group add-user GROUP USER |\n"
    "  group remove-user GROUP USER\n"
    "  key create --user NAME | key list | key disable AK | key enable AK\n"
    "  policy create NAME --file F | policy list |\n"
    "  policy attach|detach NAME --user U|--group G --project P|--domain";

struct admin {
	struct cmd_args	     a;
	struct store	    *st;
	struct wj_master_key mk;
	struct store_domain  dom;
	int		     json;
};

static int
fail(int r, const char *what)
{
	fprintf(stderr, "wksjobs: %s: %s\n", what, wj_strerror(r));
	return EXIT_FAIL;
}

static int
usage_error(const char *what)
{
	fprintf(stderr, "wksjobs: %s\nusage: %s\n", what, use);
	return EXIT_USAGE;
}

static void
print_json(struct buf *b)
{
	printf("%s\n", b->data ? b->data : "");
	buf_free(b);
}

/* {"id": id, "name": name} or "id name". */
static int
print_created(struct admin *ad, const char *id, const char *name)
{
	struct buf b;
	struct jw w;

	if (!ad->json) {
		printf("%s %s\n", id, name);
		return EXIT_OK;
	}
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "id", id);
	jw_kv_str(&w, "name", name);
	jw_obj_close(&w);
	print_json(&b);
	return EXIT_OK;
}

/* The password of --password, hashed; EXIT_* on failure. */
static int
password_hash(struct admin *ad, int required, char hash[PASSWD_HASH_MAX + 1],
    int *have)
{
	const struct opt_val *pw = cmd_opt(&ad->a, "password");
	struct wj_errinfo ei;
	int r;

	*have = 0;
	hash[0] = '\0';
	if (!pw->set)
		return required ? usage_error("--password P is required "
		    "(or $WKSJOBS_PASSWORD)") : EXIT_OK;
	ei.detail[0] = '\0';
	if (passwd_check(pw->s, &ei) != 0) {
		fprintf(stderr, "wksjobs: %s\n", ei.detail);
		return EXIT_USAGE;
	}
	if ((r = passwd_hash(pw->s, hash)) != 0)
		return fail(r, "password");
	*have = 1;
	return EXIT_OK;
}

/* ---- domains and projects ------------------------------------------------ */

static int
domain_create(struct admin *ad, char **arg)
{
	char hash[PASSWD_HASH_MAX + 1];
	struct store_domain d;
	int r, have;

	if ((r = password_hash(ad, 0, hash, &have)) != EXIT_OK)
		return r;
	r = store_domain_create(ad->st, arg[0], have ? hash : NULL, &d, NULL);
	OPENSSL_cleanse(hash, sizeof(hash));
	if (r != 0)
		return fail(r, arg[0]);
	return print_created(ad, d.id, d.name);
}

static int
domain_list(struct admin *ad, char **arg)
{
	struct store_domain *d = NULL;
	struct buf b;
	struct jw w;
	size_t i, n = 0;
	int r;

	(void)arg;
	if ((r = store_domain_list(ad->st, &d, &n)) != 0)
		return fail(r, "domain list");
	buf_init(&b);
	jw_init(&w, &b);
	jw_arr_open(&w);
	for (i = 0; i < n; i++) {
		if (!ad->json)
			printf("%s %s\n", d[i].id, d[i].name);
		jw_obj_open(&w);
		jw_kv_str(&w, "id", d[i].id);
		jw_kv_str(&w, "name", d[i].name);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	if (ad->json)
		print_json(&b);
	buf_free(&b);
	free(d);
	return EXIT_OK;
}

static int
project_create(struct admin *ad, char **arg)
{
	struct store_project p;
	int r;

	if ((r = store_project_create(ad->st, ad->dom.id, arg[0], &p)) != 0)
		return fail(r, "project create");
	return print_created(ad, p.id, p.name);
}

static int
project_list(struct admin *ad, char **arg)
{
	struct store_project *p = NULL;
	struct buf b;
	struct jw w;
	size_t i, n = 0;
	int r;

	(void)arg;
	if ((r = store_project_list(ad->st, ad->dom.id, &p, &n)) != 0)
		return fail(r, "project list");
	buf_init(&b);
	jw_init(&w, &b);
	jw_arr_open(&w);
	for (i = 0; i < n; i++) {
		if (!ad->json) {
			printf("%s %s\n", p[i].id, p[i].name);
			continue;
		}
		jw_obj_open(&w);
		jw_kv_str(&w, "id", p[i].id);
		jw_kv_str(&w, "name", p[i].name);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	if (ad->json)
		print_json(&b);
	buf_free(&b);
	free(p);
	return EXIT_OK;
}

/* A project of the account by name, else by id. */
static int
project_find(struct admin *ad, const char *s, struct store_project *p)
{
	int r;

	r = store_project_by_name(ad->st, ad->dom.id, s, p);
	if (r == WJ_ERR_NOT_FOUND && (r = store_project_get(ad->st, s,
	    p)) == 0 && strcmp(p->domain_id, ad->dom.id) != 0)
		r = WJ_ERR_NOT_FOUND;
	return r;
}

/* ---- users --------------------------------------------------------------- */

static int
user_find(struct admin *ad, const char *name, struct store_user *u)
{
	struct store_user_auth ua;
	int r;

	if ((r = store_user_auth_by_name(ad->st, ad->dom.id, name, &ua)) != 0)
		return r;
	OPENSSL_cleanse(ua.password_hash, sizeof(ua.password_hash));
	*u = ua.user;
	return 0;
}

static int
user_create(struct admin *ad, char **arg)
{
	char hash[PASSWD_HASH_MAX + 1];
	struct store_user u;
	int r, have;

	if ((r = password_hash(ad, 0, hash, &have)) != EXIT_OK)
		return r;
	r = store_user_create(ad->st, ad->dom.id, arg[0], have ? hash : NULL,
	    &u);
	OPENSSL_cleanse(hash, sizeof(hash));
	if (r != 0)
		return fail(r, arg[0]);
	return print_created(ad, u.id, u.name);
}

static int
user_list(struct admin *ad, char **arg)
{
	struct store_user *u = NULL;
	struct buf b;
	struct jw w;
	size_t i, n = 0;
	int r;

	(void)arg;
	if ((r = store_user_list(ad->st, ad->dom.id, &u, &n)) != 0)
		return fail(r, "user list");
	buf_init(&b);
	jw_init(&w, &b);
	jw_arr_open(&w);
	for (i = 0; i < n; i++) {
		if (!ad->json)
			printf("%s %s %s%s\n", u[i].id, u[i].name,
			    u[i].enabled ? "enabled" : "disabled",
			    u[i].is_root ? " root" : "");
		jw_obj_open(&w);
		jw_kv_str(&w, "id", u[i].id);
		jw_kv_str(&w, "name", u[i].name);
		jw_kv_str(&w, "status", u[i].enabled ? "enabled" : "disabled");
		jw_key(&w, "root");
		jw_bool(&w, u[i].is_root);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	if (ad->json)
		print_json(&b);
	buf_free(&b);
	free(u);
	return EXIT_OK;
}

static int
user_status(struct admin *ad, const char *name, const char *status)
{
	struct buf b;
	struct jw w;

	if (!ad->json) {
		printf("%s %s\n", name, status);
		return EXIT_OK;
	}
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "name", name);
	jw_kv_str(&w, "status", status);
	jw_obj_close(&w);
	print_json(&b);
	return EXIT_OK;
}

static int
user_enable(struct admin *ad, const char *name, int on)
{
	struct store_user u;
	int r;

	if ((r = user_find(ad, name, &u)) != 0)
		return fail(r, name);
	if ((r = store_user_set_enabled(ad->st, u.id, on)) != 0) {
		if (r == WJ_ERR_INVALID)
			fprintf(stderr, "wksjobs: %s is the account's root "
			    "user: it cannot be disabled\n", name);
		return r == WJ_ERR_INVALID ? EXIT_FAIL : fail(r, name);
	}
	return user_status(ad, name, on ? "enabled" : "disabled");
}

static int
user_disable_cmd(struct admin *ad, char **arg)
{
	return user_enable(ad, arg[0], 0);
}

static int
user_enable_cmd(struct admin *ad, char **arg)
{
	return user_enable(ad, arg[0], 1);
}

static int
user_passwd(struct admin *ad, char **arg)
{
	char hash[PASSWD_HASH_MAX + 1];
	struct store_user u;
	int r, have;

	if ((r = user_find(ad, arg[0], &u)) != 0)
		return fail(r, arg[0]);
	if ((r = password_hash(ad, 1, hash, &have)) != EXIT_OK)
		return r;
	r = store_user_set_password(ad->st, u.id, hash);
	OPENSSL_cleanse(hash, sizeof(hash));
	if (r != 0)
		return fail(r, arg[0]);
	return user_status(ad, arg[0], "password changed");
}

/* ---- groups -------------------------------------------------------------- */

static int
group_create(struct admin *ad, char **arg)
{
	struct store_group g;
	int r;

	if ((r = store_group_create(ad->st, ad->dom.id, arg[0], &g)) != 0)
		return fail(r, arg[0]);
	return print_created(ad, g.id, g.name);
}

static int
group_list(struct admin *ad, char **arg)
{
	struct store_group *g = NULL;
	struct buf b;
	struct jw w;
	size_t i, n = 0;
	int r;

	(void)arg;
	if ((r = store_group_list(ad->st, ad->dom.id, &g, &n)) != 0)
		return fail(r, "group list");
	buf_init(&b);
	jw_init(&w, &b);
	jw_arr_open(&w);
	for (i = 0; i < n; i++) {
		if (!ad->json)
			printf("%s %s\n", g[i].id, g[i].name);
		jw_obj_open(&w);
		jw_kv_str(&w, "id", g[i].id);
		jw_kv_str(&w, "name", g[i].name);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	if (ad->json)
		print_json(&b);
	buf_free(&b);
	free(g);
	return EXIT_OK;
}

static int
membership(struct admin *ad, char **arg, int add)
{
	struct store_group g;
	struct store_user u;
	struct buf b;
	struct jw w;
	int r;

	if ((r = store_group_by_name(ad->st, ad->dom.id, arg[0], &g)) != 0)
		return fail(r, arg[0]);
	if ((r = user_find(ad, arg[1], &u)) != 0)
		return fail(r, arg[1]);
	r = add ? store_group_add_user(ad->st, g.id, u.id) :
	    store_group_remove_user(ad->st, g.id, u.id);
	if (r != 0)
		return fail(r, add ? "group add-user" : "group remove-user");
	if (!ad->json) {
		printf("%s %s %s\n", g.name, add ? "+" : "-", u.name);
		return EXIT_OK;
	}
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "group", g.name);
	jw_kv_str(&w, "user", u.name);
	jw_kv_str(&w, "status", add ? "member" : "removed");
	jw_obj_close(&w);
	print_json(&b);
	return EXIT_OK;
}

static int
group_add_user(struct admin *ad, char **arg)
{
	return membership(ad, arg, 1);
}

static int
group_remove_user(struct admin *ad, char **arg)
{
	return membership(ad, arg, 0);
}

/* ---- access keys --------------------------------------------------------- */

static int
key_create(struct admin *ad, char **arg)
{
	const struct opt_val *uname = cmd_opt(&ad->a, "user");
	struct store_user u;
	uint8_t sealed[128];
	char ak[21], sk[41];
	struct buf b;
	struct jw w;
	size_t slen;
	int r;

	(void)arg;
	if (!uname->set)
		return usage_error("key create needs --user NAME");
	if ((r = user_find(ad, uname->s, &u)) != 0)
		return fail(r, uname->s);
	if ((r = authn_new_keypair(ak, sk)) != 0 ||
	    (r = authn_seal_secret(&ad->mk, ak, sk, sealed, sizeof(sealed),
	    &slen)) != 0 ||
	    (r = store_key_create(ad->st, u.id, ak, sealed, slen)) != 0)
		return fail(r, "key create");
	if (ad->json) {
		buf_init(&b);
		jw_init(&w, &b);
		jw_obj_open(&w);
		jw_kv_str(&w, "access_key", ak);
		jw_kv_str(&w, "secret_key", sk);
		jw_kv_str(&w, "user", u.name);
		jw_obj_close(&w);
		printf("%s\n", b.data);
		OPENSSL_cleanse(b.data, b.len);
		buf_free(&b);
	} else
		printf("access key %s\nsecret key %s\n", ak, sk);
	OPENSSL_cleanse(sk, sizeof(sk));
	return EXIT_OK;
}

static int
key_list(struct admin *ad, char **arg)
{
	struct store_key *k = NULL;
	struct buf b;
	struct jw w;
	size_t i, n = 0;
	int r;

	(void)arg;
	if ((r = store_key_list(ad->st, ad->dom.id, &k, &n)) != 0)
		return fail(r, "key list");
	buf_init(&b);
	jw_init(&w, &b);
	jw_arr_open(&w);
	for (i = 0; i < n; i++) {
		if (!ad->json) {
			printf("%s %s %s\n", k[i].access_key, k[i].user.name,
			    k[i].enabled ? "enabled" : "disabled");
			continue;
		}
		jw_obj_open(&w);
		jw_kv_str(&w, "access_key", k[i].access_key);
		jw_kv_str(&w, "user", k[i].user.name);
		jw_kv_str(&w, "status", k[i].enabled ? "enabled" : "disabled");
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	if (ad->json)
		print_json(&b);
	buf_free(&b);
	if (k != NULL) {
		OPENSSL_cleanse(k, n * sizeof(*k));
		free(k);
	}
	return EXIT_OK;
}

static int
key_enable(struct admin *ad, const char *ak, int on)
{
	int r;

	if ((r = store_key_set_enabled(ad->st, ak, on)) != 0)
		return fail(r, ak);
	if (ad->json)
		printf("{\"access_key\":\"%s\",\"status\":\"%s\"}\n", ak,
		    on ? "enabled" : "disabled");
	else
		printf("%s %s\n", ak, on ? "enabled" : "disabled");
	return EXIT_OK;
}

static int
key_disable_cmd(struct admin *ad, char **arg)
{
	return key_enable(ad, arg[0], 0);
}

static int
key_enable_cmd(struct admin *ad, char **arg)
{
	return key_enable(ad, arg[0], 1);
}

/* ---- policies ------------------------------------------------------------ */

/* Read a policy document of at most POLICY_DOC_MAX bytes into buf. */
static int
read_document(const char *path, char *buf, size_t cap, size_t *len)
{
	FILE *f;
	size_t n;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "wksjobs: %s: %s\n", path, strerror(errno));
		return EXIT_FAIL;
	}
	n = fread(buf, 1, cap, f);
	if (ferror(f)) {
		fprintf(stderr, "wksjobs: %s: read error\n", path);
		fclose(f);
		return EXIT_FAIL;
	}
	fclose(f);
	if (n >= cap) {
		fprintf(stderr, "wksjobs: %s: a policy document is at most %d "
		    "bytes\n", path, POLICY_DOC_MAX);
		return EXIT_FAIL;
	}
	buf[n] = '\0';
	*len = n;
	return EXIT_OK;
}

static int
policy_create(struct admin *ad, char **arg)
{
	const struct opt_val *file = cmd_opt(&ad->a, "file");
	char text[POLICY_DOC_MAX + 2];
	struct store_policy p;
	struct policy *pol = NULL;
	struct wj_errinfo ei;
	struct buf canon;
	size_t len;
	int r;

	if (!file->set)
		return usage_error("policy create needs --file F");
	if ((r = read_document(file->s, text, sizeof(text), &len)) != EXIT_OK)
		return r;
	ei.detail[0] = '\0';
	if ((r = policy_parse(text, len, &pol, &ei)) != 0) {
		fprintf(stderr, "wksjobs: policy %s refused: %s\n", arg[0],
		    ei.detail[0] != '\0' ? ei.detail : wj_strerror(r));
		return EXIT_FAIL;
	}
	buf_init(&canon);
	r = policy_to_json(pol, &canon);
	policy_free(pol);
	if (r == 0)
		r = store_policy_create(ad->st, ad->dom.id, arg[0], canon.data,
		    &p);
	buf_free(&canon);
	if (r == WJ_ERR_EXISTS) {
		fprintf(stderr, "wksjobs: a policy named '%s' exists already\n",
		    arg[0]);
		return EXIT_FAIL;
	}
	if (r != 0)
		return fail(r, arg[0]);
	return print_created(ad, p.id, p.name);
}

static void
attachment_json(struct jw *w, const struct store_attachment *t)
{
	jw_obj_open(w);
	jw_kv_str(w, t->principal_type == STORE_PRINCIPAL_GROUP ? "group" :
	    "user", t->principal_name);
	if (t->project_id[0] != '\0')
		jw_kv_str(w, "project", t->project_name);
	else {
		jw_key(w, "domain");
		jw_bool(w, 1);
	}
	jw_obj_close(w);
}

static void
policy_print(struct admin *ad, struct jw *w, const struct store_policy *p,
    const struct store_attachment *t, size_t nt)
{
	size_t j;

	if (!ad->json)
		printf("%s %s (%s)\n", p->id, p->name, p->is_system ?
		    "system" : "custom");
	jw_obj_open(w);
	jw_kv_str(w, "id", p->id);
	jw_kv_str(w, "name", p->name);
	jw_kv_str(w, "type", p->is_system ? "system" : "custom");
	jw_key(w, "attachments");
	jw_arr_open(w);
	for (j = 0; j < nt; j++) {
		if (strcmp(t[j].policy_id, p->id) != 0)
			continue;
		if (!ad->json)
			printf("  %s %s %s\n", t[j].principal_type ==
			    STORE_PRINCIPAL_GROUP ? "group" : "user",
			    t[j].principal_name, t[j].project_id[0] != '\0' ?
			    t[j].project_name : "(whole account)");
		attachment_json(w, &t[j]);
	}
	jw_arr_close(w);
	jw_obj_close(w);
}

static int
policy_list(struct admin *ad, char **arg)
{
	struct store_attachment *t = NULL;
	struct store_policy *p = NULL;
	size_t i, n = 0, nt = 0;
	struct buf b;
	struct jw w;
	int r;

	(void)arg;
	if ((r = store_policy_list(ad->st, ad->dom.id, &p, &n)) != 0 ||
	    (r = store_attachment_list(ad->st, ad->dom.id, &t, &nt)) != 0) {
		free(p);
		return fail(r, "policy list");
	}
	buf_init(&b);
	jw_init(&w, &b);
	jw_arr_open(&w);
	for (i = 0; i < n; i++)
		policy_print(ad, &w, &p[i], t, nt);
	jw_arr_close(&w);
	if (ad->json)
		print_json(&b);
	buf_free(&b);
	free(p);
	free(t);
	return EXIT_OK;
}

/* The principal and scope of policy attach/detach from the flags. */
struct target {
	int	type;			/* enum store_principal_type */
	char	id[WJ_ID_LEN + 1];
	char	name[STORE_NAME_MAX + 1];
	struct store_project project;	/* id "" = the whole account */
};

static int
target_resolve(struct admin *ad, struct target *t)
{
	const struct opt_val *u = cmd_opt(&ad->a, "user"),
	    *g = cmd_opt(&ad->a, "group"), *p = cmd_opt(&ad->a, "project");
	struct store_group grp;
	struct store_user usr;
	int r, dom = (int)cmd_opt(&ad->a, "domain")->i;

	memset(t, 0, sizeof(*t));
	if (u->set == g->set)
		return usage_error("give one of --user U and --group G");
	if (p->set == dom)
		return usage_error("give one of --project P and --domain");
	if (p->set && (r = project_find(ad, p->s, &t->project)) != 0)
		return fail(r, p->s);
	t->type = u->set ? STORE_PRINCIPAL_USER : STORE_PRINCIPAL_GROUP;
	if (u->set) {
		if ((r = user_find(ad, u->s, &usr)) != 0)
			return fail(r, u->s);
		memcpy(t->id, usr.id, sizeof(t->id));
		memcpy(t->name, usr.name, sizeof(t->name));
		return EXIT_OK;
	}
	if ((r = store_group_by_name(ad->st, ad->dom.id, g->s, &grp)) != 0)
		return fail(r, g->s);
	memcpy(t->id, grp.id, sizeof(t->id));
	memcpy(t->name, grp.name, sizeof(t->name));
	return EXIT_OK;
}

static int
policy_attachment(struct admin *ad, char **arg, int attach)
{
	struct store_policy p;
	struct target t;
	struct buf b;
	struct jw w;
	int r;

	if ((r = target_resolve(ad, &t)) != EXIT_OK)
		return r;
	if ((r = store_policy_by_name(ad->st, ad->dom.id, arg[0], &p)) != 0)
		return fail(r, arg[0]);
	r = (attach ? store_policy_attach : store_policy_detach)(ad->st,
	    ad->dom.id, p.id, t.type, t.id, t.project.id);
	if (r != 0)
		return fail(r, attach ? "policy attach" : "policy detach");
	if (!ad->json) {
		printf("%s %s %s %s %s\n", p.name, attach ? "attached to" :
		    "detached from", t.type == STORE_PRINCIPAL_GROUP ?
		    "group" : "user", t.name, t.project.id[0] != '\0' ?
		    t.project.name : "(whole account)");
		return EXIT_OK;
	}
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "policy", p.name);
	jw_kv_str(&w, t.type == STORE_PRINCIPAL_GROUP ? "group" : "user",
	    t.name);
	if (t.project.id[0] != '\0')
		jw_kv_str(&w, "project", t.project.name);
	else {
		jw_key(&w, "domain");
		jw_bool(&w, 1);
	}
	jw_kv_str(&w, "status", attach ? "attached" : "detached");
	jw_obj_close(&w);
	print_json(&b);
	return EXIT_OK;
}

static int
policy_attach(struct admin *ad, char **arg)
{
	return policy_attachment(ad, arg, 1);
}

static int
policy_detach(struct admin *ad, char **arg)
{
	return policy_attachment(ad, arg, 0);
}

/* ---- the table ----------------------------------------------------------- */

static const struct admin_cmd {
	const char *noun;
	const char *verb;
	int	    nargs;	/* positional arguments after noun and verb */
	int	  (*fn)(struct admin *, char **);
} admin_cmds[] = {
	{ "domain", "create", 1, domain_create },
	{ "domain", "list", 0, domain_list },
	{ "project", "create", 1, project_create },
	{ "project", "list", 0, project_list },
	{ "user", "create", 1, user_create },
	{ "user", "list", 0, user_list },
	{ "user", "disable", 1, user_disable_cmd },
	{ "user", "enable", 1, user_enable_cmd },
	{ "user", "passwd", 1, user_passwd },
	{ "group", "create", 1, group_create },
	{ "group", "list", 0, group_list },
	{ "group", "add-user", 2, group_add_user },
	{ "group", "remove-user", 2, group_remove_user },
	{ "key", "create", 0, key_create },
	{ "key", "list", 0, key_list },
	{ "key", "disable", 1, key_disable_cmd },
	{ "key", "enable", 1, key_enable_cmd },
	{ "policy", "create", 1, policy_create },
	{ "policy", "list", 0, policy_list },
	{ "policy", "attach", 1, policy_attach },
	{ "policy", "detach", 1, policy_detach },
};

static const struct admin_cmd *
lookup(char **p, int n)
{
	size_t i;

	for (i = 0; i < sizeof(admin_cmds) / sizeof(admin_cmds[0]); i++)
		if (strcmp(p[0], admin_cmds[i].noun) == 0 &&
		    strcmp(p[1], admin_cmds[i].verb) == 0 &&
		    n == 2 + admin_cmds[i].nargs)
			return &admin_cmds[i];
	return NULL;
}

static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= STORE_NAME_MAX && wj_utf8_clean(s, n);
}

/* The account the command works on: --account, else the first. */
static int
pick_account(struct admin *ad)
{
	const struct opt_val *acc = cmd_opt(&ad->a, "account");
	int r;

	if (acc->set)
		r = store_domain_by_name(ad->st, acc->s, &ad->dom);
	else
		r = store_domain_first(ad->st, &ad->dom);
	if (r != 0)
		return fail(r, acc->set ? acc->s :
		    "no account in this data directory");
	return EXIT_OK;
}

static int
admin_run(struct admin *ad)
{
	const struct admin_cmd *c;
	int r, i;

	for (i = 0; i < ad->a.n_pos; i++)
		if (!valid_name(ad->a.pos[i])) {
			fprintf(stderr, "wksjobs: '%s' must be 1..%d characters "
			    "of text\n", ad->a.pos[i], STORE_NAME_MAX);
			return EXIT_USAGE;
		}
	if (ad->a.n_pos < 2)
		return usage_error("missing admin command");
	if ((c = lookup(ad->a.pos, ad->a.n_pos)) == NULL)
		return usage_error("unknown admin command");
	if ((r = datadir_open(cmd_opt(&ad->a, "data")->s, 3, &ad->st,
	    &ad->mk)) != 0)
		return r;
	if ((r = pick_account(ad)) != EXIT_OK)
		return r;
	/* The system policies' rows, so that they can be attached. */
	if (strcmp(c->noun, "policy") == 0 &&
	    (r = authz_sync_system_policies(ad->st)) != 0)
		return fail(r, "system policies");
	return c->fn(ad, ad->a.pos + 2);
}

int
cmd_admin(int argc, char **argv)
{
	struct admin ad;
	int r;

	memset(&ad, 0, sizeof(ad));
	if ((r = cmd_parse(use, admin_opts, N_OPTS, argc - 1, argv + 1,
	    &ad.a)) == 0) {
		ad.json = (int)cmd_opt(&ad.a, "json")->i;
		r = admin_run(&ad);
	}
	store_close(ad.st);
	OPENSSL_cleanse(&ad.mk, sizeof(ad.mk));
	cmd_args_free(&ad.a);
	return r < 0 ? EXIT_OK : r;
}
