/*
 * users.c - users on SQLite: creation, their login state (password hash,
 * failed logins, lockout), enabling and disabling, and their access keys.
 * Every change of what a user may do moves users.tokens_valid_after to
 * now in the same transaction: tokens issued until then are revoked
 * (docs/ARCHITECTURE.md#security).  Identity writes are audited with an
 * "iam:..." action.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"
#include "../../util/crypto.h"

int
sq_hash_ok(const char *h)
{
	return h == NULL || (strlen(h) >= 1 &&
	    strlen(h) <= STORE_PASSWORD_HASH_MAX);
}

int
sq_ak_ok(const char *ak, const uint8_t *sk, size_t sklen)
{
	size_t n;

	return ak != NULL && (n = strlen(ak)) >= 1 && n <= WJ_ID_LEN &&
	    wj_utf8_clean(ak, n) && sk != NULL && sklen >= 1 &&
	    sklen <= sizeof(((struct store_key *)NULL)->secret_sealed);
}

/* ---- rows ---------------------------------------------------------------- */

#define USER_COLS "u.id, u.name, u.domain_id, d.name, u.is_root, u.enabled"
#define USER_FROM " FROM users AS u JOIN domains AS d ON d.id = u.domain_id"
#define AUTH_COLS USER_COLS ", coalesce(u.password_hash, ''), " \
	"u.failed_logins, u.locked_until_ms, u.tokens_valid_after"

/* The USER_COLS of a row from column col on. */
static int
user_at(sqlite3_stmt *st, int col, struct store_user *u)
{
	int r;

	memset(u, 0, sizeof(*u));
	if ((r = sq_cols(st, col, SQ_TO(u->id), SQ_TO(u->name),
	    SQ_TO(u->domain_id), SQ_TO(u->domain_name), SQ_END)) != 0)
		return r;
	u->is_root = sqlite3_column_int(st, col + 4);
	u->enabled = sqlite3_column_int(st, col + 5);
	return 0;
}

static int
user_row(sqlite3_stmt *st, void *arg)
{
	return user_at(st, 0, arg);
}

static int
user_auth_row(sqlite3_stmt *st, void *arg)
{
	struct store_user_auth *a = arg;
	int r;

	memset(a, 0, sizeof(*a));
	if ((r = user_at(st, 0, &a->user)) != 0 ||
	    (r = sq_copy(a->password_hash, sizeof(a->password_hash),
	    sq_text(st, 6))) != 0)
		return r;
	a->failed_logins = sqlite3_column_int(st, 7);
	a->locked_until_ms = sqlite3_column_int64(st, 8);
	a->tokens_valid_after_ms = sqlite3_column_int64(st, 9);
	return 0;
}

#define KEY_SELECT "SELECT k.ak, k.enabled, k.created_ms, k.secret_sealed, " \
	USER_COLS ", k.locked_until_ms, k.unlocked_ms, k.sig_failures " \
	"FROM access_keys AS k " \
	"JOIN users AS u ON u.id = k.user_id " \
	"JOIN domains AS d ON d.id = u.domain_id"

static int
key_row(sqlite3_stmt *st, void *arg)
{
	struct store_key *k = arg;
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
	k->locked_until_ms = sqlite3_column_int64(st, 10);
	k->unlocked_ms = sqlite3_column_int64(st, 11);
	k->sig_failures = sqlite3_column_int(st, 12);
	return user_at(st, 4, &k->user);
}

/* Revoke the tokens of one user, or of every member of a group. */
int
sq_revoke_user(struct sq_conn *c, const char *user_id)
{
	return sq_run(c, NULL, "UPDATE users SET tokens_valid_after = "
	    "max(tokens_valid_after, ?) WHERE id = ?", "It",
	    (int64_t)wj_now_ms(), user_id);
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
	int r;

	a->u = (struct store_user){ .enabled = 1 };
	if ((r = sq_new_in_domain(c, a->domain_id, a->name, a->u.id,
	    SQ_TO(a->u.name), SQ_TO(a->u.domain_id))) != 0)
		return r;
	sq_res(op, a->u.id, NULL);
	/* UNIQUE (domain_id, name): WJ_ERR_EXISTS for a taken name. */
	return sq_run(c, NULL, "INSERT INTO users (id, domain_id, name, "
	    "is_root, enabled, password_hash, created_ms) "
	    "VALUES (?, ?, ?, 0, 1, ?, ?)", "ttttI", a->u.id, a->domain_id,
	    a->name, a->hash, (int64_t)wj_now_ms());
}

int
sq_store_user_create(struct sq_store *st, const char *domain_id, const char *name,
    const char *password_hash, struct store_user *out)
{
	struct user_arg a;
	struct store_domain d;
	int r;

	if (!sq_id_ok(domain_id) || !sq_name_ok(name) ||
	    !sq_hash_ok(password_hash))
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .domain_id = domain_id, .name = name,
	    .hash = password_hash };
	if ((r = sq_write(st, user_create_op, &a, "iam:users:create")) != 0)
		return r;
	if (out != NULL) {
		*out = a.u;
		if (sq_store_domain_get(st, domain_id, &d) == 0)
			memcpy(out->domain_name, d.name, sizeof(d.name));
	}
	return 0;
}

int
sq_store_user_by_name(struct sq_store *st, const char *domain_id, const char *name,
    struct store_user *out)
{
	struct store_user u;
	const char *p[] = { domain_id, name };
	int r;

	if (domain_id == NULL || name == NULL)
		return WJ_ERR_INVALID;
	if ((r = sq_rows(st, "SELECT " USER_COLS USER_FROM
	    " WHERE u.domain_id = ? AND u.name = ?", p, 2, 1, user_row,
	    &u)) == 0)
		*out = u;
	return r;
}

int
sq_store_user_list(struct sq_store *st, const char *domain_id,
    struct store_user **out, size_t *n)
{
	const char *p[] = { domain_id };

	return sq_list(st, "SELECT " USER_COLS USER_FROM
	    " WHERE u.domain_id = ? ORDER BY u.name", p, 1,
	    sizeof(struct store_user), user_row, out, n);
}

int
sq_store_user_auth_get(struct sq_store *st, const char *user_id,
    struct store_user_auth *out)
{
	const char *p[] = { user_id };

	if (user_id == NULL)
		return WJ_ERR_INVALID;
	return sq_one(st, "SELECT " AUTH_COLS USER_FROM " WHERE u.id = ?", p, 1,
	    user_auth_row, out);
}

int
sq_store_user_auth_by_name(struct sq_store *st, const char *domain_id,
    const char *name, struct store_user_auth *out)
{
	const char *p[] = { domain_id, name };

	return sq_one(st, "SELECT " AUTH_COLS USER_FROM
	    " WHERE u.domain_id = ? AND u.name = ?", p, 2, user_auth_row, out);
}

static int
user_enable_op(struct sq_conn *c, struct sq_op *op)
{
	struct user_arg *a = op->arg;
	int r, root;

	if ((r = sq_exists(c, &root, "SELECT 1 FROM users WHERE id = ? AND "
	    "is_root = 1", "t", a->user_id)) != 0)
		return r;
	/* The account's root user is the way back in: never disabled. */
	if (root && !a->enabled)
		return WJ_ERR_INVALID;
	sq_res(op, a->user_id, NULL);
	if ((r = sq_change(c, "UPDATE users SET enabled = ? WHERE id = ?",
	    "it", a->enabled ? 1 : 0, a->user_id)) != 0)
		return r;
	return a->enabled ? 0 : sq_revoke_user(c, a->user_id);
}

int
sq_store_user_set_enabled(struct sq_store *st, const char *user_id, int enabled)
{
	struct user_arg a;

	if (!sq_id_ok(user_id))
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .user_id = user_id, .enabled = enabled };
	return sq_write(st, user_enable_op, &a, enabled ? "iam:users:enable" :
	    "iam:users:disable");
}

static int
user_revoke_op(struct sq_conn *c, struct sq_op *op)
{
	struct user_arg *a = op->arg;
	int r;

	sq_res(op, a->user_id, NULL);
	if ((r = sq_found(c, "SELECT 1 FROM users WHERE id = ?",
	    a->user_id)) != 0)
		return r;
	return sq_revoke_user(c, a->user_id);
}

int
sq_store_user_revoke_tokens(struct sq_store *st, const char *user_id)
{
	struct user_arg a;

	if (!sq_id_ok(user_id))
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .user_id = user_id };
	return sq_write(st, user_revoke_op, &a, "iam:tokens:revoke");
}

static int
user_password_op(struct sq_conn *c, struct sq_op *op)
{
	struct user_arg *a = op->arg;
	int r;

	sq_res(op, a->user_id, NULL);
	if ((r = sq_change(c, "UPDATE users SET password_hash = ?, "
	    "failed_logins = 0, locked_until_ms = 0 WHERE id = ?", "tt",
	    a->hash, a->user_id)) != 0)
		return r;
	return sq_revoke_user(c, a->user_id);
}

int
sq_store_user_set_password(struct sq_store *st, const char *user_id,
    const char *password_hash)
{
	struct user_arg a;

	if (!sq_id_ok(user_id) || password_hash == NULL ||
	    !sq_hash_ok(password_hash))
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .user_id = user_id, .hash = password_hash };
	return sq_write(st, user_password_op, &a, "iam:users:setPassword");
}

static int
login_failed_op(struct sq_conn *c, struct sq_op *op)
{
	struct user_arg *a = op->arg;
	int r, over;

	if ((r = sq_change(c, "UPDATE users SET failed_logins = "
	    "failed_logins + 1 WHERE id = ?", "t", a->user_id)) != 0)
		return r;
	if ((r = sq_exists(c, &over, "SELECT 1 FROM users WHERE id = ? AND "
	    "failed_logins >= ?", "ti", a->user_id, a->threshold)) != 0 ||
	    !over)
		return r;
	a->locked = 1;
	return sq_run(c, NULL, "UPDATE users SET failed_logins = 0, "
	    "locked_until_ms = ? WHERE id = ?", "It", a->now + a->lock_ms,
	    a->user_id);
}

/* A login's write nobody waits for (a failure: *locked). */
struct login_async {
	struct sq_async	 a;
	struct user_arg	 arg;
	int		*locked;	/* may be NULL */
};

static void
login_finish(struct sq_async *a)
{
	struct login_async *l = (struct login_async *)(void *)a;

	if (a->op.result == 0 && l->locked != NULL)
		*l->locked = l->arg.locked;
}

/* Queue fn with a copy of *arg (not audited: logins are not changes). */
static int
login_queue(struct sq_store *st, sq_op_fn fn, const struct user_arg *arg,
    int *locked, store_done_fn done, void *darg)
{
	struct login_async *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return WJ_ERR_NOMEM;
	l->arg = *arg;
	l->locked = locked;
	sq_op_init(&l->a.op, fn, &l->arg, 0, NULL, NULL, NULL);
	return sq_submit_done(st, &l->a, login_finish, done, darg);
}

int
sq_store_user_login_failed_async(struct sq_store *st, const char *user_id,
    int64_t now_ms, int threshold, int64_t lock_ms, int *locked,
    store_done_fn done, void *arg)
{
	struct user_arg a;

	if (locked != NULL)
		*locked = 0;
	if (!sq_id_ok(user_id) || threshold < 1 || lock_ms < 0 || now_ms < 0 ||
	    lock_ms > INT64_MAX - now_ms)
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .user_id = user_id, .now = now_ms,
	    .threshold = threshold, .lock_ms = lock_ms };
	return login_queue(st, login_failed_op, &a, locked, done, arg);
}

static int
login_ok_op(struct sq_conn *c, struct sq_op *op)
{
	struct user_arg *a = op->arg;

	return sq_run(c, NULL, "UPDATE users SET failed_logins = 0 "
	    "WHERE id = ? AND failed_logins <> 0", "t", a->user_id);
}

int
sq_store_user_login_ok_async(struct sq_store *st, const char *user_id,
    store_done_fn done, void *arg)
{
	struct user_arg a;

	if (!sq_id_ok(user_id))
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .user_id = user_id };
	return login_queue(st, login_ok_op, &a, NULL, done, arg);
}

static int
user_unlock_op(struct sq_conn *c, struct sq_op *op)
{
	struct user_arg *a = op->arg;

	sq_res(op, a->user_id, NULL);
	return sq_change(c, "UPDATE users SET failed_logins = 0, "
	    "locked_until_ms = 0 WHERE id = ?", "t", a->user_id);
}

int
sq_store_user_unlock(struct sq_store *st, const char *user_id)
{
	struct user_arg a;

	if (!sq_id_ok(user_id))
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .user_id = user_id };
	return sq_write(st, user_unlock_op, &a, "iam:users:unlock");
}

/* ---- access keys --------------------------------------------------------- */

struct key_arg {
	const char *user_id;
	const char *ak;
	const uint8_t *sk;
	size_t sklen;
	int enabled;
	int64_t ms;		/* lock: until; unlock, sig_failed: now */
	int threshold;		/* sig_failed */
	int64_t lock_ms;	/* sig_failed */
	int64_t until;		/* sig_failed: the lock in force after it */
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
sq_store_key_create(struct sq_store *st, const char *user_id, const char *ak,
    const uint8_t *sk_sealed, size_t sk_sealed_len)
{
	struct key_arg a = { .user_id = user_id, .ak = ak, .sk = sk_sealed,
	    .sklen = sk_sealed_len, .enabled = 1 };

	if (user_id == NULL || !sq_ak_ok(ak, sk_sealed, sk_sealed_len))
		return WJ_ERR_INVALID;
	return sq_write(st, key_create_op, &a, NULL);
}

int
sq_store_key_list(struct sq_store *st, const char *domain_id,
    struct store_key **out, size_t *n)
{
	const char *p[] = { domain_id };

	return sq_list(st, KEY_SELECT " WHERE u.domain_id = ? "
	    "ORDER BY k.created_ms, k.ak", p, 1, sizeof(struct store_key),
	    key_row, out, n);
}

static int
key_enable_op(struct sq_conn *c, struct sq_op *op)
{
	struct key_arg *a = op->arg;

	return sq_change(c, "UPDATE access_keys SET enabled = ? "
	    "WHERE ak = ?", "it", a->enabled ? 1 : 0, a->ak);
}

int
sq_store_key_set_enabled(struct sq_store *st, const char *ak, int enabled)
{
	struct key_arg a = { .ak = ak, .enabled = enabled };

	if (ak == NULL)
		return WJ_ERR_INVALID;
	return sq_write(st, key_enable_op, &a, NULL);
}

int
sq_store_key_get(struct sq_store *st, const char *ak, struct store_key *out)
{
	const char *p[] = { ak };

	return sq_one(st, KEY_SELECT " WHERE k.ak = ?", p, 1, key_row, out);
}

/* ---- AK lockout ------------------------------------------------------------ */

static int
key_lock_op(struct sq_conn *c, struct sq_op *op)
{
	struct key_arg *a = op->arg;

	/* A later lock wins; a key gone meanwhile is no error. */
	return sq_run(c, NULL, "UPDATE access_keys SET locked_until_ms = "
	    "max(locked_until_ms, ?) WHERE ak = ?", "It", a->ms, a->ak);
}

/* A gateway's write nobody waits for, with its own copy of the AK. */
struct key_async {
	struct sq_async	a;
	struct key_arg	arg;
	char		ak[WJ_ID_LEN + 1];
	int64_t	       *until;		/* may be NULL */
};

static void
key_finish(struct sq_async *a)
{
	struct key_async *k = (struct key_async *)(void *)a;

	if (a->op.result == 0 && k->until != NULL)
		*k->until = k->arg.until;
}

/* Queue fn for ak with a copy of *arg (its ak replaced by the copy). */
static int
key_queue(struct sq_store *st, sq_op_fn fn, const char *ak,
    const struct key_arg *arg, int64_t *until, store_done_fn done,
    void *darg)
{
	struct key_async *k;

	if (ak == NULL || strlen(ak) < 1 || strlen(ak) > WJ_ID_LEN)
		return WJ_ERR_INVALID;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return WJ_ERR_NOMEM;
	memcpy(k->ak, ak, strlen(ak) + 1);
	k->arg = *arg;
	k->arg.ak = k->ak;
	k->until = until;
	sq_op_init(&k->a.op, fn, &k->arg, 0, NULL, NULL, NULL);
	return sq_submit_done(st, &k->a, key_finish, done, darg);
}

int
sq_store_key_lock_async(struct sq_store *st, const char *ak, int64_t until_ms,
    store_done_fn done, void *arg)
{
	struct key_arg a = { .ms = until_ms };

	if (until_ms < 0)
		return WJ_ERR_INVALID;
	return key_queue(st, key_lock_op, ak, &a, NULL, done, arg);
}

/* The lock of a->ak in force at a->ms into a->until (0: none). */
static int
key_lock_in_force(struct sq_conn *c, struct key_arg *a)
{
	sqlite3_stmt *st;
	int r, row;

	a->until = 0;
	if ((r = sq_stmt(c, "SELECT locked_until_ms FROM access_keys "
	    "WHERE ak = ? AND locked_until_ms > ?", &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "tI", a->ak, a->ms)) == 0 &&
	    (r = sq_step(c, st, &row)) == 0 && row)
		a->until = sqlite3_column_int64(st, 0);
	sq_put(c, st);
	return r;
}

/*
 * One more failure unless locked; the threshold-th locks (and the count
 * starts again).  One statement, as on PostgreSQL, where several servers
 * count at once.
 */
static int
key_sig_failed_op(struct sq_conn *c, struct sq_op *op)
{
	struct key_arg *a = op->arg;
	int r;

	if ((r = sq_run(c, NULL, "UPDATE access_keys SET "
	    "locked_until_ms = CASE WHEN sig_failures + 1 >= ?1 "
	    "  THEN max(locked_until_ms, ?2) ELSE locked_until_ms END, "
	    "sig_failures = CASE WHEN sig_failures + 1 >= ?1 THEN 0 "
	    "  ELSE sig_failures + 1 END "
	    "WHERE ak = ?3 AND locked_until_ms <= ?4", "iItI", a->threshold,
	    a->ms + a->lock_ms, a->ak, a->ms)) != 0)
		return r;
	return key_lock_in_force(c, a);
}

int
sq_store_key_sig_failed_async(struct sq_store *st, const char *ak,
    int64_t now_ms, int threshold, int64_t lock_ms, int64_t *until_ms,
    store_done_fn done, void *arg)
{
	struct key_arg a = { .ms = now_ms, .threshold = threshold,
	    .lock_ms = lock_ms };

	if (until_ms != NULL)
		*until_ms = 0;
	if (threshold < 1 || lock_ms < 0 || now_ms < 0 ||
	    lock_ms > INT64_MAX - now_ms)
		return WJ_ERR_INVALID;
	return key_queue(st, key_sig_failed_op, ak, &a, until_ms, done,
	    arg);
}

static int
key_sig_ok_op(struct sq_conn *c, struct sq_op *op)
{
	struct key_arg *a = op->arg;

	return sq_run(c, NULL, "UPDATE access_keys SET sig_failures = 0 "
	    "WHERE ak = ? AND sig_failures <> 0", "t", a->ak);
}

int
sq_store_key_sig_ok_async(struct sq_store *st, const char *ak,
    store_done_fn done, void *arg)
{
	struct key_arg a = { .ms = 0 };

	return key_queue(st, key_sig_ok_op, ak, &a, NULL, done, arg);
}

static int
key_unlock_op(struct sq_conn *c, struct sq_op *op)
{
	struct key_arg *a = op->arg;

	return sq_change(c, "UPDATE access_keys SET locked_until_ms = 0, "
	    "sig_failures = 0, unlocked_ms = ? WHERE ak = ?", "It", a->ms,
	    a->ak);
}

int
sq_store_key_unlock(struct sq_store *st, const char *ak, int64_t now_ms)
{
	struct key_arg a = { .ak = ak, .ms = now_ms };

	if (ak == NULL || now_ms < 0)
		return WJ_ERR_INVALID;
	return sq_write(st, key_unlock_op, &a, NULL);
}

/* ---- re-sealing every secret (master key rotation) ------------------------ */

struct sealed_row {
	char	ak[WJ_ID_LEN + 1];
	uint8_t	s[sizeof(((struct store_key *)NULL)->secret_sealed)];
	size_t	n;
};

static int
sealed_row_decode(sqlite3_stmt *st, void *arg)
{
	struct sealed_row *row = arg;
	int n = sqlite3_column_bytes(st, 1);
	const void *p = sqlite3_column_blob(st, 1);

	if (n < 0 || (size_t)n > sizeof(row->s) || (n > 0 && p == NULL))
		return WJ_ERR_INTERNAL;
	memcpy(row->s, p, (size_t)n);
	row->n = (size_t)n;
	return sq_copy(row->ak, sizeof(row->ak), sq_text(st, 0));
}

struct reseal_arg {
	store_reseal_fn fn;
	void	*arg;
	int64_t	 n;
};

/* Every sealed secret into a, read before any is rewritten. */
static int
sealed_rows(struct sq_conn *c, struct sq_vec *a)
{
	sqlite3_stmt *st;
	int r, row;

	if ((r = sq_stmt(c, "SELECT ak, secret_sealed FROM access_keys "
	    "ORDER BY ak", &st)) != 0)
		return r;
	while ((r = sq_step(c, st, &row)) == 0 && row)
		if ((r = sq_vec_row(st, a)) != 0)
			break;
	sq_put(c, st);
	return r;
}

static int
reseal_op(struct sq_conn *c, struct sq_op *op)
{
	struct reseal_arg *ra = op->arg;
	struct sq_vec a = { NULL, 0, 0, sizeof(struct sealed_row),
	    sealed_row_decode };
	struct sealed_row *rows, out;
	size_t i;
	int r;

	if ((r = sealed_rows(c, &a)) != 0)
		goto out;
	rows = a.v;
	for (i = 0; i < a.n; i++) {
		if ((r = ra->fn(ra->arg, rows[i].ak, rows[i].s, rows[i].n,
		    out.s, sizeof(out.s), &out.n)) != 0 ||
		    (r = sq_change(c, "UPDATE access_keys SET secret_sealed = ? "
		    "WHERE ak = ?", "bt", out.s, out.n, rows[i].ak)) != 0)
			goto out;
		ra->n++;
	}
 out:
	wj_freezero(a.v, a.n * a.size);
	memset(&out, 0, sizeof(out));
	return r;
}

int
sq_store_reseal_secrets(struct sq_store *st, store_reseal_fn fn, void *arg,
    int64_t *n)
{
	struct reseal_arg ra = { fn, arg, 0 };
	struct sq_op op;
	int r;

	*n = 0;
	if (fn == NULL)
		return WJ_ERR_INVALID;
	sq_op_init(&op, reseal_op, &ra, 1, NULL, "admin:master-key:rotate",
	    NULL);
	op.alone = 1;		/* every secret, in one transaction */
	r = sq_submit(st, &op);
	sq_op_clear(&op);
	if (r == 0)
		*n = ra.n;
	return r;
}
