/*
 * cmd_subjobs.c - "wksjobs subjobs list|delete": ListItaSubJobs and
 * BatchDeleteSubJobs over the public API, a thin layer over one call
 * (list --all: one call per page; delete: one call per 10 IDs, the API's
 * limit).  Output, signing and HTTP are client/'s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "../client/client.h"
#include "../client/output.h"
#include "../model/limits.h"
#include "../util/util.h"

static const char *top_use =
    "wksjobs subjobs list [flags] | wksjobs subjobs delete ID... | "
    "--status S\n"
    "  (wksjobs subjobs list --help, wksjobs subjobs delete --help)\n\n"
    "Exit status: 0 ok, 1 API or network error, 2 usage error.";

static const struct opt list_opts[] = {
	{ "status", OPT_STR, 1, 55, NULL, "WAITING, RUNNING, SUCCESS or "
	    "FAILED (repeatable: any of them)", OPT_REPEAT },
	{ "job-id", OPT_STR, 1, WJ_PARAM_MAX, NULL, "only sub-jobs of this "
	    "job", 0 },
	{ "job-type", OPT_STR, 1, WJ_PARAM_MAX, NULL, "only this job type "
	    "(repeatable: any of them)", OPT_REPEAT },
	{ "desktop-pool-id", OPT_STR, 1, WJ_PARAM_MAX, NULL, "only this "
	    "desktop pool", 0 },
	{ "limit", OPT_INT, 0, WJ_LIST_LIMIT_MAX, NULL, "page size 0..1000 "
	    "(server default 1000)", 0 },
	{ "offset", OPT_INT, 0, WJ_LIST_OFFSET_MAX, NULL, "index of the first "
	    "match returned, from 0", 0 },
	{ "all", OPT_BOOL, 0, 1, "false", "every page from --offset on, "
	    "--limit per call", 0 },
	CMD_OUTPUT_OPT,
	CMD_QUIET_OPT("no progress or summary on stderr"),
	CMD_ENDPOINT_OPT,
	CMD_CLIENT_OPTS,
};

static const char *list_use =
    "wksjobs subjobs list [--status S]... [--job-id ID] [--job-type T]...\n"
    "       [--desktop-pool-id P] [--limit N] [--offset N] [--all]\n"
    "       [--output table|json]\n\n"
    "ListItaSubJobs: sub-jobs of the project, newest first.  The table\n"
    "shows full IDs; --output json prints the API's JSON (with --all one\n"
    "object {\"total_count\", \"jobs\": [every page]}).  --all pages up to\n"
    "offset 10000, the API's limit; narrow the filters beyond that.\n"
    "Colour only on a terminal and without NO_COLOR.\n"
    "Exit status: 0 ok, 1 API or network error, 2 usage error.";

static const struct opt delete_opts[] = {
	{ "status", OPT_STR, 1, 55, NULL, "delete every SUCCESS or every "
	    "FAILED sub-job of the project (instead of IDs; on the command "
	    "line only, the variable is for list)", 0 },
	CMD_OUTPUT_OPT,
	CMD_QUIET_OPT("no progress on stderr"),
	CMD_ENDPOINT_OPT,
	CMD_CLIENT_OPTS,
};

static const char *delete_use =
    "wksjobs subjobs delete ID... | --status SUCCESS|FAILED\n\n"
    "BatchDeleteSubJobs: delete finished sub-job records by sub-job ID\n"
    "(not job ID), sent in batches of 10, or every sub-job in a status.\n"
    "Each batch is all or nothing; on an error the command stops, says\n"
    "which batch failed and which IDs earlier batches deleted, and exits\n"
    "1.  IDs that no longer exist are skipped by the server (deleting\n"
    "is idempotent), so the summary says how many were requested; with\n"
    "--status it gives the status's total_count before and after.\n"
    "Exit status: 0 ok, 1 API or network error, 2 usage error.";

#define N_LIST_OPTS (sizeof(list_opts) / sizeof(list_opts[0]))
#define N_DELETE_OPTS (sizeof(delete_opts) / sizeof(delete_opts[0]))

static const char *const statuses[] = { "WAITING", "RUNNING", "SUCCESS",
    "FAILED" };

/* ---- common to list and delete --------------------------------------- */

struct sj {
	struct cmd_args	 a;
	struct client	*c;
	struct buf	 path;		/* /v2/{project_id}/workspace-sub-jobs */
	int		 fmt;
	int		 color;
	int		 quiet;
};

static int
is_status(const char *s, int finished_only)
{
	size_t i;

	for (i = finished_only ? 2 : 0; i < 4; i++)
		if (strcmp(s, statuses[i]) == 0)
			return 1;
	return 0;
}

/* Parse the flags of one subjobs command. */
static int
sj_parse(struct sj *s, const char *use, const struct opt *opts, size_t n,
    int argc, char **argv)
{
	int r;

	if ((r = cmd_parse_output(use, opts, n, argc, argv, &s->a,
	    &s->fmt)) != 0)
		return r;
	s->quiet = (int)cmd_opt(&s->a, "quiet")->i;
	s->color = out_use_color(stdout);
	return 0;
}

/* Open the client and build the collection path. */
static int
sj_connect(struct sj *s)
{
	int r;

	if ((r = cmd_client_open(&s->a, "endpoint", 1, &s->c)) != 0)
		return r;
	if (buf_puts(&s->path, "/v2") != 0 ||
	    client_path_add(&s->path, client_project_id(s->c)) != 0 ||
	    buf_puts(&s->path, "/workspace-sub-jobs") != 0) {
		fprintf(stderr, "wksjobs: out of memory\n");
		return EXIT_FAIL;
	}
	return 0;
}

static void
sj_close(struct sj *s)
{
	client_free(s->c);
	buf_free(&s->path);
	cmd_args_free(&s->a);
}

/* Exit code of a command body: --help (-1) is success. */
static int
done(int r)
{
	return r < 0 ? EXIT_OK : r;
}

/* ---- list ------------------------------------------------------------ */

static int
list_check(struct sj *s)
{
	const struct opt_val *st = cmd_opt(&s->a, "status"),
	    *jt = cmd_opt(&s->a, "job-type"), *lim = cmd_opt(&s->a, "limit");
	int i;

	if (s->a.n_pos > 0)
		return cmd_usage_error(list_use, "unexpected argument %s",
		    s->a.pos[0]);
	for (i = 0; i < st->n; i++)
		if (!is_status(st->all[i], 0))
			return cmd_usage_error(list_use, "--status %s: must be "
			    "WAITING, RUNNING, SUCCESS or FAILED", st->all[i]);
	/* A malformed job ID would list nothing, and say nothing of why. */
	if (cmd_opt(&s->a, "job-id")->set &&
	    cmd_id_check(list_use, "job ID", cmd_opt(&s->a, "job-id")->s) != 0)
		return EXIT_USAGE;
	if (jt->n > WJ_LIST_FILTER_VALUES)
		return cmd_usage_error(list_use, "at most %d --job-type values",
		    WJ_LIST_FILTER_VALUES);
	if (cmd_opt(&s->a, "all")->i && lim->set && lim->i == 0)
		return cmd_usage_error(list_use, "--all needs a --limit of at "
		    "least 1");
	return 0;
}

/* The filters (every call) into q. */
static int
list_filters(const struct cmd_args *a, struct buf *q)
{
	static const char *const rep[] = { "status", "job-type" };
	static const char *const one[] = { "job-id", "desktop-pool-id" };
	const struct opt_val *v;
	char name[32];
	size_t k, j;
	int i, r;

	for (k = 0; k < 4; k++) {
		const char *flag = k < 2 ? rep[k] : one[k - 2];

		v = cmd_opt(a, flag);
		/* the API's names: the flags with '_' for '-' */
		for (j = 0; flag[j] != '\0' && j + 1 < sizeof(name); j++)
			name[j] = flag[j] == '-' ? '_' : flag[j];
		name[j] = '\0';
		if (!v->set)
			continue;
		if (k >= 2) {
			if ((r = client_query_add(q, name, v->s)) != 0)
				return r;
			continue;
		}
		for (i = 0; i < v->n; i++)
			if ((r = client_query_add(q, name, v->all[i])) != 0)
				return r;
		if (v->n == 0 && (r = client_query_add(q, name, v->s)) != 0)
			return r;
	}
	return 0;
}

/*
 * One ListItaSubJobs call; limit/offset < 0 are left out.  0 with the
 * parsed page in *page (borrowed from resp), or an exit code.
 */
static int
list_page(struct sj *s, int64_t limit, int64_t offset,
    struct client_resp *resp, json_t **jobs, int64_t *total)
{
	json_t *tc;
	struct buf q;
	char num[24];
	int r;

	*jobs = NULL;
	buf_init(&q);
	r = list_filters(&s->a, &q);
	if (r == 0 && limit >= 0) {
		(void)snprintf(num, sizeof(num), "%lld", (long long)limit);
		r = client_query_add(&q, "limit", num);
	}
	if (r == 0 && offset >= 0) {
		(void)snprintf(num, sizeof(num), "%lld", (long long)offset);
		r = client_query_add(&q, "offset", num);
	}
	if (r == 0)
		r = client_do(s->c, "GET", s->path.data, q.data, NULL, NULL, 0,
		    resp);
	buf_free(&q);
	if (r != 0 && r != WJ_ERR_IO) {
		fprintf(stderr, "wksjobs: subjobs list: %s\n", wj_strerror(r));
		return EXIT_FAIL;
	}
	if (!client_resp_ok(resp)) {
		cmd_api_error("subjobs list", s->c, resp, 0);
		return EXIT_FAIL;
	}
	tc = json_object_get(resp->json, "total_count");
	*jobs = json_object_get(resp->json, "jobs");
	if (!json_is_integer(tc) || !json_is_array(*jobs)) {
		fprintf(stderr, "wksjobs: subjobs list: unexpected response "
		    "(request_id=%s)\n", resp->request_id);
		return EXIT_FAIL;
	}
	*total = json_integer_value(tc);
	return 0;
}

static int
print_page(struct sj *s, json_t *doc, json_t *jobs, int64_t total)
{
	int r;

	r = s->fmt == OUT_JSON ? out_json(stdout, doc) :
	    out_sub_jobs(stdout, jobs, 1, s->color);
	if (r != 0) {
		fprintf(stderr, "wksjobs: cannot write output\n");
		return EXIT_FAIL;
	}
	if (s->fmt == OUT_TABLE && !s->quiet &&
	    (int64_t)json_array_size(jobs) < total)
		fprintf(stderr, "%zu of %lld sub-jobs shown (--limit, "
		    "--offset or --all for more)\n", json_array_size(jobs),
		    (long long)total);
	return EXIT_OK;
}

static void
progress(const struct sj *s, size_t got, int64_t total, int last)
{
	if (s->quiet)
		return;
	if (isatty(STDERR_FILENO))
		/* one line, rewritten in place */
		fprintf(stderr, "\rfetched %zu of %lld sub-jobs%s", got,
		    (long long)total, last ? "\n" : "");
	else if (!last)
		fprintf(stderr, "wksjobs: fetched %zu of %lld sub-jobs\n", got,
		    (long long)total);
}

/* Add the page to all, skipping IDs seen before (pages shift when
 * sub-jobs are created while paging; newest come first). */
static int
collect(json_t *all, json_t *seen, json_t *jobs)
{
	const char *id;
	json_t *v;
	size_t i;

	json_array_foreach(jobs, i, v) {
		id = json_string_value(json_object_get(v, "id"));
		if (id != NULL && json_object_get(seen, id) != NULL)
			continue;
		if ((id != NULL && json_object_set_new(seen, id,
		    json_true()) != 0) || json_array_append(all, v) != 0)
			return WJ_ERR_NOMEM;
	}
	return 0;
}

static int
list_all(struct sj *s)
{
	const struct opt_val *lim = cmd_opt(&s->a, "limit");
	int64_t limit = lim->set ? lim->i : WJ_LIST_LIMIT_MAX, total = 0;
	int64_t offset = cmd_opt(&s->a, "offset")->set ?
	    cmd_opt(&s->a, "offset")->i : 0;
	json_t *all = json_array(), *seen = json_object(), *jobs, *doc = NULL;
	struct client_resp resp;
	size_t n, pages;
	int r = EXIT_FAIL;

	client_resp_init(&resp);
	if (all == NULL || seen == NULL)
		goto out;
	/* Bounded: offset grows by >= 1 a page and stops past the API's cap. */
	for (pages = 0; pages <= WJ_LIST_OFFSET_MAX + 1; pages++) {
		if ((r = list_page(s, limit, offset, &resp, &jobs,
		    &total)) != 0)
			goto out;
		if (collect(all, seen, jobs) != 0) {
			r = EXIT_FAIL;
			goto out;
		}
		n = json_array_size(jobs);
		progress(s, json_array_size(all), total, 0);
		if (n == 0 || offset + (int64_t)n >= total)
			break;
		offset += (int64_t)n;
		if (offset > WJ_LIST_OFFSET_MAX) {
			progress(s, json_array_size(all), total, 1);
			fprintf(stderr, "wksjobs: subjobs list --all: %lld "
			    "sub-jobs match but the API pages only up to "
			    "offset %d; narrow the filters\n",
			    (long long)total, WJ_LIST_OFFSET_MAX);
			r = EXIT_FAIL;
			goto out;
		}
	}
	progress(s, json_array_size(all), total, 1);
	doc = json_pack("{s:I,s:O}", "total_count", (json_int_t)total, "jobs",
	    all);
	r = doc == NULL ? EXIT_FAIL : print_page(s, doc, all,
	    (int64_t)json_array_size(all));
 out:
	client_resp_free(&resp);
	json_decref(doc);
	json_decref(all);
	json_decref(seen);
	return r;
}

static int
subjobs_list(int argc, char **argv)
{
	const struct opt_val *lim, *off;
	struct client_resp resp;
	struct sj s;
	json_t *jobs;
	int64_t total;
	int r;

	memset(&s, 0, sizeof(s));
	client_resp_init(&resp);
	if ((r = sj_parse(&s, list_use, list_opts, N_LIST_OPTS, argc,
	    argv)) != 0 || (r = list_check(&s)) != 0 ||
	    (r = sj_connect(&s)) != 0)
		goto out;
	if (cmd_opt(&s.a, "all")->i) {
		r = list_all(&s);
		goto out;
	}
	lim = cmd_opt(&s.a, "limit");
	off = cmd_opt(&s.a, "offset");
	if ((r = list_page(&s, lim->set ? lim->i : -1, off->set ? off->i : -1,
	    &resp, &jobs, &total)) != 0)
		goto out;
	r = print_page(&s, resp.json, jobs, total);
 out:
	client_resp_free(&resp);
	sj_close(&s);
	return done(r);
}

/* ---- delete ---------------------------------------------------------- */

struct batches {
	const char **ids;	/* distinct, in the order given */
	size_t	     n;
	size_t	     nb;	/* batches of WJ_DELETE_IDS_MAX */
	size_t	     done;	/* batches deleted */
};

static int
delete_ids_check(struct sj *s, struct batches *b)
{
	const char *id;
	size_t i, j;
	int r;

	if ((b->ids = calloc((size_t)s->a.n_pos + 1, sizeof(*b->ids))) ==
	    NULL) {
		fprintf(stderr, "wksjobs: out of memory\n");
		return EXIT_FAIL;
	}
	for (i = 0; i < (size_t)s->a.n_pos; i++) {
		id = s->a.pos[i];
		if ((r = cmd_id_check(delete_use, "sub-job ID", id)) != 0)
			return r;
		for (j = 0; j < b->n; j++)
			if (strcmp(b->ids[j], id) == 0)
				break;
		if (j == b->n)
			b->ids[b->n++] = id;
	}
	b->nb = (b->n + WJ_DELETE_IDS_MAX - 1) / WJ_DELETE_IDS_MAX;
	return 0;
}

static size_t
batch_len(const struct batches *b, size_t k)
{
	size_t left = b->n - k * WJ_DELETE_IDS_MAX;

	return left < WJ_DELETE_IDS_MAX ? left : WJ_DELETE_IDS_MAX;
}

/* POST one batch: 0 on success, else the response is kept for the report. */
static int
delete_batch(struct sj *s, const struct batches *b, size_t k,
    struct client_resp *resp)
{
	json_t *body, *ids;
	size_t i, at = k * WJ_DELETE_IDS_MAX;
	struct buf path;
	int r;

	buf_init(&path);
	body = json_object();
	ids = json_array();
	if (body == NULL || ids == NULL ||
	    json_object_set_new(body, "job_ids", ids) != 0) {
		json_decref(ids);
		r = WJ_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < batch_len(b, k); i++)
		if (json_array_append_new(ids, json_string(b->ids[at + i])) !=
		    0) {
			r = WJ_ERR_NOMEM;
			goto out;
		}
	if (buf_printf(&path, "%s/batch-delete", s->path.data) != 0) {
		r = WJ_ERR_NOMEM;
		goto out;
	}
	r = client_do_json(s->c, "POST", path.data, NULL, body, NULL, 0, resp);
	if (r == 0 && !client_resp_ok(resp))
		r = WJ_ERR_INVALID;
 out:
	buf_free(&path);
	json_decref(body);
	return r;
}

/* What to say when batch k (0-based) failed. */
static void
delete_report(const struct sj *s, const struct batches *b, size_t k,
    const struct client_resp *resp)
{
	char what[64], clean[WJ_PARAM_MAX * 4 + 1];
	size_t i, deleted = k * WJ_DELETE_IDS_MAX;

	(void)snprintf(what, sizeof(what), "subjobs delete: batch %zu of %zu",
	    k + 1, b->nb);
	cmd_api_error(what, s->c, resp, 0);
	if (resp->status == 0)
		fprintf(stderr, "wksjobs: batch %zu of %zu: no response, so "
		    "its IDs may or may not be deleted (repeating the command "
		    "is safe)\n", k + 1, b->nb);
	else
		fprintf(stderr, "wksjobs: batch %zu of %zu was refused: none "
		    "of its %zu IDs were deleted\n", k + 1, b->nb,
		    batch_len(b, k));
	if (k == 0)
		fprintf(stderr, "wksjobs: no earlier batch: nothing was "
		    "deleted\n");
	else
		fprintf(stderr, "wksjobs: already done by batches 1..%zu "
		    "(deleted, or not there any more): %zu IDs:\n", k,
		    deleted);
	for (i = 0; i < deleted; i++)
		fprintf(stderr, "  %s\n", client_sanitize(b->ids[i], clean,
		    sizeof(clean), WJ_PARAM_MAX));
	if (k + 1 < b->nb)
		fprintf(stderr, "wksjobs: not sent: batches %zu..%zu (%zu "
		    "IDs)\n", k + 2, b->nb, b->n - deleted - batch_len(b, k));
}

static int
delete_summary(const struct sj *s, const struct batches *b, int failed)
{
	json_t *doc, *ids;
	size_t i, n = b->done * WJ_DELETE_IDS_MAX;
	int r;

	if (n > b->n)
		n = b->n;
	if (s->fmt == OUT_TABLE) {
		/* The API answers no count: say what was asked, no more. */
		if (!failed)
			printf("requested deletion of %zu record%s in %zu "
			    "batch%s (IDs that no longer exist are skipped)\n",
			    b->n, b->n == 1 ? "" : "s", b->nb,
			    b->nb == 1 ? "" : "es");
		return failed ? EXIT_FAIL : EXIT_OK;
	}
	doc = json_pack("{s:I,s:I,s:[]}", "batches", (json_int_t)b->nb,
	    "batches_done", (json_int_t)b->done, "job_ids");
	ids = json_object_get(doc, "job_ids");
	for (i = 0; doc != NULL && i < n; i++)
		if (json_array_append_new(ids, json_string(b->ids[i])) != 0)
			break;
	if (doc != NULL && failed)
		(void)json_object_set_new(doc, "failed_batch",
		    json_integer((json_int_t)b->done + 1));
	r = doc != NULL && i == n ? out_json(stdout, doc) : WJ_ERR_NOMEM;
	json_decref(doc);
	return failed || r != 0 ? EXIT_FAIL : EXIT_OK;
}

static int
delete_by_ids(struct sj *s, struct batches *b)
{
	struct client_resp resp;
	int r;

	client_resp_init(&resp);
	for (b->done = 0; b->done < b->nb; b->done++) {
		if ((r = delete_batch(s, b, b->done, &resp)) != 0) {
			if (r == WJ_ERR_NOMEM)
				fprintf(stderr, "wksjobs: out of memory\n");
			else
				delete_report(s, b, b->done, &resp);
			r = delete_summary(s, b, 1);
			goto out;
		}
		if (!s->quiet && b->nb > 1)
			fprintf(stderr, "wksjobs: batch %zu of %zu done\n",
			    b->done + 1, b->nb);
	}
	r = delete_summary(s, b, 0);
 out:
	client_resp_free(&resp);
	return r;
}

/*
 * The total_count of status (ListItaSubJobs limit=0: a count, no rows)
 * into *n; -1 when it cannot be had (said on stderr; the delete goes on).
 */
static void
status_count(struct sj *s, const char *status, int64_t *n)
{
	struct client_resp resp;
	struct buf q;
	json_t *tc;
	int r;

	*n = -1;
	buf_init(&q);
	client_resp_init(&resp);
	if (client_query_add(&q, "status", status) != 0 ||
	    client_query_add(&q, "limit", "0") != 0)
		goto out;
	r = client_do(s->c, "GET", s->path.data, q.data, NULL, NULL, 0,
	    &resp);
	if ((r != 0 && r != WJ_ERR_IO) || !client_resp_ok(&resp)) {
		if (!s->quiet)
			cmd_api_error("subjobs delete: counting", s->c,
			    &resp, 0);
		goto out;
	}
	tc = json_object_get(resp.json, "total_count");
	if (json_is_integer(tc))
		*n = json_integer_value(tc);
 out:
	client_resp_free(&resp);
	buf_free(&q);
}

/* "7" or "?" when unknown. */
static const char *
count_text(int64_t n, char *buf, size_t cap)
{
	if (n < 0)
		return "?";
	(void)snprintf(buf, cap, "%lld", (long long)n);
	return buf;
}

static int
delete_status_summary(const struct sj *s, json_t *body, const char *status,
    int64_t before, int64_t after)
{
	char b1[24], b2[24];

	if (s->fmt == OUT_JSON) {
		/* unknown counts are left out */
		if ((before >= 0 && json_object_set_new(body,
		    "total_count_before", json_integer(before)) != 0) ||
		    (after >= 0 && json_object_set_new(body,
		    "total_count_after", json_integer(after)) != 0))
			return EXIT_FAIL;
		return out_json(stdout, body) == 0 ? EXIT_OK : EXIT_FAIL;
	}
	printf("deleted every %s sub-job but those of protected job types: "
	    "%s %s before, %s after\n", status, count_text(before, b1,
	    sizeof(b1)), status, count_text(after, b2, sizeof(b2)));
	return EXIT_OK;
}

static int
delete_by_status(struct sj *s, const char *status)
{
	struct client_resp resp;
	int64_t before, after;
	struct buf path;
	json_t *body;
	int r;

	buf_init(&path);
	client_resp_init(&resp);
	body = json_pack("{s:s}", "delete_by_status", status);
	if (body == NULL || buf_printf(&path, "%s/batch-delete",
	    s->path.data) != 0) {
		r = EXIT_FAIL;
		goto out;
	}
	/* The API answers no count: the status's total before and after. */
	status_count(s, status, &before);
	r = client_do_json(s->c, "POST", path.data, NULL, body, NULL, 0,
	    &resp);
	if ((r != 0 && r != WJ_ERR_IO) || !client_resp_ok(&resp)) {
		cmd_api_error("subjobs delete", s->c, &resp, 0);
		r = EXIT_FAIL;
		goto out;
	}
	status_count(s, status, &after);
	r = delete_status_summary(s, body, status, before, after);
 out:
	json_decref(body);
	buf_free(&path);
	client_resp_free(&resp);
	return r;
}

static int
status_on_command_line(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--status") == 0 ||
		    strncmp(argv[i], "--status=", 9) == 0)
			return 1;
	return 0;
}

static int
subjobs_delete(int argc, char **argv)
{
	const struct opt_val *st;
	struct batches b;
	struct sj s;
	int r;

	memset(&s, 0, sizeof(s));
	memset(&b, 0, sizeof(b));
	if ((r = sj_parse(&s, delete_use, delete_opts, N_DELETE_OPTS, argc,
	    argv)) != 0)
		goto out;
	st = cmd_opt(&s.a, "status");
	/* A WKSJOBS_STATUS exported for "list" must not delete anything. */
	if (st->set && !status_on_command_line(argc, argv)) {
		r = cmd_usage_error(delete_use, "delete --status must be given "
		    "on the command line ($WKSJOBS_STATUS is set)");
		goto out;
	}
	if (st->set && s.a.n_pos > 0) {
		r = cmd_usage_error(delete_use, "give sub-job IDs or --status, "
		    "not both");
		goto out;
	}
	if (!st->set && s.a.n_pos == 0) {
		r = cmd_usage_error(delete_use, "give sub-job IDs or --status");
		goto out;
	}
	if (st->set && !is_status(st->s, 1)) {
		r = cmd_usage_error(delete_use, "--status %s: must be SUCCESS or "
		    "FAILED", st->s);
		goto out;
	}
	if ((!st->set && (r = delete_ids_check(&s, &b)) != 0) ||
	    (r = sj_connect(&s)) != 0)
		goto out;
	r = st->set ? delete_by_status(&s, st->s) : delete_by_ids(&s, &b);
 out:
	free(b.ids);
	sj_close(&s);
	return done(r);
}

int
cmd_subjobs(int argc, char **argv)
{
	static const struct cmd_sub subs[] = {
		{ "list", subjobs_list },
		{ "delete", subjobs_delete },
	};

	return cmd_dispatch("subjobs", top_use, subs,
	    sizeof(subs) / sizeof(subs[0]), argc, argv);
}
