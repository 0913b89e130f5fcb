/*
 * cmd.h - the subcommand table (after tmux's cmd_table) and the option
 * table every subcommand parses with (after tmux's options-table and
 * Redis's static_configs): one entry per flag with its type, bounds,
 * default, environment variable (WKSJOBS_<NAME>) and help, driving
 * parsing, validation and --help alike.
 */
#ifndef WJ_CMD_H
#define WJ_CMD_H

#include <stddef.h>
#include <stdint.h>

/* Exit codes of every command: ok, API error, usage. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* OPT_ENUM: one word of cmd_choices[max]; its index in opt_val.i. */
enum opt_type { OPT_STR, OPT_INT, OPT_BOOL, OPT_ADDR, OPT_DOUBLE, OPT_ENUM };

/* The word lists of OPT_ENUM options ('|' between words). */
enum { OPT_CHOICES_LOG_LEVEL, OPT_CHOICES_LOG_FORMAT };
extern const char *const cmd_choices[];

/* struct opt.flags */
#define OPT_REPEAT 0x1	/* may be given more than once */
#define OPT_NOFILE 0x2	/* not a key of the configuration file */
#define OPT_RELOAD 0x4	/* a new value in the file applies on SIGHUP */

struct opt {
	const char *name;	/* long flag without "--" */
	int	    type;
	int64_t	    min, max;	/* OPT_INT bounds; OPT_STR length;
				   OPT_ENUM: max picks cmd_choices */
	const char *def;	/* default as text, NULL for none */
	const char *help;
	int	    flags;	/* OPT_REPEAT, OPT_NOFILE, OPT_RELOAD */
};

/* Where a value came from, weakest first (a stronger one wins). */
enum { OPT_SRC_DEFAULT, OPT_SRC_FILE, OPT_SRC_ENV, OPT_SRC_FLAG };

#define OPT_MAX_REPEAT 64

struct opt_val {
	const char *s;		/* last value as given */
	int64_t	    i;		/* OPT_INT, OPT_BOOL, OPT_ENUM */
	double	    d;		/* OPT_DOUBLE */
	int	    set;	/* from flag, environment or file */
	int	    src;	/* OPT_SRC_* */
	int	    line;	/* OPT_SRC_FILE: its line */
	const char *all[OPT_MAX_REPEAT];	/* repeatable flags */
	int	    n;
	char	    host[64];	/* OPT_ADDR */
	int	    port;
};

struct cmd_args {
	const struct opt *opts;
	size_t		  n_opts;
	struct opt_val	 *vals;		/* n_opts entries */
	char		**pos;		/* positional arguments */
	int		  n_pos;
	char		 *conf;		/* the configuration file's text:
					   file values point into it */
	const char	 *conf_path;	/* the file read, NULL if none */
	int		  problems;	/* in the environment or the file
					   (each said on stderr) */
};

/*
 * Parse argv (after the command words) against opts: flags, then
 * $WKSJOBS_<NAME>, then (when opts has a "config" option) the
 * configuration file, then defaults.  Prints the problem and usage on
 * stderr and returns EXIT_USAGE on a bad flag or value; with --help
 * prints help on stdout and returns -1 (caller exits 0).  Problems in
 * the environment or the file are all said and counted in out->problems,
 * every other value still filled in, then EXIT_USAGE.
 */
int	cmd_parse(const char *usage, const struct opt *opts, size_t n,
	    int argc, char **argv, struct cmd_args *out);
/* Value of flag name (must exist in the table). */
const struct opt_val *cmd_opt(const struct cmd_args *, const char *name);
void	cmd_args_free(struct cmd_args *);

/* A command word of a command group and the function that runs it. */
struct cmd_sub {
	const char *name;
	int	  (*run)(int argc, char **argv);
};

/*
 * Run the command word argv[1] of group (e.g. "job") from subs: with
 * argv shifted so that the word is argv[0].  No word or an unknown one:
 * the problem and use on stderr, EXIT_USAGE; help: use on stdout, EXIT_OK.
 */
int	cmd_dispatch(const char *group, const char *use,
	    const struct cmd_sub *subs, size_t n, int argc, char **argv);

/* Subcommand entry points: argv[0] is the subcommand name. */
int	cmd_init(int argc, char **argv);
int	cmd_serve(int argc, char **argv);
int	cmd_admin(int argc, char **argv);
int	cmd_subjobs(int argc, char **argv);
int	cmd_job(int argc, char **argv);
int	cmd_worker(int argc, char **argv);
int	cmd_traces(int argc, char **argv);

/*
 * API client commands (cmd_subjobs.c, cmd_job.c, cmd_worker.c): the
 * flags they share, besides --endpoint / --internal-endpoint.  Unset
 * credentials fall back to the SDKs' HUAWEICLOUD_SDK_AK, _SK and
 * _PROJECT_ID, the CA file to SSL_CERT_FILE (client_open in
 * client/client.c).
 */
#define CMD_CLIENT_OPTS \
	{ "ak", OPT_STR, 1, 128, NULL, "access key [or $HUAWEICLOUD_SDK_AK]", \
	    0 }, \
	{ "sk", OPT_STR, 1, 1024, NULL, "secret key [or $HUAWEICLOUD_SDK_SK;" \
	    " prefer the environment: flags show in ps]", 0 }, \
	{ "project-id", OPT_STR, 1, 255, NULL, "project ID " \
	    "[or $HUAWEICLOUD_SDK_PROJECT_ID]", 0 }, \
	{ "timeout", OPT_INT, 1, 3600, "30", "seconds per HTTP request", 0 }, \
	{ "ca-file", OPT_STR, 1, 4000, NULL, "PEM CAs to trust for an https " \
	    "endpoint (default: the system's) [or $SSL_CERT_FILE]", 0 }

/* Flags of several client commands, each defined once. */
#define CMD_OUTPUT_OPT \
	{ "output", OPT_STR, 1, 8, "table", "table or json", 0 }
#define CMD_ENDPOINT_OPT \
	{ "endpoint", OPT_STR, 1, CLIENT_ENDPOINT_MAX, \
	    CLIENT_PUBLIC_DEFAULT, "public API URL", 0 }
#define CMD_INTERNAL_ENDPOINT_OPT(help) \
	{ "internal-endpoint", OPT_STR, 1, CLIENT_ENDPOINT_MAX, \
	    CLIENT_INTERNAL_DEFAULT, help, 0 }
#define CMD_QUIET_OPT(help) \
	{ "quiet", OPT_BOOL, 0, 1, "false", help, 0 }

/*
 * cmd_parse of argv[1..] and then --output (table or json) into *fmt;
 * as cmd_parse, or EXIT_USAGE for another --output.
 */
int	cmd_parse_output(const char *use, const struct opt *opts, size_t n,
	    int argc, char **argv, struct cmd_args *out, int *fmt);
/* EXIT_USAGE after saying so when command got positional arguments. */
int	cmd_no_args(const char *command, const char *use,
	    const struct cmd_args *a);

/*
 * 0 when id has the form of the IDs wksjobs gives jobs and sub-jobs (32
 * lower-case hex digits); else says so on stderr ("not a <what>") with
 * the usage, or "unknown flag" for a word starting with '-', and returns
 * EXIT_USAGE.  An ID of another form was never issued: a call with it
 * could only be answered "not found" (or be skipped silently).
 */
int	cmd_id_check(const char *use, const char *what, const char *id);

struct client;
/*
 * A client for the URL in flag endpoint_flag with the credentials of a
 * (need_project: the project ID is required): client_open with the
 * flags.  0, or EXIT_USAGE / EXIT_FAIL after saying why on stderr.
 */
int	cmd_client_open(const struct cmd_args *a, const char *endpoint_flag,
	    int need_project, struct client **out);
struct client_resp;
/*
 * client_resp_print_error of a failed call, then the way on: when the
 * answer is "The API does not exist" (404 APIGW.0101) and the endpoint
 * is the other listener of the pair (internal_api: the call was for the
 * internal API), which one it is and where the right one is; for a
 * locked access key, how the lock ends.
 */
void	cmd_api_error(const char *what, struct client *c,
	    const struct client_resp *resp, int internal_api);

/*
 * Values of cmd_print_object's pairs that are JSON true and false
 * rather than strings (compared by address).
 */
extern const char cmd_true[], cmd_false[];
struct jw;
/* The pairs (key, value, ..., NULL) as a JSON object into w. */
void	cmd_jw_object(struct jw *w, const char *key, ...);
/* The pairs as one JSON object line on stdout, the text wiped after
 * (it may hold a secret key); EXIT_OK. */
int	cmd_print_object(const char *key, ...);

#define CMD_SUGGEST_MAX 40	/* longest word compared for a suggestion */
/*
 * The name in table (n entries of stride bytes, each starting with its
 * const char *name) closest to word[0..len), when it is near enough to
 * be a slip of the keyboard ("staus" for "status"); else NULL.
 */
const char *cmd_suggest(const char *word, size_t len, const void *table,
	    size_t n, size_t stride);

/* Say "wksjobs: <fmt>" and the usage on stderr; returns EXIT_USAGE. */
int	cmd_usage_error(const char *use, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

int	cmd_main(int argc, char **argv);

/* Print the configuration table as Markdown (README generation). */
void	cmd_print_config_markdown(const char *command, const struct opt *,
	    size_t n);
/*
 * Print the option table as JSON (one object per option: name, type,
 * env, default, help, file, reload, repeat) for man pages and tools.
 */
void	cmd_print_config_json(const char *command, const struct opt *,
	    size_t n);
/* Print a configuration file of every file key, commented out, set to
 * its default (the example wksjobs.conf). */
void	cmd_print_config_example(const char *command, const struct opt *,
	    size_t n);

/* ---- the configuration file (conf.c) ------------------------------- */

/* "WKSJOBS_" and flag in upper case, '-' as '_', into out. */
void	cmd_env_name(const char *flag, char *out, size_t cap);

/* The file read when neither --config nor $WKSJOBS_CONFIG names one. */
#define CMD_CONF_DEFAULT "/etc/wksjobs/wksjobs.conf"

/*
 * Check and store one value of option o into v (v->s points at s); -1
 * when o does not accept it, with what it accepts in what (cap bytes).
 */
int	cmd_opt_set(const struct opt *o, struct opt_val *v, const char *s,
	    char *what, size_t cap);

/*
 * Read the configuration file path into a: "key = value" lines whose
 * keys are the long flag names of a->opts (not OPT_NOFILE ones), '#'
 * comments and blank lines; a value may be quoted ("..." with \" and \\,
 * or '...').  Every value is checked; it is stored only where a flag or
 * the environment did not set the option.  Each problem is said on
 * stderr as "wksjobs: PATH:LINE: ..." (an unknown key with the closest
 * one) and counted in a->problems.  0, or -1 when the file cannot be read
 * (said and counted too).
 */
int	cmd_conf_load(struct cmd_args *a, const char *path);

#endif
