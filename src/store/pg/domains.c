/*
 * domains.c - accounts (domains) and their projects on PostgreSQL, and
 * the bootstrap of the first account (wksjobs init): domain, root user,
 * project and access key in one transaction.  The same rows, checks and
 * answers as src/store/sqlite/domains.c.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

/* ---- rows ---------------------------------------------------------------- */

static int
domain_row(const struct pg_row *row, void *arg)
{
	struct store_domain *d = arg;

	memset(d, 0, sizeof(*d));
	return pg_cols(row, 0, PG_TO(d->id), PG_TO(d->name), PG_END);
}

static int
project_row(const struct pg_row *row, void *arg)
{
	struct store_project *p = arg;

	memset(p, 0, sizeof(*p));
	return pg_cols(row, 0, PG_TO(p->id), PG_TO(p->name),
	    PG_TO(p->domain_id), PG_END);
}

int
pg_domain_exists(struct pg_conn *c, const char *domain_id)
{
	return pg_found(c, "SELECT 1 FROM domains WHERE id = $1", domain_id);
}

int
pg_new_in_domain(struct pg_conn *c, const char *domain_id, const char *name,
    char id[WJ_ID_LEN + 1], char *name_dst, size_t name_size,
    char *domain_dst, size_t domain_size)
{
	int r;

	if ((r = pg_domain_exists(c, domain_id)) != 0 ||
	    (r = wj_id_new(id)) != 0 ||
	    (r = pg_copy(name_dst, name_size, name)) != 0)
		return r;
	return pg_copy(domain_dst, domain_size, domain_id);
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

	a->d = (struct store_domain){ 0 };
	a->u = (struct store_user){ .is_root = 1, .enabled = 1 };
	a->p = (struct store_project){ 0 };
	if ((r = wj_id_new(a->d.id)) != 0 || (r = wj_id_new(a->u.id)) != 0 ||
	    (r = wj_id_new(a->p.id)) != 0 ||
	    (r = pg_copy(a->d.name, sizeof(a->d.name), a->dname)) != 0 ||
	    (r = pg_copy(a->u.name, sizeof(a->u.name), a->uname)) != 0 ||
	    (r = pg_copy(a->u.domain_id, sizeof(a->u.domain_id),
	    a->d.id)) != 0 ||
	    (r = pg_copy(a->u.domain_name, sizeof(a->u.domain_name),
	    a->dname)) != 0 ||
	    (r = pg_copy(a->p.name, sizeof(a->p.name), a->pname)) != 0)
		return r;
	return pg_copy(a->p.domain_id, sizeof(a->p.domain_id), a->d.id);
}

static int
boot_op(struct pg_conn *c, struct pg_op *op)
{
	struct boot_arg *a = op->arg;
	int64_t now = wj_now_ms();
	int r, any;

	/* Two nodes initialising at once: the domains lock lets one win. */
	if ((r = pg_exec(c, "LOCK TABLE domains IN SHARE ROW EXCLUSIVE "
	    "MODE")) != 0 ||
	    (r = pg_exists(c, &any, "SELECT 1 FROM domains LIMIT 1", "")) != 0)
		return r;
	if (any)
		return WJ_ERR_EXISTS;
	if ((r = boot_ids(a)) != 0 ||
	    (r = pg_run(c, NULL, "INSERT INTO domains (id, name, created_ms) "
	    "VALUES ($1, $2, $3)", "ttI", a->d.id, a->d.name, now)) != 0 ||
	    (r = pg_run(c, NULL, "INSERT INTO users (id, domain_id, name, "
	    "is_root, enabled, created_ms) VALUES ($1, $2, $3, 1, 1, $4)",
	    "tttI", a->u.id, a->d.id, a->u.name, now)) != 0 ||
	    (r = pg_run(c, NULL, "INSERT INTO projects (id, domain_id, name, "
	    "created_ms) VALUES ($1, $2, $3, $4)", "tttI", a->p.id, a->d.id,
	    a->p.name, now)) != 0)
		return r;
	return pg_run(c, NULL, "INSERT INTO access_keys (ak, user_id, "
	    "secret_sealed, enabled, created_ms) VALUES ($1, $2, $3, 1, $4)",
	    "ttbI", a->ak, a->u.id, a->sk, a->sklen, now);
}

int
pg_store_bootstrap(struct pg_store *st, const char *dname, const char *uname,
    const char *pname, const char *ak, const uint8_t *sk_sealed,
    size_t sk_sealed_len, struct store_domain *d, struct store_user *u,
    struct store_project *p)
{
	struct boot_arg a;
	int r;

	if (!pg_name_ok(dname) || !pg_name_ok(uname) || !pg_name_ok(pname) ||
	    !pg_ak_ok(ak, sk_sealed, sk_sealed_len))
		return WJ_ERR_INVALID;
	a = (struct boot_arg){ .dname = dname, .uname = uname, .pname = pname,
	    .ak = ak, .sk = sk_sealed, .sklen = sk_sealed_len };
	if ((r = pg_write(st, boot_op, &a, NULL)) == 0) {
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
domain_create_op(struct pg_conn *c, struct pg_op *op)
{
	struct domain_arg *a = op->arg;
	int64_t now = wj_now_ms();
	int r;

	a->d = (struct store_domain){ 0 };
	if ((r = wj_id_new(a->d.id)) != 0 ||
	    (r = pg_copy(a->d.name, sizeof(a->d.name), a->name)) != 0)
		return r;
	a->u = (struct store_user){ .is_root = 1, .enabled = 1 };
	if ((r = wj_id_new(a->u.id)) != 0 ||
	    (r = pg_copy(a->u.name, sizeof(a->u.name), a->name)) != 0 ||
	    (r = pg_copy(a->u.domain_name, sizeof(a->u.domain_name),
	    a->name)) != 0 ||
	    (r = pg_copy(a->u.domain_id, sizeof(a->u.domain_id),
	    a->d.id)) != 0)
		return r;
	/* name is UNIQUE: WJ_ERR_EXISTS for a taken name. */
	if ((r = pg_run(c, NULL, "INSERT INTO domains (id, name, created_ms) "
	    "VALUES ($1, $2, $3)", "ttI", a->d.id, a->name, now)) != 0)
		return r;
	pg_res(op, a->d.id, NULL);
	return pg_run(c, NULL, "INSERT INTO users (id, domain_id, name, "
	    "is_root, enabled, password_hash, created_ms) "
	    "VALUES ($1, $2, $3, 1, 1, $4, $5)", "ttttI", a->u.id, a->d.id,
	    a->name, a->hash, now);
}

int
pg_store_domain_create(struct pg_store *st, const char *name,
    const char *password_hash, struct store_domain *d,
    struct store_user *root)
{
	struct domain_arg a;
	int r;

	if (!pg_name_ok(name) || !pg_hash_ok(password_hash))
		return WJ_ERR_INVALID;
	a = (struct domain_arg){ .name = name, .hash = password_hash };
	if ((r = pg_write(st, domain_create_op, &a, "iam:domains:create")) != 0)
		return r;
	if (d != NULL)
		*d = a.d;
	if (root != NULL)
		*root = a.u;
	return 0;
}

int
pg_store_domain_first(struct pg_store *st, struct store_domain *out)
{
	return pg_one(st, "SELECT id, name FROM domains "
	    "ORDER BY created_ms, id LIMIT 1", NULL, 0, domain_row, out);
}

int
pg_store_domain_by_name(struct pg_store *st, const char *name,
    struct store_domain *out)
{
	const char *p[] = { name };

	return pg_one(st, "SELECT id, name FROM domains WHERE name = $1", p, 1,
	    domain_row, out);
}

int
pg_store_domain_get(struct pg_store *st, const char *id,
    struct store_domain *out)
{
	const char *p[] = { id };

	return pg_one(st, "SELECT id, name FROM domains WHERE id = $1", p, 1,
	    domain_row, out);
}

int
pg_store_domain_list(struct pg_store *st, struct store_domain **out,
    size_t *n)
{
	return pg_list(st, "SELECT id, name FROM domains "
	    "ORDER BY created_ms, id", NULL, 0,
	    sizeof(struct store_domain), domain_row, out, n);
}

struct project_arg {
	const char *domain_id;
	const char *name;
	struct store_project p;
};

static int
project_create_op(struct pg_conn *c, struct pg_op *op)
{
	struct project_arg *a = op->arg;
	int r;

	a->p = (struct store_project){ 0 };
	if ((r = pg_new_in_domain(c, a->domain_id, a->name, a->p.id,
	    PG_TO(a->p.name), PG_TO(a->p.domain_id))) != 0)
		return r;
	/* UNIQUE (domain_id, name): WJ_ERR_EXISTS for a taken name. */
	return pg_run(c, NULL, "INSERT INTO projects (id, domain_id, name, "
	    "created_ms) VALUES ($1, $2, $3, $4)", "tttI", a->p.id,
	    a->domain_id, a->name, (int64_t)wj_now_ms());
}

int
pg_store_project_create(struct pg_store *st, const char *domain_id,
    const char *name, struct store_project *out)
{
	struct project_arg a;
	int r;

	if (domain_id == NULL || !pg_name_ok(name))
		return WJ_ERR_INVALID;
	a = (struct project_arg){ .domain_id = domain_id, .name = name };
	if ((r = pg_write(st, project_create_op, &a, NULL)) == 0 &&
	    out != NULL)
		*out = a.p;
	return r;
}

int
pg_store_project_list(struct pg_store *st, const char *domain_id,
    struct store_project **out, size_t *n)
{
	const char *p[] = { domain_id };

	return pg_list(st, "SELECT id, name, domain_id FROM "
	    "projects WHERE domain_id = $1 ORDER BY name", p, 1,
	    sizeof(struct store_project), project_row, out, n);
}

int
pg_store_project_get(struct pg_store *st, const char *id,
    struct store_project *out)
{
	const char *p[] = { id };

	return pg_one(st, "SELECT id, name, domain_id FROM projects "
	    "WHERE id = $1", p, 1, project_row, out);
}

int
pg_store_project_by_name(struct pg_store *st, const char *domain_id,
    const char *name, struct store_project *out)
{
	const char *p[] = { domain_id, name };

	return pg_one(st, "SELECT id, name, domain_id FROM projects "
	    "WHERE domain_id = $1 AND name = $2", p, 2, project_row, out);
}
