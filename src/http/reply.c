/*
 * reply.c - the one place that turns a WJ_ERR_* code into an HTTP status
 * and an error body (docs/API.md#errors) in the shape of the route's
 * service: gateway errors carry request_id, Workspace errors
 * error_detail, IAM and STS errors their own shapes.
 */
#include <stdio.h>
#include <string.h>

#include "http.h"

struct err_map {
	int	    err;
	int	    status;
	int	    gateway;	/* APIGW body shape */
	const char *code;
	const char *msg;
};

/* Workspace and gateway errors (docs/API.md#errors). */
static const struct err_map wks_map[] = {
	{ WJ_ERR_INVALID, 400, 0, "WKS.00211102", "The parameter is invalid." },
	{ WJ_ERR_EMPTY_BODY, 400, 0, "WKS.0001",
	    "The request message input by the interface is empty." },
	{ WJ_ERR_NOT_FOUND, 404, 0, "WKS.0202", "The resource not found." },
	{ WJ_ERR_CONFLICT, 409, 0, "WKS.00211103",
	    "The request could not be completed due to a conflict of the "
	    "resource." },
	{ WJ_ERR_UNAVAILABLE, 503, 0, "WKS.00050902",
	    "The service is now unavailable to process the request." },
	{ WJ_ERR_IO, 503, 0, "WKS.00050902",
	    "The service is now unavailable to process the request." },
	{ WJ_ERR_MEDIA_TYPE, 415, 0, "WKS.00000415",
	    "The server does not support the media type of the request "
	    "payload." },
	{ WJ_ERR_METHOD, 405, 0, "WKS.00000405",
	    "The method specified in the request is not allowed for this "
	    "resource." },
	{ WJ_ERR_DENIED, 403, 0, "WKS.00081102",
	    "User does not have permission to access this resource." },
	{ WJ_ERR_NO_ROUTE, 404, 1, "APIGW.0101",
	    "The API does not exist or has not been published in the "
	    "environment." },
	{ WJ_ERR_TOO_LARGE, 413, 1, "APIGW.0201", "Request entity too large." },
	{ WJ_ERR_URI_TOO_LARGE, 414, 1, "APIGW.0201",
	    "Request URI too large." },
	{ WJ_ERR_HEADERS_TOO_LARGE, 494, 1, "APIGW.0201",
	    "Request headers too large." },
	{ WJ_ERR_BAD_REQUEST, 400, 1, "APIGW.0201", "API request error." },
	{ WJ_ERR_AUTH, 401, 1, "APIGW.0301",
	    "Incorrect IAM authentication information" },
	{ WJ_ERR_TOKEN_EXPIRED, 401, 1, "APIGW.0307",
	    "The token must be updated." },
	{ WJ_ERR_PROJECT, 403, 1, "APIGW.0306", "API access denied." },
	{ WJ_ERR_THROTTLED, 429, 1, "APIGW.0308",
	    "The throttling threshold has been reached." },
};

static const struct err_map internal = {
	WJ_ERR_INTERNAL, 500, 0, "WKS.00211401",
	"The requested operation failed. Please try again later."
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct err_map *
wks_lookup(int err)
{
	size_t i;

	for (i = 0; i < NELEM(wks_map); i++)
		if (wks_map[i].err == err)
			return &wks_map[i];
	return &internal;
}

int
http_error_status(int err)
{
	return wks_lookup(err)->status;
}

void
http_reply_json(struct http_req *req, int status, struct buf *b)
{
	buf_free(&req->resp);
	req->resp = *b;
	buf_init(b);
	req->status = status;
	req->resp_json = 1;
}

void
http_reply_empty(struct http_req *req, int status)
{
	buf_free(&req->resp);
	req->status = status;
	req->resp_json = 0;
}

/* An error of another service: its status, code or title, message. */
struct svc_err {
	int	    err;
	int	    status;
	const char *code;	/* IAM: the title */
	const char *msg;
};

/* IAM (Keystone) bodies. */
static const struct svc_err iam_map[] = {
	{ WJ_ERR_INVALID, 400, "Bad Request", "The request body is invalid" },
	{ WJ_ERR_EMPTY_BODY, 400, "Bad Request",
	    "The request body is invalid" },
	{ WJ_ERR_MEDIA_TYPE, 400, "Bad Request",
	    "The request body is invalid" },
	{ WJ_ERR_AUTH, 401, "Unauthorized",
	    "The username or password is wrong." },
	{ WJ_ERR_TOKEN_EXPIRED, 401, "Unauthorized",
	    "The token must be updated." },
	{ WJ_ERR_DENIED, 403, "Forbidden",
	    "You are not authorized to perform the requested action." },
	{ WJ_ERR_PROJECT, 403, "Forbidden",
	    "You are not authorized to perform the requested action." },
	{ WJ_ERR_NOT_FOUND, 404, "Not Found",
	    "Could not find the requested resource." },
	{ WJ_ERR_UNAVAILABLE, 503, "Service Unavailable",
	    "The service is unavailable." },
	{ WJ_ERR_IO, 503, "Service Unavailable",
	    "The service is unavailable." },
	{ WJ_ERR_INTERNAL, 500, "Internal Server Error",
	    "An unexpected error prevented the server from fulfilling your "
	    "request." },
};

/* STS5 bodies; the codes are this project's choice. */
static const struct svc_err sts_map[] = {
	{ WJ_ERR_INVALID, 400, "STS5.0400", "The request is invalid" },
	{ WJ_ERR_EMPTY_BODY, 400, "STS5.0400", "The request is invalid" },
	{ WJ_ERR_MEDIA_TYPE, 400, "STS5.0400", "The request is invalid" },
	{ WJ_ERR_DENIED, 403, "STS5.0403",
	    "You do not have permission to perform this operation" },
	{ WJ_ERR_NOT_FOUND, 404, "STS5.0404", "The resource was not found" },
	{ WJ_ERR_UNAVAILABLE, 503, "STS5.0503",
	    "The service is unavailable." },
	{ WJ_ERR_IO, 503, "STS5.0503", "The service is unavailable" },
	{ WJ_ERR_INTERNAL, 500, "STS5.0500", "Internal server error" },
};

/* CTS bodies (Cloud Trace Service's codes). */
static const struct svc_err cts_map[] = {
	{ WJ_ERR_INVALID, 400, "CTS.0003", "The request is invalid." },
	{ WJ_ERR_EMPTY_BODY, 400, "CTS.0003", "The request is invalid." },
	{ WJ_ERR_MEDIA_TYPE, 400, "CTS.0003", "The request is invalid." },
	{ WJ_ERR_DENIED, 403, "CTS.0002", "The user fails the "
	    "authentication or does not have permission to this operation." },
	{ WJ_ERR_UNAVAILABLE, 503, "CTS.0005", "Data read exception." },
	{ WJ_ERR_IO, 503, "CTS.0005", "Data read exception." },
	{ WJ_ERR_INTERNAL, 500, "CTS.0005", "Data read exception." },
};

/* The entry of err in t[0..n), or the last one (the internal error). */
static const struct svc_err *
svc_lookup(const struct svc_err *t, size_t n, int err)
{
	size_t i;

	for (i = 0; i < n - 1; i++)
		if (t[i].err == err)
			break;
	return &t[i];
}

static void
iam_body(struct jw *w, int err, const char *detail, int *status)
{
	const struct svc_err *m = svc_lookup(iam_map, NELEM(iam_map), err);

	*status = m->status;
	jw_obj_open(w);
	jw_key(w, "error");
	jw_obj_open(w);
	jw_kv_int(w, "code", m->status);
	jw_kv_str(w, "message", detail != NULL ? detail : m->msg);
	jw_kv_str(w, "title", m->code);
	jw_obj_close(w);
	jw_obj_close(w);
}

/* An STS or CTS body: {"error_code", "error_msg"} (the message and ":
 * <reason>"), and a 403's encoded_authorization_message (may be NULL). */
static void
svc_body(struct jw *w, const struct svc_err *t, size_t n, int err,
    const char *detail, const char *encoded, int *status)
{
	const struct svc_err *m = svc_lookup(t, n, err);
	char msg[WJ_DETAIL_MAX + 128];

	*status = m->status;
	if (detail != NULL)
		(void)snprintf(msg, sizeof(msg), "%s: %s", m->msg, detail);
	jw_obj_open(w);
	jw_kv_str(w, "error_code", m->code);
	jw_kv_str(w, "error_msg", detail != NULL ? msg : m->msg);
	if (err == WJ_ERR_DENIED && encoded != NULL)
		jw_kv_str(w, "encoded_authorization_message", encoded);
	jw_obj_close(w);
}

/* A Workspace or gateway body; returns the status. */
static int
wks_body(struct jw *w, struct http_req *req, const struct err_map *m,
    int err, const char *detail, const char *encoded)
{
	char msg[WJ_DETAIL_MAX + 128];

	jw_obj_open(w);
	jw_kv_str(w, "error_code", m->code);
	if (m->gateway && (err == WJ_ERR_AUTH || err == WJ_ERR_THROTTLED) &&
	    detail != NULL) {
		/* "<message>: <reason>" */
		(void)snprintf(msg, sizeof(msg), "%s: %s", m->msg, detail);
		jw_kv_str(w, "error_msg", msg);
	} else
		jw_kv_str(w, "error_msg", m->msg);
	if (m->gateway)
		jw_kv_str(w, "request_id", req->request_id);
	else if (detail != NULL)
		jw_kv_str(w, "error_detail", detail);
	if (err == WJ_ERR_DENIED && encoded != NULL)
		jw_kv_str(w, "encoded_authorization_message", encoded);
	jw_obj_close(w);
	return m->status;
}

void
http_reply_error_as(struct http_req *req, int style, int err,
    const struct wj_errinfo *ei, const char *encoded)
{
	const struct err_map *m = wks_lookup(err);
	const char *detail = ei != NULL && ei->detail[0] ? ei->detail : NULL;
	struct buf b;
	struct jw w;
	int status;

	buf_init(&b);
	jw_init(&w, &b);
	/* A handler's WJ_ERR_AUTH in IAM is a wrong password, not APIGW. */
	if (style == HTTP_ERR_IAM && (!m->gateway || err == WJ_ERR_AUTH))
		iam_body(&w, err, detail, &status);
	else if (style == HTTP_ERR_STS && !m->gateway)
		svc_body(&w, sts_map, NELEM(sts_map), err, detail, NULL,
		    &status);
	else if (style == HTTP_ERR_CTS && !m->gateway)
		svc_body(&w, cts_map, NELEM(cts_map), err, detail, encoded,
		    &status);
	else
		status = wks_body(&w, req, m, err, detail, encoded);
	if (err == WJ_ERR_UNAVAILABLE || err == WJ_ERR_IO ||
	    err == WJ_ERR_THROTTLED) {
		if (req->retry_after <= 0)
			req->retry_after = 1;
	}
	if (b.failed) {
		buf_free(&b);
		buf_init(&b);
		buf_puts(&b, "{\"error_code\":\"WKS.00211401\",\"error_msg\":"
		    "\"The requested operation failed.\"}");
	}
	http_reply_json(req, status, &b);
}

void
http_reply_error(struct http_req *req, int err, const struct wj_errinfo *ei)
{
	http_reply_error_as(req, HTTP_ERR_WKS, err, ei, NULL);
}
