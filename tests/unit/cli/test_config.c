/*
 * test_config.c - the configuration file parser (cli/conf.c) and the
 * precedence cmd_parse gives it: flag > environment > file > default.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cmd.h"

static const struct opt opts[] = {
	{ "config", OPT_STR, 0, 4000, NULL, "file", OPT_NOFILE },
	{ "name", OPT_STR, 1, 16, "dflt", "a name", 0 },
	{ "count", OPT_INT, 1, 10, "1", "a count", OPT_RELOAD },
	{ "listen", OPT_ADDR, 0, 0, "127.0.0.1:80", "an address", 0 },
	{ "on", OPT_BOOL, 0, 1, "false", "a switch", 0 },
	{ "level", OPT_ENUM, 0, OPT_CHOICES_LOG_LEVEL, "info", "a level", 0 },
	{ "tag", OPT_STR, 1, 8, NULL, "tags", OPT_REPEAT },
};
#define N (sizeof(opts) / sizeof(opts[0]))

static char path[64];

/* A configuration file holding text; its path in path. */
static void
conf_file(const char *text)
{
	FILE *f;
	int fd;

	strcpy(path, "/tmp/wksjobs-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	fclose(f);
}

/* Parse argv (NULL-terminated) with --config path in front. */
static int
parse(struct cmd_args *a, const char **args)
{
	char *argv[16];
	int argc = 0;

	argv[argc++] = "--config";
	argv[argc++] = path;
	while (*args != NULL && argc < 15)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	return cmd_parse("test", opts, N, argc, argv, a);
}

static void
test_values_comments_quotes(void **s)
{
	const char *none[] = { NULL };
	struct cmd_args a;

	(void)s;
	conf_file("# comment\n\n  name = \"a b # c\"  # after\n"
	    "count=7\r\nlisten = [::1]:8443\n\ton = true\nlevel = 'debug'\n"
	    "tag = x\ntag = y\n");
	assert_int_equal(parse(&a, none), 0);
	assert_int_equal(a.problems, 0);
	assert_string_equal(cmd_opt(&a, "name")->s, "a b # c");
	assert_int_equal(cmd_opt(&a, "count")->i, 7);
	assert_int_equal(cmd_opt(&a, "count")->src, OPT_SRC_FILE);
	assert_int_equal(cmd_opt(&a, "count")->line, 4);
	assert_string_equal(cmd_opt(&a, "listen")->host, "::1");
	assert_int_equal(cmd_opt(&a, "listen")->port, 8443);
	assert_int_equal(cmd_opt(&a, "on")->i, 1);
	assert_int_equal(cmd_opt(&a, "level")->i, 3);
	assert_int_equal(cmd_opt(&a, "tag")->n, 2);
	assert_string_equal(cmd_opt(&a, "tag")->all[1], "y");
	assert_string_equal(a.conf_path, path);
	cmd_args_free(&a);
	unlink(path);
}

static void
test_precedence(void **s)
{
	const char *flag[] = { "--count", "3", NULL }, *none[] = { NULL };
	struct cmd_args a;

	(void)s;
	conf_file("count = 9\nname = file\n");
	setenv("WKSJOBS_COUNT", "5", 1);
	setenv("WKSJOBS_NAME", "", 1);		/* empty: not set */
	assert_int_equal(parse(&a, flag), 0);
	assert_int_equal(cmd_opt(&a, "count")->i, 3);
	assert_int_equal(cmd_opt(&a, "count")->src, OPT_SRC_FLAG);
	assert_string_equal(cmd_opt(&a, "name")->s, "file");
	assert_int_equal(cmd_opt(&a, "on")->src, OPT_SRC_DEFAULT);
	cmd_args_free(&a);
	assert_int_equal(parse(&a, none), 0);
	assert_int_equal(cmd_opt(&a, "count")->i, 5);
	assert_int_equal(cmd_opt(&a, "count")->src, OPT_SRC_ENV);
	cmd_args_free(&a);
	unsetenv("WKSJOBS_COUNT");
	unsetenv("WKSJOBS_NAME");
	assert_int_equal(parse(&a, none), 0);
	assert_int_equal(cmd_opt(&a, "count")->i, 9);
	assert_string_equal(cmd_opt(&a, "listen")->host, "127.0.0.1");
	cmd_args_free(&a);
	unlink(path);
}

static void
test_problems_counted_values_kept(void **s)
{
	const char *flag[] = { "--count", "2", NULL };
	struct cmd_args a;

	(void)s;
	/* every line wrong once; the flag's count does not hide line 2 */
	conf_file("cuont = 1\ncount = 11\nno equals sign\nconfig = x\n"
	    "name = \"open\nname = 'x' y\nlevel = loud\nBad Key = 1\n"
	    "on = true\non = false\nname = ok\n");
	assert_int_equal(parse(&a, flag), EXIT_USAGE);
	assert_int_equal(a.problems, 9);
	assert_int_equal(cmd_opt(&a, "count")->i, 2);
	assert_string_equal(cmd_opt(&a, "name")->s, "ok");
	assert_int_equal(cmd_opt(&a, "on")->i, 1);
	assert_int_equal(cmd_opt(&a, "level")->i, 2);	/* the default */
	cmd_args_free(&a);
	unlink(path);
}

static void
test_unreadable_file(void **s)
{
	const char *none[] = { NULL };
	struct cmd_args a;

	(void)s;
	strcpy(path, "/nonexistent/wksjobs.conf");
	assert_int_equal(parse(&a, none), EXIT_USAGE);
	assert_int_equal(a.problems, 1);
	assert_string_equal(cmd_opt(&a, "name")->s, "dflt");
	cmd_args_free(&a);
}

static void
test_suggest(void **s)
{
	(void)s;
	assert_string_equal(cmd_suggest("cuont", 5, opts, N, sizeof(*opts)),
	    "count");
	assert_string_equal(cmd_suggest("lsten", 5, opts, N, sizeof(*opts)),
	    "listen");
	assert_null(cmd_suggest("zzzzzz", 6, opts, N, sizeof(*opts)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_comments_quotes),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_problems_counted_values_kept),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_suggest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
