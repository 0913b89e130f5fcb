/*
 * cmd_admin_domain.c - "wksjobs admin domain": create and list accounts
 * (domains); an account is created with its root user, who gets the
 * --password given.
 */
#include <stddef.h>

#include <openssl/crypto.h>

#include "cmd_admin.h"

static int
domain_create(struct admin *ad, char **arg)
{
	char hash[PASSWD_HASH_MAX + 1];
	struct store_domain d;
	int r, have;

	if ((r = admin_password_hash(ad, 0, hash, &have)) != EXIT_OK)
		return r;
	r = store_domain_create(ad->st, arg[0], have ? hash : NULL, &d, NULL);
	OPENSSL_cleanse(hash, sizeof(hash));
	return admin_created(ad, r, arg[0], d.id, d.name);
}

static int
domain_fetch(struct admin *ad, union admin_rows *rows, size_t *n)
{
	return store_domain_list(ad->st, &rows->domains, n);
}

static const struct admin_list domains = {
	domain_fetch, sizeof(struct store_domain), admin_row_id_name,
	ADMIN_ID_NAME(struct store_domain)
};

static const struct admin_cmd cmds[] = {
	{ "create", 1, "create NAME [--password P]", domain_create, 0, NULL },
	{ "list", 0, "list", admin_list, 0, &domains },
};

const struct admin_noun admin_domain = ADMIN_NOUN("domain", cmds, NULL);
