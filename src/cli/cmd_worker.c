/*
 * cmd_worker.c - "wksjobs worker": claims sub-jobs over the internal API
 * (DESIGN §5), heartbeats while working on them and finishes them.  The
 * work is either simulated (--simulate: a random duration, a failure
 * rate, realistic error codes) or a command (--exec CMD, client/run.c).
 * --concurrency threads each claim one sub-job at a time, each with its
 * own HTTP connection.
 *
 * Stopping: SIGTERM or SIGINT ends the process with exit 0 at once.  A
 * sub-job that is not finished is not given back explicitly: its lease
 * simply expires and the server's reaper returns it to WAITING (attempt
 * + 1) for another worker.  There is no "release" call because a crashed
 * worker could not make it either, and expiry handles both alike.
 */
#include <ifaddrs.h>
#include <math.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "../client/client.h"
#include "../client/run.h"
#include "../model/limits.h"
#include "../util/crypto.h"
#include "../util/util.h"

extern char **environ;

#define SLOTS_MAX	256
#define BACKOFF_MAX_MS	30000
#define FINISH_TRIES	5
#define KILL_GRACE_MS	5000
#define DURATION_MAX_S	86400.0

static const struct opt worker_opts[] = {
	{ "simulate", OPT_BOOL, 0, 1, "false", "simulate the work: a random "
	    "--duration each, a --fail-rate share FAILED", 0 },
	{ "exec", OPT_STR, 1, 4096, NULL, "run CMD via /bin/sh per sub-job "
	    "(see below)", 0 },
	{ "duration", OPT_STR, 1, 64, "0.2..2", "--simulate: seconds per "
	    "sub-job, MIN..MAX or one value (decimals allowed)", 0 },
	{ "fail-rate", OPT_DOUBLE, 0, 1, "0.1", "--simulate: share of "
	    "sub-jobs that fail, 0..1", 0 },
	{ "concurrency", OPT_INT, 1, SLOTS_MAX, "1", "sub-jobs worked on at "
	    "once", 0 },
	{ "lease-seconds", OPT_INT, WJ_LEASE_MIN_S, WJ_LEASE_MAX_S, "30",
	    "lease per claim, renewed by a heartbeat every third of it", 0 },
	{ "job-type", OPT_STR, 1, WJ_JOB_TYPE_MAX, NULL, "claim only this "
	    "job type (repeatable: any of them)", 1 },
	{ "worker-id", OPT_STR, 1, WJ_PARAM_MAX, NULL, "name sent with "
	    "claims (default HOSTNAME-PID)", 0 },
	{ "host", OPT_STR, 1, WJ_FREE_TEXT_MAX, NULL, "IP reported as the "
	    "sub-jobs' host (default: the first non-loopback IPv4)", 0 },
	{ "poll-ms", OPT_INT, 50, 60000, "1000", "pause between claims while "
	    "no sub-job waits", 0 },
	{ "exec-timeout", OPT_INT, 0, 604800, "0", "--exec: seconds before "
	    "the command is killed and the sub-job FAILED (0: no limit)", 0 },
	{ "internal-endpoint", OPT_STR, 1, CLIENT_ENDPOINT_MAX,
	    CLIENT_INTERNAL_DEFAULT, "internal API URL", 0 },
	CMD_CLIENT_OPTS,
};

#define N_OPTS (sizeof(worker_opts) / sizeof(worker_opts[0]))

static const char *use =
    "wksjobs worker --simulate | --exec CMD [--concurrency N]\n"
    "       [--lease-seconds S] [--job-type T]... [flags]\n\n"
    "Claim WAITING sub-jobs over the internal API, heartbeat while\n"
    "working on them and finish them as SUCCESS or FAILED.  One of\n"
    "--simulate and --exec is required.\n\n"
    "--simulate: each sub-job takes a random time within --duration\n"
    "(e.g. 0.2..2), reports its progress (process) and fails with a\n"
    "--fail-rate share, e.g. WKS.0005 \"Failed to invoke ECS interface.\"\n\n"
    "--exec CMD: runs /bin/sh -c CMD with the sub-job's JSON on stdin and\n"
    "WKSJOBS_SUB_JOB_ID, WKSJOBS_SUB_JOB_JOB_ID, WKSJOBS_SUB_JOB_TYPE,\n"
    "WKSJOBS_SUB_JOB_PROJECT_ID, WKSJOBS_SUB_JOB_ATTEMPTS and\n"
    "WKSJOBS_SUB_JOB_WORKER_ID in its environment (without the secret\n"
    "key variables).  Exit status 0 is SUCCESS; anything else FAILED,\n"
    "with the last line of its stderr as fail_reason (at most 255\n"
    "characters) and, when that line reads \"CODE: reason\" (e.g.\n"
    "\"WKS.0005: Failed to invoke ECS interface.\"), CODE as error_code\n"
    "(else WKSJOBS.EXEC).  Its stdout is the worker's.\n\n"
    "SIGTERM or SIGINT stops the worker at once with exit status 0.\n"
    "Unfinished sub-jobs are not handed back: their leases expire and\n"
    "the server gives them to another worker (up to its max attempts).\n"
    "Exit status: 0 stopped by a signal, 1 refused by the server (e.g.\n"
    "credentials), 2 usage error.";

/* Realistic failures for --simulate (spec/errors.md §3). */
static const struct {
	const char *code;
	const char *reason;
} sim_errors[] = {
	{ "WKS.0005", "Failed to invoke ECS interface." },
	{ "WKS.0005", "Failed to invoke ECS interface." },
	{ "WKS.0009", "Failed to invoke the IAM interface." },
};

struct worker {
	/* configuration: read-only once the slots run */
	int		 simulate;
	const char	*exec;
	double		 dmin, dmax, fail_rate;
	int		 lease_s;
	const char	*types[WJ_LIST_FILTER_VALUES];
	size_t		 ntypes;
	char		 id[WJ_PARAM_MAX + 1];
	char		 host[WJ_FREE_TEXT_MAX + 1];
	int64_t		 poll_ms;
	int64_t		 exec_timeout_s;
	/* shared */
	atomic_int	 stop;
	atomic_int	 fatal;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
};

struct slot {
	struct worker	*w;
	struct client	*c;
	pthread_t	 t;
	uint64_t	 rng;
	int		 started;
};

/* One claimed sub-job and how it ended. */
struct task {
	json_t		*sj;		/* borrowed from the claim response */
	const char	*id;
	const char	*lease_id;
	int64_t		 start_us;
	int		 failed;
	const char	*code;
	char		 code_buf[WJ_ERROR_CODE_MAX + 1];
	char		 reason[WJ_FAIL_REASON_MAX * 4 + 1];
};

enum { T_DONE = 0, T_ABANDON = 1 };	/* a task's outcome */
enum { C_OK = 0, C_RETRY = 1, C_FATAL = 2, C_LOST = 3 };

/* ---- small helpers ----------------------------------------------------- */

static uint64_t
rnd(struct slot *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
rnd01(struct slot *s)
{
	return (double)(rnd(s) >> 11) / 9007199254740992.0;
}

static int
stopping(struct worker *w)
{
	return atomic_load(&w->stop);
}

/* Sleep until the monotonic time until_us or a stop; 1 if stopping. */
static int
nap_until(struct worker *w, int64_t until_us)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(until_us / 1000000);
	ts.tv_nsec = (long)(until_us % 1000000) * 1000L;
	pthread_mutex_lock(&w->mu);
	while (!stopping(w) && wj_mono_us() < until_us)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) != 0 &&
		    wj_mono_us() >= until_us)
			break;
	pthread_mutex_unlock(&w->mu);
	return stopping(w);
}

static int
nap_ms(struct worker *w, int64_t ms)
{
	return nap_until(w, wj_mono_us() + ms * 1000);
}

/* Ask the main thread (in sigwait) to stop everything: exit 1. */
static void
fatal(struct worker *w)
{
	atomic_store(&w->fatal, 1);
	(void)kill(getpid(), SIGUSR1);
}

/* ---- the internal API ------------------------------------------------- */

/* How a failed call counts: 4xx but for 408/409/429 will not get better. */
static int
classify(struct slot *s, const char *what, int r,
    const struct client_resp *resp)
{
	if (r == 0 && client_resp_ok(resp))
		return C_OK;
	client_resp_print_error(stderr, what, s->c, resp);
	if (resp->status == 404 || resp->status == 409)
		return C_LOST;
	if (resp->status >= 400 && resp->status < 500 &&
	    resp->status != 408 && resp->status != 429)
		return C_FATAL;
	return C_RETRY;
}

static json_t *
claim_body(const struct worker *w)
{
	json_t *doc, *types;
	size_t i;

	doc = json_pack("{s:s,s:s,s:i,s:i}", "worker_id", w->id, "host",
	    w->host, "max", 1, "lease_seconds", w->lease_s);
	if (doc == NULL || w->ntypes == 0)
		return doc;
	if ((types = json_array()) == NULL ||
	    json_object_set_new(doc, "job_types", types) != 0)
		goto fail;
	for (i = 0; i < w->ntypes; i++)
		if (json_array_append_new(types, json_string(w->types[i])) !=
		    0)
			goto fail;
	return doc;
 fail:
	json_decref(doc);
	return NULL;
}

/* Claim one sub-job: C_OK with *sj (NULL when none waits; owned). */
static int
claim(struct slot *s, json_t **sj)
{
	struct client_resp resp;
	json_t *body, *arr, *first;
	int r;

	*sj = NULL;
	client_resp_init(&resp);
	if ((body = claim_body(s->w)) == NULL)
		return C_RETRY;
	r = client_do_json(s->c, "POST", "/v1/internal/sub-jobs/claim", NULL,
	    body, NULL, 0, &resp);
	json_decref(body);
	if ((r = classify(s, "claim", r, &resp)) != C_OK) {
		client_resp_free(&resp);
		return r == C_LOST ? C_FATAL : r;   /* 404: wrong endpoint */
	}
	arr = json_object_get(resp.json, "sub_jobs");
	first = json_array_get(arr, 0);
	if (!json_is_array(arr) || (first != NULL &&
	    (!json_is_string(json_object_get(first, "id")) ||
	    !json_is_string(json_object_get(first, "lease_id"))))) {
		fprintf(stderr, "wksjobs: claim: unexpected response "
		    "(request_id=%s)\n", resp.request_id);
		r = C_RETRY;
	} else
		*sj = json_incref(first);
	client_resp_free(&resp);
	return r;
}

/* POST /v1/internal/sub-jobs/{id}/<verb> with body. */
static int
sub_job_call(struct slot *s, const char *id, const char *verb, json_t *body)
{
	struct client_resp resp;
	struct buf p;
	char what[64];
	int r;

	buf_init(&p);
	client_resp_init(&resp);
	if (body == NULL || buf_puts(&p, "/v1/internal/sub-jobs") != 0 ||
	    client_path_add(&p, id) != 0 || buf_printf(&p, "/%s", verb) != 0) {
		buf_free(&p);
		return C_RETRY;
	}
	r = client_do_json(s->c, "POST", p.data, NULL, body, NULL, 0, &resp);
	(void)snprintf(what, sizeof(what), "%s %s", verb, id);
	r = classify(s, what, r, &resp);
	client_resp_free(&resp);
	buf_free(&p);
	return r;
}

/* Renew the lease and report process (< 0: leave it). */
static int
heartbeat(struct slot *s, const struct task *t, int process)
{
	json_t *body = json_pack("{s:s}", "lease_id", t->lease_id);
	int r;

	if (body != NULL && process >= 0)
		(void)json_object_set_new(body, "process",
		    json_integer(process));
	r = sub_job_call(s, t->id, "heartbeat", body);
	json_decref(body);
	return r;
}

static int
finish(struct slot *s, const struct task *t)
{
	json_t *body;
	int r = C_RETRY, i;

	body = json_pack("{s:s,s:s,s:s}", "lease_id", t->lease_id, "status",
	    t->failed ? "FAILED" : "SUCCESS", "host", s->w->host);
	if (body != NULL && t->failed &&
	    (json_object_set_new(body, "error_code",
	    json_string(t->code)) != 0 || json_object_set_new(body,
	    "fail_reason", json_string(t->reason)) != 0)) {
		json_decref(body);
		body = NULL;
	}
	/* Bounded retries; past them the lease expires and it is redone. */
	for (i = 0; body != NULL && i < FINISH_TRIES; i++) {
		if ((r = sub_job_call(s, t->id, "finish", body)) != C_RETRY ||
		    nap_ms(s->w, 500LL << i))
			break;
	}
	json_decref(body);
	return r;
}

/* ---- simulated work --------------------------------------------------- */

static void
sim_outcome(struct slot *s, struct task *t)
{
	size_t k;

	if (rnd01(s) >= s->w->fail_rate)
		return;
	k = (size_t)(rnd(s) % (sizeof(sim_errors) / sizeof(sim_errors[0])));
	t->failed = 1;
	t->code = sim_errors[k].code;
	(void)snprintf(t->reason, sizeof(t->reason), "%s",
	    sim_errors[k].reason);
}

static int
simulate(struct slot *s, struct task *t)
{
	struct worker *w = s->w;
	double d = w->dmin + (w->dmax - w->dmin) * rnd01(s), hbi;
	int64_t end, next, now, wake;
	int process;

	/* Progress about four times a sub-job, the lease every third. */
	hbi = d / 4 > 1.0 ? d / 4 : 1.0;
	if (hbi > w->lease_s / 3.0)
		hbi = w->lease_s / 3.0;
	end = t->start_us + (int64_t)(d * 1e6);
	next = t->start_us + (int64_t)(hbi * 1e6);
	sim_outcome(s, t);
	while ((now = wj_mono_us()) < end) {	/* bounded by end */
		wake = next < end ? next : end;
		if (nap_until(w, wake))
			return T_ABANDON;
		if ((now = wj_mono_us()) < next || now >= end)
			continue;
		process = (int)((double)(now - t->start_us) / (d * 1e4));
		process = process > 99 ? 99 : process;
		if (heartbeat(s, t, process) == C_LOST)
			return T_ABANDON;
		next += (int64_t)(hbi * 1e6);
	}
	return T_DONE;
}

/* ---- --exec ------------------------------------------------------------ */

/* Not passed on: the secret key, and stale values of our own variables
 * (all WKSJOBS_SUB_JOB_*, a prefix no flag's variable has). */
static int
dropped_var(const char *e)
{
	static const char *const names[] = { "HUAWEICLOUD_SDK_SK=",
	    "WKSJOBS_SK=", "WKSJOBS_SUB_JOB_" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(e, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

static void
env_free(char **env, size_t first_own)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = first_own; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/*
 * The child's environment: ours without the secret key and with the
 * sub-job's variables (owned from index *first_own on).
 */
static char **
child_env(const struct worker *w, const struct task *t, size_t *first_own)
{
	static const char *const keys[] = { "job_id", "job_type",
	    "project_id" };
	static const char *const vars[] = { "WKSJOBS_SUB_JOB_JOB_ID",
	    "WKSJOBS_SUB_JOB_TYPE", "WKSJOBS_SUB_JOB_PROJECT_ID" };
	json_int_t attempts;
	const char *v;
	size_t n = 0, i, k;
	char **env;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 8, sizeof(*env))) == NULL)
		return NULL;
	for (i = k = 0; i < n; i++)
		if (!dropped_var(environ[i]))
			env[k++] = environ[i];
	*first_own = k;
	attempts = json_integer_value(json_object_get(t->sj, "attempts"));
	if (asprintf(&env[k++], "WKSJOBS_SUB_JOB_ID=%s", t->id) < 0 ||
	    asprintf(&env[k++], "WKSJOBS_SUB_JOB_WORKER_ID=%s", w->id) < 0 ||
	    asprintf(&env[k++], "WKSJOBS_SUB_JOB_ATTEMPTS=%lld",
	    (long long)attempts) < 0)
		goto fail;
	for (i = 0; i < 3; i++) {
		v = json_string_value(json_object_get(t->sj, keys[i]));
		if (asprintf(&env[k++], "%s=%s", vars[i], v != NULL ? v :
		    "") < 0)
			goto fail;
	}
	return env;
 fail:
	env[--k] = NULL;	/* asprintf left it undefined */
	env_free(env, *first_own);
	return NULL;
}

/* "CODE: reason" (CODE like WKS.0005) splits; else the default code. */
static void
exec_reason(struct task *t, const char *line, int status)
{
	size_t n = strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
	    "rstuvwxyz0123456789._-");

	t->failed = 1;
	t->code = "WKSJOBS.EXEC";
	if (n > 0 && n <= WJ_ERROR_CODE_MAX && memchr(line, '.', n) != NULL &&
	    line[n] == ':' && line[n + 1] == ' ' && line[n + 2] != '\0') {
		memcpy(t->code_buf, line, n);
		t->code_buf[n] = '\0';
		t->code = t->code_buf;
		line += n + 2;
	}
	if (line[0] != '\0')
		(void)client_sanitize(line, t->reason, sizeof(t->reason),
		    WJ_FAIL_REASON_MAX);
	else if (WIFEXITED(status))
		(void)snprintf(t->reason, sizeof(t->reason), "command exited "
		    "with status %d", WEXITSTATUS(status));
	else
		(void)snprintf(t->reason, sizeof(t->reason), "command killed "
		    "by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Start the command for t; NULL (said why) if it could not start. */
static struct run *
exec_start(struct slot *s, struct task *t)
{
	struct run *run = NULL;
	char *input, tag[RUN_TAG_MAX], **env;
	size_t own = 0;
	int r;

	if ((input = json_dumps(t->sj, JSON_COMPACT)) == NULL ||
	    (env = child_env(s->w, t, &own)) == NULL) {
		free(input);
		log_error("%s: out of memory", t->id);
		return NULL;
	}
	(void)snprintf(tag, sizeof(tag), "sub-job %s", t->id);
	if ((r = run_start(s->w->exec, env, input, strlen(input), tag,
	    &run)) != 0)
		log_error("%s: cannot run /bin/sh: %s", t->id, wj_strerror(r));
	env_free(env, own);
	free(input);
	return run;
}

static int
exec_task(struct slot *s, struct task *t)
{
	struct worker *w = s->w;
	int64_t hb_us = (int64_t)w->lease_s * 1000000 / 3, next, limit;
	struct run *run;
	int exited = 0, out = T_DONE;

	if ((run = exec_start(s, t)) == NULL) {
		t->failed = 1;
		t->code = "WKSJOBS.EXEC";
		(void)snprintf(t->reason, sizeof(t->reason), "the command "
		    "could not be started");
		return T_DONE;
	}
	next = t->start_us + hb_us;
	limit = w->exec_timeout_s > 0 ? t->start_us + w->exec_timeout_s *
	    1000000 : INT64_MAX;
	for (;;) {	/* ends with the child, a stop, a lost lease, --exec-timeout */
		if (run_wait(run, 200, &exited) != 0 || exited)
			break;
		if (stopping(w) || (wj_mono_us() >= next &&
		    heartbeat(s, t, -1) == C_LOST)) {
			run_kill(run, KILL_GRACE_MS);
			out = T_ABANDON;
			break;
		}
		if (wj_mono_us() >= next)
			next += hb_us;
		if (wj_mono_us() >= limit) {
			run_kill(run, KILL_GRACE_MS);
			t->failed = 1;
			t->code = "WKSJOBS.EXEC_TIMEOUT";
			(void)snprintf(t->reason, sizeof(t->reason), "command "
			    "killed after %lld s (--exec-timeout)",
			    (long long)w->exec_timeout_s);
			break;
		}
	}
	if (out == T_DONE && exited && !(WIFEXITED(run_status(run)) &&
	    WEXITSTATUS(run_status(run)) == 0))
		exec_reason(t, run_last_line(run), run_status(run));
	else if (out == T_DONE && !exited && !t->failed) {
		run_kill(run, 0);	/* run_wait failed: poll/waitpid */
		t->failed = 1;
		t->code = "WKSJOBS.EXEC";
		(void)snprintf(t->reason, sizeof(t->reason), "lost track of "
		    "the command");
	}
	run_free(run);
	return out;
}

/* ---- the loop of one slot -------------------------------------------- */

static void
work(struct slot *s, json_t *sj)
{
	struct task t;
	int out, r;

	memset(&t, 0, sizeof(t));
	t.sj = sj;
	t.id = json_string_value(json_object_get(sj, "id"));
	t.lease_id = json_string_value(json_object_get(sj, "lease_id"));
	t.start_us = wj_mono_us();
	log_info("%s: claimed (%s, attempt %lld)", t.id,
	    json_string_value(json_object_get(sj, "job_type")),
	    (long long)json_integer_value(json_object_get(sj, "attempts")));
	out = s->w->simulate ? simulate(s, &t) : exec_task(s, &t);
	if (out == T_ABANDON) {
		log_info("%s: abandoned; its lease will expire", t.id);
		return;
	}
	if ((r = finish(s, &t)) == C_OK)
		log_info("%s: %s in %.1f s%s%s", t.id, t.failed ? "FAILED" :
		    "SUCCESS", (double)(wj_mono_us() - t.start_us) / 1e6,
		    t.failed ? " " : "", t.failed ? t.code : "");
	else
		log_warn("%s: not finished (%s); its lease will expire", t.id,
		    r == C_LOST ? "lease lost" : r == C_FATAL ? "refused" :
		    "server unavailable");
}

static void *
slot_main(void *arg)
{
	struct slot *s = arg;
	struct worker *w = s->w;
	int64_t backoff = 0, pause;
	json_t *sj;
	int r;

	while (!stopping(w)) {
		if ((r = claim(s, &sj)) == C_FATAL) {
			fatal(w);
			break;
		}
		if (r != C_OK) {
			backoff = backoff == 0 ? 500 : backoff * 2;
			backoff = backoff > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
			    backoff;
			(void)nap_ms(w, backoff + (int64_t)(rnd(s) % 250));
			continue;
		}
		backoff = 0;
		if (sj == NULL) {
			/* jitter: slots and workers do not poll in step */
			pause = w->poll_ms * 4 / 5 + (int64_t)(rnd(s) %
			    (uint64_t)(w->poll_ms * 2 / 5 + 1));
			(void)nap_ms(w, pause);
			continue;
		}
		work(s, sj);
		json_decref(sj);
	}
	return NULL;
}

/* ---- configuration ------------------------------------------------------ */

static int
parse_seconds(const char *s, size_t n, double *out)
{
	char tmp[32], *end;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*out = strtod(tmp, &end);
	return *end != '\0' || !isfinite(*out) || *out < 0 ||
	    *out > DURATION_MAX_S ? -1 : 0;
}

/* "MIN..MAX" or "S" seconds, decimals allowed ("1." is a number). */
static int
parse_duration(const char *s, double *min, double *max)
{
	const char *dots = strstr(s, "..");

	if (dots == NULL) {
		if (parse_seconds(s, strlen(s), min) != 0)
			return -1;
		*max = *min;
		return 0;
	}
	if (parse_seconds(s, (size_t)(dots - s), min) != 0 ||
	    parse_seconds(dots + 2, strlen(dots + 2), max) != 0 ||
	    *max < *min)
		return -1;
	return 0;
}

/* The first non-loopback IPv4 address, else 127.0.0.1. */
static void
default_host(char *out, size_t cap)
{
	struct ifaddrs *ifs = NULL, *i;
	const struct sockaddr_in *sin;

	(void)snprintf(out, cap, "127.0.0.1");
	if (getifaddrs(&ifs) != 0)
		return;
	for (i = ifs; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
			continue;
		sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;
		if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127)
			continue;
		if (inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)cap) !=
		    NULL)
			break;
		(void)snprintf(out, cap, "127.0.0.1");
	}
	freeifaddrs(ifs);
}

static int
configure(struct worker *w, const struct cmd_args *a)
{
	const struct opt_val *types = cmd_opt(a, "job-type");
	char hn[200];
	int i;

	if (a->n_pos > 0)
		return cmd_usage_error(use, "unexpected argument %s",
		    a->pos[0]);
	w->simulate = (int)cmd_opt(a, "simulate")->i;
	w->exec = cmd_opt(a, "exec")->s;
	if (w->simulate == (w->exec != NULL))
		return cmd_usage_error(use, w->simulate ? "--simulate and "
		    "--exec exclude each other" : "one of --simulate and "
		    "--exec is required");
	if (parse_duration(cmd_opt(a, "duration")->s, &w->dmin,
	    &w->dmax) != 0)
		return cmd_usage_error(use, "--duration must be MIN..MAX "
		    "seconds, 0 <= MIN <= MAX <= %.0f", DURATION_MAX_S);
	w->fail_rate = cmd_opt(a, "fail-rate")->d;
	if (isnan(w->fail_rate))
		return cmd_usage_error(use, "bad value for --fail-rate");
	if (types->n > WJ_LIST_FILTER_VALUES ||
	    types->n >= OPT_MAX_REPEAT)
		return cmd_usage_error(use, "at most %d --job-type values",
		    WJ_LIST_FILTER_VALUES);
	for (i = 0; i < types->n; i++)
		w->types[w->ntypes++] = types->all[i];
	w->lease_s = (int)cmd_opt(a, "lease-seconds")->i;
	w->poll_ms = cmd_opt(a, "poll-ms")->i;
	w->exec_timeout_s = cmd_opt(a, "exec-timeout")->i;
	if (cmd_opt(a, "host")->set)
		(void)snprintf(w->host, sizeof(w->host), "%s",
		    cmd_opt(a, "host")->s);
	else
		default_host(w->host, sizeof(w->host));
	if (cmd_opt(a, "worker-id")->set)
		(void)snprintf(w->id, sizeof(w->id), "%s",
		    cmd_opt(a, "worker-id")->s);
	else {
		if (gethostname(hn, sizeof(hn)) != 0)
			(void)snprintf(hn, sizeof(hn), "worker");
		hn[sizeof(hn) - 1] = '\0';
		(void)snprintf(w->id, sizeof(w->id), "%s-%ld", hn,
		    (long)getpid());
	}
	return 0;
}

/* ---- main --------------------------------------------------------------- */

static int
slots_open(struct worker *w, const struct cmd_args *a, struct slot *slots,
    int n)
{
	uint64_t seed;
	int i, r;

	for (i = 0; i < n; i++) {
		slots[i].w = w;
		if ((r = cmd_client_open(a, "internal-endpoint", 0,
		    &slots[i].c)) != 0)
			return r;
		if (wj_random(&seed, sizeof(seed)) != 0) {
			fprintf(stderr, "wksjobs: no randomness\n");
			return EXIT_FAIL;
		}
		slots[i].rng = seed;
	}
	return 0;
}

/* Run the slots until a signal (exit 0) or a fatal refusal (exit 1). */
static int
run_slots(struct worker *w, struct slot *slots, int n, const sigset_t *set)
{
	int i, sig = 0;

	for (i = 0; i < n; i++) {
		if (pthread_create(&slots[i].t, NULL, slot_main,
		    &slots[i]) != 0) {
			fprintf(stderr, "wksjobs: cannot start a thread\n");
			fatal(w);
			break;
		}
		slots[i].started = 1;
	}
	log_info("worker %s: %d slot(s), %s, lease %d s, host %s", w->id, n,
	    w->simulate ? "simulating" : "--exec", w->lease_s, w->host);
	(void)sigwait(set, &sig);
	if (sig != SIGUSR1)
		log_info("worker %s: signal %d, stopping; unfinished sub-jobs "
		    "go back to WAITING when their leases expire", w->id, sig);
	pthread_mutex_lock(&w->mu);
	atomic_store(&w->stop, 1);
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < n; i++)
		if (slots[i].started)
			pthread_join(slots[i].t, NULL);
	return atomic_load(&w->fatal) ? EXIT_FAIL : EXIT_OK;
}

static int
worker_init_sync(struct worker *w)
{
	pthread_condattr_t ca;

	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&w->cv, &ca) != 0 ||
	    pthread_mutex_init(&w->mu, NULL) != 0)
		return -1;
	(void)pthread_condattr_destroy(&ca);
	return 0;
}

int
cmd_worker(int argc, char **argv)
{
	struct slot *slots = NULL;
	struct worker w;
	struct cmd_args a;
	sigset_t set;
	int r, n = 0, i;

	memset(&w, 0, sizeof(w));
	/* Every thread inherits the mask: the signals reach only sigwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (argc == 2 && strcmp(argv[1], "--config-markdown") == 0) {
		cmd_print_config_markdown("worker", worker_opts, N_OPTS);
		return EXIT_OK;
	}
	if ((r = cmd_parse(use, worker_opts, N_OPTS, argc - 1, argv + 1,
	    &a)) != 0 || (r = configure(&w, &a)) != 0)
		goto out;
	n = (int)cmd_opt(&a, "concurrency")->i;
	if ((slots = calloc((size_t)n, sizeof(*slots))) == NULL ||
	    worker_init_sync(&w) != 0) {
		fprintf(stderr, "wksjobs: out of memory\n");
		r = EXIT_FAIL;
		goto out;
	}
	if ((r = slots_open(&w, &a, slots, n)) != 0)
		goto out;
	r = run_slots(&w, slots, n, &set);
 out:
	for (i = 0; slots != NULL && i < n; i++)
		client_free(slots[i].c);
	free(slots);
	cmd_args_free(&a);
	return r < 0 ? EXIT_OK : r;
}
