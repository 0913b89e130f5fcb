/*
 * cmd.c - subcommand dispatch and the table-driven option parser.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cmd.h"
#include "../client/client.h"
#include "../client/output.h"
#include "../util/buf.h"
#include "../util/util.h"

struct cmd_entry {
	const char *name;
	int	  (*exec)(int, char **);
	const char *summary;
};

static const struct cmd_entry cmd_table[] = {
	{ "init", cmd_init, "create a data directory (database, keys, account)" },
	{ "serve", cmd_serve, "run the public and internal APIs" },
	{ "admin", cmd_admin, "manage accounts, users, groups, keys, policies" },
	{ "subjobs", cmd_subjobs, "list and delete sub-jobs (public API)" },
	{ "job", cmd_job, "show, retry and create jobs" },
	{ "worker", cmd_worker, "claim and run sub-jobs (internal API)" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: wksjobs COMMAND [flags]   (wksjobs COMMAND --help)\n"
	    "\ncommands:\n");
	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		fprintf(f, "  %-8s %s\n", cmd_table[i].name,
		    cmd_table[i].summary);
}

int
cmd_main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (strcmp(argv[1], cmd_table[i].name) == 0)
			return cmd_table[i].exec(argc - 1, argv + 1);
	fprintf(stderr, "wksjobs: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}

static void
env_name(const char *flag, char *out, size_t cap)
{
	size_t i, o;

	o = (size_t)snprintf(out, cap, "WKSJOBS_");
	for (i = 0; flag[i] != '\0' && o + 1 < cap; i++)
		out[o++] = flag[i] == '-' ? '_' :
		    (char)toupper((unsigned char)flag[i]);
	out[o] = '\0';
}

static void
help(const char *use, const struct opt *opts, size_t n)
{
	char env[64];
	size_t i;

	printf("usage: %s\n\nflags:\n", use);
	for (i = 0; i < n; i++) {
		env_name(opts[i].name, env, sizeof(env));
		printf("  --%-20s %s", opts[i].name, opts[i].help);
		if (opts[i].def != NULL)
			printf(" (default %s)", opts[i].def);
		printf(" [$%s]\n", env);
	}
	printf("  --%-20s %s\n", "help", "show this help");
}

static int
set_addr(struct opt_val *v, const char *s)
{
	const char *colon = strrchr(s, ':');
	int64_t port;
	size_t hl;

	if (colon == NULL || colon == s)
		return -1;
	hl = (size_t)(colon - s);
	if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl >= sizeof(v->host) ||
	    wj_parse_int(colon + 1, 0, 65535, &port) != 0)
		return -1;
	memcpy(v->host, s, hl);
	v->host[hl] = '\0';
	v->port = (int)port;
	return 0;
}

/* Check and store one value; -1 if it is not acceptable. */
static int
set_value(const struct opt *o, struct opt_val *v, const char *s)
{
	char *end;

	switch (o->type) {
	case OPT_INT:
		if (wj_parse_int(s, o->min, o->max, &v->i) != 0)
			return -1;
		break;
	case OPT_BOOL:
		if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
			v->i = 1;
		else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
			v->i = 0;
		else
			return -1;
		break;
	case OPT_ADDR:
		if (set_addr(v, s) != 0)
			return -1;
		break;
	case OPT_DOUBLE:
		v->d = strtod(s, &end);
		if (*s == '\0' || *end != '\0' || v->d < (double)o->min ||
		    v->d > (double)o->max)
			return -1;
		break;
	default:
		if ((int64_t)strlen(s) < o->min ||
		    (o->max > 0 && (int64_t)strlen(s) > o->max))
			return -1;
	}
	v->s = s;
	if (o->repeat && v->n < OPT_MAX_REPEAT)
		v->all[v->n++] = s;
	return 0;
}

int
cmd_usage_error(const char *use, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "wksjobs: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n", use);
	return EXIT_USAGE;
}

static int
apply_defaults(const char *use, const struct opt *opts, size_t n,
    struct opt_val *vals)
{
	char env[64];
	const char *e;
	size_t i;

	for (i = 0; i < n; i++) {
		if (vals[i].set)
			continue;
		env_name(opts[i].name, env, sizeof(env));
		if ((e = getenv(env)) != NULL && *e != '\0') {
			if (set_value(&opts[i], &vals[i], e) != 0)
				return cmd_usage_error(use, "bad value in $%s",
				    env);
			vals[i].set = 1;
		} else if (opts[i].def != NULL &&
		    set_value(&opts[i], &vals[i], opts[i].def) != 0)
			return cmd_usage_error(use, "bad default for --%s",
			    opts[i].name);
	}
	return 0;
}

int
cmd_parse(const char *use, const struct opt *opts, size_t n, int argc,
    char **argv, struct cmd_args *out)
{
	const char *name, *val;
	size_t i, nl;
	int a;

	memset(out, 0, sizeof(*out));
	out->opts = opts;
	out->n_opts = n;
	out->vals = calloc(n + 1, sizeof(*out->vals));
	out->pos = calloc((size_t)argc + 1, sizeof(char *));
	if (out->vals == NULL || out->pos == NULL) {
		fprintf(stderr, "wksjobs: out of memory\n");
		exit(EXIT_FAIL);
	}
	for (a = 0; a < argc; a++) {
		if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
			help(use, opts, n);
			return -1;
		}
		if (strncmp(argv[a], "--", 2) != 0 || argv[a][2] == '\0') {
			out->pos[out->n_pos++] = argv[a];
			continue;
		}
		name = argv[a] + 2;
		val = strchr(name, '=');
		nl = val != NULL ? (size_t)(val - name) : strlen(name);
		for (i = 0; i < n; i++)
			if (strlen(opts[i].name) == nl &&
			    strncmp(opts[i].name, name, nl) == 0)
				break;
		if (i == n)
			return cmd_usage_error(use, "unknown flag %s",
			    argv[a]);
		if (val != NULL)
			val++;
		else if (opts[i].type == OPT_BOOL)
			val = "true";
		else if (a + 1 < argc)
			val = argv[++a];
		else
			return cmd_usage_error(use, "flag %s needs a value",
			    argv[a]);
		if (out->vals[i].set && !opts[i].repeat)
			return cmd_usage_error(use, "flag --%s given twice",
			    opts[i].name);
		if (set_value(&opts[i], &out->vals[i], val) != 0)
			return cmd_usage_error(use, "bad value for --%s",
			    opts[i].name);
		out->vals[i].set = 1;
	}
	return apply_defaults(use, opts, n, out->vals);
}

const struct opt_val *
cmd_opt(const struct cmd_args *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n_opts; i++)
		if (strcmp(a->opts[i].name, name) == 0)
			return &a->vals[i];
	fprintf(stderr, "wksjobs: internal error: no flag %s\n", name);
	abort();
}

void
cmd_args_free(struct cmd_args *a)
{
	free(a->vals);
	free(a->pos);
	memset(a, 0, sizeof(*a));
}

void
cmd_print_config_markdown(const char *command, const struct opt *opts,
    size_t n)
{
	char env[64];
	size_t i;

	printf("| `%s` flag | environment | default | meaning |\n"
	    "|---|---|---|---|\n", command);
	for (i = 0; i < n; i++) {
		env_name(opts[i].name, env, sizeof(env));
		printf("| `--%s` | `%s` | %s%s%s | %s |\n", opts[i].name, env,
		    opts[i].def ? "`" : "", opts[i].def ? opts[i].def : "—",
		    opts[i].def ? "`" : "", opts[i].help);
	}
}

int
cmd_dispatch(const char *group, const char *use, const struct cmd_sub *subs,
    size_t n, int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		fprintf(stderr, "wksjobs: missing %s command\nusage: %s\n",
		    group, use);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		printf("usage: %s\n", use);
		return EXIT_OK;
	}
	for (i = 0; i < n; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(argc - 1, argv + 1);
	fprintf(stderr, "wksjobs: unknown %s command '%s'\nusage: %s\n",
	    group, argv[1], use);
	return EXIT_USAGE;
}

/* A flag's value, or NULL when it is not given. */
static const char *
flag_given(const struct cmd_args *a, const char *flag)
{
	const struct opt_val *v = cmd_opt(a, flag);

	return v->set ? v->s : NULL;
}

int
cmd_client_open(const struct cmd_args *a, const char *endpoint_flag,
    int need_project, struct client **out)
{
	struct client_config cfg;
	int r;

	memset(&cfg, 0, sizeof(cfg));
	cfg.endpoint = cmd_opt(a, endpoint_flag)->s;
	cfg.ak = flag_given(a, "ak");
	cfg.sk = flag_given(a, "sk");
	cfg.project_id = flag_given(a, "project-id");
	cfg.timeout_s = (long)cmd_opt(a, "timeout")->i;
	if ((r = client_open(&cfg, endpoint_flag, need_project, out)) == 0)
		return 0;
	return r == WJ_ERR_INVALID ? EXIT_USAGE : EXIT_FAIL;
}

int
cmd_parse_output(const char *use, const struct opt *opts, size_t n,
    int argc, char **argv, struct cmd_args *out, int *fmt)
{
	int r;

	if ((r = cmd_parse(use, opts, n, argc - 1, argv + 1, out)) != 0)
		return r;
	if (out_format_parse(cmd_opt(out, "output")->s, fmt) != 0)
		return cmd_usage_error(use, "--output must be table or json");
	return 0;
}

int
cmd_no_args(const char *command, const char *use, const struct cmd_args *a)
{
	if (a->n_pos == 0)
		return 0;
	fprintf(stderr, "wksjobs: %s takes no arguments\nusage: %s\n",
	    command, use);
	return EXIT_USAGE;
}

const char cmd_true[] = "true", cmd_false[] = "false";

static void
jw_pairs(struct jw *w, const char *key, va_list ap)
{
	const char *v;

	jw_obj_open(w);
	for (; key != NULL; key = va_arg(ap, const char *)) {
		v = va_arg(ap, const char *);
		jw_key(w, key);
		if (v == cmd_true || v == cmd_false)
			jw_bool(w, v == cmd_true);
		else
			jw_str(w, v);
	}
	jw_obj_close(w);
}

void
cmd_jw_object(struct jw *w, const char *key, ...)
{
	va_list ap;

	va_start(ap, key);
	jw_pairs(w, key, ap);
	va_end(ap);
}

int
cmd_print_object(const char *key, ...)
{
	struct buf b;
	struct jw w;
	va_list ap;

	buf_init(&b);
	jw_init(&w, &b);
	va_start(ap, key);
	jw_pairs(&w, key, ap);
	va_end(ap);
	printf("%s\n", b.data != NULL ? b.data : "{}");
	if (b.data != NULL)
		OPENSSL_cleanse(b.data, b.len);
	buf_free(&b);
	return EXIT_OK;
}
