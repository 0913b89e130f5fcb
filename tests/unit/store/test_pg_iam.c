/*
 * test_pg_iam.c - the IAM part of the PostgreSQL store (src/store/pg/
 * domains.c, users.c, groups.c, policies.c) on a real throwaway database:
 * the engine-neutral tests of test_iam.c, run on PostgreSQL, and what
 * only several servers on one database show: failures of logins and of
 * signatures counted by two stores at once add up to one count and lock
 * exactly once.  WJ_TEST_PG_URL names a server (its database is only
 * used to create and drop one of this test's own); without it every test
 * is skipped.
 */
#define TEST_IAM_SHARED
#include "test_iam.c"

#include <pthread.h>

#include <libpq-fe.h>

static const char *pg_url;		/* WJ_TEST_PG_URL, or NULL */
static char db_url[512];		/* this test's own database */
static char db_name[64];

/* Run sql on the database url names; 0 or -1 (printed). */
static int
pg_sql(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	PGresult *res;
	int r = -1;

	if (PQstatus(c) == CONNECTION_OK) {
		res = PQexec(c, sql);
		r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
		if (r != 0)
			fprintf(stderr, "test_pg_iam: %s: %s", sql,
			    PQerrorMessage(c));
		PQclear(res);
	} else
		fprintf(stderr, "test_pg_iam: %s", PQerrorMessage(c));
	PQfinish(c);
	return r;
}

/* db_url: pg_url with its database replaced by db_name. */
static int
make_db_url(void)
{
	const char *p = strstr(pg_url, "://"), *path, *q;
	int n;

	if (p == NULL || (path = strchr(p + 3, '/')) == NULL)
		return -1;
	q = strchr(path, '?');
	n = snprintf(db_url, sizeof(db_url), "%.*s/%s%s",
	    (int)(path - pg_url), pg_url, db_name, q != NULL ? q : "");
	return n > 0 && (size_t)n < sizeof(db_url) ? 0 : -1;
}

static int
group_setup(void **state)
{
	char sql[128];

	(void)state;
	if ((pg_url = getenv("WJ_TEST_PG_URL")) == NULL || *pg_url == '\0') {
		pg_url = NULL;
		return 0;
	}
	snprintf(db_name, sizeof(db_name), "wj_test_pg_iam_%ld",
	    (long)getpid());
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", db_name);
	if (pg_sql(pg_url, sql) != 0)
		return -1;
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db_name);
	return pg_sql(pg_url, sql) == 0 ? make_db_url() : -1;
}

static int
group_teardown(void **state)
{
	char sql[128];

	(void)state;
	if (pg_url == NULL)
		return 0;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    db_name);
	return pg_sql(pg_url, sql);
}

/* A store on this test's database ("a node"); NULL when it fails. */
static struct store *
node_open(void)
{
	struct store_opts o = { 0 };
	struct store *st = NULL;

	o.database = db_url;
	return store_open(&o, &st) == 0 ? st : NULL;
}

/* test_iam.c's fixture on an empty schema of this test's database. */
static int
setup(void **state)
{
	static const uint8_t sk[40] = { 1, 2, 3 };
	struct fx *f = calloc(1, sizeof(*f));

	*state = f;
	if (f == NULL)
		return -1;
	if (pg_url == NULL)
		return 0;
	if (pg_sql(db_url, "SET client_min_messages = warning; "
	    "DROP SCHEMA public CASCADE; "
	    "CREATE SCHEMA public") != 0 ||
	    (f->s.st = node_open()) == NULL ||
	    store_bootstrap(f->s.st, "admin", "admin", "default", "AKROOT",
	    sk, sizeof(sk), &f->s.d, &f->s.u, &f->s.p) != 0 ||
	    store_project_create(f->s.st, f->s.d.id, "second", &f->p2) != 0 ||
	    store_user_create(f->s.st, f->s.d.id, "alice", HASH,
	    &f->alice) != 0 ||
	    authz_sync_system_policies(f->s.st) != 0)
		return -1;
	return 0;
}

/* ---- two nodes counting at once ------------------------------------------ */

#define RACE_EACH	10	/* failures each node counts */

struct racer {
	struct store	*st;
	const char	*user_id;	/* logins; else the AK AKROOT */
	int		 locks;		/* failures of this node that locked */
	int		 errors;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	int64_t until;
	int i, locked;

	for (i = 0; i < RACE_EACH; i++) {
		if (r->user_id != NULL) {
			if (store_user_login_failed(r->st, r->user_id, 1000,
			    2 * RACE_EACH, 60000, &locked) != 0)
				r->errors++;
			r->locks += locked;
		} else {
			if (store_key_sig_failed(r->st, "AKROOT", 1000,
			    2 * RACE_EACH, 60000, &until) != 0)
				r->errors++;
			r->locks += until != 0;
		}
	}
	return NULL;
}

/* Two nodes count RACE_EACH failures each at once: the threshold of
 * 2 * RACE_EACH is reached by exactly one of them, once. */
static void
race_two_nodes(struct fx *f, const char *user_id)
{
	struct racer r[2] = { { f->s.st, user_id, 0, 0 },
	    { node_open(), user_id, 0, 0 } };
	pthread_t t[2];
	int i;

	assert_non_null(r[1].st);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	store_close(r[1].st);
	assert_int_equal(r[0].errors + r[1].errors, 0);
	/* the last failure locked; a key tells its lock to later ones, but
	 * there are none: the count was exact */
	assert_int_equal(r[0].locks + r[1].locks, 1);
}

static void
test_two_nodes_count_logins(void **state)
{
	struct fx *f = *state;
	struct store_user_auth ua;

	if (pg_url == NULL)
		skip();
	race_two_nodes(f, f->alice.id);
	assert_int_equal(store_user_auth_get(f->s.st, f->alice.id, &ua), 0);
	assert_int_equal(ua.locked_until_ms, 1000 + 60000);
	assert_int_equal(ua.failed_logins, 0);
}

static void
test_two_nodes_count_signatures(void **state)
{
	struct fx *f = *state;
	struct store_key k;

	if (pg_url == NULL)
		skip();
	race_two_nodes(f, NULL);
	assert_int_equal(store_key_get(f->s.st, "AKROOT", &k), 0);
	assert_int_equal(k.locked_until_ms, 1000 + 60000);
	assert_int_equal(k.sig_failures, 0);
}

/* Lists come in the byte order of their names, as on SQLite, whatever
 * the database's collation. */
static void
test_byte_order(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = { "Zed", "alpha", "beta", "_x" };
	struct store_user *u = NULL;
	size_t i, n;

	if (pg_url == NULL)
		skip();
	for (i = 0; i < 4; i++)
		assert_int_equal(store_user_create(f->s.st, f->s.d.id,
		    names[i], NULL, NULL), 0);
	assert_int_equal(store_user_list(f->s.st, f->s.d.id, &u, &n), 0);
	assert_int_equal(n, 6);
	/* admin, alice and the four, bytewise: capitals, '_', then lower */
	assert_string_equal(u[0].name, "Zed");
	assert_string_equal(u[1].name, "_x");
	assert_string_equal(u[2].name, "admin");
	assert_string_equal(u[3].name, "alice");
	assert_string_equal(u[4].name, "alpha");
	assert_string_equal(u[5].name, "beta");
	free(u);
}

/* Each of test_iam.c's tests, skipped without a server. */
#define PG_T(name) \
static void \
pg_##name(void **state) \
{ \
	if (pg_url == NULL) \
		skip(); \
	name(state); \
}
PG_T(test_domains)
PG_T(test_users)
PG_T(test_login_state)
PG_T(test_unlock)
PG_T(test_sig_failures)
PG_T(test_groups)
PG_T(test_policies)
PG_T(test_attachments)
PG_T(test_sub_job_project)
PG_T(test_reseal_all_or_nothing)

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) \
	cmocka_unit_test_setup_teardown(name, setup, store_fx_teardown)
		T(pg_test_domains),
		T(pg_test_users),
		T(pg_test_login_state),
		T(pg_test_unlock),
		T(pg_test_sig_failures),
		T(pg_test_groups),
		T(pg_test_policies),
		T(pg_test_attachments),
		T(pg_test_sub_job_project),
		T(pg_test_reseal_all_or_nothing),
		T(test_two_nodes_count_logins),
		T(test_two_nodes_count_signatures),
		T(test_byte_order),
#undef T
	};

	wj_log_level = WJ_LOG_WARN;	/* not the store's start-up chatter */
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
