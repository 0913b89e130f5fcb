/*
 * text.c - what the client prints of text that came from elsewhere: the
 * sanitiser for terminals and logs, and the one-line error report of a
 * failed call (error_code, error_msg, error_detail, request id).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "../util/util.h"

/* Code points a terminal might act on: C0, DEL, C1, bidi controls. */
static int
unsafe(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0) ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x2028 || c == 0x2029;
}

char *
client_sanitize(const char *s, char *out, size_t cap, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, o = 0, k, chars = 0;
	uint32_t c;

	if (cap == 0)
		return out;
	n = s != NULL ? strlen(s) : 0;
	while (n > 0 && chars < max_chars) {
		k = wj_utf8_char((const char *)p, n, &c);
		if (k == 0 || unsafe(c)) {
			if (o + 1 >= cap)
				break;
			/* in place is fine: the output never outruns p */
			out[o++] = '?';
			k = k == 0 ? 1 : k;
		} else {
			if (o + k >= cap)
				break;
			memmove(out + o, p, k);
			o += k;
		}
		p += k;
		n -= k;
		chars++;
	}
	out[o] = '\0';
	return out;
}

/* A string member of o, or NULL. */
static const char *
member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void
print_kv(FILE *f, const char *key, const char *value, size_t max)
{
	char clean[1024];
	size_t i;

	if (value == NULL)
		return;
	(void)client_sanitize(value, clean, sizeof(clean), max);
	fprintf(f, " %s=\"", key);
	for (i = 0; clean[i] != '\0'; i++) {
		if (clean[i] == '"' || clean[i] == '\\')
			fputc('\\', f);
		fputc(clean[i], f);
	}
	fputc('"', f);
}

void
client_resp_print_error(FILE *f, const char *what, const struct client *c,
    const struct client_resp *r)
{
	const char *code = NULL, *msg = NULL, *detail = NULL, *rid;
	char clean[CLIENT_REQUEST_ID_MAX + 1];
	json_t *j = r->json, *nested;

	if (r->status == 0) {
		fprintf(f, "wksjobs: %s failed: no response from %s: %s\n", what,
		    c != NULL ? client_endpoint(c) : "the endpoint",
		    r->error[0] != '\0' ? r->error : "no response");
		return;
	}
	if (json_is_object(j)) {
		/* docs/API.md#errors: flat members, or nested under "error". */
		nested = json_object_get(j, "error");
		if (json_is_object(nested)) {
			code = member(nested, "code");
			msg = member(nested, "message");
		}
		if (code == NULL)
			code = member(j, "error_code");
		if (msg == NULL)
			msg = member(j, "error_msg");
		detail = member(j, "error_detail");
	}
	rid = r->request_id[0] != '\0' ? r->request_id :
	    json_is_object(j) ? member(j, "request_id") : NULL;
	fprintf(f, "wksjobs: %s failed: HTTP %ld", what, r->status);
	print_kv(f, "error_code", code != NULL ? code : "-", 64);
	if (msg == NULL && j == NULL && r->body.len > 0)
		msg = r->body.data;	/* not JSON: show its start */
	print_kv(f, "error_msg", msg != NULL ? msg : "-", 300);
	print_kv(f, "error_detail", detail, 1000);
	fprintf(f, " request_id=%s\n", rid != NULL ?
	    client_sanitize(rid, clean, sizeof(clean), 64) : "-");
}
