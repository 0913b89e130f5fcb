/*
 * output.h - how the client commands print API objects: aligned tables
 * for people (full IDs, colour only on a terminal without NO_COLOR) and
 * the API's own JSON for scripts.  Every string from the server is
 * sanitised before it reaches a terminal (client_sanitize).
 */
#ifndef WJ_CLIENT_OUTPUT_H
#define WJ_CLIENT_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "../util/err.h"

#define TABLE_COLS_MAX	16
#define TABLE_CELL_MAX	300	/* code points kept per cell */

enum out_format { OUT_TABLE = 0, OUT_JSON = 1 };

/* "table" or "json" into *fmt; WJ_ERR_INVALID otherwise. */
int	out_format_parse(const char *s, int *fmt) WJ_WUR;

/*
 * Colour for f: only when f is a terminal, NO_COLOR is unset or empty
 * (no-color.org) and TERM is not "dumb".
 */
int	out_use_color(FILE *f);

struct table;

/* A table with ncols (1..TABLE_COLS_MAX) headings (borrowed strings). */
int	table_new(const char *const *heads, size_t ncols, struct table **out)
	    WJ_WUR;
/* Mark the column whose values are job statuses (coloured by value). */
void	table_status_column(struct table *, size_t col);
/* Append a row of ncols cells (copied, sanitised; NULL prints "-"). */
int	table_add(struct table *, const char *const *cells) WJ_WUR;
size_t	table_rows(const struct table *);
/* Headings and rows, columns two spaces apart, no trailing blanks. */
void	table_print(const struct table *, FILE *f, int color);
void	table_free(struct table *);

/*
 * Sub-jobs (an array of JobDetailInfo) as a table with the columns
 * ID JOB_ID JOB_TYPE STATUS PROCESS BEGIN_TIME END_TIME HOST ERROR_CODE
 * (JOB_ID left out when with_job_id is 0).
 */
int	out_sub_jobs(FILE *f, json_t *jobs, int with_job_id, int color)
	    WJ_WUR;
/* A ShowJob result: the job's members, then its sub-jobs. */
int	out_job(FILE *f, json_t *job, int color) WJ_WUR;
/* JSON text of v (indented, member order kept) and a newline. */
int	out_json(FILE *f, json_t *v) WJ_WUR;
/* Value of a member as text for a cell: strings, integers; else NULL. */
const char *out_member(json_t *o, const char *key, char *tmp, size_t cap);

#endif
