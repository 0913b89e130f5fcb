/*
 * policy.c - IAM identity policies, parsing: a document is checked
 * completely here (names, types, bounds, every condition value parsed
 * into its binary form), so evaluation (policy_eval.c) has no failure
 * path of its own and never looks at JSON again; policy_json.c writes
 * the canonical text back.  Also the operator and key tables and the
 * system policies.  See policy.h for the grammar and semantics.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "policy_int.h"
#include "../util/util.h"

/* ---- tables ----------------------------------------------------------- */

const struct policy_op policy_ops[] = {
	{ "StringEquals",	OP_STR_EQ,	CT_STRING, 0 },
	{ "StringNotEquals",	OP_STR_NE,	CT_STRING, 1 },
	{ "StringMatch",	OP_STR_MATCH,	CT_STRING, 0 },
	{ "StringStartWith",	OP_STR_START,	CT_STRING, 0 },
	{ "StringEndWith",	OP_STR_END,	CT_STRING, 0 },
	{ "Bool",		OP_BOOL,	CT_BOOL,   0 },
	{ "IpAddress",		OP_IP,		CT_IP,	   0 },
	{ "NotIpAddress",	OP_NOT_IP,	CT_IP,	   1 },
	{ "DateLessThan",	OP_DATE_LT,	CT_DATE,   0 },
	{ "DateGreaterThan",	OP_DATE_GT,	CT_DATE,   0 },
};
const size_t policy_nops = sizeof(policy_ops) / sizeof(policy_ops[0]);

const struct policy_key policy_keys[K_COUNT] = {
	[K_USER_NAME] =		{ "g:UserName",		CT_STRING },
	[K_USER_ID] =		{ "g:UserId",		CT_STRING },
	[K_DOMAIN_NAME] =	{ "g:DomainName",	CT_STRING },
	[K_PROJECT_ID] =	{ "g:ProjectId",	CT_STRING },
	[K_SOURCE_IP] =		{ "g:SourceIp",		CT_IP },
	[K_CURRENT_TIME] =	{ "g:CurrentTime",	CT_DATE },
	[K_MFA_PRESENT] =	{ "g:MFAPresent",	CT_BOOL },
};

static const struct {
	const char *name;
	const char *doc;
} system_policies[] = {
	{ POLICY_SYS_FULL_ACCESS,
	  "{\"Version\":\"1.1\",\"Statement\":[{\"Effect\":\"Allow\","
	  "\"Action\":[\"workspace:*:*\"]}]}" },
	{ POLICY_SYS_READ_ONLY,
	  "{\"Version\":\"1.1\",\"Statement\":[{\"Effect\":\"Allow\","
	  "\"Action\":[\"workspace:*:get*\",\"workspace:*:list*\","
	  "\"workspace:*:show*\",\"workspace:*:count*\"]}]}" },
};

/* ---- freeing ---------------------------------------------------------- */

static void
stmt_clear(struct stmt *st)
{
	size_t i, j, k;

	free(st->sid);
	for (i = 0; i < st->nact; i++)
		free(st->act[i]);
	free(st->act);
	for (i = 0; i < st->nblk; i++) {
		for (j = 0; j < st->blk[i].nent; j++) {
			for (k = 0; k < st->blk[i].ent[j].nval; k++)
				free(st->blk[i].ent[j].val[k].text);
			free(st->blk[i].ent[j].val);
		}
		free(st->blk[i].ent);
	}
	free(st->blk);
	memset(st, 0, sizeof(*st));
}

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nst; i++)
		stmt_clear(&p->st[i]);
	free(p->st);
	free(p);
}

/* ---- value parsers ---------------------------------------------------- */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

/* An IPv4 or IPv6 address without prefix; prefix = full length. */
int
policy_parse_addr(const char *s, size_t n, struct addr *out)
{
	char tmp[INET6_ADDRSTRLEN + 1];

	memset(out, 0, sizeof(*out));
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (memchr(tmp, ':', n) != NULL) {
		out->af = AF_INET6;
		out->prefix = 128;
	} else {
		out->af = AF_INET;
		out->prefix = 32;
	}
	if (inet_pton(out->af, tmp, out->a) != 1)
		return -1;
	return 0;
}

/* "addr" or "addr/len" with len 0..32 (IPv4) or 0..128 (IPv6). */
static int
parse_cidr(const char *s, struct addr *out)
{
	const char *slash, *q;
	unsigned len = 0;

	if ((slash = strchr(s, '/')) == NULL)
		return policy_parse_addr(s, strlen(s), out);
	if (policy_parse_addr(s, (size_t)(slash - s), out) != 0)
		return -1;
	q = slash + 1;
	/* 1..3 digits, no leading zero (so "/08" is refused). */
	if (!is_digit(q[0]) || (q[0] == '0' && q[1] != '\0'))
		return -1;
	for (; *q != '\0'; q++) {
		if (!is_digit(*q) || q - slash > 3)
			return -1;
		len = len * 10 + (unsigned)(*q - '0');
	}
	if (len > out->prefix)
		return -1;
	out->prefix = len;
	return 0;
}

/*
 * An action pattern: service:resource:operation of [A-Za-z0-9-_.*?],
 * service and operation non-empty.  Sets *upper when the service has an
 * upper-case letter.
 */
static int
valid_action(const char *s, int *upper)
{
	size_t i, n = strlen(s), colons = 0, first = 0, last = 0;
	int c;

	*upper = 0;
	if (n == 0 || n > POLICY_ACTION_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == ':') {
			if (colons++ == 0)
				first = i;
			last = i;
			continue;
		}
		if (!(is_digit(c) ||
		    (policy_lower(c) >= 'a' && policy_lower(c) <= 'z') ||
		    strchr("-_.*?", c) != NULL))
			return 0;
		if (colons == 0 && is_upper(c))
			*upper = 1;
	}
	return colons == 2 && first > 0 && last + 1 < n;
}

/* ---- parsing ---------------------------------------------------------- */

/*
 * v is a string or an array of 1..max strings: borrowed pointers into
 * items[], their count into *np.  what names the element in messages.
 */
static int
get_strings(json_t *v, size_t max, const char *what, const char **items,
    size_t *np, int *is_array, struct wj_errinfo *ei)
{
	size_t i, n;

	*np = 0;
	*is_array = 0;
	if (json_is_string(v)) {
		items[0] = json_string_value(v);
		*np = 1;
		return 0;
	}
	if (!json_is_array(v)) {
		wj_errinfo_set(ei, "%s must be a string or an array of strings",
		    what);
		return WJ_ERR_INVALID;
	}
	if ((n = json_array_size(v)) == 0) {
		wj_errinfo_set(ei, "%s must not be empty", what);
		return WJ_ERR_INVALID;
	}
	if (n > max) {
		wj_errinfo_set(ei, "%s has %zu entries (at most %zu)", what, n,
		    max);
		return WJ_ERR_INVALID;
	}
	for (i = 0; i < n; i++) {
		if (!json_is_string(json_array_get(v, i))) {
			wj_errinfo_set(ei, "entry %zu of %s must be a string",
			    i, what);
			return WJ_ERR_INVALID;
		}
		items[i] = json_string_value(json_array_get(v, i));
	}
	*np = n;
	*is_array = 1;
	return 0;
}

/* Operator name (with optional IfExists) to policy_ops[] index, or -1. */
static int
lookup_op(const char *name, int *if_exists)
{
	size_t n = strlen(name), sl = strlen(IF_EXISTS), i;

	*if_exists = 0;
	if (n > sl && strcmp(name + n - sl, IF_EXISTS) == 0) {
		*if_exists = 1;
		n -= sl;
	}
	for (i = 0; i < policy_nops; i++)
		if (strlen(policy_ops[i].name) == n &&
		    strncmp(policy_ops[i].name, name, n) == 0)
			return (int)i;
	return -1;
}

static int
lookup_key(const char *name)
{
	size_t i;

	for (i = 0; i < K_COUNT; i++)
		if (strcasecmp(policy_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
parse_value(int type, const char *s, struct cval *cv)
{
	switch (type) {
	case CT_STRING:
		return wj_utf8_clean(s, strlen(s)) ? 0 : -1;
	case CT_BOOL:
		if (strcmp(s, "true") == 0)
			cv->u.b = 1;
		else if (strcmp(s, "false") == 0)
			cv->u.b = 0;
		else
			return -1;
		return 0;
	case CT_IP:
		return parse_cidr(s, &cv->u.net);
	case CT_DATE:
		return wj_time_parse_iso(s, &cv->u.ms) == 0 ? 0 : -1;
	}
	return -1;
}

/* The values of one condition key into e (already holding e->key). */
static int
parse_entry(json_t *vals, const struct cblock *b, struct centry *e,
    size_t si, struct wj_errinfo *ei)
{
	const char *items[POLICY_COND_VALUES_MAX];
	const char *kname = policy_keys[e->key].name;
	char what[128];
	size_t i, n;
	int r;

	(void)snprintf(what, sizeof(what), "values of \"%s\" in Statement[%zu]",
	    kname, si);
	if ((r = get_strings(vals, POLICY_COND_VALUES_MAX, what, items, &n,
	    &e->is_array, ei)) != 0)
		return r;
	if ((e->val = calloc(n, sizeof(*e->val))) == NULL)
		return WJ_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if (parse_value(policy_ops[b->op].type, items[i],
		    &e->val[i]) != 0) {
			wj_errinfo_set(ei, "invalid value \"%s\" for \"%s\" "
			    "under \"%s\" in Statement[%zu]", items[i], kname,
			    policy_ops[b->op].name, si);
			return WJ_ERR_INVALID;
		}
		if ((e->val[i].text = strdup(items[i])) == NULL)
			return WJ_ERR_NOMEM;
		e->nval++;
	}
	return 0;
}

/* The index of condition key kname in operator block b, or -1 after
 * saying in ei why it may not stand there. */
static int
block_key(const char *kname, const char *opname, const struct cblock *b,
    size_t si, struct wj_errinfo *ei)
{
	size_t i;
	int k;

	if ((k = lookup_key(kname)) < 0) {
		wj_errinfo_set(ei, "unknown condition key \"%s\" in "
		    "Statement[%zu]", kname, si);
		return -1;
	}
	if (policy_keys[k].type != policy_ops[b->op].type) {
		wj_errinfo_set(ei, "condition operator \"%s\" does not apply "
		    "to key \"%s\" in Statement[%zu]", opname,
		    policy_keys[k].name, si);
		return -1;
	}
	/* JSON duplicates are refused by jansson; this catches the same key
	 * in another case. */
	for (i = 0; i < b->nent; i++) {
		if (b->ent[i].key == k) {
			wj_errinfo_set(ei, "duplicate condition key \"%s\" "
			    "under \"%s\" in Statement[%zu]", kname, opname,
			    si);
			return -1;
		}
	}
	return k;
}

/* The block of operator opname (b->op set): kv maps condition keys to
 * their values. */
static int
parse_block(const char *opname, json_t *kv, size_t si, struct cblock *b,
    struct wj_errinfo *ei)
{
	const char *kname;
	json_t *vals;
	int k, r;

	if (!json_is_object(kv) || json_object_size(kv) == 0) {
		wj_errinfo_set(ei, "condition operator \"%s\" in "
		    "Statement[%zu] must map one or more condition "
		    "keys to values", opname, si);
		return WJ_ERR_INVALID;
	}
	if ((b->ent = calloc(json_object_size(kv), sizeof(*b->ent))) == NULL)
		return WJ_ERR_NOMEM;
	json_object_foreach(kv, kname, vals) {
		if ((k = block_key(kname, opname, b, si, ei)) < 0)
			return WJ_ERR_INVALID;
		b->ent[b->nent].key = k;
		r = parse_entry(vals, b, &b->ent[b->nent], si, ei);
		b->nent++;	/* a partly filled entry is freed too */
		if (r != 0)
			return r;
	}
	return 0;
}

static int
parse_condition(json_t *cond, size_t si, struct stmt *st,
    struct wj_errinfo *ei)
{
	const char *opname;
	struct cblock *b;
	json_t *kv;
	size_t n;
	int r;

	if (!json_is_object(cond)) {
		wj_errinfo_set(ei, "Condition in Statement[%zu] must be an "
		    "object", si);
		return WJ_ERR_INVALID;
	}
	if ((n = json_object_size(cond)) == 0) {
		wj_errinfo_set(ei, "Condition in Statement[%zu] is empty", si);
		return WJ_ERR_INVALID;
	}
	if ((st->blk = calloc(n, sizeof(*st->blk))) == NULL)
		return WJ_ERR_NOMEM;
	st->has_cond = 1;
	json_object_foreach(cond, opname, kv) {
		b = &st->blk[st->nblk];
		if ((b->op = lookup_op(opname, &b->if_exists)) < 0) {
			wj_errinfo_set(ei, "unknown condition operator \"%s\" "
			    "in Statement[%zu]", opname, si);
			return WJ_ERR_INVALID;
		}
		st->nblk++;
		if ((r = parse_block(opname, kv, si, b, ei)) != 0)
			return r;
	}
	return 0;
}

static int
parse_actions(json_t *v, const char *elem, int version, size_t si,
    struct stmt *st, struct wj_errinfo *ei)
{
	const char *items[POLICY_ACTIONS_MAX];
	char what[64];
	size_t i, n;
	int r, upper;

	(void)snprintf(what, sizeof(what), "%s in Statement[%zu]", elem, si);
	if ((r = get_strings(v, POLICY_ACTIONS_MAX, what, items, &n,
	    &st->act_is_array, ei)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if (!valid_action(items[i], &upper)) {
			wj_errinfo_set(ei, "invalid action \"%s\" in %s "
			    "(expected service:resource:operation)", items[i],
			    what);
			return WJ_ERR_INVALID;
		}
		if (upper && version == V_1_1) {
			wj_errinfo_set(ei, "service of action \"%s\" in %s "
			    "must be lower case in Version 1.1", items[i],
			    what);
			return WJ_ERR_INVALID;
		}
	}
	if ((st->act = calloc(n, sizeof(*st->act))) == NULL)
		return WJ_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((st->act[i] = strdup(items[i])) == NULL)
			return WJ_ERR_NOMEM;
		st->nact++;
	}
	return 0;
}

/* Whether every member of statement o is a known element. */
static int
check_elements(json_t *o, size_t si, struct wj_errinfo *ei)
{
	static const char *const known[] = {
		"Sid", "Effect", "Action", "NotAction", "Resource", "Condition",
	};
	const char *name;
	json_t *v;
	size_t i;

	json_object_foreach(o, name, v) {
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcmp(name, known[i]) == 0)
				break;
		if (i == sizeof(known) / sizeof(known[0])) {
			wj_errinfo_set(ei, "unknown element \"%s\" in "
			    "Statement[%zu]", name, si);
			return WJ_ERR_INVALID;
		}
	}
	return 0;
}

static int
parse_effect(json_t *o, size_t si, struct stmt *st, struct wj_errinfo *ei)
{
	json_t *v = json_object_get(o, "Effect");
	const char *s = json_string_value(v);	/* NULL unless a string */

	if (v == NULL) {
		wj_errinfo_set(ei, "missing Effect in Statement[%zu]", si);
		return WJ_ERR_INVALID;
	}
	if (s != NULL && strcmp(s, "Allow") == 0)
		st->deny = 0;
	else if (s != NULL && strcmp(s, "Deny") == 0)
		st->deny = 1;
	else {
		wj_errinfo_set(ei, "Effect in Statement[%zu] must be \"Allow\" "
		    "or \"Deny\"", si);
		return WJ_ERR_INVALID;
	}
	return 0;
}

/* The optional Sid: bounded printable ASCII. */
static int
parse_sid(json_t *o, size_t si, struct stmt *st, struct wj_errinfo *ei)
{
	const char *s;
	json_t *v;
	size_t i, n;

	if ((v = json_object_get(o, "Sid")) == NULL)
		return 0;
	if ((s = json_string_value(v)) == NULL) {
		wj_errinfo_set(ei, "Sid in Statement[%zu] must be a string",
		    si);
		return WJ_ERR_INVALID;
	}
	n = strlen(s);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			break;
	if (n > POLICY_SID_MAX || i < n) {
		wj_errinfo_set(ei, "Sid in Statement[%zu] must be at most %d "
		    "printable ASCII characters", si, POLICY_SID_MAX);
		return WJ_ERR_INVALID;
	}
	if ((st->sid = strdup(s)) == NULL)
		return WJ_ERR_NOMEM;
	return 0;
}

/* Exactly one of Action and NotAction. */
static int
parse_action_element(json_t *o, int version, size_t si, struct stmt *st,
    struct wj_errinfo *ei)
{
	json_t *act = json_object_get(o, "Action");
	json_t *nact = json_object_get(o, "NotAction");

	if (act != NULL && nact != NULL) {
		wj_errinfo_set(ei, "Statement[%zu] has both Action and "
		    "NotAction", si);
		return WJ_ERR_INVALID;
	}
	if (act == NULL && nact == NULL) {
		wj_errinfo_set(ei, "Statement[%zu] has neither Action nor "
		    "NotAction", si);
		return WJ_ERR_INVALID;
	}
	st->not_action = nact != NULL;
	return parse_actions(act != NULL ? act : nact,
	    act != NULL ? "Action" : "NotAction", version, si, st, ei);
}

/* The optional Resource: the job actions take only "*". */
static int
parse_resource(json_t *o, size_t si, struct stmt *st, struct wj_errinfo *ei)
{
	const char *items[POLICY_ACTIONS_MAX];
	char what[64];
	json_t *v;
	size_t i, n;
	int r;

	if ((v = json_object_get(o, "Resource")) == NULL)
		return 0;
	(void)snprintf(what, sizeof(what), "Resource in Statement[%zu]", si);
	if ((r = get_strings(v, POLICY_ACTIONS_MAX, what, items, &n,
	    &st->res_is_array, ei)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if (strcmp(items[i], "*") != 0) {
			wj_errinfo_set(ei, "Resource \"%s\" in Statement[%zu] "
			    "is not supported (only \"*\")", items[i], si);
			return WJ_ERR_INVALID;
		}
	}
	st->nres = n;
	return 0;
}

static int
parse_statement(json_t *o, int version, size_t si, struct stmt *st,
    struct wj_errinfo *ei)
{
	json_t *v;
	int r;

	if (!json_is_object(o)) {
		wj_errinfo_set(ei, "Statement[%zu] must be an object", si);
		return WJ_ERR_INVALID;
	}
	if ((r = check_elements(o, si, ei)) != 0 ||
	    (r = parse_effect(o, si, st, ei)) != 0 ||
	    (r = parse_sid(o, si, st, ei)) != 0 ||
	    (r = parse_action_element(o, version, si, st, ei)) != 0 ||
	    (r = parse_resource(o, si, st, ei)) != 0)
		return r;
	if ((v = json_object_get(o, "Condition")) != NULL &&
	    (r = parse_condition(v, si, st, ei)) != 0)
		return r;
	return 0;
}

/*
 * The JSON object of text[0..len) into *doc: bounded, valid JSON without
 * duplicate members, an object with no members but Version and
 * Statement.  The caller frees *doc, set even on a refusal.
 */
static int
load_document(const char *text, size_t len, json_t **doc,
    struct wj_errinfo *ei)
{
	json_error_t jerr;
	const char *name;
	json_t *v;

	*doc = NULL;
	if (text == NULL || len == 0) {
		wj_errinfo_set(ei, "policy document is empty");
		return WJ_ERR_INVALID;
	}
	if (len > POLICY_DOC_MAX) {
		wj_errinfo_set(ei, "policy document is %zu bytes (at most %d)",
		    len, POLICY_DOC_MAX);
		return WJ_ERR_INVALID;
	}
	if ((*doc = json_loadb(text, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		wj_errinfo_set(ei, "policy document is not valid JSON: %s "
		    "(line %d, column %d)", jerr.text, jerr.line, jerr.column);
		return WJ_ERR_INVALID;
	}
	if (!json_is_object(*doc)) {
		wj_errinfo_set(ei, "policy document must be a JSON object");
		return WJ_ERR_INVALID;
	}
	json_object_foreach(*doc, name, v) {
		if (strcmp(name, "Version") != 0 &&
		    strcmp(name, "Statement") != 0) {
			wj_errinfo_set(ei, "unknown element \"%s\" in policy",
			    name);
			return WJ_ERR_INVALID;
		}
	}
	return 0;
}

/* The Version member of doc into *version (enum version). */
static int
parse_version(json_t *doc, int *version, struct wj_errinfo *ei)
{
	json_t *v;
	const char *s;

	if ((v = json_object_get(doc, "Version")) == NULL) {
		wj_errinfo_set(ei, "missing Version");
		return WJ_ERR_INVALID;
	}
	if ((s = json_string_value(v)) == NULL) {
		wj_errinfo_set(ei, "Version must be a string");
		return WJ_ERR_INVALID;
	}
	if (strcmp(s, "5.0") == 0)
		*version = V_5_0;
	else if (strcmp(s, "1.1") == 0)
		*version = V_1_1;
	else {
		wj_errinfo_set(ei, "unsupported Version \"%s\" (expected "
		    "\"5.0\" or \"1.1\")", s);
		return WJ_ERR_INVALID;
	}
	return 0;
}

/* The Statement array of doc into p (p->version already set). */
static int
parse_statements(json_t *doc, struct policy *p, struct wj_errinfo *ei)
{
	json_t *sts;
	size_t i, n;
	int r;

	if ((sts = json_object_get(doc, "Statement")) == NULL) {
		wj_errinfo_set(ei, "missing Statement");
		return WJ_ERR_INVALID;
	}
	if (!json_is_array(sts)) {
		wj_errinfo_set(ei, "Statement must be an array");
		return WJ_ERR_INVALID;
	}
	if ((n = json_array_size(sts)) == 0 || n > POLICY_STATEMENTS_MAX) {
		wj_errinfo_set(ei, "Statement has %zu entries (1..%d)", n,
		    POLICY_STATEMENTS_MAX);
		return WJ_ERR_INVALID;
	}
	if ((p->st = calloc(n, sizeof(*p->st))) == NULL)
		return WJ_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		r = parse_statement(json_array_get(sts, i), p->version, i,
		    &p->st[i], ei);
		p->nst++;	/* a partly parsed statement is freed too */
		if (r != 0)
			return r;
	}
	return 0;
}

int
policy_parse(const char *text, size_t len, struct policy **out,
    struct wj_errinfo *ei)
{
	struct policy *p = NULL;
	json_t *doc = NULL;
	int r;

	*out = NULL;
	if ((r = load_document(text, len, &doc, ei)) != 0)
		goto out;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		r = WJ_ERR_NOMEM;
		goto out;
	}
	if ((r = parse_version(doc, &p->version, ei)) != 0 ||
	    (r = parse_statements(doc, p, ei)) != 0)
		goto out;
	*out = p;
	p = NULL;		/* transferred */
 out:
	policy_free(p);
	json_decref(doc);
	return r;
}

/* ---- system policies -------------------------------------------------- */

const char *
policy_system_document(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(system_policies) / sizeof(system_policies[0]);
	    i++)
		if (strcmp(system_policies[i].name, name) == 0)
			return system_policies[i].doc;
	return NULL;
}

int
policy_system_new(const char *name, struct policy **out)
{
	const char *doc;

	*out = NULL;
	if ((doc = policy_system_document(name)) == NULL)
		return WJ_ERR_NOT_FOUND;
	return policy_parse(doc, strlen(doc), out, NULL);
}

