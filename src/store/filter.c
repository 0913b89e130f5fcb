/*
 * filter.c - the ListItaSubJobs filter as both engines read it
 * (engine.h): statuses parsed and deduplicated, empty values dropped, a
 * filter that can match nothing marked so.  Engine-neutral.
 */
#include <string.h>

#include "engine.h"

static void
norm_statuses(const struct store_list_filter *f, struct store_norm_filter *n)
{
	int seen[JOB_STATUS_COUNT] = { 0 }, s, given = 0;
	size_t i;

	for (i = 0; i < f->n_statuses && i < WJ_LIST_FILTER_VALUES; i++) {
		if (f->statuses[i] == NULL || *f->statuses[i] == '\0')
			continue;	/* an empty value is no filter */
		given = 1;
		/* Unknown values simply match nothing. */
		if ((s = job_status_parse(f->statuses[i])) < 0 || seen[s])
			continue;
		seen[s] = 1;
		n->status[n->n_status++] = s;
	}
	if (given && n->n_status == 0)
		n->none = 1;
}

void
store_norm_filter(const struct store_list_filter *f,
    struct store_norm_filter *n)
{
	size_t i;

	memset(n, 0, sizeof(*n));
	n->project_id = f->project_id;
	norm_statuses(f, n);
	for (i = 0; i < f->n_job_types && i < WJ_LIST_FILTER_VALUES; i++)
		if (f->job_types[i] != NULL && *f->job_types[i] != '\0')
			n->type[n->n_type++] = f->job_types[i];
	if (f->job_id != NULL && *f->job_id != '\0')
		n->job_id = f->job_id;
	if (f->desktop_pool_id != NULL && *f->desktop_pool_id != '\0')
		n->pool = f->desktop_pool_id;
}
