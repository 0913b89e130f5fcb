/*
 * groups.c - user groups and their members on PostgreSQL.  A change of
 * membership revokes the member's tokens in the same transaction.  The
 * same rows, checks and answers as src/store/sqlite/groups.c.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

static int
group_row(const struct pg_row *row, void *arg)
{
	struct store_group *g = arg;

	memset(g, 0, sizeof(*g));
	return pg_cols(row, 0, PG_TO(g->id), PG_TO(g->name),
	    PG_TO(g->domain_id), PG_END);
}

int
pg_revoke_group(struct pg_conn *c, const char *group_id)
{
	return pg_run(c, NULL, "UPDATE users SET tokens_valid_after = "
	    "greatest(tokens_valid_after, $1) WHERE id IN (SELECT user_id "
	    "FROM group_members WHERE group_id = $2)", "It",
	    (int64_t)wj_now_ms(), group_id);
}

struct group_arg {
	const char *domain_id, *name, *group_id, *user_id;
	struct store_group g;
};

static int
group_create_op(struct pg_conn *c, struct pg_op *op)
{
	struct group_arg *a = op->arg;
	int r;

	a->g = (struct store_group){ 0 };
	if ((r = pg_new_in_domain(c, a->domain_id, a->name, a->g.id,
	    PG_TO(a->g.name), PG_TO(a->g.domain_id))) != 0)
		return r;
	pg_res(op, a->g.id, NULL);
	/* UNIQUE (domain_id, name): WJ_ERR_EXISTS for a taken name. */
	return pg_run(c, NULL, "INSERT INTO groups (id, domain_id, name, "
	    "created_ms) VALUES ($1, $2, $3, $4)", "tttI", a->g.id,
	    a->domain_id, a->name, (int64_t)wj_now_ms());
}

int
pg_store_group_create(struct pg_store *st, const char *domain_id,
    const char *name, struct store_group *out)
{
	struct group_arg a;
	int r;

	if (!pg_id_ok(domain_id) || !pg_name_ok(name))
		return WJ_ERR_INVALID;
	a = (struct group_arg){ .domain_id = domain_id, .name = name };
	if ((r = pg_write(st, group_create_op, &a, "iam:groups:create")) == 0 &&
	    out != NULL)
		*out = a.g;
	return r;
}

int
pg_store_group_by_name(struct pg_store *st, const char *domain_id,
    const char *name, struct store_group *out)
{
	const char *p[] = { domain_id, name };

	return pg_one(st, "SELECT id, name, domain_id FROM groups "
	    "WHERE domain_id = $1 AND name = $2", p, 2, group_row, out);
}

int
pg_store_group_list(struct pg_store *st, const char *domain_id,
    struct store_group **out, size_t *n)
{
	const char *p[] = { domain_id };

	return pg_list(st, "SELECT id, name, domain_id FROM groups "
	    "WHERE domain_id = $1 ORDER BY name", p, 1,
	    sizeof(struct store_group), group_row, out, n);
}

/* The user and the group exist and are of one domain. */
static int
same_domain(struct pg_conn *c, const char *group_id, const char *user_id)
{
	int r, ok;

	if ((r = pg_exists(c, &ok, "SELECT 1 FROM users AS u JOIN groups "
	    "AS g ON g.domain_id = u.domain_id WHERE u.id = $1 AND "
	    "g.id = $2", "tt", user_id, group_id)) != 0)
		return r;
	return ok ? 0 : WJ_ERR_INVALID;
}

static int
member_add_op(struct pg_conn *c, struct pg_op *op)
{
	struct group_arg *a = op->arg;
	int r;

	if ((r = same_domain(c, a->group_id, a->user_id)) != 0)
		return r;
	pg_res(op, a->group_id, a->user_id, NULL);
	if ((r = pg_run(c, NULL, "INSERT INTO group_members "
	    "(group_id, user_id, created_ms) VALUES ($1, $2, $3) "
	    "ON CONFLICT DO NOTHING", "ttI", a->group_id, a->user_id,
	    (int64_t)wj_now_ms())) != 0)
		return r;
	return pg_revoke_user(c, a->user_id);
}

static int
member_remove_op(struct pg_conn *c, struct pg_op *op)
{
	struct group_arg *a = op->arg;
	int r;

	pg_res(op, a->group_id, a->user_id, NULL);
	if ((r = pg_change(c, "DELETE FROM group_members WHERE group_id = $1 "
	    "AND user_id = $2", "tt", a->group_id, a->user_id)) != 0)
		return r;
	return pg_revoke_user(c, a->user_id);
}

/* Run a membership change (member_add_op, member_remove_op). */
static int
membership(struct pg_store *st, pg_op_fn fn, const char *action,
    const char *group_id, const char *user_id)
{
	struct group_arg a;

	if (!pg_id_ok(group_id) || !pg_id_ok(user_id))
		return WJ_ERR_INVALID;
	a = (struct group_arg){ .group_id = group_id, .user_id = user_id };
	return pg_write(st, fn, &a, action);
}

int
pg_store_group_add_user(struct pg_store *st, const char *group_id,
    const char *user_id)
{
	return membership(st, member_add_op, "iam:groups:addUser", group_id,
	    user_id);
}

int
pg_store_group_remove_user(struct pg_store *st, const char *group_id,
    const char *user_id)
{
	return membership(st, member_remove_op, "iam:groups:removeUser",
	    group_id, user_id);
}
