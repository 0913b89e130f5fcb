/*
 * cmd_admin_policy.c - "wksjobs admin policy": create custom policies
 * from a document (checked by auth/policy before anything is stored; a
 * document it refuses is named in the error), list them with their
 * attachments, and attach or detach them to a user or group for a
 * project or the whole account.  The system policies' rows are synced
 * first, so that they can be attached too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_admin.h"
#include "../auth/authz.h"
#include "../auth/policy.h"

/* Read a policy document of at most POLICY_DOC_MAX bytes into buf. */
static int
read_document(const char *path, char *buf, size_t cap, size_t *len)
{
	FILE *f;
	size_t n;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "wksjobs: %s: %s\n", path, strerror(errno));
		return EXIT_FAIL;
	}
	n = fread(buf, 1, cap, f);
	if (ferror(f)) {
		fprintf(stderr, "wksjobs: %s: read error\n", path);
		fclose(f);
		return EXIT_FAIL;
	}
	fclose(f);
	if (n >= cap) {
		fprintf(stderr, "wksjobs: %s: a policy document is at most %d "
		    "bytes\n", path, POLICY_DOC_MAX);
		return EXIT_FAIL;
	}
	buf[n] = '\0';
	*len = n;
	return EXIT_OK;
}

static int
policy_create(struct admin *ad, char **arg)
{
	const struct opt_val *file = cmd_opt(&ad->a, "file");
	char text[POLICY_DOC_MAX + 2];
	struct store_policy p;
	struct policy *pol = NULL;
	struct wj_errinfo ei;
	struct buf canon;
	size_t len;
	int r;

	if (!file->set)
		return admin_usage_error("policy create needs --file F");
	if ((r = read_document(file->s, text, sizeof(text), &len)) != EXIT_OK)
		return r;
	ei.detail[0] = '\0';
	if ((r = policy_parse(text, len, &pol, &ei)) != 0) {
		fprintf(stderr, "wksjobs: policy %s refused: %s\n", arg[0],
		    ei.detail[0] != '\0' ? ei.detail : wj_strerror(r));
		return EXIT_FAIL;
	}
	buf_init(&canon);
	r = policy_to_json(pol, &canon);
	policy_free(pol);
	if (r == 0)
		r = store_policy_create(ad->st, ad->dom.id, arg[0], canon.data,
		    &p);
	buf_free(&canon);
	if (r == WJ_ERR_EXISTS) {
		fprintf(stderr, "wksjobs: a policy named '%s' exists already\n",
		    arg[0]);
		return EXIT_FAIL;
	}
	return admin_created(ad, r, arg[0], p.id, p.name);
}

static const char *
principal_word(int type)
{
	return type == STORE_PRINCIPAL_GROUP ? "group" : "user";
}

/* The scope's text: the project's name or the whole account. */
static const char *
scope_text(const char *project_id, const char *project_name)
{
	return project_id[0] != '\0' ? project_name : "(whole account)";
}

/* The attachments of the policy in t[0..nt) (all of the account's). */
struct attachments {
	const struct store_attachment *t;
	size_t nt;
};

static void
policy_row(struct admin *ad, struct jw *w, const void *row, const void *ctx)
{
	const struct store_policy *p = row;
	const struct attachments *at = ctx;
	const struct store_attachment *t;
	size_t j;

	if (!ad->json)
		printf("%s %s (%s)\n", p->id, p->name, p->is_system ?
		    "system" : "custom");
	jw_obj_open(w);
	jw_kv_str(w, "id", p->id);
	jw_kv_str(w, "name", p->name);
	jw_kv_str(w, "type", p->is_system ? "system" : "custom");
	jw_key(w, "attachments");
	jw_arr_open(w);
	for (j = 0; j < at->nt; j++) {
		t = &at->t[j];
		if (strcmp(t->policy_id, p->id) != 0)
			continue;
		if (!ad->json)
			printf("  %s %s %s\n",
			    principal_word(t->principal_type),
			    t->principal_name, scope_text(t->project_id,
			    t->project_name));
		cmd_jw_object(w, principal_word(t->principal_type),
		    t->principal_name, t->project_id[0] != '\0' ? "project" :
		    "domain", t->project_id[0] != '\0' ? t->project_name :
		    cmd_true, NULL);
	}
	jw_arr_close(w);
	jw_obj_close(w);
}

static int
policy_list(struct admin *ad, char **arg)
{
	struct attachments at = { NULL, 0 };
	struct store_attachment *t = NULL;
	struct store_policy *p = NULL;
	size_t n = 0, nt = 0;
	int r;

	(void)arg;
	if ((r = store_policy_list(ad->st, ad->dom.id, &p, &n)) != 0 ||
	    (r = store_attachment_list(ad->st, ad->dom.id, &t, &nt)) != 0) {
		free(p);
		return admin_fail(r, "policy list");
	}
	at.t = t;
	at.nt = nt;
	r = admin_print_list(ad, p, n, sizeof(*p), policy_row, &at);
	free(p);
	free(t);
	return r;
}

/* The principal and scope of policy attach/detach from the flags. */
struct target {
	int	type;			/* enum store_principal_type */
	char	id[WJ_ID_LEN + 1];
	char	name[STORE_NAME_MAX + 1];
	struct store_project project;	/* id "" = the whole account */
};

static int
target_resolve(struct admin *ad, struct target *t)
{
	const struct opt_val *u = cmd_opt(&ad->a, "user"),
	    *g = cmd_opt(&ad->a, "group"), *p = cmd_opt(&ad->a, "project");
	struct store_group grp;
	struct store_user usr;
	int r, dom = (int)cmd_opt(&ad->a, "domain")->i;

	memset(t, 0, sizeof(*t));
	if (u->set == g->set)
		return admin_usage_error("give one of --user U and --group G");
	if (p->set == dom)
		return admin_usage_error("give one of --project P and "
		    "--domain");
	if (p->set && (r = admin_project_find(ad, p->s, &t->project)) != 0)
		return admin_fail(r, p->s);
	t->type = u->set ? STORE_PRINCIPAL_USER : STORE_PRINCIPAL_GROUP;
	if (u->set) {
		if ((r = admin_user_find(ad, u->s, &usr)) != 0)
			return admin_fail(r, u->s);
		memcpy(t->id, usr.id, sizeof(t->id));
		memcpy(t->name, usr.name, sizeof(t->name));
		return EXIT_OK;
	}
	if ((r = store_group_by_name(ad->st, ad->dom.id, g->s, &grp)) != 0)
		return admin_fail(r, g->s);
	memcpy(t->id, grp.id, sizeof(t->id));
	memcpy(t->name, grp.name, sizeof(t->name));
	return EXIT_OK;
}

/* policy attach / detach NAME. */
static int
policy_attachment(struct admin *ad, char **arg)
{
	int r, whole, attach = ad->cmd->flag;
	struct store_policy p;
	struct target t;

	if ((r = target_resolve(ad, &t)) != EXIT_OK)
		return r;
	if ((r = store_policy_by_name(ad->st, ad->dom.id, arg[0], &p)) != 0)
		return admin_fail(r, arg[0]);
	r = (attach ? store_policy_attach : store_policy_detach)(ad->st,
	    ad->dom.id, p.id, t.type, t.id, t.project.id);
	if (r != 0)
		return admin_fail(r, attach ? "policy attach" :
		    "policy detach");
	if (!ad->json) {
		printf("%s %s %s %s %s\n", p.name, attach ? "attached to" :
		    "detached from", principal_word(t.type), t.name,
		    scope_text(t.project.id, t.project.name));
		return EXIT_OK;
	}
	whole = t.project.id[0] == '\0';
	return cmd_print_object("policy", p.name, principal_word(t.type),
	    t.name, whole ? "domain" : "project", whole ? cmd_true :
	    t.project.name, "status", attach ? "attached" : "detached", NULL);
}

/* The system policies' rows, so that they can be attached. */
static int
policy_prepare(struct admin *ad)
{
	int r;

	if ((r = authz_sync_system_policies(ad->st)) != 0)
		return admin_fail(r, "system policies");
	return EXIT_OK;
}

static const struct admin_cmd cmds[] = {
	{ "create", 1, "create NAME --file F", policy_create, 0, NULL },
	{ "list", 0, "list", policy_list, 0, NULL },
	{ "attach", 1, "attach|detach NAME --user U|--group G "
	    "--project P|--domain", policy_attachment, 1, NULL },
	{ "detach", 1, NULL, policy_attachment, 0, NULL },
};

const struct admin_noun admin_policy = ADMIN_NOUN("policy", cmds,
    policy_prepare);
