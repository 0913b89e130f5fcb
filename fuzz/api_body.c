/*
 * api_body.c - the request bodies (and the ListItaSubJobs query) of every
 * endpoint, through the whole gate: a struct http_req is built in memory,
 * signed with the service's own signer (auth/sig.c, as the CLI signs) for
 * the account's root key, and handed to api_dispatch over a real store
 * (a temporary SQLite file, on /dev/shm when there is one) and a real
 * master key, both set up once in LLVMFuzzerInitialize, and run through
 * http_req_run as the server runs a request.  So routing,
 * authentication, scope, authorization, the handlers' validation and the
 * store calls all run on fuzzed input.
 *
 * Input: byte 0 picks the endpoint, byte 1 how path ids are chosen (a
 * known job or sub-job, the first input line, a fresh id) and whether an
 * X-Client-Token is sent; the rest is the body (the query for the list),
 * where @LEASE@, @JOB@, @SUB@ and @RUN@ stand for known ids.
 *
 * Invariants: never a 5xx; every body is one JSON object (which also
 * means valid UTF-8); every 4xx body carries an error code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fuzz.h"
#include "api/api.h"
#include "auth/sig.h"

#define BODY_MAX (64 * 1024)

static struct store *st;
static struct api api;
static char dir[256], dbpath[300];
static char ak[21], sk[41];
static struct store_domain dom;
static struct store_project proj;
static struct store_user root;
/* Known ids, refreshed now and then (retry and finish use them up). */
static char failed_job[WJ_ID_LEN + 1], success_sub[WJ_ID_LEN + 1];
static char running_sub[WJ_ID_LEN + 1], lease[WJ_ID_LEN + 1];
static unsigned long runs;

static void
cleanup(void)
{
	char p[400];

	api_free(&api);
	store_close(st);
	(void)snprintf(p, sizeof(p), "%s-wal", dbpath);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s-shm", dbpath);
	(void)unlink(p);
	(void)unlink(dbpath);
	(void)rmdir(dir);
}

/* Claim every WAITING sub-job of the project (max per call 100). */
static void
claim_all(const struct store_actor *actor, struct store_claimed *got)
{
	struct store_claim_in ci;

	memset(&ci, 0, sizeof(ci));
	ci.domain_id = dom.id;
	ci.project_ids[0] = proj.id;
	ci.n_project_ids = 1;
	ci.worker_id = "fuzz-seed";
	ci.host = "10.0.0.9";
	ci.max = 100;
	ci.lease_seconds = 3600;
	memset(got, 0, sizeof(*got));
	FUZZ_CHECK(store_claim(st, actor, &ci, got) == 0);
}

static void
create_job(const struct store_actor *actor, size_t n, char *job_id)
{
	static const struct store_sub_job_in subs[3] = {
		{ "{\"desktop_id\":\"d1\"}", "pool-1", "u1", "e1", "10.0.0.1" },
		{ NULL, NULL, NULL, NULL, NULL },
		{ NULL, "pool-2", NULL, NULL, NULL },
	};
	struct store_job_in in = { proj.id, "createDesktops", NULL, subs, n };
	json_t *doc;
	char *body = NULL;

	FUZZ_CHECK(store_job_create(st, actor, &in, &body) == 0);
	doc = json_loads(body, 0, NULL);
	FUZZ_CHECK(doc != NULL);
	(void)snprintf(job_id, WJ_ID_LEN + 1, "%s",
	    json_string_value(json_object_get(doc, "job_id")));
	json_decref(doc);
	free(body);
}

/*
 * Clear out what the fuzzer made (finish and delete it: the store stays
 * small and fast), then make known ids: a FAILED job of one sub-job, and
 * a job with one SUCCESS and one RUNNING sub-job (leased for an hour).
 */
static void
seed(void)
{
	struct store_actor actor = { "fuzz", root.id, "seed" };
	struct store_claimed got;
	char other[WJ_ID_LEN + 1];
	size_t i, k;
	int round;

	for (round = 0; round < 50; round++) {
		claim_all(&actor, &got);
		k = got.n;
		for (i = 0; i < got.n; i++)
			(void)store_finish(st, &actor, dom.id, got.v[i].id,
			    got.v[i].lease_id, JOB_STATUS_SUCCESS, NULL, NULL,
			    NULL);
		store_claimed_free(&got);
		if (k == 0)
			break;
	}
	(void)store_sub_jobs_delete_by_status(st, &actor, proj.id,
	    JOB_STATUS_SUCCESS, NULL);
	(void)store_sub_jobs_delete_by_status(st, &actor, proj.id,
	    JOB_STATUS_FAILED, NULL);
	create_job(&actor, 1, failed_job);
	claim_all(&actor, &got);
	FUZZ_CHECK(got.n == 1);
	FUZZ_CHECK(store_finish(st, &actor, dom.id, got.v[0].id,
	    got.v[0].lease_id, JOB_STATUS_FAILED, "WKS.0005", "seed",
	    "h") == 0);
	store_claimed_free(&got);
	create_job(&actor, 2, other);
	claim_all(&actor, &got);
	FUZZ_CHECK(got.n == 2);
	FUZZ_CHECK(store_finish(st, &actor, dom.id, got.v[0].id,
	    got.v[0].lease_id, JOB_STATUS_SUCCESS, NULL, NULL, NULL) == 0);
	(void)snprintf(success_sub, sizeof(success_sub), "%s", got.v[0].id);
	(void)snprintf(running_sub, sizeof(running_sub), "%s", got.v[1].id);
	(void)snprintf(lease, sizeof(lease), "%s", got.v[1].lease_id);
	store_claimed_free(&got);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct store_opts so = { 0 };
	struct wj_master_key mk;
	struct api_opts ao = { 1000000, 0, 0, 0 };
	uint8_t sealed[128];
	size_t slen;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
	    (getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");

	(void)argc;
	(void)argv;
	wj_log_level = WJ_LOG_ERROR - 1;	/* quiet: findings speak */
	(void)snprintf(dir, sizeof(dir), "%s/wksjobs-fuzz-XXXXXX", base);
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	(void)snprintf(dbpath, sizeof(dbpath), "%s/wksjobs.db", dir);
	memset(&mk, 0, sizeof(mk));
	mk.id = 1;
	FUZZ_CHECK(wj_random(mk.key, sizeof(mk.key)) == 0);
	so.path = dbpath;
	FUZZ_CHECK(authn_new_keypair(ak, sk) == 0);
	FUZZ_CHECK(authn_seal_secret(&mk, ak, sk, sealed, sizeof(sealed),
	    &slen) == 0);
	FUZZ_CHECK(store_open(&so, &st) == 0);
	FUZZ_CHECK(store_bootstrap(st, "admin", "admin", "default", ak, sealed,
	    slen, &dom, &root, &proj) == 0);
	FUZZ_CHECK(api_init(&api, st, &mk) == 0);
	FUZZ_CHECK(api_configure(&api, &ao) == 0);
	atexit(cleanup);
	seed();
	return 0;
}

/* Percent-encode s (RFC 3986 unreserved kept) into out. */
static void
pct(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	unsigned char c;

	for (; *s != '\0' && o + 4 < cap; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

/* Characters that libmicrohttpd would have passed on in a raw query. */
static void
query_clean(char *q)
{
	for (; *q != '\0'; q++)
		if ((unsigned char)*q <= 0x20 || *q == '#' || *q == 0x7f)
			*q = '_';
}

/*
 * Append data[0..n) to b with the placeholders "@LEASE@", "@JOB@",
 * "@SUB@" and "@RUN@" replaced by the known lease, FAILED job, SUCCESS
 * and RUNNING sub-jobs (the corpus cannot know them in advance).
 */
static int
body_subst(struct buf *b, const uint8_t *d, size_t n)
{
	static const struct {
		const char *ph;
		const char *val;
	} tab[] = {
		{ "@LEASE@", lease }, { "@JOB@", failed_job },
		{ "@SUB@", success_sub }, { "@RUN@", running_sub },
	};
	size_t i, k, pl;

	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof(tab) / sizeof(tab[0]); k++) {
			pl = strlen(tab[k].ph);
			if (n - i >= pl && memcmp(d + i, tab[k].ph, pl) == 0)
				break;
		}
		if (k < sizeof(tab) / sizeof(tab[0])) {
			if (buf_puts(b, tab[k].val) != 0)
				return -1;
			i += strlen(tab[k].ph) - 1;
		} else if (buf_putc(b, (char)d[i]) != 0)
			return -1;
	}
	return 0;
}

static void
check_response(const struct http_req *h)
{
	json_t *doc;

	FUZZ_CHECK(h->status >= 200 && h->status < 500);
	if (h->resp.len == 0) {
		FUZZ_CHECK(h->status < 300);
		return;
	}
	doc = json_loadb(h->resp.data, h->resp.len, JSON_REJECT_DUPLICATES,
	    NULL);
	FUZZ_CHECK(doc != NULL && json_is_object(doc));
	if (h->status >= 400)
		FUZZ_CHECK(json_is_string(json_object_get(doc, "error_code")) ||
		    json_is_object(json_object_get(doc, "error")));
	json_decref(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct http_app app = { api_dispatch, NULL, &api };
	static struct http_req h;
	static const char *tokens[] = { "fuzz-token-1", "fuzz-token-2" };
	struct sig_header sh[4];
	struct sig_request sr;
	char path[4096], idenc[3200], date[17], *line = NULL, *query = NULL,
	    *authz = NULL, fresh[WJ_ID_LEN + 1];
	const char *method = "POST", *id = NULL, *ct = "application/json";
	uint8_t sel, how;
	size_t nh = 0, i;
	int listener = API_LISTENER_PUBLIC;

	if (size < 2 || size > BODY_MAX)
		return 0;
	sel = data[0] % 10;
	how = data[1];
	data += 2;
	size -= 2;
	if (++runs % 1000 == 0)
		seed();
	FUZZ_CHECK(wj_id_new(fresh) == 0);
	switch (how & 3) {
	case 0: id = sel == 2 || sel == 3 ? failed_job : running_sub; break;
	case 1: id = success_sub[0] != '\0' ? success_sub : failed_job; break;
	case 2: line = fuzz_line(&data, &size); id = line; break;
	default: id = fresh; break;
	}
	if (id == NULL)
		return 0;
	pct(id, idenc, sizeof(idenc));
	switch (sel) {
	case 0:
		method = "GET";
		(void)snprintf(path, sizeof(path), "/v2/%s/workspace-sub-jobs",
		    proj.id);
		query = fuzz_strndup(data, size);
		if (query != NULL)
			query_clean(query);
		size = 0;
		break;
	case 1:
		(void)snprintf(path, sizeof(path),
		    "/v2/%s/workspace-sub-jobs/batch-delete", proj.id);
		break;
	case 2:
		method = "GET";
		(void)snprintf(path, sizeof(path), "/v2/%s/workspace-jobs/%s",
		    proj.id, idenc);
		break;
	case 3:
		(void)snprintf(path, sizeof(path),
		    "/v2/%s/workspace-jobs/%s/actions", proj.id, idenc);
		break;
	case 4:
		listener = API_LISTENER_INTERNAL;
		(void)snprintf(path, sizeof(path), "/v1/internal/%s/jobs",
		    proj.id);
		break;
	case 5:
		listener = API_LISTENER_INTERNAL;
		(void)snprintf(path, sizeof(path),
		    "/v1/internal/sub-jobs/claim");
		break;
	case 6:
	case 7:
		listener = API_LISTENER_INTERNAL;
		(void)snprintf(path, sizeof(path),
		    "/v1/internal/sub-jobs/%s/%s", idenc,
		    sel == 6 ? "heartbeat" : "finish");
		break;
	case 8:
		(void)snprintf(path, sizeof(path), "/v3/auth/tokens");
		break;
	default:
		(void)snprintf(path, sizeof(path),
		    "/v5/decode-authorization-message");
		break;
	}
	memset(&h, 0, sizeof(h));
	buf_init(&h.body);
	buf_init(&h.resp);
	(void)snprintf(h.request_id, sizeof(h.request_id), "%s", fresh);
	h.method = method;
	h.path = path;
	h.raw_uri = path;
	h.query = query;
	h.listener = listener;
	h.route = -1;
	h.body_cap = BODY_MAX;
	(void)snprintf(h.remote_ip, sizeof(h.remote_ip), "127.0.0.1");
	if (size > 0 && body_subst(&h.body, data, size) != 0)
		goto out;
	sig_format_date(wj_now_ms(), date);
	sh[nh++] = (struct sig_header){ "Host", "fuzz.local" };
	sh[nh++] = (struct sig_header){ "X-Sdk-Date", date };
	sh[nh++] = (struct sig_header){ "Content-Type", ct };
	if (sel == 4 && (how & 4))
		sh[nh++] = (struct sig_header){ "X-Client-Token",
		    tokens[(how >> 3) & 1] };
	memset(&sr, 0, sizeof(sr));
	sr.method = method;
	sr.path = path;
	sr.query = query;
	sr.headers = sh;
	sr.n_headers = nh;
	sr.body = h.body.data;
	sr.body_len = h.body.len;
	FUZZ_CHECK(sig_sign(&sr, ak, sk, &authz) == 0);
	for (i = 0; i < nh; i++)
		h.headers[h.n_headers++] = (struct http_header){ sh[i].name,
		    sh[i].value };
	h.headers[h.n_headers++] = (struct http_header){ "Authorization",
	    authz };
	/* As the server runs it: a write's answer comes after its commit. */
	http_req_run(&app, &h);
	FUZZ_CHECK(!h.deferred);
	check_response(&h);
 out:
	buf_free(&h.body);
	buf_free(&h.resp);
	if (h.resp_header_value != NULL)
		free(h.resp_header_value);
	free(authz);
	free(line);
	free(query);
	return 0;
}
