/*
 * token.c - the token and authorization-message decoders of
 * src/auth/token.c: token_open and authz_msg_open on raw text, and on
 * arbitrary plaintext sealed the way token.c seals (so that the JSON
 * payload decoders run too, past AES-GCM), plus seal/open round trips of
 * tokens built from the input.
 *
 * Input: byte 0 picks the mode, the rest is the text (or plaintext).
 * Invariants: opening never succeeds on text this key did not seal
 * (modes 0, 1); an opened token's fields are NUL-terminated text; a
 * token sealed from any valid fields opens to the same fields; a decoded
 * message is JSON.
 */
#include <jansson.h>

#include "fuzz.h"
#include "auth/token.h"
#include "util/buf.h"

/* The additional data of token.c (a private detail, repeated here: if it
 * changes, modes 2 and 3 only stop reaching the payload decoders). */
#define TOKEN_AAD	"wksjobs:token:v1"
#define AUTHZ_AAD	"wksjobs:authz:v1:"
#define DOMAIN		"01a21f151ded70009dc24e320310b4f8"

static struct wj_master_key mk;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mk.id = 7;
	FUZZ_CHECK(wj_random(mk.key, sizeof(mk.key)) == 0);
	return 0;
}

/* prefix + base64url(seal(aad, pt)), as token.c's seal_text. */
static char *
seal_as(const char *prefix, const char *aad, const uint8_t *pt, size_t n)
{
	uint8_t *sealed = NULL;
	char *b64 = NULL, *out = NULL;
	size_t slen;

	if (n == 0 || wj_seal(&mk, aad, strlen(aad), pt, n, &sealed,
	    &slen) != 0 || wj_b64url_encode(sealed, slen, &b64) != 0)
		goto done;
	if ((out = malloc(strlen(prefix) + strlen(b64) + 1)) != NULL) {
		strcpy(out, prefix);
		strcat(out, b64);
	}
 done:
	free(sealed);
	free(b64);
	return out;
}

static void
check_token(const struct token *t)
{
	FUZZ_CHECK(memchr(t->user_id, '\0', sizeof(t->user_id)) != NULL);
	FUZZ_CHECK(memchr(t->user_name, '\0', sizeof(t->user_name)) != NULL);
	FUZZ_CHECK(memchr(t->domain_id, '\0', sizeof(t->domain_id)) != NULL);
	FUZZ_CHECK(memchr(t->domain_name, '\0', sizeof(t->domain_name)) !=
	    NULL);
	FUZZ_CHECK(memchr(t->project_id, '\0', sizeof(t->project_id)) !=
	    NULL);
	FUZZ_CHECK(memchr(t->project_name, '\0', sizeof(t->project_name)) !=
	    NULL);
}

/* Fields from the input, NUL-separated: name, domain, project name. */
static void
roundtrip(const uint8_t *d, size_t n)
{
	struct token t, u;
	const char *f[3] = { "u", "d", "" };
	char *text = NULL, *copy;
	size_t i, k = 0, start = 0;
	int r;

	if ((copy = fuzz_strndup(d, n)) == NULL)
		return;
	for (i = 0; i <= n && k < 3; i++)
		if (i == n || copy[i] == '\0') {
			f[k++] = copy + start;
			start = i + 1;
		}
	memset(&t, 0, sizeof(t));
	(void)snprintf(t.user_id, sizeof(t.user_id), "%s",
	    "01a21f151ded7001b0392e825c5331e1");
	(void)snprintf(t.domain_id, sizeof(t.domain_id), "%s", DOMAIN);
	(void)snprintf(t.user_name, sizeof(t.user_name), "%s", f[0]);
	(void)snprintf(t.domain_name, sizeof(t.domain_name), "%s", f[1]);
	if (f[2][0] != '\0') {
		(void)snprintf(t.project_id, sizeof(t.project_id), "%s",
		    "01a21f151ded7002b3f19acbd66c2c44");
		(void)snprintf(t.project_name, sizeof(t.project_name), "%s",
		    f[2]);
	}
	t.issued_ms = 1000;
	t.expires_ms = 4102444800000LL;
	if (token_seal(&mk, &t, &text) == 0) {
		r = token_open(&mk, text, 2000, &u);
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(strcmp(t.user_id, u.user_id) == 0 &&
		    strcmp(t.user_name, u.user_name) == 0 &&
		    strcmp(t.domain_id, u.domain_id) == 0 &&
		    strcmp(t.domain_name, u.domain_name) == 0 &&
		    strcmp(t.project_id, u.project_id) == 0 &&
		    strcmp(t.project_name, u.project_name) == 0 &&
		    t.issued_ms == u.issued_ms && t.expires_ms == u.expires_ms);
		FUZZ_CHECK(token_open(&mk, text, t.expires_ms, &u) ==
		    WJ_ERR_TOKEN_EXPIRED);
		free(text);
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct token t;
	char *text = NULL, *json = NULL;
	json_t *doc;
	uint8_t mode;
	int r;

	if (size < 1 || size > AUTHZ_MSG_TEXT_MAX + 64)
		return 0;
	mode = data[0] % 5;
	data++;
	size--;
	switch (mode) {
	case 0:
	case 1:
		if ((text = fuzz_strndup(data, size)) == NULL)
			return 0;
		if (mode == 0) {
			r = token_open(&mk, text, 2000, &t);
			FUZZ_CHECK(r == WJ_ERR_INVALID || r == WJ_ERR_NOMEM);
		} else {
			r = authz_msg_open(&mk, DOMAIN, text, &json);
			FUZZ_CHECK(r == WJ_ERR_INVALID || r == WJ_ERR_DENIED ||
			    r == WJ_ERR_NOMEM);
			FUZZ_CHECK(json == NULL);
		}
		break;
	case 2:
		if ((text = seal_as(TOKEN_PREFIX, TOKEN_AAD, data, size)) ==
		    NULL)
			return 0;
		r = token_open(&mk, text, 2000, &t);
		if (r == 0 || r == WJ_ERR_TOKEN_EXPIRED)
			check_token(&t);
		break;
	case 3:
		if ((text = seal_as(AUTHZ_MSG_PREFIX, AUTHZ_AAD DOMAIN, data,
		    size)) == NULL)
			return 0;
		r = authz_msg_open(&mk, DOMAIN, text, &json);
		if (r == 0) {
			FUZZ_CHECK(json != NULL);
			doc = json_loads(json, 0, NULL);
			FUZZ_CHECK(doc != NULL);
			json_decref(doc);
			free(json);
			json = NULL;
		}
		/* Another account never opens it. */
		FUZZ_CHECK(authz_msg_open(&mk,
		    "ffffffffffffffffffffffffffffffff", text, &json) != 0);
		break;
	default:
		roundtrip(data, size);
		break;
	}
	free(json);
	free(text);
	return 0;
}
