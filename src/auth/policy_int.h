/*
 * policy_int.h - what the parts of the policy module share and no other
 * module sees: the operator and condition-key tables and the parsed form
 * of a document.  policy.h is the public contract.
 *
 *   policy.c       parsing and checking a document, the system policies
 *   policy_eval.c  evaluating parsed policies against a request
 *   policy_json.c  the canonical JSON text of a parsed policy
 */
#ifndef WJ_POLICY_INT_H
#define WJ_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

enum ctype {
	CT_STRING,
	CT_IP,
	CT_DATE,
	CT_BOOL,
};

enum cop {
	OP_STR_EQ,
	OP_STR_NE,
	OP_STR_MATCH,
	OP_STR_START,
	OP_STR_END,
	OP_BOOL,
	OP_IP,
	OP_NOT_IP,
	OP_DATE_LT,
	OP_DATE_GT,
};

/* A condition operator as written, without the IfExists suffix. */
struct policy_op {
	const char *name;
	int	    op;		/* enum cop */
	int	    type;	/* enum ctype of the keys it applies to */
	int	    negated;	/* holds when no value matches */
};
extern const struct policy_op policy_ops[];
extern const size_t policy_nops;
#define IF_EXISTS "IfExists"

enum ckey {
	K_USER_NAME,
	K_USER_ID,
	K_DOMAIN_NAME,
	K_PROJECT_ID,
	K_SOURCE_IP,
	K_CURRENT_TIME,
	K_MFA_PRESENT,
	K_COUNT
};

/* A condition key. */
struct policy_key {
	const char *name;	/* canonical spelling */
	int	    type;	/* enum ctype */
};
extern const struct policy_key policy_keys[K_COUNT];

/* ---- the parsed form -------------------------------------------------- */

enum version {
	V_1_1 = 11,
	V_5_0 = 50,
};

struct addr {
	int	af;		/* AF_INET or AF_INET6 */
	uint8_t	a[16];		/* network order; IPv4 in a[0..4) */
	unsigned prefix;	/* bits that count */
};

struct cval {
	char	*text;		/* as written */
	union {
		int64_t	    ms;		/* CT_DATE */
		int	    b;		/* CT_BOOL */
		struct addr net;	/* CT_IP */
	} u;
};

/* One condition key under one operator, with its alternatives. */
struct centry {
	int	 key;		/* enum ckey */
	int	 is_array;	/* written as an array */
	size_t	 nval;
	struct cval *val;
};

/* One operator of a Condition. */
struct cblock {
	int	 op;		/* index into policy_ops[] */
	int	 if_exists;
	size_t	 nent;
	struct centry *ent;
};

struct stmt {
	char	*sid;		/* NULL when absent */
	int	 deny;
	int	 not_action;
	int	 act_is_array;
	size_t	 nact;
	char	**act;
	size_t	 nres;		/* 0: Resource absent; all are "*" */
	int	 res_is_array;
	int	 has_cond;
	size_t	 nblk;
	struct cblock *blk;
};

struct policy {
	int	 version;	/* enum version */
	size_t	 nst;
	struct stmt *st;
};

/* ASCII lower case of c. */
static inline int
policy_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* An IPv4 or IPv6 address s[0..n) without prefix (policy.c). */
int	policy_parse_addr(const char *s, size_t n, struct addr *out);
/* Whether ip lies in the network net (policy_eval.c). */
int	policy_addr_in(const struct addr *ip, const struct addr *net);
/*
 * Wildcard match of s against the pattern p: "*" any run, "?" one
 * character; icase compares ASCII letters in any case (policy_eval.c).
 */
int	policy_glob(const char *p, const char *s, int icase);

#endif
