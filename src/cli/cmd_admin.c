/*
 * cmd_admin.c - "wksjobs admin": projects and access keys, straight on
 * the store of a data directory (safe while serve runs: SQLite WAL and
 * the server reads keys and projects per request, so changes apply at
 * once).  Every command has --json output for scripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cmd.h"
#include "datadir.h"
#include "../auth/authn.h"

static const struct opt admin_opts[] = {
	{ "data", OPT_STR, 1, 4000, "./data", "data directory", 0 },
	{ "json", OPT_BOOL, 0, 1, "false", "print JSON", 0 },
	{ "user", OPT_STR, 1, 64, NULL, "user name (key create)", 0 },
};

#define N_OPTS (sizeof(admin_opts) / sizeof(admin_opts[0]))

static const char *use =
    "wksjobs admin project create NAME | project list |\n"
    "       key create --user NAME | key list | key disable AK |"
    " key enable AK\n       [--data DIR] [--json]";

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

static void
print_json(struct buf *b)
{
	printf("%s\n", b->data ? b->data : "");
	buf_free(b);
}

static int
project_create(struct admin *ad, const char *name)
{
	struct store_project p;
	struct buf b;
	struct jw w;
	int r;

	if ((r = store_project_create(ad->st, ad->dom.id, name, &p)) != 0)
		return fail(r, "project create");
	if (!ad->json) {
		printf("%s %s\n", p.id, p.name);
		return EXIT_OK;
	}
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "id", p.id);
	jw_kv_str(&w, "name", p.name);
	jw_obj_close(&w);
	print_json(&b);
	return EXIT_OK;
}

static int
project_list(struct admin *ad)
{
	struct store_project *p = NULL;
	struct buf b;
	struct jw w;
	size_t i, n = 0;
	int r;

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

static int
key_create(struct admin *ad)
{
	const struct opt_val *uname = cmd_opt(&ad->a, "user");
	struct store_user u;
	uint8_t sealed[128];
	char ak[21], sk[41];
	struct buf b;
	struct jw w;
	size_t slen;
	int r;

	if (!uname->set) {
		fprintf(stderr, "wksjobs: key create needs --user NAME\n"
		    "usage: %s\n", use);
		return EXIT_USAGE;
	}
	if ((r = store_user_by_name(ad->st, ad->dom.id, uname->s, &u)) != 0)
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
key_list(struct admin *ad)
{
	struct store_key *k = NULL;
	struct buf b;
	struct jw w;
	size_t i, n = 0;
	int r;

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
dispatch(struct admin *ad)
{
	char **p = ad->a.pos;
	int n = ad->a.n_pos;

	if (n == 3 && strcmp(p[0], "project") == 0 &&
	    strcmp(p[1], "create") == 0)
		return project_create(ad, p[2]);
	if (n == 2 && strcmp(p[0], "project") == 0 && strcmp(p[1], "list") == 0)
		return project_list(ad);
	if (n == 2 && strcmp(p[0], "key") == 0 && strcmp(p[1], "create") == 0)
		return key_create(ad);
	if (n == 2 && strcmp(p[0], "key") == 0 && strcmp(p[1], "list") == 0)
		return key_list(ad);
	if (n == 3 && strcmp(p[0], "key") == 0 && strcmp(p[1], "disable") == 0)
		return key_enable(ad, p[2], 0);
	if (n == 3 && strcmp(p[0], "key") == 0 && strcmp(p[1], "enable") == 0)
		return key_enable(ad, p[2], 1);
	fprintf(stderr, "wksjobs: unknown admin command\nusage: %s\n", use);
	return EXIT_USAGE;
}

static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= STORE_NAME_MAX && wj_utf8_clean(s, n);
}

int
cmd_admin(int argc, char **argv)
{
	struct admin ad;
	int r, i;

	memset(&ad, 0, sizeof(ad));
	if ((r = cmd_parse(use, admin_opts, N_OPTS, argc - 1, argv + 1,
	    &ad.a)) != 0)
		goto out;
	ad.json = (int)cmd_opt(&ad.a, "json")->i;
	for (i = 0; i < ad.a.n_pos; i++)
		if (!valid_name(ad.a.pos[i])) {
			fprintf(stderr, "wksjobs: '%s' must be 1..%d characters "
			    "of text\n", ad.a.pos[i], STORE_NAME_MAX);
			r = EXIT_USAGE;
			goto out;
		}
	if (ad.a.n_pos < 2) {
		fprintf(stderr, "wksjobs: missing admin command\nusage: %s\n",
		    use);
		r = EXIT_USAGE;
		goto out;
	}
	if ((r = datadir_open(cmd_opt(&ad.a, "data")->s, 3, &ad.st,
	    &ad.mk)) != 0)
		goto out;
	if ((r = store_domain_first(ad.st, &ad.dom)) != 0) {
		r = fail(r, "no account in this data directory");
		goto out;
	}
	r = dispatch(&ad);
 out:
	store_close(ad.st);
	OPENSSL_cleanse(&ad.mk, sizeof(ad.mk));
	cmd_args_free(&ad.a);
	return r < 0 ? EXIT_OK : r;
}
