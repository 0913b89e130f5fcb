/*
 * test_worker.c - the worker's protocol and its work (src/client/
 * worker.c) against a small internal API served in-process by
 * libmicrohttpd on 127.0.0.1: what the claims, heartbeats and finishes
 * carry, the outcome of a command (exit status, "CODE: reason", a
 * signal, --exec-timeout), its input and environment, a lost lease, a
 * refusal, a stop, and the retries.  Every wait is bounded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <microhttpd.h>

#include "client/client.h"
#include "client/worker.h"
#include "util/util.h"
#include "slurp.h"

#define WAIT_MS		10000	/* the longest any test waits for a step */
#define BODY_MAX	65536

/* ---- the fake internal API -------------------------------------------- */

struct fake {
	struct MHD_Daemon *d;
	int		 port;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	/* what it answers */
	json_t		*queue;		/* sub-jobs, one per claim */
	int		 claim_status;	/* else 200 */
	int		 claim_fail_first;	/* claims answered 503 first */
	int		 heartbeat_status;
	int		 finish_fail_first;	/* finishes refused first */
	/* what it saw: {"path", "body", "auth"} in order */
	json_t		*claims;
	json_t		*heartbeats;
	json_t		*finishes;	/* answered 2xx only */
	int		 finish_calls;
};

struct upload {
	char	data[BODY_MAX];
	size_t	len;
	int	too_big;
};

static int
reply(struct MHD_Connection *conn, int status, const char *text)
{
	struct MHD_Response *r;
	int ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, "Content-Type", "application/json");
	(void)MHD_add_response_header(r, "X-Request-Id", "req-test");
	ret = MHD_queue_response(conn, (unsigned int)status, r);
	MHD_destroy_response(r);
	return ret;
}

static int
refuse(struct MHD_Connection *conn, int status)
{
	return reply(conn, status, "{\"error_code\":\"WKS.0001\","
	    "\"error_msg\":\"refused by the test\"}");
}

/* Record one request; the status to answer and the claim's answer. */
static int
handle(struct fake *f, const char *url, json_t *seen, char **answer)
{
	size_t n = strlen(url);
	json_t *sj, *doc;

	*answer = NULL;
	if (strcmp(url, "/v1/internal/sub-jobs/claim") == 0) {
		json_array_append(f->claims, seen);
		if (f->claim_fail_first > 0) {
			f->claim_fail_first--;
			return 503;
		}
		if (f->claim_status != 0)
			return f->claim_status;
		sj = json_array_get(f->queue, 0);
		doc = json_pack("{s:[O*]}", "sub_jobs", sj);
		*answer = json_dumps(doc, JSON_COMPACT);
		json_decref(doc);
		if (sj != NULL)
			json_array_remove(f->queue, 0);
		return 200;
	}
	if (n > 10 && strcmp(url + n - 10, "/heartbeat") == 0) {
		json_array_append(f->heartbeats, seen);
		return f->heartbeat_status != 0 ? f->heartbeat_status : 200;
	}
	if (n > 7 && strcmp(url + n - 7, "/finish") == 0) {
		f->finish_calls++;
		if (f->finish_fail_first > 0) {
			f->finish_fail_first--;
			return 503;
		}
		json_array_append(f->finishes, seen);
		return 200;
	}
	return 404;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *data,
    size_t *data_size, void **con_cls)
{
	struct fake *f = cls;
	struct upload *u = *con_cls;
	const char *auth;
	json_t *seen;
	char *answer = NULL;
	int status;

	(void)version;
	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL)
			return MHD_NO;
		*con_cls = u;
		return MHD_YES;
	}
	if (*data_size > 0) {
		if (u->len + *data_size < sizeof(u->data)) {
			memcpy(u->data + u->len, data, *data_size);
			u->len += *data_size;
		} else
			u->too_big = 1;
		*data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST") != 0 || u->too_big)
		return refuse(conn, 400);
	auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Authorization");
	seen = json_pack("{s:s,s:o,s:s}", "path", url, "body",
	    json_loadb(u->data, u->len, 0, NULL), "auth",
	    auth != NULL ? auth : "");
	pthread_mutex_lock(&f->mu);
	status = handle(f, url, seen, &answer);
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	json_decref(seen);
	if (status != 200) {
		free(answer);
		return refuse(conn, status);
	}
	status = reply(conn, 200, answer != NULL ? answer : "{}");
	free(answer);
	return status;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

static void
fake_start(struct fake *f)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *di;

	memset(f, 0, sizeof(*f));
	assert_int_equal(pthread_mutex_init(&f->mu, NULL), 0);
	assert_int_equal(pthread_cond_init(&f->cv, NULL), 0);
	f->queue = json_array();
	f->claims = json_array();
	f->heartbeats = json_array();
	f->finishes = json_array();
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL, on_request, f,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	assert_non_null(f->d);
	di = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(di);
	f->port = di->port;
	assert_true(f->port > 0);
}

static void
fake_stop(struct fake *f)
{
	MHD_stop_daemon(f->d);
	json_decref(f->queue);
	json_decref(f->claims);
	json_decref(f->heartbeats);
	json_decref(f->finishes);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
}

/* A sub-job as a claim hands it out. */
static void
fake_queue(struct fake *f, const char *id, int attempts)
{
	json_array_append_new(f->queue, json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}",
	    "id", id, "lease_id", "lease-of-this", "job_id", "job-1",
	    "job_type", "CREATE_DESKTOP", "project_id", "proj-1", "attempts",
	    attempts));
}

/* Wait until *arr holds at least n entries; 0, or -1 after WAIT_MS. */
static int
fake_wait(struct fake *f, json_t **arr, size_t n)
{
	struct timespec ts;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&f->mu);
	while (json_array_size(*arr) < n && r == 0)
		r = pthread_cond_timedwait(&f->cv, &f->mu, &ts);
	r = json_array_size(*arr) >= n ? 0 : -1;
	pthread_mutex_unlock(&f->mu);
	return r;
}

/* ---- a worker on the fake ----------------------------------------------- */

struct rig {
	struct fake	 f;
	struct client	*c;
	struct worker	*w;
	atomic_int	 refusals;
};

static void
on_fatal(void *arg)
{
	struct rig *g = arg;

	atomic_fetch_add(&g->refusals, 1);
}

static void
cfg_init(struct worker_config *cfg, struct rig *g)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->lease_s = 30;
	cfg->id = "w-test";
	cfg->host = "10.0.0.9";
	cfg->poll_ms = 50;
	cfg->on_fatal = on_fatal;
	cfg->arg = g;
}

/* The fake started and cfg set for it. */
static void
rig_init(struct rig *g, struct worker_config *cfg)
{
	memset(g, 0, sizeof(*g));
	fake_start(&g->f);
	cfg_init(cfg, g);
}

/* rig_init with one sub-job, id, whose command sleeps long. */
static void
rig_sleeper(struct rig *g, struct worker_config *cfg, const char *id)
{
	rig_init(g, cfg);
	fake_queue(&g->f, id, 1);
	cfg->exec = "sleep 30";
}

/* Start the worker, one slot on one connection to the fake. */
static void
rig_start(struct rig *g, const struct worker_config *cfg)
{
	struct client_config cc;
	struct wj_errinfo ei;
	char url[64];

	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d", g->f.port);
	memset(&cc, 0, sizeof(cc));
	cc.endpoint = url;
	cc.ak = "AKTESTWORKER";
	cc.sk = "secret-of-the-test";
	cc.timeout_s = 10;
	assert_int_equal(client_new(&cc, &g->c, &ei), 0);
	assert_int_equal(worker_new(cfg, &g->w), 0);
	assert_int_equal(worker_start(g->w, &g->c, 1), 0);
}

/* Wait for n finishes, then stop the worker. */
static void
rig_await_finishes(struct rig *g, size_t n)
{
	assert_int_equal(fake_wait(&g->f, &g->f.finishes, n), 0);
	worker_stop(g->w);
}

static void
rig_end(struct rig *g)
{
	worker_free(g->w);
	client_free(g->c);
	fake_stop(&g->f);
}

static const char *
str_at(json_t *seen, const char *path)
{
	json_t *v = seen;
	char key[64];
	const char *p = path, *dot;

	while (v != NULL && (dot = strchr(p, '.')) != NULL) {
		(void)snprintf(key, sizeof(key), "%.*s", (int)(dot - p), p);
		v = json_object_get(v, key);
		p = dot + 1;
	}
	return json_string_value(json_object_get(v, p));
}

/* The finish of sub-job id, or NULL. */
static json_t *
finish_of(struct fake *f, const char *id)
{
	char path[128];
	size_t i;
	json_t *v;

	(void)snprintf(path, sizeof(path), "/v1/internal/sub-jobs/%s/finish",
	    id);
	json_array_foreach(f->finishes, i, v)
		if (strcmp(str_at(v, "path"), path) == 0)
			return v;
	return NULL;
}

/* ---- tests ------------------------------------------------------------ */

static void
test_simulate_claims_and_finishes(void **state)
{
	struct worker_config cfg;
	struct rig g;
	json_t *claim, *fin, *types;

	(void)state;
	rig_init(&g, &cfg);
	fake_queue(&g.f, "sj-1", 1);
	cfg.simulate = 1;
	cfg.types[0] = "CREATE_DESKTOP";
	cfg.types[1] = "DELETE_DESKTOP";
	cfg.ntypes = 2;
	rig_start(&g, &cfg);
	rig_await_finishes(&g, 1);

	claim = json_array_get(g.f.claims, 0);
	assert_string_equal(str_at(claim, "body.worker_id"), "w-test");
	assert_string_equal(str_at(claim, "body.host"), "10.0.0.9");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    claim, "body"), "max")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    claim, "body"), "lease_seconds")), 30);
	types = json_pack("[ss]", "CREATE_DESKTOP", "DELETE_DESKTOP");
	assert_true(json_equal(json_object_get(json_object_get(claim, "body"),
	    "job_types"), types));
	json_decref(types);
	assert_non_null(strstr(str_at(claim, "auth"), "Access=AKTESTWORKER"));

	fin = finish_of(&g.f, "sj-1");
	assert_non_null(fin);
	assert_string_equal(str_at(fin, "body.lease_id"), "lease-of-this");
	assert_string_equal(str_at(fin, "body.status"), "SUCCESS");
	assert_string_equal(str_at(fin, "body.host"), "10.0.0.9");
	assert_null(str_at(fin, "body.error_code"));
	assert_int_equal(json_array_size(g.f.heartbeats), 0);
	assert_int_equal(worker_refused(g.w), 0);
	rig_end(&g);
}

static void
test_simulate_progress_and_failure(void **state)
{
	struct worker_config cfg;
	struct rig g;
	json_t *fin, *hb;
	const char *code;
	int process;

	(void)state;
	rig_init(&g, &cfg);
	fake_queue(&g.f, "sj-2", 1);
	cfg.simulate = 1;
	cfg.dmin = cfg.dmax = 3;	/* heartbeats after 1 s and 2 s */
	cfg.fail_rate = 1;
	rig_start(&g, &cfg);
	rig_await_finishes(&g, 1);

	assert_true(json_array_size(g.f.heartbeats) >= 1);
	hb = json_array_get(g.f.heartbeats, 0);
	assert_string_equal(str_at(hb, "path"),
	    "/v1/internal/sub-jobs/sj-2/heartbeat");
	assert_string_equal(str_at(hb, "body.lease_id"), "lease-of-this");
	process = (int)json_integer_value(json_object_get(json_object_get(hb,
	    "body"), "process"));
	assert_true(process >= 1 && process <= 99);

	fin = finish_of(&g.f, "sj-2");
	assert_string_equal(str_at(fin, "body.status"), "FAILED");
	code = str_at(fin, "body.error_code");
	assert_true(strcmp(code, "WKS.0005") == 0 ||
	    strcmp(code, "WKS.0009") == 0);
	assert_non_null(strstr(str_at(fin, "body.fail_reason"),
	    "Failed to invoke"));
	rig_end(&g);
}

static void
expect_finish(struct fake *f, const char *id, const char *status,
    const char *code, const char *reason)
{
	json_t *fin = finish_of(f, id);

	assert_non_null(fin);
	assert_string_equal(str_at(fin, "body.status"), status);
	if (code == NULL) {
		assert_null(str_at(fin, "body.error_code"));
		return;
	}
	assert_string_equal(str_at(fin, "body.error_code"), code);
	assert_string_equal(str_at(fin, "body.fail_reason"), reason);
}

static void
test_exec_outcomes_input_and_environment(void **state)
{
	static const char *const cmd =
	    "cat > \"$TW_DIR/$WKSJOBS_SUB_JOB_ID.json\"; "
	    "env > \"$TW_DIR/$WKSJOBS_SUB_JOB_ID.env\"; "
	    "case $WKSJOBS_SUB_JOB_ID in "
	    "ok) echo to-stdout; exit 0;; "
	    "coded) echo noise >&2; "
	    "echo 'WKS.0005: Failed to invoke ECS interface.' >&2; exit 3;; "
	    "plain) printf 'disk full\\n\\n' >&2; exit 1;; "
	    "silent) exit 4;; "
	    "killed) kill -9 $$;; "
	    "esac";
	struct worker_config cfg;
	char dir[] = "/tmp/wj-test-worker-XXXXXX", path[64], *text;
	json_t *in;
	struct rig g;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(setenv("TW_DIR", dir, 1), 0);
	assert_int_equal(setenv("HUAWEICLOUD_SDK_SK", "must-not-leak", 1), 0);
	assert_int_equal(setenv("WKSJOBS_SUB_JOB_STALE", "old", 1), 0);
	rig_init(&g, &cfg);
	fake_queue(&g.f, "ok", 2);
	fake_queue(&g.f, "coded", 1);
	fake_queue(&g.f, "plain", 1);
	fake_queue(&g.f, "silent", 1);
	fake_queue(&g.f, "killed", 1);
	cfg.exec = cmd;
	rig_start(&g, &cfg);
	rig_await_finishes(&g, 5);

	expect_finish(&g.f, "ok", "SUCCESS", NULL, NULL);
	expect_finish(&g.f, "coded", "FAILED", "WKS.0005",
	    "Failed to invoke ECS interface.");
	expect_finish(&g.f, "plain", "FAILED", "WKSJOBS.EXEC", "disk full");
	expect_finish(&g.f, "silent", "FAILED", "WKSJOBS.EXEC",
	    "command exited with status 4");
	expect_finish(&g.f, "killed", "FAILED", "WKSJOBS.EXEC",
	    "command killed by signal 9");

	/* stdin: the sub-job as claimed */
	(void)snprintf(path, sizeof(path), "%s/ok.json", dir);
	text = slurp(path);
	assert_non_null(in = json_loads(text, 0, NULL));
	assert_string_equal(str_at(in, "id"), "ok");
	assert_string_equal(str_at(in, "lease_id"), "lease-of-this");
	json_decref(in);
	free(text);
	/* environment: the sub-job's variables, not the secret key */
	(void)snprintf(path, sizeof(path), "%s/ok.env", dir);
	text = slurp(path);
	assert_non_null(strstr(text, "WKSJOBS_SUB_JOB_ID=ok\n"));
	assert_non_null(strstr(text, "WKSJOBS_SUB_JOB_JOB_ID=job-1\n"));
	assert_non_null(strstr(text, "WKSJOBS_SUB_JOB_TYPE=CREATE_DESKTOP\n"));
	assert_non_null(strstr(text, "WKSJOBS_SUB_JOB_PROJECT_ID=proj-1\n"));
	assert_non_null(strstr(text, "WKSJOBS_SUB_JOB_ATTEMPTS=2\n"));
	assert_non_null(strstr(text, "WKSJOBS_SUB_JOB_WORKER_ID=w-test\n"));
	assert_non_null(strstr(text, "TW_DIR="));
	assert_null(strstr(text, "HUAWEICLOUD_SDK_SK"));
	assert_null(strstr(text, "must-not-leak"));
	assert_null(strstr(text, "WKSJOBS_SUB_JOB_STALE"));
	free(text);
	assert_int_equal(unsetenv("HUAWEICLOUD_SDK_SK"), 0);
	assert_int_equal(unsetenv("WKSJOBS_SUB_JOB_STALE"), 0);
	rig_end(&g);
	(void)snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void
test_exec_timeout(void **state)
{
	struct worker_config cfg;
	struct rig g;
	int64_t t0;

	(void)state;
	rig_sleeper(&g, &cfg, "slow");
	cfg.exec_timeout_s = 1;
	t0 = wj_mono_us();
	rig_start(&g, &cfg);
	assert_int_equal(fake_wait(&g.f, &g.f.finishes, 1), 0);
	assert_true(wj_mono_us() - t0 < 5000000);
	worker_stop(g.w);
	expect_finish(&g.f, "slow", "FAILED", "WKSJOBS.EXEC_TIMEOUT",
	    "command killed after 1 s (--exec-timeout)");
	rig_end(&g);
}

static void
test_exec_lost_lease_abandons(void **state)
{
	struct worker_config cfg;
	struct rig g;

	(void)state;
	rig_sleeper(&g, &cfg, "taken");
	g.f.heartbeat_status = 409;
	cfg.lease_s = 3;		/* a heartbeat every second */
	rig_start(&g, &cfg);
	assert_int_equal(fake_wait(&g.f, &g.f.heartbeats, 1), 0);
	/* the command is ended and the worker claims again */
	assert_int_equal(fake_wait(&g.f, &g.f.claims, 2), 0);
	worker_stop(g.w);
	assert_int_equal(g.f.finish_calls, 0);
	assert_int_equal(worker_refused(g.w), 0);
	rig_end(&g);
}

static void
test_stop_abandons_at_once(void **state)
{
	struct worker_config cfg;
	struct rig g;
	int64_t t0;

	(void)state;
	rig_sleeper(&g, &cfg, "long");
	rig_start(&g, &cfg);
	assert_int_equal(fake_wait(&g.f, &g.f.claims, 1), 0);
	usleep(300 * 1000);
	t0 = wj_mono_us();
	worker_stop(g.w);
	assert_true(wj_mono_us() - t0 < 3000000);
	assert_int_equal(g.f.finish_calls, 0);
	rig_end(&g);
}

static void
test_refused_claim_stops(void **state)
{
	struct worker_config cfg;
	struct rig g;
	int i;

	(void)state;
	rig_init(&g, &cfg);
	g.f.claim_status = 401;
	cfg.simulate = 1;
	rig_start(&g, &cfg);
	for (i = 0; i < WAIT_MS / 10 && atomic_load(&g.refusals) == 0; i++)
		usleep(10 * 1000);
	assert_int_equal(atomic_load(&g.refusals), 1);
	assert_int_equal(worker_refused(g.w), 1);
	worker_stop(g.w);
	assert_int_equal(json_array_size(g.f.claims), 1);
	rig_end(&g);
}

static void
test_retries_while_server_away(void **state)
{
	struct worker_config cfg;
	struct rig g;

	(void)state;
	rig_init(&g, &cfg);
	g.f.claim_fail_first = 1;
	g.f.finish_fail_first = 1;
	fake_queue(&g.f, "sj-3", 1);
	cfg.simulate = 1;
	rig_start(&g, &cfg);
	rig_await_finishes(&g, 1);
	assert_true(json_array_size(g.f.claims) >= 2);
	assert_int_equal(g.f.finish_calls, 2);
	expect_finish(&g.f, "sj-3", "SUCCESS", NULL, NULL);
	assert_int_equal(worker_refused(g.w), 0);
	rig_end(&g);
}

static void
outcome(const char *line, int status, const char *code, const char *reason)
{
	char c[WJ_ERROR_CODE_MAX + 1], r[WORKER_REASON_MAX];

	worker_exec_outcome(line, status, c, r);
	assert_string_equal(c, code);
	assert_string_equal(r, reason);
}

static void
test_exec_outcome(void **state)
{
	char long_code[80], line[400], want[300];

	(void)state;
	outcome("WKS.0005: ECS down", 1 << 8, "WKS.0005", "ECS down");
	outcome("My-Svc_1.x: bad", 1 << 8, "My-Svc_1.x", "bad");
	/* no dot, no space after the colon, nothing after it: no code */
	outcome("ERROR: disk", 1 << 8, "WKSJOBS.EXEC", "ERROR: disk");
	outcome("WKS.0005:tight", 1 << 8, "WKSJOBS.EXEC", "WKS.0005:tight");
	outcome("WKS.0005: ", 1 << 8, "WKSJOBS.EXEC", "WKS.0005: ");
	outcome("", 7 << 8, "WKSJOBS.EXEC", "command exited with status 7");
	outcome("", SIGKILL, "WKSJOBS.EXEC", "command killed by signal 9");
	/* a code longer than error_code allows stays in the reason */
	memset(long_code, 'A', 60);
	memcpy(long_code + 60, ".B: x", 6);
	outcome(long_code, 1 << 8, "WKSJOBS.EXEC", long_code);
	/* the reason: sanitised, at most 255 characters */
	outcome("X.1: bell\a here", 1 << 8, "X.1", "bell? here");
	memset(line, 'r', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memset(want, 'r', WJ_FAIL_REASON_MAX);
	want[WJ_FAIL_REASON_MAX] = '\0';
	outcome(line, 1 << 8, "WKSJOBS.EXEC", want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_outcome),
		cmocka_unit_test(test_simulate_claims_and_finishes),
		cmocka_unit_test(test_simulate_progress_and_failure),
		cmocka_unit_test(test_exec_outcomes_input_and_environment),
		cmocka_unit_test(test_exec_timeout),
		cmocka_unit_test(test_exec_lost_lease_abandons),
		cmocka_unit_test(test_stop_abandons_at_once),
		cmocka_unit_test(test_refused_claim_stops),
		cmocka_unit_test(test_retries_while_server_away),
	};

	signal(SIGPIPE, SIG_IGN);
	if (client_global_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
