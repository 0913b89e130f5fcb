/*
 * cmd_worker.c - "wksjobs worker": its flags, and the wiring of
 * client/worker.c (the protocol and the work) to one connection per
 * slot and to the signals.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "../client/client.h"
#include "../client/worker.h"
#include "../model/limits.h"
#include "../util/util.h"

#define SLOTS_MAX	256
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
	    "job type (repeatable: any of them)", OPT_REPEAT },
	{ "worker-id", OPT_STR, 1, WJ_PARAM_MAX, NULL, "name sent with "
	    "claims (default HOSTNAME-PID)", 0 },
	{ "host", OPT_STR, 1, WJ_FREE_TEXT_MAX, NULL, "IP reported as the "
	    "sub-jobs' host (default: the first non-loopback IPv4)", 0 },
	{ "poll-ms", OPT_INT, 50, 60000, "1000", "first pause between claims "
	    "while no sub-job waits; doubles up to 4 s, back to this once one "
	    "is claimed", 0 },
	{ "exec-timeout", OPT_INT, 0, 604800, "0", "--exec: seconds before "
	    "the command is killed and the sub-job FAILED (0: no limit)", 0 },
	CMD_INTERNAL_ENDPOINT_OPT("internal API URL"),
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

/* The flags as they stand; strings borrowed from a and the buffers. */
struct settings {
	struct worker_config cfg;
	char		 id[WJ_PARAM_MAX + 1];
	char		 host[WJ_FREE_TEXT_MAX + 1];
};

static int
configure(struct settings *st, const struct cmd_args *a)
{
	const struct opt_val *types = cmd_opt(a, "job-type");
	struct worker_config *w = &st->cfg;
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
		(void)snprintf(st->host, sizeof(st->host), "%s",
		    cmd_opt(a, "host")->s);
	else
		default_host(st->host, sizeof(st->host));
	if (cmd_opt(a, "worker-id")->set)
		(void)snprintf(st->id, sizeof(st->id), "%s",
		    cmd_opt(a, "worker-id")->s);
	else {
		if (gethostname(hn, sizeof(hn)) != 0)
			(void)snprintf(hn, sizeof(hn), "worker");
		hn[sizeof(hn) - 1] = '\0';
		(void)snprintf(st->id, sizeof(st->id), "%s-%ld", hn,
		    (long)getpid());
	}
	w->id = st->id;
	w->host = st->host;
	return 0;
}

/* ---- main --------------------------------------------------------------- */

/* The server refused the worker: wake the main thread (in sigwait). */
static void
on_refused(void *arg)
{
	(void)arg;
	(void)kill(getpid(), SIGUSR1);
}

/* Run the slots until a signal (exit 0) or a refusal (exit 1). */
static int
run_slots(struct worker *w, const struct settings *st,
    struct client *const *clients, int n, const sigset_t *set)
{
	int sig = 0, r;

	if ((r = worker_start(w, clients, n)) != 0) {
		fprintf(stderr, "wksjobs: %s\n", r == WJ_ERR_CRYPTO ?
		    "no randomness" : "cannot start a thread");
		return EXIT_FAIL;
	}
	log_info("worker %s: %d slot(s), %s, lease %d s, host %s", st->id, n,
	    st->cfg.simulate ? "simulating" : "--exec", st->cfg.lease_s,
	    st->host);
	(void)sigwait(set, &sig);
	if (sig != SIGUSR1)
		log_info("worker %s: signal %d, stopping; unfinished sub-jobs "
		    "go back to WAITING when their leases expire", st->id, sig);
	worker_stop(w);
	return worker_refused(w) ? EXIT_FAIL : EXIT_OK;
}

int
cmd_worker(int argc, char **argv)
{
	struct client **clients = NULL;
	struct worker *w = NULL;
	struct settings st;
	struct cmd_args a;
	sigset_t set;
	int r, n = 0, i;

	memset(&st, 0, sizeof(st));
	memset(&a, 0, sizeof(a));
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
	    &a)) != 0 || (r = configure(&st, &a)) != 0)
		goto out;
	st.cfg.on_fatal = on_refused;
	n = (int)cmd_opt(&a, "concurrency")->i;
	if ((clients = calloc((size_t)n, sizeof(*clients))) == NULL ||
	    worker_new(&st.cfg, &w) != 0) {
		fprintf(stderr, "wksjobs: out of memory\n");
		r = EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((r = cmd_client_open(&a, "internal-endpoint", 0,
		    &clients[i])) != 0)
			goto out;
	r = run_slots(w, &st, clients, n, &set);
 out:
	worker_free(w);
	for (i = 0; clients != NULL && i < n; i++)
		client_free(clients[i]);
	free(clients);
	cmd_args_free(&a);
	return r < 0 ? EXIT_OK : r;
}
