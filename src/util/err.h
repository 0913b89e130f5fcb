/*
 * err.h - the one error space of wksjobs (after OpenSSH's ssherr.h).
 * Every function that can fail returns 0 or a negative WJ_ERR_* code and
 * hands results back through out-parameters.  http/reply.c maps each code
 * to exactly one HTTP status and error body (docs/API.md#errors); the CLI
 * maps them to messages with wj_strerror().
 */
#ifndef WJ_ERR_H
#define WJ_ERR_H

#include <stddef.h>

#define WJ_WUR __attribute__((warn_unused_result))

enum wj_err {
	WJ_OK = 0,
	WJ_ERR_NOMEM = -1,	  /* 500 WKS.00211401 */
	WJ_ERR_INVALID = -2,	  /* 400 WKS.00211102, detail names the field */
	WJ_ERR_EMPTY_BODY = -3,	  /* 400 WKS.0001 */
	WJ_ERR_NOT_FOUND = -4,	  /* 404 WKS.0202 */
	WJ_ERR_CONFLICT = -5,	  /* 409 WKS.00211103 (lease lost) */
	WJ_ERR_UNAVAILABLE = -6,  /* 503 WKS.00050902 + Retry-After */
	WJ_ERR_INTERNAL = -7,	  /* 500 WKS.00211401 */
	WJ_ERR_MEDIA_TYPE = -8,	  /* 415 WKS.00000415 */
	WJ_ERR_NO_ROUTE = -9,	  /* 404 APIGW.0101 */
	WJ_ERR_METHOD = -10,	  /* 405 WKS.00000405 + Allow */
	WJ_ERR_TOO_LARGE = -11,	  /* 413 APIGW.0201 */
	WJ_ERR_AUTH = -12,	  /* 401 APIGW.0301, detail = reason suffix */
	WJ_ERR_TOKEN_EXPIRED = -13, /* 401 APIGW.0307 */
	WJ_ERR_PROJECT = -14,	  /* 403 APIGW.0306 */
	WJ_ERR_DENIED = -15,	  /* 403 WKS.00081102 */
	WJ_ERR_THROTTLED = -16,	  /* 429 APIGW.0308 + Retry-After */
	WJ_ERR_EXISTS = -17,	  /* CLI: already exists */
	WJ_ERR_IO = -18,	  /* file or database I/O failed: 503 */
	WJ_ERR_URI_TOO_LARGE = -19, /* 414 APIGW.0201 */
	WJ_ERR_CRYPTO = -20,	  /* sealing/opening failed: 500 */
	WJ_ERR_BAD_REQUEST = -21, /* 400 APIGW.0201 malformed HTTP */
	WJ_ERR_HEADERS_TOO_LARGE = -22, /* 494 APIGW.0201 */
};

/* Human-readable text for a WJ_ERR_* code; never NULL. */
const char *wj_strerror(int);

/*
 * Detail of a failure, filled by whoever knows it (a validator names the
 * field; the store names the refused IDs) and rendered as error_detail.
 * Fixed size so that no failure path needs an allocation.
 */
#define WJ_DETAIL_MAX 1000	/* error_detail: 0..1000 characters */

struct wj_errinfo {
	char detail[WJ_DETAIL_MAX + 1];
};

/* printf into ei->detail (truncating at WJ_DETAIL_MAX on a character; a
 * byte that starts no valid UTF-8 character becomes '?'); ei may be NULL. */
void wj_errinfo_set(struct wj_errinfo *ei, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append to ei->detail, as wj_errinfo_set. */
void wj_errinfo_append(struct wj_errinfo *ei, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
