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
project_list(struct admin *ad, char **arg)
{
	struct store_project *p = NULL;
	size_t n = 0;
	int r;

	(void)arg;
	r = store_project_list(ad->st, ad->dom.id, &p, &n);
	return admin_list_done(ad, r, "project list", p, n, sizeof(*p),
	    admin_row_id_name, ADMIN_ID_NAME(struct store_project));
}

static const struct admin_cmd cmds[] = {
	{ "create", 1, "create NAME", project_create, 0 },
	{ "list", 0, "list", project_list, 0 },
};

const struct admin_noun admin_project = ADMIN_NOUN("project", cmds, NULL);
