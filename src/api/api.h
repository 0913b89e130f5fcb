/*
 * api.h - the application: the route table of the public and internal
 * APIs and the one gate every request passes (route, authenticate,
 * project scope, authorize, handler), as DESIGN §2 draws it.  Handlers
 * live in a file per resource and return WJ_ERR_* codes; the gate writes
 * every error body through http_reply_error.
 */
#ifndef WJ_API_H
#define WJ_API_H

#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>

#include "../auth/authn.h"
#include "../http/http.h"
#include "../store/store.h"

enum { API_LISTENER_PUBLIC = 0, API_LISTENER_INTERNAL = 1 };

struct api_metrics;

struct api {
	struct store	     *store;
	struct wj_master_key  mk;
	struct authn	      authn;
	struct api_metrics   *metrics;
};

/* Everything one request's handler needs. */
struct api_req {
	struct api	   *api;
	struct http_req	   *http;
	struct principal    who;
	const char	   *project_id;	/* path project, when the route has one */
	struct store_actor  actor;
	struct wj_errinfo   err;
};

typedef int (*api_handler)(struct api_req *);

/* Set up the application over an open store; the master key is copied. */
int	api_init(struct api *, struct store *, const struct wj_master_key *)
	    WJ_WUR;
void	api_free(struct api *);
/* http_app callbacks: arg is the struct api. */
void	api_dispatch(void *arg, struct http_req *);
void	api_completed(void *arg, struct http_req *, int64_t micros);

/* ---- helpers shared by the handlers (api_util.c) -------------------- */

/*
 * Parse the request body as one JSON object.  WJ_ERR_EMPTY_BODY for an
 * empty body; WJ_ERR_MEDIA_TYPE unless Content-Type is application/json;
 * WJ_ERR_INVALID (reason in r->err) for anything but an object.
 */
int	api_body_object(struct api_req *, json_t **out) WJ_WUR;
/*
 * Read member key of obj as a string of min..max UTF-8 characters.  An
 * absent (or null) member gives *out = NULL when !required; otherwise
 * WJ_ERR_INVALID naming the member.
 */
int	api_json_str(struct api_req *, json_t *obj, const char *key,
	    size_t min, size_t max, int required, const char **out) WJ_WUR;
/* Read member key as an integer in min..max; absent leaves *out. */
int	api_json_int(struct api_req *, json_t *obj, const char *key,
	    int64_t min, int64_t max, int required, int64_t *out) WJ_WUR;
/* Reply with the JSON in b. */
int	api_reply(struct api_req *, int status, struct buf *b);

/* ---- handlers ---------------------------------------------------------- */

int	api_sub_jobs_list(struct api_req *);
int	api_sub_jobs_batch_delete(struct api_req *);
int	api_jobs_show(struct api_req *);
int	api_jobs_action(struct api_req *);
int	api_internal_create(struct api_req *);
int	api_internal_claim(struct api_req *);
int	api_internal_heartbeat(struct api_req *);
int	api_internal_finish(struct api_req *);
int	api_health_healthz(struct api_req *);
int	api_health_readyz(struct api_req *);
int	api_health_metrics(struct api_req *);

/* ---- metrics (api_metrics.c) ------------------------------------------- */

int	api_metrics_new(size_t n_routes, struct api_metrics **out) WJ_WUR;
void	api_metrics_free(struct api_metrics *);
void	api_metrics_observe(struct api_metrics *, int route, int status,
	    int64_t micros);
/* Prometheus text exposition; route names from the route table. */
int	api_metrics_render(struct api_metrics *, struct store *,
	    struct buf *out) WJ_WUR;

/* Route names, for metrics: index -> "ListItaSubJobs" etc. */
size_t	api_route_count(void);
const char *api_route_name(size_t);

#endif
