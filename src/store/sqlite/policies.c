/*
 * policies.c - IAM policies on SQLite: custom and system policies, their
 * attachments to users and groups (for a project or the whole domain),
 * and the one read authorization needs: the policies that apply to a
 * user in a project.  Documents arrive validated (auth/policy).
 * Attaching or detaching revokes the tokens of those it concerns.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

#define POLICY_COLS "id, name, coalesce(domain_id, ''), domain_id IS NULL, " \
	"updated_ms, document"

static int
policy_row(sqlite3_stmt *st, void *arg)
{
	struct store_policy *p = arg;
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = sq_cols(st, 0, SQ_TO(p->id), SQ_TO(p->name),
	    SQ_TO(p->domain_id), SQ_END)) != 0)
		return r;
	p->is_system = sqlite3_column_int(st, 3);
	p->updated_ms = sqlite3_column_int64(st, 4);
	return sq_copy(p->document, sizeof(p->document), sq_text(st, 5));
}

struct policy_arg {
	const char *domain_id, *name, *doc;
	const char *policy_id, *principal_id, *project_id;
	int ptype;
	int attach;		/* attachment_op: attach, else detach */
	struct store_policy p;
};

static int
policy_create_op(struct sq_conn *c, struct sq_op *op)
{
	struct policy_arg *a = op->arg;
	int64_t now = wj_now_ms();
	int r, taken;

	if ((r = sq_new_in_domain(c, a->domain_id, a->name, a->p.id,
	    SQ_TO(a->p.name), SQ_TO(a->p.domain_id))) != 0)
		return r;
	/* A custom policy may not shadow a system one. */
	if ((r = sq_exists(c, &taken, "SELECT 1 FROM policies WHERE "
	    "domain_id IS NULL AND name = ?", "t", a->name)) != 0)
		return r;
	if (taken)
		return WJ_ERR_EXISTS;
	if ((r = sq_copy(a->p.document, sizeof(a->p.document), a->doc)) != 0)
		return r;
	a->p.updated_ms = now;
	sq_res(op, a->p.id, NULL);
	return sq_run(c, NULL, "INSERT INTO policies (id, domain_id, name, "
	    "document, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)",
	    "ttttII", a->p.id, a->domain_id, a->name, a->doc, now, now);
}

int
sq_store_policy_create(struct sq_store *st, const char *domain_id, const char *name,
    const char *document, struct store_policy *out)
{
	struct policy_arg a;
	int r;

	if (!sq_id_ok(domain_id) || !sq_name_ok(name) || document == NULL ||
	    strlen(document) < 2 || strlen(document) > STORE_POLICY_DOC_MAX)
		return WJ_ERR_INVALID;
	a = (struct policy_arg){ .domain_id = domain_id, .name = name,
	    .doc = document };
	if ((r = sq_write(st, policy_create_op, &a, "iam:policies:create")) ==
	    0 && out != NULL)
		*out = a.p;
	return r;
}

static int
policy_system_op(struct sq_conn *c, struct sq_op *op)
{
	struct policy_arg *a = op->arg;
	int64_t now = wj_now_ms();
	char id[WJ_ID_LEN + 1];
	int r, found;

	if ((r = sq_exists(c, &found, "SELECT 1 FROM policies WHERE "
	    "domain_id IS NULL AND name = ?", "t", a->name)) != 0)
		return r;
	if (found)
		return sq_run(c, NULL, "UPDATE policies SET document = ?, "
		    "updated_ms = ? WHERE domain_id IS NULL AND name = ? AND "
		    "document <> ?", "tItt", a->doc, now, a->name, a->doc);
	if ((r = wj_id_new(id)) != 0)
		return r;
	return sq_run(c, NULL, "INSERT INTO policies (id, domain_id, name, "
	    "document, created_ms, updated_ms) VALUES (?, NULL, ?, ?, ?, ?)",
	    "tttII", id, a->name, a->doc, now, now);
}

int
sq_store_policy_put_system(struct sq_store *st, const char *name,
    const char *document)
{
	struct policy_arg a;

	if (!sq_name_ok(name) || document == NULL || strlen(document) < 2 ||
	    strlen(document) > STORE_POLICY_DOC_MAX)
		return WJ_ERR_INVALID;
	a = (struct policy_arg){ .name = name, .doc = document };
	return sq_write(st, policy_system_op, &a, NULL);
}

int
sq_store_policy_by_name(struct sq_store *st, const char *domain_id,
    const char *name, struct store_policy *out)
{
	const char *p[] = { name, domain_id };

	return sq_one(st, "SELECT " POLICY_COLS " FROM policies WHERE name = ? "
	    "AND (domain_id = ? OR domain_id IS NULL) "
	    "ORDER BY domain_id IS NULL LIMIT 1", p, 2, policy_row, out);
}

int
sq_store_policy_list(struct sq_store *st, const char *domain_id,
    struct store_policy **out, size_t *n)
{
	const char *p[] = { domain_id };

	return sq_list(st, "SELECT " POLICY_COLS " FROM policies "
	    "WHERE domain_id IS NULL OR domain_id = ? "
	    "ORDER BY domain_id IS NOT NULL, name", p, 1,
	    sizeof(struct store_policy), policy_row, out, n);
}

static const char *
ptype_text(int t)
{
	return t == STORE_PRINCIPAL_GROUP ? "group" : "user";
}

/* Policy, principal and project all belong to a->domain_id. */
static int
attach_check(struct sq_conn *c, const struct policy_arg *a)
{
	int r, ok;

	if ((r = sq_exists(c, &ok, "SELECT 1 FROM policies WHERE id = ? AND "
	    "(domain_id IS NULL OR domain_id = ?)", "tt", a->policy_id,
	    a->domain_id)) != 0 || !ok)
		return r != 0 ? r : WJ_ERR_INVALID;
	if ((r = sq_exists(c, &ok, a->ptype == STORE_PRINCIPAL_GROUP ?
	    "SELECT 1 FROM groups WHERE id = ? AND domain_id = ?" :
	    "SELECT 1 FROM users WHERE id = ? AND domain_id = ?", "tt",
	    a->principal_id, a->domain_id)) != 0 || !ok)
		return r != 0 ? r : WJ_ERR_INVALID;
	if (a->project_id[0] == '\0')
		return 0;
	if ((r = sq_exists(c, &ok, "SELECT 1 FROM projects WHERE id = ? AND "
	    "domain_id = ?", "tt", a->project_id, a->domain_id)) != 0 || !ok)
		return r != 0 ? r : WJ_ERR_INVALID;
	return 0;
}

static int
revoke_principal(struct sq_conn *c, const struct policy_arg *a)
{
	if (a->ptype == STORE_PRINCIPAL_GROUP)
		return sq_revoke_group(c, a->principal_id);
	return sq_revoke_user(c, a->principal_id);
}

/* Attach (a->attach) or detach, then revoke the principal's tokens. */
static int
attachment_op(struct sq_conn *c, struct sq_op *op)
{
	struct policy_arg *a = op->arg;
	int r;

	if ((r = attach_check(c, a)) != 0)
		return r;
	sq_res(op, a->policy_id, a->principal_id, NULL);
	if (a->attach)
		r = sq_run(c, NULL, "INSERT OR IGNORE INTO policy_attachments "
		    "(principal_type, principal_id, policy_id, project_id, "
		    "created_ms) VALUES (?, ?, ?, ?, ?)", "ttttI",
		    ptype_text(a->ptype), a->principal_id, a->policy_id,
		    a->project_id, (int64_t)wj_now_ms());
	else
		r = sq_change(c, "DELETE FROM policy_attachments WHERE "
		    "principal_type = ? AND principal_id = ? AND "
		    "policy_id = ? AND project_id = ?", "tttt",
		    ptype_text(a->ptype), a->principal_id, a->policy_id,
		    a->project_id);
	return r != 0 ? r : revoke_principal(c, a);
}

static int
attachment(struct sq_store *st, int attach, const char *action,
    const char *domain_id, const char *policy_id, int ptype,
    const char *principal_id, const char *project_id)
{
	struct policy_arg a;

	if (!sq_id_ok(domain_id) || !sq_id_ok(policy_id) ||
	    !sq_id_ok(principal_id) ||
	    project_id == NULL || strlen(project_id) > WJ_ID_LEN ||
	    (ptype != STORE_PRINCIPAL_USER && ptype != STORE_PRINCIPAL_GROUP))
		return WJ_ERR_INVALID;
	a = (struct policy_arg){ .domain_id = domain_id, .policy_id = policy_id,
	    .ptype = ptype, .principal_id = principal_id,
	    .project_id = project_id, .attach = attach };
	return sq_write(st, attachment_op, &a, action);
}

int
sq_store_policy_attach(struct sq_store *st, const char *domain_id,
    const char *policy_id, int ptype, const char *principal_id,
    const char *project_id)
{
	return attachment(st, 1, "iam:policies:attach", domain_id,
	    policy_id, ptype, principal_id, project_id);
}

int
sq_store_policy_detach(struct sq_store *st, const char *domain_id,
    const char *policy_id, int ptype, const char *principal_id,
    const char *project_id)
{
	return attachment(st, 0, "iam:policies:detach", domain_id,
	    policy_id, ptype, principal_id, project_id);
}

static int
attachment_row(sqlite3_stmt *st, void *arg)
{
	struct store_attachment *t = arg;
	const char *type;
	int r;

	type = sq_text(st, 2);
	t->principal_type = type != NULL && strcmp(type, "group") == 0 ?
	    STORE_PRINCIPAL_GROUP : STORE_PRINCIPAL_USER;
	if ((r = sq_cols(st, 0, SQ_TO(t->policy_id), SQ_TO(t->policy_name),
	    SQ_END)) != 0)
		return r;
	return sq_cols(st, 3, SQ_TO(t->principal_id), SQ_TO(t->principal_name),
	    SQ_TO(t->project_id), SQ_TO(t->project_name), SQ_END);
}

int
sq_store_attachment_list(struct sq_store *st, const char *domain_id,
    struct store_attachment **out, size_t *n)
{
	const char *p[] = { domain_id };

	return sq_list(st, "SELECT a.policy_id, p.name, "
	    "a.principal_type, a.principal_id, coalesce(u.name, g.name), "
	    "a.project_id, coalesce(pr.name, '') "
	    "FROM policy_attachments AS a "
	    "JOIN policies AS p ON p.id = a.policy_id "
	    "LEFT JOIN users AS u ON a.principal_type = 'user' AND "
	    "  u.id = a.principal_id "
	    "LEFT JOIN groups AS g ON a.principal_type = 'group' AND "
	    "  g.id = a.principal_id "
	    "LEFT JOIN projects AS pr ON pr.id = a.project_id "
	    "WHERE coalesce(u.domain_id, g.domain_id) = ? "
	    "ORDER BY p.name, a.principal_type, 5, 7", p, 1,
	    sizeof(struct store_attachment), attachment_row, out, n);
}

/* ---- what authorization reads -------------------------------------------- */

struct policies_walk {
	store_policy_cb cb;
	void	       *arg;
};

static int
policy_ref_row(sqlite3_stmt *st, void *arg)
{
	struct policies_walk *w = arg;
	struct store_policy_ref ref;

	ref.id = sq_text(st, 0);
	ref.name = sq_text(st, 1);
	ref.document = sq_text(st, 2);
	ref.project_id = sq_text(st, 3);
	ref.is_system = sqlite3_column_int(st, 4);
	ref.updated_ms = sqlite3_column_int64(st, 5);
	if (ref.id == NULL || ref.name == NULL || ref.document == NULL ||
	    ref.project_id == NULL)
		return WJ_ERR_INTERNAL;
	return w->cb(w->arg, &ref);
}

int
sq_store_user_policies(struct sq_store *st, const char *user_id,
    const char *project_id, store_policy_cb cb, void *arg)
{
	struct policies_walk w = { cb, arg };
	const char *p[] = { user_id, project_id };

	if (user_id == NULL || cb == NULL)
		return WJ_ERR_INVALID;
	return sq_rows(st, "SELECT DISTINCT p.id, p.name, p.document, "
	    "a.project_id, p.domain_id IS NULL, p.updated_ms "
	    "FROM policy_attachments AS a "
	    "JOIN policies AS p ON p.id = a.policy_id "
	    "WHERE ((a.principal_type = 'user' AND a.principal_id = ?1) OR "
	    "  (a.principal_type = 'group' AND a.principal_id IN "
	    "  (SELECT group_id FROM group_members WHERE user_id = ?1))) "
	    "AND (?2 IS NULL OR a.project_id = '' OR a.project_id = ?2) "
	    "ORDER BY a.project_id, p.name, p.id", p, 2, 0, policy_ref_row,
	    &w);
}
