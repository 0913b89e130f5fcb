/*
 * api_sts.c - STS DecodeAuthorizationMessage
 * (docs/API.md#identity-iam-and-sts): turns the
 * encoded_authorization_message of a 403 back into its JSON text for a
 * caller the gate allowed sts::decodeAuthorizationMessage.  A message
 * opens only for a caller of the account it was sealed for (auth/token
 * binds the account), so everyone else gets 403 STS5.0403 like a damaged
 * message; a body that is not a message at all is 400 STS5.0400.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "../auth/token.h"

int
api_sts_decode(struct api_req *r)
{
	const char *msg = NULL;
	char *text = NULL;
	json_t *doc = NULL;
	int e;

	if ((e = api_body_object(r, &doc)) != 0 ||
	    (e = api_json_str(r, doc, "encoded_message", 1,
	    AUTHZ_MSG_TEXT_MAX, 1, &msg)) != 0)
		goto out;
	e = authz_msg_open(&r->api->mk, r->who.domain_id, msg, &text);
	if (e == WJ_ERR_INVALID)
		wj_errinfo_set(&r->err, "encoded_message is not an encoded "
		    "authorization message");
	else if (e == WJ_ERR_DENIED)
		wj_errinfo_set(&r->err, "the message was not issued to this "
		    "account, or it is damaged");
	if (e == 0)
		e = api_reply_member(r, "decoded_message", text);
 out:
	free(text);
	json_decref(doc);
	return e;
}
