/*
 * api_metrics.c - request counters by route and status, one latency
 * histogram, and sub-jobs by status, as Prometheus text.  Counters are
 * relaxed atomics: exact totals, no locks on the request path.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

static const int statuses[] = { 200, 201, 400, 401, 403, 404, 405, 409,
	413, 414, 415, 429, 494, 500, 503 };
#define N_STATUS (sizeof(statuses) / sizeof(statuses[0]) + 1) /* + other */

/* Upper bounds in microseconds. */
static const int64_t bounds_us[] = { 250, 500, 1000, 2500, 5000, 10000,
	25000, 50000, 100000, 250000, 500000, 1000000, 2500000 };
#define N_BUCKETS (sizeof(bounds_us) / sizeof(bounds_us[0]))

struct api_metrics {
	size_t		  n_routes;	/* + 1 for "no route" */
	atomic_ullong	  buckets[N_BUCKETS + 1];
	atomic_ullong	  count;
	atomic_ullong	  sum_us;
	atomic_ullong	  requests[];	/* [route][status] */
};

int
api_metrics_new(size_t n_routes, struct api_metrics **out)
{
	size_t n = (n_routes + 1) * N_STATUS;

	*out = calloc(1, sizeof(**out) + n * sizeof((*out)->requests[0]));
	if (*out == NULL)
		return WJ_ERR_NOMEM;
	(*out)->n_routes = n_routes + 1;
	return 0;
}

void
api_metrics_free(struct api_metrics *m)
{
	free(m);
}

static size_t
status_index(int status)
{
	size_t i;

	for (i = 0; i < N_STATUS - 1; i++)
		if (statuses[i] == status)
			return i;
	return N_STATUS - 1;
}

void
api_metrics_observe(struct api_metrics *m, int route, int status,
    int64_t us)
{
	size_t ri, b;

	ri = route >= 0 && (size_t)route < m->n_routes - 1 ? (size_t)route :
	    m->n_routes - 1;
	atomic_fetch_add_explicit(&m->requests[ri * N_STATUS +
	    status_index(status)], 1, memory_order_relaxed);
	for (b = 0; b < N_BUCKETS && us > bounds_us[b]; b++)
		;
	atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sum_us, (unsigned long long)us,
	    memory_order_relaxed);
}

int
api_metrics_render(struct api_metrics *m, struct store *st, struct buf *o)
{
	int64_t by_status[JOB_STATUS_COUNT];
	unsigned long long v, cum = 0;
	char code[8];
	size_t r, s;
	int e, i;

	buf_printf(o, "# HELP wksjobs_build_info The version and commit "
	    "running.\n# TYPE wksjobs_build_info gauge\n"
	    "wksjobs_build_info{version=\"%s\",commit=\"%s\"} 1\n",
	    wj_version(), wj_commit());
	buf_puts(o, "# HELP wksjobs_requests_total Requests by route and "
	    "status.\n# TYPE wksjobs_requests_total counter\n");
	for (r = 0; r < m->n_routes; r++)
		for (s = 0; s < N_STATUS; s++) {
			v = atomic_load(&m->requests[r * N_STATUS + s]);
			if (v == 0)
				continue;
			if (s == N_STATUS - 1)
				snprintf(code, sizeof(code), "other");
			else
				snprintf(code, sizeof(code), "%d", statuses[s]);
			buf_printf(o, "wksjobs_requests_total{route=\"%s\","
			    "status=\"%s\"} %llu\n", api_route_name(r), code,
			    v);
		}
	buf_puts(o, "# HELP wksjobs_request_duration_seconds Request latency."
	    "\n# TYPE wksjobs_request_duration_seconds histogram\n");
	for (s = 0; s <= N_BUCKETS; s++) {
		cum += atomic_load(&m->buckets[s]);
		if (s < N_BUCKETS)
			buf_printf(o, "wksjobs_request_duration_seconds_bucket"
			    "{le=\"%g\"} %llu\n", bounds_us[s] / 1e6, cum);
		else
			buf_printf(o, "wksjobs_request_duration_seconds_bucket"
			    "{le=\"+Inf\"} %llu\n", cum);
	}
	buf_printf(o, "wksjobs_request_duration_seconds_sum %g\n"
	    "wksjobs_request_duration_seconds_count %llu\n",
	    atomic_load(&m->sum_us) / 1e6, atomic_load(&m->count));
	if ((e = store_count_by_status(st, by_status)) != 0)
		return e;
	buf_puts(o, "# HELP wksjobs_sub_jobs Sub-jobs by status.\n"
	    "# TYPE wksjobs_sub_jobs gauge\n");
	for (i = 0; i < JOB_STATUS_COUNT; i++)
		buf_printf(o, "wksjobs_sub_jobs{status=\"%s\"} %lld\n",
		    job_status_name(i), (long long)by_status[i]);
	return o->failed ? WJ_ERR_NOMEM : 0;
}
