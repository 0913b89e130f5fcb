/*
 * output.c - tables and JSON for the client commands; see output.h.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "output.h"

#define CELL_BYTES	(TABLE_CELL_MAX * 4 + 1)
#define ROWS_MAX	(1u << 20)	/* far above any API page */

#define SGR_BOLD	"\033[1m"
#define SGR_RESET	"\033[0m"

struct table {
	const char *heads[TABLE_COLS_MAX];
	size_t	    ncols;
	size_t	    width[TABLE_COLS_MAX];
	char	  **cells;		/* nrows * ncols, owned */
	size_t	    nrows;
	size_t	    cap;
	int	    status_col;		/* -1: none */
};

int
out_format_parse(const char *s, int *fmt)
{
	if (s != NULL && strcmp(s, "table") == 0)
		*fmt = OUT_TABLE;
	else if (s != NULL && strcmp(s, "json") == 0)
		*fmt = OUT_JSON;
	else
		return WJ_ERR_INVALID;
	return 0;
}

int
out_use_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc != NULL && nc[0] != '\0')
		return 0;
	if (term != NULL && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(fileno(f));
}

/* Display width: code points (what client_sanitize leaves is UTF-8). */
static size_t
width_of(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int
table_new(const char *const *heads, size_t ncols, struct table **out)
{
	struct table *t;
	size_t i;

	*out = NULL;
	if (ncols == 0 || ncols > TABLE_COLS_MAX)
		return WJ_ERR_INVALID;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return WJ_ERR_NOMEM;
	t->ncols = ncols;
	t->status_col = -1;
	for (i = 0; i < ncols; i++) {
		t->heads[i] = heads[i];
		t->width[i] = width_of(heads[i]);
	}
	*out = t;
	return 0;
}

void
table_status_column(struct table *t, size_t col)
{
	if (col < t->ncols)
		t->status_col = (int)col;
}

static int
grow(struct table *t)
{
	size_t ncap;
	char **p;

	if (t->nrows < t->cap)
		return 0;
	if (t->nrows >= ROWS_MAX)
		return WJ_ERR_NOMEM;
	ncap = t->cap == 0 ? 64 : t->cap * 2;
	if ((p = reallocarray(t->cells, ncap * t->ncols, sizeof(*p))) == NULL)
		return WJ_ERR_NOMEM;
	t->cells = p;
	t->cap = ncap;
	return 0;
}

int
table_add(struct table *t, const char *const *cells)
{
	char clean[CELL_BYTES], **row;
	size_t i, w;
	int r;

	if ((r = grow(t)) != 0)
		return r;
	row = t->cells + t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		(void)client_sanitize(cells[i] != NULL && cells[i][0] != '\0' ?
		    cells[i] : "-", clean, sizeof(clean), TABLE_CELL_MAX);
		if ((row[i] = strdup(clean)) == NULL) {
			while (i > 0)
				free(row[--i]);
			return WJ_ERR_NOMEM;
		}
		if ((w = width_of(clean)) > t->width[i])
			t->width[i] = w;
	}
	t->nrows++;
	return 0;
}

size_t
table_rows(const struct table *t)
{
	return t->nrows;
}

static const char *
status_sgr(const char *s)
{
	if (strcmp(s, "SUCCESS") == 0)
		return "\033[32m";
	if (strcmp(s, "FAILED") == 0)
		return "\033[31m";
	if (strcmp(s, "RUNNING") == 0)
		return "\033[33m";
	if (strcmp(s, "WAITING") == 0)
		return "\033[36m";
	return NULL;
}

static void
print_row(const struct table *t, FILE *f, const char *const *row,
    int color, int head)
{
	const char *sgr;
	size_t i, w;

	for (i = 0; i < t->ncols; i++) {
		sgr = NULL;
		if (color && head)
			sgr = SGR_BOLD;
		else if (color && (int)i == t->status_col)
			sgr = status_sgr(row[i]);
		fprintf(f, "%s%s%s", sgr != NULL ? sgr : "", row[i],
		    sgr != NULL ? SGR_RESET : "");
		if (i + 1 == t->ncols)
			break;
		/* Pad on the visible width, outside the colour codes. */
		for (w = width_of(row[i]); w < t->width[i] + 2; w++)
			fputc(' ', f);
	}
	fputc('\n', f);
}

void
table_print(const struct table *t, FILE *f, int color)
{
	size_t r;

	print_row(t, f, t->heads, color, 1);
	for (r = 0; r < t->nrows; r++)
		print_row(t, f, (const char *const *)t->cells + r * t->ncols,
		    color, 0);
}

void
table_free(struct table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

/* ---- API objects ---------------------------------------------------- */

const char *
out_member(json_t *o, const char *key, char *tmp, size_t cap)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		(void)snprintf(tmp, cap, "%lld",
		    (long long)json_integer_value(v));
		return tmp;
	}
	return NULL;
}

/* Columns of a sub-job table and the JobDetailInfo member of each. */
static const struct {
	const char *head;
	const char *key;
} sub_job_cols[] = {
	{ "ID", "id" }, { "JOB_ID", "job_id" }, { "JOB_TYPE", "job_type" },
	{ "STATUS", "status" }, { "PROCESS", "process" },
	{ "BEGIN_TIME", "begin_time" }, { "END_TIME", "end_time" },
	{ "HOST", "host" }, { "ERROR_CODE", "error_code" },
};
#define N_SUB_JOB_COLS (sizeof(sub_job_cols) / sizeof(sub_job_cols[0]))

int
out_sub_jobs(FILE *f, json_t *jobs, int with_job_id, int color)
{
	const char *heads[N_SUB_JOB_COLS], *keys[N_SUB_JOB_COLS];
	const char *cells[N_SUB_JOB_COLS];
	struct table *t = NULL;
	char tmp[N_SUB_JOB_COLS][32];
	size_t i, k, n;
	json_t *s;
	int r;

	for (k = n = 0; k < N_SUB_JOB_COLS; k++) {
		if (!with_job_id && strcmp(sub_job_cols[k].key, "job_id") == 0)
			continue;
		heads[n] = sub_job_cols[k].head;
		keys[n++] = sub_job_cols[k].key;
	}
	if ((r = table_new(heads, n, &t)) != 0)
		return r;
	table_status_column(t, with_job_id ? 3 : 2);
	json_array_foreach(jobs, i, s) {
		for (k = 0; k < n; k++)
			cells[k] = out_member(s, keys[k], tmp[k],
			    sizeof(tmp[k]));
		if ((r = table_add(t, cells)) != 0)
			goto out;
	}
	table_print(t, f, color);
	r = 0;
 out:
	table_free(t);
	return r;
}

int
out_job(FILE *f, json_t *job, int color)
{
	static const char *const keys[] = { "id", "job_type", "status",
	    "begin_time", "end_time", "sub_jobs_total", "job_error_code",
	    "fail_reason" };
	char tmp[32], clean[CELL_BYTES];
	const char *v;
	json_t *subs;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if ((v = out_member(job, keys[i], tmp, sizeof(tmp))) == NULL)
			continue;
		(void)client_sanitize(v, clean, sizeof(clean), TABLE_CELL_MAX);
		fprintf(f, "%s%-15s%s%s\n", color ? SGR_BOLD : "", keys[i],
		    color ? SGR_RESET : "", clean);
	}
	subs = json_object_get(job, "sub_jobs");
	if (!json_is_array(subs))
		return 0;
	fputc('\n', f);
	return out_sub_jobs(f, subs, 0, color);
}

int
out_json(FILE *f, json_t *v)
{
	if (json_dumpf(v, f, JSON_INDENT(2)) != 0)
		return WJ_ERR_IO;
	fputc('\n', f);
	return 0;
}
