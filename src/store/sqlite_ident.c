/*
 * sqlite_ident.c - identities on SQLite: the bootstrap of the first
 * account, domains, projects, users and access keys.  Groups and policies
 * have tables (migrations.c) but no functions yet.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

/* STORE_NAME_MAX: names are 1..64 bytes of clean UTF-8. */
static int
name_ok(const char *s)
{
	size_t n;

	return s != NULL && (n = strlen(s)) >= 1 && n <= STORE_NAME_MAX &&
	    wj_utf8_clean(s, n);
}

static int
ak_ok(const char *ak, const uint8_t *sk, size_t sklen)
{
	size_t n;

	return ak != NULL && (n = strlen(ak)) >= 1 && n <= WJ_ID_LEN &&
	    wj_utf8_clean(ak, n) && sk != NULL && sklen >= 1 &&
	    sklen <= sizeof(((struct store_key *)NULL)->secret_sealed);
}

/* ---- rows ---------------------------------------------------------------- */

static int
project_row(sqlite3_stmt *st, struct store_project *p)
{
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = sq_copy(p->id, sizeof(p->id), sq_text(st, 0))) != 0 ||
	    (r = sq_copy(p->name, sizeof(p->name), sq_text(st, 1))) != 0 ||
	    (r = sq_copy(p->domain_id, sizeof(p->domain_id),
	    sq_text(st, 2))) != 0)
		return r;
	return 0;
}

#define USER_COLS "u.id, u.name, u.domain_id, d.name, u.is_root, u.enabled"

static int
user_row(sqlite3_stmt *st, int col, struct store_user *u)
{
	int r;

	memset(u, 0, sizeof(*u));
	if ((r = sq_copy(u->id, sizeof(u->id), sq_text(st, col))) != 0 ||
	    (r = sq_copy(u->name, sizeof(u->name),
	    sq_text(st, col + 1))) != 0 ||
	    (r = sq_copy(u->domain_id, sizeof(u->domain_id),
	    sq_text(st, col + 2))) != 0 ||
	    (r = sq_copy(u->domain_name, sizeof(u->domain_name),
	    sq_text(st, col + 3))) != 0)
		return r;
	u->is_root = sqlite3_column_int(st, col + 4);
	u->enabled = sqlite3_column_int(st, col + 5);
	return 0;
}

#define KEY_SELECT "SELECT k.ak, k.enabled, k.created_ms, k.secret_sealed, " \
	USER_COLS " FROM access_keys AS k " \
	"JOIN users AS u ON u.id = k.user_id " \
	"JOIN domains AS d ON d.id = u.domain_id"

static int
key_row(sqlite3_stmt *st, struct store_key *k)
{
	const void *p;
	int r, n;

	memset(k, 0, sizeof(*k));
	if ((r = sq_copy(k->access_key, sizeof(k->access_key),
	    sq_text(st, 0))) != 0)
		return r;
	k->enabled = sqlite3_column_int(st, 1);
	k->created_ms = sqlite3_column_int64(st, 2);
	p = sqlite3_column_blob(st, 3);
	n = sqlite3_column_bytes(st, 3);
	if (n < 0 || (size_t)n > sizeof(k->secret_sealed) ||
	    (n > 0 && p == NULL))
		return WJ_ERR_INTERNAL;
	if (n > 0)
		memcpy(k->secret_sealed, p, (size_t)n);
	k->secret_sealed_len = (size_t)n;
	return user_row(st, 4, &k->user);
}

/*
 * Run sql (bound with one text parameter) on this thread's reader and hand
 * each row to fn; WJ_ERR_NOT_FOUND when want_row and there is none.
 */
typedef int (*row_fn)(sqlite3_stmt *, void *);

static int
read_rows(struct store *s, const char *sql, const char *param, int want_row,
    row_fn fn, void *arg)
{
	sqlite3_stmt *st = NULL;
	struct sq_conn *c;
	int r, row, seen = 0;

	if ((r = sq_reader(s, &c)) != 0 || (r = sq_stmt(c, sql, &st)) != 0)
		return r;
	if (param != NULL && (r = sq_bind(c, st, "t", param)) != 0)
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

/* ---- bootstrap ----------------------------------------------------------- */

struct boot_arg {
	const char *dname, *uname, *pname, *ak;
	const uint8_t *sk;
	size_t sklen;
	struct store_domain d;
	struct store_user u;
	struct store_project p;
};

static int
boot_ids(struct boot_arg *a)
{
	int r;

	if ((r = wj_id_new(a->d.id)) != 0 || (r = wj_id_new(a->u.id)) != 0 ||
	    (r = wj_id_new(a->p.id)) != 0 ||
	    (r = sq_copy(a->d.name, sizeof(a->d.name), a->dname)) != 0 ||
	    (r = sq_copy(a->u.name, sizeof(a->u.name), a->uname)) != 0 ||
	    (r = sq_copy(a->u.domain_id, sizeof(a->u.domain_id),
	    a->d.id)) != 0 ||
	    (r = sq_copy(a->u.domain_name, sizeof(a->u.domain_name),
	    a->dname)) != 0 ||
	    (r = sq_copy(a->p.name, sizeof(a->p.name), a->pname)) != 0 ||
	    (r = sq_copy(a->p.domain_id, sizeof(a->p.domain_id), a->d.id)) != 0)
		return r;
	a->u.is_root = 1;
	a->u.enabled = 1;
	return 0;
}

static int
boot_op(struct sq_conn *c, struct sq_op *op)
{
	struct boot_arg *a = op->arg;
	int64_t now = wj_now_ms();
	int r, any;

	if ((r = sq_exists(c, &any, "SELECT 1 FROM domains LIMIT 1", "")) != 0)
		return r;
	if (any)
		return WJ_ERR_EXISTS;
	if ((r = boot_ids(a)) != 0 ||
	    (r = sq_run(c, NULL, "INSERT INTO domains (id, name, created_ms) "
	    "VALUES (?, ?, ?)", "ttI", a->d.id, a->d.name, now)) != 0 ||
	    (r = sq_run(c, NULL, "INSERT INTO users (id, domain_id, name, "
	    "is_root, enabled, created_ms) VALUES (?, ?, ?, 1, 1, ?)", "tttI",
	    a->u.id, a->d.id, a->u.name, now)) != 0 ||
	    (r = sq_run(c, NULL, "INSERT INTO projects (id, domain_id, name, "
	    "created_ms) VALUES (?, ?, ?, ?)", "tttI", a->p.id, a->d.id,
	    a->p.name, now)) != 0)
		return r;
	return sq_run(c, NULL, "INSERT INTO access_keys (ak, user_id, "
	    "secret_sealed, enabled, created_ms) VALUES (?, ?, ?, 1, ?)",
	    "ttbI", a->ak, a->u.id, a->sk, a->sklen, now);
}

int
store_bootstrap(struct store *st, const char *dname, const char *uname,
    const char *pname, const char *ak, const uint8_t *sk_sealed,
    size_t sk_sealed_len, struct store_domain *d, struct store_user *u,
    struct store_project *p)
{
	struct boot_arg a;
	struct sq_op op;
	int r;

	if (!name_ok(dname) || !name_ok(uname) || !name_ok(pname) ||
	    !ak_ok(ak, sk_sealed, sk_sealed_len))
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.dname = dname;
	a.uname = uname;
	a.pname = pname;
	a.ak = ak;
	a.sk = sk_sealed;
	a.sklen = sk_sealed_len;
	sq_op_init(&op, boot_op, &a, 0, NULL, NULL, NULL);
	if ((r = sq_submit(st, &op)) == 0) {
		if (d != NULL)
			*d = a.d;
		if (u != NULL)
			*u = a.u;
		if (p != NULL)
			*p = a.p;
	}
	sq_op_clear(&op);
	return r;
}

/* ---- domains and projects ------------------------------------------------ */

static int
domain_fill(sqlite3_stmt *st, void *arg)
{
	struct store_domain *d = arg;
	int r;

	memset(d, 0, sizeof(*d));
	if ((r = sq_copy(d->id, sizeof(d->id), sq_text(st, 0))) != 0)
		return r;
	return sq_copy(d->name, sizeof(d->name), sq_text(st, 1));
}

int
store_domain_first(struct store *st, struct store_domain *out)
{
	struct store_domain d;
	int r;

	if ((r = read_rows(st, "SELECT id, name FROM domains "
	    "ORDER BY created_ms, id LIMIT 1", NULL, 1, domain_fill, &d)) == 0)
		*out = d;
	return r;
}

struct project_arg {
	const char *domain_id;
	const char *name;
	struct store_project p;
};

static int
project_create_op(struct sq_conn *c, struct sq_op *op)
{
	struct project_arg *a = op->arg;
	int r, found;

	if ((r = sq_exists(c, &found, "SELECT 1 FROM domains WHERE id = ?",
	    "t", a->domain_id)) != 0)
		return r;
	if (!found)
		return WJ_ERR_NOT_FOUND;
	if ((r = wj_id_new(a->p.id)) != 0 ||
	    (r = sq_copy(a->p.name, sizeof(a->p.name), a->name)) != 0 ||
	    (r = sq_copy(a->p.domain_id, sizeof(a->p.domain_id),
	    a->domain_id)) != 0)
		return r;
	/* UNIQUE (domain_id, name): WJ_ERR_EXISTS for a taken name. */
	return sq_run(c, NULL, "INSERT INTO projects (id, domain_id, name, "
	    "created_ms) VALUES (?, ?, ?, ?)", "tttI", a->p.id, a->domain_id,
	    a->name, (int64_t)wj_now_ms());
}

int
store_project_create(struct store *st, const char *domain_id,
    const char *name, struct store_project *out)
{
	struct project_arg a;
	struct sq_op op;
	int r;

	if (domain_id == NULL || !name_ok(name))
		return WJ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	a.domain_id = domain_id;
	a.name = name;
	sq_op_init(&op, project_create_op, &a, 0, NULL, NULL, NULL);
	if ((r = sq_submit(st, &op)) == 0 && out != NULL)
		*out = a.p;
	sq_op_clear(&op);
	return r;
}

static int
project_add(sqlite3_stmt *st, void *arg)
{
	struct store_project *p;

	if ((p = sq_vec_add(arg)) == NULL)
		return WJ_ERR_NOMEM;
	return project_row(st, p);
}

int
store_project_list(struct store *st, const char *domain_id,
    struct store_project **out, size_t *n)
{
	struct sq_vec a = { NULL, 0, 0, sizeof(struct store_project) };
	int r;

	*out = NULL;
	*n = 0;
	if (domain_id == NULL)
		return WJ_ERR_INVALID;
	if ((r = read_rows(st, "SELECT id, name, domain_id FROM projects "
	    "WHERE domain_id = ? ORDER BY name", domain_id, 0, project_add,
	    &a)) != 0) {
		free(a.v);
		return r;
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

static int
project_fill(sqlite3_stmt *st, void *arg)
{
	return project_row(st, arg);
}

int
store_project_get(struct store *st, const char *id, struct store_project *out)
{
	struct store_project p;
	int r;

	if (id == NULL)
		return WJ_ERR_INVALID;
	if ((r = read_rows(st, "SELECT id, name, domain_id FROM projects "
	    "WHERE id = ?", id, 1, project_fill, &p)) == 0)
		*out = p;
	return r;
}

/* ---- users --------------------------------------------------------------- */

static int
user_fill(sqlite3_stmt *st, void *arg)
{
	return user_row(st, 0, arg);
}

int
store_user_by_name(struct store *st, const char *domain_id, const char *name,
    struct store_user *out)
{
	struct store_user u;
	sqlite3_stmt *s = NULL;
	struct sq_conn *c;
	int r, row;

	if (domain_id == NULL || name == NULL)
		return WJ_ERR_INVALID;
	if ((r = sq_reader(st, &c)) != 0 || (r = sq_stmt(c, "SELECT "
	    USER_COLS " FROM users AS u "
	    "JOIN domains AS d ON d.id = u.domain_id "
	    "WHERE u.domain_id = ? AND u.name = ?", &s)) != 0)
		return r;
	if ((r = sq_bind(c, s, "tt", domain_id, name)) != 0 ||
	    (r = sq_step(c, s, &row)) != 0)
		goto out;
	if (!row)
		r = WJ_ERR_NOT_FOUND;
	else if ((r = user_fill(s, &u)) == 0)
		*out = u;
 out:
	sq_put(c, s);
	return r;
}

/* ---- access keys --------------------------------------------------------- */

struct key_arg {
	const char *user_id;
	const char *ak;
	const uint8_t *sk;
	size_t sklen;
	int enabled;
};

static int
key_create_op(struct sq_conn *c, struct sq_op *op)
{
	struct key_arg *a = op->arg;
	int r, found;

	if ((r = sq_exists(c, &found, "SELECT 1 FROM users WHERE id = ?", "t",
	    a->user_id)) != 0)
		return r;
	if (!found)
		return WJ_ERR_NOT_FOUND;
	/* ak is the primary key: WJ_ERR_EXISTS when taken. */
	return sq_run(c, NULL, "INSERT INTO access_keys (ak, user_id, "
	    "secret_sealed, enabled, created_ms) VALUES (?, ?, ?, 1, ?)",
	    "ttbI", a->ak, a->user_id, a->sk, a->sklen,
	    (int64_t)wj_now_ms());
}

int
store_key_create(struct store *st, const char *user_id, const char *ak,
    const uint8_t *sk_sealed, size_t sk_sealed_len)
{
	struct key_arg a = { user_id, ak, sk_sealed, sk_sealed_len, 1 };
	struct sq_op op;
	int r;

	if (user_id == NULL || !ak_ok(ak, sk_sealed, sk_sealed_len))
		return WJ_ERR_INVALID;
	sq_op_init(&op, key_create_op, &a, 0, NULL, NULL, NULL);
	r = sq_submit(st, &op);
	sq_op_clear(&op);
	return r;
}

static int
key_add(sqlite3_stmt *st, void *arg)
{
	struct store_key *k;

	if ((k = sq_vec_add(arg)) == NULL)
		return WJ_ERR_NOMEM;
	return key_row(st, k);
}

int
store_key_list(struct store *st, const char *domain_id,
    struct store_key **out, size_t *n)
{
	struct sq_vec a = { NULL, 0, 0, sizeof(struct store_key) };
	int r;

	*out = NULL;
	*n = 0;
	if (domain_id == NULL)
		return WJ_ERR_INVALID;
	if ((r = read_rows(st, KEY_SELECT " WHERE u.domain_id = ? "
	    "ORDER BY k.created_ms, k.ak", domain_id, 0, key_add, &a)) != 0) {
		free(a.v);
		return r;
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

static int
key_enable_op(struct sq_conn *c, struct sq_op *op)
{
	struct key_arg *a = op->arg;
	int64_t n;
	int r;

	if ((r = sq_run(c, &n, "UPDATE access_keys SET enabled = ? "
	    "WHERE ak = ?", "it", a->enabled ? 1 : 0, a->ak)) != 0)
		return r;
	return n == 0 ? WJ_ERR_NOT_FOUND : 0;
}

int
store_key_set_enabled(struct store *st, const char *ak, int enabled)
{
	struct key_arg a = { NULL, ak, NULL, 0, enabled };
	struct sq_op op;
	int r;

	if (ak == NULL)
		return WJ_ERR_INVALID;
	sq_op_init(&op, key_enable_op, &a, 0, NULL, NULL, NULL);
	r = sq_submit(st, &op);
	sq_op_clear(&op);
	return r;
}

static int
key_fill(sqlite3_stmt *st, void *arg)
{
	return key_row(st, arg);
}

int
store_key_get(struct store *st, const char *ak, struct store_key *out)
{
	struct store_key k;
	int r;

	if (ak == NULL)
		return WJ_ERR_INVALID;
	if ((r = read_rows(st, KEY_SELECT " WHERE k.ak = ?", ak, 1, key_fill,
	    &k)) == 0)
		*out = k;
	return r;
}
