/*
 * cmd_admin_user.c - "wksjobs admin user": create, list (with password
 * lockouts), disable, enable, unlock and set the password of the
 * account's users (the root user cannot be disabled); admin_user_find
 * for the commands that name one.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include "cmd_admin.h"

int
admin_user_find(struct admin *ad, const char *name, struct store_user *u)
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

	if ((r = admin_password_hash(ad, 0, hash, &have)) != EXIT_OK)
		return r;
	r = store_user_create(ad->st, ad->dom.id, arg[0], have ? hash : NULL,
	    &u);
	OPENSSL_cleanse(hash, sizeof(hash));
	return admin_created(ad, r, arg[0], u.id, u.name);
}

static void
user_row(struct admin *ad, struct jw *w, const void *row, const void *ctx)
{
	const struct store_user *u = row;
	const char *status = u->enabled ? "enabled" : "disabled";
	const char *root = u->is_root ? cmd_true : cmd_false;
	char until[ADMIN_LOCK_TEXT];
	struct store_user_auth ua;

	(void)ctx;
	until[0] = '\0';
	if (store_user_auth_get(ad->st, u->id, &ua) == 0) {
		OPENSSL_cleanse(ua.password_hash, sizeof(ua.password_hash));
		admin_lock_text(ua.locked_until_ms, ad->json, until);
	}
	if (!ad->json)
		printf("%s %s %s%s%s%s\n", u->id, u->name, status,
		    u->is_root ? " root" : "", until[0] != '\0' ?
		    " locked until " : "", until);
	else if (until[0] == '\0')
		cmd_jw_object(w, "id", u->id, "name", u->name, "status",
		    status, "root", root, NULL);
	else
		cmd_jw_object(w, "id", u->id, "name", u->name, "status",
		    status, "root", root, "locked_until", until, NULL);
}

static int
user_fetch(struct admin *ad, union admin_rows *rows, size_t *n)
{
	return store_user_list(ad->st, ad->dom.id, &rows->users, n);
}

static const struct admin_list users = {
	user_fetch, sizeof(struct store_user), user_row, NULL
};

/* "name status", or with --json {"name", "status"}. */
static int
user_status(struct admin *ad, const char *name, const char *status)
{
	if (!ad->json) {
		printf("%s %s\n", name, status);
		return EXIT_OK;
	}
	return cmd_print_object("name", name, "status", status, NULL);
}

/* user enable / disable NAME. */
static int
user_enable(struct admin *ad, char **arg)
{
	const char *name = arg[0];
	int r, on = ad->cmd->flag;
	struct store_user u;

	if ((r = admin_user_find(ad, name, &u)) != 0)
		return admin_fail(r, name);
	if ((r = store_user_set_enabled(ad->st, u.id, on)) != 0) {
		if (r == WJ_ERR_INVALID)
			fprintf(stderr, "wksjobs: %s is the account's root "
			    "user: it cannot be disabled\n", name);
		return r == WJ_ERR_INVALID ? EXIT_FAIL : admin_fail(r, name);
	}
	return user_status(ad, name, on ? "enabled" : "disabled");
}

static int
user_passwd(struct admin *ad, char **arg)
{
	char hash[PASSWD_HASH_MAX + 1];
	struct store_user u;
	int r, have;

	if ((r = admin_user_find(ad, arg[0], &u)) != 0)
		return admin_fail(r, arg[0]);
	if ((r = admin_password_hash(ad, 1, hash, &have)) != EXIT_OK)
		return r;
	r = store_user_set_password(ad->st, u.id, hash);
	OPENSSL_cleanse(hash, sizeof(hash));
	if (r != 0)
		return admin_fail(r, arg[0]);
	return user_status(ad, arg[0], "password changed");
}

/* user unlock NAME: the password lockout goes (at once: logins read it
 * from the store). */
static int
user_unlock(struct admin *ad, char **arg)
{
	struct store_user u;
	int r;

	if ((r = admin_user_find(ad, arg[0], &u)) != 0 ||
	    (r = store_user_unlock(ad->st, u.id)) != 0)
		return admin_fail(r, arg[0]);
	return user_status(ad, arg[0], "unlocked");
}

static const struct admin_cmd cmds[] = {
	{ "create", 1, "create NAME [--password P]", user_create, 0, NULL },
	{ "list", 0, "list", admin_list, 0, &users },
	{ "disable", 1, "disable NAME", user_enable, 0, NULL },
	{ "enable", 1, "enable NAME", user_enable, 1, NULL },
	{ "unlock", 1, "unlock NAME", user_unlock, 0, NULL },
	{ "passwd", 1, "passwd NAME --password P", user_passwd, 0, NULL },
};

const struct admin_noun admin_user = ADMIN_NOUN("user", cmds, NULL);
