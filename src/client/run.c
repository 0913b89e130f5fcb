/*
 * run.c - a child command for the worker's --exec; see run.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "run.h"
#include "../util/util.h"

#define SLICE_MS	50	/* how often waitpid is asked */
#define READ_CHUNK	4096

struct run {
	pid_t	 pid;
	int	 in_fd;			/* -1 once closed */
	int	 err_fd;
	char	*input;			/* owned copy */
	size_t	 len;
	size_t	 off;
	char	 line[RUN_LINE_MAX];
	size_t	 line_len;
	char	 last[RUN_LINE_MAX];
	char	 tag[RUN_TAG_MAX];
	int	 exited;
	int	 status;
};

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

static void
end_line(struct run *r)
{
	char clean[RUN_LINE_MAX];

	while (r->line_len > 0 && (r->line[r->line_len - 1] == ' ' ||
	    r->line[r->line_len - 1] == '\t' ||
	    r->line[r->line_len - 1] == '\r'))
		r->line_len--;
	r->line[r->line_len] = '\0';
	if (r->line_len > 0) {
		memcpy(r->last, r->line, r->line_len + 1);
		fprintf(stderr, "%s: %s\n", r->tag, client_sanitize(r->line,
		    clean, sizeof(clean), RUN_LINE_MAX));
	}
	r->line_len = 0;
}

static void
feed(struct run *r, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n')
			end_line(r);
		else if (r->line_len + 1 < sizeof(r->line))
			r->line[r->line_len++] = p[i];
		/* else: the rest of an over-long line is dropped */
	}
}

/* Read what stderr has; EOF closes it. */
static void
pump_err(struct run *r)
{
	char buf[READ_CHUNK];
	ssize_t n;
	int i;

	for (i = 0; r->err_fd >= 0 && i < 64; i++) {	/* bounded per call */
		n = read(r->err_fd, buf, sizeof(buf));
		if (n > 0) {
			feed(r, buf, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		close_fd(&r->err_fd);	/* EOF or an error */
		if (r->line_len > 0)
			end_line(r);
	}
}

/*
 * write() that cannot kill us with SIGPIPE whatever the caller's signal
 * setup: SIGPIPE is blocked around it and a pending one consumed.
 */
static ssize_t
write_nosigpipe(int fd, const void *p, size_t n)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old;
	ssize_t w;
	int e;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	w = write(fd, p, n);
	e = errno;
	if (w < 0 && e == EPIPE)
		(void)sigtimedwait(&pipe_set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return w;
}

static void
pump_in(struct run *r)
{
	ssize_t n;

	if (r->in_fd < 0)
		return;
	if (r->off < r->len) {
		n = write_nosigpipe(r->in_fd, r->input + r->off,
		    r->len - r->off);
		if (n > 0)
			r->off += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			r->off = r->len;	/* EPIPE: it does not read */
	}
	if (r->off >= r->len)
		close_fd(&r->in_fd);
}

static int
nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -1 : 0;
}

/* Attributes of the child: own process group, default signals. */
static void
spawn_attrs(posix_spawnattr_t *at)
{
	static const int sigs[] = { SIGPIPE, SIGTERM, SIGINT, SIGHUP,
	    SIGQUIT, SIGUSR1, SIGUSR2 };
	sigset_t none, def;
	size_t i;

	sigemptyset(&none);
	sigemptyset(&def);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&def, sigs[i]);
	(void)posix_spawnattr_setsigmask(at, &none);
	(void)posix_spawnattr_setsigdefault(at, &def);
	(void)posix_spawnattr_setpgroup(at, 0);
	(void)posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
}

static int
spawn(struct run *r, const char *cmd, char *const envp[], int in[2],
    int err[2])
{
	char sh[] = "sh", dash_c[] = "-c", *c, *argv[4];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int e;

	if ((c = strdup(cmd)) == NULL)
		return WJ_ERR_NOMEM;
	argv[0] = sh;
	argv[1] = dash_c;
	argv[2] = c;
	argv[3] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	/* dup2 clears close-on-exec on 0 and 2; every other pipe end of
	 * this or any concurrent spawn stays closed in the child. */
	(void)posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	(void)posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
	spawn_attrs(&at);
	e = posix_spawn(&r->pid, "/bin/sh", &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(c);
	return e == 0 ? 0 : WJ_ERR_IO;
}

int
run_start(const char *cmd, char *const envp[], const char *input,
    size_t len, const char *tag, struct run **out)
{
	int in[2] = { -1, -1 }, err[2] = { -1, -1 }, e;
	struct run *r;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return WJ_ERR_NOMEM;
	r->in_fd = r->err_fd = -1;
	(void)snprintf(r->tag, sizeof(r->tag), "%s", tag);
	if (len > 0 && (r->input = malloc(len)) == NULL) {
		free(r);
		return WJ_ERR_NOMEM;
	}
	if (len > 0)
		memcpy(r->input, input, len);
	r->len = len;
	e = WJ_ERR_IO;
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
	    (e = spawn(r, cmd, envp, in, err)) != 0) {
		r->exited = 1;		/* nothing to reap */
		goto fail;
	}
	close_fd(&in[0]);
	close_fd(&err[1]);
	r->in_fd = in[1];
	r->err_fd = err[0];
	if (nonblock(r->in_fd) != 0 || nonblock(r->err_fd) != 0) {
		e = WJ_ERR_IO;
		run_free(r);
		return e;
	}
	pump_in(r);
	*out = r;
	return 0;
 fail:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	run_free(r);
	return e;
}

static int
reap(struct run *r, int options)
{
	pid_t w;

	if (r->exited)
		return 1;
	do
		w = waitpid(r->pid, &r->status, options);
	while (w < 0 && errno == EINTR);
	if (w == r->pid) {
		r->exited = 1;
		return 1;
	}
	return w < 0 ? -1 : 0;
}

int
run_wait(struct run *r, int ms, int *exited)
{
	int64_t deadline = wj_mono_us() + (int64_t)ms * 1000, left;
	struct pollfd p[2];
	int np, k;

	*exited = 0;
	for (;;) {	/* bounded by the deadline */
		if ((k = reap(r, WNOHANG)) < 0)
			return WJ_ERR_IO;
		if (k == 1) {
			/* What it wrote before exiting; a grandchild that
			 * keeps stderr open does not hold us up. */
			pump_err(r);
			close_fd(&r->in_fd);
			close_fd(&r->err_fd);
			if (r->line_len > 0)
				end_line(r);
			*exited = 1;
			return 0;
		}
		if ((left = (deadline - wj_mono_us()) / 1000) <= 0)
			return 0;
		np = 0;
		if (r->in_fd >= 0)
			p[np++] = (struct pollfd){ r->in_fd, POLLOUT, 0 };
		if (r->err_fd >= 0)
			p[np++] = (struct pollfd){ r->err_fd, POLLIN, 0 };
		if (poll(p, (nfds_t)np, left < SLICE_MS ? (int)left :
		    SLICE_MS) < 0 && errno != EINTR)
			return WJ_ERR_IO;
		pump_in(r);
		pump_err(r);
	}
}

void
run_kill(struct run *r, int grace_ms)
{
	int exited = 0;

	if (r->exited)
		return;
	(void)kill(-r->pid, SIGTERM);
	if (grace_ms > 0 && run_wait(r, grace_ms, &exited) == 0 && exited)
		return;
	(void)kill(-r->pid, SIGKILL);
	(void)reap(r, 0);
}

int
run_status(const struct run *r)
{
	return r->status;
}

const char *
run_last_line(const struct run *r)
{
	return r->last;
}

void
run_free(struct run *r)
{
	if (r == NULL)
		return;
	if (!r->exited) {
		(void)kill(-r->pid, SIGKILL);
		(void)reap(r, 0);
	}
	close_fd(&r->in_fd);
	close_fd(&r->err_fd);
	free(r->input);
	free(r);
}
