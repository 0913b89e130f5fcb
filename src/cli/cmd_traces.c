/*
 * cmd_traces.c - "wksjobs traces list": the audit trail over the public
 * API (ListTraces, docs/API.md#listtraces), one call with the API's
 * filters; a table, or the API's JSON.  Output, signing and HTTP are
 * client/'s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "../client/client.h"
#include "../client/output.h"
#include "../model/limits.h"
#include "../util/util.h"

static const char *top_use =
    "wksjobs traces list [flags]   (wksjobs traces list --help)\n\n"
    "Exit status: 0 ok, 1 API or network error, 2 usage error.";

static const struct opt list_opts[] = {
	{ "user", OPT_STR, 1, WJ_PARAM_MAX, NULL, "only this user name's "
	    "traces", 0 },
	{ "trace-name", OPT_STR, 1, WJ_PARAM_MAX, NULL, "only this "
	    "operation, e.g. batchDeleteSubJobs", 0 },
	{ "resource-id", OPT_STR, 1, WJ_PARAM_MAX, NULL, "only traces on "
	    "this sub-job or job ID", 0 },
	{ "trace-id", OPT_STR, 1, WJ_PARAM_MAX, NULL, "this trace only", 0 },
	{ "from", OPT_INT, 0, INT64_C(253402300799999), NULL, "only after "
	    "this time, epoch milliseconds (server default: an hour ago)", 0 },
	{ "to", OPT_INT, 0, INT64_C(253402300799999), NULL, "only before "
	    "this time, epoch milliseconds", 0 },
	{ "limit", OPT_INT, 1, WJ_TRACES_LIMIT_MAX, NULL, "traces per page "
	    "1..200 (server default 10)", 0 },
	{ "next", OPT_STR, 1, WJ_PARAM_MAX, NULL, "the marker a previous "
	    "page ended with", 0 },
	CMD_OUTPUT_OPT,
	CMD_ENDPOINT_OPT,
	CMD_CLIENT_OPTS,
};

static const char *list_use =
    "wksjobs traces list [--user NAME] [--trace-name OP] [--resource-id ID]\n"
    "       [--trace-id ID] [--from MS] [--to MS] [--limit N] [--next M]\n"
    "       [--output table|json]\n\n"
    "ListTraces: the project's audit trail, newest first: who did what,\n"
    "how (ConsoleAction, ApiCall, SystemAction), with which status.  The\n"
    "table ends with the marker of the next page when there is one;\n"
    "--output json prints the API's JSON.\n"
    "Exit status: 0 ok, 1 API or network error, 2 usage error.";

#define N_LIST_OPTS (sizeof(list_opts) / sizeof(list_opts[0]))

/* The flags that are query parameters, and the API's names. */
static const char *const query_flags[][2] = {
	{ "user", "user" }, { "trace-name", "trace_name" },
	{ "resource-id", "resource_id" }, { "trace-id", "trace_id" },
	{ "from", "from" }, { "to", "to" }, { "limit", "limit" },
	{ "next", "next" },
};

static int
list_query(const struct cmd_args *a, struct buf *q)
{
	const struct opt_val *v;
	size_t i;
	int r;

	if ((r = client_query_add(q, "trace_type", "system")) != 0)
		return r;
	/* Values as given (integers were checked by the parser). */
	for (i = 0; i < sizeof(query_flags) / sizeof(query_flags[0]); i++) {
		v = cmd_opt(a, query_flags[i][0]);
		if (v->set && v->s != NULL &&
		    (r = client_query_add(q, query_flags[i][1], v->s)) != 0)
			return r;
	}
	return 0;
}

/* Epoch milliseconds as "YYYY-MM-DD HH:MM:SS" UTC. */
static const char *
time_cell(json_t *ms, char *out, size_t cap)
{
	struct tm tm;
	time_t t;

	if (!json_is_integer(ms))
		return "";
	t = (time_t)(json_integer_value(ms) / 1000);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return "";
	return out;
}

/* A member as a cell: "" when absent. */
static const char *
cell(json_t *o, const char *key, char *tmp, size_t cap)
{
	const char *s = out_member(o, key, tmp, cap);

	return s != NULL ? s : "";
}

static int
print_table(json_t *traces, json_t *marker)
{
	static const char *const heads[] = { "TIME", "USER", "TYPE",
	    "OPERATION", "CODE", "RESOURCE", "TRACE_ID" };
	char tbuf[32], ubuf[16], cbuf[16];
	const char *cells[7];
	struct table *t;
	json_t *v;
	size_t i;
	int r;

	if ((r = table_new(heads, 7, &t)) != 0)
		return r;
	json_array_foreach(traces, i, v) {
		cells[0] = time_cell(json_object_get(v, "time"), tbuf,
		    sizeof(tbuf));
		cells[1] = cell(json_object_get(v, "user"), "name", ubuf,
		    sizeof(ubuf));
		cells[2] = cell(v, "trace_type", ubuf, sizeof(ubuf));
		cells[3] = cell(v, "trace_name", ubuf, sizeof(ubuf));
		cells[4] = cell(v, "code", cbuf, sizeof(cbuf));
		cells[5] = cell(v, "resource_id", ubuf, sizeof(ubuf));
		cells[6] = cell(v, "trace_id", ubuf, sizeof(ubuf));
		if ((r = table_add(t, cells)) != 0)
			goto out;
	}
	table_print(t, stdout, 0);
	if (json_is_string(marker))
		printf("next page: --next %s\n", json_string_value(marker));
 out:
	table_free(t);
	return r;
}

static int
traces_list(int argc, char **argv)
{
	struct cmd_args a;
	struct client *c = NULL;
	struct client_resp resp;
	struct buf path, q;
	json_t *traces, *meta;
	int r, fmt;

	memset(&a, 0, sizeof(a));
	buf_init(&path);
	buf_init(&q);
	client_resp_init(&resp);
	if ((r = cmd_parse_output(list_use, list_opts, N_LIST_OPTS, argc, argv,
	    &a, &fmt)) != 0 || (r = cmd_no_args("traces list", list_use,
	    &a)) != 0 || (r = cmd_client_open(&a, "endpoint", 1, &c)) != 0)
		goto out;
	r = EXIT_FAIL;
	if (buf_puts(&path, "/v3") != 0 ||
	    client_path_add(&path, client_project_id(c)) != 0 ||
	    buf_puts(&path, "/traces") != 0 || list_query(&a, &q) != 0) {
		fprintf(stderr, "wksjobs: out of memory\n");
		goto out;
	}
	if ((r = client_do(c, "GET", path.data, q.data, NULL, NULL, 0,
	    &resp)) != 0 && r != WJ_ERR_IO) {
		fprintf(stderr, "wksjobs: traces list: %s\n", wj_strerror(r));
		r = EXIT_FAIL;
		goto out;
	}
	r = EXIT_FAIL;
	if (!client_resp_ok(&resp)) {
		cmd_api_error("traces list", c, &resp, 0);
		goto out;
	}
	traces = json_object_get(resp.json, "traces");
	meta = json_object_get(resp.json, "meta_data");
	if (!json_is_array(traces) || !json_is_object(meta)) {
		fprintf(stderr, "wksjobs: traces list: unexpected response "
		    "(request_id=%s)\n", resp.request_id);
		goto out;
	}
	if ((fmt == OUT_JSON ? out_json(stdout, resp.json) :
	    print_table(traces, json_object_get(meta, "marker"))) != 0) {
		fprintf(stderr, "wksjobs: cannot write output\n");
		goto out;
	}
	r = EXIT_OK;
 out:
	client_resp_free(&resp);
	client_free(c);
	buf_free(&path);
	buf_free(&q);
	cmd_args_free(&a);
	return r < 0 ? EXIT_OK : r;
}

int
cmd_traces(int argc, char **argv)
{
	static const struct cmd_sub subs[] = {
		{ "list", traces_list },
	};

	return cmd_dispatch("traces", top_use, subs,
	    sizeof(subs) / sizeof(subs[0]), argc, argv);
}
