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
domain_list(struct admin *ad, char **arg)
{
	struct store_domain *d = NULL;
	size_t n = 0;
	int r;

	(void)arg;
	r = store_domain_list(ad->st, &d, &n);
	return admin_list_done(ad, r, "domain list", d, n, sizeof(*d),
	    admin_row_id_name, ADMIN_ID_NAME(struct store_domain));
}

static const struct admin_cmd cmds[] = {
	{ "create", 1, "create NAME [--password P]", domain_create, 0 },
	{ "list", 0, "list", domain_list, 0 },
};

const struct admin_noun admin_domain = ADMIN_NOUN("domain", cmds, NULL);
