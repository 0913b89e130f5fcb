/*
 * run.h - one child command of "wksjobs worker --exec": /bin/sh -c CMD
 * in its own process group, input on its stdin, its stderr read line by
 * line (forwarded to ours with a tag, the last line kept as the failure
 * reason).  Safe in a threaded program: posix_spawn, close-on-exec pipes,
 * signals reset in the child.  The caller drives it in slices
 * (run_wait), so that it can heartbeat and watch for a stop between.
 */
#ifndef WJ_CLIENT_RUN_H
#define WJ_CLIENT_RUN_H

#include <stddef.h>

#include "../util/err.h"

#define RUN_LINE_MAX	1024	/* bytes kept of a stderr line */
#define RUN_TAG_MAX	80

struct run;

/*
 * Start "/bin/sh -c cmd" with environment envp, feeding input[0..len)
 * to its stdin (then closing it).  Lines of its stderr go to our stderr
 * as "tag: line".  WJ_ERR_IO if it cannot be started.
 */
int	run_start(const char *cmd, char *const envp[], const char *input,
	    size_t len, const char *tag, struct run **out) WJ_WUR;

/*
 * Pump stdin and stderr for at most ms milliseconds or until the child
 * exits; *exited is then 1.  WJ_ERR_IO on a failure of poll/waitpid.
 */
int	run_wait(struct run *, int ms, int *exited) WJ_WUR;

/*
 * End the child's process group: SIGTERM, up to grace_ms for it to
 * exit, then SIGKILL; always reaps the child.
 */
void	run_kill(struct run *, int grace_ms);

/* After exit: the wait status (as from waitpid). */
int	run_status(const struct run *);
/* The last non-empty stderr line (trimmed, at most RUN_LINE_MAX - 1
 * bytes), "" if none; valid until run_free. */
const char *run_last_line(const struct run *);

/* Free; kills (no grace) and reaps a child still running. */
void	run_free(struct run *);

#endif
