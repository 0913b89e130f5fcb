/*
 * cmd_serve.c - "wksjobs serve": open the data directory, start the
 * public and internal listeners (HTTP or HTTPS) and the lease reaper,
 * and run until SIGTERM/SIGINT, then drain requests in flight and exit 0.
 * SIGHUP reloads (reload()).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cmd.h"
#include "datadir.h"
#include "../api/api.h"
#include "../auth/authz.h"
#include "../model/limits.h"

static const struct opt serve_opts[] = {
	{ "data", OPT_STR, 1, 4000, "./data", "data directory (wksjobs init)",
	    0 },
	{ "listen", OPT_ADDR, 0, 0, "127.0.0.1:8080", "public API address "
	    "(port 0 picks a free one)", 0 },
	{ "internal-listen", OPT_ADDR, 0, 0, "127.0.0.1:8081", "internal API "
	    "address (workers, producers, health, metrics)", 0 },
	{ "threads", OPT_INT, 1, 256, "8", "HTTP worker threads per listener",
	    0 },
	{ "max-connections", OPT_INT, 1, 65536, "1024", "concurrent "
	    "connections per listener", 0 },
	{ "max-inflight", OPT_INT, 0, 65536, "256", "requests in progress per "
	    "listener past which a new one gets 503 at once; 0 = no bound", 0 },
	{ "max-body", OPT_INT, 1024, 16 * 1024 * 1024, "65536", "largest "
	    "public request body in bytes (413 above)", 0 },
	{ "max-internal-body", OPT_INT, 1024, 64 * 1024 * 1024, "8388608",
	    "largest internal request body in bytes", 0 },
	{ "max-attempts", OPT_INT, 1, 100, "3", "lease expiries before a "
	    "sub-job is FAILED", 0 },
	{ "reap-interval-ms", OPT_INT, 50, 60000, "1000", "how often expired "
	    "leases are collected", 0 },
	{ "drain-ms", OPT_INT, 0, 600000, "10000", "how long SIGTERM waits "
	    "for requests in flight", 0 },
	{ "access-log", OPT_BOOL, 0, 1, "true", "one log line per request on "
	    "stderr", 0 },
	{ "rate-limit", OPT_INT, 0, 1000000, "200", "public API requests per "
	    "second per user and route, root users too (429 above); 0 = no "
	    "limit", 0 },
	{ "token-lifetime-s", OPT_INT, 1, 864000, "86400", "lifetime of IAM "
	    "tokens in seconds (short values make expiry testable)", 0 },
	{ "ak-lock-s", OPT_INT, 1, 86400, "300", "seconds an AK stays locked "
	    "after 5 consecutive signature failures", 0 },
	{ "password-lock-s", OPT_INT, 1, 86400, "900", "seconds a user stays "
	    "locked after 5 consecutive wrong passwords", 0 },
	{ "check", OPT_BOOL, 0, 1, "false", "validate the configuration and "
	    "data directory, then exit", 0 },
	{ "tls-cert", OPT_STR, 1, 4000, NULL, "PEM certificate chain (leaf "
	    "first): HTTPS, TLS 1.2 and 1.3, on both listeners; re-read on "
	    "SIGHUP", 0 },
	{ "tls-key", OPT_STR, 1, 4000, NULL, "PEM private key of --tls-cert, "
	    "not readable by others (0600, or 0640 with group ssl-cert)", 0 },
	{ "internal-tls-cert", OPT_STR, 1, 4000, NULL, "certificate of the "
	    "internal listener (default --tls-cert)", 0 },
	{ "internal-tls-key", OPT_STR, 1, 4000, NULL, "key of "
	    "--internal-tls-cert (default --tls-key)", 0 },
};

#define N_OPTS (sizeof(serve_opts) / sizeof(serve_opts[0]))

struct reaper {
	struct store	*st;
	int		 interval_ms;
	int		 stop;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
};

static void *
reaper_main(void *arg)
{
	struct reaper *rp = arg;
	struct timespec ts;
	int64_t n;
	int r;

	pthread_mutex_lock(&rp->mu);
	while (!rp->stop) {
		ts = wj_deadline_us((int64_t)rp->interval_ms * 1000);
		(void)pthread_cond_timedwait(&rp->cv, &rp->mu, &ts);
		if (rp->stop)
			break;
		pthread_mutex_unlock(&rp->mu);
		if ((r = store_reap(rp->st, wj_now_ms(), &n)) != 0)
			log_warn("reaper: %s", wj_strerror(r));
		else if (n > 0)
			log_info("reaper: %lld expired lease(s) collected",
			    (long long)n);
		pthread_mutex_lock(&rp->mu);
	}
	pthread_mutex_unlock(&rp->mu);
	return NULL;
}

/* The IAM settings of the flags; the system policies' rows refreshed. */
static int
configure(struct cmd_args *a, struct api *api)
{
	struct api_opts o;
	int r;

	memset(&o, 0, sizeof(o));
	o.rate_limit = (int)cmd_opt(a, "rate-limit")->i;
	o.token_lifetime_ms = cmd_opt(a, "token-lifetime-s")->i * 1000;
	o.ak_lock_ms = cmd_opt(a, "ak-lock-s")->i * 1000;
	o.password_lock_ms = cmd_opt(a, "password-lock-s")->i * 1000;
	if ((r = api_configure(api, &o)) != 0)
		return r;
	return authz_sync_system_policies(api->store);
}

/* Listener i's certificate and key files (NULL, NULL: plain HTTP). */
static void
tls_files(const struct cmd_args *a, int i, const char **cert,
    const char **key)
{
	const char *ic = cmd_opt(a, "internal-tls-cert")->s,
	    *ik = cmd_opt(a, "internal-tls-key")->s;

	*cert = i == 1 && ic != NULL ? ic : cmd_opt(a, "tls-cert")->s;
	*key = i == 1 && ik != NULL ? ik : cmd_opt(a, "tls-key")->s;
}

static const char *const listener_name[2] = { "public", "internal" };

/* Both listeners' certificates load (the key not readable by others). */
static int
tls_check(const struct cmd_args *a, const char *use)
{
	const char *cert[2], *key[2];
	struct wj_errinfo ei;
	int i;

	for (i = 0; i < 2; i++) {
		tls_files(a, i, &cert[i], &key[i]);
		if ((cert[i] == NULL) != (key[i] == NULL))
			return cmd_usage_error(use, "--%stls-cert and --%stls-"
			    "key go together", i == 1 ? "internal-" : "",
			    i == 1 ? "internal-" : "");
		if (cert[i] == NULL || (i == 1 && cert[0] != NULL &&
		    strcmp(cert[0], cert[1]) == 0 &&
		    strcmp(key[0], key[1]) == 0))
			continue;
		memset(&ei, 0, sizeof(ei));
		if (http_tls_check(cert[i], key[i], &ei) != 0) {
			fprintf(stderr, "wksjobs: serve: %s listener: %s\n",
			    listener_name[i], ei.detail);
			return EXIT_FAIL;
		}
	}
	return 0;
}

static int
loopback(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, host, &a4) == 1)
		return ntohl(a4.s_addr) >> 24 == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 &&
	    (IN6_IS_ADDR_LOOPBACK(&a6) ||
	    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127));
}

/* Plain HTTP that others can reach: say what that exposes. */
static void
warn_plain(const char *host, int port, int i)
{
	if (loopback(host))
		return;
	log_warn("the %s listener (%s port %d) speaks plain HTTP on a "
	    "non-loopback address: signatures, tokens, passwords and job "
	    "data cross the network readable and alterable by anyone on "
	    "the path%s; give --tls-cert and --tls-key", listener_name[i],
	    host, port, i == 1 ? ", and /metrics answers "
	    "without authentication" : "");
}

/*
 * SIGHUP: read again what can change without a restart (the TLS
 * certificates).  What fails to load keeps what it had; the log says
 * which.
 */
static void
reload(struct http_server *srv)
{
	int failed = 0;

	log_info("SIGHUP: reloading");
	failed |= http_server_reload_tls(srv) != 0;
	log_info("SIGHUP: reload %s", failed ? "incomplete: what failed "
	    "keeps its old settings (see above)" : "done");
}

static int
run(struct cmd_args *a, struct store *st, const struct wj_master_key *mk)
{
	const struct opt_val *pub = cmd_opt(a, "listen"),
	    *in = cmd_opt(a, "internal-listen");
	struct http_listener l[2];
	struct http_opts ho;
	struct http_app app;
	struct http_server *srv = NULL;
	struct reaper rp;
	struct api api;
	pthread_t rt;
	sigset_t set;
	int sig = 0, r, i;

	if ((r = api_init(&api, st, mk)) != 0)
		return EXIT_FAIL;
	if ((r = configure(a, &api)) != 0) {
		fprintf(stderr, "wksjobs: serve: %s\n", wj_strerror(r));
		api_free(&api);
		return EXIT_FAIL;
	}
	memset(&ho, 0, sizeof(ho));
	ho.threads = (int)cmd_opt(a, "threads")->i;
	ho.max_connections = (int)cmd_opt(a, "max-connections")->i;
	ho.max_inflight = (int)cmd_opt(a, "max-inflight")->i;
	ho.timeout_s = 60;
	ho.access_log = (int)cmd_opt(a, "access-log")->i;
	l[0] = (struct http_listener){ pub->host, pub->port,
	    (size_t)cmd_opt(a, "max-body")->i, NULL, NULL, listener_name[0] };
	l[1] = (struct http_listener){ in->host, in->port,
	    (size_t)cmd_opt(a, "max-internal-body")->i, NULL, NULL,
	    listener_name[1] };
	for (i = 0; i < 2; i++)
		tls_files(a, i, &l[i].tls_cert, &l[i].tls_key);
	app = (struct http_app){ api_dispatch, api_completed, &api };
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if ((r = http_server_start(&ho, l, 2, &app, &srv)) != 0) {
		api_free(&api);
		return EXIT_FAIL;
	}
	memset(&rp, 0, sizeof(rp));
	rp.st = st;
	rp.interval_ms = (int)cmd_opt(a, "reap-interval-ms")->i;
	pthread_mutex_init(&rp.mu, NULL);
	pthread_cond_init(&rp.cv, NULL);
	pthread_create(&rt, NULL, reaper_main, &rp);
	printf("ready public=%s:%d internal=%s:%d\n", pub->host,
	    http_server_port(srv, 0), in->host, http_server_port(srv, 1));
	fflush(stdout);
	log_info("serving: public %s://%s:%d internal %s://%s:%d",
	    l[0].tls_cert != NULL ? "https" : "http", pub->host,
	    http_server_port(srv, 0), l[1].tls_cert != NULL ? "https" :
	    "http", in->host, http_server_port(srv, 1));
	for (i = 0; i < 2; i++)
		if (l[i].tls_cert == NULL)
			warn_plain(l[i].host, http_server_port(srv, i), i);
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
		reload(srv);
	log_info("signal %d: draining", sig);
	http_server_stop(srv, (int)cmd_opt(a, "drain-ms")->i);
	pthread_mutex_lock(&rp.mu);
	rp.stop = 1;
	pthread_cond_signal(&rp.cv);
	pthread_mutex_unlock(&rp.mu);
	pthread_join(rt, NULL);
	api_free(&api);
	log_info("stopped");
	return EXIT_OK;
}

int
cmd_serve(int argc, char **argv)
{
	static const char *use = "wksjobs serve [--data DIR] [--listen HOST:PORT]"
	    " [--internal-listen HOST:PORT] [flags]";
	struct wj_master_key mk;
	struct store *st = NULL;
	struct cmd_args a;
	sigset_t set;
	int r;

	/* Every thread (store writer, HTTP pool, reaper) inherits this mask,
	 * so SIGTERM/SIGINT/SIGHUP reach only the sigwait in run(). */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A file grown past RLIMIT_FSIZE (a full quota) must fail the write
	 * (EFBIG: 503, the store recovers) instead of killing the server
	 * (found by 98-faults). */
	signal(SIGXFSZ, SIG_IGN);
	/* The README's configuration table is this output (tested). */
	if (argc == 2 && strcmp(argv[1], "--config-markdown") == 0) {
		cmd_print_config_markdown("serve", serve_opts, N_OPTS);
		return EXIT_OK;
	}
	if ((r = cmd_parse(use, serve_opts, N_OPTS, argc - 1, argv + 1,
	    &a)) != 0)
		goto out;
	if ((r = cmd_no_args("serve", use, &a)) != 0)
		goto out;
	if ((r = datadir_open(cmd_opt(&a, "data")->s,
	    (int)cmd_opt(&a, "max-attempts")->i, &st, &mk)) != 0)
		goto out;
	if ((r = tls_check(&a, use)) != 0)
		goto out;
	if (cmd_opt(&a, "check")->i) {
		printf("configuration ok\n");
		r = EXIT_OK;
		goto out;
	}
	r = run(&a, st, &mk);
 out:
	store_close(st);
	OPENSSL_cleanse(&mk, sizeof(mk));
	cmd_args_free(&a);
	return r < 0 ? EXIT_OK : r;
}
