/*
 * util.c - IDs, number parsing, UTF-8 checks, logging.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "util.h"

int wj_log_level = WJ_LOG_INFO;
int wj_log_format = WJ_LOG_TEXT;

static const char *log_names[] = { "error", "warn", "info", "debug" };

int
wj_id_new(char out[WJ_ID_LEN + 1])
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static int64_t last_ms;
	static uint16_t seq;
	uint8_t b[16];
	int64_t ms;
	int r;

	if ((r = wj_random(b, sizeof(b))) != 0)
		return r;
	/*
	 * RFC 9562 method 1: 12 bits of the rand_a field act as a counter
	 * within one millisecond, so IDs made in one process sort in
	 * creation order (inserts append to the B-tree).
	 */
	pthread_mutex_lock(&mu);
	ms = wj_now_ms();
	if (ms <= last_ms) {
		ms = last_ms;
		if (++seq > 0x0fff) {
			seq = 0;
			ms = ++last_ms;
		}
	} else {
		last_ms = ms;
		seq = b[6] & 0x03;	/* random start, headroom to grow */
	}
	pthread_mutex_unlock(&mu);
	b[0] = (uint8_t)(ms >> 40);
	b[1] = (uint8_t)(ms >> 32);
	b[2] = (uint8_t)(ms >> 24);
	b[3] = (uint8_t)(ms >> 16);
	b[4] = (uint8_t)(ms >> 8);
	b[5] = (uint8_t)ms;
	b[6] = (uint8_t)(0x70 | ((seq >> 8) & 0x0f));
	b[7] = (uint8_t)seq;
	b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));
	wj_hex(b, sizeof(b), out);
	return 0;
}

int
wj_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char *p = s;
	int neg = 0;
	int64_t v = 0;
	int d;

	if (*p == '-' && min < 0) {
		neg = 1;
		p++;
	}
	if (*p == '\0')
		return WJ_ERR_INVALID;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return WJ_ERR_INVALID;
		d = *p - '0';
		if (v > (INT64_MAX - d) / 10)
			return WJ_ERR_INVALID;
		v = v * 10 + d;
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return WJ_ERR_INVALID;
	*out = v;
	return 0;
}

size_t
wj_utf8_char(const char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	const unsigned char *p = (const unsigned char *)s;
	size_t k, len;
	uint32_t c;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		len = 1;
		c = p[0];
		goto out;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		c = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[k] & 0x3f);
	}
	/* overlong, surrogate, out of range */
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
 out:
	if (cp != NULL)
		*cp = c;
	return len;
}

int
wj_utf8_clean(const char *s, size_t n)
{
	size_t i = 0, len;

	while (i < n) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    (len = wj_utf8_char(s + i, n - i, NULL)) == 0)
			return 0;
		i += len;
	}
	return 1;
}

size_t
wj_utf8_len(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

void
wj_log_set(int level, int format)
{
	__atomic_store_n(&wj_log_level, level, __ATOMIC_RELAXED);
	__atomic_store_n(&wj_log_format, format, __ATOMIC_RELAXED);
}

int
wj_log_json(void)
{
	return __atomic_load_n(&wj_log_format, __ATOMIC_RELAXED) ==
	    WJ_LOG_JSON;
}

void
wj_log(int level, const char *fmt, ...)
{
	char ts[28], line[2048];
	struct buf b;
	struct jw w;
	va_list ap;
	int n;

	if (level > __atomic_load_n(&wj_log_level, __ATOMIC_RELAXED))
		return;
	wj_time_iso(wj_now_ms(), ts);
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* One write per line so concurrent threads do not interleave. */
	if (!wj_log_json()) {
		fprintf(stderr, "%s %s %s\n", ts, log_names[level], line);
		return;
	}
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kv_str(&w, "time", ts);
	jw_kv_str(&w, "level", log_names[level]);
	jw_kv_str(&w, "message", line);
	jw_obj_close(&w);
	if (!b.failed)
		fprintf(stderr, "%s\n", b.data);
	buf_free(&b);
}

long
wj_pct_decode(const char *s, size_t n, int plus_space, char *out,
    size_t cap)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (o + 1 >= cap)
			return -1;
		if (s[i] == '%' && n - i >= 3 &&
		    (hi = wj_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = wj_hexval((unsigned char)s[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && plus_space)
			out[o++] = ' ';
		else
			out[o++] = s[i];
	}
	if (cap == 0)
		return -1;
	out[o] = '\0';
	return (long)o;
}
