/*
 * cmd_admin_key.c - "wksjobs admin key": create an access key for a
 * user (its secret key is shown once, stored only sealed with the
 * master key), list, disable and enable the account's keys, and lift
 * the lock of a key locked after bad signatures.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include "cmd_admin.h"
#include "../auth/authn.h"

static int
key_create(struct admin *ad, char **arg)
{
	const struct opt_val *uname = cmd_opt(&ad->a, "user");
	struct store_user u;
	uint8_t sealed[128];
	char ak[21], sk[41];
	size_t slen;
	int r;

	(void)arg;
	if (!uname->set)
		return admin_usage_error("key create needs --user NAME");
	if ((r = admin_user_find(ad, uname->s, &u)) != 0)
		return admin_fail(r, uname->s);
	if ((r = authn_new_keypair(ak, sk)) != 0 ||
	    (r = authn_seal_secret(&ad->mk, ak, sk, sealed, sizeof(sealed),
	    &slen)) != 0 ||
	    (r = store_key_create(ad->st, u.id, ak, sealed, slen)) != 0)
		return admin_fail(r, "key create");
	if (ad->json)
		(void)cmd_print_object("access_key", ak, "secret_key", sk,
		    "user", u.name, NULL);
	else
		printf("access key %s\nsecret key %s\n", ak, sk);
	OPENSSL_cleanse(sk, sizeof(sk));
	return EXIT_OK;
}

static void
key_row(struct admin *ad, struct jw *w, const void *row, const void *ctx)
{
	const struct store_key *k = row;
	const char *status = k->enabled ? "enabled" : "disabled";
	char until[ADMIN_LOCK_TEXT];

	(void)ctx;
	admin_lock_text(k->locked_until_ms, ad->json, until);
	if (!ad->json)
		printf("%s %s %s%s%s\n", k->access_key, k->user.name, status,
		    until[0] != '\0' ? " locked until " : "", until);
	else if (until[0] == '\0')
		cmd_jw_object(w, "access_key", k->access_key, "user",
		    k->user.name, "status", status, NULL);
	else
		cmd_jw_object(w, "access_key", k->access_key, "user",
		    k->user.name, "status", status, "locked_until", until,
		    NULL);
}

static int
key_fetch(struct admin *ad, union admin_rows *rows, size_t *n)
{
	return store_key_list(ad->st, ad->dom.id, &rows->keys, n);
}

static const struct admin_list keys = {
	key_fetch, sizeof(struct store_key), key_row, NULL
};

/* key enable / disable AK. */
static int
key_enable(struct admin *ad, char **arg)
{
	const char *ak = arg[0], *status;
	int r, on = ad->cmd->flag;

	status = on ? "enabled" : "disabled";
	if ((r = store_key_set_enabled(ad->st, ak, on)) != 0)
		return admin_fail(r, ak);
	if (ad->json)
		return cmd_print_object("access_key", ak, "status", status,
		    NULL);
	printf("%s %s\n", ak, status);
	return EXIT_OK;
}

/* key unlock AK: the lock after bad signatures goes, on every server
 * within the key cache's time (docs/API.md#authentication). */
static int
key_unlock(struct admin *ad, char **arg)
{
	int r;

	if ((r = store_key_unlock(ad->st, arg[0], wj_now_ms())) != 0)
		return admin_fail(r, arg[0]);
	if (ad->json)
		return cmd_print_object("access_key", arg[0], "status",
		    "unlocked", NULL);
	printf("%s unlocked\n", arg[0]);
	return EXIT_OK;
}

static const struct admin_cmd cmds[] = {
	{ "create", 0, "create --user NAME", key_create, 0, NULL },
	{ "list", 0, "list", admin_list, 0, &keys },
	{ "disable", 1, "disable AK", key_enable, 0, NULL },
	{ "enable", 1, "enable AK", key_enable, 1, NULL },
	{ "unlock", 1, "unlock AK", key_unlock, 0, NULL },
};

const struct admin_noun admin_key = ADMIN_NOUN("key", cmds, NULL);
