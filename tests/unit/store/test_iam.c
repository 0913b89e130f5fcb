/*
 * test_iam.c - the IAM part of the store (src/store/sqlite/domains.c,
 * users.c, groups.c, policies.c) on a real temp database: accounts,
 * users and their login state, revocation stamps, groups, policies,
 * attachments across accounts, the policies that apply in a project,
 * the project of a sub-job seen from an account, re-sealing every
 * secret at once and the online backup.  Decisions over
 * these rows are tested in tests/unit/auth/test_authz.c.  All but the
 * backup run on PostgreSQL too (test_pg_iam.c includes this file with
 * TEST_IAM_SHARED defined and gives them its own setup).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "auth/authz.h"
#include "store_fixture.h"

#define HASH "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"

struct fx {
	struct store_fx		 s;	/* its root user is "admin" */
	struct store_project	 p2;
	struct store_user	 alice;
};

#ifndef TEST_IAM_SHARED	/* test_pg_iam.c: its own setup and main */
static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || store_fx_open(&f->s, NULL, "admin", "AKROOT") != 0 ||
	    store_project_create(f->s.st, f->s.d.id, "second", &f->p2) != 0 ||
	    store_user_create(f->s.st, f->s.d.id, "alice", HASH,
	    &f->alice) != 0 ||
	    authz_sync_system_policies(f->s.st) != 0)
		return -1;
	*state = f;
	return 0;
}
#endif

static int64_t
valid_after(struct fx *f, const char *user_id)
{
	struct store_user_auth u;

	assert_int_equal(store_user_auth_get(f->s.st, user_id, &u), 0);
	return u.tokens_valid_after_ms;
}

/* Wait for the clock to move, so a new revocation stamp is visible. */
static void
tick(void)
{
	usleep(3000);
}

/* ---- accounts and users -------------------------------------------------- */

static void
test_domains(void **state)
{
	struct fx *f = *state;
	struct store_domain d, got, *all = NULL;
	struct store_user root;
	struct store_user_auth ua;
	size_t n;

	assert_int_equal(store_domain_create(f->s.st, "other", HASH, &d, &root),
	    0);
	assert_true(root.is_root);
	assert_string_equal(root.name, "other");
	assert_int_equal(store_domain_create(f->s.st, "other", NULL, NULL, NULL),
	    WJ_ERR_EXISTS);
	assert_int_equal(store_domain_create(f->s.st, "", NULL, NULL, NULL),
	    WJ_ERR_INVALID);
	assert_int_equal(store_domain_by_name(f->s.st, "other", &got), 0);
	assert_string_equal(got.id, d.id);
	assert_int_equal(store_domain_get(f->s.st, d.id, &got), 0);
	assert_int_equal(store_domain_by_name(f->s.st, "nope", &got),
	    WJ_ERR_NOT_FOUND);
	assert_int_equal(store_domain_list(f->s.st, &all, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(all[0].name, "admin");
	free(all);
	assert_int_equal(store_user_auth_by_name(f->s.st, d.id, "other", &ua),
	    0);
	assert_string_equal(ua.password_hash, HASH);
	assert_true(ua.user.is_root);
	/* Same user name in two accounts is fine. */
	assert_int_equal(store_user_create(f->s.st, d.id, "alice", NULL, NULL),
	    0);
	assert_int_equal(store_user_create(f->s.st, f->s.d.id, "alice", NULL,
	    NULL), WJ_ERR_EXISTS);
}

static void
test_users(void **state)
{
	struct fx *f = *state;
	struct store_user_auth ua;
	struct store_user *all = NULL;
	struct store_project p;
	int64_t before;
	size_t n;

	assert_int_equal(store_user_auth_by_name(f->s.st, f->s.d.id, "alice", &ua),
	    0);
	assert_string_equal(ua.user.id, f->alice.id);
	assert_string_equal(ua.user.domain_name, "admin");
	assert_false(ua.user.is_root);
	assert_true(ua.user.enabled);
	assert_int_equal(ua.failed_logins, 0);
	assert_int_equal(ua.locked_until_ms, 0);
	assert_int_equal(store_user_list(f->s.st, f->s.d.id, &all, &n), 0);
	assert_int_equal(n, 2);
	free(all);
	/* Disabling revokes tokens; enabling does not move the stamp. */
	before = valid_after(f, f->alice.id);
	tick();
	assert_int_equal(store_user_set_enabled(f->s.st, f->alice.id, 0), 0);
	assert_true(valid_after(f, f->alice.id) > before);
	assert_int_equal(store_user_auth_get(f->s.st, f->alice.id, &ua), 0);
	assert_false(ua.user.enabled);
	before = valid_after(f, f->alice.id);
	tick();
	assert_int_equal(store_user_set_enabled(f->s.st, f->alice.id, 1), 0);
	assert_int_equal(valid_after(f, f->alice.id), before);
	/* The root user is never disabled. */
	assert_int_equal(store_user_set_enabled(f->s.st, f->s.u.id, 0),
	    WJ_ERR_INVALID);
	assert_int_equal(store_user_set_enabled(f->s.st, "nobody", 0),
	    WJ_ERR_NOT_FOUND);
	/* Projects by name. */
	assert_int_equal(store_project_by_name(f->s.st, f->s.d.id, "second", &p),
	    0);
	assert_string_equal(p.id, f->p2.id);
	assert_int_equal(store_project_by_name(f->s.st, f->s.d.id, "x", &p),
	    WJ_ERR_NOT_FOUND);
}

static void
test_login_state(void **state)
{
	struct fx *f = *state;
	struct store_user_auth ua;
	int64_t before;
	int i, locked;

	for (i = 1; i <= 4; i++) {
		assert_int_equal(store_user_login_failed(f->s.st, f->alice.id,
		    1000, 5, 900000, &locked), 0);
		assert_false(locked);
		assert_int_equal(store_user_auth_get(f->s.st, f->alice.id, &ua),
		    0);
		assert_int_equal(ua.failed_logins, i);
	}
	/* A success in between starts the count again. */
	assert_int_equal(store_user_login_ok(f->s.st, f->alice.id), 0);
	assert_int_equal(store_user_auth_get(f->s.st, f->alice.id, &ua), 0);
	assert_int_equal(ua.failed_logins, 0);
	for (i = 1; i <= 5; i++)
		assert_int_equal(store_user_login_failed(f->s.st, f->alice.id,
		    2000, 5, 900000, &locked), 0);
	assert_true(locked);
	assert_int_equal(store_user_auth_get(f->s.st, f->alice.id, &ua), 0);
	assert_int_equal(ua.locked_until_ms, 2000 + 900000);
	assert_int_equal(ua.failed_logins, 0);
	/* A new password unlocks, and revokes tokens. */
	before = valid_after(f, f->alice.id);
	tick();
	assert_int_equal(store_user_set_password(f->s.st, f->alice.id,
	    "$argon2id$new"), 0);
	assert_int_equal(store_user_auth_get(f->s.st, f->alice.id, &ua), 0);
	assert_int_equal(ua.locked_until_ms, 0);
	assert_string_equal(ua.password_hash, "$argon2id$new");
	assert_true(ua.tokens_valid_after_ms > before);
	assert_int_equal(store_user_login_failed(f->s.st, "nobody", 1, 5, 1,
	    NULL), WJ_ERR_NOT_FOUND);
	assert_int_equal(store_user_login_failed(f->s.st, f->alice.id, 1, 0, 1,
	    NULL), WJ_ERR_INVALID);
	assert_int_equal(store_user_set_password(f->s.st, f->alice.id, NULL),
	    WJ_ERR_INVALID);
}

/* An operator lifts a password lockout, and a signature lockout of an AK
 * (kept in the key row; a later lock wins; unlocked_ms says when). */
static void
test_unlock(void **state)
{
	struct fx *f = *state;
	struct store_user_auth ua;
	struct store_key k;
	int i, locked;

	for (i = 1; i <= 5; i++)
		assert_int_equal(store_user_login_failed(f->s.st, f->alice.id,
		    2000, 5, 900000, &locked), 0);
	assert_true(locked);
	assert_int_equal(store_user_login_failed(f->s.st, f->alice.id, 3000,
	    5, 900000, &locked), 0);
	assert_int_equal(store_user_unlock(f->s.st, f->alice.id), 0);
	assert_int_equal(store_user_auth_get(f->s.st, f->alice.id, &ua), 0);
	assert_int_equal(ua.locked_until_ms, 0);
	assert_int_equal(ua.failed_logins, 0);
	assert_int_equal(store_user_unlock(f->s.st,
	    "0123456789abcdef0123456789abcdef"), WJ_ERR_NOT_FOUND);
	assert_int_equal(store_user_unlock(f->s.st, NULL), WJ_ERR_INVALID);

	assert_int_equal(store_key_get(f->s.st, "AKROOT", &k), 0);
	assert_int_equal(k.locked_until_ms, 0);
	assert_int_equal(k.unlocked_ms, 0);
	assert_int_equal(store_key_lock(f->s.st, "AKROOT", 5000), 0);
	assert_int_equal(store_key_lock(f->s.st, "AKROOT", 4000), 0);
	assert_int_equal(store_key_get(f->s.st, "AKROOT", &k), 0);
	assert_int_equal(k.locked_until_ms, 5000);
	/* listed with the lock */
	{
		struct store_key *keys = NULL;
		size_t n = 0;

		assert_int_equal(store_key_list(f->s.st, f->s.d.id, &keys, &n),
		    0);
		assert_int_equal(n, 1);
		assert_int_equal(keys[0].locked_until_ms, 5000);
		free(keys);
	}
	assert_int_equal(store_key_unlock(f->s.st, "AKROOT", 4500), 0);
	assert_int_equal(store_key_get(f->s.st, "AKROOT", &k), 0);
	assert_int_equal(k.locked_until_ms, 0);
	assert_int_equal(k.unlocked_ms, 4500);
	/* unknown keys: the gateway's lock is a no-op, an unlock an error */
	assert_int_equal(store_key_lock(f->s.st, "NOSUCH", 5000), 0);
	assert_int_equal(store_key_unlock(f->s.st, "NOSUCH", 1),
	    WJ_ERR_NOT_FOUND);
	assert_int_equal(store_key_lock(f->s.st, NULL, 1), WJ_ERR_INVALID);
}

/*
 * Bad signatures counted in the key row: the threshold-th locks (a count
 * that starts again), nothing is counted while locked, a good signature
 * and an unlock clear the count, an unknown AK is no error.
 */
static void
test_sig_failures(void **state)
{
	struct fx *f = *state;
	struct store_key k;
	int64_t until;
	int i;

	for (i = 1; i <= 4; i++) {
		assert_int_equal(store_key_sig_failed(f->s.st, "AKROOT", 1000,
		    5, 60000, &until), 0);
		assert_int_equal(until, 0);
		assert_int_equal(store_key_get(f->s.st, "AKROOT", &k), 0);
		assert_int_equal(k.sig_failures, i);
	}
	assert_int_equal(store_key_sig_ok(f->s.st, "AKROOT"), 0);
	assert_int_equal(store_key_get(f->s.st, "AKROOT", &k), 0);
	assert_int_equal(k.sig_failures, 0);
	for (i = 1; i <= 5; i++)
		assert_int_equal(store_key_sig_failed(f->s.st, "AKROOT", 2000,
		    5, 60000, &until), 0);
	assert_int_equal(until, 62000);
	assert_int_equal(store_key_get(f->s.st, "AKROOT", &k), 0);
	assert_int_equal(k.locked_until_ms, 62000);
	assert_int_equal(k.sig_failures, 0);
	/* Locked: not counted, and the lock in force is told. */
	assert_int_equal(store_key_sig_failed(f->s.st, "AKROOT", 3000, 5,
	    60000, &until), 0);
	assert_int_equal(until, 62000);
	assert_int_equal(store_key_get(f->s.st, "AKROOT", &k), 0);
	assert_int_equal(k.sig_failures, 0);
	/* After the lock: counted again; an unlock forgets the count. */
	assert_int_equal(store_key_sig_failed(f->s.st, "AKROOT", 70000, 5,
	    60000, &until), 0);
	assert_int_equal(until, 0);
	assert_int_equal(store_key_unlock(f->s.st, "AKROOT", 70001), 0);
	assert_int_equal(store_key_get(f->s.st, "AKROOT", &k), 0);
	assert_int_equal(k.sig_failures, 0);
	assert_int_equal(k.locked_until_ms, 0);
	/* A threshold of 1 locks at once; a later lock is kept. */
	assert_int_equal(store_key_lock(f->s.st, "AKROOT", 900000), 0);
	assert_int_equal(store_key_sig_failed(f->s.st, "AKROOT", 900001, 1,
	    10, &until), 0);
	assert_int_equal(until, 900011);
	assert_int_equal(store_key_sig_failed(f->s.st, "NOSUCH", 1, 5, 1,
	    &until), 0);
	assert_int_equal(until, 0);
	assert_int_equal(store_key_sig_ok(f->s.st, "NOSUCH"), 0);
	assert_int_equal(store_key_sig_failed(f->s.st, NULL, 1, 5, 1, NULL),
	    WJ_ERR_INVALID);
	assert_int_equal(store_key_sig_failed(f->s.st, "AKROOT", 1, 0, 1,
	    NULL), WJ_ERR_INVALID);
	assert_int_equal(store_key_sig_ok(f->s.st, ""), WJ_ERR_INVALID);
}

/* ---- groups and policies ------------------------------------------------- */

static void
test_groups(void **state)
{
	struct fx *f = *state;
	struct store_group g, got, *all = NULL;
	struct store_domain d2;
	struct store_user stranger;
	int64_t before;
	size_t n;

	assert_int_equal(store_group_create(f->s.st, f->s.d.id, "ops", &g), 0);
	assert_int_equal(store_group_create(f->s.st, f->s.d.id, "ops", NULL),
	    WJ_ERR_EXISTS);
	assert_int_equal(store_group_by_name(f->s.st, f->s.d.id, "ops", &got), 0);
	assert_string_equal(got.id, g.id);
	assert_int_equal(store_group_list(f->s.st, f->s.d.id, &all, &n), 0);
	assert_int_equal(n, 1);
	free(all);
	before = valid_after(f, f->alice.id);
	tick();
	assert_int_equal(store_group_add_user(f->s.st, g.id, f->alice.id), 0);
	assert_true(valid_after(f, f->alice.id) > before);
	/* Twice is fine; removing twice is not. */
	assert_int_equal(store_group_add_user(f->s.st, g.id, f->alice.id), 0);
	assert_int_equal(store_group_remove_user(f->s.st, g.id, f->alice.id), 0);
	assert_int_equal(store_group_remove_user(f->s.st, g.id, f->alice.id),
	    WJ_ERR_NOT_FOUND);
	/* A user of another account cannot join. */
	assert_int_equal(store_domain_create(f->s.st, "far", NULL, &d2,
	    &stranger), 0);
	assert_int_equal(store_group_add_user(f->s.st, g.id, stranger.id),
	    WJ_ERR_INVALID);
}

static void
test_policies(void **state)
{
	struct fx *f = *state;
	struct store_policy p, *all = NULL;
	struct store_domain d2;
	size_t n;

	assert_int_equal(store_policy_create(f->s.st, f->s.d.id, "mine",
	    "{\"Version\":\"5.0\"}", &p), 0);
	assert_false(p.is_system);
	assert_int_equal(store_policy_create(f->s.st, f->s.d.id, "mine", "{}",
	    NULL), WJ_ERR_EXISTS);
	/* Custom policies cannot shadow system ones. */
	assert_int_equal(store_policy_create(f->s.st, f->s.d.id,
	    POLICY_SYS_FULL_ACCESS, "{}", NULL), WJ_ERR_EXISTS);
	assert_int_equal(store_policy_by_name(f->s.st, f->s.d.id,
	    POLICY_SYS_READ_ONLY, &p), 0);
	assert_true(p.is_system);
	assert_string_equal(p.domain_id, "");
	assert_int_equal(store_policy_by_name(f->s.st, f->s.d.id, "mine", &p), 0);
	assert_string_equal(p.document, "{\"Version\":\"5.0\"}");
	/* Another account does not see it, but sees the system ones. */
	assert_int_equal(store_domain_create(f->s.st, "far", NULL, &d2, NULL),
	    0);
	assert_int_equal(store_policy_by_name(f->s.st, d2.id, "mine", &p),
	    WJ_ERR_NOT_FOUND);
	assert_int_equal(store_policy_create(f->s.st, d2.id, "mine", "{}",
	    NULL), 0);
	assert_int_equal(store_policy_list(f->s.st, f->s.d.id, &all, &n), 0);
	assert_int_equal(n, 3);
	assert_true(all[0].is_system && all[1].is_system);
	assert_string_equal(all[2].name, "mine");
	free(all);
	/* Refreshing a system policy keeps one row. */
	assert_int_equal(authz_sync_system_policies(f->s.st), 0);
	assert_int_equal(store_policy_list(f->s.st, f->s.d.id, &all, &n), 0);
	assert_int_equal(n, 3);
	free(all);
	assert_int_equal(store_policy_create(f->s.st, f->s.d.id, "big", "x",
	    NULL), WJ_ERR_INVALID);
}

struct seen {
	char	name[8][STORE_NAME_MAX + 1];
	char	project[8][WJ_ID_LEN + 1];
	size_t	n;
};

static int
collect(void *arg, const struct store_policy_ref *ref)
{
	struct seen *s = arg;

	if (s->n < 8) {
		strcpy(s->name[s->n], ref->name);
		strcpy(s->project[s->n], ref->project_id);
		s->n++;
	}
	return 0;
}

static void
test_attachments(void **state)
{
	struct fx *f = *state;
	struct store_attachment *t = NULL;
	struct store_policy full, ro;
	struct store_group g;
	struct store_domain d2;
	struct store_project fp;
	struct seen s;
	int64_t before;
	size_t n;

	assert_int_equal(store_policy_by_name(f->s.st, f->s.d.id,
	    POLICY_SYS_FULL_ACCESS, &full), 0);
	assert_int_equal(store_policy_by_name(f->s.st, f->s.d.id,
	    POLICY_SYS_READ_ONLY, &ro), 0);
	assert_int_equal(store_group_create(f->s.st, f->s.d.id, "ops", &g), 0);
	assert_int_equal(store_group_add_user(f->s.st, g.id, f->alice.id), 0);
	before = valid_after(f, f->alice.id);
	tick();
	/* Through the group, whole account; directly, one project. */
	assert_int_equal(store_policy_attach(f->s.st, f->s.d.id, ro.id,
	    STORE_PRINCIPAL_GROUP, g.id, ""), 0);
	assert_true(valid_after(f, f->alice.id) > before);
	assert_int_equal(store_policy_attach(f->s.st, f->s.d.id, full.id,
	    STORE_PRINCIPAL_USER, f->alice.id, f->p2.id), 0);
	assert_int_equal(store_policy_attach(f->s.st, f->s.d.id, full.id,
	    STORE_PRINCIPAL_USER, f->alice.id, f->p2.id), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_user_policies(f->s.st, f->alice.id, "", collect,
	    &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.name[0], POLICY_SYS_READ_ONLY);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_user_policies(f->s.st, f->alice.id, f->s.p.id,
	    collect, &s), 0);
	assert_int_equal(s.n, 1);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_user_policies(f->s.st, f->alice.id, f->p2.id,
	    collect, &s), 0);
	assert_int_equal(s.n, 2);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_user_policies(f->s.st, f->alice.id, NULL,
	    collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.project[1], f->p2.id);
	assert_int_equal(store_attachment_list(f->s.st, f->s.d.id, &t, &n), 0);
	assert_int_equal(n, 2);
	free(t);
	/* Across accounts: refused, nothing attached. */
	assert_int_equal(store_domain_create(f->s.st, "far", NULL, &d2, NULL),
	    0);
	assert_int_equal(store_project_create(f->s.st, d2.id, "theirs", &fp),
	    0);
	assert_int_equal(store_policy_attach(f->s.st, f->s.d.id, full.id,
	    STORE_PRINCIPAL_USER, f->alice.id, fp.id), WJ_ERR_INVALID);
	assert_int_equal(store_policy_attach(f->s.st, d2.id, full.id,
	    STORE_PRINCIPAL_USER, f->alice.id, ""), WJ_ERR_INVALID);
	assert_int_equal(store_policy_attach(f->s.st, f->s.d.id, full.id, 7,
	    f->alice.id, ""), WJ_ERR_INVALID);
	/* Detach. */
	assert_int_equal(store_policy_detach(f->s.st, f->s.d.id, full.id,
	    STORE_PRINCIPAL_USER, f->alice.id, f->p2.id), 0);
	assert_int_equal(store_policy_detach(f->s.st, f->s.d.id, full.id,
	    STORE_PRINCIPAL_USER, f->alice.id, f->p2.id), WJ_ERR_NOT_FOUND);
}

/* ---- jobs by account ---------------------------------------------------- */

static void
test_sub_job_project(void **state)
{
	struct fx *f = *state;
	struct store_sub_job_in sub = { 0 };
	struct store_job_in in = { 0 };
	struct store_domain d2;
	char project[WJ_ID_LEN + 1], *body = NULL, *q;
	char sid[WJ_ID_LEN + 1];

	in.project_id = f->p2.id;
	in.job_type = "createDesktops";
	in.subs = &sub;
	in.n = 1;
	assert_int_equal(store_job_create(f->s.st, NULL, &in, &body), 0);
	assert_non_null(q = strstr(body, "\"sub_job_ids\":[\""));
	memcpy(sid, q + strlen("\"sub_job_ids\":[\""), WJ_ID_LEN);
	sid[WJ_ID_LEN] = '\0';
	free(body);
	assert_int_equal(store_sub_job_project(f->s.st, f->s.d.id, sid, project),
	    0);
	assert_string_equal(project, f->p2.id);
	assert_int_equal(store_domain_create(f->s.st, "far", NULL, &d2, NULL),
	    0);
	assert_int_equal(store_sub_job_project(f->s.st, d2.id, sid, project),
	    WJ_ERR_NOT_FOUND);
	assert_string_equal(project, "");
	assert_int_equal(store_sub_job_project(f->s.st, f->s.d.id, "nope",
	    project), WJ_ERR_NOT_FOUND);
}

/* A store_reseal_fn: the first byte becomes 9; fails on AKROOT when
 * *arg is set. */
static int
mark(void *arg, const char *ak, const uint8_t *in, size_t inlen,
    uint8_t *out, size_t cap, size_t *outlen)
{
	if (*(int *)arg && strcmp(ak, "AKROOT") == 0)
		return WJ_ERR_CRYPTO;
	if (inlen < 1 || inlen > cap)
		return WJ_ERR_INVALID;
	memcpy(out, in, inlen);
	out[0] = 9;
	*outlen = inlen;
	return 0;
}

static int
first_byte(struct fx *f, const char *ak)
{
	struct store_key k;

	assert_int_equal(store_key_get(f->s.st, ak, &k), 0);
	return k.secret_sealed[0];
}

static void
test_reseal_all_or_nothing(void **state)
{
	struct fx *f = *state;
	const uint8_t sealed[] = { 1, 2, 3, 4 };
	int64_t n = -1;
	int fail = 1;

	assert_int_equal(store_key_create(f->s.st, f->alice.id, "AKALICE",
	    sealed, sizeof(sealed)), 0);
	/* AKALICE is re-sealed first, then AKROOT fails: neither changes. */
	assert_int_equal(store_reseal_secrets(f->s.st, mark, &fail, &n),
	    WJ_ERR_CRYPTO);
	assert_int_equal(n, 0);
	assert_int_equal(first_byte(f, "AKALICE"), 1);
	assert_int_not_equal(first_byte(f, "AKROOT"), 9);
	fail = 0;
	assert_int_equal(store_reseal_secrets(f->s.st, mark, &fail, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(first_byte(f, "AKALICE"), 9);
	assert_int_equal(first_byte(f, "AKROOT"), 9);
}

#ifndef TEST_IAM_SHARED
static void
test_backup(void **state)
{
	struct fx *f = *state;
	char path[400];
	sqlite3 *db;
	sqlite3_stmt *st;

	snprintf(path, sizeof(path), "%s/backup.db", f->s.dir);
	assert_int_equal(store_fx_job(f->s.st, f->s.p.id), 0);
	assert_int_equal(store_backup(f->s.st, path), 0);
	assert_int_equal(store_backup(f->s.st, path), WJ_ERR_EXISTS);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM "
	    "sub_jobs) * 10 + (SELECT count(*) FROM users)", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 12);	/* 1 job; 2 users */
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(unlink(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) \
	cmocka_unit_test_setup_teardown(name, setup, store_fx_teardown)
		T(test_domains),
		T(test_users),
		T(test_login_state),
		T(test_unlock),
		T(test_sig_failures),
		T(test_groups),
		T(test_policies),
		T(test_attachments),
		T(test_sub_job_project),
		T(test_reseal_all_or_nothing),
		T(test_backup),
#undef T
	};

	wj_log_level = WJ_LOG_WARN;	/* not the store's start-up chatter */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
