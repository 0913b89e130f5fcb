/*
 * test_run.c - one child command of "worker --exec" (src/client/run.c):
 * its exit status and last stderr line, its input (larger than a pipe
 * holds, or not read at all), its stderr forwarded with a tag and
 * sanitised, the signals it starts with, the pipes it does not inherit
 * from a concurrent run, and how it is ended.  Every wait is bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/run.h"
#include "util/util.h"
#include "slurp.h"

static char *env_none[] = { NULL };

/* Run cmd to completion (bounded); returns the run, status in *st. */
static struct run *
run_to_end(const char *cmd, const char *input, int *st)
{
	struct run *r = NULL;
	int exited = 0, i;

	assert_int_equal(run_start(cmd, env_none, input,
	    input != NULL ? strlen(input) : 0, "test", &r), 0);
	for (i = 0; i < 100 && !exited; i++)
		assert_int_equal(run_wait(r, 100, &exited), 0);
	assert_true(exited);
	*st = run_status(r);
	return r;
}

static void
test_run_status_and_last_line(void **state)
{
	struct run *r;
	int st;

	(void)state;
	r = run_to_end("echo first >&2; printf 'WKS.0005: last  \\r\\n\\n' >&2;"
	    " exit 3", NULL, &st);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
	assert_string_equal(run_last_line(r), "WKS.0005: last");
	run_free(r);
	/* no final newline; stdin reaches the command */
	r = run_to_end("cat >&2", "{\"id\":\"x\"}", &st);
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_string_equal(run_last_line(r), "{\"id\":\"x\"}");
	run_free(r);
	/* the environment is exactly the one given */
	r = run_to_end("echo \"[$HOME]\" >&2", NULL, &st);
	assert_string_equal(run_last_line(r), "[]");
	run_free(r);
}

static void
test_run_long_line_and_input(void **state)
{
	struct run *r;
	char *big;
	int st;

	(void)state;
	/* 200 KiB of input: more than a pipe holds, so it is pumped */
	assert_non_null(big = malloc(200 * 1024 + 1));
	memset(big, 'y', 200 * 1024);
	big[200 * 1024] = '\0';
	r = run_to_end("wc -c >&2", big, &st);
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_string_equal(run_last_line(r), "204800");
	run_free(r);
	/* a stderr line longer than kept is cut, not overflowed */
	r = run_to_end("head -c 5000 /dev/zero | tr '\\0' z >&2", NULL, &st);
	assert_int_equal(strlen(run_last_line(r)), RUN_LINE_MAX - 1);
	run_free(r);
	/* a command that does not read its input still finishes */
	r = run_to_end("exit 0", big, &st);
	assert_int_equal(WEXITSTATUS(st), 0);
	run_free(r);
	free(big);
}

/* Start cmd, end it with run_kill(grace_ms): it died of sig. */
static void
kill_ends_with(const char *cmd, int grace_ms, int sig)
{
	struct run *r = NULL;
	int exited = 0;

	assert_int_equal(run_start(cmd, env_none, NULL, 0, "test", &r), 0);
	assert_int_equal(run_wait(r, 200, &exited), 0);
	assert_false(exited);
	run_kill(r, grace_ms);
	assert_true(WIFSIGNALED(run_status(r)));
	assert_int_equal(WTERMSIG(run_status(r)), sig);
	run_free(r);
}

static void
test_run_kill(void **state)
{
	struct run *r = NULL;

	(void)state;
	/* ignores SIGTERM: killed after the grace period */
	kill_ends_with("trap '' TERM; sleep 30 & wait", 300, SIGKILL);
	/* a plain one ends with SIGTERM */
	kill_ends_with("sleep 30", 5000, SIGTERM);
	/* freeing a running one kills and reaps it */
	assert_int_equal(run_start("sleep 30", env_none, NULL, 0, "test", &r),
	    0);
	run_free(r);
}

/* Run cmd with our stderr sent to a file; returns what it got. */
static char *
stderr_of(const char *cmd, const char *tag)
{
	char path[] = "/tmp/wj-test-run-XXXXXX", *text;
	struct run *r = NULL;
	int fd, saved, exited = 0, i;

	assert_true((fd = mkstemp(path)) >= 0);
	fflush(stderr);
	assert_true((saved = dup(STDERR_FILENO)) >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	assert_int_equal(run_start(cmd, env_none, NULL, 0, tag, &r), 0);
	for (i = 0; i < 100 && !exited; i++)
		assert_int_equal(run_wait(r, 100, &exited), 0);
	run_free(r);
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	assert_true(exited);
	text = slurp(path);
	unlink(path);
	return text;
}

static void
test_run_forwards_stderr(void **state)
{
	char *text;

	(void)state;
	text = stderr_of("echo one >&2; echo >&2; printf 'esc \\033[31m "
	    "x\\n' >&2; printf 'no newline' >&2", "sub-job 42");
	assert_string_equal(text, "sub-job 42: one\n"
	    "sub-job 42: esc ?[31m x\n"
	    "sub-job 42: no newline\n");
	free(text);
}

static void
test_run_wait_is_a_slice(void **state)
{
	struct run *r = NULL;
	int64_t t0, took;
	int exited = 1;

	(void)state;
	assert_int_equal(run_start("sleep 30", env_none, NULL, 0, "test", &r),
	    0);
	t0 = wj_mono_us();
	assert_int_equal(run_wait(r, 150, &exited), 0);
	took = wj_mono_us() - t0;
	assert_false(exited);
	assert_true(took >= 140000 && took < 2000000);
	run_free(r);
}

static void
test_run_signals_reset(void **state)
{
	static const struct {
		const char *cmd;
		int	    sig;
	} cases[] = {
		{ "kill -INT $$; sleep 5", SIGINT },
		{ "kill -TERM $$; sleep 5", SIGTERM },
	};
	sigset_t term, old;
	struct run *r;
	int st, i;

	(void)state;
	/* what we block or ignore, the command gets as default */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &term, &old), 0);
	assert_true(signal(SIGINT, SIG_IGN) != SIG_ERR);
	for (i = 0; i < 2; i++) {
		r = run_to_end(cases[i].cmd, NULL, &st);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), cases[i].sig);
		run_free(r);
	}
	assert_true(signal(SIGINT, SIG_DFL) != SIG_ERR);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
}

static void
test_run_pipes_not_inherited(void **state)
{
	struct run *a = NULL, *b = NULL;
	int exited = 0, i;
	int64_t t0;
	char *big;

	(void)state;
	/* a's input is still being written when b starts: had b inherited
	 * that pipe, a's cat would see no end of input before b exits */
	assert_non_null(big = malloc(200 * 1024));
	memset(big, 'y', 200 * 1024);
	assert_int_equal(run_start("sleep 0.3; cat >/dev/null; echo a-done >&2",
	    env_none, big, 200 * 1024, "a", &a), 0);
	free(big);
	assert_int_equal(run_start("sleep 10", env_none, NULL, 0, "b", &b), 0);
	t0 = wj_mono_us();
	for (i = 0; i < 50 && !exited; i++)
		assert_int_equal(run_wait(a, 100, &exited), 0);
	assert_true(exited);
	assert_true(wj_mono_us() - t0 < 4000000);
	assert_string_equal(run_last_line(a), "a-done");
	run_free(a);
	run_free(b);
}

/* Is pid gone (or a zombie waiting for its new parent)? */
static int
gone(long pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	return (p = strrchr(buf, ')')) != NULL && p[1] == ' ' && p[2] == 'Z';
}

static void
test_run_kill_ends_the_group(void **state)
{
	struct run *r = NULL;
	int exited = 0, i;
	long pid = 0;

	(void)state;
	assert_int_equal(run_start("sleep 30 & echo $! >&2; wait", env_none,
	    NULL, 0, "test", &r), 0);
	for (i = 0; i < 50 && pid == 0; i++) {
		assert_int_equal(run_wait(r, 100, &exited), 0);
		pid = strtol(run_last_line(r), NULL, 10);
	}
	assert_true(pid > 0);
	assert_false(gone(pid));
	run_kill(r, 2000);
	for (i = 0; i < 100 && !gone(pid); i++)
		usleep(20 * 1000);
	assert_true(gone(pid));
	run_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_status_and_last_line),
		cmocka_unit_test(test_run_long_line_and_input),
		cmocka_unit_test(test_run_kill),
		cmocka_unit_test(test_run_forwards_stderr),
		cmocka_unit_test(test_run_wait_is_a_slice),
		cmocka_unit_test(test_run_signals_reset),
		cmocka_unit_test(test_run_pipes_not_inherited),
		cmocka_unit_test(test_run_kill_ends_the_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
