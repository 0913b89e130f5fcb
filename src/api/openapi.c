/*
 * openapi.c - GET /openapi.json on both listeners: docs/openapi.yaml as
 * JSON, converted by the build (scripts/openapi_json.py) and compiled
 * into the binary, so nothing is read from disk at run time and both
 * listeners answer the same bytes.  No credentials needed.
 */
#include "api.h"
#include "openapi_json.h"	/* generated: openapi_json[], OPENAPI_JSON_LEN */

_Static_assert(sizeof(openapi_json) == OPENAPI_JSON_LEN + 1,
    "openapi_json.h is inconsistent");

int
api_openapi_get(struct api_req *r)
{
	struct buf b;

	buf_init(&b);
	if (buf_append(&b, openapi_json, OPENAPI_JSON_LEN) != 0) {
		buf_free(&b);
		return WJ_ERR_NOMEM;
	}
	return api_reply(r, 200, &b);
}
