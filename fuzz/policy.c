/*
 * policy.c - the IAM policy document parser (src/auth/policy.c):
 * policy_parse, policy_to_json and policy_eval.
 *
 * Invariants (policy.h): a parsed document's canonical text is never
 * longer than the document, parses back, and canonicalizes to the same
 * text; evaluation of a parsed policy always decides (allow, implicit or
 * explicit deny) with indices inside the policy, whatever the context.
 */
#include "fuzz.h"
#include "auth/policy.h"

static const char *actions[] = {
	"workspace:jobs:listSubJobs", "workspace:jobs:get",
	"workspace:jobs:retry", "workspace:jobs:deleteSubJobRecords",
	"workspace:jobs:create", "workspace:jobs:execute",
	"sts::decodeAuthorizationMessage", "WORKSPACE:JOBS:GET", "x:y:z",
};

static void
eval_all(const struct policy *p)
{
	const struct policy *ps[2] = { p, p };
	struct policy_decision d;
	struct policy_ctx full, none;
	size_t i;

	policy_ctx_init(&none);
	policy_ctx_init(&full);
	full.user_name = "alice";
	full.user_id = "01a21f151ded7001b0392e825c5331e1";
	full.domain_name = "admin";
	full.project_id = "01a21f151ded7002b3f19acbd66c2c44";
	full.source_ip = "::ffff:10.1.2.3";
	full.current_time_ms = 1767225600000LL;
	full.mfa_present = 1;
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		FUZZ_CHECK(policy_eval(ps, 2, actions[i], &full, &d) == 0);
		FUZZ_CHECK(d.result == POLICY_ALLOW ||
		    d.result == POLICY_DENY_IMPLICIT ||
		    d.result == POLICY_DENY_EXPLICIT);
		if (d.result != POLICY_DENY_IMPLICIT)
			FUZZ_CHECK(d.policy < 2 &&
			    d.statement < POLICY_STATEMENTS_MAX);
		FUZZ_CHECK(policy_eval(ps, 1, actions[i], &none, &d) == 0);
		FUZZ_CHECK(policy_eval(ps, 1, actions[i], NULL, &d) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL, *q = NULL;
	struct wj_errinfo ei;
	struct buf a, b;
	int r;

	if (size > POLICY_DOC_MAX + 16)
		return 0;
	ei.detail[0] = '\0';
	r = policy_parse((const char *)data, size, &p, &ei);
	if (r != 0) {
		FUZZ_CHECK(p == NULL);
		FUZZ_CHECK(r == WJ_ERR_INVALID || r == WJ_ERR_NOMEM);
		return 0;
	}
	buf_init(&a);
	buf_init(&b);
	FUZZ_CHECK(policy_to_json(p, &a) == 0);
	FUZZ_CHECK(a.len <= size);
	FUZZ_CHECK(policy_parse(a.data, a.len, &q, &ei) == 0);
	FUZZ_CHECK(policy_to_json(q, &b) == 0);
	FUZZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	eval_all(p);
	buf_free(&a);
	buf_free(&b);
	policy_free(p);
	policy_free(q);
	return 0;
}
