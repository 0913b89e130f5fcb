/*
 * api_health.c - /healthz (the process answers), /readyz (the database
 * answers) and /metrics (Prometheus text) on the internal listener.
 */
#include "api.h"

static int
status_body(struct api_req *r, int code, const char *status)
{
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "status", status);
	jw_obj_close(&w);
	return api_reply(r, code, &b);
}

int
api_health_healthz(struct api_req *r)
{
	return status_body(r, 200, "ok");
}

int
api_health_readyz(struct api_req *r)
{
	if (store_ping(r->api->store) != 0) {
		r->http->retry_after = 1;
		return status_body(r, 503, "database unavailable");
	}
	return status_body(r, 200, "ready");
}

int
api_health_metrics(struct api_req *r)
{
	struct buf b;
	int e;

	buf_init(&b);
	if ((e = api_metrics_render(r->api->metrics, r->api->store, &b)) != 0) {
		buf_free(&b);
		return e;
	}
	http_reply_json(r->http, 200, &b);
	r->http->resp_json = 0;
	r->http->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return 0;
}
