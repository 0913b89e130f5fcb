/*
 * token.c - sealed tokens and authorization messages; see token.h.
 *
 * Wire form: PREFIX base64url(key id | nonce | AES-256-GCM(JSON) | tag).
 * The prefix carries the format version; the additional data repeats it
 * with the purpose ("wksjobs:token:v1", "wksjobs:authz:v1:<domain_id>"),
 * so changing either fails authentication instead of being misread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "token.h"
#include "../util/buf.h"

#define TOKEN_AAD	"wksjobs:token:v1"
#define AUTHZ_AAD	"wksjobs:authz:v1:"
#define TOKEN_VERSION	1

/* ---- shared ------------------------------------------------------------- */

static int
text_ok(const char *s, size_t min, size_t max)
{
	size_t n;

	if (s == NULL)
		return min == 0;
	n = strnlen(s, max + 1);
	return n >= min && n <= max && wj_utf8_clean(s, n);
}

/* prefix + base64url(seal(aad, pt)) into *out. */
static int
seal_text(const struct wj_master_key *mk, const char *prefix, const char *aad,
    const struct buf *pt, char **out)
{
	uint8_t *sealed = NULL;
	char *b64 = NULL;
	size_t slen, plen = strlen(prefix);
	struct buf b;
	int r;

	*out = NULL;
	buf_init(&b);
	if (pt->failed || pt->len == 0)
		return WJ_ERR_NOMEM;
	if ((r = wj_seal(mk, aad, strlen(aad), pt->data, pt->len, &sealed,
	    &slen)) != 0 || (r = wj_b64url_encode(sealed, slen, &b64)) != 0)
		goto out;
	if ((r = buf_reserve(&b, plen + strlen(b64) + 1)) != 0)
		goto out;
	buf_puts(&b, prefix);
	buf_puts(&b, b64);
	*out = buf_take(&b, NULL);
	r = *out != NULL ? 0 : WJ_ERR_NOMEM;
 out:
	free(sealed);
	free(b64);
	buf_free(&b);
	return r;
}

/*
 * Undo seal_text: WJ_ERR_INVALID when text is not prefix + base64url of
 * something long enough, WJ_ERR_CRYPTO when it does not open.
 */
static int
open_text(const struct wj_master_key *mk, const char *prefix, const char *aad,
    const char *text, size_t max, uint8_t **pt, size_t *ptlen)
{
	size_t n, plen = strlen(prefix), dlen;
	uint8_t *d = NULL;
	int r;

	*pt = NULL;
	*ptlen = 0;
	if (text == NULL || (n = strnlen(text, max + 1)) > max || n <= plen ||
	    strncmp(text, prefix, plen) != 0)
		return WJ_ERR_INVALID;
	if (wj_b64url_decode(text + plen, n - plen, &d, &dlen) != 0)
		return WJ_ERR_INVALID;
	if (dlen <= WJ_SEAL_OVERHEAD) {
		free(d);
		return WJ_ERR_INVALID;
	}
	r = wj_open(mk, aad, strlen(aad), d, dlen, pt, ptlen);
	free(d);
	return r == 0 ? 0 : (r == WJ_ERR_NOMEM ? r : WJ_ERR_CRYPTO);
}

/* ---- tokens ----------------------------------------------------------- */

static int
token_valid(const struct token *t)
{
	int scoped = t->project_id[0] != '\0';

	return text_ok(t->user_id, 1, WJ_ID_LEN) &&
	    text_ok(t->user_name, 1, TOKEN_NAME_MAX) &&
	    text_ok(t->domain_id, 1, WJ_ID_LEN) &&
	    text_ok(t->domain_name, 1, TOKEN_NAME_MAX) &&
	    text_ok(t->project_id, 0, WJ_ID_LEN) &&
	    text_ok(t->project_name, scoped ? 1 : 0,
	    scoped ? TOKEN_NAME_MAX : 0) &&
	    t->issued_ms >= 0 && t->expires_ms > t->issued_ms;
}

int
token_seal(const struct wj_master_key *mk, const struct token *t, char **out)
{
	struct buf b;
	struct jw w;
	int r;

	*out = NULL;
	if (!token_valid(t))
		return WJ_ERR_INVALID;
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_int(&w, "v", TOKEN_VERSION);
	jw_kv_str(&w, "uid", t->user_id);
	jw_kv_str(&w, "un", t->user_name);
	jw_kv_str(&w, "did", t->domain_id);
	jw_kv_str(&w, "dn", t->domain_name);
	jw_kv_str(&w, "pid", t->project_id);
	jw_kv_str(&w, "pn", t->project_name);
	jw_kv_int(&w, "iat", t->issued_ms);
	jw_kv_int(&w, "exp", t->expires_ms);
	jw_obj_close(&w);
	r = seal_text(mk, TOKEN_PREFIX, TOKEN_AAD, &b, out);
	if (b.data != NULL)
		OPENSSL_cleanse(b.data, b.len);
	buf_free(&b);
	return r;
}

/* Copy member key of o, a string of min..max bytes of text, into dst. */
static int
get_str(json_t *o, const char *key, size_t min, size_t max, char *dst)
{
	json_t *v = json_object_get(o, key);
	size_t n;

	if (!json_is_string(v))
		return WJ_ERR_INVALID;
	n = json_string_length(v);
	if (n < min || n > max || strlen(json_string_value(v)) != n ||
	    !wj_utf8_clean(json_string_value(v), n))
		return WJ_ERR_INVALID;
	memcpy(dst, json_string_value(v), n + 1);
	return 0;
}

static int
get_int(json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return WJ_ERR_INVALID;
	*out = json_integer_value(v);
	return 0;
}

static int
token_decode(json_t *o, struct token *t)
{
	int64_t v;
	int r;

	if (!json_is_object(o) || json_object_size(o) != 9 ||
	    (r = get_int(o, "v", &v)) != 0 || v != TOKEN_VERSION)
		return WJ_ERR_INVALID;
	if ((r = get_str(o, "uid", 1, WJ_ID_LEN, t->user_id)) != 0 ||
	    (r = get_str(o, "un", 1, TOKEN_NAME_MAX, t->user_name)) != 0 ||
	    (r = get_str(o, "did", 1, WJ_ID_LEN, t->domain_id)) != 0 ||
	    (r = get_str(o, "dn", 1, TOKEN_NAME_MAX, t->domain_name)) != 0 ||
	    (r = get_str(o, "pid", 0, WJ_ID_LEN, t->project_id)) != 0 ||
	    (r = get_str(o, "pn", 0, TOKEN_NAME_MAX, t->project_name)) != 0 ||
	    (r = get_int(o, "iat", &t->issued_ms)) != 0 ||
	    (r = get_int(o, "exp", &t->expires_ms)) != 0)
		return r;
	return token_valid(t) ? 0 : WJ_ERR_INVALID;
}

int
token_open(const struct wj_master_key *mk, const char *text, int64_t now_ms,
    struct token *out)
{
	uint8_t *pt = NULL;
	json_t *doc = NULL;
	struct token t;
	size_t n;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	if ((r = open_text(mk, TOKEN_PREFIX, TOKEN_AAD, text, TOKEN_TEXT_MAX,
	    &pt, &n)) != 0)
		return r == WJ_ERR_NOMEM ? r : WJ_ERR_INVALID;
	doc = json_loadb((const char *)pt, n, JSON_REJECT_DUPLICATES, NULL);
	wj_freezero(pt, n + 1);
	if (doc == NULL)
		return WJ_ERR_INVALID;
	r = token_decode(doc, &t);
	json_decref(doc);
	if (r != 0)
		return r;
	*out = t;
	return now_ms >= t.expires_ms ? WJ_ERR_TOKEN_EXPIRED : 0;
}

/* ---- authorization messages ------------------------------------------- */

static int
msg_valid(const struct authz_msg *m)
{
	return text_ok(m->action, 1, 256) &&
	    text_ok(m->user_id, 1, WJ_ID_LEN) &&
	    text_ok(m->user_name, 1, TOKEN_NAME_MAX) &&
	    text_ok(m->domain_id, 1, WJ_ID_LEN) &&
	    text_ok(m->domain_name, 1, TOKEN_NAME_MAX) &&
	    text_ok(m->project_id, 0, 255) &&
	    text_ok(m->request_id, 0, 64) && text_ok(m->source_ip, 0, 64) &&
	    text_ok(m->sid, 0, 128) && text_ok(m->policy, 0, TOKEN_NAME_MAX);
}

static void
msg_json(const struct authz_msg *m, struct jw *w)
{
	char iso[28];

	wj_time_iso(m->time_ms, iso);
	jw_obj_open(w);
	jw_kv_str(w, "action", m->action);
	jw_kv_str(w, "resource", "*");
	jw_kv_str(w, "user", m->user_name);
	jw_kv_str(w, "user_id", m->user_id);
	jw_kv_str(w, "domain", m->domain_name);
	jw_kv_str(w, "domain_id", m->domain_id);
	if (m->project_id != NULL && m->project_id[0] != '\0')
		jw_kv_str(w, "project", m->project_id);
	jw_kv_str(w, "request_id", m->request_id);
	if (m->source_ip != NULL && m->source_ip[0] != '\0')
		jw_kv_str(w, "source_ip", m->source_ip);
	jw_kv_str(w, "time", iso);
	jw_kv_str(w, "failure", m->explicit_deny ? AUTHZ_FAILURE_EXPLICIT :
	    AUTHZ_FAILURE_IMPLICIT);
	if (m->explicit_deny) {
		jw_kv_str(w, "sid", m->sid != NULL ? m->sid : "");
		jw_kv_str(w, "policy", m->policy);
	}
	jw_obj_close(w);
}

/* The additional data of a message: purpose, version and account. */
static int
msg_aad(const char *domain_id, char *aad, size_t cap)
{
	int n = snprintf(aad, cap, AUTHZ_AAD "%s", domain_id);

	return n < 0 || (size_t)n >= cap ? WJ_ERR_INVALID : 0;
}

int
authz_msg_seal(const struct wj_master_key *mk, const struct authz_msg *m,
    char **out)
{
	char aad[sizeof(AUTHZ_AAD) + WJ_ID_LEN];
	struct buf b;
	struct jw w;
	int r;

	*out = NULL;
	if (!msg_valid(m) || msg_aad(m->domain_id, aad, sizeof(aad)) != 0)
		return WJ_ERR_INVALID;
	buf_init(&b);
	jw_init(&w, &b);
	msg_json(m, &w);
	r = seal_text(mk, AUTHZ_MSG_PREFIX, aad, &b, out);
	buf_free(&b);
	if (r == 0 && strlen(*out) > AUTHZ_MSG_TEXT_MAX) {
		free(*out);
		*out = NULL;
		r = WJ_ERR_INVALID;
	}
	return r;
}

int
authz_msg_open(const struct wj_master_key *mk, const char *domain_id,
    const char *text, char **json)
{
	char aad[sizeof(AUTHZ_AAD) + WJ_ID_LEN];
	uint8_t *pt = NULL;
	json_t *doc;
	size_t n;
	int r;

	*json = NULL;
	if (domain_id == NULL || msg_aad(domain_id, aad, sizeof(aad)) != 0)
		return WJ_ERR_INVALID;
	if ((r = open_text(mk, AUTHZ_MSG_PREFIX, aad, text,
	    AUTHZ_MSG_TEXT_MAX, &pt, &n)) != 0)
		return r == WJ_ERR_CRYPTO ? WJ_ERR_DENIED : r;
	/* Only this program seals them, but check before handing it out:
	 * one JSON object, and no NUL byte that would cut the string the
	 * caller gets (jansson's json_loadb reads past one). */
	if (memchr(pt, '\0', n) != NULL) {
		free(pt);
		return WJ_ERR_DENIED;
	}
	doc = json_loadb((const char *)pt, n, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(doc)) {
		json_decref(doc);
		free(pt);
		return WJ_ERR_DENIED;
	}
	json_decref(doc);
	*json = (char *)pt;
	return 0;
}
