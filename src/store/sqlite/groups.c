/*
 * groups.c - user groups and their members on SQLite.  A change of
 * membership revokes the member's tokens in the same transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

static int
group_row(sqlite3_stmt *st, void *arg)
{
	struct store_group *g = arg;

	memset(g, 0, sizeof(*g));
	return sq_cols(st, 0, SQ_TO(g->id), SQ_TO(g->name),
	    SQ_TO(g->domain_id), SQ_END);
}

int
sq_revoke_group(struct sq_conn *c, const char *group_id)
{
	return sq_run(c, NULL, "UPDATE users SET tokens_valid_after = "
	    "max(tokens_valid_after, ?) WHERE id IN (SELECT user_id FROM "
	    "group_members WHERE group_id = ?)", "It", (int64_t)wj_now_ms(),
	    group_id);
}

struct group_arg {
	const char *domain_id, *name, *group_id, *user_id;
	struct store_group g;
};

static int
group_create_op(struct sq_conn *c, struct sq_op *op)
{
	struct group_arg *a = op->arg;
	int r;

	if ((r = sq_new_in_domain(c, a->domain_id, a->name, a->g.id,
	    SQ_TO(a->g.name), SQ_TO(a->g.domain_id))) != 0)
		return r;
	sq_res(op, a->g.id, NULL);
	return sq_run(c, NULL, "INSERT INTO groups (id, domain_id, name, "
	    "created_ms) VALUES (?, ?, ?, ?)", "tttI", a->g.id, a->domain_id,
	    a->name, (int64_t)wj_now_ms());
}

int
sq_store_group_create(struct sq_store *st, const char *domain_id, const char *name,
    struct store_group *out)
{
	struct group_arg a;
	int r;

	if (!sq_id_ok(domain_id) || !sq_name_ok(name))
		return WJ_ERR_INVALID;
	a = (struct group_arg){ .domain_id = domain_id, .name = name };
	if ((r = sq_write(st, group_create_op, &a, "iam:groups:create")) == 0 &&
	    out != NULL)
		*out = a.g;
	return r;
}

int
sq_store_group_by_name(struct sq_store *st, const char *domain_id,
    const char *name, struct store_group *out)
{
	const char *p[] = { domain_id, name };

	return sq_one(st, "SELECT id, name, domain_id FROM groups "
	    "WHERE domain_id = ? AND name = ?", p, 2, group_row, out);
}

int
sq_store_group_list(struct sq_store *st, const char *domain_id,
    struct store_group **out, size_t *n)
{
	const char *p[] = { domain_id };

	return sq_list(st, "SELECT id, name, domain_id FROM groups "
	    "WHERE domain_id = ? ORDER BY name", p, 1,
	    sizeof(struct store_group), group_row, out, n);
}

/* The user and the group exist and are of one domain. */
static int
same_domain(struct sq_conn *c, const char *group_id, const char *user_id)
{
	int r, ok;

	if ((r = sq_exists(c, &ok, "SELECT 1 FROM users AS u JOIN groups "
	    "AS g ON g.domain_id = u.domain_id WHERE u.id = ? AND g.id = ?",
	    "tt", user_id, group_id)) != 0)
		return r;
	return ok ? 0 : WJ_ERR_INVALID;
}

static int
member_add_op(struct sq_conn *c, struct sq_op *op)
{
	struct group_arg *a = op->arg;
	int r;

	if ((r = same_domain(c, a->group_id, a->user_id)) != 0)
		return r;
	sq_res(op, a->group_id, a->user_id, NULL);
	if ((r = sq_run(c, NULL, "INSERT OR IGNORE INTO group_members "
	    "(group_id, user_id, created_ms) VALUES (?, ?, ?)", "ttI",
	    a->group_id, a->user_id, (int64_t)wj_now_ms())) != 0)
		return r;
	return sq_revoke_user(c, a->user_id);
}

static int
member_remove_op(struct sq_conn *c, struct sq_op *op)
{
	struct group_arg *a = op->arg;
	int r;

	sq_res(op, a->group_id, a->user_id, NULL);
	if ((r = sq_change(c, "DELETE FROM group_members WHERE group_id = ? "
	    "AND user_id = ?", "tt", a->group_id, a->user_id)) != 0)
		return r;
	return sq_revoke_user(c, a->user_id);
}

/* Run a membership change (member_add_op, member_remove_op). */
static int
membership(struct sq_store *st, sq_op_fn fn, const char *action,
    const char *group_id, const char *user_id)
{
	struct group_arg a;

	if (!sq_id_ok(group_id) || !sq_id_ok(user_id))
		return WJ_ERR_INVALID;
	a = (struct group_arg){ .group_id = group_id, .user_id = user_id };
	return sq_write(st, fn, &a, action);
}

int
sq_store_group_add_user(struct sq_store *st, const char *group_id,
    const char *user_id)
{
	return membership(st, member_add_op, "iam:groups:addUser", group_id,
	    user_id);
}

int
sq_store_group_remove_user(struct sq_store *st, const char *group_id,
    const char *user_id)
{
	return membership(st, member_remove_op, "iam:groups:removeUser",
	    group_id, user_id);
}
