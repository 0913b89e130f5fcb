/*
 * worker.c - the worker's protocol over the internal API and its work,
 * simulated or a command; see worker.h, docs/API.md#claim-sub-jobs,
 * docs/API.md#heartbeat and docs/API.md#finish.
 *
 * Each slot is a thread with its own connection: claim (max 1), work,
 * finish, and again.  While nothing waits a slot pauses, with jitter,
 * from poll_ms doubling up to IDLE_MAX_MS (an idle worker costs the
 * server a claim every few seconds); a claimed sub-job resets the pause
 * and wakes the worker's other idle slots at once, as more work usually
 * came with it.  A doubling backoff while the server is away.  A claim the server refuses for good
 * (a 4xx but 408 and 429, or a 404: the wrong endpoint) stops the worker.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <jansson.h>

#include "client.h"
#include "run.h"
#include "worker.h"
#include "../util/buf.h"
#include "../util/crypto.h"
#include "../util/util.h"

extern char **environ;

#define BACKOFF_MAX_MS	30000
#define IDLE_MAX_MS	4000
#define FINISH_TRIES	5
#define KILL_GRACE_MS	5000

/* Realistic failures for simulated work (docs/API.md#errors). */
static const struct {
	const char *code;
	const char *reason;
} sim_errors[] = {
	{ "WKS.0005", "Failed to invoke ECS interface." },
	{ "WKS.0005", "Failed to invoke ECS interface." },
	{ "WKS.0009", "Failed to invoke the IAM interface." },
};

struct slot {
	struct worker	*w;
	struct client	*c;
	pthread_t	 t;
	uint64_t	 rng;
	int		 started;
};

struct worker {
	/* configuration: read-only once the slots run; strings owned */
	struct worker_config cfg;
	/* shared */
	atomic_int	 stop;
	atomic_int	 refused;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	uint64_t	 work_gen;	/* under mu: bumped by each claim */
	int		 sync_ok;
	struct slot	*slots;
	int		 nslots;
};

/* One claimed sub-job and how it ended. */
struct task {
	json_t		*sj;		/* borrowed from the claim response */
	const char	*id;
	const char	*lease_id;
	int64_t		 start_us;
	int		 failed;
	char		 code[WJ_ERROR_CODE_MAX + 1];
	char		 reason[WORKER_REASON_MAX];
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

/*
 * Sleep until the monotonic time until_us; 1 at once on a stop, 2 at once
 * when gen is given and another slot has claimed work since it was read.
 */
static int
nap(struct worker *w, int64_t until_us, const uint64_t *gen)
{
	struct timespec ts;
	int woke = 0;

	ts.tv_sec = (time_t)(until_us / 1000000);
	ts.tv_nsec = (long)(until_us % 1000000) * 1000L;
	pthread_mutex_lock(&w->mu);
	while (!stopping(w) && !(woke = gen != NULL && w->work_gen != *gen) &&
	    wj_mono_us() < until_us)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) != 0 &&
		    wj_mono_us() >= until_us)
			break;
	pthread_mutex_unlock(&w->mu);
	return stopping(w) ? 1 : woke ? 2 : 0;
}

/* Sleep until until_us or a stop; 1 if stopping. */
static int
nap_until(struct worker *w, int64_t until_us)
{
	return nap(w, until_us, NULL) == 1;
}

static int
nap_ms(struct worker *w, int64_t ms)
{
	return nap_until(w, wj_mono_us() + ms * 1000);
}

static uint64_t
work_gen(struct worker *w)
{
	uint64_t g;

	pthread_mutex_lock(&w->mu);
	g = w->work_gen;
	pthread_mutex_unlock(&w->mu);
	return g;
}

/* A slot claimed a sub-job: wake the idle ones to claim too. */
static void
work_found(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->work_gen++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* The next idle pause: poll_ms, doubling up to IDLE_MAX_MS (or poll_ms
 * when that is longer). */
static int64_t
next_idle(const struct worker *w, int64_t idle)
{
	int64_t cap = w->cfg.poll_ms > IDLE_MAX_MS ? w->cfg.poll_ms :
	    IDLE_MAX_MS;

	idle = idle == 0 ? w->cfg.poll_ms : idle * 2;
	return idle > cap ? cap : idle;
}

/* The server refused us for good: tell the owner, stop the slots. */
static void
refused(struct worker *w)
{
	atomic_store(&w->refused, 1);
	if (w->cfg.on_fatal != NULL)
		w->cfg.on_fatal(w->cfg.arg);
}

static void
fail_task(struct task *t, const char *code, const char *reason)
{
	t->failed = 1;
	(void)snprintf(t->code, sizeof(t->code), "%s", code);
	(void)snprintf(t->reason, sizeof(t->reason), "%s", reason);
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
claim_body(const struct worker_config *cfg)
{
	json_t *doc, *types;
	size_t i;

	doc = json_pack("{s:s,s:s,s:i,s:i}", "worker_id", cfg->id, "host",
	    cfg->host, "max", 1, "lease_seconds", cfg->lease_s);
	if (doc == NULL || cfg->ntypes == 0)
		return doc;
	if ((types = json_array()) == NULL ||
	    json_object_set_new(doc, "job_types", types) != 0)
		goto fail;
	for (i = 0; i < cfg->ntypes; i++)
		if (json_array_append_new(types,
		    json_string(cfg->types[i])) != 0)
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
	if ((body = claim_body(&s->w->cfg)) == NULL)
		return C_RETRY;
	r = client_do_json(s->c, "POST", "/v1/internal/sub-jobs/claim", NULL,
	    body, NULL, 0, &resp);
	json_decref(body);
	if ((r = classify(s, "claim", r, &resp)) != C_OK) {
		if (r == C_LOST)	/* 404: wrong endpoint */
			client_listener_hint(stderr, s->c, &resp, 1);
		client_resp_free(&resp);
		return r == C_LOST ? C_FATAL : r;
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
	    t->failed ? "FAILED" : "SUCCESS", "host", s->w->cfg.host);
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

	if (rnd01(s) >= s->w->cfg.fail_rate)
		return;
	k = (size_t)(rnd(s) % (sizeof(sim_errors) / sizeof(sim_errors[0])));
	fail_task(t, sim_errors[k].code, sim_errors[k].reason);
}

static int
simulate(struct slot *s, struct task *t)
{
	struct worker *w = s->w;
	double d = w->cfg.dmin + (w->cfg.dmax - w->cfg.dmin) * rnd01(s), hbi;
	int64_t end, next, now, wake;
	int process;

	/* Progress about four times a sub-job, the lease every third. */
	hbi = d / 4 > 1.0 ? d / 4 : 1.0;
	if (hbi > w->cfg.lease_s / 3.0)
		hbi = w->cfg.lease_s / 3.0;
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

/* ---- a command --------------------------------------------------------- */

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
	    asprintf(&env[k++], "WKSJOBS_SUB_JOB_WORKER_ID=%s",
	    w->cfg.id) < 0 ||
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

void
worker_exec_outcome(const char *line, int status,
    char code[WJ_ERROR_CODE_MAX + 1], char reason[WORKER_REASON_MAX])
{
	size_t n = strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
	    "rstuvwxyz0123456789._-");

	(void)snprintf(code, WJ_ERROR_CODE_MAX + 1, "WKSJOBS.EXEC");
	if (n > 0 && n <= WJ_ERROR_CODE_MAX && memchr(line, '.', n) != NULL &&
	    line[n] == ':' && line[n + 1] == ' ' && line[n + 2] != '\0') {
		memcpy(code, line, n);
		code[n] = '\0';
		line += n + 2;
	}
	if (line[0] != '\0')
		(void)client_sanitize(line, reason, WORKER_REASON_MAX,
		    WJ_FAIL_REASON_MAX);
	else if (WIFEXITED(status))
		(void)snprintf(reason, WORKER_REASON_MAX, "command exited "
		    "with status %d", WEXITSTATUS(status));
	else
		(void)snprintf(reason, WORKER_REASON_MAX, "command killed "
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
	if ((r = run_start(s->w->cfg.exec, env, input, strlen(input), tag,
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
	int64_t hb_us = (int64_t)w->cfg.lease_s * 1000000 / 3, next, limit;
	struct run *run;
	char why[96];
	int exited = 0, out = T_DONE;

	if ((run = exec_start(s, t)) == NULL) {
		fail_task(t, "WKSJOBS.EXEC", "the command could not be "
		    "started");
		return T_DONE;
	}
	next = t->start_us + hb_us;
	limit = w->cfg.exec_timeout_s > 0 ? t->start_us +
	    w->cfg.exec_timeout_s * 1000000 : INT64_MAX;
	/* ends with the child, a stop, a lost lease or the time limit */
	for (;;) {
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
			(void)snprintf(why, sizeof(why), "command killed after "
			    "%lld s (--exec-timeout)",
			    (long long)w->cfg.exec_timeout_s);
			fail_task(t, "WKSJOBS.EXEC_TIMEOUT", why);
			break;
		}
	}
	if (out == T_DONE && exited && !(WIFEXITED(run_status(run)) &&
	    WEXITSTATUS(run_status(run)) == 0)) {
		t->failed = 1;
		worker_exec_outcome(run_last_line(run), run_status(run),
		    t->code, t->reason);
	} else if (out == T_DONE && !exited && !t->failed) {
		run_kill(run, 0);	/* run_wait failed: poll/waitpid */
		fail_task(t, "WKSJOBS.EXEC", "lost track of the command");
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
	out = s->w->cfg.simulate ? simulate(s, &t) : exec_task(s, &t);
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
	int64_t backoff = 0, idle = 0, pause;
	uint64_t gen;
	json_t *sj;
	int r;

	while (!stopping(w)) {
		gen = work_gen(w);
		if ((r = claim(s, &sj)) == C_FATAL) {
			refused(w);
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
			idle = next_idle(w, idle);
			pause = idle * 4 / 5 + (int64_t)(rnd(s) %
			    (uint64_t)(idle * 2 / 5 + 1));
			if (nap(w, wj_mono_us() + pause * 1000, &gen) == 2)
				idle = 0;
			continue;
		}
		idle = 0;
		work_found(w);
		work(s, sj);
		json_decref(sj);
	}
	return NULL;
}

/* ---- the worker ---------------------------------------------------------- */

static int
copy_str(const char **dst, const char *src)
{
	if (src == NULL) {
		*dst = NULL;
		return 0;
	}
	return (*dst = strdup(src)) == NULL ? -1 : 0;
}

static int
init_sync(struct worker *w)
{
	pthread_condattr_t ca;

	if (pthread_condattr_init(&ca) != 0)
		return -1;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&w->cv, &ca) != 0) {
		(void)pthread_condattr_destroy(&ca);
		return -1;
	}
	(void)pthread_condattr_destroy(&ca);
	if (pthread_mutex_init(&w->mu, NULL) != 0) {
		(void)pthread_cond_destroy(&w->cv);
		return -1;
	}
	w->sync_ok = 1;
	return 0;
}

int
worker_new(const struct worker_config *cfg, struct worker **out)
{
	struct worker *w;
	int fail = 0;
	size_t i;

	*out = NULL;
	if (cfg->ntypes > WJ_LIST_FILTER_VALUES)
		return WJ_ERR_INVALID;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return WJ_ERR_NOMEM;
	w->cfg = *cfg;
	fail |= copy_str(&w->cfg.exec, cfg->exec);
	fail |= copy_str(&w->cfg.id, cfg->id != NULL ? cfg->id : "worker");
	fail |= copy_str(&w->cfg.host, cfg->host != NULL ? cfg->host :
	    "127.0.0.1");
	for (i = 0; i < cfg->ntypes; i++)
		fail |= copy_str(&w->cfg.types[i], cfg->types[i]);
	if (fail || init_sync(w) != 0) {
		worker_free(w);
		return WJ_ERR_NOMEM;
	}
	*out = w;
	return 0;
}

int
worker_start(struct worker *w, struct client *const *clients, int n)
{
	uint64_t seed;
	int i;

	if (n <= 0 || w->slots != NULL)
		return WJ_ERR_INVALID;
	if ((w->slots = calloc((size_t)n, sizeof(*w->slots))) == NULL)
		return WJ_ERR_NOMEM;
	w->nslots = n;
	for (i = 0; i < n; i++) {
		w->slots[i].w = w;
		w->slots[i].c = clients[i];
		if (wj_random(&seed, sizeof(seed)) != 0)
			return WJ_ERR_CRYPTO;
		w->slots[i].rng = seed;
	}
	for (i = 0; i < n; i++) {
		if (pthread_create(&w->slots[i].t, NULL, slot_main,
		    &w->slots[i]) != 0) {
			worker_stop(w);
			return WJ_ERR_IO;
		}
		w->slots[i].started = 1;
	}
	return 0;
}

void
worker_stop(struct worker *w)
{
	int i;

	pthread_mutex_lock(&w->mu);
	atomic_store(&w->stop, 1);
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < w->nslots; i++)
		if (w->slots[i].started) {
			pthread_join(w->slots[i].t, NULL);
			w->slots[i].started = 0;
		}
}

int
worker_refused(const struct worker *w)
{
	return atomic_load(&w->refused);
}

void
worker_free(struct worker *w)
{
	size_t i;

	if (w == NULL)
		return;
	if (w->sync_ok) {
		worker_stop(w);
		(void)pthread_mutex_destroy(&w->mu);
		(void)pthread_cond_destroy(&w->cv);
	}
	free(w->slots);
	free((char *)w->cfg.exec);
	free((char *)w->cfg.id);
	free((char *)w->cfg.host);
	for (i = 0; i < w->cfg.ntypes; i++)
		free((char *)w->cfg.types[i]);
	free(w);
}
