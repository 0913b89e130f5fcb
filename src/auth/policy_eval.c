/*
 * policy_eval.c - evaluating parsed identity policies against one
 * request (docs/API.md#authorization): an explicit Deny wins, else an
 * Allow, else the implicit deny.  A parsed policy is complete, so
 * evaluation has no failure path of its own beyond bad arguments.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "policy_int.h"

/* The first bits of a and b are equal. */
static int
prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

/*
 * ip (a full address) lies in net.  An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 peers) is also
 * compared as the IPv4 address it carries.
 */
int
policy_addr_in(const struct addr *ip, const struct addr *net)
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (ip->af == net->af)
		return prefix_eq(ip->a, net->a, net->prefix);
	if (ip->af == AF_INET6 && net->af == AF_INET &&
	    memcmp(ip->a, mapped, sizeof(mapped)) == 0)
		return prefix_eq(ip->a + 12, net->a, net->prefix);
	return 0;
}

/* Past one (UTF-8) character of s; s[0] is not NUL. */
static const char *
next_char(const char *s)
{
	s++;
	while (((unsigned char)*s & 0xc0) == 0x80)
		s++;
	return s;
}

/*
 * Wildcard match: "*" any run (possibly empty), "?" one character.
 * Iterative with a single backtrack point, so O(|p| * |s|) at worst.
 */
int
policy_glob(const char *p, const char *s, int icase)
{
	const char *star_p = NULL, *star_s = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star_p = ++p;
			star_s = s;
		} else if (*p == '?') {
			p++;
			s = next_char(s);
		} else if (*p != '\0' && (icase ?
		    policy_lower((unsigned char)*p) ==
		    policy_lower((unsigned char)*s) : *p == *s)) {
			p++;
			s++;
		} else if (star_p != NULL) {
			/* Let the last "*" swallow one more character. */
			p = star_p;
			s = star_s = next_char(star_s);
		} else
			return 0;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

int
policy_action_match(const char *pattern, const char *action)
{
	if (pattern == NULL || action == NULL)
		return 0;
	return policy_glob(pattern, action, 1);
}

/* The request's side of the conditions, resolved once per evaluation. */
struct rctx {
	const struct policy_ctx *c;
	int	has_ip;
	struct addr ip;
};

static const char *
ctx_string(const struct policy_ctx *c, int key)
{
	switch (key) {
	case K_USER_NAME: return c->user_name;
	case K_USER_ID: return c->user_id;
	case K_DOMAIN_NAME: return c->domain_name;
	case K_PROJECT_ID: return c->project_id;
	}
	return NULL;
}

static int
key_present(const struct rctx *rc, int key)
{
	switch (policy_keys[key].type) {
	case CT_STRING: return ctx_string(rc->c, key) != NULL;
	case CT_IP: return rc->has_ip;
	case CT_DATE: return rc->c->current_time_ms != POLICY_TIME_ABSENT;
	case CT_BOOL: return rc->c->mfa_present >= 0;
	}
	return 0;
}

static int
value_matches(int op, const struct rctx *rc, int key, const struct cval *v)
{
	const char *s = ctx_string(rc->c, key);
	size_t sl, vl;

	switch (policy_ops[op].op) {
	case OP_STR_EQ:
	case OP_STR_NE:
		return strcmp(s, v->text) == 0;
	case OP_STR_MATCH:
		return policy_glob(v->text, s, 0);
	case OP_STR_START:
		return strncmp(s, v->text, strlen(v->text)) == 0;
	case OP_STR_END:
		sl = strlen(s);
		vl = strlen(v->text);
		return sl >= vl && memcmp(s + sl - vl, v->text, vl) == 0;
	case OP_BOOL:
		return (rc->c->mfa_present > 0) == v->u.b;
	case OP_IP:
	case OP_NOT_IP:
		return policy_addr_in(&rc->ip, &v->u.net);
	case OP_DATE_LT:
		return rc->c->current_time_ms < v->u.ms;
	case OP_DATE_GT:
		return rc->c->current_time_ms > v->u.ms;
	}
	return 0;
}

static int
entry_holds(const struct cblock *b, const struct centry *e,
    const struct rctx *rc)
{
	size_t i;
	int any = 0;

	if (!key_present(rc, e->key))
		return b->if_exists;
	for (i = 0; i < e->nval && !any; i++)
		any = value_matches(b->op, rc, e->key, &e->val[i]);
	return policy_ops[b->op].negated ? !any : any;
}

static int
stmt_applies(const struct stmt *st, const char *action, const struct rctx *rc)
{
	size_t i, j;
	int hit = 0;

	for (i = 0; i < st->nact && !hit; i++)
		hit = policy_glob(st->act[i], action, 1);
	if (hit == st->not_action)
		return 0;
	for (i = 0; i < st->nblk; i++)
		for (j = 0; j < st->blk[i].nent; j++)
			if (!entry_holds(&st->blk[i], &st->blk[i].ent[j], rc))
				return 0;
	return 1;
}

static void
set_decision(struct policy_decision *out, int result, size_t pi, size_t si,
    const struct stmt *st)
{
	out->result = result;
	out->policy = pi;
	out->statement = si;
	/* Sid is bounded by POLICY_SID_MAX at parse time. */
	(void)snprintf(out->sid, sizeof(out->sid), "%s",
	    st->sid != NULL ? st->sid : "");
}

void
policy_ctx_init(struct policy_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->current_time_ms = POLICY_TIME_ABSENT;
	c->mfa_present = -1;
}

int
policy_eval(const struct policy *const *policies, size_t n,
    const char *action, const struct policy_ctx *ctx,
    struct policy_decision *out)
{
	struct policy_ctx absent;
	struct rctx rc;
	const struct stmt *st;
	int allowed = 0;
	size_t i, j;

	memset(out, 0, sizeof(*out));
	out->result = POLICY_DENY_IMPLICIT;
	out->policy = out->statement = POLICY_NONE;
	if (action == NULL || (n > 0 && policies == NULL))
		return WJ_ERR_INVALID;
	for (i = 0; i < n; i++)
		if (policies[i] == NULL)
			return WJ_ERR_INVALID;
	if (ctx == NULL) {
		policy_ctx_init(&absent);
		ctx = &absent;
	}
	memset(&rc, 0, sizeof(rc));
	rc.c = ctx;
	if (ctx->source_ip != NULL) {
		/* Fail closed: a garbled address is the caller's bug. */
		if (policy_parse_addr(ctx->source_ip, strlen(ctx->source_ip),
		    &rc.ip) != 0)
			return WJ_ERR_INVALID;
		rc.has_ip = 1;
	}

	for (i = 0; i < n; i++) {
		for (j = 0; j < policies[i]->nst; j++) {
			st = &policies[i]->st[j];
			if (!stmt_applies(st, action, &rc))
				continue;
			if (st->deny) {
				set_decision(out, POLICY_DENY_EXPLICIT, i, j,
				    st);
				return 0;
			}
			if (!allowed) {
				set_decision(out, POLICY_ALLOW, i, j, st);
				allowed = 1;
			}
		}
	}
	return 0;
}

const char *
policy_result_str(int result)
{
	switch (result) {
	case POLICY_ALLOW: return "allow";
	case POLICY_DENY_IMPLICIT: return "implicit deny";
	case POLICY_DENY_EXPLICIT: return "explicit deny";
	}
	return "unknown";
}
