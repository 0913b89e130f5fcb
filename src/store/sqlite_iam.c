/*
 * sqlite_iam.c - the IAM part of store.h on SQLite: accounts, users and
 * their login state, groups and memberships, policies and attachments,
 * and the one read authorization needs (the policies that apply to a
 * user in a project).  Leaves policy syntax to auth/policy (documents
 * arrive validated) and password hashing to auth/passwd.
 *
 * Every change of what a user may do (disable, password, membership,
 * attachment) moves users.tokens_valid_after to now in the same
 * transaction: tokens issued until then are revoked (DESIGN §3).
 * Identity writes are audited with an "iam:..." action.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

/* ---- helpers ------------------------------------------------------------- */

static int
name_ok(const char *s)
{
	size_t n;

	return s != NULL && (n = strlen(s)) >= 1 && n <= STORE_NAME_MAX &&
	    wj_utf8_clean(s, n);
}

static int
id_ok(const char *s)
{
	return s != NULL && strlen(s) >= 1 && strlen(s) <= WJ_ID_LEN;
}

static int
hash_ok(const char *h)
{
	return h == NULL || (strlen(h) >= 1 &&
	    strlen(h) <= STORE_PASSWORD_HASH_MAX);
}

typedef int (*row_fn)(sqlite3_stmt *, void *);

/*
 * Run sql with the text parameters p[0..np) (NULL binds NULL) on this
 * thread's reader; fn gets every row.  WJ_ERR_NOT_FOUND when want_row
 * and there is none.
 */
static int
rows(struct store *s, const char *sql, const char *const *p, int np,
    int want_row, row_fn fn, void *arg)
{
	sqlite3_stmt *st = NULL;
	struct sq_conn *c;
	int i, r, row, seen = 0;

	if ((r = sq_reader(s, &c)) != 0 || (r = sq_stmt(c, sql, &st)) != 0)
		return r;
	for (i = 0; i < np; i++)
		if ((r = sq_bind_at(c, st, i + 1, "t", p[i])) != 0)
			goto out;
	for (;;) {
		if ((r = sq_step(c, st, &row)) != 0 || !row)
			break;
		seen = 1;
		if ((r = fn(st, arg)) != 0)
			break;
	}
	if (r == 0 && want_row && !seen)
		r = WJ_ERR_NOT_FOUND;
 out:
	sq_put(c, st);
	return r;
}

/* Run fn as one audited write (action "iam:...") through the writer. */
static int
submit(struct store *st, sq_op_fn fn, void *arg, const char *action)
{
	struct sq_op op;
	int r;

	sq_op_init(&op, fn, arg, action != NULL, NULL, action, NULL);
	r = sq_submit(st, &op);
	sq_op_clear(&op);
	return r;
}

/* Revoke the tokens of one user, or of every member of a group. */
static int
revoke_user(struct sq_conn *c, const char *user_id)
{
	return sq_run(c, NULL, "UPDATE users SET tokens_valid_after = "
	    "max(tokens_valid_after, ?) WHERE id = ?", "It",
	    (int64_t)wj_now_ms(), user_id);
}

static int
revoke_group(struct sq_conn *c, const char *group_id)
{
	return sq_run(c, NULL, "UPDATE users SET tokens_valid_after = "
	    "max(tokens_valid_after, ?) WHERE id IN (SELECT user_id FROM "
	    "group_members WHERE group_id = ?)", "It", (int64_t)wj_now_ms(),
	    group_id);
}

/* ---- rows ---------------------------------------------------------------- */

static int
domain_row(sqlite3_stmt *st, void *arg)
{
	struct store_domain *d = arg;
	int r;

	memset(d, 0, sizeof(*d));
	if ((r = sq_copy(d->id, sizeof(d->id), sq_text(st, 0))) != 0)
		return r;
	return sq_copy(d->name, sizeof(d->name), sq_text(st, 1));
}

static int
domain_add(sqlite3_stmt *st, void *arg)
{
	struct store_domain *d;

	if ((d = sq_vec_add(arg)) == NULL)
		return WJ_ERR_NOMEM;
	return domain_row(st, d);
}

static int
project_row(sqlite3_stmt *st, void *arg)
{
	struct store_project *p = arg;
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = sq_copy(p->id, sizeof(p->id), sq_text(st, 0))) != 0 ||
	    (r = sq_copy(p->name, sizeof(p->name), sq_text(st, 1))) != 0)
		return r;
	return sq_copy(p->domain_id, sizeof(p->domain_id), sq_text(st, 2));
}

#define USER_COLS "u.id, u.name, u.domain_id, d.name, u.is_root, u.enabled"
#define USER_FROM " FROM users AS u JOIN domains AS d ON d.id = u.domain_id"
#define AUTH_COLS USER_COLS ", coalesce(u.password_hash, ''), " \
	"u.failed_logins, u.locked_until_ms, u.tokens_valid_after"

static int
user_row(sqlite3_stmt *st, void *arg)
{
	struct store_user *u = arg;
	int r;

	memset(u, 0, sizeof(*u));
	if ((r = sq_copy(u->id, sizeof(u->id), sq_text(st, 0))) != 0 ||
	    (r = sq_copy(u->name, sizeof(u->name), sq_text(st, 1))) != 0 ||
	    (r = sq_copy(u->domain_id, sizeof(u->domain_id),
	    sq_text(st, 2))) != 0 ||
	    (r = sq_copy(u->domain_name, sizeof(u->domain_name),
	    sq_text(st, 3))) != 0)
		return r;
	u->is_root = sqlite3_column_int(st, 4);
	u->enabled = sqlite3_column_int(st, 5);
	return 0;
}

static int
user_add(sqlite3_stmt *st, void *arg)
{
	struct store_user *u;

	if ((u = sq_vec_add(arg)) == NULL)
		return WJ_ERR_NOMEM;
	return user_row(st, u);
}

static int
user_auth_row(sqlite3_stmt *st, void *arg)
{
	struct store_user_auth *a = arg;
	int r;

	memset(a, 0, sizeof(*a));
	if ((r = user_row(st, &a->user)) != 0 ||
	    (r = sq_copy(a->password_hash, sizeof(a->password_hash),
	    sq_text(st, 6))) != 0)
		return r;
	a->failed_logins = sqlite3_column_int(st, 7);
	a->locked_until_ms = sqlite3_column_int64(st, 8);
	a->tokens_valid_after_ms = sqlite3_column_int64(st, 9);
	return 0;
}

static int
group_row(sqlite3_stmt *st, void *arg)
{
	struct store_group *g = arg;
	int r;

	memset(g, 0, sizeof(*g));
	if ((r = sq_copy(g->id, sizeof(g->id), sq_text(st, 0))) != 0 ||
	    (r = sq_copy(g->name, sizeof(g->name), sq_text(st, 1))) != 0)
		return r;
	return sq_copy(g->domain_id, sizeof(g->domain_id), sq_text(st, 2));
}

static int
group_add(sqlite3_stmt *st, void *arg)
{
	struct store_group *g;

	if ((g = sq_vec_add(arg)) == NULL)
		return WJ_ERR_NOMEM;
	return group_row(st, g);
}

#define POLICY_COLS "id, name, coalesce(domain_id, ''), domain_id IS NULL, " \
	"updated_ms, document"

static int
policy_row(sqlite3_stmt *st, void *arg)
{
	struct store_policy *p = arg;
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = sq_copy(p->id, sizeof(p->id), sq_text(st, 0))) != 0 ||
	    (r = sq_copy(p->name, sizeof(p->name), sq_text(st, 1))) != 0 ||
	    (r = sq_copy(p->domain_id, sizeof(p->domain_id),
	    sq_text(st, 2))) != 0)
		return r;
	p->is_system = sqlite3_column_int(st, 3);
	p->updated_ms = sqlite3_column_int64(st, 4);
	return sq_copy(p->document, sizeof(p->document), sq_text(st, 5));
}

static int
policy_add(sqlite3_stmt *st, void *arg)
{
	struct store_policy *p;

	if ((p = sq_vec_add(arg)) == NULL)
		return WJ_ERR_NOMEM;
	return policy_row(st, p);
}

/* Hand a vec to the caller, or free it on failure. */
static int
vec_out(int r, struct sq_vec *a, void *out, size_t *n)
{
	if (r != 0) {
		free(a->v);
		return r;
	}
	*(void **)out = a->v;
	*n = a->n;
	return 0;
}

/* ---- domains and projects ------------------------------------------------ */

struct domain_arg {
	const char *name, *hash;
	struct store_domain d;
	struct store_user u;
};

static int
domain_create_op(struct sq_conn *c, struct sq_op *op)
{
	struct domain_arg *a = op->arg;
	int64_t now = wj_now_ms();
	int r;

	if ((r = wj_id_new(a->d.id)) != 0 ||
	    (r = sq_copy(a->d.name, sizeof(a->d.name), a->name)) != 0)
		return r;
	a->u = (struct store_user){ .is_root = 1, .enabled = 1 };
	if ((r = wj_id_new(a->u.id)) != 0 ||
	    (r = sq_copy(a->u.name, sizeof(a->u.name), a->name)) != 0 ||
	    (r = sq_copy(a->u.domain_name, sizeof(a->u.domain_name),
	    a->name)) != 0 ||
	    (r = sq_copy(a->u.domain_id, sizeof(a->u.domain_id),
	    a->d.id)) != 0)
		return r;
	if ((r = sq_run(c, NULL, "INSERT INTO domains (id, name, created_ms) "
	    "VALUES (?, ?, ?)", "ttI", a->d.id, a->name, now)) != 0)
		return r;
	sq_res_add(op, a->d.id);
	sq_res_end(op);
	return sq_run(c, NULL, "INSERT INTO users (id, domain_id, name, "
	    "is_root, enabled, password_hash, created_ms) "
	    "VALUES (?, ?, ?, 1, 1, ?, ?)", "ttttI", a->u.id, a->d.id,
	    a->name, a->hash, now);
}

int
store_domain_create(struct store *st, const char *name,
    const char *password_hash, struct store_domain *d,
    struct store_user *root)
{
	struct domain_arg a;
	int r;

	if (!name_ok(name) || !hash_ok(password_hash))
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.name = name;
	a.hash = password_hash;
	if ((r = submit(st, domain_create_op, &a, "iam:domains:create")) != 0)
		return r;
	if (d != NULL)
		*d = a.d;
	if (root != NULL)
		*root = a.u;
	return 0;
}

int
store_domain_by_name(struct store *st, const char *name,
    struct store_domain *out)
{
	const char *p[] = { name };

	if (name == NULL)
		return WJ_ERR_INVALID;
	return rows(st, "SELECT id, name FROM domains WHERE name = ?", p, 1, 1,
	    domain_row, out);
}

int
store_domain_get(struct store *st, const char *id, struct store_domain *out)
{
	const char *p[] = { id };

	if (id == NULL)
		return WJ_ERR_INVALID;
	return rows(st, "SELECT id, name FROM domains WHERE id = ?", p, 1, 1,
	    domain_row, out);
}

int
store_domain_list(struct store *st, struct store_domain **out, size_t *n)
{
	struct sq_vec a = { NULL, 0, 0, sizeof(struct store_domain) };

	*out = NULL;
	*n = 0;
	return vec_out(rows(st, "SELECT id, name FROM domains "
	    "ORDER BY created_ms, id", NULL, 0, 0, domain_add, &a), &a, out, n);
}

int
store_project_by_name(struct store *st, const char *domain_id,
    const char *name, struct store_project *out)
{
	const char *p[] = { domain_id, name };

	if (domain_id == NULL || name == NULL)
		return WJ_ERR_INVALID;
	return rows(st, "SELECT id, name, domain_id FROM projects "
	    "WHERE domain_id = ? AND name = ?", p, 2, 1, project_row, out);
}

/* ---- users --------------------------------------------------------------- */

struct user_arg {
	const char *domain_id, *name, *user_id, *hash;
	int enabled;
	int64_t now, lock_ms;
	int threshold, locked;
	struct store_user u;
};

static int
user_create_op(struct sq_conn *c, struct sq_op *op)
{
	struct user_arg *a = op->arg;
	int r, found;

	if ((r = sq_exists(c, &found, "SELECT 1 FROM domains WHERE id = ?",
	    "t", a->domain_id)) != 0)
		return r;
	if (!found)
		return WJ_ERR_NOT_FOUND;
	a->u = (struct store_user){ .enabled = 1 };
	if ((r = wj_id_new(a->u.id)) != 0 ||
	    (r = sq_copy(a->u.name, sizeof(a->u.name), a->name)) != 0 ||
	    (r = sq_copy(a->u.domain_id, sizeof(a->u.domain_id),
	    a->domain_id)) != 0)
		return r;
	sq_res_add(op, a->u.id);
	sq_res_end(op);
	/* UNIQUE (domain_id, name): WJ_ERR_EXISTS for a taken name. */
	return sq_run(c, NULL, "INSERT INTO users (id, domain_id, name, "
	    "is_root, enabled, password_hash, created_ms) "
	    "VALUES (?, ?, ?, 0, 1, ?, ?)", "ttttI", a->u.id, a->domain_id,
	    a->name, a->hash, (int64_t)wj_now_ms());
}

int
store_user_create(struct store *st, const char *domain_id, const char *name,
    const char *password_hash, struct store_user *out)
{
	struct user_arg a;
	struct store_domain d;
	int r;

	if (!id_ok(domain_id) || !name_ok(name) || !hash_ok(password_hash))
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.domain_id = domain_id;
	a.name = name;
	a.hash = password_hash;
	if ((r = submit(st, user_create_op, &a, "iam:users:create")) != 0)
		return r;
	if (out != NULL) {
		*out = a.u;
		if (store_domain_get(st, domain_id, &d) == 0)
			memcpy(out->domain_name, d.name, sizeof(d.name));
	}
	return 0;
}

int
store_user_list(struct store *st, const char *domain_id,
    struct store_user **out, size_t *n)
{
	struct sq_vec a = { NULL, 0, 0, sizeof(struct store_user) };
	const char *p[] = { domain_id };

	*out = NULL;
	*n = 0;
	if (domain_id == NULL)
		return WJ_ERR_INVALID;
	return vec_out(rows(st, "SELECT " USER_COLS USER_FROM
	    " WHERE u.domain_id = ? ORDER BY u.name", p, 1, 0, user_add, &a),
	    &a, out, n);
}

int
store_user_auth_get(struct store *st, const char *user_id,
    struct store_user_auth *out)
{
	const char *p[] = { user_id };

	if (user_id == NULL)
		return WJ_ERR_INVALID;
	return rows(st, "SELECT " AUTH_COLS USER_FROM " WHERE u.id = ?", p, 1,
	    1, user_auth_row, out);
}

int
store_user_auth_by_name(struct store *st, const char *domain_id,
    const char *name, struct store_user_auth *out)
{
	const char *p[] = { domain_id, name };

	if (domain_id == NULL || name == NULL)
		return WJ_ERR_INVALID;
	return rows(st, "SELECT " AUTH_COLS USER_FROM
	    " WHERE u.domain_id = ? AND u.name = ?", p, 2, 1, user_auth_row,
	    out);
}

static int
user_enable_op(struct sq_conn *c, struct sq_op *op)
{
	struct user_arg *a = op->arg;
	int64_t n;
	int r, root;

	if ((r = sq_exists(c, &root, "SELECT 1 FROM users WHERE id = ? AND "
	    "is_root = 1", "t", a->user_id)) != 0)
		return r;
	/* The account's root user is the way back in: never disabled. */
	if (root && !a->enabled)
		return WJ_ERR_INVALID;
	sq_res_add(op, a->user_id);
	sq_res_end(op);
	if ((r = sq_run(c, &n, "UPDATE users SET enabled = ? WHERE id = ?",
	    "it", a->enabled ? 1 : 0, a->user_id)) != 0)
		return r;
	if (n == 0)
		return WJ_ERR_NOT_FOUND;
	return a->enabled ? 0 : revoke_user(c, a->user_id);
}

int
store_user_set_enabled(struct store *st, const char *user_id, int enabled)
{
	struct user_arg a;

	if (!id_ok(user_id))
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.user_id = user_id;
	a.enabled = enabled;
	return submit(st, user_enable_op, &a, enabled ? "iam:users:enable" :
	    "iam:users:disable");
}

static int
user_password_op(struct sq_conn *c, struct sq_op *op)
{
	struct user_arg *a = op->arg;
	int64_t n;
	int r;

	sq_res_add(op, a->user_id);
	sq_res_end(op);
	if ((r = sq_run(c, &n, "UPDATE users SET password_hash = ?, "
	    "failed_logins = 0, locked_until_ms = 0 WHERE id = ?", "tt",
	    a->hash, a->user_id)) != 0)
		return r;
	if (n == 0)
		return WJ_ERR_NOT_FOUND;
	return revoke_user(c, a->user_id);
}

int
store_user_set_password(struct store *st, const char *user_id,
    const char *password_hash)
{
	struct user_arg a;

	if (!id_ok(user_id) || password_hash == NULL ||
	    !hash_ok(password_hash))
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.user_id = user_id;
	a.hash = password_hash;
	return submit(st, user_password_op, &a, "iam:users:setPassword");
}

static int
login_failed_op(struct sq_conn *c, struct sq_op *op)
{
	struct user_arg *a = op->arg;
	int64_t n;
	int r, over;

	if ((r = sq_run(c, &n, "UPDATE users SET failed_logins = "
	    "failed_logins + 1 WHERE id = ?", "t", a->user_id)) != 0)
		return r;
	if (n == 0)
		return WJ_ERR_NOT_FOUND;
	if ((r = sq_exists(c, &over, "SELECT 1 FROM users WHERE id = ? AND "
	    "failed_logins >= ?", "ti", a->user_id, a->threshold)) != 0 ||
	    !over)
		return r;
	a->locked = 1;
	return sq_run(c, NULL, "UPDATE users SET failed_logins = 0, "
	    "locked_until_ms = ? WHERE id = ?", "It", a->now + a->lock_ms,
	    a->user_id);
}

int
store_user_login_failed(struct store *st, const char *user_id,
    int64_t now_ms, int threshold, int64_t lock_ms, int *locked)
{
	struct user_arg a;
	int r;

	if (locked != NULL)
		*locked = 0;
	if (!id_ok(user_id) || threshold < 1 || lock_ms < 0 || now_ms < 0 ||
	    lock_ms > INT64_MAX - now_ms)
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.user_id = user_id;
	a.now = now_ms;
	a.threshold = threshold;
	a.lock_ms = lock_ms;
	if ((r = submit(st, login_failed_op, &a, NULL)) == 0 && locked != NULL)
		*locked = a.locked;
	return r;
}

static int
login_ok_op(struct sq_conn *c, struct sq_op *op)
{
	struct user_arg *a = op->arg;

	return sq_run(c, NULL, "UPDATE users SET failed_logins = 0 "
	    "WHERE id = ? AND failed_logins <> 0", "t", a->user_id);
}

int
store_user_login_ok(struct store *st, const char *user_id)
{
	struct user_arg a;

	if (!id_ok(user_id))
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.user_id = user_id;
	return submit(st, login_ok_op, &a, NULL);
}

/* ---- groups -------------------------------------------------------------- */

struct group_arg {
	const char *domain_id, *name, *group_id, *user_id;
	struct store_group g;
};

static int
group_create_op(struct sq_conn *c, struct sq_op *op)
{
	struct group_arg *a = op->arg;
	int r, found;

	if ((r = sq_exists(c, &found, "SELECT 1 FROM domains WHERE id = ?",
	    "t", a->domain_id)) != 0)
		return r;
	if (!found)
		return WJ_ERR_NOT_FOUND;
	if ((r = wj_id_new(a->g.id)) != 0 ||
	    (r = sq_copy(a->g.name, sizeof(a->g.name), a->name)) != 0 ||
	    (r = sq_copy(a->g.domain_id, sizeof(a->g.domain_id),
	    a->domain_id)) != 0)
		return r;
	sq_res_add(op, a->g.id);
	sq_res_end(op);
	return sq_run(c, NULL, "INSERT INTO groups (id, domain_id, name, "
	    "created_ms) VALUES (?, ?, ?, ?)", "tttI", a->g.id, a->domain_id,
	    a->name, (int64_t)wj_now_ms());
}

int
store_group_create(struct store *st, const char *domain_id, const char *name,
    struct store_group *out)
{
	struct group_arg a;
	int r;

	if (!id_ok(domain_id) || !name_ok(name))
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.domain_id = domain_id;
	a.name = name;
	if ((r = submit(st, group_create_op, &a, "iam:groups:create")) == 0 &&
	    out != NULL)
		*out = a.g;
	return r;
}

int
store_group_by_name(struct store *st, const char *domain_id,
    const char *name, struct store_group *out)
{
	const char *p[] = { domain_id, name };

	if (domain_id == NULL || name == NULL)
		return WJ_ERR_INVALID;
	return rows(st, "SELECT id, name, domain_id FROM groups "
	    "WHERE domain_id = ? AND name = ?", p, 2, 1, group_row, out);
}

int
store_group_list(struct store *st, const char *domain_id,
    struct store_group **out, size_t *n)
{
	struct sq_vec a = { NULL, 0, 0, sizeof(struct store_group) };
	const char *p[] = { domain_id };

	*out = NULL;
	*n = 0;
	if (domain_id == NULL)
		return WJ_ERR_INVALID;
	return vec_out(rows(st, "SELECT id, name, domain_id FROM groups "
	    "WHERE domain_id = ? ORDER BY name", p, 1, 0, group_add, &a), &a,
	    out, n);
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
	sq_res_add(op, a->group_id);
	sq_res_add(op, a->user_id);
	sq_res_end(op);
	if ((r = sq_run(c, NULL, "INSERT OR IGNORE INTO group_members "
	    "(group_id, user_id, created_ms) VALUES (?, ?, ?)", "ttI",
	    a->group_id, a->user_id, (int64_t)wj_now_ms())) != 0)
		return r;
	return revoke_user(c, a->user_id);
}

static int
member_remove_op(struct sq_conn *c, struct sq_op *op)
{
	struct group_arg *a = op->arg;
	int64_t n;
	int r;

	sq_res_add(op, a->group_id);
	sq_res_add(op, a->user_id);
	sq_res_end(op);
	if ((r = sq_run(c, &n, "DELETE FROM group_members WHERE group_id = ? "
	    "AND user_id = ?", "tt", a->group_id, a->user_id)) != 0)
		return r;
	if (n == 0)
		return WJ_ERR_NOT_FOUND;
	return revoke_user(c, a->user_id);
}

int
store_group_add_user(struct store *st, const char *group_id,
    const char *user_id)
{
	struct group_arg a;

	if (!id_ok(group_id) || !id_ok(user_id))
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.group_id = group_id;
	a.user_id = user_id;
	return submit(st, member_add_op, &a, "iam:groups:addUser");
}

int
store_group_remove_user(struct store *st, const char *group_id,
    const char *user_id)
{
	struct group_arg a;

	if (!id_ok(group_id) || !id_ok(user_id))
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.group_id = group_id;
	a.user_id = user_id;
	return submit(st, member_remove_op, &a, "iam:groups:removeUser");
}

/* ---- policies ------------------------------------------------------------ */

struct policy_arg {
	const char *domain_id, *name, *doc;
	const char *policy_id, *principal_id, *project_id;
	int ptype;
	struct store_policy p;
};

static int
policy_create_op(struct sq_conn *c, struct sq_op *op)
{
	struct policy_arg *a = op->arg;
	int64_t now = wj_now_ms();
	int r, taken;

	if ((r = sq_exists(c, &taken, "SELECT 1 FROM domains WHERE id = ?",
	    "t", a->domain_id)) != 0)
		return r;
	if (!taken)
		return WJ_ERR_NOT_FOUND;
	/* A custom policy may not shadow a system one. */
	if ((r = sq_exists(c, &taken, "SELECT 1 FROM policies WHERE "
	    "domain_id IS NULL AND name = ?", "t", a->name)) != 0)
		return r;
	if (taken)
		return WJ_ERR_EXISTS;
	if ((r = wj_id_new(a->p.id)) != 0 ||
	    (r = sq_copy(a->p.name, sizeof(a->p.name), a->name)) != 0 ||
	    (r = sq_copy(a->p.domain_id, sizeof(a->p.domain_id),
	    a->domain_id)) != 0 ||
	    (r = sq_copy(a->p.document, sizeof(a->p.document), a->doc)) != 0)
		return r;
	a->p.updated_ms = now;
	sq_res_add(op, a->p.id);
	sq_res_end(op);
	return sq_run(c, NULL, "INSERT INTO policies (id, domain_id, name, "
	    "document, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)",
	    "ttttII", a->p.id, a->domain_id, a->name, a->doc, now, now);
}

int
store_policy_create(struct store *st, const char *domain_id, const char *name,
    const char *document, struct store_policy *out)
{
	struct policy_arg a;
	int r;

	if (!id_ok(domain_id) || !name_ok(name) || document == NULL ||
	    strlen(document) < 2 || strlen(document) > STORE_POLICY_DOC_MAX)
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.domain_id = domain_id;
	a.name = name;
	a.doc = document;
	if ((r = submit(st, policy_create_op, &a, "iam:policies:create")) ==
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
store_policy_put_system(struct store *st, const char *name,
    const char *document)
{
	struct policy_arg a;

	if (!name_ok(name) || document == NULL || strlen(document) < 2 ||
	    strlen(document) > STORE_POLICY_DOC_MAX)
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.name = name;
	a.doc = document;
	return submit(st, policy_system_op, &a, NULL);
}

int
store_policy_by_name(struct store *st, const char *domain_id,
    const char *name, struct store_policy *out)
{
	const char *p[] = { name, domain_id };

	if (domain_id == NULL || name == NULL)
		return WJ_ERR_INVALID;
	return rows(st, "SELECT " POLICY_COLS " FROM policies WHERE name = ? "
	    "AND (domain_id = ? OR domain_id IS NULL) "
	    "ORDER BY domain_id IS NULL LIMIT 1", p, 2, 1, policy_row, out);
}

int
store_policy_list(struct store *st, const char *domain_id,
    struct store_policy **out, size_t *n)
{
	struct sq_vec a = { NULL, 0, 0, sizeof(struct store_policy) };
	const char *p[] = { domain_id };

	*out = NULL;
	*n = 0;
	if (domain_id == NULL)
		return WJ_ERR_INVALID;
	return vec_out(rows(st, "SELECT " POLICY_COLS " FROM policies "
	    "WHERE domain_id IS NULL OR domain_id = ? "
	    "ORDER BY domain_id IS NOT NULL, name", p, 1, 0, policy_add, &a),
	    &a, out, n);
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
		return revoke_group(c, a->principal_id);
	return revoke_user(c, a->principal_id);
}

static int
attach_op(struct sq_conn *c, struct sq_op *op)
{
	struct policy_arg *a = op->arg;
	int r;

	if ((r = attach_check(c, a)) != 0)
		return r;
	sq_res_add(op, a->policy_id);
	sq_res_add(op, a->principal_id);
	sq_res_end(op);
	if ((r = sq_run(c, NULL, "INSERT OR IGNORE INTO policy_attachments "
	    "(principal_type, principal_id, policy_id, project_id, "
	    "created_ms) VALUES (?, ?, ?, ?, ?)", "ttttI",
	    ptype_text(a->ptype), a->principal_id, a->policy_id,
	    a->project_id, (int64_t)wj_now_ms())) != 0)
		return r;
	return revoke_principal(c, a);
}

static int
detach_op(struct sq_conn *c, struct sq_op *op)
{
	struct policy_arg *a = op->arg;
	int64_t n;
	int r;

	if ((r = attach_check(c, a)) != 0)
		return r;
	sq_res_add(op, a->policy_id);
	sq_res_add(op, a->principal_id);
	sq_res_end(op);
	if ((r = sq_run(c, &n, "DELETE FROM policy_attachments WHERE "
	    "principal_type = ? AND principal_id = ? AND policy_id = ? AND "
	    "project_id = ?", "tttt", ptype_text(a->ptype), a->principal_id,
	    a->policy_id, a->project_id)) != 0)
		return r;
	if (n == 0)
		return WJ_ERR_NOT_FOUND;
	return revoke_principal(c, a);
}

static int
attachment(struct store *st, sq_op_fn fn, const char *action,
    const char *domain_id, const char *policy_id, int ptype,
    const char *principal_id, const char *project_id)
{
	struct policy_arg a;

	if (!id_ok(domain_id) || !id_ok(policy_id) || !id_ok(principal_id) ||
	    project_id == NULL || strlen(project_id) > WJ_ID_LEN ||
	    (ptype != STORE_PRINCIPAL_USER && ptype != STORE_PRINCIPAL_GROUP))
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.domain_id = domain_id;
	a.policy_id = policy_id;
	a.ptype = ptype;
	a.principal_id = principal_id;
	a.project_id = project_id;
	return submit(st, fn, &a, action);
}

int
store_policy_attach(struct store *st, const char *domain_id,
    const char *policy_id, int ptype, const char *principal_id,
    const char *project_id)
{
	return attachment(st, attach_op, "iam:policies:attach", domain_id,
	    policy_id, ptype, principal_id, project_id);
}

int
store_policy_detach(struct store *st, const char *domain_id,
    const char *policy_id, int ptype, const char *principal_id,
    const char *project_id)
{
	return attachment(st, detach_op, "iam:policies:detach", domain_id,
	    policy_id, ptype, principal_id, project_id);
}

static int
attachment_add(sqlite3_stmt *st, void *arg)
{
	struct store_attachment *t;
	const char *type;
	int r;

	if ((t = sq_vec_add(arg)) == NULL)
		return WJ_ERR_NOMEM;
	type = sq_text(st, 2);
	t->principal_type = type != NULL && strcmp(type, "group") == 0 ?
	    STORE_PRINCIPAL_GROUP : STORE_PRINCIPAL_USER;
	if ((r = sq_copy(t->policy_id, sizeof(t->policy_id),
	    sq_text(st, 0))) != 0 ||
	    (r = sq_copy(t->policy_name, sizeof(t->policy_name),
	    sq_text(st, 1))) != 0 ||
	    (r = sq_copy(t->principal_id, sizeof(t->principal_id),
	    sq_text(st, 3))) != 0 ||
	    (r = sq_copy(t->principal_name, sizeof(t->principal_name),
	    sq_text(st, 4))) != 0 ||
	    (r = sq_copy(t->project_id, sizeof(t->project_id),
	    sq_text(st, 5))) != 0)
		return r;
	return sq_copy(t->project_name, sizeof(t->project_name),
	    sq_text(st, 6));
}

int
store_attachment_list(struct store *st, const char *domain_id,
    struct store_attachment **out, size_t *n)
{
	struct sq_vec a = { NULL, 0, 0, sizeof(struct store_attachment) };
	const char *p[] = { domain_id };

	*out = NULL;
	*n = 0;
	if (domain_id == NULL)
		return WJ_ERR_INVALID;
	return vec_out(rows(st, "SELECT a.policy_id, p.name, "
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
	    "ORDER BY p.name, a.principal_type, 5, 7", p, 1, 0, attachment_add,
	    &a), &a, out, n);
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
store_user_policies(struct store *st, const char *user_id,
    const char *project_id, store_policy_cb cb, void *arg)
{
	struct policies_walk w = { cb, arg };
	const char *p[] = { user_id, project_id };

	if (user_id == NULL || cb == NULL)
		return WJ_ERR_INVALID;
	return rows(st, "SELECT DISTINCT p.id, p.name, p.document, "
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

static int
text_row(sqlite3_stmt *st, void *arg)
{
	return sq_copy(arg, WJ_ID_LEN + 1, sq_text(st, 0));
}

int
store_sub_job_project(struct store *st, const char *domain_id,
    const char *sub_job_id, char project_id[WJ_ID_LEN + 1])
{
	const char *p[] = { sub_job_id, domain_id };

	project_id[0] = '\0';
	if (domain_id == NULL || sub_job_id == NULL)
		return WJ_ERR_INVALID;
	return rows(st, "SELECT s.project_id FROM sub_jobs AS s "
	    "JOIN projects AS pr ON pr.id = s.project_id "
	    "WHERE s.id = ? AND pr.domain_id = ?", p, 2, 1, text_row,
	    project_id);
}
