/*
 * test_policy.c - IAM identity policies (src/auth/policy*.c): a table
 * of evaluation cases (documents, action, request context, expected
 * decision and Sid), a table of documents the parser must refuse with a
 * message naming the culprit, the size bounds at max and max + 1, the
 * canonical text, and the evaluator's argument checks.
 *
 * Documents in the tables are written with ' for " to stay readable; the
 * harness swaps them before parsing.  Every table row is its own cmocka
 * test, named after the behaviour it checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "auth/policy.h"

/* ---- document shorthands ---------------------------------------------- */

#define P5(stmts) "{'Version':'5.0','Statement':[" stmts "]}"
#define P11(stmts) "{'Version':'1.1','Statement':[" stmts "]}"
#define AND ","
#define ALLOW(act) "{'Effect':'Allow','Action':" act "}"
#define DENY(sid, act) "{'Sid':'" sid "','Effect':'Deny','Action':" act "}"
/* Allow workspace:jobs:get under one condition block. */
#define GET_IF(cond) P5("{'Effect':'Allow','Action':'workspace:jobs:get'," \
	"'Condition':{" cond "}}")
#define SYS_FULL "@" POLICY_SYS_FULL_ACCESS
#define SYS_RO "@" POLICY_SYS_READ_ONLY

#define A_LIST	"workspace:jobs:listSubJobs"
#define A_GET	"workspace:jobs:get"
#define A_RETRY	"workspace:jobs:retry"
#define A_DEL	"workspace:jobs:deleteSubJobRecords"
#define A_CREATE "workspace:jobs:create"
#define A_EXEC	"workspace:jobs:execute"
#define A_STS	"sts::decodeAuthorizationMessage"

enum { MFA_ABSENT = 0, MFA_NO, MFA_YES };
enum { ALLOW = POLICY_ALLOW, IMPLICIT = POLICY_DENY_IMPLICIT,
    EXPLICIT = POLICY_DENY_EXPLICIT };

/* The example policy of the IAM documentation. */
#define SPEC_EXAMPLE P5("{'Sid':'AllowJobRead','Effect':'Allow'," \
	"'Action':['workspace:jobs:listSubJobs','workspace:jobs:get']," \
	"'Resource':['*']},{'Effect':'Deny'," \
	"'Action':['workspace:jobs:deleteSubJobRecords']," \
	"'Condition':{'Bool':{'g:MFAPresent':['false']}}}")

/* ---- evaluation table ------------------------------------------------- */

struct ecase {
	const char *name;
	const char *doc;	/* policies[0]; "@name" = system policy */
	const char *doc2;	/* policies[1] or NULL */
	const char *action;
	const char *user;	/* context; NULL = absent */
	const char *uid;
	const char *domain;
	const char *project;
	const char *ip;
	const char *now;	/* "YYYY-MM-DDTHH:MM:SSZ" or NULL */
	int64_t	    now_adj;	/* ms added to now */
	int	    mfa;	/* MFA_* */
	int	    want;	/* ALLOW, IMPLICIT, EXPLICIT */
	const char *sid;	/* expected Sid; NULL = "" */
	size_t	    pol;	/* expected deciding policy (not implicit) */
};

static const struct ecase ecases[] = {
	/* Actions and wildcards. */
	{ "exact action allowed", P5(ALLOW("'workspace:jobs:get'")), NULL,
	  A_GET, .want = ALLOW },
	{ "other action is an implicit deny", P5(ALLOW("'workspace:jobs:get'")),
	  NULL, A_RETRY, .want = IMPLICIT },
	{ "trailing * matches the operation", P5(ALLOW("'workspace:jobs:*'")),
	  NULL, A_LIST, .want = ALLOW },
	{ "* as resource segment", P5(ALLOW("'workspace:*:get'")), NULL, A_GET,
	  .want = ALLOW },
	{ "*:*:* matches an empty middle segment", P5(ALLOW("'*:*:*'")), NULL,
	  A_STS, .want = ALLOW },
	{ "* runs across ':'", P5(ALLOW("'workspace:*:*'")), NULL,
	  "workspace:jobs:sub:get", .want = ALLOW },
	{ "prefix wildcard list*", P5(ALLOW("'workspace:jobs:list*'")), NULL,
	  A_LIST, .want = ALLOW },
	{ "leading wildcard *Records", P5(ALLOW("'workspace:jobs:*Records'")),
	  NULL, A_DEL, .want = ALLOW },
	{ "? is exactly one character", P5(ALLOW("'workspace:jobs:ge?'")),
	  NULL, A_GET, .want = ALLOW },
	{ "? does not match nothing", P5(ALLOW("'workspace:jobs:get?'")),
	  NULL, A_GET, .want = IMPLICIT },
	{ "? does not match two", P5(ALLOW("'workspace:jobs:g?'")), NULL,
	  A_GET, .want = IMPLICIT },
	{ "? in the service segment", P5(ALLOW("'workspac?:jobs:get'")), NULL,
	  A_GET, .want = ALLOW },
	{ "several * in one pattern", P5(ALLOW("'w*s*e:*:*t'")), NULL, A_GET,
	  .want = ALLOW },
	{ "mixed * and ?", P5(ALLOW("'*:j?bs:r*y'")), NULL, A_RETRY,
	  .want = ALLOW },
	{ "workspace:*:* does not cover sts", P5(ALLOW("'workspace:*:*'")),
	  NULL, A_STS, .want = IMPLICIT },
	{ "pattern is anchored at the end", P5(ALLOW("'workspace:jobs:get'")),
	  NULL, "workspace:jobs:getX", .want = IMPLICIT },
	{ "pattern is anchored at the start", P5(ALLOW("'orkspace:jobs:get'")),
	  NULL, A_GET, .want = IMPLICIT },
	{ "upper-case pattern matches (5.0)",
	  P5(ALLOW("'WORKSPACE:JOBS:GET'")), NULL, A_GET, .want = ALLOW },
	{ "upper-case action matches", P5(ALLOW("'workspace:jobs:get'")),
	  NULL, "Workspace:Jobs:GET", .want = ALLOW },
	{ "case folding with a wildcard", P5(ALLOW("'workspace:jobs:LIST*'")),
	  NULL, A_LIST, .want = ALLOW },
	{ "second entry of an action list",
	  P5(ALLOW("['workspace:jobs:retry','workspace:jobs:get']")), NULL,
	  A_GET, .want = ALLOW },
	{ "double colon action exact", P5(ALLOW("'" A_STS "'")), NULL, A_STS,
	  .want = ALLOW },
	{ "double colon is not a wildcard", P5(ALLOW("'" A_STS "'")), NULL,
	  "sts:x:decodeAuthorizationMessage", .want = IMPLICIT },
	{ "sts::* wildcard", P5(ALLOW("'sts::*'")), NULL, A_STS,
	  .want = ALLOW },
	{ "version 1.1 policy allows", P11(ALLOW("'workspace:jobs:*'")), NULL,
	  A_RETRY, .want = ALLOW },
	{ "Resource * and [*] accepted",
	  P5("{'Effect':'Allow','Action':'workspace:jobs:get','Resource':'*'}"
	  AND "{'Effect':'Allow','Action':'workspace:jobs:retry',"
	  "'Resource':['*']}"),
	  NULL, A_RETRY, .want = ALLOW },
	{ "no policies attached", NULL, NULL, A_GET, .want = IMPLICIT },

	/* NotAction. */
	{ "NotAction allows the others",
	  P5("{'Effect':'Allow','NotAction':'" A_DEL "'}"), NULL, A_GET,
	  .want = ALLOW },
	{ "NotAction excludes the listed",
	  P5("{'Effect':'Allow','NotAction':'" A_DEL "'}"), NULL, A_DEL,
	  .want = IMPLICIT },
	{ "NotAction exclusion is case-insensitive",
	  P5("{'Effect':'Allow','NotAction':'WORKSPACE:JOBS:DELETE*'}"), NULL,
	  A_DEL, .want = IMPLICIT },
	{ "NotAction covers other services",
	  P5("{'Effect':'Allow','NotAction':'workspace:*:*'}"), NULL, A_STS,
	  .want = ALLOW },
	{ "Deny NotAction denies writes",
	  P5(ALLOW("'workspace:*:*'") AND "{'Sid':'ReadOnly','Effect':'Deny',"
	  "'NotAction':['workspace:*:get*','workspace:*:list*']}"), NULL,
	  A_RETRY, .want = EXPLICIT, .sid = "ReadOnly" },
	{ "Deny NotAction spares reads",
	  P5(ALLOW("'workspace:*:*'") AND "{'Sid':'ReadOnly','Effect':'Deny',"
	  "'NotAction':['workspace:*:get*','workspace:*:list*']}"), NULL,
	  A_LIST, .want = ALLOW },

	/* Allow and Deny, within and across policies. */
	{ "Deny in second policy beats Allow in first",
	  P5(ALLOW("'workspace:*:*'")), P5(DENY("NoDelete", "'" A_DEL "'")),
	  A_DEL, .want = EXPLICIT, .sid = "NoDelete", .pol = 1 },
	{ "other actions still allowed by first policy",
	  P5(ALLOW("'workspace:*:*'")), P5(DENY("NoDelete", "'" A_DEL "'")),
	  A_GET, .want = ALLOW, .pol = 0 },
	{ "Deny in first policy beats Allow in second",
	  P5(DENY("Stop", "'workspace:*:*'")), P5(ALLOW("'workspace:*:*'")),
	  A_GET, .want = EXPLICIT, .sid = "Stop", .pol = 0 },
	{ "Deny after Allow in one policy",
	  P5("{'Sid':'A','Effect':'Allow','Action':'workspace:*:*'}"
	  AND DENY("D", "'workspace:jobs:retry'")), NULL, A_RETRY,
	  .want = EXPLICIT, .sid = "D" },
	{ "Deny without Sid has an empty Sid",
	  P5(ALLOW("'workspace:*:*'")
	  AND "{'Effect':'Deny','Action':'workspace:jobs:retry'}"), NULL,
	  A_RETRY,
	  .want = EXPLICIT },
	{ "Deny alone is explicit", P5(DENY("Only", "'workspace:jobs:*'")),
	  NULL, A_GET, .want = EXPLICIT, .sid = "Only" },
	{ "non-matching Deny leaves an implicit deny",
	  P5(DENY("Only", "'workspace:jobs:retry'")), NULL, A_GET,
	  .want = IMPLICIT },
	{ "Allow Sid comes from the allowing policy",
	  P5(ALLOW("'workspace:jobs:retry'")),
	  P5("{'Sid':'B','Effect':'Allow','Action':'workspace:jobs:get'}"),
	  A_GET, .want = ALLOW, .sid = "B", .pol = 1 },
	{ "spec example: read allowed", SPEC_EXAMPLE, NULL, A_LIST,
	  .want = ALLOW, .sid = "AllowJobRead" },
	{ "spec example: delete without MFA explicitly denied", SPEC_EXAMPLE,
	  P5(ALLOW("'workspace:*:*'")), A_DEL, .mfa = MFA_NO, .want = EXPLICIT,
	  .pol = 0 },
	{ "spec example: delete with MFA not denied", SPEC_EXAMPLE,
	  P5(ALLOW("'workspace:*:*'")), A_DEL, .mfa = MFA_YES, .want = ALLOW,
	  .pol = 1 },
	{ "spec example: MFA absent, Deny condition false", SPEC_EXAMPLE, NULL,
	  A_DEL, .want = IMPLICIT },

	/* String operators. */
	{ "StringEquals true", GET_IF("'StringEquals':{'g:UserName':'alice'}"),
	  NULL, A_GET, .user = "alice", .want = ALLOW },
	{ "StringEquals false", GET_IF("'StringEquals':{'g:UserName':'alice'}"),
	  NULL, A_GET, .user = "bob", .want = IMPLICIT },
	{ "StringEquals is case-sensitive",
	  GET_IF("'StringEquals':{'g:UserName':'Alice'}"), NULL, A_GET,
	  .user = "alice", .want = IMPLICIT },
	{ "StringEquals values are alternatives",
	  GET_IF("'StringEquals':{'g:UserName':['bob','alice']}"), NULL, A_GET,
	  .user = "alice", .want = ALLOW },
	{ "condition key names are case-insensitive",
	  GET_IF("'StringEquals':{'G:USERNAME':'alice'}"), NULL, A_GET,
	  .user = "alice", .want = ALLOW },
	{ "StringEquals on g:UserId",
	  GET_IF("'StringEquals':{'g:UserId':'u-1'}"), NULL, A_GET,
	  .uid = "u-1",
	  .want = ALLOW },
	{ "StringEquals key absent is false",
	  GET_IF("'StringEquals':{'g:UserName':'alice'}"), NULL, A_GET,
	  .want = IMPLICIT },
	{ "StringEqualsIfExists key absent is true",
	  GET_IF("'StringEqualsIfExists':{'g:UserName':'alice'}"), NULL, A_GET,
	  .want = ALLOW },
	{ "StringEqualsIfExists key present still compares",
	  GET_IF("'StringEqualsIfExists':{'g:UserName':'alice'}"), NULL, A_GET,
	  .user = "bob", .want = IMPLICIT },
	{ "StringNotEquals matches none: true",
	  GET_IF("'StringNotEquals':{'g:UserName':['bob','carol']}"), NULL,
	  A_GET, .user = "alice", .want = ALLOW },
	{ "StringNotEquals matches one: false",
	  GET_IF("'StringNotEquals':{'g:UserName':['bob','carol']}"), NULL,
	  A_GET, .user = "carol", .want = IMPLICIT },
	{ "StringNotEquals key absent is false",
	  GET_IF("'StringNotEquals':{'g:UserName':'bob'}"), NULL, A_GET,
	  .want = IMPLICIT },
	{ "StringNotEqualsIfExists key absent is true",
	  GET_IF("'StringNotEqualsIfExists':{'g:UserName':'bob'}"), NULL, A_GET,
	  .want = ALLOW },
	{ "StringMatch * true", GET_IF("'StringMatch':{'g:UserName':'ali*'}"),
	  NULL, A_GET, .user = "alice", .want = ALLOW },
	{ "StringMatch ? true", GET_IF("'StringMatch':{'g:UserName':'al?ce'}"),
	  NULL, A_GET, .user = "alice", .want = ALLOW },
	{ "StringMatch false", GET_IF("'StringMatch':{'g:UserName':'bob*'}"),
	  NULL, A_GET, .user = "alice", .want = IMPLICIT },
	{ "StringMatch is case-sensitive",
	  GET_IF("'StringMatch':{'g:UserName':'ALI*'}"), NULL, A_GET,
	  .user = "alice", .want = IMPLICIT },
	{ "StringMatch ? is one UTF-8 character",
	  GET_IF("'StringMatch':{'g:UserName':'?lise'}"), NULL, A_GET,
	  .user = "\xc3\xa9lise", .want = ALLOW },
	{ "StringMatch ?? is two characters",
	  GET_IF("'StringMatch':{'g:UserName':'??lise'}"), NULL, A_GET,
	  .user = "\xc3\xa9lise", .want = IMPLICIT },
	{ "StringEquals with a \\u escape",
	  GET_IF("'StringEquals':{'g:UserName':'\\u00e9lise'}"), NULL, A_GET,
	  .user = "\xc3\xa9lise", .want = ALLOW },
	{ "StringStartWith true",
	  GET_IF("'StringStartWith':{'g:ProjectId':'0123'}"), NULL, A_GET,
	  .project = "0123456789abcdef", .want = ALLOW },
	{ "StringStartWith false",
	  GET_IF("'StringStartWith':{'g:ProjectId':'abcd'}"), NULL, A_GET,
	  .project = "0123456789abcdef", .want = IMPLICIT },
	{ "StringEndWith true",
	  GET_IF("'StringEndWith':{'g:DomainName':'-prod'}"), NULL, A_GET,
	  .domain = "acme-prod", .want = ALLOW },
	{ "StringEndWith false when value is longer",
	  GET_IF("'StringEndWith':{'g:DomainName':'xacme-prod'}"), NULL, A_GET,
	  .domain = "acme-prod", .want = IMPLICIT },
	{ "StringEndWithIfExists key absent is true",
	  GET_IF("'StringEndWithIfExists':{'g:UserName':'-admin'}"), NULL,
	  A_GET, .want = ALLOW },

	/* Bool. */
	{ "Bool true matches MFA", GET_IF("'Bool':{'g:MFAPresent':'true'}"),
	  NULL, A_GET, .mfa = MFA_YES, .want = ALLOW },
	{ "Bool true vs no MFA", GET_IF("'Bool':{'g:MFAPresent':'true'}"),
	  NULL, A_GET, .mfa = MFA_NO, .want = IMPLICIT },
	{ "Bool false matches no MFA",
	  GET_IF("'Bool':{'g:MFAPresent':['false']}"),
	  NULL, A_GET, .mfa = MFA_NO, .want = ALLOW },
	{ "Bool key absent is false", GET_IF("'Bool':{'g:MFAPresent':'true'}"),
	  NULL, A_GET, .want = IMPLICIT },
	{ "BoolIfExists key absent is true",
	  GET_IF("'BoolIfExists':{'g:MFAPresent':'true'}"), NULL, A_GET,
	  .want = ALLOW },

	/* IpAddress / NotIpAddress. */
	{ "IPv4 /24 inside", GET_IF("'IpAddress':{'g:SourceIp':'10.0.0.0/24'}"),
	  NULL, A_GET, .ip = "10.0.0.7", .want = ALLOW },
	{ "IPv4 /24 last address",
	  GET_IF("'IpAddress':{'g:SourceIp':'10.0.0.0/24'}"), NULL, A_GET,
	  .ip = "10.0.0.255", .want = ALLOW },
	{ "IPv4 /24 just outside",
	  GET_IF("'IpAddress':{'g:SourceIp':'10.0.0.0/24'}"), NULL, A_GET,
	  .ip = "10.0.1.0", .want = IMPLICIT },
	{ "IPv4 /23 upper half inside",
	  GET_IF("'IpAddress':{'g:SourceIp':'10.0.0.0/23'}"), NULL, A_GET,
	  .ip = "10.0.1.255", .want = ALLOW },
	{ "IPv4 /23 just outside",
	  GET_IF("'IpAddress':{'g:SourceIp':'10.0.0.0/23'}"), NULL, A_GET,
	  .ip = "10.0.2.0", .want = IMPLICIT },
	{ "IPv4 /32 exact", GET_IF("'IpAddress':{'g:SourceIp':'192.0.2.1/32'}"),
	  NULL, A_GET, .ip = "192.0.2.1", .want = ALLOW },
	{ "IPv4 /32 neighbour",
	  GET_IF("'IpAddress':{'g:SourceIp':'192.0.2.1/32'}"), NULL, A_GET,
	  .ip = "192.0.2.2", .want = IMPLICIT },
	{ "IPv4 plain address",
	  GET_IF("'IpAddress':{'g:SourceIp':'192.0.2.1'}"),
	  NULL, A_GET, .ip = "192.0.2.1", .want = ALLOW },
	{ "IPv4 /0 matches any IPv4",
	  GET_IF("'IpAddress':{'g:SourceIp':'0.0.0.0/0'}"), NULL, A_GET,
	  .ip = "255.255.255.255", .want = ALLOW },
	{ "IPv4 /0 does not match IPv6",
	  GET_IF("'IpAddress':{'g:SourceIp':'0.0.0.0/0'}"), NULL, A_GET,
	  .ip = "2001:db8::1", .want = IMPLICIT },
	{ "host bits in the network are ignored",
	  GET_IF("'IpAddress':{'g:SourceIp':'10.1.2.3/8'}"), NULL, A_GET,
	  .ip = "10.200.0.1", .want = ALLOW },
	{ "IPv4-mapped IPv6 source vs IPv4 network",
	  GET_IF("'IpAddress':{'g:SourceIp':'10.0.0.0/8'}"), NULL, A_GET,
	  .ip = "::ffff:10.9.8.7", .want = ALLOW },
	{ "IPv6 /64 inside",
	  GET_IF("'IpAddress':{'g:SourceIp':'2001:db8::/64'}"), NULL, A_GET,
	  .ip = "2001:db8::ffff:ffff:ffff:ffff", .want = ALLOW },
	{ "IPv6 /64 just outside",
	  GET_IF("'IpAddress':{'g:SourceIp':'2001:db8::/64'}"), NULL, A_GET,
	  .ip = "2001:db8:0:1::", .want = IMPLICIT },
	{ "IPv6 /128 exact",
	  GET_IF("'IpAddress':{'g:SourceIp':'2001:db8::1/128'}"), NULL, A_GET,
	  .ip = "2001:DB8:0:0:0:0:0:1", .want = ALLOW },
	{ "IPv6 /128 neighbour",
	  GET_IF("'IpAddress':{'g:SourceIp':'2001:db8::1/128'}"), NULL, A_GET,
	  .ip = "2001:db8::2", .want = IMPLICIT },
	{ "IPv6 ::/0 matches any IPv6",
	  GET_IF("'IpAddress':{'g:SourceIp':'::/0'}"), NULL, A_GET,
	  .ip = "fe80::1", .want = ALLOW },
	{ "IPv6 ::/0 does not match IPv4",
	  GET_IF("'IpAddress':{'g:SourceIp':'::/0'}"), NULL, A_GET,
	  .ip = "10.0.0.1", .want = IMPLICIT },
	{ "IpAddress values are alternatives",
	  GET_IF("'IpAddress':{'g:SourceIp':['192.168.0.0/16','10.0.0.0/8']}"),
	  NULL, A_GET, .ip = "10.1.1.1", .want = ALLOW },
	{ "IpAddress key absent is false",
	  GET_IF("'IpAddress':{'g:SourceIp':'0.0.0.0/0'}"), NULL, A_GET,
	  .want = IMPLICIT },
	{ "NotIpAddress outside: true",
	  GET_IF("'NotIpAddress':{'g:SourceIp':'10.0.0.0/8'}"), NULL, A_GET,
	  .ip = "203.0.113.5", .want = ALLOW },
	{ "NotIpAddress inside: false",
	  GET_IF("'NotIpAddress':{'g:SourceIp':'10.0.0.0/8'}"), NULL, A_GET,
	  .ip = "10.0.0.1", .want = IMPLICIT },
	{ "NotIpAddress in any listed network: false",
	  GET_IF("'NotIpAddress':{'g:SourceIp':"
	  "['10.0.0.0/8','2001:db8::/32']}"),
	  NULL, A_GET, .ip = "2001:db8:1::9", .want = IMPLICIT },
	{ "NotIpAddress key absent is false",
	  GET_IF("'NotIpAddress':{'g:SourceIp':'10.0.0.0/8'}"), NULL, A_GET,
	  .want = IMPLICIT },
	{ "NotIpAddressIfExists key absent is true",
	  GET_IF("'NotIpAddressIfExists':{'g:SourceIp':'10.0.0.0/8'}"), NULL,
	  A_GET, .want = ALLOW },
	{ "Deny from outside the corporate network",
	  P5(ALLOW("'workspace:*:*'") AND "{'Sid':'CorpOnly','Effect':'Deny',"
	  "'Action':'workspace:*:*','Condition':{'NotIpAddress':"
	  "{'g:SourceIp':['10.0.0.0/8']}}}"), NULL, A_RETRY,
	  .ip = "198.51.100.1", .want = EXPLICIT, .sid = "CorpOnly" },

	/* Dates against g:CurrentTime. */
	{ "DateLessThan one ms before",
	  GET_IF("'DateLessThan':{'g:CurrentTime':'2026-01-01T00:00:00Z'}"),
	  NULL, A_GET, .now = "2026-01-01T00:00:00Z", .now_adj = -1,
	  .want = ALLOW },
	{ "DateLessThan at the boundary is false",
	  GET_IF("'DateLessThan':{'g:CurrentTime':'2026-01-01T00:00:00Z'}"),
	  NULL, A_GET, .now = "2026-01-01T00:00:00Z", .want = IMPLICIT },
	{ "DateGreaterThan one ms after",
	  GET_IF("'DateGreaterThan':{'g:CurrentTime':'2026-01-01T00:00:00Z'}"),
	  NULL, A_GET, .now = "2026-01-01T00:00:00Z", .now_adj = 1,
	  .want = ALLOW },
	{ "DateGreaterThan at the boundary is false",
	  GET_IF("'DateGreaterThan':{'g:CurrentTime':'2026-01-01T00:00:00Z'}"),
	  NULL, A_GET, .now = "2026-01-01T00:00:00Z", .want = IMPLICIT },
	{ "DateGreaterThan with milliseconds, equal",
	  GET_IF("'DateGreaterThan':{'g:CurrentTime':"
	  "'2026-01-01T00:00:00.5Z'}"),
	  NULL, A_GET, .now = "2026-01-01T00:00:00Z", .now_adj = 500,
	  .want = IMPLICIT },
	{ "DateGreaterThan with milliseconds, after",
	  GET_IF("'DateGreaterThan':{'g:CurrentTime':"
	  "'2026-01-01T00:00:00.5Z'}"),
	  NULL, A_GET, .now = "2026-01-01T00:00:00Z", .now_adj = 501,
	  .want = ALLOW },
	{ "DateLessThan on a leap day",
	  GET_IF("'DateLessThan':{'g:CurrentTime':'2028-02-29T12:00:00Z'}"),
	  NULL, A_GET, .now = "2028-02-29T11:59:59Z", .want = ALLOW },
	{ "DateLessThan leap day passed",
	  GET_IF("'DateLessThan':{'g:CurrentTime':'2028-02-29T12:00:00Z'}"),
	  NULL, A_GET, .now = "2028-03-01T00:00:00Z", .want = IMPLICIT },
	{ "DateLessThan key absent is false",
	  GET_IF("'DateLessThan':{'g:CurrentTime':'2099-01-01T00:00:00Z'}"),
	  NULL, A_GET, .want = IMPLICIT },
	{ "DateLessThanIfExists key absent is true",
	  GET_IF("'DateLessThanIfExists':{'g:CurrentTime':"
	  "'2000-01-01T00:00:00Z'}"), NULL, A_GET, .want = ALLOW },
	{ "date window inside",
	  GET_IF("'DateGreaterThan':{'g:CurrentTime':'2026-01-01T00:00:00Z'},"
	  "'DateLessThan':{'g:CurrentTime':'2026-02-01T00:00:00Z'}"), NULL,
	  A_GET, .now = "2026-01-15T08:00:00Z", .want = ALLOW },
	{ "date window after",
	  GET_IF("'DateGreaterThan':{'g:CurrentTime':'2026-01-01T00:00:00Z'},"
	  "'DateLessThan':{'g:CurrentTime':'2026-02-01T00:00:00Z'}"), NULL,
	  A_GET, .now = "2026-02-01T00:00:00Z", .want = IMPLICIT },

	/* Combining entries. */
	{ "two keys under one operator, both hold",
	  GET_IF("'StringEquals':{'g:UserName':'alice','g:ProjectId':'p1'}"),
	  NULL, A_GET, .user = "alice", .project = "p1", .want = ALLOW },
	{ "two keys under one operator, one fails",
	  GET_IF("'StringEquals':{'g:UserName':'alice','g:ProjectId':'p1'}"),
	  NULL, A_GET, .user = "alice", .project = "p2", .want = IMPLICIT },
	{ "two operators, both hold",
	  GET_IF("'StringEquals':{'g:UserName':'alice'},"
	  "'Bool':{'g:MFAPresent':'true'},"
	  "'IpAddress':{'g:SourceIp':'10.0.0.0/8'}"), NULL, A_GET,
	  .user = "alice", .mfa = MFA_YES, .ip = "10.1.2.3", .want = ALLOW },
	{ "two operators, one fails",
	  GET_IF("'StringEquals':{'g:UserName':'alice'},"
	  "'Bool':{'g:MFAPresent':'true'},"
	  "'IpAddress':{'g:SourceIp':'10.0.0.0/8'}"), NULL, A_GET,
	  .user = "alice", .mfa = MFA_YES, .ip = "11.1.2.3", .want = IMPLICIT },
	{ "IfExists and plain mixed, key absent",
	  GET_IF("'StringEqualsIfExists':{'g:DomainName':'acme'},"
	  "'StringEquals':{'g:UserName':'alice'}"), NULL, A_GET,
	  .user = "alice", .want = ALLOW },

	/* System policies against the job and internal actions. */
	{ "FullAccess: listSubJobs", SYS_FULL, NULL, A_LIST, .want = ALLOW },
	{ "FullAccess: get", SYS_FULL, NULL, A_GET, .want = ALLOW },
	{ "FullAccess: retry", SYS_FULL, NULL, A_RETRY, .want = ALLOW },
	{ "FullAccess: deleteSubJobRecords", SYS_FULL, NULL, A_DEL,
	  .want = ALLOW },
	{ "FullAccess: create", SYS_FULL, NULL, A_CREATE, .want = ALLOW },
	{ "FullAccess: execute", SYS_FULL, NULL, A_EXEC, .want = ALLOW },
	{ "FullAccess: not sts", SYS_FULL, NULL, A_STS, .want = IMPLICIT },
	{ "ReadOnly: listSubJobs", SYS_RO, NULL, A_LIST, .want = ALLOW },
	{ "ReadOnly: get", SYS_RO, NULL, A_GET, .want = ALLOW },
	{ "ReadOnly: countSubJobs", SYS_RO, NULL, "workspace:jobs:countSubJobs",
	  .want = ALLOW },
	{ "ReadOnly: not retry", SYS_RO, NULL, A_RETRY, .want = IMPLICIT },
	{ "ReadOnly: not deleteSubJobRecords", SYS_RO, NULL, A_DEL,
	  .want = IMPLICIT },
	{ "ReadOnly: not create", SYS_RO, NULL, A_CREATE, .want = IMPLICIT },
	{ "ReadOnly: not execute", SYS_RO, NULL, A_EXEC, .want = IMPLICIT },
	{ "ReadOnly: not sts", SYS_RO, NULL, A_STS, .want = IMPLICIT },
	{ "ReadOnly plus a Deny of listSubJobs", SYS_RO,
	  P5(DENY("NoList", "'" A_LIST "'")), A_LIST, .want = EXPLICIT,
	  .sid = "NoList", .pol = 1 },
	{ "sts decode allowed by its own policy", SYS_RO,
	  P5(ALLOW("'" A_STS "'")), A_STS, .want = ALLOW, .pol = 1 },
};

/* ---- rejection table -------------------------------------------------- */

struct rcase {
	const char *name;
	const char *doc;
	const char *detail;	/* must occur in the error detail */
};

#define STMT_GET "'Effect':'Allow','Action':'workspace:jobs:get'"
#define COND(c) P5("{" STMT_GET ",'Condition':{" c "}}")

static const struct rcase rcases[] = {
	{ "unknown element Principal",
	  P5("{" STMT_GET ",'Principal':'*'}"),
	  "unknown element \"Principal\" in Statement[0]" },
	{ "unknown element in the second statement",
	  P5(ALLOW("'workspace:*:*'") AND "{" STMT_GET ",'NotResource':'*'}"),
	  "unknown element \"NotResource\" in Statement[1]" },
	{ "unknown top-level element",
	  "{'Version':'5.0','Id':'x','Statement':[" ALLOW("'a:b:c'") "]}",
	  "unknown element \"Id\"" },
	{ "element names are case-sensitive",
	  P5("{'effect':'Allow','Action':'workspace:jobs:get'}"),
	  "unknown element \"effect\" in Statement[0]" },
	{ "unknown operator", COND("'StringEqualz':{'g:UserName':'a'}"),
	  "unknown condition operator \"StringEqualz\"" },
	{ "operator names are case-sensitive",
	  COND("'stringequals':{'g:UserName':'a'}"),
	  "unknown condition operator \"stringequals\"" },
	{ "ForAnyValue prefix is not supported",
	  COND("'ForAnyValue:StringEquals':{'g:UserName':'a'}"),
	  "unknown condition operator \"ForAnyValue:StringEquals\"" },
	{ "IfExists alone is no operator",
	  COND("'IfExists':{'g:UserName':'a'}"),
	  "unknown condition operator \"IfExists\"" },
	{ "IfExists twice",
	  COND("'BoolIfExistsIfExists':{'g:MFAPresent':'true'}"),
	  "unknown condition operator \"BoolIfExistsIfExists\"" },
	{ "unknown key", COND("'StringEquals':{'g:Foo':'a'}"),
	  "unknown condition key \"g:Foo\"" },
	{ "key without g: prefix", COND("'StringEquals':{'UserName':'a'}"),
	  "unknown condition key \"UserName\"" },
	{ "Bool on a string key", COND("'Bool':{'g:UserName':'true'}"),
	  "does not apply to key \"g:UserName\"" },
	{ "IpAddress on g:CurrentTime",
	  COND("'IpAddress':{'g:CurrentTime':'10.0.0.0/8'}"),
	  "does not apply to key \"g:CurrentTime\"" },
	{ "StringEquals on g:SourceIp",
	  COND("'StringEquals':{'g:SourceIp':'10.0.0.1'}"),
	  "does not apply to key \"g:SourceIp\"" },
	{ "Version 1.0", "{'Version':'1.0','Statement':[" ALLOW("'a:b:c'") "]}",
	  "unsupported Version \"1.0\"" },
	{ "Version 5", "{'Version':'5','Statement':[" ALLOW("'a:b:c'") "]}",
	  "unsupported Version \"5\"" },
	{ "Version missing", "{'Statement':[" ALLOW("'a:b:c'") "]}",
	  "missing Version" },
	{ "Version a number", "{'Version':5.0,'Statement':[" ALLOW("'a:b:c'")
	  "]}", "Version must be a string" },
	{ "Statement missing", "{'Version':'5.0'}", "missing Statement" },
	{ "Statement an object",
	  "{'Version':'5.0','Statement':" ALLOW("'a:b:c'") "}",
	  "Statement must be an array" },
	{ "Statement empty", "{'Version':'5.0','Statement':[]}",
	  "Statement has 0 entries" },
	{ "statement not an object", P5("'x'"),
	  "Statement[0] must be an object" },
	{ "Effect missing", P5("{'Action':'a:b:c'}"),
	  "missing Effect in Statement[0]" },
	{ "Effect lower case", P5("{'Effect':'allow','Action':'a:b:c'}"),
	  "Effect in Statement[0] must be \"Allow\" or \"Deny\"" },
	{ "Effect a boolean", P5("{'Effect':true,'Action':'a:b:c'}"),
	  "Effect in Statement[0] must be" },
	{ "Sid a number", P5("{'Sid':1," STMT_GET "}"),
	  "Sid in Statement[0] must be a string" },
	{ "Sid with a control character", P5("{'Sid':'a\\tb'," STMT_GET "}"),
	  "Sid in Statement[0] must be at most" },
	{ "Action and NotAction",
	  P5("{'Effect':'Allow','Action':'a:b:c','NotAction':'a:b:d'}"),
	  "has both Action and NotAction" },
	{ "neither Action nor NotAction", P5("{'Effect':'Allow'}"),
	  "has neither Action nor NotAction" },
	{ "Action a number", P5("{'Effect':'Allow','Action':7}"),
	  "Action in Statement[0] must be a string or an array of strings" },
	{ "Action an object", P5("{'Effect':'Allow','Action':{}}"),
	  "Action in Statement[0] must be a string or an array of strings" },
	{ "Action empty array", P5("{'Effect':'Allow','Action':[]}"),
	  "Action in Statement[0] must not be empty" },
	{ "Action entry not a string",
	  P5("{'Effect':'Allow','Action':['a:b:c',null]}"),
	  "entry 1 of Action in Statement[0] must be a string" },
	{ "action with two segments", P5(ALLOW("'workspace:get'")),
	  "invalid action \"workspace:get\"" },
	{ "action with four segments", P5(ALLOW("'workspace:jobs:get:x'")),
	  "invalid action \"workspace:jobs:get:x\"" },
	{ "action with an empty service", P5(ALLOW("':jobs:get'")),
	  "invalid action \":jobs:get\"" },
	{ "action with an empty operation", P5(ALLOW("'workspace:jobs:'")),
	  "invalid action \"workspace:jobs:\"" },
	{ "action with a space", P5(ALLOW("'workspace:jobs:get all'")),
	  "invalid action \"workspace:jobs:get all\"" },
	{ "bare * action", P5(ALLOW("'*'")), "invalid action \"*\"" },
	{ "NotAction entry invalid",
	  P5("{'Effect':'Deny','NotAction':['a:b:c','x']}"),
	  "invalid action \"x\" in NotAction in Statement[0]" },
	{ "1.1 requires a lower-case service",
	  P11(ALLOW("'Workspace:jobs:get'")),
	  "service of action \"Workspace:jobs:get\"" },
	{ "Resource URN", P5("{" STMT_GET ",'Resource':"
	  "'workspace:cn-north-4:123:jobs:j1'}"),
	  "Resource \"workspace:cn-north-4:123:jobs:j1\" in Statement[0] is "
	  "not supported" },
	{ "Resource URN after *", P5("{" STMT_GET ",'Resource':['*','urn:x']}"),
	  "Resource \"urn:x\"" },
	{ "Resource empty array", P5("{" STMT_GET ",'Resource':[]}"),
	  "Resource in Statement[0] must not be empty" },
	{ "Resource a number", P5("{" STMT_GET ",'Resource':1}"),
	  "Resource in Statement[0] must be a string or an array" },
	{ "Condition an array", P5("{" STMT_GET ",'Condition':[]}"),
	  "Condition in Statement[0] must be an object" },
	{ "Condition empty", P5("{" STMT_GET ",'Condition':{}}"),
	  "Condition in Statement[0] is empty" },
	{ "operator maps to a string", COND("'StringEquals':'alice'"),
	  "condition operator \"StringEquals\" in Statement[0] must map" },
	{ "operator with no key", COND("'StringEquals':{}"),
	  "condition operator \"StringEquals\" in Statement[0] must map" },
	{ "values a number", COND("'StringEquals':{'g:UserName':1}"),
	  "values of \"g:UserName\" in Statement[0] must be a string or" },
	{ "values a JSON boolean", COND("'Bool':{'g:MFAPresent':true}"),
	  "values of \"g:MFAPresent\" in Statement[0] must be a string or" },
	{ "values empty", COND("'StringEquals':{'g:UserName':[]}"),
	  "values of \"g:UserName\" in Statement[0] must not be empty" },
	{ "string value with a control character",
	  COND("'StringEquals':{'g:UserName':'a\\u0001'}"),
	  "invalid value" },
	{ "Bool value yes", COND("'Bool':{'g:MFAPresent':'yes'}"),
	  "invalid value \"yes\" for \"g:MFAPresent\"" },
	{ "Bool value True", COND("'Bool':{'g:MFAPresent':'True'}"),
	  "invalid value \"True\"" },
	{ "IPv4 prefix 33", COND("'IpAddress':{'g:SourceIp':'10.0.0.0/33'}"),
	  "invalid value \"10.0.0.0/33\" for \"g:SourceIp\"" },
	{ "IPv4 octet 256", COND("'IpAddress':{'g:SourceIp':'10.0.0.256'}"),
	  "invalid value \"10.0.0.256\"" },
	{ "IPv4 prefix with a leading zero",
	  COND("'IpAddress':{'g:SourceIp':'10.0.0.0/08'}"),
	  "invalid value \"10.0.0.0/08\"" },
	{ "IP empty prefix", COND("'NotIpAddress':{'g:SourceIp':'10.0.0.0/'}"),
	  "invalid value \"10.0.0.0/\"" },
	{ "IPv6 prefix 129", COND("'IpAddress':{'g:SourceIp':'::/129'}"),
	  "invalid value \"::/129\"" },
	{ "IP host name", COND("'IpAddress':{'g:SourceIp':'localhost'}"),
	  "invalid value \"localhost\"" },
	{ "date 30 February",
	  COND("'DateLessThan':{'g:CurrentTime':'2026-02-30T00:00:00Z'}"),
	  "invalid value \"2026-02-30T00:00:00Z\" for \"g:CurrentTime\"" },
	{ "date 29 February of a common year",
	  COND("'DateLessThan':{'g:CurrentTime':'2100-02-29T00:00:00Z'}"),
	  "invalid value \"2100-02-29T00:00:00Z\"" },
	{ "date without Z",
	  COND("'DateLessThan':{'g:CurrentTime':'2026-01-01T00:00:00'}"),
	  "invalid value \"2026-01-01T00:00:00\"" },
	{ "date with an offset",
	  COND("'DateGreaterThan':{'g:CurrentTime':"
	  "'2026-01-01T00:00:00+08:00'}"),
	  "invalid value \"2026-01-01T00:00:00+08:00\"" },
	{ "date only", COND("'DateLessThan':{'g:CurrentTime':'2026-01-01'}"),
	  "invalid value \"2026-01-01\"" },
	{ "date hour 24",
	  COND("'DateLessThan':{'g:CurrentTime':'2026-01-01T24:00:00Z'}"),
	  "invalid value \"2026-01-01T24:00:00Z\"" },
	{ "date with four fraction digits",
	  COND("'DateLessThan':{'g:CurrentTime':'2026-01-01T00:00:00.0000Z'}"),
	  "invalid value \"2026-01-01T00:00:00.0000Z\"" },
	{ "duplicate member", P5("{'Effect':'Allow','Effect':'Deny',"
	  "'Action':'a:b:c'}"), "duplicate object key" },
	{ "duplicate key differing in case",
	  COND("'StringEquals':{'g:UserName':'a','g:username':'b'}"),
	  "duplicate condition key \"g:username\" under \"StringEquals\"" },
	{ "not JSON", "Version: 5.0", "not valid JSON" },
	{ "trailing garbage", P5(ALLOW("'a:b:c'")) " x", "not valid JSON" },
	{ "top-level array", "[" P5(ALLOW("'a:b:c'")) "]",
	  "must be a JSON object" },
	{ "empty document", "", "policy document is empty" },
};

/* ---- helpers ---------------------------------------------------------- */

/* The document with ' turned into ", as a fresh string. */
static char *
unquote(const char *s)
{
	char *d, *p;

	assert_non_null(d = strdup(s));
	for (p = d; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static struct policy *
load(const char *doc)
{
	struct wj_errinfo ei = { { 0 } };
	struct policy *p = NULL;
	char *text;
	int r;

	if (doc[0] == '@') {
		assert_int_equal(policy_system_new(doc + 1, &p), 0);
		return p;
	}
	text = unquote(doc);
	r = policy_parse(text, strlen(text), &p, &ei);
	if (r != 0)
		fail_msg("parse failed (%d): %s\n%s", r, ei.detail, text);
	free(text);
	return p;
}

/* The canonical text of p (caller frees). */
static char *
canon(const struct policy *p)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(policy_to_json(p, &b), 0);
	return buf_take(&b, NULL);
}

/* Parse the canonical text of p again: same text, never longer. */
static struct policy *
reparse(const struct policy *p, size_t orig_len)
{
	struct wj_errinfo ei = { { 0 } };
	struct policy *q = NULL;
	char *t1, *t2;

	t1 = canon(p);
	assert_true(strlen(t1) <= orig_len);
	if (policy_parse(t1, strlen(t1), &q, &ei) != 0)
		fail_msg("canonical text refused: %s\n%s", ei.detail, t1);
	t2 = canon(q);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	return q;
}

static int64_t
iso_ms(const char *s)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	assert_non_null(end);
	assert_int_equal(*end, '\0');
	return (int64_t)timegm(&tm) * 1000;
}

static void
make_ctx(const struct ecase *c, struct policy_ctx *ctx)
{
	policy_ctx_init(ctx);
	ctx->user_name = c->user;
	ctx->user_id = c->uid;
	ctx->domain_name = c->domain;
	ctx->project_id = c->project;
	ctx->source_ip = c->ip;
	if (c->now != NULL)
		ctx->current_time_ms = iso_ms(c->now) + c->now_adj;
	ctx->mfa_present = c->mfa == MFA_YES ? 1 : c->mfa == MFA_NO ? 0 : -1;
}

static void
check_decision(const struct ecase *c, const struct policy_decision *d)
{
	if (d->result != c->want)
		fail_msg("%s: got %s, want %s (sid \"%s\")", c->name,
		    policy_result_str(d->result), policy_result_str(c->want),
		    d->sid);
	assert_string_equal(d->sid, c->sid != NULL ? c->sid : "");
	if (c->want == IMPLICIT) {
		assert_true(d->policy == POLICY_NONE);
		assert_true(d->statement == POLICY_NONE);
	} else
		assert_int_equal(d->policy, c->pol);
}

/* ---- table runners ---------------------------------------------------- */

static void
run_ecase(void **state)
{
	const struct ecase *c = *state;
	const struct policy *set[2];
	struct policy *p[2] = { NULL, NULL }, *q[2] = { NULL, NULL };
	struct policy_decision d;
	struct policy_ctx ctx;
	size_t n = 0, i;

	if (c->doc != NULL)
		p[n++] = load(c->doc);
	if (c->doc2 != NULL)
		p[n++] = load(c->doc2);
	make_ctx(c, &ctx);
	for (i = 0; i < n; i++)
		set[i] = p[i];
	assert_int_equal(policy_eval(set, n, c->action, &ctx, &d), 0);
	check_decision(c, &d);

	/* The stored (canonical) form decides the same way. */
	for (i = 0; i < n; i++) {
		q[i] = reparse(p[i], POLICY_DOC_MAX);
		set[i] = q[i];
	}
	assert_int_equal(policy_eval(set, n, c->action, &ctx, &d), 0);
	check_decision(c, &d);
	for (i = 0; i < n; i++) {
		policy_free(p[i]);
		policy_free(q[i]);
	}
}

static void
run_rcase(void **state)
{
	const struct rcase *c = *state;
	struct wj_errinfo ei = { { 0 } };
	struct policy *p = (struct policy *)&ei;	/* must be reset */
	char *text;
	int r;

	text = unquote(c->doc);
	r = policy_parse(text, strlen(text), &p, &ei);
	free(text);
	assert_int_equal(r, WJ_ERR_INVALID);
	assert_null(p);
	if (strstr(ei.detail, c->detail) == NULL)
		fail_msg("%s: detail \"%s\" lacks \"%s\"", c->name, ei.detail,
		    c->detail);
}

/* ---- bounds: max accepted, max + 1 refused ---------------------------- */

static void
expect_parse(const char *text, size_t len, int ok, const char *detail)
{
	struct wj_errinfo ei = { { 0 } };
	struct policy *p = NULL;
	int r;

	r = policy_parse(text, len, &p, &ei);
	if (ok) {
		if (r != 0)
			fail_msg("refused: %s", ei.detail);
		policy_free(reparse(p, len));
		policy_free(p);
		return;
	}
	assert_int_equal(r, WJ_ERR_INVALID);
	assert_null(p);
	if (strstr(ei.detail, detail) == NULL)
		fail_msg("detail \"%s\" lacks \"%s\"", ei.detail, detail);
}

/* {"Version":"5.0","Statement":[ <n statements> ]} */
static void
build_statements(struct buf *b, size_t n)
{
	size_t i;

	buf_puts(b, "{\"Version\":\"5.0\",\"Statement\":[");
	for (i = 0; i < n; i++)
		buf_printf(b, "%s{\"Effect\":\"Allow\",\"Action\":\"a:b:c\"}",
		    i ? "," : "");
	buf_puts(b, "]}");
	assert_false(b->failed);
}

static void
test_bound_statements(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	build_statements(&b, POLICY_STATEMENTS_MAX);
	assert_true(b.len <= POLICY_DOC_MAX);
	expect_parse(b.data, b.len, 1, NULL);
	buf_free(&b);
	build_statements(&b, POLICY_STATEMENTS_MAX + 1);
	expect_parse(b.data, b.len, 0, "Statement has 65 entries");
	buf_free(&b);
}

static void
build_list(struct buf *b, const char *head, const char *fmt, size_t n,
    const char *tail)
{
	size_t i;

	buf_puts(b, head);
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		buf_printf(b, fmt, i);
	}
	buf_puts(b, tail);
	assert_false(b->failed);
}

static void
test_bound_actions(void **state)
{
	const char *head = "{\"Version\":\"5.0\",\"Statement\":[{\"Effect\":"
	    "\"Allow\",\"Action\":[";
	struct buf b;

	(void)state;
	buf_init(&b);
	build_list(&b, head, "\"s:r:o%zu\"", POLICY_ACTIONS_MAX, "]}]}");
	expect_parse(b.data, b.len, 1, NULL);
	buf_free(&b);
	build_list(&b, head, "\"s:r:o%zu\"", POLICY_ACTIONS_MAX + 1, "]}]}");
	expect_parse(b.data, b.len, 0,
	    "Action in Statement[0] has 65 entries (at most 64)");
	buf_free(&b);
}

static void
test_bound_values(void **state)
{
	const char *head = "{\"Version\":\"5.0\",\"Statement\":[{\"Effect\":"
	    "\"Allow\",\"Action\":\"a:b:c\",\"Condition\":{\"StringEquals\":"
	    "{\"g:UserName\":[";
	struct buf b;

	(void)state;
	buf_init(&b);
	build_list(&b, head, "\"u%zu\"", POLICY_COND_VALUES_MAX, "]}}}]}");
	expect_parse(b.data, b.len, 1, NULL);
	buf_free(&b);
	build_list(&b, head, "\"u%zu\"", POLICY_COND_VALUES_MAX + 1, "]}}}]}");
	expect_parse(b.data, b.len, 0, "has 33 entries (at most 32)");
	buf_free(&b);
}

/* A valid document padded with spaces to exactly len bytes. */
static char *
padded(size_t len)
{
	const char *doc = "{\"Version\":\"5.0\",\"Statement\":[{\"Effect\":"
	    "\"Allow\",\"Action\":\"a:b:c\"}]}";
	size_t n = strlen(doc);
	char *t;

	assert_true(len >= n);
	assert_non_null(t = malloc(len + 1));
	memcpy(t, doc, n - 1);
	memset(t + n - 1, ' ', len - n);
	t[len - 1] = '}';
	t[len] = '\0';
	return t;
}

static void
test_bound_document(void **state)
{
	char *t;

	(void)state;
	t = padded(POLICY_DOC_MAX);
	expect_parse(t, POLICY_DOC_MAX, 1, NULL);
	free(t);
	t = padded(POLICY_DOC_MAX + 1);
	expect_parse(t, POLICY_DOC_MAX + 1, 0,
	    "policy document is 6145 bytes (at most 6144)");
	free(t);
	/* Far past the limit: refused before JSON parsing. */
	t = padded(1024 * 1024);
	expect_parse(t, 1024 * 1024, 0, "at most 6144");
	free(t);
}

static void
test_bound_sid_and_action_length(void **state)
{
	char sid[POLICY_SID_MAX + 2], act[POLICY_ACTION_MAX + 2];
	char doc[1024];

	(void)state;
	memset(sid, 'S', sizeof(sid) - 1);
	sid[POLICY_SID_MAX] = '\0';
	(void)snprintf(doc, sizeof(doc), "{\"Version\":\"5.0\",\"Statement\":"
	    "[{\"Sid\":\"%s\",\"Effect\":\"Deny\",\"Action\":\"a:b:c\"}]}",
	    sid);
	expect_parse(doc, strlen(doc), 1, NULL);
	sid[POLICY_SID_MAX] = 'S';
	sid[POLICY_SID_MAX + 1] = '\0';
	(void)snprintf(doc, sizeof(doc), "{\"Version\":\"5.0\",\"Statement\":"
	    "[{\"Sid\":\"%s\",\"Effect\":\"Deny\",\"Action\":\"a:b:c\"}]}",
	    sid);
	expect_parse(doc, strlen(doc), 0,
	    "Sid in Statement[0] must be at most");

	memset(act, 'o', sizeof(act) - 1);
	memcpy(act, "svc:res:", 8);
	act[POLICY_ACTION_MAX] = '\0';
	(void)snprintf(doc, sizeof(doc), "{\"Version\":\"5.0\",\"Statement\":"
	    "[{\"Effect\":\"Allow\",\"Action\":\"%s\"}]}", act);
	expect_parse(doc, strlen(doc), 1, NULL);
	act[POLICY_ACTION_MAX] = 'o';
	act[POLICY_ACTION_MAX + 1] = '\0';
	(void)snprintf(doc, sizeof(doc), "{\"Version\":\"5.0\",\"Statement\":"
	    "[{\"Effect\":\"Allow\",\"Action\":\"%s\"}]}", act);
	expect_parse(doc, strlen(doc), 0, "invalid action");
}

/* The longest Sid travels whole into the decision. */
static void
test_decision_long_sid(void **state)
{
	char sid[POLICY_SID_MAX + 1], doc[1024];
	struct policy *p = NULL;
	const struct policy *set[1];
	struct policy_decision d;

	(void)state;
	memset(sid, 'x', POLICY_SID_MAX);
	sid[POLICY_SID_MAX] = '\0';
	(void)snprintf(doc, sizeof(doc), "{\"Version\":\"5.0\",\"Statement\":"
	    "[{\"Sid\":\"%s\",\"Effect\":\"Deny\",\"Action\":\"a:b:c\"}]}",
	    sid);
	assert_int_equal(policy_parse(doc, strlen(doc), &p, NULL), 0);
	set[0] = p;
	assert_int_equal(policy_eval(set, 1, "a:b:c", NULL, &d), 0);
	assert_int_equal(d.result, POLICY_DENY_EXPLICIT);
	assert_string_equal(d.sid, sid);
	assert_int_equal(d.statement, 0);
	policy_free(p);
}

/* ---- canonical text --------------------------------------------------- */

static void
test_canonical_text(void **state)
{
	const char *in =
	    "{ \"Statement\" : [ {\"Condition\": {\"StringEqualsIfExists\": "
	    "{\"g:username\": \"\\u00e9lise\", \"G:PROJECTID\": [\"p\\\"1\"]},"
	    " \"Bool\": {\"g:mfapresent\": [\"true\"]}},\n"
	    "  \"Action\": \"workspace:jobs:get\", \"Effect\": \"Allow\","
	    " \"Sid\": \"S1\", \"Resource\": [\"*\"] },\n"
	    " {\"NotAction\": [\"sts::*\"], \"Effect\": \"Deny\","
	    " \"Resource\": \"*\"} ],\n \"Version\": \"5.0\" }";
	const char *want =
	    "{\"Version\":\"5.0\",\"Statement\":[{\"Sid\":\"S1\","
	    "\"Effect\":\"Allow\",\"Action\":\"workspace:jobs:get\","
	    "\"Resource\":[\"*\"],\"Condition\":{\"StringEqualsIfExists\":"
	    "{\"g:UserName\":\"\xc3\xa9lise\",\"g:ProjectId\":[\"p\\\"1\"]},"
	    "\"Bool\":{\"g:MFAPresent\":[\"true\"]}}},{\"Effect\":\"Deny\","
	    "\"NotAction\":[\"sts::*\"],\"Resource\":\"*\"}]}";
	struct policy *p = NULL;
	struct wj_errinfo ei = { { 0 } };
	char *t;

	(void)state;
	if (policy_parse(in, strlen(in), &p, &ei) != 0)
		fail_msg("%s", ei.detail);
	t = canon(p);
	assert_string_equal(t, want);
	free(t);
	policy_free(reparse(p, strlen(in)));
	policy_free(p);
}

static void
test_canonical_appends(void **state)
{
	struct policy *p = NULL;
	struct buf b;

	(void)state;
	assert_int_equal(policy_system_new(POLICY_SYS_FULL_ACCESS, &p), 0);
	buf_init(&b);
	buf_puts(&b, "x=");
	assert_int_equal(policy_to_json(p, &b), 0);
	assert_string_equal(b.data, "x={\"Version\":\"1.1\",\"Statement\":"
	    "[{\"Effect\":\"Allow\",\"Action\":[\"workspace:*:*\"]}]}");
	assert_int_equal(policy_to_json(NULL, &b), WJ_ERR_INVALID);
	buf_free(&b);
	policy_free(p);
}

/* ---- API edges -------------------------------------------------------- */

static void
test_system_policies(void **state)
{
	const char *doc;
	struct policy *p = (struct policy *)&doc;	/* must be reset */

	(void)state;
	assert_non_null(doc = policy_system_document(POLICY_SYS_READ_ONLY));
	assert_non_null(strstr(doc, "workspace:*:count*"));
	assert_null(policy_system_document("Workspace fullaccess"));
	assert_null(policy_system_document(NULL));
	assert_int_equal(policy_system_new("Tenant Guest", &p),
	    WJ_ERR_NOT_FOUND);
	assert_null(p);
}

static void
test_eval_arguments(void **state)
{
	struct policy *p = NULL;
	const struct policy *set[2];
	struct policy_decision d;
	struct policy_ctx ctx;

	(void)state;
	assert_int_equal(policy_system_new(POLICY_SYS_FULL_ACCESS, &p), 0);
	set[0] = p;
	set[1] = NULL;
	assert_int_equal(policy_eval(set, 1, NULL, NULL, &d), WJ_ERR_INVALID);
	assert_int_equal(d.result, POLICY_DENY_IMPLICIT);
	assert_int_equal(policy_eval(set, 2, A_GET, NULL, &d), WJ_ERR_INVALID);
	assert_int_equal(d.result, POLICY_DENY_IMPLICIT);
	assert_int_equal(policy_eval(NULL, 1, A_GET, NULL, &d), WJ_ERR_INVALID);
	assert_int_equal(policy_eval(NULL, 0, A_GET, NULL, &d), 0);
	assert_int_equal(d.result, POLICY_DENY_IMPLICIT);
	assert_string_equal(d.sid, "");
	/* A garbled source address fails closed, even if unused. */
	policy_ctx_init(&ctx);
	ctx.source_ip = "10.0.0.1:443";
	assert_int_equal(policy_eval(set, 1, A_GET, &ctx, &d), WJ_ERR_INVALID);
	assert_int_equal(d.result, POLICY_DENY_IMPLICIT);
	ctx.source_ip = "10.0.0.0/8";
	assert_int_equal(policy_eval(set, 1, A_GET, &ctx, &d), WJ_ERR_INVALID);
	ctx.source_ip = "::1";
	assert_int_equal(policy_eval(set, 1, A_GET, &ctx, &d), 0);
	assert_int_equal(d.result, POLICY_ALLOW);
	assert_int_equal(d.statement, 0);
	policy_free(p);
	policy_free(NULL);
}

static void
test_ctx_init(void **state)
{
	struct policy_ctx ctx;

	(void)state;
	memset(&ctx, 0x5a, sizeof(ctx));
	policy_ctx_init(&ctx);
	assert_null(ctx.user_name);
	assert_null(ctx.user_id);
	assert_null(ctx.domain_name);
	assert_null(ctx.project_id);
	assert_null(ctx.source_ip);
	assert_true(ctx.current_time_ms == POLICY_TIME_ABSENT);
	assert_int_equal(ctx.mfa_present, -1);
}

static void
test_action_match(void **state)
{
	(void)state;
	assert_true(policy_action_match("*", ""));
	assert_true(policy_action_match("**", "abc"));
	assert_true(policy_action_match("a*b*c", "aXbYbZc"));
	assert_false(policy_action_match("a*b*c", "aXbYbZ"));
	assert_false(policy_action_match("?", ""));
	assert_true(policy_action_match("*?", "x"));
	assert_false(policy_action_match("", "x"));
	assert_true(policy_action_match("", ""));
	assert_true(policy_action_match("A?C", "abc"));
	assert_false(policy_action_match(NULL, "a"));
	assert_false(policy_action_match("a", NULL));
	/* Many stars against a long miss stays fast (no exponential walk). */
	assert_false(policy_action_match("*a*a*a*a*a*a*a*a*a*a*b",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "a"));
}

static void
test_result_str(void **state)
{
	(void)state;
	assert_string_equal(policy_result_str(POLICY_ALLOW), "allow");
	assert_string_equal(policy_result_str(POLICY_DENY_IMPLICIT),
	    "implicit deny");
	assert_string_equal(policy_result_str(POLICY_DENY_EXPLICIT),
	    "explicit deny");
	assert_string_equal(policy_result_str(42), "unknown");
}

static void
test_parse_null_errinfo_and_length(void **state)
{
	const char *doc = "{\"Version\":\"5.0\",\"Statement\":[{\"Effect\":"
	    "\"Allow\",\"Action\":\"a:b:c\"}]}garbage";
	struct policy *p = NULL;

	(void)state;
	/* Only len bytes count: the trailing garbage is not read. */
	assert_int_equal(policy_parse(doc, strlen(doc) - 7, &p, NULL), 0);
	policy_free(p);
	assert_int_equal(policy_parse(doc, strlen(doc), &p, NULL),
	    WJ_ERR_INVALID);
	assert_null(p);
	assert_int_equal(policy_parse(NULL, 5, &p, NULL), WJ_ERR_INVALID);
	/* An embedded NUL is not JSON. */
	assert_int_equal(policy_parse("{\"Version\":\0}", 13, &p, NULL),
	    WJ_ERR_INVALID);
}

/* ---- main ------------------------------------------------------------- */

int
main(void)
{
	const struct CMUnitTest misc[] = {
		cmocka_unit_test(test_bound_statements),
		cmocka_unit_test(test_bound_actions),
		cmocka_unit_test(test_bound_values),
		cmocka_unit_test(test_bound_document),
		cmocka_unit_test(test_bound_sid_and_action_length),
		cmocka_unit_test(test_decision_long_sid),
		cmocka_unit_test(test_canonical_text),
		cmocka_unit_test(test_canonical_appends),
		cmocka_unit_test(test_system_policies),
		cmocka_unit_test(test_eval_arguments),
		cmocka_unit_test(test_ctx_init),
		cmocka_unit_test(test_action_match),
		cmocka_unit_test(test_result_str),
		cmocka_unit_test(test_parse_null_errinfo_and_length),
	};
	size_t ne = sizeof(ecases) / sizeof(ecases[0]);
	size_t nr = sizeof(rcases) / sizeof(rcases[0]);
	struct CMUnitTest *et, *rt;
	size_t i;
	int fails = 0;

	if ((et = calloc(ne, sizeof(*et))) == NULL ||
	    (rt = calloc(nr, sizeof(*rt))) == NULL)
		return 1;
	for (i = 0; i < ne; i++) {
		et[i].name = ecases[i].name;
		et[i].test_func = run_ecase;
		et[i].initial_state = (void *)&ecases[i];
	}
	for (i = 0; i < nr; i++) {
		rt[i].name = rcases[i].name;
		rt[i].test_func = run_rcase;
		rt[i].initial_state = (void *)&rcases[i];
	}
	fails += _cmocka_run_group_tests("policy_eval", et, ne, NULL, NULL);
	fails += _cmocka_run_group_tests("policy_parse_refuses", rt, nr, NULL,
	    NULL);
	fails += cmocka_run_group_tests_name("policy_misc", misc, NULL, NULL);
	free(et);
	free(rt);
	return fails != 0;
}
