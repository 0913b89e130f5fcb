/*
 * cmd_init.c - "wksjobs init --data DIR [--database URL]": create the
 * data directory with its master key (0600) and the database (the SQLite
 * file in DIR, or the schema in the PostgreSQL database of URL) with the
 * account "admin", its root user, a default project and one AK/SK for
 * that user, printed once.  Refuses an existing directory that holds
 * either file, or a database initialised already, changing nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cmd.h"
#include "datadir.h"
#include "../auth/authn.h"

static const struct opt init_opts[] = {
	{ "data", OPT_STR, 1, 4000, "./data", "data directory", 0 },
	DATADIR_OPT_DATABASE,
	{ "json", OPT_BOOL, 0, 1, "false", "print the result as one JSON "
	    "object", 0 },
	{ "domain", OPT_STR, 1, 64, "admin", "account (domain) name", 0 },
	{ "user", OPT_STR, 1, 64, "admin", "root user name", 0 },
	{ "project", OPT_STR, 1, 64, "default", "first project name", 0 },
	{ "verbose", OPT_BOOL, 0, 1, "false", "log each step (the schema "
	    "migrations) on stderr", 0 },
};

#define N_OPTS (sizeof(init_opts) / sizeof(init_opts[0]))

static void
print_result(int json, const struct store_domain *d,
    const struct store_user *u, const struct store_project *p,
    const char *ak, const char *sk)
{
	if (json) {
		(void)cmd_print_object("domain_id", d->id, "domain_name",
		    d->name, "user_id", u->id, "user_name", u->name,
		    "project_id", p->id, "project_name", p->name,
		    "access_key", ak, "secret_key", sk, NULL);
		return;
	}
	printf("account    %s (%s)\nroot user  %s (%s)\nproject    %s (%s)\n"
	    "access key %s\nsecret key %s\n\nThe secret key is shown only "
	    "now; keep it.\n", d->name, d->id, u->name, u->id, p->name, p->id,
	    ak, sk);
}

/* Create DIR (0700) unless it exists; refuse if it holds our files. */
static int
prepare_dir(const char *dir, char *db, char *key, size_t cap)
{
	if (datadir_path(dir, DATADIR_DB, db, cap) != 0 ||
	    datadir_path(dir, DATADIR_KEY, key, cap) != 0) {
		fprintf(stderr, "wksjobs: path too long\n");
		return EXIT_FAIL;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		fprintf(stderr, "wksjobs: cannot create %s: %s\n", dir,
		    strerror(errno));
		return EXIT_FAIL;
	}
	if (access(db, F_OK) == 0 || access(key, F_OK) == 0) {
		fprintf(stderr, "wksjobs: %s is already initialised; nothing "
		    "changed\n", dir);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static void
init_failed(const struct store_opts *so, int r)
{
	if (r == WJ_ERR_EXISTS && datadir_is_pg(so))
		fprintf(stderr, "wksjobs: init: the database of --database is "
		    "initialised already (it holds an account); nothing "
		    "changed.  Another node needs no init: copy the data "
		    "directory of the first init (its master key) and run "
		    "wksjobs serve --database URL --data COPY\n");
	else
		fprintf(stderr, "wksjobs: init failed: %s\n", wj_strerror(r));
}

static int
bootstrap(struct cmd_args *a, const char *db, const char *key)
{
	struct store_opts so = { 0 };
	struct wj_master_key mk;
	struct store_domain d;
	struct store_user u;
	struct store_project p;
	struct store *st = NULL;
	uint8_t sealed[128];
	size_t slen;
	char ak[21], sk[41];
	int r;

	if ((r = wj_master_key_create(key, &mk)) != 0) {
		fprintf(stderr, "wksjobs: cannot create %s: %s\n", key,
		    wj_strerror(r));
		return EXIT_FAIL;
	}
	datadir_db_opts(a, 0, &so);
	so.path = db;
	if ((r = authn_new_keypair(ak, sk)) != 0 ||
	    (r = authn_seal_secret(&mk, ak, sk, sealed, sizeof(sealed),
	    &slen)) != 0 ||
	    (r = store_open(&so, &st)) != 0 ||
	    (r = store_bootstrap(st, cmd_opt(a, "domain")->s,
	    cmd_opt(a, "user")->s, cmd_opt(a, "project")->s, ak, sealed, slen,
	    &d, &u, &p)) != 0) {
		init_failed(&so, r);
		store_close(st);
		if (!datadir_is_pg(&so))
			(void)unlink(db);
		(void)unlink(key);
		OPENSSL_cleanse(&mk, sizeof(mk));
		return EXIT_FAIL;
	}
	store_close(st);
	print_result((int)cmd_opt(a, "json")->i, &d, &u, &p, ak, sk);
	OPENSSL_cleanse(sk, sizeof(sk));
	OPENSSL_cleanse(&mk, sizeof(mk));
	return EXIT_OK;
}

int
cmd_init(int argc, char **argv)
{
	static const char *use = "wksjobs init [--data DIR] [--database URL] "
	    "[--json] [--verbose]";
	struct cmd_args a;
	char db[4096], key[4096];
	int r;

	if ((r = cmd_parse(use, init_opts, N_OPTS, argc - 1, argv + 1, &a)) != 0)
		goto out;
	if ((r = cmd_no_args("init", use, &a)) != 0)
		goto out;
	if (cmd_opt(&a, "verbose")->i)
		wj_log_level = WJ_LOG_DEBUG;
	if ((r = prepare_dir(cmd_opt(&a, "data")->s, db, key, sizeof(db))) != 0)
		goto out;
	r = bootstrap(&a, db, key);
 out:
	cmd_args_free(&a);
	return r < 0 ? EXIT_OK : r;
}
