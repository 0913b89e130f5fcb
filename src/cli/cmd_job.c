/*
 * cmd_job.c - "wksjobs job show|retry|create": ShowJob and
 * RunActionsOnWorkspaceJob on the public API, and the internal API's
 * job creation for operators and demos (--wait polls ShowJob until the
 * job has finished).  Each is a thin layer over one call; printing,
 * signing and HTTP are client/'s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "../client/client.h"
#include "../client/output.h"
#include "../model/limits.h"
#include "../util/util.h"

static const char *top_use =
    "wksjobs job show JOB_ID | job retry JOB_ID | "
    "job create --type T --count N [--wait]\n"
    "  (wksjobs job COMMAND --help)\n\n"
    "Exit status: 0 ok, 1 API or network error, 2 usage error.";

#define PUBLIC_OPTS CMD_OUTPUT_OPT, CMD_ENDPOINT_OPT, CMD_CLIENT_OPTS

static const struct opt show_opts[] = { PUBLIC_OPTS };
static const struct opt retry_opts[] = { PUBLIC_OPTS };

static const char *show_use =
    "wksjobs job show JOB_ID [--output table|json]\n\n"
    "ShowJob: a job (by job ID, not sub-job ID) and all its sub-jobs.\n"
    "Exit status: 0 ok, 1 API or network error, 2 usage error.";

static const char *retry_use =
    "wksjobs job retry JOB_ID [--output table|json]\n\n"
    "RunActionsOnWorkspaceJob op_type=retry: a FAILED job's FAILED\n"
    "sub-jobs go back to WAITING; the job keeps its ID.\n"
    "Exit status: 0 ok, 1 API or network error, 2 usage error.";

static const struct opt create_opts[] = {
	{ "type", OPT_STR, 1, WJ_JOB_TYPE_MAX, NULL, "job type, e.g. "
	    "createDesktops (required)", 0 },
	{ "count", OPT_INT, 1, WJ_CREATE_SUB_JOBS_MAX, NULL, "number of "
	    "sub-jobs 1..1000 (required)", 0 },
	{ "desktop-pool-id", OPT_STR, 1, WJ_FREE_TEXT_MAX, NULL, "desktop "
	    "pool of every sub-job", 0 },
	{ "client-token", OPT_STR, 1, WJ_CLIENT_TOKEN_MAX, NULL, "X-Client-"
	    "Token: a retried create with the same token returns the first "
	    "job", 0 },
	{ "wait", OPT_BOOL, 0, 1, "false", "poll ShowJob until the job is "
	    "SUCCESS or FAILED (progress on stderr)", 0 },
	{ "wait-timeout", OPT_INT, 1, 86400, "600", "seconds --wait waits at "
	    "most", 0 },
	{ "poll-ms", OPT_INT, 100, 60000, "1000", "milliseconds between "
	    "--wait polls", 0 },
	CMD_QUIET_OPT("no progress on stderr"),
	CMD_INTERNAL_ENDPOINT_OPT("internal API URL (the create call)"),
	PUBLIC_OPTS,
};

static const char *create_use =
    "wksjobs job create --type T --count N [--desktop-pool-id P]\n"
    "       [--client-token TOKEN] [--wait] [--output table|json]\n\n"
    "Create a job of N sub-jobs with sample entities over the internal\n"
    "API (for operators and demos); workers then claim them.  With\n"
    "--wait, poll ShowJob on the public API until the job has finished\n"
    "and print it; a FAILED job then exits 1.\n"
    "Exit status: 0 ok, 1 API or network error (or --wait: the job\n"
    "FAILED or the wait timed out), 2 usage error.";

#define N_OF(a) (sizeof(a) / sizeof(a[0]))

/* One job command: its flags, client, call and what it owns. */
struct jc {
	struct cmd_args	 a;
	struct client	*c;
	int		 fmt;
	int		 color;
	struct client_resp resp;
	struct buf	 path;
	json_t		*body;
};

/* Flags and the positional arguments (exactly npos of them). */
static int
jc_parse(struct jc *j, const char *use, const struct opt *opts, size_t n,
    int npos, int argc, char **argv)
{
	int r, i;

	memset(j, 0, sizeof(*j));
	buf_init(&j->path);
	client_resp_init(&j->resp);
	if ((r = cmd_parse_output(use, opts, n, argc, argv, &j->a,
	    &j->fmt)) != 0)
		return r;
	for (i = 0; i < j->a.n_pos; i++)
		if (j->a.pos[i][0] == '-')
			return cmd_id_check(use, "job ID", j->a.pos[i]);
	if (j->a.n_pos != npos)
		return cmd_usage_error(use, npos == 0 ? "no arguments expected" :
		    "expected exactly one JOB_ID");
	if (npos == 1 && (r = cmd_id_check(use, "job ID", j->a.pos[0])) != 0)
		return r;
	j->color = out_use_color(stdout);
	return 0;
}

/* Free what j holds; the exit status of r (--help, -1: success). */
static int
jc_close(struct jc *j, int r)
{
	json_decref(j->body);
	buf_free(&j->path);
	client_resp_free(&j->resp);
	client_free(j->c);
	cmd_args_free(&j->a);
	return r < 0 ? EXIT_OK : r;
}

/* "/v2/{project_id}/workspace-jobs/{job_id}" + suffix into p. */
static int
job_path(const struct client *c, const char *job_id, const char *suffix,
    struct buf *p)
{
	if (buf_puts(p, "/v2") != 0 ||
	    client_path_add(p, client_project_id(c)) != 0 ||
	    buf_puts(p, "/workspace-jobs") != 0 ||
	    client_path_add(p, job_id) != 0 || buf_puts(p, suffix) != 0)
		return WJ_ERR_NOMEM;
	return 0;
}

/* One call; 0 with a JSON object in resp->json, or an exit code. */
static int
call(struct client *c, const char *what, const char *method,
    const char *path, json_t *body, const struct sig_header *extra,
    size_t n_extra, struct client_resp *resp)
{
	int r;

	r = client_do_json(c, method, path, NULL, body, extra, n_extra, resp);
	if (r != 0 && r != WJ_ERR_IO) {
		fprintf(stderr, "wksjobs: %s: %s\n", what, wj_strerror(r));
		return EXIT_FAIL;
	}
	if (!client_resp_ok(resp)) {
		cmd_api_error(what, c, resp,
		    strncmp(path, "/v1/internal/", 13) == 0);
		return EXIT_FAIL;
	}
	if (!json_is_object(resp->json)) {
		fprintf(stderr, "wksjobs: %s: unexpected response "
		    "(request_id=%s)\n", what, resp->request_id);
		return EXIT_FAIL;
	}
	return 0;
}

static int
show_job(struct client *c, const char *job_id, struct client_resp *resp)
{
	struct buf p;
	int r;

	buf_init(&p);
	r = job_path(c, job_id, "", &p) != 0 ? EXIT_FAIL :
	    call(c, "job show", "GET", p.data, NULL, NULL, 0, resp);
	buf_free(&p);
	return r;
}

static int
print_job(const struct jc *j, json_t *job)
{
	int r;

	r = j->fmt == OUT_JSON ? out_json(stdout, job) :
	    out_job(stdout, job, j->color);
	if (r != 0) {
		fprintf(stderr, "wksjobs: cannot write output\n");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int
job_show(int argc, char **argv)
{
	struct jc j;
	int r;

	if ((r = jc_parse(&j, show_use, show_opts, N_OF(show_opts), 1, argc,
	    argv)) == 0 &&
	    (r = cmd_client_open(&j.a, "endpoint", 1, &j.c)) == 0 &&
	    (r = show_job(j.c, j.a.pos[0], &j.resp)) == 0)
		r = print_job(&j, j.resp.json);
	return jc_close(&j, r);
}

static int
job_retry(int argc, char **argv)
{
	const char *id;
	struct jc j;
	int r;

	if ((r = jc_parse(&j, retry_use, retry_opts, N_OF(retry_opts), 1,
	    argc, argv)) != 0 ||
	    (r = cmd_client_open(&j.a, "endpoint", 1, &j.c)) != 0)
		goto out;
	if ((j.body = json_pack("{s:s}", "op_type", "retry")) == NULL ||
	    job_path(j.c, j.a.pos[0], "/actions", &j.path) != 0) {
		r = EXIT_FAIL;
		goto out;
	}
	if ((r = call(j.c, "job retry", "POST", j.path.data, j.body, NULL, 0,
	    &j.resp)) != 0)
		goto out;
	if (j.fmt == OUT_JSON)
		r = out_json(stdout, j.resp.json) == 0 ? EXIT_OK : EXIT_FAIL;
	else {
		id = json_string_value(json_object_get(j.resp.json, "job_id"));
		printf("job %s: retrying (its FAILED sub-jobs are WAITING "
		    "again)\n", id != NULL ? id : j.a.pos[0]);
		r = EXIT_OK;
	}
 out:
	return jc_close(&j, r);
}

/* ---- create ---------------------------------------------------------- */

/* The CreateJob body: count sub-jobs with sample entities. */
static json_t *
create_body(const char *type, int64_t count, const char *pool)
{
	char id[WJ_ID_LEN + 1], user[32], name[32];
	json_t *doc, *subs, *s;
	int64_t i;

	doc = json_pack("{s:s,s:[]}", "job_type", type, "sub_jobs");
	subs = json_object_get(doc, "sub_jobs");
	for (i = 0; doc != NULL && i < count; i++) {
		if (wj_id_new(id) != 0)
			goto fail;
		(void)snprintf(user, sizeof(user), "user%03lld",
		    (long long)i + 1);
		(void)snprintf(name, sizeof(name), "demo-pc%03lld",
		    (long long)i + 1);
		s = json_pack("{s:{s:s,s:s,s:s,s:s}}", "entities",
		    "desktop_id", id, "user_name", user, "desktop_name", name,
		    "product_id", "workspace.x86.ultimate.large2");
		if (s == NULL || (pool != NULL && json_object_set_new(s,
		    "desktop_pool_id", json_string(pool)) != 0) ||
		    json_array_append_new(subs, s) != 0)
			goto fail;
	}
	return doc;
 fail:
	json_decref(doc);
	return NULL;
}

static void
nap_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) *
	    1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Counts of the job's sub-jobs by status, for the progress line. */
static void
wait_progress(json_t *job, int tty, char *last, size_t cap)
{
	size_t i, fin = 0, failed = 0, n;
	const char *st, *js;
	char line[160];
	json_t *s, *subs = json_object_get(job, "sub_jobs");

	n = json_array_size(subs);
	json_array_foreach(subs, i, s) {
		st = json_string_value(json_object_get(s, "status"));
		if (st != NULL && strcmp(st, "SUCCESS") == 0)
			fin++;
		else if (st != NULL && strcmp(st, "FAILED") == 0) {
			fin++;
			failed++;
		}
	}
	js = json_string_value(json_object_get(job, "status"));
	(void)snprintf(line, sizeof(line), "job %s: %zu of %zu sub-jobs "
	    "finished, %zu failed", js != NULL ? js : "?", fin, n, failed);
	if (strcmp(line, last) == 0)
		return;
	(void)snprintf(last, cap, "%s", line);
	fprintf(stderr, tty ? "\r%-60s" : "wksjobs: %s\n", line);
}

static int
finished(json_t *job)
{
	const char *st = json_string_value(json_object_get(job, "status"));

	return st != NULL && (strcmp(st, "SUCCESS") == 0 ||
	    strcmp(st, "FAILED") == 0);
}

/* Poll ShowJob until the job finishes; then print it. */
static int
create_wait(struct jc *j, const char *job_id)
{
	int64_t deadline = wj_mono_us() +
	    cmd_opt(&j->a, "wait-timeout")->i * 1000000;
	int quiet = (int)cmd_opt(&j->a, "quiet")->i;
	int tty = isatty(STDERR_FILENO);
	struct client_resp resp;
	char last[160] = "";
	const char *code, *why;
	int r;

	client_resp_init(&resp);
	for (;;) {	/* bounded by the deadline */
		if ((r = show_job(j->c, job_id, &resp)) != 0)
			goto out;
		if (!quiet)
			wait_progress(resp.json, tty, last, sizeof(last));
		if (finished(resp.json))
			break;
		if (wj_mono_us() > deadline) {
			fprintf(stderr, "%swksjobs: job %s has not finished "
			    "after %lld s\n", tty && !quiet ? "\n" : "",
			    job_id, (long long)cmd_opt(&j->a,
			    "wait-timeout")->i);
			r = EXIT_FAIL;
			goto out;
		}
		nap_ms(cmd_opt(&j->a, "poll-ms")->i);
	}
	if (tty && !quiet)
		fputc('\n', stderr);
	if ((r = print_job(j, resp.json)) != 0)
		goto out;
	if (strcmp(json_string_value(json_object_get(resp.json, "status")),
	    "FAILED") == 0) {
		code = json_string_value(json_object_get(resp.json,
		    "job_error_code"));
		why = json_string_value(json_object_get(resp.json,
		    "fail_reason"));
		fprintf(stderr, "wksjobs: job %s FAILED: %s %s\n", job_id,
		    code != NULL ? code : "-", why != NULL ? why : "");
		r = EXIT_FAIL;
	}
 out:
	client_resp_free(&resp);
	return r;
}

static int
print_created(const struct jc *j, json_t *res, const char *type)
{
	json_t *ids = json_object_get(res, "sub_job_ids"), *v;
	const char *id = json_string_value(json_object_get(res, "job_id"));
	char clean[WJ_PARAM_MAX * 4 + 1];
	size_t i;

	if (j->fmt == OUT_JSON)
		return out_json(stdout, res) == 0 ? EXIT_OK : EXIT_FAIL;
	printf("job_id       %s\njob_type     %s\nsub_jobs     %zu\n",
	    client_sanitize(id, clean, sizeof(clean), WJ_PARAM_MAX), type,
	    json_array_size(ids));
	json_array_foreach(ids, i, v)
		printf("%s %s\n", i == 0 ? "sub_job_ids " : "            ",
		    client_sanitize(json_string_value(v), clean,
		    sizeof(clean), WJ_PARAM_MAX));
	return EXIT_OK;
}

static int
create_check(struct jc *j)
{
	if (!cmd_opt(&j->a, "type")->set)
		return cmd_usage_error(create_use, "--type is required");
	if (!cmd_opt(&j->a, "count")->set)
		return cmd_usage_error(create_use, "--count is required");
	return 0;
}

static int
job_create(int argc, char **argv)
{
	struct sig_header tok;
	struct client *ic = NULL;
	const char *type, *id;
	struct jc j;
	int r;

	if ((r = jc_parse(&j, create_use, create_opts, N_OF(create_opts), 0,
	    argc, argv)) != 0 || (r = create_check(&j)) != 0 ||
	    (r = cmd_client_open(&j.a, "internal-endpoint", 1, &ic)) != 0 ||
	    (cmd_opt(&j.a, "wait")->i &&
	    (r = cmd_client_open(&j.a, "endpoint", 1, &j.c)) != 0))
		goto out;
	type = cmd_opt(&j.a, "type")->s;
	tok = (struct sig_header){ "X-Client-Token",
	    cmd_opt(&j.a, "client-token")->s };
	if ((j.body = create_body(type, cmd_opt(&j.a, "count")->i,
	    cmd_opt(&j.a, "desktop-pool-id")->s)) == NULL ||
	    buf_puts(&j.path, "/v1/internal") != 0 ||
	    client_path_add(&j.path, client_project_id(ic)) != 0 ||
	    buf_puts(&j.path, "/jobs") != 0) {
		r = EXIT_FAIL;
		goto out;
	}
	if ((r = call(ic, "job create", "POST", j.path.data, j.body, &tok,
	    tok.value != NULL ? 1 : 0, &j.resp)) != 0)
		goto out;
	id = json_string_value(json_object_get(j.resp.json, "job_id"));
	if (id == NULL) {
		fprintf(stderr, "wksjobs: job create: no job_id in the "
		    "response\n");
		r = EXIT_FAIL;
	} else if (cmd_opt(&j.a, "wait")->i)
		r = create_wait(&j, id);
	else
		r = print_created(&j, j.resp.json, type);
 out:
	client_free(ic);
	return jc_close(&j, r);
}

int
cmd_job(int argc, char **argv)
{
	static const struct cmd_sub subs[] = {
		{ "show", job_show },
		{ "retry", job_retry },
		{ "create", job_create },
	};

	return cmd_dispatch("job", top_use, subs,
	    sizeof(subs) / sizeof(subs[0]), argc, argv);
}
