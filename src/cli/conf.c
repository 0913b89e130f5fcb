/*
 * conf.c - the configuration file: "key = value" lines whose keys are
 * the long flag names of a command's option table, read between the
 * environment and the defaults (cmd_parse), and the table's dumps for
 * the README, man pages and the example file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

#define CONF_MAX (1024 * 1024)	/* a larger file is refused */

/* Say "wksjobs: path:line: ..." and count it. */
static void __attribute__((format(printf, 4, 5)))
problem(struct cmd_args *a, const char *path, int line, const char *fmt, ...)
{
	va_list ap;

	if (line > 0)
		fprintf(stderr, "wksjobs: %s:%d: ", path, line);
	else
		fprintf(stderr, "wksjobs: %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	a->problems++;
}

/* The whole file, NUL-terminated, into *out (malloc'd); -1 on error. */
static int
slurp(const char *path, char **out, const char **why)
{
	FILE *f;
	char *t;
	size_t n;

	*out = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		*why = strerror(errno);
		return -1;
	}
	if ((t = malloc(CONF_MAX + 1)) == NULL) {
		fclose(f);
		*why = "out of memory";
		return -1;
	}
	n = fread(t, 1, CONF_MAX + 1, f);
	if (ferror(f) || n > CONF_MAX) {
		*why = ferror(f) ? strerror(errno) : "larger than 1 MiB";
		fclose(f);
		free(t);
		return -1;
	}
	fclose(f);
	t[n] = '\0';
	if (strlen(t) != n) {
		*why = "holds a NUL byte";
		free(t);
		return -1;
	}
	*out = t;
	return 0;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/*
 * The value after '=' in place: a quoted one unquoted, an unquoted one
 * up to a '#' after a blank.  NULL (with *why) when it is malformed.
 */
static char *
unquote(char *v, const char **why)
{
	char q = *v, *o, *p;

	if (q != '"' && q != '\'') {
		for (p = v; *p != '\0'; p++)
			if (*p == '#' && (p == v || p[-1] == ' ' ||
			    p[-1] == '\t')) {
				*p = '\0';
				break;
			}
		return trim(v);
	}
	for (o = p = v + 1; *p != '\0' && *p != q; p++) {
		if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		*o++ = *p;
	}
	if (*p != q) {
		*why = "unterminated quote";
		return NULL;
	}
	p = trim(p + 1);
	if (*p != '\0' && *p != '#') {
		*why = "text after the closing quote";
		return NULL;
	}
	*o = '\0';
	return v + 1;
}

/* The option of key in a, or the problem said. */
static int
find_key(struct cmd_args *a, const char *path, int line, const char *key)
{
	const char *near;
	size_t i;

	for (i = 0; i < a->n_opts; i++)
		if (strcmp(a->opts[i].name, key) == 0)
			break;
	if (i < a->n_opts && !(a->opts[i].flags & OPT_NOFILE))
		return (int)i;
	if (i < a->n_opts) {
		problem(a, path, line, "'%s' is a flag only, not a key of the "
		    "configuration file", key);
		return -1;
	}
	near = cmd_suggest(key, strlen(key), a->opts, a->n_opts,
	    sizeof(*a->opts));
	if (near != NULL)
		problem(a, path, line, "unknown key '%s' (did you mean '%s'?)",
		    key, near);
	else
		problem(a, path, line, "unknown key '%s'", key);
	return -1;
}

/* One "key = value" line (s, in place). */
static void
conf_line(struct cmd_args *a, const char *path, int line, char *s)
{
	struct opt_val scratch, *v;
	const char *why = NULL;
	char what[64], *eq, *key, *val;
	size_t k;
	int i;

	s = trim(s);
	if (*s == '\0' || *s == '#')
		return;
	if ((eq = strchr(s, '=')) == NULL) {
		problem(a, path, line, "expected 'key = value'");
		return;
	}
	*eq = '\0';
	key = trim(s);
	k = strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789-");
	if (*key == '\0' || key[k] != '\0') {
		problem(a, path, line, "expected 'key = value' (a key is a "
		    "flag's name without '--')");
		return;
	}
	if ((i = find_key(a, path, line, key)) < 0)
		return;
	if ((val = unquote(trim(eq + 1), &why)) == NULL) {
		problem(a, path, line, "%s", why);
		return;
	}
	v = &a->vals[i];
	if (v->src == OPT_SRC_FILE && !(a->opts[i].flags & OPT_REPEAT)) {
		problem(a, path, line, "'%s' given twice (first on line %d)",
		    key, v->line);
		return;
	}
	/* Checked even where a flag or the environment wins. */
	scratch = *v;
	if (cmd_opt_set(&a->opts[i], &scratch, val, what, sizeof(what)) != 0) {
		problem(a, path, line, "bad value for '%s': must be %s", key,
		    what);
		return;
	}
	if (v->src > OPT_SRC_FILE)
		return;
	*v = scratch;
	v->set = 1;
	v->src = OPT_SRC_FILE;
	v->line = line;
}

int
cmd_conf_load(struct cmd_args *a, const char *path)
{
	const char *why = NULL;
	char *s, *nl;
	int line;

	free(a->conf);
	a->conf = NULL;
	a->conf_path = path;
	if (slurp(path, &a->conf, &why) != 0) {
		problem(a, path, 0, "cannot read the configuration file: %s",
		    why);
		return -1;
	}
	for (s = a->conf, line = 1; s != NULL; s = nl, line++) {
		if ((nl = strchr(s, '\n')) != NULL)
			*nl++ = '\0';
		conf_line(a, path, line, s);
	}
	return 0;
}

/* ---- dumps of the table ---------------------------------------------- */

/* Where an option counts besides flag and environment, for the README. */
static const char *
scope_note(const struct opt *o)
{
	if (o->flags & OPT_NOFILE)
		return " (not in the file)";
	if (o->flags & OPT_RELOAD)
		return " (SIGHUP reloads it)";
	return "";
}

void
cmd_print_config_markdown(const char *command, const struct opt *opts,
    size_t n)
{
	char env[64];
	size_t i;

	printf("| `%s` flag / file key | environment | default | meaning |\n"
	    "|---|---|---|---|\n", command);
	for (i = 0; i < n; i++) {
		cmd_env_name(opts[i].name, env, sizeof(env));
		printf("| `--%s` | `%s` | %s%s%s | %s%s |\n", opts[i].name, env,
		    opts[i].def ? "`" : "", opts[i].def ? opts[i].def : "—",
		    opts[i].def ? "`" : "", opts[i].help,
		    scope_note(&opts[i]));
	}
}

/* s as a JSON string (the table's texts are ASCII without controls). */
static void
json_str(const char *s)
{
	putchar('"');
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

void
cmd_print_config_json(const char *command, const struct opt *opts, size_t n)
{
	static const char *types[] = { "string", "integer", "boolean",
	    "address", "number", "enum" };
	char env[64];
	size_t i;

	printf("{\"command\":");
	json_str(command);
	printf(",\"file\":");
	json_str(CMD_CONF_DEFAULT);
	printf(",\"options\":[");
	for (i = 0; i < n; i++) {
		cmd_env_name(opts[i].name, env, sizeof(env));
		printf("%s\n{\"name\":", i > 0 ? "," : "");
		json_str(opts[i].name);
		printf(",\"type\":");
		json_str(types[opts[i].type]);
		printf(",\"env\":");
		json_str(env);
		printf(",\"default\":");
		if (opts[i].def != NULL)
			json_str(opts[i].def);
		else
			printf("null");
		printf(",\"help\":");
		json_str(opts[i].help);
		if (opts[i].type == OPT_ENUM) {
			printf(",\"choices\":");
			json_str(cmd_choices[opts[i].max]);
		}
		printf(",\"file\":%s,\"reload\":%s,\"repeat\":%s}",
		    opts[i].flags & OPT_NOFILE ? "false" : "true",
		    opts[i].flags & OPT_RELOAD ? "true" : "false",
		    (opts[i].flags & OPT_REPEAT) ? "true" : "false");
	}
	printf("\n]}\n");
}

void
cmd_print_config_example(const char *command, const struct opt *opts,
    size_t n)
{
	size_t i;

	printf("# %s - the configuration of 'wksjobs %s'.\n"
	    "# Keys are the long flag names; a flag or $WKSJOBS_<KEY> wins\n"
	    "# over the file, the file over the defaults shown.\n"
	    "# 'wksjobs %s --check' validates it; SIGHUP re-reads the keys\n"
	    "# marked so.\n", CMD_CONF_DEFAULT, command, command);
	for (i = 0; i < n; i++) {
		if (opts[i].flags & OPT_NOFILE)
			continue;
		printf("\n# %s%s\n", opts[i].help,
		    opts[i].flags & OPT_RELOAD ? " (SIGHUP reloads it)" : "");
		if (opts[i].def != NULL)
			printf("#%s = %s\n", opts[i].name, opts[i].def);
		else
			printf("#%s =\n", opts[i].name);
	}
}
