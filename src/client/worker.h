/*
 * worker.h - the worker's side of the internal API: slots (threads, one
 * connection each) that claim one sub-job at a time, heartbeat while they
 * work on it and finish it as SUCCESS or FAILED.  The work is simulated
 * (a random duration, a failure rate, realistic error codes) or a
 * command (client/run.c) with the sub-job's JSON on its stdin, whose
 * exit status and last stderr line become the outcome.
 *
 * A sub-job that is not finished (a stop, a lost lease, a server that
 * stays away) is not handed back: its lease expires and the server's
 * reaper gives it to another worker (docs/API.md#lease-expiry).
 */
#ifndef WJ_CLIENT_WORKER_H
#define WJ_CLIENT_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "../model/limits.h"
#include "../util/err.h"

struct client;

/* What the slots do; copied by worker_new. */
struct worker_config {
	int	    simulate;		/* else exec */
	const char *exec;		/* /bin/sh -c command; copied */
	double	    dmin, dmax;		/* simulate: seconds per sub-job */
	double	    fail_rate;		/* simulate: share FAILED, 0..1 */
	int	    lease_s;		/* heartbeat every third of it */
	const char *types[WJ_LIST_FILTER_VALUES];	/* claim filter */
	size_t	    ntypes;
	const char *id;			/* worker_id sent with claims */
	const char *host;		/* host sent with claims, finishes */
	int64_t	    poll_ms;		/* first pause while nothing waits;
					 * doubles up to a few seconds */
	int64_t	    exec_timeout_s;	/* 0: no limit */
	/* Called from a slot's thread when the server refuses the worker
	 * for good (e.g. its credentials); the slots stop on their own. */
	void	  (*on_fatal)(void *arg);
	void	   *arg;
};

struct worker;

/* WJ_ERR_NOMEM, or 0 with *out. */
int	worker_new(const struct worker_config *, struct worker **out) WJ_WUR;

/*
 * Start one slot per client (borrowed until worker_stop).  WJ_ERR_CRYPTO
 * when there is no random seed; WJ_ERR_IO when a thread cannot start
 * (the slots already started are stopped again).
 */
int	worker_start(struct worker *, struct client *const *clients, int n)
	    WJ_WUR;

/* Stop every slot at once (abandoning its sub-job) and join them. */
void	worker_stop(struct worker *);

/* Has the server refused the worker for good? */
int	worker_refused(const struct worker *);

void	worker_free(struct worker *);

/*
 * The outcome of a command that did not exit 0, from its last stderr
 * line and wait status: "CODE: reason" (CODE of letters, digits, '.',
 * '_' or '-' with a '.', e.g. WKS.0005) gives CODE and reason; another
 * line gives WKSJOBS.EXEC and the line; no line says how it ended.  The
 * reason is sanitised and at most WJ_FAIL_REASON_MAX characters.
 */
#define WORKER_REASON_MAX	(WJ_FAIL_REASON_MAX * 4 + 1)
void	worker_exec_outcome(const char *line, int status,
	    char code[WJ_ERROR_CODE_MAX + 1], char reason[WORKER_REASON_MAX]);

#endif
