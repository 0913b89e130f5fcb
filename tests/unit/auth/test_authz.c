/*
 * test_authz.c - authorization by identity policies (auth/authz.c) over
 * a real store: nothing attached is an implicit deny, an explicit Deny
 * wins in its project only, outside any project only account-wide
 * attachments count, the request's context reaches the conditions,
 * group membership counts while it lasts, a Deny through a group beats
 * a user's Allow, the built-in text of a system policy wins over a
 * stored copy, the project walk honours attachments' projects,
 * g:ProjectId and its cap, and a broken document, too many attachments
 * or bad arguments are refused rather than half-decided.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth_world.h"

#define READ	"workspace:jobs:get"
#define LIST	"workspace:jobs:listSubJobs"
#define RETRY	"workspace:jobs:retry"
#define EXECUTE	"workspace:jobs:execute"
#define DECODE	"sts::decodeAuthorizationMessage"
#define LOCAL	"127.0.0.1"

/* A custom policy of the world's account, attached to principal. */
static void
attach(struct world *w, const char *name, const char *doc, int type,
    const char *principal_id, const char *project_id)
{
	struct store_policy p;

	assert_int_equal(store_policy_create(w->s.st, w->s.d.id, name, doc, &p),
	    0);
	assert_int_equal(store_policy_attach(w->s.st, w->s.d.id, p.id, type,
	    principal_id, project_id), 0);
}

/* authz_check for alice in project (NULL: none) from source_ip. */
static int
alice_check(struct world *w, const char *action, const char *project,
    const char *source_ip, struct authz_decision *d)
{
	struct policy_ctx c;

	policy_ctx_init(&c);
	c.project_id = project;
	c.source_ip = source_ip;
	c.user_id = w->alice.id;
	return authz_check(w->s.st, w->alice.id, action, project, &c, d);
}

/* The decision for alice, of a check that must succeed. */
static int
alice_may(struct world *w, const char *action, const char *project,
    const char *source_ip, struct authz_decision *d)
{
	assert_int_equal(alice_check(w, action, project, source_ip, d), 0);
	return d->result;
}

/* The error of a check for alice that must fail, leaving a deny. */
static int
alice_error(struct world *w, const char *action, const char *project,
    const char *source_ip)
{
	struct authz_decision d;
	int r;

	wj_log_level = -1;	/* some refusals are logged as errors */
	r = alice_check(w, action, project, source_ip, &d);
	wj_log_level = WJ_LOG_WARN;
	assert_int_equal(d.result, POLICY_DENY_IMPLICIT);
	return r;
}

/* How many projects of the account alice may act in (at most cap). */
static size_t
alice_projects(struct world *w, const char *action,
    char (*ids)[WJ_ID_LEN + 1], size_t cap, int *all,
    struct authz_decision *d)
{
	struct policy_ctx c;
	size_t n;

	policy_ctx_init(&c);
	assert_int_equal(authz_projects(w->s.st, w->alice.id, w->s.d.id,
	    action, &c, ids, cap, &n, all, d), 0);
	return n;
}

static void
test_decisions(void **state)
{
	struct world *w = *state;
	struct authz_decision d;
	struct store_policy p;
	struct store_group g;

	/* Nothing attached: implicit deny. */
	assert_int_equal(alice_may(w, READ, w->s.p.id, LOCAL, &d),
	    POLICY_DENY_IMPLICIT);
	assert_string_equal(d.policy, "");
	assert_int_equal(store_policy_by_name(w->s.st, w->s.d.id,
	    POLICY_SYS_READ_ONLY, &p), 0);
	assert_int_equal(store_group_create(w->s.st, w->s.d.id, "readers",
	    &g), 0);
	assert_int_equal(store_group_add_user(w->s.st, g.id, w->alice.id), 0);
	assert_int_equal(store_policy_attach(w->s.st, w->s.d.id, p.id,
	    STORE_PRINCIPAL_GROUP, g.id, ""), 0);
	assert_int_equal(alice_may(w, READ, w->s.p.id, LOCAL, &d),
	    POLICY_ALLOW);
	assert_string_equal(d.policy, POLICY_SYS_READ_ONLY);
	assert_int_equal(alice_may(w, LIST, w->p2.id, LOCAL, &d),
	    POLICY_ALLOW);
	assert_int_equal(alice_may(w, RETRY, w->s.p.id, LOCAL, &d),
	    POLICY_DENY_IMPLICIT);
	/* An explicit deny in one project wins over the group's allow. */
	attach(w, "no-list", "{\"Version\":\"5.0\",\"Statement\":[{\"Sid\":"
	    "\"NoList\",\"Effect\":\"Deny\",\"Action\":["
	    "\"workspace:jobs:list*\"]}]}", STORE_PRINCIPAL_USER, w->alice.id,
	    w->p2.id);
	assert_int_equal(alice_may(w, LIST, w->p2.id, LOCAL, &d),
	    POLICY_DENY_EXPLICIT);
	assert_string_equal(d.sid, "NoList");
	assert_string_equal(d.policy, "no-list");
	assert_int_equal(alice_may(w, LIST, w->s.p.id, LOCAL, &d),
	    POLICY_ALLOW);
	/* Outside any project only account-wide attachments count. */
	attach(w, "sts", "{\"Version\":\"5.0\",\"Statement\":[{\"Effect\":"
	    "\"Allow\",\"Action\":[\"sts::decodeAuthorizationMessage\"]}]}",
	    STORE_PRINCIPAL_USER, w->alice.id, w->s.p.id);
	assert_int_equal(alice_may(w, DECODE, NULL, LOCAL, &d),
	    POLICY_DENY_IMPLICIT);
	assert_int_equal(store_policy_by_name(w->s.st, w->s.d.id, "sts", &p),
	    0);
	assert_int_equal(store_policy_attach(w->s.st, w->s.d.id, p.id,
	    STORE_PRINCIPAL_USER, w->alice.id, ""), 0);
	assert_int_equal(alice_may(w, DECODE, NULL, LOCAL, &d), POLICY_ALLOW);
}

static void
test_context_reaches_conditions(void **state)
{
	struct world *w = *state;
	struct authz_decision d;

	attach(w, "office", "{\"Version\":\"5.0\",\"Statement\":[{\"Effect\":"
	    "\"Allow\",\"Action\":[\"workspace:jobs:*\"],\"Condition\":{"
	    "\"IpAddress\":{\"g:SourceIp\":[\"10.0.0.0/8\"]}}}]}",
	    STORE_PRINCIPAL_USER, w->alice.id, "");
	assert_int_equal(alice_may(w, READ, w->s.p.id, "10.1.2.3", &d),
	    POLICY_ALLOW);
	assert_string_equal(d.policy, "office");
	assert_int_equal(alice_may(w, READ, w->s.p.id, "192.0.2.1", &d),
	    POLICY_DENY_IMPLICIT);
	assert_int_equal(alice_may(w, READ, w->s.p.id, "::ffff:10.9.9.9", &d),
	    POLICY_ALLOW);
	/* A garbled source address is the caller's bug: no decision. */
	assert_int_equal(alice_error(w, READ, w->s.p.id, "10.1.2"),
	    WJ_ERR_INVALID);
}

static void
test_group_membership_and_deny(void **state)
{
	struct world *w = *state;
	struct authz_decision d;
	struct store_group g;

	assert_int_equal(store_group_create(w->s.st, w->s.d.id, "ops", &g), 0);
	assert_int_equal(store_group_add_user(w->s.st, g.id, w->alice.id), 0);
	attach(w, "ops-all", "{\"Version\":\"5.0\",\"Statement\":[{"
	    "\"Effect\":\"Allow\",\"Action\":[\"workspace:*:*\"]}]}",
	    STORE_PRINCIPAL_GROUP, g.id, "");
	assert_int_equal(alice_may(w, RETRY, w->s.p.id, "10.0.0.1", &d),
	    POLICY_ALLOW);
	/* The user's own Allow does not outweigh the group's Deny. */
	attach(w, "mine", "{\"Version\":\"5.0\",\"Statement\":[{"
	    "\"Effect\":\"Allow\",\"Action\":[\"workspace:jobs:retry\"]}]}",
	    STORE_PRINCIPAL_USER, w->alice.id, w->s.p.id);
	attach(w, "no-retry", "{\"Version\":\"5.0\",\"Statement\":[{\"Sid\":"
	    "\"R\",\"Effect\":\"Deny\",\"Action\":[\"workspace:jobs:re*\"]}]}",
	    STORE_PRINCIPAL_GROUP, g.id, w->s.p.id);
	assert_int_equal(alice_may(w, RETRY, w->s.p.id, "10.0.0.1", &d),
	    POLICY_DENY_EXPLICIT);
	assert_string_equal(d.policy, "no-retry");
	assert_string_equal(d.sid, "R");
	assert_int_equal(alice_may(w, RETRY, w->p2.id, "10.0.0.1", &d),
	    POLICY_ALLOW);
	/* Out of the group, only her own attachment is left. */
	assert_int_equal(store_group_remove_user(w->s.st, g.id, w->alice.id),
	    0);
	assert_int_equal(alice_may(w, RETRY, w->s.p.id, "10.0.0.1", &d),
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

	assert_int_equal(store_policy_by_name(w->s.st, w->s.d.id,
	    POLICY_SYS_READ_ONLY, &p), 0);
	assert_int_equal(store_policy_attach(w->s.st, w->s.d.id, p.id,
	    STORE_PRINCIPAL_USER, w->alice.id, ""), 0);
	assert_int_equal(store_policy_put_system(w->s.st, POLICY_SYS_READ_ONLY,
	    "{\"Version\":\"5.0\",\"Statement\":[{\"Effect\":\"Allow\","
	    "\"Action\":[\"workspace:*:*\"]}]}"), 0);
	assert_int_equal(alice_may(w, READ, w->s.p.id, NULL, &d), POLICY_ALLOW);
	assert_int_equal(alice_may(w, RETRY, w->s.p.id, NULL, &d),
	    POLICY_DENY_IMPLICIT);
	assert_int_equal(authz_sync_system_policies(w->s.st), 0);
	assert_int_equal(authz_sync_system_policies(w->s.st), 0);
	assert_int_equal(store_policy_by_name(w->s.st, w->s.d.id,
	    POLICY_SYS_READ_ONLY, &p), 0);
	assert_string_equal(p.document,
	    policy_system_document(POLICY_SYS_READ_ONLY));
}

/* The projects an attachment names, then the whole account. */
static void
test_projects_by_attachment(void **state)
{
	struct world *w = *state;
	char ids[4][WJ_ID_LEN + 1];
	struct authz_decision d;
	struct store_policy full;
	int all;

	assert_int_equal(alice_projects(w, EXECUTE, ids, 4, &all, &d), 0);
	assert_false(all);
	assert_int_equal(d.result, POLICY_DENY_IMPLICIT);
	assert_int_equal(store_policy_by_name(w->s.st, w->s.d.id,
	    POLICY_SYS_FULL_ACCESS, &full), 0);
	assert_int_equal(store_policy_attach(w->s.st, w->s.d.id, full.id,
	    STORE_PRINCIPAL_USER, w->alice.id, w->p2.id), 0);
	assert_int_equal(alice_projects(w, EXECUTE, ids, 4, &all, &d), 1);
	assert_false(all);
	assert_string_equal(ids[0], w->p2.id);
	assert_int_equal(store_policy_attach(w->s.st, w->s.d.id, full.id,
	    STORE_PRINCIPAL_USER, w->alice.id, ""), 0);
	assert_int_equal(alice_projects(w, EXECUTE, ids, 4, &all, &d), 2);
	assert_true(all);
}

static void
test_projects_by_condition_and_cap(void **state)
{
	struct world *w = *state;
	char ids[1][WJ_ID_LEN + 1], doc[256];
	struct authz_decision deny;
	int all;

	/* Allowed in the project the condition names, nowhere else. */
	(void)snprintf(doc, sizeof(doc), "{\"Version\":\"5.0\",\"Statement\":"
	    "[{\"Effect\":\"Allow\",\"Action\":[\"workspace:jobs:*\"],"
	    "\"Condition\":{\"StringEquals\":{\"g:ProjectId\":[\"%s\"]}}}]}",
	    w->p2.id);
	attach(w, "only-second", doc, STORE_PRINCIPAL_USER, w->alice.id, "");
	assert_int_equal(alice_projects(w, READ, ids, 1, &all, &deny), 1);
	assert_false(all);
	assert_string_equal(ids[0], w->p2.id);
	/* Without a project the condition's key is absent: no allow. */
	assert_int_equal(deny.result, POLICY_DENY_IMPLICIT);
	/* Allowed everywhere: all, and no more IDs than the cap. */
	attach(w, "everywhere", "{\"Version\":\"5.0\",\"Statement\":[{"
	    "\"Effect\":\"Allow\",\"Action\":[\"workspace:jobs:*\"]}]}",
	    STORE_PRINCIPAL_USER, w->alice.id, "");
	assert_int_equal(alice_projects(w, READ, ids, 1, &all, &deny), 1);
	assert_true(all);
	assert_int_equal(deny.result, POLICY_ALLOW);
}

/* The store takes any document; authorization must not skip one. */
static void
test_broken_document_fails_closed(void **state)
{
	struct world *w = *state;

	attach(w, "broken", "{\"Version\":\"9\"}", STORE_PRINCIPAL_USER,
	    w->alice.id, "");
	assert_int_equal(alice_error(w, READ, NULL, NULL), WJ_ERR_INTERNAL);
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
	assert_int_equal(authz_check(w->s.st, NULL, READ, NULL, &c, &d),
	    WJ_ERR_INVALID);
	assert_int_equal(authz_check(w->s.st, w->alice.id, NULL, NULL, &c, &d),
	    WJ_ERR_INVALID);
	assert_int_equal(d.result, POLICY_DENY_IMPLICIT);
	assert_int_equal(authz_projects(w->s.st, w->alice.id, NULL, READ, &c,
	    ids, 1, &n, &all, &d), WJ_ERR_INVALID);
	/* More attachments than one evaluation takes: no partial answer. */
	for (i = 0; i <= AUTHZ_POLICIES_MAX; i++) {
		(void)snprintf(name, sizeof(name), "p%zu", i);
		attach(w, name, "{\"Version\":\"5.0\",\"Statement\":[{"
		    "\"Effect\":\"Allow\",\"Action\":[\"workspace:jobs:get\"]"
		    "}]}", STORE_PRINCIPAL_USER, w->alice.id, "");
	}
	assert_int_equal(alice_error(w, READ, NULL, NULL), WJ_ERR_INTERNAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		WORLD_TEST(test_decisions),
		WORLD_TEST(test_context_reaches_conditions),
		WORLD_TEST(test_group_membership_and_deny),
		WORLD_TEST(test_system_policy_text_wins),
		WORLD_TEST(test_projects_by_attachment),
		WORLD_TEST(test_projects_by_condition_and_cap),
		WORLD_TEST(test_broken_document_fails_closed),
		WORLD_TEST(test_refusals),
	};

	return WORLD_RUN(tests);
}
