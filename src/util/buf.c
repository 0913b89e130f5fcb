/*
 * buf.c - growable buffer and JSON writer; see buf.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

int
buf_reserve(struct buf *b, size_t n)
{
	size_t need, ncap;
	char *p;

	if (b->failed)
		return WJ_ERR_NOMEM;
	/* +1 keeps room for the terminating NUL; checked without overflow. */
	if (n > BUF_MAX || b->len > BUF_MAX - n - 1) {
		b->failed = 1;
		return WJ_ERR_NOMEM;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > BUF_MAX / 2 ? BUF_MAX + 1 : ncap * 2;
	if ((p = realloc(b->data, ncap)) == NULL) {
		b->failed = 1;
		return WJ_ERR_NOMEM;
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	int r;

	/* Room for n and the NUL (cap is 0 while data is NULL). */
	if (n < b->cap - b->len && !b->failed) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	if ((r = buf_reserve(b, n)) != 0)
		return r;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_putc(struct buf *b, char c)
{
	if (1 < b->cap - b->len && !b->failed) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_append(b, &c, 1);
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return WJ_ERR_INTERNAL;
	}
	if ((r = buf_reserve(b, (size_t)n)) != 0)
		return r;
	va_start(ap, fmt);
	(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *
buf_take(struct buf *b, size_t *lenp)
{
	char *p = b->data;

	if (lenp != NULL)
		*lenp = b->len;
	if (p == NULL)
		p = calloc(1, 1);
	buf_init(b);
	return p;
}

/* Bytes that a JSON string literal must escape: controls, '"', '\\'. */
static const uint8_t json_esc[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	['\\'] = 1,
};

/*
 * Whether any of the 8 bytes at p is below 0x20, '"' or '\\' (SWAR: a
 * byte x is below k when (x - k) borrows into its top bit while x's own
 * top bit is clear; equality is "xor is below 1").
 */
static int
word_needs_escape(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones << 7;
	uint64_t x, q, bs;

	memcpy(&x, p, 8);
	q = x ^ (ones * '"');
	bs = x ^ (ones * '\\');
	return (((x - ones * 0x20) | (q - ones) | (bs - ones)) & ~x & high) !=
	    0;
}

int
buf_json_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i, start;
	unsigned char c;
	char esc[7];
	int r;

	/* Room for the common case, no escapes: one reservation. */
	if ((r = buf_reserve(b, n + 2)) != 0)
		return r;
	b->data[b->len++] = '"';
	for (i = start = 0; i < n; i++) {
		/* Eight bytes at a time while none needs an escape. */
		while (n - i >= 8 && !word_needs_escape(u + i))
			i += 8;
		if (i >= n)
			break;
		if (!json_esc[u[i]])
			continue;
		c = u[i];
		if (i > start && (r = buf_append(b, s + start, i - start)) != 0)
			return r;
		start = i + 1;
		switch (c) {
		case '"': r = buf_append(b, "\\\"", 2); break;
		case '\\': r = buf_append(b, "\\\\", 2); break;
		case '\n': r = buf_append(b, "\\n", 2); break;
		case '\r': r = buf_append(b, "\\r", 2); break;
		case '\t': r = buf_append(b, "\\t", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			r = buf_append(b, esc, 6);
		}
		if (r != 0)
			return r;
	}
	if (i > start && (r = buf_append(b, s + start, i - start)) != 0)
		return r;
	return buf_putc(b, '"');
}

/* Whether s[0..n) goes into a JSON string literal as it is. */
static int
json_plain(const unsigned char *u, size_t n)
{
	size_t i = 0;

	for (; n - i >= 8; i += 8)
		if (word_needs_escape(u + i))
			return 0;
	for (; i < n; i++)
		if (json_esc[u[i]])
			return 0;
	return 1;
}

int
buf_json_member(struct buf *b, const char *lit, size_t litlen, const char *s,
    size_t n)
{
	char *p;
	int r;

	/* lit, the quotes and the NUL, when s needs no escape. */
	if (b->failed)
		return WJ_ERR_NOMEM;
	if (n > BUF_MAX || litlen > BUF_MAX - n - 3) {
		b->failed = 1;
		return WJ_ERR_NOMEM;
	}
	if (b->cap - b->len <= litlen + n + 2 &&
	    (r = buf_reserve(b, litlen + n + 2)) != 0)
		return r;
	p = b->data + b->len;
	memcpy(p, lit, litlen);
	p += litlen;
	if (!json_plain((const unsigned char *)s, n)) {
		b->len += litlen;
		return buf_json_string(b, s, n);
	}
	*p++ = '"';
	memcpy(p, s, n);
	p[n] = '"';
	p[n + 1] = '\0';
	b->len += litlen + n + 2;
	return 0;
}

void
jw_init(struct jw *w, struct buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
}

static void
sep(struct jw *w)
{
	if (w->need_comma[w->depth])
		buf_putc(w->b, ',');
	w->need_comma[w->depth] = 1;
}

/* A value after a key writes no separator; elsewhere it does. */
static void
vsep(struct jw *w)
{
	if (w->need_comma[w->depth] == 2) {
		w->need_comma[w->depth] = 1;
		return;
	}
	sep(w);
}

static void
open_(struct jw *w, char c)
{
	vsep(w);
	buf_putc(w->b, c);
	if (w->depth + 1 >= JW_MAX_DEPTH) {
		w->b->failed = 1;
		return;
	}
	w->need_comma[++w->depth] = 0;
}

static void
close_(struct jw *w, char c)
{
	buf_putc(w->b, c);
	if (w->depth > 0)
		w->depth--;
}

void jw_obj_open(struct jw *w) { open_(w, '{'); }
void jw_obj_close(struct jw *w) { close_(w, '}'); }
void jw_arr_open(struct jw *w) { open_(w, '['); }
void jw_arr_close(struct jw *w) { close_(w, ']'); }

void
jw_key(struct jw *w, const char *k)
{
	size_t i, n = strlen(k);
	char *p;

	sep(w);
	/* Keys are program text: without escapes, one reservation. */
	for (i = 0; i < n; i++)
		if (json_esc[(unsigned char)k[i]])
			break;
	if (i < n || buf_reserve(w->b, n + 3) != 0) {
		buf_json_string(w->b, k, n);
		buf_putc(w->b, ':');
	} else {
		p = w->b->data + w->b->len;
		p[0] = '"';
		memcpy(p + 1, k, n);
		p[n + 1] = '"';
		p[n + 2] = ':';
		p[n + 3] = '\0';
		w->b->len += n + 3;
	}
	/* The value that follows must not add a comma. */
	w->need_comma[w->depth] = 2;
}

void
jw_str(struct jw *w, const char *s)
{
	vsep(w);
	buf_json_string(w->b, s, strlen(s));
}

void
jw_strn(struct jw *w, const char *s, size_t n)
{
	vsep(w);
	buf_json_string(w->b, s, n);
}

void
jw_int(struct jw *w, int64_t v)
{
	char d[24], *p = d + sizeof(d);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	vsep(w);
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	buf_append(w->b, p, (size_t)(d + sizeof(d) - p));
}

void
jw_bool(struct jw *w, int v)
{
	vsep(w);
	buf_puts(w->b, v ? "true" : "false");
}

void
jw_raw(struct jw *w, const char *s)
{
	vsep(w);
	buf_puts(w->b, s);
}

void
jw_kv_str(struct jw *w, const char *k, const char *v)
{
	if (v == NULL)
		return;
	jw_key(w, k);
	jw_str(w, v);
}

void
jw_kv_int(struct jw *w, const char *k, int64_t v)
{
	jw_key(w, k);
	jw_int(w, v);
}
