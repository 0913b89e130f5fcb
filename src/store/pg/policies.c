/*
 * policies.c - IAM policies on PostgreSQL: custom and system policies,
 * their attachments to users and groups (for a project or the whole
 * domain), and the one read authorization needs: the policies that apply
 * to a user in a project.  Documents arrive validated (auth/policy).
 * Attaching or detaching revokes the tokens of those it concerns.  The
 * same rows, order and answers as src/store/sqlite/policies.c.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

#define POLICY_COLS "id, name, coalesce(domain_id, ''), domain_id IS NULL, " \
	"updated_ms, document"

static int
policy_row(const struct pg_row *row, void *arg)
{
	struct store_policy *p = arg;
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = pg_cols(row, 0, PG_TO(p->id), PG_TO(p->name),
	    PG_TO(p->domain_id), PG_END)) != 0)
		return r;
	p->is_system = pg_int(row, 3);
	p->updated_ms = pg_bigint(row, 4);
	return pg_copy(p->document, sizeof(p->document), pg_text(row, 5));
}

struct policy_arg {
	const char *domain_id, *name, *doc;
	const char *policy_id, *principal_id, *project_id;
	int ptype;
	int attach;		/* attachment_op: attach, else detach */
	struct store_policy p;
};

static int
policy_create_op(struct pg_conn *c, struct pg_op *op)
{
	struct policy_arg *a = op->arg;
	int64_t now = wj_now_ms();
	int r, taken;

	a->p = (struct store_policy){ 0 };
	if ((r = pg_new_in_domain(c, a->domain_id, a->name, a->p.id,
	    PG_TO(a->p.name), PG_TO(a->p.domain_id))) != 0)
		return r;
	/* A custom policy may not shadow a system one. */
	if ((r = pg_exists(c, &taken, "SELECT 1 FROM policies WHERE "
	    "domain_id IS NULL AND name = $1", "t", a->name)) != 0)
		return r;
	if (taken)
		return WJ_ERR_EXISTS;
	if ((r = pg_copy(a->p.document, sizeof(a->p.document), a->doc)) != 0)
		return r;
	a->p.updated_ms = now;
	pg_res(op, a->p.id, NULL);
	return pg_run(c, NULL, "INSERT INTO policies (id, domain_id, name, "
	    "document, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6)",
	    "ttttII", a->p.id, a->domain_id, a->name, a->doc, now, now);
}

/* A document fit to store: 2..STORE_POLICY_DOC_MAX bytes. */
static int
doc_ok(const char *document)
{
	return document != NULL && strlen(document) >= 2 &&
	    strlen(document) <= STORE_POLICY_DOC_MAX;
}

int
pg_store_policy_create(struct pg_store *st, const char *domain_id,
    const char *name, const char *document, struct store_policy *out)
{
	struct policy_arg a;
	int r;

	if (!pg_id_ok(domain_id) || !pg_name_ok(name) || !doc_ok(document))
		return WJ_ERR_INVALID;
	a = (struct policy_arg){ .domain_id = domain_id, .name = name,
	    .doc = document };
	if ((r = pg_write(st, policy_create_op, &a, "iam:policies:create")) ==
	    0 && out != NULL)
		*out = a.p;
	return r;
}

/*
 * Create the system policy or refresh its document.  Nodes starting at
 * once all run this: the unique index on (coalesce(domain_id, ''),
 * name) lets one insert win, the others update (to the same text).
 */
static int
policy_system_op(struct pg_conn *c, struct pg_op *op)
{
	struct policy_arg *a = op->arg;
	int64_t now = wj_now_ms();
	char id[WJ_ID_LEN + 1];
	int r;

	if ((r = wj_id_new(id)) != 0)
		return r;
	return pg_run(c, NULL, "INSERT INTO policies (id, domain_id, name, "
	    "document, created_ms, updated_ms) "
	    "VALUES ($1, NULL, $2, $3, $4, $4) "
	    "ON CONFLICT ((coalesce(domain_id, '')), name) DO UPDATE "
	    "SET document = excluded.document, updated_ms = excluded.updated_ms "
	    "WHERE policies.document <> excluded.document", "tttI", id, a->name,
	    a->doc, now);
}

int
pg_store_policy_put_system(struct pg_store *st, const char *name,
    const char *document)
{
	struct policy_arg a;

	if (!pg_name_ok(name) || !doc_ok(document))
		return WJ_ERR_INVALID;
	a = (struct policy_arg){ .name = name, .doc = document };
	return pg_write(st, policy_system_op, &a, NULL);
}

int
pg_store_policy_by_name(struct pg_store *st, const char *domain_id,
    const char *name, struct store_policy *out)
{
	const char *p[] = { name, domain_id };

	return pg_one(st, "SELECT " POLICY_COLS " FROM policies "
	    "WHERE name = $1 AND (domain_id = $2 OR domain_id IS NULL) "
	    "ORDER BY domain_id IS NULL LIMIT 1", p, 2, policy_row, out);
}

int
pg_store_policy_list(struct pg_store *st, const char *domain_id,
    struct store_policy **out, size_t *n)
{
	const char *p[] = { domain_id };

	return pg_list(st, "SELECT " POLICY_COLS " FROM policies "
	    "WHERE domain_id IS NULL OR domain_id = $1 "
	    "ORDER BY domain_id IS NOT NULL, name", p, 1,
	    sizeof(struct store_policy), policy_row, out, n);
}

static const char *
ptype_text(int t)
{
	return t == STORE_PRINCIPAL_GROUP ? "group" : "user";
}

/* Whether sql (bound with two text parameters) finds a row:
 * WJ_ERR_INVALID when not. */
static int
exists2(struct pg_conn *c, const char *sql, const char *p1, const char *p2)
{
	int r, ok;

	if ((r = pg_exists(c, &ok, sql, "tt", p1, p2)) != 0)
		return r;
	return ok ? 0 : WJ_ERR_INVALID;
}

/* Policy, principal and project all belong to a->domain_id. */
static int
attach_check(struct pg_conn *c, const struct policy_arg *a)
{
	int r;

	if ((r = exists2(c, "SELECT 1 FROM policies WHERE id = $1 AND "
	    "(domain_id IS NULL OR domain_id = $2)", a->policy_id,
	    a->domain_id)) != 0 ||
	    (r = exists2(c, a->ptype == STORE_PRINCIPAL_GROUP ?
	    "SELECT 1 FROM groups WHERE id = $1 AND domain_id = $2" :
	    "SELECT 1 FROM users WHERE id = $1 AND domain_id = $2",
	    a->principal_id, a->domain_id)) != 0)
		return r;
	if (a->project_id[0] == '\0')
		return 0;
	return exists2(c, "SELECT 1 FROM projects WHERE id = $1 AND "
	    "domain_id = $2", a->project_id, a->domain_id);
}

static int
revoke_principal(struct pg_conn *c, const struct policy_arg *a)
{
	if (a->ptype == STORE_PRINCIPAL_GROUP)
		return pg_revoke_group(c, a->principal_id);
	return pg_revoke_user(c, a->principal_id);
}

/* Attach (a->attach) or detach, then revoke the principal's tokens. */
static int
attachment_op(struct pg_conn *c, struct pg_op *op)
{
	struct policy_arg *a = op->arg;
	int r;

	if ((r = attach_check(c, a)) != 0)
		return r;
	pg_res(op, a->policy_id, a->principal_id, NULL);
	if (a->attach)
		r = pg_run(c, NULL, "INSERT INTO policy_attachments "
		    "(principal_type, principal_id, policy_id, project_id, "
		    "created_ms) VALUES ($1, $2, $3, $4, $5) "
		    "ON CONFLICT DO NOTHING", "ttttI", ptype_text(a->ptype),
		    a->principal_id, a->policy_id, a->project_id,
		    (int64_t)wj_now_ms());
	else
		r = pg_change(c, "DELETE FROM policy_attachments WHERE "
		    "principal_type = $1 AND principal_id = $2 AND "
		    "policy_id = $3 AND project_id = $4", "tttt",
		    ptype_text(a->ptype), a->principal_id, a->policy_id,
		    a->project_id);
	return r != 0 ? r : revoke_principal(c, a);
}

static int
attachment(struct pg_store *st, int attach, const char *action,
    const char *domain_id, const char *policy_id, int ptype,
    const char *principal_id, const char *project_id)
{
	struct policy_arg a;

	if (!pg_id_ok(domain_id) || !pg_id_ok(policy_id) ||
	    !pg_id_ok(principal_id) ||
	    project_id == NULL || strlen(project_id) > WJ_ID_LEN ||
	    (ptype != STORE_PRINCIPAL_USER && ptype != STORE_PRINCIPAL_GROUP))
		return WJ_ERR_INVALID;
	a = (struct policy_arg){ .domain_id = domain_id, .policy_id = policy_id,
	    .ptype = ptype, .principal_id = principal_id,
	    .project_id = project_id, .attach = attach };
	return pg_write(st, attachment_op, &a, action);
}

int
pg_store_policy_attach(struct pg_store *st, const char *domain_id,
    const char *policy_id, int ptype, const char *principal_id,
    const char *project_id)
{
	return attachment(st, 1, "iam:policies:attach", domain_id,
	    policy_id, ptype, principal_id, project_id);
}

int
pg_store_policy_detach(struct pg_store *st, const char *domain_id,
    const char *policy_id, int ptype, const char *principal_id,
    const char *project_id)
{
	return attachment(st, 0, "iam:policies:detach", domain_id,
	    policy_id, ptype, principal_id, project_id);
}

static int
attachment_row(const struct pg_row *row, void *arg)
{
	struct store_attachment *t = arg;
	const char *type;
	int r;

	type = pg_text(row, 2);
	t->principal_type = type != NULL && strcmp(type, "group") == 0 ?
	    STORE_PRINCIPAL_GROUP : STORE_PRINCIPAL_USER;
	if ((r = pg_cols(row, 0, PG_TO(t->policy_id), PG_TO(t->policy_name),
	    PG_END)) != 0)
		return r;
	return pg_cols(row, 3, PG_TO(t->principal_id),
	    PG_TO(t->principal_name), PG_TO(t->project_id),
	    PG_TO(t->project_name), PG_END);
}

int
pg_store_attachment_list(struct pg_store *st, const char *domain_id,
    struct store_attachment **out, size_t *n)
{
	const char *p[] = { domain_id };

	return pg_list(st, "SELECT a.policy_id, p.name, "
	    "a.principal_type, a.principal_id, coalesce(u.name, g.name), "
	    "a.project_id, coalesce(pr.name, '') "
	    "FROM policy_attachments AS a "
	    "JOIN policies AS p ON p.id = a.policy_id "
	    "LEFT JOIN users AS u ON a.principal_type = 'user' AND "
	    "  u.id = a.principal_id "
	    "LEFT JOIN groups AS g ON a.principal_type = 'group' AND "
	    "  g.id = a.principal_id "
	    "LEFT JOIN projects AS pr ON pr.id = a.project_id "
	    "WHERE coalesce(u.domain_id, g.domain_id) = $1 "
	    "ORDER BY p.name, a.principal_type, 5, 7", p, 1,
	    sizeof(struct store_attachment), attachment_row, out, n);
}

/* ---- what authorization reads -------------------------------------------- */

struct policies_walk {
	store_policy_cb cb;
	void	       *arg;
};

static int
policy_ref_row(const struct pg_row *row, void *arg)
{
	struct policies_walk *w = arg;
	struct store_policy_ref ref;

	ref.id = pg_text(row, 0);
	ref.name = pg_text(row, 1);
	ref.document = pg_text(row, 2);
	ref.project_id = pg_text(row, 3);
	ref.is_system = pg_int(row, 4);
	ref.updated_ms = pg_bigint(row, 5);
	if (ref.id == NULL || ref.name == NULL || ref.document == NULL ||
	    ref.project_id == NULL)
		return WJ_ERR_INTERNAL;
	return w->cb(w->arg, &ref);
}

int
pg_store_user_policies(struct pg_store *st, const char *user_id,
    const char *project_id, store_policy_cb cb, void *arg)
{
	struct policies_walk w = { cb, arg };
	const char *p[] = { user_id, project_id };

	if (user_id == NULL || cb == NULL)
		return WJ_ERR_INVALID;
	return pg_rows(st, "SELECT DISTINCT p.id, p.name, p.document, "
	    "a.project_id, p.domain_id IS NULL, p.updated_ms "
	    "FROM policy_attachments AS a "
	    "JOIN policies AS p ON p.id = a.policy_id "
	    "WHERE ((a.principal_type = 'user' AND a.principal_id = $1) OR "
	    "  (a.principal_type = 'group' AND a.principal_id IN "
	    "  (SELECT group_id FROM group_members WHERE user_id = $1))) "
	    "AND ($2::text IS NULL OR a.project_id = '' OR "
	    "  a.project_id = $2::text) "
	    "ORDER BY a.project_id, p.name, p.id", p, 2, 0, policy_ref_row,
	    &w);
}
