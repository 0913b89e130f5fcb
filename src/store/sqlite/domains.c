/*
 * domains.c - accounts (domains) and their projects on SQLite, and the
 * bootstrap of the first account (wksjobs init): domain, root user,
 * project and access key in one transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

/* ---- rows ---------------------------------------------------------------- */

static int
domain_row(sqlite3_stmt *st, void *arg)
{
	struct store_domain *d = arg;

	memset(d, 0, sizeof(*d));
	return sq_cols(st, 0, SQ_TO(d->id), SQ_TO(d->name), SQ_END);
}

static int
project_row(sqlite3_stmt *st, void *arg)
{
	struct store_project *p = arg;

	memset(p, 0, sizeof(*p));
	return sq_cols(st, 0, SQ_TO(p->id), SQ_TO(p->name),
	    SQ_TO(p->domain_id), SQ_END);
}

int
sq_domain_exists(struct sq_conn *c, const char *domain_id)
{
	return sq_found(c, "SELECT 1 FROM domains WHERE id = ?", domain_id);
}

int
sq_new_in_domain(struct sq_conn *c, const char *domain_id, const char *name,
    char id[WJ_ID_LEN + 1], char *name_dst, size_t name_size,
    char *domain_dst, size_t domain_size)
{
	int r;

	if ((r = sq_domain_exists(c, domain_id)) != 0 ||
	    (r = wj_id_new(id)) != 0 ||
	    (r = sq_copy(name_dst, name_size, name)) != 0)
		return r;
	return sq_copy(domain_dst, domain_size, domain_id);
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
sq_store_bootstrap(struct sq_store *st, const char *dname, const char *uname,
    const char *pname, const char *ak, const uint8_t *sk_sealed,
    size_t sk_sealed_len, struct store_domain *d, struct store_user *u,
    struct store_project *p)
{
	struct boot_arg a;
	int r;

	if (!sq_name_ok(dname) || !sq_name_ok(uname) || !sq_name_ok(pname) ||
	    !sq_ak_ok(ak, sk_sealed, sk_sealed_len))
		return WJ_ERR_INVALID;
	a = (struct boot_arg){ .dname = dname, .uname = uname, .pname = pname,
	    .ak = ak, .sk = sk_sealed, .sklen = sk_sealed_len };
	if ((r = sq_write(st, boot_op, &a, NULL)) == 0) {
		if (d != NULL)
			*d = a.d;
		if (u != NULL)
			*u = a.u;
		if (p != NULL)
			*p = a.p;
	}
	return r;
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
	sq_res(op, a->d.id, NULL);
	return sq_run(c, NULL, "INSERT INTO users (id, domain_id, name, "
	    "is_root, enabled, password_hash, created_ms) "
	    "VALUES (?, ?, ?, 1, 1, ?, ?)", "ttttI", a->u.id, a->d.id,
	    a->name, a->hash, now);
}

int
sq_store_domain_create(struct sq_store *st, const char *name,
    const char *password_hash, struct store_domain *d,
    struct store_user *root)
{
	struct domain_arg a;
	int r;

	if (!sq_name_ok(name) || !sq_hash_ok(password_hash))
		return WJ_ERR_INVALID;
	a = (struct domain_arg){ .name = name, .hash = password_hash };
	if ((r = sq_write(st, domain_create_op, &a, "iam:domains:create")) != 0)
		return r;
	if (d != NULL)
		*d = a.d;
	if (root != NULL)
		*root = a.u;
	return 0;
}

int
sq_store_domain_first(struct sq_store *st, struct store_domain *out)
{
	return sq_one(st, "SELECT id, name FROM domains "
	    "ORDER BY created_ms, id LIMIT 1", NULL, 0, domain_row, out);
}

int
sq_store_domain_by_name(struct sq_store *st, const char *name,
    struct store_domain *out)
{
	const char *p[] = { name };

	return sq_one(st, "SELECT id, name FROM domains WHERE name = ?", p, 1,
	    domain_row, out);
}

int
sq_store_domain_get(struct sq_store *st, const char *id, struct store_domain *out)
{
	const char *p[] = { id };

	return sq_one(st, "SELECT id, name FROM domains WHERE id = ?", p, 1,
	    domain_row, out);
}

int
sq_store_domain_list(struct sq_store *st, struct store_domain **out, size_t *n)
{
	return sq_list(st, "SELECT id, name FROM domains "
	    "ORDER BY created_ms, id", NULL, 0,
	    sizeof(struct store_domain), domain_row, out, n);
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
	int r;

	if ((r = sq_new_in_domain(c, a->domain_id, a->name, a->p.id,
	    SQ_TO(a->p.name), SQ_TO(a->p.domain_id))) != 0)
		return r;
	/* UNIQUE (domain_id, name): WJ_ERR_EXISTS for a taken name. */
	return sq_run(c, NULL, "INSERT INTO projects (id, domain_id, name, "
	    "created_ms) VALUES (?, ?, ?, ?)", "tttI", a->p.id, a->domain_id,
	    a->name, (int64_t)wj_now_ms());
}

int
sq_store_project_create(struct sq_store *st, const char *domain_id,
    const char *name, struct store_project *out)
{
	struct project_arg a;
	int r;

	if (domain_id == NULL || !sq_name_ok(name))
		return WJ_ERR_INVALID;
	a = (struct project_arg){ .domain_id = domain_id, .name = name };
	if ((r = sq_write(st, project_create_op, &a, NULL)) == 0 &&
	    out != NULL)
		*out = a.p;
	return r;
}

int
sq_store_project_list(struct sq_store *st, const char *domain_id,
    struct store_project **out, size_t *n)
{
	const char *p[] = { domain_id };

	return sq_list(st, "SELECT id, name, domain_id FROM "
	    "projects WHERE domain_id = ? ORDER BY name", p, 1,
	    sizeof(struct store_project), project_row, out, n);
}

int
sq_store_project_get(struct sq_store *st, const char *id, struct store_project *out)
{
	const char *p[] = { id };

	return sq_one(st, "SELECT id, name, domain_id FROM projects "
	    "WHERE id = ?", p, 1, project_row, out);
}

int
sq_store_project_by_name(struct sq_store *st, const char *domain_id,
    const char *name, struct store_project *out)
{
	const char *p[] = { domain_id, name };

	return sq_one(st, "SELECT id, name, domain_id FROM projects "
	    "WHERE domain_id = ? AND name = ?", p, 2, project_row, out);
}
