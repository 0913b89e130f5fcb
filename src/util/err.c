/*
 * err.c - text for the WJ_ERR_* codes and the error-detail helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "util.h"

const char *
wj_strerror(int r)
{
	switch (r) {
	case WJ_OK: return "success";
	case WJ_ERR_NOMEM: return "out of memory";
	case WJ_ERR_INVALID: return "invalid parameter";
	case WJ_ERR_EMPTY_BODY: return "empty request body";
	case WJ_ERR_NOT_FOUND: return "not found";
	case WJ_ERR_CONFLICT: return "conflict";
	case WJ_ERR_UNAVAILABLE: return "service unavailable";
	case WJ_ERR_INTERNAL: return "internal error";
	case WJ_ERR_MEDIA_TYPE: return "unsupported media type";
	case WJ_ERR_NO_ROUTE: return "no such API";
	case WJ_ERR_METHOD: return "method not allowed";
	case WJ_ERR_TOO_LARGE: return "request entity too large";
	case WJ_ERR_AUTH: return "authentication failed";
	case WJ_ERR_TOKEN_EXPIRED: return "token must be updated";
	case WJ_ERR_PROJECT: return "project access denied";
	case WJ_ERR_DENIED: return "permission denied";
	case WJ_ERR_THROTTLED: return "throttled";
	case WJ_ERR_EXISTS: return "already exists";
	case WJ_ERR_IO: return "I/O error";
	case WJ_ERR_URI_TOO_LARGE: return "request URI too large";
	case WJ_ERR_CRYPTO: return "cryptographic failure";
	case WJ_ERR_BAD_REQUEST: return "malformed request";
	case WJ_ERR_HEADERS_TOO_LARGE: return "request headers too large";
	}
	return "unknown error";
}

static void
vappend(struct wj_errinfo *ei, size_t at, const char *fmt, va_list ap)
{
	size_t n, i, need;
	unsigned char c;
	int w;

	if (at >= sizeof(ei->detail))
		return;
	/* Truncation is acceptable here: detail is advisory text ... */
	w = vsnprintf(ei->detail + at, sizeof(ei->detail) - at, fmt, ap);
	if (w < 0 || (size_t)w < sizeof(ei->detail) - at)
		return;
	/* ... but not in the middle of a UTF-8 sequence, which would make
	 * the error body invalid JSON text (found by 35-hostile). */
	n = strlen(ei->detail);
	for (i = n; i > 0 && n - i < 4; i--) {
		c = (unsigned char)ei->detail[i - 1];
		if ((c & 0xc0) == 0x80)
			continue;	/* a continuation byte: keep looking */
		need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (n - (i - 1) < need)
			ei->detail[i - 1] = '\0';
		break;
	}
}

/*
 * Replace each byte of s that does not start a valid UTF-8 character by
 * '?': a detail may quote its input (a parser's message does, cut in the
 * middle of a character: found by fuzz/api_body), and an error body must
 * stay JSON text.
 */
static void
scrub(char *s)
{
	size_t n = strlen(s), i = 0, len;

	while (i < n) {
		if ((len = wj_utf8_char(s + i, n - i, NULL)) == 0) {
			s[i++] = '?';
			continue;
		}
		i += len;
	}
}

void
wj_errinfo_set(struct wj_errinfo *ei, const char *fmt, ...)
{
	va_list ap;

	if (ei == NULL)
		return;
	va_start(ap, fmt);
	vappend(ei, 0, fmt, ap);
	va_end(ap);
	scrub(ei->detail);
}

void
wj_errinfo_append(struct wj_errinfo *ei, const char *fmt, ...)
{
	va_list ap;
	size_t at;

	if (ei == NULL)
		return;
	at = strlen(ei->detail);
	va_start(ap, fmt);
	vappend(ei, at, fmt, ap);
	va_end(ap);
	scrub(ei->detail + at);
}
