/*
 * cmd_admin_group.c - "wksjobs admin group": create and list the
 * account's groups, add users to them and remove them.
 */
#include <stddef.h>
#include <stdio.h>

#include "cmd_admin.h"

static int
group_create(struct admin *ad, char **arg)
{
	struct store_group g;

	return admin_created(ad, store_group_create(ad->st, ad->dom.id,
	    arg[0], &g), arg[0], g.id, g.name);
}

static int
group_fetch(struct admin *ad, union admin_rows *rows, size_t *n)
{
	return store_group_list(ad->st, ad->dom.id, &rows->groups, n);
}

static const struct admin_list groups = {
	group_fetch, sizeof(struct store_group), admin_row_id_name,
	ADMIN_ID_NAME(struct store_group)
};

/* group add-user / remove-user GROUP USER. */
static int
membership(struct admin *ad, char **arg)
{
	struct store_group g;
	struct store_user u;
	int r, add = ad->cmd->flag;

	if ((r = store_group_by_name(ad->st, ad->dom.id, arg[0], &g)) != 0)
		return admin_fail(r, arg[0]);
	if ((r = admin_user_find(ad, arg[1], &u)) != 0)
		return admin_fail(r, arg[1]);
	r = add ? store_group_add_user(ad->st, g.id, u.id) :
	    store_group_remove_user(ad->st, g.id, u.id);
	if (r != 0)
		return admin_fail(r, add ? "group add-user" :
		    "group remove-user");
	if (!ad->json) {
		printf("%s %s %s\n", g.name, add ? "+" : "-", u.name);
		return EXIT_OK;
	}
	return cmd_print_object("group", g.name, "user", u.name, "status",
	    add ? "member" : "removed", NULL);
}

static const struct admin_cmd cmds[] = {
	{ "create", 1, "create NAME", group_create, 0, NULL },
	{ "list", 0, "list", admin_list, 0, &groups },
	{ "add-user", 2, "add-user GROUP USER", membership, 1, NULL },
	{ "remove-user", 2, "remove-user GROUP USER", membership, 0, NULL },
};

const struct admin_noun admin_group = ADMIN_NOUN("group", cmds, NULL);
