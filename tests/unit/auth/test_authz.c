/*
 * test_authz.c - authorization by identity policies (auth/authz.c) over
 * a real store: the request's context reaches the conditions, group
 * membership counts while it lasts, a Deny through a group beats a
 * user's Allow, the built-in text of a system policy wins over a stored
 * copy, the project walk honours g:ProjectId and its cap, and too many
 * attachments or bad arguments are refused rather than half-decided.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth_store.h"

#define READ	"workspace:jobs:get"
#define RETRY	"workspace:jobs:retry"

/* A custom policy of the world's account, attached to principal. */
static void
attach(struct world *w, const char *name, const char *doc, int type,
    const char *principal_id, const char *project_id)
{
	struct store_policy p;

	assert_int_equal(store_policy_create(w->st, w->d.id, name, doc, &p),
	    0);
	assert_int_equal(store_policy_attach(w->st, w->d.id, p.id, type,
	    principal_id, project_id), 0);
}

/* The decision for alice in project (NULL: none) from source_ip. */
static int
alice_may(struct world *w, const char *action, const char *project,
    const char *source_ip, struct authz_decision *d)
{
	struct policy_ctx c;

	policy_ctx_init(&c);
	c.project_id = project;
	c.source_ip = source_ip;
	c.user_id = w->alice.id;
	assert_int_equal(authz_check(w->st, w->alice.id, action, project, &c,
	    d), 0);
	return d->result;
}

static void
test_context_reaches_conditions(void **state)
{
	struct world *w = *state;
	struct authz_decision d;
	struct policy_ctx c;

	attach(w, "office", "{\"Version\":\"5.0\",\"Statement\":[{\"Effect\":"
	    "\"Allow\",\"Action\":[\"workspace:jobs:*\"],\"Condition\":{"
	    "\"IpAddress\":{\"g:SourceIp\":[\"10.0.0.0/8\"]}}}]}",
	    STORE_PRINCIPAL_USER, w->alice.id, "");
	assert_int_equal(alice_may(w, READ, w->p.id, "10.1.2.3", &d),
	    POLICY_ALLOW);
	assert_string_equal(d.policy, "office");
	assert_int_equal(alice_may(w, READ, w->p.id, "192.0.2.1", &d),
	    POLICY_DENY_IMPLICIT);
	assert_int_equal(alice_may(w, READ, w->p.id, "::ffff:10.9.9.9", &d),
	    POLICY_ALLOW);
	/* A garbled source address is the caller's bug: no decision. */
	policy_ctx_init(&c);
	c.source_ip = "10.1.2";
	assert_int_equal(authz_check(w->st, w->alice.id, READ, w->p.id, &c,
	    &d), WJ_ERR_INVALID);
	assert_int_equal(d.result, POLICY_DENY_IMPLICIT);
}

static void
test_group_membership_and_deny(void **state)
{
	struct world *w = *state;
	struct authz_decision d;
	struct store_group g;

	assert_int_equal(store_group_create(w->st, w->d.id, "ops", &g), 0);
	assert_int_equal(store_group_add_user(w->st, g.id, w->alice.id), 0);
	attach(w, "ops-all", "{\"Version\":\"5.0\",\"Statement\":[{"
	    "\"Effect\":\"Allow\",\"Action\":[\"workspace:*:*\"]}]}",
	    STORE_PRINCIPAL_GROUP, g.id, "");
	assert_int_equal(alice_may(w, RETRY, w->p.id, "10.0.0.1", &d),
	    POLICY_ALLOW);
	/* The user's own Allow does not outweigh the group's Deny. */
	attach(w, "mine", "{\"Version\":\"5.0\",\"Statement\":[{"
	    "\"Effect\":\"Allow\",\"Action\":[\"workspace:jobs:retry\"]}]}",
	    STORE_PRINCIPAL_USER, w->alice.id, w->p.id);
	attach(w, "no-retry", "{\"Version\":\"5.0\",\"Statement\":[{\"Sid\":"
	    "\"R\",\"Effect\":\"Deny\",\"Action\":[\"workspace:jobs:re*\"]}]}",
	    STORE_PRINCIPAL_GROUP, g.id, w->p.id);
	assert_int_equal(alice_may(w, RETRY, w->p.id, "10.0.0.1", &d),
	    POLICY_DENY_EXPLICIT);
	assert_string_equal(d.policy, "no-retry");
	assert_string_equal(d.sid, "R");
	assert_int_equal(alice_may(w, RETRY, w->p2.id, "10.0.0.1", &d),
	    POLICY_ALLOW);
	/* Out of the group, only her own attachment is left. */
	assert_int_equal(store_group_remove_user(w->st, g.id, w->alice.id),
	    0);
	assert_int_equal(alice_may(w, RETRY, w->p.id, "10.0.0.1", &d),
	    POLICY_ALLOW);
	assert_string_equal(d.policy, "mine");
	assert_int_equal(alice_may(w, RETRY, w->p2.id, "10.0.0.1", &d),
	    POLICY_DENY_IMPLICIT);
}

/* A stored copy of a system policy is not what decides; sync restores. */
static void
test_system_policy_text_wins(void **state)
{
	struct world *w = *state;
	struct authz_decision d;
	struct store_policy p;

	assert_int_equal(store_policy_by_name(w->st, w->d.id,
	    POLICY_SYS_READ_ONLY, &p), 0);
	assert_int_equal(store_policy_attach(w->st, w->d.id, p.id,
	    STORE_PRINCIPAL_USER, w->alice.id, ""), 0);
	assert_int_equal(store_policy_put_system(w->st, POLICY_SYS_READ_ONLY,
	    "{\"Version\":\"5.0\",\"Statement\":[{\"Effect\":\"Allow\","
	    "\"Action\":[\"workspace:*:*\"]}]}"), 0);
	assert_int_equal(alice_may(w, READ, w->p.id, NULL, &d), POLICY_ALLOW);
	assert_int_equal(alice_may(w, RETRY, w->p.id, NULL, &d),
	    POLICY_DENY_IMPLICIT);
	assert_int_equal(authz_sync_system_policies(w->st), 0);
	assert_int_equal(authz_sync_system_policies(w->st), 0);
	assert_int_equal(store_policy_by_name(w->st, w->d.id,
	    POLICY_SYS_READ_ONLY, &p), 0);
	assert_string_equal(p.document,
	    policy_system_document(POLICY_SYS_READ_ONLY));
}

static void
test_projects_by_condition_and_cap(void **state)
{
	struct world *w = *state;
	char ids[1][WJ_ID_LEN + 1], doc[256];
	struct authz_decision deny;
	struct policy_ctx c;
	size_t n;
	int all;

	/* Allowed in the project the condition names, nowhere else. */
	(void)snprintf(doc, sizeof(doc), "{\"Version\":\"5.0\",\"Statement\":"
	    "[{\"Effect\":\"Allow\",\"Action\":[\"workspace:jobs:*\"],"
	    "\"Condition\":{\"StringEquals\":{\"g:ProjectId\":[\"%s\"]}}}]}",
	    w->p2.id);
	attach(w, "only-second", doc, STORE_PRINCIPAL_USER, w->alice.id, "");
	policy_ctx_init(&c);
	assert_int_equal(authz_projects(w->st, w->alice.id, w->d.id, READ, &c,
	    ids, 1, &n, &all, &deny), 0);
	assert_int_equal(n, 1);
	assert_false(all);
	assert_string_equal(ids[0], w->p2.id);
	/* Without a project the condition's key is absent: no allow. */
	assert_int_equal(deny.result, POLICY_DENY_IMPLICIT);
	/* Allowed everywhere: all, and no more IDs than the cap. */
	attach(w, "everywhere", "{\"Version\":\"5.0\",\"Statement\":[{"
	    "\"Effect\":\"Allow\",\"Action\":[\"workspace:jobs:*\"]}]}",
	    STORE_PRINCIPAL_USER, w->alice.id, "");
	assert_int_equal(authz_projects(w->st, w->alice.id, w->d.id, READ, &c,
	    ids, 1, &n, &all, &deny), 0);
	assert_true(all);
	assert_int_equal(n, 1);
	assert_int_equal(deny.result, POLICY_ALLOW);
}

static void
test_refusals(void **state)
{
	struct world *w = *state;
	struct authz_decision d;
	char name[32], ids[1][WJ_ID_LEN + 1];
	struct policy_ctx c;
	size_t i, n;
	int all;

	policy_ctx_init(&c);
	assert_int_equal(authz_check(w->st, NULL, READ, NULL, &c, &d),
	    WJ_ERR_INVALID);
	assert_int_equal(authz_check(w->st, w->alice.id, NULL, NULL, &c, &d),
	    WJ_ERR_INVALID);
	assert_int_equal(d.result, POLICY_DENY_IMPLICIT);
	assert_int_equal(authz_projects(w->st, w->alice.id, NULL, READ, &c,
	    ids, 1, &n, &all, &d), WJ_ERR_INVALID);
	/* More attachments than one evaluation takes: no partial answer. */
	for (i = 0; i <= AUTHZ_POLICIES_MAX; i++) {
		(void)snprintf(name, sizeof(name), "p%zu", i);
		attach(w, name, "{\"Version\":\"5.0\",\"Statement\":[{"
		    "\"Effect\":\"Allow\",\"Action\":[\"workspace:jobs:get\"]"
		    "}]}", STORE_PRINCIPAL_USER, w->alice.id, "");
	}
	wj_log_level = -1;	/* the refusal is logged as an error */
	assert_int_equal(authz_check(w->st, w->alice.id, READ, NULL, &c, &d),
	    WJ_ERR_INTERNAL);
	wj_log_level = WJ_LOG_WARN;
	assert_int_equal(d.result, POLICY_DENY_IMPLICIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		WORLD_TEST(test_context_reaches_conditions),
		WORLD_TEST(test_group_membership_and_deny),
		WORLD_TEST(test_system_policy_text_wins),
		WORLD_TEST(test_projects_by_condition_and_cap),
		WORLD_TEST(test_refusals),
	};

	return WORLD_RUN(tests);
}
