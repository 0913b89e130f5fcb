/*
 * cmd_admin_project.c - "wksjobs admin project": create and list the
 * account's projects; admin_project_find for the commands that name one.
 */
#include <stddef.h>
#include <string.h>

#include "cmd_admin.h"

int
admin_project_find(struct admin *ad, const char *s, struct store_project *p)
{
	int r;

	r = store_project_by_name(ad->st, ad->dom.id, s, p);
	if (r == WJ_ERR_NOT_FOUND && (r = store_project_get(ad->st, s,
	    p)) == 0 && strcmp(p->domain_id, ad->dom.id) != 0)
		r = WJ_ERR_NOT_FOUND;
	return r;
}

static int
project_create(struct admin *ad, char **arg)
{
	struct store_project p;

	return admin_created(ad, store_project_create(ad->st, ad->dom.id,
	    arg[0], &p), "project create", p.id, p.name);
}

static int
project_fetch(struct admin *ad, union admin_rows *rows, size_t *n)
{
	return store_project_list(ad->st, ad->dom.id, &rows->projects, n);
}

static const struct admin_list projects = {
	project_fetch, sizeof(struct store_project), admin_row_id_name,
	ADMIN_ID_NAME(struct store_project)
};

static const struct admin_cmd cmds[] = {
	{ "create", 1, "create NAME", project_create, 0, NULL },
	{ "list", 0, "list", admin_list, 0, &projects },
};

const struct admin_noun admin_project = ADMIN_NOUN("project", cmds, NULL);
