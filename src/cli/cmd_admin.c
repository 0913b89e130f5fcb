/*
 * cmd_admin.c - "wksjobs admin": the identities of a data directory,
 * straight on its store: accounts (domains), projects, users, groups,
 * access keys and policies.  Safe while serve runs (SQLite WAL; the
 * server reads identities per request and caches nothing, so a change
 * applies to the next request).  Every command has --json output.
 *
 * This file holds the flags, the table of nouns (each noun's commands
 * are a table in cmd_admin_<noun>.c, after tmux's cmd_table), the usage
 * built from the tables, the dispatch and the output helpers.  --account
 * picks the account, the first one by default.  Leaves authorization
 * itself to the server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cmd_admin.h"
#include "datadir.h"
#include "../util/util.h"

#define USE_WIDTH	72	/* usage items are wrapped past this column */

static const struct opt admin_opts[] = {
	{ "data", OPT_STR, 1, 4000, "./data", "data directory", 0 },
	DATADIR_OPT_DATABASE,
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
	{ "to", OPT_STR, 1, 4000, NULL, "backup file to write (backup); the "
	    "new database (migrate: a postgres:// URL or a new data "
	    "directory)", 0 },
	{ "from", OPT_STR, 1, 4000, NULL, "backup file to read (restore)", 0 },
};

#define N_OPTS (sizeof(admin_opts) / sizeof(admin_opts[0]))

static const struct admin_noun *const nouns[] = {
	&admin_domain, &admin_project, &admin_user, &admin_group, &admin_key,
	&admin_policy,
};

#define N_NOUNS (sizeof(nouns) / sizeof(nouns[0]))

/* Commands of the whole data directory: one word, no account.  flag:
 * the store is opened first (restore fills an empty directory). */
static const struct admin_cmd *const dircmds[] = {
	&admin_backup_cmd, &admin_restore_cmd, &admin_rotate_cmd,
	&admin_migrate_cmd,
};

#define N_DIRCMDS (sizeof(dircmds) / sizeof(dircmds[0]))

/* ---- usage, from the tables ---------------------------------------------- */

static char use_text[2048];

/* One noun's commands, " | " between them, wrapped past USE_WIDTH. */
static void
use_noun(struct buf *b, const struct admin_noun *an)
{
	size_t i, col = 0, len;

	for (i = 0; i < an->n; i++) {
		if (an->cmds[i].usage == NULL)
			continue;
		len = strlen(an->name) + 1 + strlen(an->cmds[i].usage);
		if (col == 0)
			col = 2;
		else if (col + 3 + len <= USE_WIDTH) {
			(void)buf_puts(b, " | ");
			col += 3;
		} else {
			(void)buf_puts(b, " |\n  ");
			col = 2;
		}
		(void)buf_printf(b, "%s %s", an->name, an->cmds[i].usage);
		col += len;
	}
}

static const char *
use(void)
{
	struct buf b;
	size_t i;

	if (use_text[0] != '\0')
		return use_text;
	buf_init(&b);
	(void)buf_puts(&b, "wksjobs admin COMMAND [--data DIR] "
	    "[--account NAME] [--json]");
	for (i = 0; i < N_NOUNS; i++) {
		(void)buf_puts(&b, "\n  ");
		use_noun(&b, nouns[i]);
	}
	for (i = 0; i < N_DIRCMDS; i++)
		(void)buf_printf(&b, "%s%s", i == 0 ? "\n  " : " | ",
		    dircmds[i]->usage);
	(void)snprintf(use_text, sizeof(use_text), "%s",
	    b.data != NULL ? b.data : "");
	buf_free(&b);
	return use_text;
}

/* ---- helpers of the nouns ------------------------------------------------ */

int
admin_fail(int r, const char *what)
{
	fprintf(stderr, "wksjobs: %s: %s\n", what, wj_strerror(r));
	return EXIT_FAIL;
}

int
admin_usage_error(const char *what)
{
	fprintf(stderr, "wksjobs: %s\nusage: %s\n", what, use());
	return EXIT_USAGE;
}

int
admin_print_created(struct admin *ad, const char *id, const char *name)
{
	if (!ad->json) {
		printf("%s %s\n", id, name);
		return EXIT_OK;
	}
	return cmd_print_object("id", id, "name", name, NULL);
}

int
admin_print_list(struct admin *ad, const void *rows, size_t n, size_t size,
    admin_row_fn *row, const void *ctx)
{
	struct buf b;
	struct jw w;
	size_t i;

	buf_init(&b);
	jw_init(&w, &b);
	jw_arr_open(&w);
	for (i = 0; i < n; i++)
		row(ad, &w, (const char *)rows + i * size, ctx);
	jw_arr_close(&w);
	if (ad->json)
		printf("%s\n", b.data != NULL ? b.data : "");
	buf_free(&b);
	return EXIT_OK;
}

int
admin_list(struct admin *ad, char **arg)
{
	const struct admin_list *l = ad->cmd->list;
	union admin_rows rows = { NULL };
	char what[64];
	size_t n = 0;
	int r;

	(void)arg;
	if ((r = l->fetch(ad, &rows, &n)) != 0) {
		free(rows.domains);
		(void)snprintf(what, sizeof(what), "%s list", ad->noun->name);
		return admin_fail(r, what);
	}
	r = admin_print_list(ad, rows.domains, n, l->size, l->row, l->ctx);
	if (rows.domains != NULL) {
		OPENSSL_cleanse(rows.domains, n * l->size);
		free(rows.domains);
	}
	return r;
}

void
admin_row_id_name(struct admin *ad, struct jw *w, const void *row,
    const void *ctx)
{
	const struct admin_id_name *at = ctx;
	const char *id = (const char *)row + at->id,
	    *name = (const char *)row + at->name;

	if (!ad->json)
		printf("%s %s\n", id, name);
	else
		cmd_jw_object(w, "id", id, "name", name, NULL);
}

int
admin_created(struct admin *ad, int r, const char *what, const char *id,
    const char *name)
{
	return r != 0 ? admin_fail(r, what) : admin_print_created(ad, id,
	    name);
}

int
admin_password_hash(struct admin *ad, int required,
    char hash[PASSWD_HASH_MAX + 1], int *have)
{
	const struct opt_val *pw = cmd_opt(&ad->a, "password");
	struct wj_errinfo ei;
	int r;

	*have = 0;
	hash[0] = '\0';
	if (!pw->set)
		return required ? admin_usage_error("--password P is required "
		    "(or $WKSJOBS_PASSWORD)") : EXIT_OK;
	ei.detail[0] = '\0';
	if (passwd_check(pw->s, &ei) != 0) {
		fprintf(stderr, "wksjobs: %s\n", ei.detail);
		return EXIT_USAGE;
	}
	if ((r = passwd_hash(pw->s, hash)) != 0)
		return admin_fail(r, "password");
	*have = 1;
	return EXIT_OK;
}

void
admin_lock_text(int64_t until_ms, int json, char out[ADMIN_LOCK_TEXT])
{
	char t[28];

	out[0] = '\0';
	if (until_ms <= wj_now_ms())
		return;
	if (json) {
		wj_time_iso(until_ms, t);
		(void)snprintf(out, ADMIN_LOCK_TEXT, "%s", t);
	} else {
		wj_time_fmt(until_ms, t);
		(void)snprintf(out, ADMIN_LOCK_TEXT, "%s UTC", t);
	}
}

/* ---- dispatch ------------------------------------------------------------ */

/* The command of words p[0] (noun) and p[1] (verb) with n words. */
static const struct admin_cmd *
lookup(char **p, int n, const struct admin_noun **noun)
{
	size_t i, j;

	for (i = 0; i < N_NOUNS; i++) {
		if (strcmp(p[0], nouns[i]->name) != 0)
			continue;
		for (j = 0; j < nouns[i]->n; j++)
			if (strcmp(p[1], nouns[i]->cmds[j].name) == 0 &&
			    n == 2 + nouns[i]->cmds[j].nargs) {
				*noun = nouns[i];
				return &nouns[i]->cmds[j];
			}
	}
	return NULL;
}

/* Why words p[0] p[1] name no command, with the nearest that does. */
static int
unknown_command(char **p)
{
	const char *names[N_NOUNS], *near;
	char what[160];
	size_t i;

	for (i = 0; i < N_NOUNS; i++)
		if (strcmp(p[0], nouns[i]->name) == 0)
			break;
	if (i == N_NOUNS) {
		for (i = 0; i < N_NOUNS; i++)
			names[i] = nouns[i]->name;
		near = cmd_suggest(p[0], strlen(p[0]), names, N_NOUNS,
		    sizeof(names[0]));
		(void)snprintf(what, sizeof(what), "unknown admin command "
		    "'%s'%s%s%s", p[0], near != NULL ? " (did you mean '" : "",
		    near != NULL ? near : "", near != NULL ? "'?)" : "");
		return admin_usage_error(what);
	}
	near = cmd_suggest(p[1], strlen(p[1]), nouns[i]->cmds, nouns[i]->n,
	    sizeof(nouns[i]->cmds[0]));
	if (near != NULL && strcmp(near, p[1]) == 0)
		(void)snprintf(what, sizeof(what), "wrong number of arguments "
		    "for admin %s %s", p[0], p[1]);
	else
		(void)snprintf(what, sizeof(what), "unknown admin command "
		    "'%s %s'%s%s%s", p[0], p[1], near != NULL ?
		    " (did you mean '" : "", near != NULL ? near : "",
		    near != NULL ? "'?)" : "");
	return admin_usage_error(what);
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
		return admin_fail(r, acc->set ? acc->s :
		    "no account in this data directory");
	return EXIT_OK;
}

int
admin_open(struct admin *ad)
{
	struct store_opts so;

	datadir_db_opts(&ad->a, 3, &so);
	return datadir_open(cmd_opt(&ad->a, "data")->s, &so, &ad->st,
	    &ad->mk);
}

static int
run_dircmd(struct admin *ad, const struct admin_cmd *c)
{
	int r;

	ad->cmd = c;
	if (c->flag && (r = admin_open(ad)) != 0)
		return r;
	return c->exec(ad, NULL);
}

static int
admin_run(struct admin *ad)
{
	const struct admin_noun *noun = NULL;
	const struct admin_cmd *c;
	int r, i;

	for (i = 0; i < ad->a.n_pos; i++)
		if (!valid_name(ad->a.pos[i])) {
			fprintf(stderr, "wksjobs: '%s' must be 1..%d "
			    "characters of text\n", ad->a.pos[i],
			    STORE_NAME_MAX);
			return EXIT_USAGE;
		}
	for (i = 0; ad->a.n_pos == 1 && i < (int)N_DIRCMDS; i++)
		if (strcmp(ad->a.pos[0], dircmds[i]->name) == 0)
			return run_dircmd(ad, dircmds[i]);
	if (ad->a.n_pos < 2)
		return admin_usage_error("missing admin command");
	if ((c = lookup(ad->a.pos, ad->a.n_pos, &noun)) == NULL)
		return unknown_command(ad->a.pos);
	if ((r = admin_open(ad)) != 0)
		return r;
	if ((r = pick_account(ad)) != EXIT_OK)
		return r;
	if (noun->prepare != NULL && (r = noun->prepare(ad)) != EXIT_OK)
		return r;
	ad->noun = noun;
	ad->cmd = c;
	return c->exec(ad, ad->a.pos + 2);
}

int
cmd_admin(int argc, char **argv)
{
	struct admin ad;
	int r;

	memset(&ad, 0, sizeof(ad));
	if ((r = cmd_parse(use(), admin_opts, N_OPTS, argc - 1, argv + 1,
	    &ad.a)) == 0) {
		ad.json = (int)cmd_opt(&ad.a, "json")->i;
		r = admin_run(&ad);
		store_close(ad.st);
		ad.st = NULL;
		datadir_keep_owner(cmd_opt(&ad.a, "data")->s);
	}
	store_close(ad.st);
	OPENSSL_cleanse(&ad.mk, sizeof(ad.mk));
	cmd_args_free(&ad.a);
	return r < 0 ? EXIT_OK : r;
}
