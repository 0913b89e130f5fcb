/*
 * cmd_serve.c - "wksjobs serve": its option table (flags, environment,
 * configuration file), --check, then open the data directory, start the
 * public and internal listeners (HTTP or HTTPS) and the lease reaper,
 * and run until SIGTERM/SIGINT, then drain requests in flight and exit
 * 0.  SIGHUP re-reads the configuration and the TLS certificates
 * (serve_reload).  Under systemd (Type=notify) it says READY=1 once both
 * listeners accept, RELOADING=1 and READY=1 around a reload, and
 * STOPPING=1 when it starts draining; elsewhere sd_notify does nothing.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <systemd/sd-daemon.h>

#include "cmd.h"
#include "datadir.h"
#include "privdrop.h"
#include "../api/api.h"
#include "../auth/authz.h"
#include "../auth/guard.h"
#include "../model/limits.h"

/* The one table of serve's settings: flags, $WKSJOBS_*, the file's keys,
 * --help, the README's table and the man page (docs/ARCHITECTURE.md#layout). */
static const struct opt serve_opts[] = {
	{ "config", OPT_STR, 0, 4000, CMD_CONF_DEFAULT, "configuration file "
	    "of key = value lines (read when it exists; '' reads none)",
	    OPT_NOFILE },
	{ "data", OPT_STR, 1, 4000, "./data", "data directory (wksjobs init)",
	    0 },
	DATADIR_OPT_DATABASE,
	DATADIR_OPT_POOL,
	{ "listen", OPT_ADDR, 0, 0, "127.0.0.1:8080", "public API address "
	    "(port 0 picks a free one)", 0 },
	{ "internal-listen", OPT_ADDR, 0, 0, "127.0.0.1:8081", "internal API "
	    "address (workers, producers, health, metrics)", 0 },
	{ "threads", OPT_INT, 0, 256, "0", "HTTP worker threads per listener "
	    "(0: one per online core, at least 2)", 0 },
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
	{ "audit-retention-days", OPT_INT, 0, 36500, "90", "audit rows "
	    "(traces) older than this many days are deleted, in batches of "
	    "1000; 0 = kept forever", 0 },
	{ "drain-ms", OPT_INT, 0, 600000, "10000", "how long SIGTERM waits "
	    "for requests in flight", 0 },
	{ "access-log", OPT_BOOL, 0, 1, "true", "one log line per request on "
	    "stderr", OPT_RELOAD },
	{ "log-level", OPT_ENUM, 0, OPT_CHOICES_LOG_LEVEL, "info", "least "
	    "severe log lines written", OPT_RELOAD },
	{ "log-format", OPT_ENUM, 0, OPT_CHOICES_LOG_FORMAT, "text", "log "
	    "lines as text or as JSON objects (time, level, message; access: "
	    "request_id, method, route, status, microseconds, principal, "
	    "project)", OPT_RELOAD },
	{ "rate-limit", OPT_INT, 0, 1000000, "200", "public API requests per "
	    "second per user and route, root users too (429 above); 0 = no "
	    "limit", OPT_RELOAD },
	{ "token-lifetime-s", OPT_INT, 1, 864000, "86400", "lifetime of IAM "
	    "tokens in seconds (short values make expiry testable)", 0 },
	{ "ak-lock-s", OPT_INT, 1, 86400, "300", "seconds an AK stays locked "
	    "after 5 consecutive signature failures", 0 },
	{ "password-lock-s", OPT_INT, 1, 86400, "900", "seconds a user stays "
	    "locked after 5 consecutive wrong passwords", 0 },
	{ "console", OPT_BOOL, 0, 1, "true", "serve the web console at "
	    "/console/ on the public listener (its session cookie is then a "
	    "credential there)", 0 },
	{ "check", OPT_BOOL, 0, 1, "false", "validate the configuration and "
	    "data directory, say what is wrong, then exit", OPT_NOFILE },
	{ "user", OPT_STR, 1, 63, NULL, "started as root: the service user "
	    "to drop to (and its groups) once the ports are bound; it gets "
	    "the data directory", 0 },
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

/* Audit rows pruned per transaction, and at most per pass. */
#define PRUNE_BATCH		1000
#define PRUNE_BATCHES_MAX	100
#define PRUNE_INTERVAL_MS	60000

struct reaper {
	struct store	*st;
	int		 interval_ms;
	int64_t		 retention_ms;	/* 0 = keep audit rows forever */
	int64_t		 pruned_ms;	/* last pruning pass */
	int		 stop;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
};

/*
 * Delete audit rows past the retention, a batch per transaction so that
 * no write waits long behind one; at most once a minute, and a bounded
 * number of batches per pass (the next pass goes on).
 */
static void
prune(struct reaper *rp)
{
	int64_t now = wj_now_ms(), n = 0, total = 0;
	int i, r = 0;

	if (rp->retention_ms <= 0 || now - rp->pruned_ms < PRUNE_INTERVAL_MS)
		return;
	rp->pruned_ms = now;
	for (i = 0; i < PRUNE_BATCHES_MAX; i++) {
		if ((r = store_audit_prune(rp->st, now - rp->retention_ms,
		    PRUNE_BATCH, &n)) != 0)
			break;
		total += n;
		if (n < PRUNE_BATCH)
			break;
	}
	if (r != 0)
		log_warn("audit retention: %s", wj_strerror(r));
	if (total > 0)
		log_info("audit retention: %lld audit row(s) older than %lld "
		    "day(s) deleted", (long long)total,
		    (long long)(rp->retention_ms / 86400000));
}

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
		prune(rp);
		pthread_mutex_lock(&rp->mu);
	}
	pthread_mutex_unlock(&rp->mu);
	return NULL;
}

/*
 * Why HOST:PORT cannot be bound, found by binding it once more as the
 * HTTP library does (with SO_REUSEADDR): errno, or 0 if it now can be.
 */
static int
bind_errno(const char *host, int port)
{
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	struct sockaddr *sa;
	socklen_t len;
	int fd, one = 1, e = 0;

	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&a4;
		len = sizeof(a4);
	} else if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&a6;
		len = sizeof(a6);
	} else
		return EINVAL;
	if ((fd = socket(sa->sa_family, SOCK_STREAM, 0)) == -1)
		return errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, len) == -1)
		e = errno;
	(void)close(fd);
	return e;
}

/* The listeners could not start: which one, why and the way out. */
static void
say_cannot_listen(const struct opt_val *pub, const struct opt_val *in)
{
	static const char *const flag[] = { "--listen", "--internal-listen" };
	static const char *const var[] = { "WKSJOBS_LISTEN",
	    "WKSJOBS_INTERNAL_LISTEN" };
	const struct opt_val *l[] = { pub, in };
	int i, e;

	for (i = 0; i < 2; i++) {
		if ((e = bind_errno(l[i]->host, l[i]->port)) == 0)
			continue;
		fprintf(stderr, "wksjobs: serve: cannot listen on %s:%d: %s%s; "
		    "choose another address with %s HOST:PORT or %s (port 0 "
		    "picks a free one)\n", l[i]->host, l[i]->port, strerror(e),
		    e == EADDRINUSE ? " (is another wksjobs serve running?)" :
		    "", flag[i], var[i]);
		return;
	}
	fprintf(stderr, "wksjobs: serve: cannot listen on %s:%d or %s:%d; "
	    "choose other addresses with --listen and --internal-listen\n",
	    pub->host, pub->port, in->host, in->port);
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
	o.no_console = !cmd_opt(a, "console")->i;
	o.console_secure = cmd_opt(a, "tls-cert")->set;
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

/* The logging settings of a, from now on. */
static void
set_logging(const struct cmd_args *a)
{
	wj_log_set((int)cmd_opt(a, "log-level")->i,
	    (int)cmd_opt(a, "log-format")->i);
}

/* A running server: what SIGHUP re-reads and where it applies it. */
struct serve {
	int		    argc;	/* serve's argv, parsed again */
	char		  **argv;
	const char	   *use;
	struct cmd_args	   *start;	/* the settings started with */
	struct cmd_args	    last;	/* the last reload's (opts NULL:
					   none yet) */
	struct api	   *api;
	struct http_server *srv;
};

/* 1 when option i has the same value in a and b. */
static int
same_value(const struct cmd_args *a, const struct cmd_args *b, size_t i)
{
	const struct opt_val *x = &a->vals[i], *y = &b->vals[i];

	switch (serve_opts[i].type) {
	case OPT_INT:
	case OPT_BOOL:
	case OPT_ENUM:
		return x->i == y->i;
	case OPT_ADDR:
		return x->port == y->port && strcmp(x->host, y->host) == 0;
	default:
		return (x->s == NULL) == (y->s == NULL) &&
		    (x->s == NULL || strcmp(x->s, y->s) == 0);
	}
}

static const char *
text_of(const struct cmd_args *a, size_t i)
{
	return a->vals[i].s != NULL ? a->vals[i].s : "(none)";
}

/*
 * HTTP threads per listener: n, or for 0 one per online core (at least
 * 2).  Requests do not block their thread (writes wait for their commit
 * suspended), so threads beyond the cores only add context switches
 * and queueing to the tail latency (docs/ARCHITECTURE.md#threads).
 */
static int
http_threads(int n)
{
	long cores;

	if (n > 0)
		return n;
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores < 2 ? 2 : cores > 256 ? 256 : (int)cores;
}

/*
 * SIGHUP: parse flags, environment and configuration file again; apply
 * the OPT_RELOAD settings that changed and log each, and log every other
 * changed one as needing a restart.  A configuration with a problem
 * changes nothing.
 */
static void
serve_reload_config(struct serve *sv)
{
	const struct cmd_args *was;
	struct cmd_args nw;
	size_t i;
	int changed = 0;

	if (cmd_parse(sv->use, serve_opts, N_OPTS, sv->argc - 1, sv->argv + 1,
	    &nw) != 0) {
		log_error("reload: %d problem(s) in the configuration (said "
		    "above): nothing changed", nw.problems);
		cmd_args_free(&nw);
		return;
	}
	was = sv->last.opts != NULL ? &sv->last : sv->start;
	for (i = 0; i < N_OPTS; i++) {
		if (!(serve_opts[i].flags & OPT_RELOAD)) {
			if (!same_value(sv->start, &nw, i))
				log_warn("reload: %s: %s in the configuration, "
				    "%s running: takes a restart",
				    serve_opts[i].name, text_of(&nw, i),
				    text_of(sv->start, i));
			continue;
		}
		if (same_value(was, &nw, i))
			continue;
		log_info("reload: %s: %s -> %s", serve_opts[i].name,
		    text_of(was, i), text_of(&nw, i));
		changed++;
	}
	set_logging(&nw);
	http_server_set_access_log(sv->srv, (int)cmd_opt(&nw, "access-log")->i);
	guard_set_rate(sv->api->guard, (int)cmd_opt(&nw, "rate-limit")->i);
	cmd_args_free(&sv->last);
	sv->last = nw;
	log_info("reload: configuration%s%s: %d setting(s) changed",
	    nw.conf_path != NULL ? " " : "",
	    nw.conf_path != NULL ? nw.conf_path : "", changed);
}

/* SIGHUP: everything that re-reads its settings, one call each. */
static void
serve_reload(struct serve *sv)
{
	int failed = 0;

	log_info("SIGHUP: reloading");
	serve_reload_config(sv);
	failed |= http_server_reload_tls(sv->srv) != 0;
	log_info("SIGHUP: reload %s", failed ? "incomplete: what failed "
	    "keeps its old settings (see above)" : "done");
}

/* The signals serve waits for; every thread has them blocked. */
static void
serve_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

static int
run(struct serve *sv, struct store *st, const struct wj_master_key *mk,
    const struct priv_user *pu)
{
	struct cmd_args *a = sv->start;
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
	ho.threads = http_threads((int)cmd_opt(a, "threads")->i);
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
	serve_signals(&set);
	if ((r = http_server_start(&ho, l, 2, &app, &srv)) != 0) {
		say_cannot_listen(pub, in);
		api_free(&api);
		return EXIT_FAIL;
	}
	sv->api = &api;
	sv->srv = srv;
	if (priv_drop(pu) != 0) {
		http_server_stop(srv, 0);
		api_free(&api);
		return EXIT_FAIL;
	}
	memset(&rp, 0, sizeof(rp));
	rp.st = st;
	rp.interval_ms = (int)cmd_opt(a, "reap-interval-ms")->i;
	rp.retention_ms = cmd_opt(a, "audit-retention-days")->i * 86400000;
	/* The first pass a minute after the start, not during it. */
	rp.pruned_ms = wj_now_ms();
	pthread_mutex_init(&rp.mu, NULL);
	pthread_cond_init(&rp.cv, NULL);
	pthread_create(&rt, NULL, reaper_main, &rp);
	printf("ready public=%s:%d internal=%s:%d\n", pub->host,
	    http_server_port(srv, 0), in->host, http_server_port(srv, 1));
	fflush(stdout);
	log_info("wksjobs %s (commit %s) serving: public %s://%s:%d "
	    "internal %s://%s:%d", wj_version(), wj_commit(),
	    l[0].tls_cert != NULL ? "https" : "http", pub->host,
	    http_server_port(srv, 0), l[1].tls_cert != NULL ? "https" :
	    "http", in->host, http_server_port(srv, 1));
	for (i = 0; i < 2; i++)
		if (l[i].tls_cert == NULL)
			warn_plain(l[i].host, http_server_port(srv, i), i);
	(void)sd_notifyf(0, "READY=1\nSTATUS=serving public %s:%d internal "
	    "%s:%d", pub->host, http_server_port(srv, 0), in->host,
	    http_server_port(srv, 1));
	while (sigwait(&set, &sig) != 0 || sig == SIGHUP)
		if (sig == SIGHUP) {
			(void)sd_notify(0, "RELOADING=1");
			serve_reload(sv);
			(void)sd_notify(0, "READY=1");
		}
	(void)sd_notify(0, "STOPPING=1\nSTATUS=draining");
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

/*
 * serve --check: the problems parsing found (said already), then the
 * data directory's; "configuration ok" on stdout when there are none.
 */
static int
check(const struct cmd_args *a, int problems)
{
	const char *dir = cmd_opt(a, "data")->s;
	struct store_opts so;

	datadir_db_opts(a, (int)cmd_opt(a, "max-attempts")->i, &so);
	problems += datadir_check(dir, &so);
	if (problems > 0) {
		fprintf(stderr, "wksjobs: serve --check: %d problem(s)\n",
		    problems);
		return EXIT_FAIL;
	}
	printf("configuration ok: %s, data directory %s\n",
	    a->conf_path != NULL ? a->conf_path : "no configuration file",
	    dir);
	return EXIT_OK;
}

/* The table's dumps (README, man pages, example file); -1: none asked. */
static int
dump(int argc, char **argv)
{
	if (argc != 2)
		return -1;
	if (strcmp(argv[1], "--config-markdown") == 0)
		cmd_print_config_markdown("serve", serve_opts, N_OPTS);
	else if (strcmp(argv[1], "--config-json") == 0)
		cmd_print_config_json("serve", serve_opts, N_OPTS);
	else if (strcmp(argv[1], "--config-example") == 0)
		cmd_print_config_example("serve", serve_opts, N_OPTS);
	else
		return -1;
	return EXIT_OK;
}

int
cmd_serve(int argc, char **argv)
{
	static const char *use = "wksjobs serve [--config FILE] [--data DIR] "
	    "[--listen HOST:PORT]\n       [--internal-listen HOST:PORT] "
	    "[--check] [flags]\n\n"
	    "Run the public and internal APIs until SIGTERM or SIGINT (then\n"
	    "drain requests in flight); SIGHUP re-reads the configuration.\n"
	    "A setting is taken from its flag, else $WKSJOBS_<NAME>, else the\n"
	    "configuration file (key = value, keys are the flag names), else\n"
	    "its default.  Also: --config-markdown, --config-json,\n"
	    "--config-example print this table.\n"
	    "Exit status: 0 ok, 1 failure (--check: a problem), 2 usage error.";
	struct wj_master_key mk;
	struct store *st = NULL;
	struct store_opts so;
	struct serve sv;
	struct priv_user pu;
	struct cmd_args a;
	sigset_t set;
	int r;

	/* Every thread (store writer, HTTP pool, reaper) inherits this mask,
	 * so SIGTERM/SIGINT/SIGHUP reach only the sigwait in run(). */
	serve_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A file grown past RLIMIT_FSIZE (a full quota) must fail the write
	 * (EFBIG: 503, the store recovers) instead of killing the server
	 * (found by 98-faults). */
	signal(SIGXFSZ, SIG_IGN);
	memset(&mk, 0, sizeof(mk));
	/* The README's configuration table is one of these (tested). */
	if ((r = dump(argc, argv)) >= 0)
		return r;
	r = cmd_parse(use, serve_opts, N_OPTS, argc - 1, argv + 1, &a);
	if (r == EXIT_USAGE && a.problems > 0 && a.vals != NULL &&
	    cmd_opt(&a, "check")->i) {
		r = check(&a, a.problems);
		goto out;
	}
	if (r == EXIT_USAGE && a.problems > 0)
		fprintf(stderr, "wksjobs: serve: %d problem(s) in the "
		    "configuration; not started\n", a.problems);
	if (r != 0 || (r = cmd_no_args("serve", use, &a)) != 0)
		goto out;
	if ((r = tls_check(&a, use)) != 0)
		goto out;
	if (cmd_opt(&a, "check")->i) {
		r = check(&a, 0);
		goto out;
	}
	set_logging(&a);
	datadir_db_opts(&a, (int)cmd_opt(&a, "max-attempts")->i, &so);
	if ((r = priv_lookup(cmd_opt(&a, "user")->s, &pu)) != 0 ||
	    (r = datadir_open(cmd_opt(&a, "data")->s, &so, &st, &mk)) != 0)
		goto out;
	/* The files it opened, -wal and -shm too, become the user's. */
	if (pu.set &&
	    (r = datadir_chown(cmd_opt(&a, "data")->s, pu.uid, pu.gid)) != 0)
		goto out;
	sv = (struct serve){ argc, argv, use, &a, { 0 }, NULL, NULL };
	r = run(&sv, st, &mk, &pu);
	cmd_args_free(&sv.last);
 out:
	store_close(st);
	OPENSSL_cleanse(&mk, sizeof(mk));
	cmd_args_free(&a);
	return r < 0 ? EXIT_OK : r;
}
