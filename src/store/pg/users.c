/*
 * users.c - users on PostgreSQL: creation, their login state (password
 * hash, failed logins, lockout), enabling and disabling, and their access
 * keys with the gateway's signature lockout.  Every change of what a
 * user may do moves users.tokens_valid_after to now in the same
 * transaction: tokens issued until then are revoked
 * (docs/ARCHITECTURE.md#security).  The same rows, checks and answers as
 * src/store/sqlite/users.c; the counts of failures (logins, signatures)
 * are each one UPDATE, so that servers counting at once add up.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pg_int.h"
#include "../../util/crypto.h"

int
pg_hash_ok(const char *h)
{
	return h == NULL || (strlen(h) >= 1 &&
	    strlen(h) <= STORE_PASSWORD_HASH_MAX);
}

int
pg_ak_ok(const char *ak, const uint8_t *sk, size_t sklen)
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
user_at(const struct pg_row *row, int col, struct store_user *u)
{
	int r;

	memset(u, 0, sizeof(*u));
	if ((r = pg_cols(row, col, PG_TO(u->id), PG_TO(u->name),
	    PG_TO(u->domain_id), PG_TO(u->domain_name), PG_END)) != 0)
		return r;
	u->is_root = pg_int(row, col + 4);
	u->enabled = pg_int(row, col + 5);
	return 0;
}

static int
user_row(const struct pg_row *row, void *arg)
{
	return user_at(row, 0, arg);
}

static int
user_auth_row(const struct pg_row *row, void *arg)
{
	struct store_user_auth *a = arg;
	int r;

	memset(a, 0, sizeof(*a));
	if ((r = user_at(row, 0, &a->user)) != 0 ||
	    (r = pg_copy(a->password_hash, sizeof(a->password_hash),
	    pg_text(row, 6))) != 0)
		return r;
	a->failed_logins = pg_int(row, 7);
	a->locked_until_ms = pg_bigint(row, 8);
	a->tokens_valid_after_ms = pg_bigint(row, 9);
	return 0;
}

#define KEY_SELECT "SELECT k.ak, k.enabled, k.created_ms, k.secret_sealed, " \
	USER_COLS ", k.locked_until_ms, k.unlocked_ms, k.sig_failures " \
	"FROM access_keys AS k " \
	"JOIN users AS u ON u.id = k.user_id " \
	"JOIN domains AS d ON d.id = u.domain_id"

static int
key_row(const struct pg_row *row, void *arg)
{
	struct store_key *k = arg;
	int r;

	memset(k, 0, sizeof(*k));
	if ((r = pg_copy(k->access_key, sizeof(k->access_key),
	    pg_text(row, 0))) != 0 ||
	    (r = pg_bytea(row, 3, k->secret_sealed, sizeof(k->secret_sealed),
	    &k->secret_sealed_len)) != 0)
		return r;
	k->enabled = pg_int(row, 1);
	k->created_ms = pg_bigint(row, 2);
	k->locked_until_ms = pg_bigint(row, 10);
	k->unlocked_ms = pg_bigint(row, 11);
	k->sig_failures = pg_int(row, 12);
	return user_at(row, 4, &k->user);
}

/* Revoke the tokens of one user. */
int
pg_revoke_user(struct pg_conn *c, const char *user_id)
{
	return pg_run(c, NULL, "UPDATE users SET tokens_valid_after = "
	    "greatest(tokens_valid_after, $1) WHERE id = $2", "It",
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
user_create_op(struct pg_conn *c, struct pg_op *op)
{
	struct user_arg *a = op->arg;
	int r;

	a->u = (struct store_user){ .enabled = 1 };
	if ((r = pg_new_in_domain(c, a->domain_id, a->name, a->u.id,
	    PG_TO(a->u.name), PG_TO(a->u.domain_id))) != 0)
		return r;
	pg_res(op, a->u.id, NULL);
	/* UNIQUE (domain_id, name): WJ_ERR_EXISTS for a taken name. */
	return pg_run(c, NULL, "INSERT INTO users (id, domain_id, name, "
	    "is_root, enabled, password_hash, created_ms) "
	    "VALUES ($1, $2, $3, 0, 1, $4, $5)", "ttttI", a->u.id,
	    a->domain_id, a->name, a->hash, (int64_t)wj_now_ms());
}

int
pg_store_user_create(struct pg_store *st, const char *domain_id,
    const char *name, const char *password_hash, struct store_user *out)
{
	struct user_arg a;
	struct store_domain d;
	int r;

	if (!pg_id_ok(domain_id) || !pg_name_ok(name) ||
	    !pg_hash_ok(password_hash))
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .domain_id = domain_id, .name = name,
	    .hash = password_hash };
	if ((r = pg_write(st, user_create_op, &a, "iam:users:create")) != 0)
		return r;
	if (out != NULL) {
		*out = a.u;
		if (pg_store_domain_get(st, domain_id, &d) == 0)
			memcpy(out->domain_name, d.name, sizeof(d.name));
	}
	return 0;
}

int
pg_store_user_by_name(struct pg_store *st, const char *domain_id,
    const char *name, struct store_user *out)
{
	struct store_user u;
	const char *p[] = { domain_id, name };
	int r;

	if (domain_id == NULL || name == NULL)
		return WJ_ERR_INVALID;
	if ((r = pg_rows(st, "SELECT " USER_COLS USER_FROM
	    " WHERE u.domain_id = $1 AND u.name = $2", p, 2, 1, user_row,
	    &u)) == 0)
		*out = u;
	return r;
}

int
pg_store_user_list(struct pg_store *st, const char *domain_id,
    struct store_user **out, size_t *n)
{
	const char *p[] = { domain_id };

	return pg_list(st, "SELECT " USER_COLS USER_FROM
	    " WHERE u.domain_id = $1 ORDER BY u.name", p, 1,
	    sizeof(struct store_user), user_row, out, n);
}

int
pg_store_user_auth_get(struct pg_store *st, const char *user_id,
    struct store_user_auth *out)
{
	const char *p[] = { user_id };

	if (user_id == NULL)
		return WJ_ERR_INVALID;
	return pg_one(st, "SELECT " AUTH_COLS USER_FROM " WHERE u.id = $1", p,
	    1, user_auth_row, out);
}

int
pg_store_user_auth_by_name(struct pg_store *st, const char *domain_id,
    const char *name, struct store_user_auth *out)
{
	const char *p[] = { domain_id, name };

	return pg_one(st, "SELECT " AUTH_COLS USER_FROM
	    " WHERE u.domain_id = $1 AND u.name = $2", p, 2, user_auth_row,
	    out);
}

static int
user_enable_op(struct pg_conn *c, struct pg_op *op)
{
	struct user_arg *a = op->arg;
	int r, root;

	if ((r = pg_exists(c, &root, "SELECT 1 FROM users WHERE id = $1 AND "
	    "is_root = 1", "t", a->user_id)) != 0)
		return r;
	/* The account's root user is the way back in: never disabled. */
	if (root && !a->enabled)
		return WJ_ERR_INVALID;
	pg_res(op, a->user_id, NULL);
	if ((r = pg_change(c, "UPDATE users SET enabled = $1 WHERE id = $2",
	    "it", a->enabled ? 1 : 0, a->user_id)) != 0)
		return r;
	return a->enabled ? 0 : pg_revoke_user(c, a->user_id);
}

int
pg_store_user_set_enabled(struct pg_store *st, const char *user_id,
    int enabled)
{
	struct user_arg a;

	if (!pg_id_ok(user_id))
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .user_id = user_id, .enabled = enabled };
	return pg_write(st, user_enable_op, &a, enabled ? "iam:users:enable" :
	    "iam:users:disable");
}

static int
user_revoke_op(struct pg_conn *c, struct pg_op *op)
{
	struct user_arg *a = op->arg;
	int r;

	pg_res(op, a->user_id, NULL);
	if ((r = pg_found(c, "SELECT 1 FROM users WHERE id = $1",
	    a->user_id)) != 0)
		return r;
	return pg_revoke_user(c, a->user_id);
}

int
pg_store_user_revoke_tokens(struct pg_store *st, const char *user_id)
{
	struct user_arg a;

	if (!pg_id_ok(user_id))
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .user_id = user_id };
	return pg_write(st, user_revoke_op, &a, "iam:tokens:revoke");
}

static int
user_password_op(struct pg_conn *c, struct pg_op *op)
{
	struct user_arg *a = op->arg;
	int r;

	pg_res(op, a->user_id, NULL);
	if ((r = pg_change(c, "UPDATE users SET password_hash = $1, "
	    "failed_logins = 0, locked_until_ms = 0 WHERE id = $2", "tt",
	    a->hash, a->user_id)) != 0)
		return r;
	return pg_revoke_user(c, a->user_id);
}

int
pg_store_user_set_password(struct pg_store *st, const char *user_id,
    const char *password_hash)
{
	struct user_arg a;

	if (!pg_id_ok(user_id) || password_hash == NULL ||
	    !pg_hash_ok(password_hash))
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .user_id = user_id, .hash = password_hash };
	return pg_write(st, user_password_op, &a, "iam:users:setPassword");
}

/*
 * One more failure; the threshold-th locks and the count starts again.
 * One UPDATE: its row lock orders servers counting at once, and each
 * sees the count the one before it left.
 */
static int
login_failed_op(struct pg_conn *c, struct pg_op *op)
{
	struct user_arg *a = op->arg;
	PGresult *res = NULL;
	int r;

	a->locked = 0;
	if ((r = pg_query(c, &res, "UPDATE users SET "
	    "locked_until_ms = CASE WHEN failed_logins + 1 >= $1 THEN $2 "
	    "  ELSE locked_until_ms END, "
	    "failed_logins = CASE WHEN failed_logins + 1 >= $1 THEN 0 "
	    "  ELSE failed_logins + 1 END "
	    "WHERE id = $3 RETURNING failed_logins", "iIt", a->threshold,
	    a->now + a->lock_ms, a->user_id)) != 0)
		return r;
	if (PQntuples(res) != 1)
		r = WJ_ERR_NOT_FOUND;
	else
		a->locked = strcmp(PQgetvalue(res, 0, 0), "0") == 0;
	PQclear(res);
	return r;
}

/* A login's write nobody waits for (a failure: *locked). */
struct login_async {
	struct pg_async	 a;
	struct user_arg	 arg;
	int		*locked;	/* may be NULL */
};

static void
login_finish(struct pg_async *a)
{
	struct login_async *l = (struct login_async *)(void *)a;

	if (a->op.result == 0 && l->locked != NULL)
		*l->locked = l->arg.locked;
}

/* Queue fn with a copy of *arg (not audited: logins are not changes). */
static int
login_queue(struct pg_store *st, pg_op_fn fn, const struct user_arg *arg,
    int *locked, store_done_fn done, void *darg)
{
	struct login_async *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return WJ_ERR_NOMEM;
	l->arg = *arg;
	l->locked = locked;
	pg_op_init(&l->a.op, fn, &l->arg, 0, NULL, NULL, NULL);
	return pg_submit_done(st, &l->a, login_finish, done, darg);
}

int
pg_store_user_login_failed_async(struct pg_store *st, const char *user_id,
    int64_t now_ms, int threshold, int64_t lock_ms, int *locked,
    store_done_fn done, void *arg)
{
	struct user_arg a;

	if (locked != NULL)
		*locked = 0;
	if (!pg_id_ok(user_id) || threshold < 1 || lock_ms < 0 || now_ms < 0 ||
	    lock_ms > INT64_MAX - now_ms)
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .user_id = user_id, .now = now_ms,
	    .threshold = threshold, .lock_ms = lock_ms };
	return login_queue(st, login_failed_op, &a, locked, done, arg);
}

static int
login_ok_op(struct pg_conn *c, struct pg_op *op)
{
	struct user_arg *a = op->arg;

	return pg_run(c, NULL, "UPDATE users SET failed_logins = 0 "
	    "WHERE id = $1 AND failed_logins <> 0", "t", a->user_id);
}

int
pg_store_user_login_ok_async(struct pg_store *st, const char *user_id,
    store_done_fn done, void *arg)
{
	struct user_arg a;

	if (!pg_id_ok(user_id))
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .user_id = user_id };
	return login_queue(st, login_ok_op, &a, NULL, done, arg);
}

static int
user_unlock_op(struct pg_conn *c, struct pg_op *op)
{
	struct user_arg *a = op->arg;

	pg_res(op, a->user_id, NULL);
	return pg_change(c, "UPDATE users SET failed_logins = 0, "
	    "locked_until_ms = 0 WHERE id = $1", "t", a->user_id);
}

int
pg_store_user_unlock(struct pg_store *st, const char *user_id)
{
	struct user_arg a;

	if (!pg_id_ok(user_id))
		return WJ_ERR_INVALID;
	a = (struct user_arg){ .user_id = user_id };
	return pg_write(st, user_unlock_op, &a, "iam:users:unlock");
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
key_create_op(struct pg_conn *c, struct pg_op *op)
{
	struct key_arg *a = op->arg;
	int r, found;

	if ((r = pg_exists(c, &found, "SELECT 1 FROM users WHERE id = $1", "t",
	    a->user_id)) != 0)
		return r;
	if (!found)
		return WJ_ERR_NOT_FOUND;
	/* ak is the primary key: WJ_ERR_EXISTS when taken. */
	return pg_run(c, NULL, "INSERT INTO access_keys (ak, user_id, "
	    "secret_sealed, enabled, created_ms) VALUES ($1, $2, $3, 1, $4)",
	    "ttbI", a->ak, a->user_id, a->sk, a->sklen,
	    (int64_t)wj_now_ms());
}

int
pg_store_key_create(struct pg_store *st, const char *user_id, const char *ak,
    const uint8_t *sk_sealed, size_t sk_sealed_len)
{
	struct key_arg a = { .user_id = user_id, .ak = ak, .sk = sk_sealed,
	    .sklen = sk_sealed_len, .enabled = 1 };

	if (user_id == NULL || !pg_ak_ok(ak, sk_sealed, sk_sealed_len))
		return WJ_ERR_INVALID;
	return pg_write(st, key_create_op, &a, NULL);
}

int
pg_store_key_list(struct pg_store *st, const char *domain_id,
    struct store_key **out, size_t *n)
{
	const char *p[] = { domain_id };

	return pg_list(st, KEY_SELECT " WHERE u.domain_id = $1 "
	    "ORDER BY k.created_ms, k.ak", p, 1, sizeof(struct store_key),
	    key_row, out, n);
}

static int
key_enable_op(struct pg_conn *c, struct pg_op *op)
{
	struct key_arg *a = op->arg;

	return pg_change(c, "UPDATE access_keys SET enabled = $1 "
	    "WHERE ak = $2", "it", a->enabled ? 1 : 0, a->ak);
}

int
pg_store_key_set_enabled(struct pg_store *st, const char *ak, int enabled)
{
	struct key_arg a = { .ak = ak, .enabled = enabled };

	if (ak == NULL)
		return WJ_ERR_INVALID;
	return pg_write(st, key_enable_op, &a, NULL);
}

int
pg_store_key_get(struct pg_store *st, const char *ak, struct store_key *out)
{
	const char *p[] = { ak };

	return pg_one(st, KEY_SELECT " WHERE k.ak = $1", p, 1, key_row, out);
}

/* ---- AK lockout ------------------------------------------------------------ */

/* A gateway's write nobody waits for, with its own copy of the AK. */
struct key_async {
	struct pg_async	a;
	struct key_arg	arg;
	char		ak[WJ_ID_LEN + 1];
	int64_t	       *until;		/* may be NULL */
};

static void
key_finish(struct pg_async *a)
{
	struct key_async *k = (struct key_async *)(void *)a;

	if (a->op.result == 0 && k->until != NULL)
		*k->until = k->arg.until;
}

/* Queue fn for ak with a copy of *arg (its ak replaced by the copy). */
static int
key_queue(struct pg_store *st, pg_op_fn fn, const char *ak,
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
	pg_op_init(&k->a.op, fn, &k->arg, 0, NULL, NULL, NULL);
	return pg_submit_done(st, &k->a, key_finish, done, darg);
}

static int
key_lock_op(struct pg_conn *c, struct pg_op *op)
{
	struct key_arg *a = op->arg;

	/* A later lock wins; a key gone meanwhile is no error. */
	return pg_run(c, NULL, "UPDATE access_keys SET locked_until_ms = "
	    "greatest(locked_until_ms, $1) WHERE ak = $2", "It", a->ms, a->ak);
}

int
pg_store_key_lock_async(struct pg_store *st, const char *ak, int64_t until_ms,
    store_done_fn done, void *arg)
{
	struct key_arg a = { .ms = until_ms };

	if (until_ms < 0)
		return WJ_ERR_INVALID;
	return key_queue(st, key_lock_op, ak, &a, NULL, done, arg);
}

/*
 * One more failure unless locked; the threshold-th locks (and the count
 * starts again).  The UPDATE's row lock orders servers counting at once;
 * a key found locked (no row updated) tells its lock.
 */
static int
key_sig_failed_op(struct pg_conn *c, struct pg_op *op)
{
	struct key_arg *a = op->arg;
	PGresult *res = NULL;
	int r;

	a->until = 0;
	if ((r = pg_query(c, &res, "WITH u AS (UPDATE access_keys SET "
	    "locked_until_ms = CASE WHEN sig_failures + 1 >= $1 "
	    "  THEN greatest(locked_until_ms, $2) ELSE locked_until_ms END, "
	    "sig_failures = CASE WHEN sig_failures + 1 >= $1 THEN 0 "
	    "  ELSE sig_failures + 1 END "
	    "WHERE ak = $3 AND locked_until_ms <= $4 "
	    "RETURNING locked_until_ms) "
	    "SELECT locked_until_ms FROM u UNION ALL "
	    "SELECT locked_until_ms FROM access_keys WHERE ak = $3 AND "
	    "  NOT EXISTS (SELECT 1 FROM u)", "iItI", a->threshold,
	    a->ms + a->lock_ms, a->ak, a->ms)) != 0)
		return r;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		a->until = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		if (a->until <= a->ms)
			a->until = 0;
	}
	PQclear(res);
	return 0;
}

int
pg_store_key_sig_failed_async(struct pg_store *st, const char *ak,
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
	return key_queue(st, key_sig_failed_op, ak, &a, until_ms, done, arg);
}

static int
key_sig_ok_op(struct pg_conn *c, struct pg_op *op)
{
	struct key_arg *a = op->arg;

	return pg_run(c, NULL, "UPDATE access_keys SET sig_failures = 0 "
	    "WHERE ak = $1 AND sig_failures <> 0", "t", a->ak);
}

int
pg_store_key_sig_ok_async(struct pg_store *st, const char *ak,
    store_done_fn done, void *arg)
{
	struct key_arg a = { .ms = 0 };

	return key_queue(st, key_sig_ok_op, ak, &a, NULL, done, arg);
}

static int
key_unlock_op(struct pg_conn *c, struct pg_op *op)
{
	struct key_arg *a = op->arg;

	return pg_change(c, "UPDATE access_keys SET locked_until_ms = 0, "
	    "sig_failures = 0, unlocked_ms = $1 WHERE ak = $2", "It", a->ms,
	    a->ak);
}

int
pg_store_key_unlock(struct pg_store *st, const char *ak, int64_t now_ms)
{
	struct key_arg a = { .ak = ak, .ms = now_ms };

	if (ak == NULL || now_ms < 0)
		return WJ_ERR_INVALID;
	return pg_write(st, key_unlock_op, &a, NULL);
}

/* ---- re-sealing every secret (master key rotation) ------------------------ */

struct reseal_arg {
	store_reseal_fn fn;
	void	*arg;
	int64_t	 n;
};

/* Re-seal the secret of row i of res (ak, secret_sealed). */
static int
reseal_row(struct pg_conn *c, struct reseal_arg *ra, const PGresult *res,
    int i)
{
	uint8_t in[sizeof(((struct store_key *)NULL)->secret_sealed)];
	uint8_t out[sizeof(in)];
	struct pg_row row = { res, i };
	const char *ak = pg_text(&row, 0);
	size_t n = 0, m = 0;
	int r;

	if (ak == NULL)
		return WJ_ERR_INTERNAL;
	if ((r = pg_bytea(&row, 1, in, sizeof(in), &n)) == 0 &&
	    (r = ra->fn(ra->arg, ak, in, n, out, sizeof(out), &m)) == 0)
		r = pg_change(c, "UPDATE access_keys SET secret_sealed = $1 "
		    "WHERE ak = $2", "bt", out, m, ak);
	OPENSSL_cleanse(in, sizeof(in));
	OPENSSL_cleanse(out, sizeof(out));
	return r;
}

static int
reseal_op(struct pg_conn *c, struct pg_op *op)
{
	struct reseal_arg *ra = op->arg;
	PGresult *res = NULL;
	int i, r;

	ra->n = 0;
	/* Every row read (and locked) before any is rewritten. */
	if ((r = pg_query(c, &res, "SELECT ak, secret_sealed FROM access_keys "
	    "ORDER BY ak FOR UPDATE", "")) != 0)
		return r;
	for (i = 0; i < PQntuples(res); i++) {
		if ((r = reseal_row(c, ra, res, i)) != 0)
			break;
		ra->n++;
	}
	PQclear(res);
	return r;
}

int
pg_store_reseal_secrets(struct pg_store *st, store_reseal_fn fn, void *arg,
    int64_t *n)
{
	struct reseal_arg ra = { fn, arg, 0 };
	struct pg_op op;
	int r;

	*n = 0;
	if (fn == NULL)
		return WJ_ERR_INVALID;
	pg_op_init(&op, reseal_op, &ra, 1, NULL, "admin:master-key:rotate",
	    NULL);
	op.alone = 1;		/* every secret, in one transaction */
	r = pg_submit(st, &op);
	pg_op_clear(&op);
	if (r == 0)
		*n = ra.n;
	return r;
}
