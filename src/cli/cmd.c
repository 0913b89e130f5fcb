/*
 * cmd.c - subcommand dispatch and the table-driven option parser.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	{ "traces", cmd_traces, "list the audit trail (public API)" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: wksjobs COMMAND [flags]   (wksjobs COMMAND --help)\n"
	    "\nA job service wire-compatible with the Workspace v2 job APIs.\n"
	    "\ncommands:\n");
	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		fprintf(f, "  %-8s  %s\n", cmd_table[i].name,
		    cmd_table[i].summary);
	fprintf(f, "  %-8s  %s\n", "version", "print the version and commit");
	fprintf(f, "\noptions:\n  --help    show this help\n"
	    "  --version print the version and commit\n");
}

/* "wksjobs VERSION (commit ID)" on stdout: --version of every command. */
static int
version(void)
{
	printf("wksjobs %s (commit %s)\n", wj_version(), wj_commit());
	return EXIT_OK;
}

int
cmd_main(int argc, char **argv)
{
	const char *near;
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
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0)
		return version();
	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (strcmp(argv[1], cmd_table[i].name) == 0)
			return cmd_table[i].exec(argc - 1, argv + 1);
	near = cmd_suggest(argv[1], strlen(argv[1]), cmd_table,
	    sizeof(cmd_table) / sizeof(cmd_table[0]), sizeof(cmd_table[0]));
	fprintf(stderr, "wksjobs: unknown command '%s'%s%s%s\n", argv[1],
	    near != NULL ? " (did you mean '" : "", near != NULL ? near : "",
	    near != NULL ? "'?)" : "");
	usage(stderr);
	return EXIT_USAGE;
}

void
cmd_env_name(const char *flag, char *out, size_t cap)
{
	size_t i, o;

	o = (size_t)snprintf(out, cap, "WKSJOBS_");
	for (i = 0; flag[i] != '\0' && o + 1 < cap; i++)
		out[o++] = flag[i] == '-' ? '_' :
		    (char)toupper((unsigned char)flag[i]);
	out[o] = '\0';
}

/* "--name=VALUE", with the placeholder of its type, into out. */
static void
flag_form(const struct opt *o, char *out, size_t cap)
{
	const char *m;

	switch (o->type) {
	case OPT_INT:
		m = "N";
		break;
	case OPT_DOUBLE:
		m = "X";
		break;
	case OPT_ADDR:
		m = "HOST:PORT";
		break;
	case OPT_ENUM:
		m = cmd_choices[o->max];
		break;
	default:
		m = "VALUE";
	}
	if (o->type == OPT_BOOL)
		(void)snprintf(out, cap, "--%s", o->name);
	else
		(void)snprintf(out, cap, "--%s=%s", o->name, m);
}

/*
 * One line per option, its text from column 30 (on the next line when
 * the flag is longer), as help2man reads it.
 */
static void
help(const char *use, const struct opt *opts, size_t n)
{
	char env[64], flag[64];
	size_t i;

	printf("usage: %s\n\nflags:\n", use);
	for (i = 0; i < n; i++) {
		cmd_env_name(opts[i].name, env, sizeof(env));
		flag_form(&opts[i], flag, sizeof(flag));
		if (strlen(flag) > 25)
			printf("  %s\n  %-26s  %s", flag, "", opts[i].help);
		else
			printf("  %-26s  %s", flag, opts[i].help);
		if (opts[i].def != NULL)
			printf(" (default %s)", opts[i].def);
		printf(" [$%s]%s\n", env, opts[i].flags & OPT_RELOAD ?
		    " (SIGHUP reloads it)" : "");
	}
	printf("  %-26s  %s\n  %-26s  %s\n", "--help", "show this help",
	    "--version", "print the version and commit");
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

const char *const cmd_choices[] = {
	[OPT_CHOICES_LOG_LEVEL] = "error|warn|info|debug",
	[OPT_CHOICES_LOG_FORMAT] = "text|json",
};

/* The index of word s in choices ("a|b|c"), or -1. */
static int
choice(const char *choices, const char *s)
{
	size_t len = strlen(s), wl;
	int i;

	for (i = 0; choices != NULL && *choices != '\0'; i++) {
		wl = strcspn(choices, "|");
		if (wl == len && strncmp(choices, s, len) == 0)
			return i;
		choices += wl + (choices[wl] == '|');
	}
	return -1;
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
	case OPT_ENUM:
		if ((v->i = choice(cmd_choices[o->max], s)) < 0)
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
	if ((o->flags & OPT_REPEAT) && v->n < OPT_MAX_REPEAT)
		v->all[v->n++] = s;
	return 0;
}

/* What an option accepts, for the message about a bad value. */
static void
accepted(const struct opt *o, char *out, size_t cap)
{
	switch (o->type) {
	case OPT_INT:
		(void)snprintf(out, cap, "an integer from %lld to %lld",
		    (long long)o->min, (long long)o->max);
		break;
	case OPT_BOOL:
		(void)snprintf(out, cap, "true or false");
		break;
	case OPT_ADDR:
		(void)snprintf(out, cap, "HOST:PORT");
		break;
	case OPT_ENUM:
		(void)snprintf(out, cap, "one of %s", cmd_choices[o->max]);
		break;
	case OPT_DOUBLE:
		(void)snprintf(out, cap, "a number from %lld to %lld",
		    (long long)o->min, (long long)o->max);
		break;
	default:
		if (o->max > 0)
			(void)snprintf(out, cap, "%lld to %lld characters",
			    (long long)o->min, (long long)o->max);
		else
			(void)snprintf(out, cap, "at least %lld characters",
			    (long long)o->min);
	}
}

int
cmd_opt_set(const struct opt *o, struct opt_val *v, const char *s,
    char *what, size_t cap)
{
	if (set_value(o, v, s) == 0)
		return 0;
	accepted(o, what, cap);
	return -1;
}

/* Edits (insert, delete, change, swap two neighbours) from a to b. */
static size_t
edit_distance(const char *a, size_t al, const char *b, size_t bl)
{
	size_t d[CMD_SUGGEST_MAX + 1][CMD_SUGGEST_MAX + 1], i, j, v;

	if (al > CMD_SUGGEST_MAX || bl > CMD_SUGGEST_MAX)
		return SIZE_MAX;
	for (i = 0; i <= al; i++)
		d[i][0] = i;
	for (j = 0; j <= bl; j++)
		d[0][j] = j;
	for (i = 1; i <= al; i++)
		for (j = 1; j <= bl; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[al][bl];
}

const char *
cmd_suggest(const char *word, size_t len, const void *table, size_t n,
    size_t stride)
{
	const char *best = NULL, *name;
	size_t i, d, best_d = SIZE_MAX, nl;

	for (i = 0; i < n; i++) {
		name = *(const char *const *)(const void *)
		    ((const char *)table + i * stride);
		nl = strlen(name);
		/* a start of the name (--stat) counts as one edit */
		d = len >= 3 && len < nl && strncmp(name, word, len) == 0 ?
		    1 : edit_distance(word, len, name, nl);
		if (d < best_d) {
			best_d = d;
			best = name;
		}
	}
	/* Close enough to be a slip, not another word. */
	if (best == NULL || best_d > 2 || best_d * 3 > strlen(best))
		return NULL;
	return best;
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

/* $WKSJOBS_<NAME> of the options no flag set; each bad one said and
 * counted in a->problems. */
static void
apply_env(const char *use, struct cmd_args *a)
{
	char env[64], what[64];
	const char *e;
	size_t i;

	for (i = 0; i < a->n_opts; i++) {
		if (a->vals[i].set)
			continue;
		cmd_env_name(a->opts[i].name, env, sizeof(env));
		if ((e = getenv(env)) == NULL || *e == '\0')
			continue;
		if (cmd_opt_set(&a->opts[i], &a->vals[i], e, what,
		    sizeof(what)) != 0) {
			(void)cmd_usage_error(use, "bad value in $%s: must be "
			    "%s", env, what);
			a->problems++;
			continue;
		}
		a->vals[i].set = 1;
		a->vals[i].src = OPT_SRC_ENV;
	}
}

/*
 * The configuration file when opts has a "config" option: the one it
 * names, else CMD_CONF_DEFAULT when that exists.
 */
static void
apply_file(struct cmd_args *a)
{
	size_t i;

	for (i = 0; i < a->n_opts; i++)
		if (strcmp(a->opts[i].name, "config") == 0)
			break;
	if (i == a->n_opts)
		return;
	if (a->vals[i].set) {
		if (*a->vals[i].s != '\0')	/* --config '' reads none */
			(void)cmd_conf_load(a, a->vals[i].s);
	} else if (a->opts[i].def != NULL && access(a->opts[i].def, F_OK) == 0)
		(void)cmd_conf_load(a, a->opts[i].def);
}

static int
apply_defaults(const char *use, const struct opt *opts, size_t n,
    struct opt_val *vals)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!vals[i].set && opts[i].def != NULL &&
		    set_value(&opts[i], &vals[i], opts[i].def) != 0)
			return cmd_usage_error(use, "bad default for --%s",
			    opts[i].name);
	return 0;
}

static int
unknown_flag(const char *use, const struct opt *opts, size_t n,
    const char *arg, const char *name, size_t nl)
{
	const char *near;

	if (strncmp(name, "help", nl) == 0 && nl > 0)
		near = "help";
	else
		near = cmd_suggest(name, nl, opts, n, sizeof(*opts));
	if (near != NULL)
		return cmd_usage_error(use, "unknown flag %s (did you mean "
		    "--%s?)", arg, near);
	return cmd_usage_error(use, "unknown flag %s", arg);
}

int
cmd_parse(const char *use, const struct opt *opts, size_t n, int argc,
    char **argv, struct cmd_args *out)
{
	char what[64];
	const char *name, *val;
	size_t i, nl;
	int a, r;

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
		if (strcmp(argv[a], "--version") == 0) {
			(void)version();
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
			return unknown_flag(use, opts, n, argv[a], name, nl);
		if (val != NULL)
			val++;
		else if (opts[i].type == OPT_BOOL)
			val = "true";
		else if (a + 1 < argc)
			val = argv[++a];
		else
			return cmd_usage_error(use, "flag %s needs a value",
			    argv[a]);
		if (out->vals[i].set && !(opts[i].flags & OPT_REPEAT))
			return cmd_usage_error(use, "flag --%s given twice",
			    opts[i].name);
		if (cmd_opt_set(&opts[i], &out->vals[i], val, what,
		    sizeof(what)) != 0)
			return cmd_usage_error(use, "bad value for --%s: must "
			    "be %s", opts[i].name, what);
		out->vals[i].set = 1;
		out->vals[i].src = OPT_SRC_FLAG;
	}
	apply_env(use, out);
	apply_file(out);
	if ((r = apply_defaults(use, opts, n, out->vals)) != 0)
		return r;
	return out->problems > 0 ? EXIT_USAGE : 0;
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
	free(a->conf);
	memset(a, 0, sizeof(*a));
}

int
cmd_dispatch(const char *group, const char *use, const struct cmd_sub *subs,
    size_t n, int argc, char **argv)
{
	const char *near;
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
	if (strcmp(argv[1], "--version") == 0)
		return version();
	for (i = 0; i < n; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(argc - 1, argv + 1);
	near = cmd_suggest(argv[1], strlen(argv[1]), subs, n, sizeof(*subs));
	fprintf(stderr, "wksjobs: unknown %s command '%s'%s%s%s\nusage: %s\n",
	    group, argv[1], near != NULL ? " (did you mean '" : "",
	    near != NULL ? near : "", near != NULL ? "'?)" : "", use);
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
	cfg.ca_file = flag_given(a, "ca-file");
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

int
cmd_id_check(const char *use, const char *what, const char *id)
{
	size_t i, n = strlen(id);

	if (id[0] == '-')
		return unknown_flag(use, NULL, 0, id, id + strspn(id, "-"),
		    strlen(id + strspn(id, "-")));
	for (i = 0; i < n && n == WJ_ID_LEN; i++)
		if (!isdigit((unsigned char)id[i]) &&
		    (id[i] < 'a' || id[i] > 'f'))
			break;
	if (n == WJ_ID_LEN && i == n)
		return 0;
	if (n > WJ_ID_LEN + 8)
		return cmd_usage_error(use, "'%.*s...' is not a %s: IDs are "
		    "%d lower-case hex digits", WJ_ID_LEN, id, what,
		    WJ_ID_LEN);
	return cmd_usage_error(use, "'%s' is not a %s: IDs are %d lower-case "
	    "hex digits", id, what, WJ_ID_LEN);
}

void
cmd_api_error(const char *what, struct client *c,
    const struct client_resp *resp, int internal_api)
{
	const char *msg;

	client_resp_print_error(stderr, what, c, resp);
	msg = json_string_value(json_object_get(resp->json, "error_msg"));
	if (resp->status == 401 && msg != NULL &&
	    strstr(msg, "AK access failed to reach the limit") != NULL)
		fprintf(stderr, "wksjobs: the access key is locked after "
		    "repeated bad signatures; the lock ends by itself (serve "
		    "--ak-lock-s), or an operator lifts it with 'wksjobs admin "
		    "key unlock AK'\n");
	client_listener_hint(stderr, c, resp, internal_api);
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
