/*
 * api_sts.c - STS GetCallerIdentity and DecodeAuthorizationMessage
 * (docs/API.md#identity-iam-and-sts).  GetCallerIdentity says whose
 * credentials signed the request (the account, the user's URN and ID).
 * DecodeAuthorizationMessage turns the
 * encoded_authorization_message of a 403 back into its JSON text for a
 * caller the gate allowed sts::decodeAuthorizationMessage.  A message
 * opens only for a caller of the account it was sealed for (auth/token
 * binds the account), so everyone else gets 403 STS5.0403 like a damaged
 * message; a body that is not a message at all is 400 STS5.0400.
 */
#include <stdio.h>
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

int
api_sts_caller_identity(struct api_req *r)
{
	char urn[STORE_NAME_MAX + WJ_ID_LEN + 16];
	struct buf b;
	struct jw w;

	/* The URN form of an IAM user: iam::<account id>:user:<name>. */
	(void)snprintf(urn, sizeof(urn), "iam::%s:user:%s", r->who.domain_id,
	    r->who.user_name);
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "account_id", r->who.domain_id);
	jw_kv_str(&w, "principal_urn", urn);
	jw_kv_str(&w, "principal_id", r->who.user_id);
	jw_obj_close(&w);
	return api_reply(r, 200, &b);
}
