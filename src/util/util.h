/*
 * util.h - small shared helpers: time-ordered IDs, clock and time
 * rendering, bounded number parsing, string checks, the access/error log.
 */
#ifndef WJ_UTIL_H
#define WJ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

#define WJ_ID_LEN 32		/* DESIGN §3: 32 lowercase hex, UUIDv7 */

/* A fresh UUIDv7 without dashes into out (WJ_ID_LEN + 1 bytes). */
int	wj_id_new(char out[WJ_ID_LEN + 1]) WJ_WUR;
/* Wall clock in UTC milliseconds since the epoch. */
int64_t	wj_now_ms(void);
/* Monotonic clock in microseconds. */
int64_t	wj_mono_us(void);
/* The wall-clock time us microseconds from now: a deadline for
 * pthread_cond_timedwait on a default (CLOCK_REALTIME) condition. */
struct timespec wj_deadline_us(int64_t us);
/* "YYYY-MM-DD HH:MM:SS" (UTC) of ms into out[20]. spec/jobs-api.md §1.6 */
void	wj_time_fmt(int64_t ms, char out[20]);
/* ISO 8601 "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" into out[28]. */
void	wj_time_iso(int64_t ms, char out[28]);
/*
 * Parse a whole decimal integer in [min, max]; no sign unless min < 0,
 * no spaces, no leading '+'.  WJ_ERR_INVALID otherwise.
 */
int	wj_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
	    WJ_WUR;
/* The length (1-4) of the valid UTF-8 character at s[0..n) and, if cp is
 * not NULL, its code point; 0 if there is none (overlong, surrogate, out
 * of range, truncated, a stray continuation byte). */
size_t	wj_utf8_char(const char *s, size_t n, uint32_t *cp);
/* Nonzero when s[0..n) is valid UTF-8 without NUL or C0/DEL controls. */
int	wj_utf8_clean(const char *s, size_t n);
/* Count of UTF-8 code points in s[0..n) (bytes that are not 10xxxxxx). */
size_t	wj_utf8_len(const char *s, size_t n);

/* Logging to stderr: one line each, time-stamped. */
enum { WJ_LOG_ERROR, WJ_LOG_WARN, WJ_LOG_INFO, WJ_LOG_DEBUG };
extern int wj_log_level;
void	wj_log(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
#define log_error(...) wj_log(WJ_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) wj_log(WJ_LOG_WARN, __VA_ARGS__)
#define log_info(...) wj_log(WJ_LOG_INFO, __VA_ARGS__)
#define log_debug(...) wj_log(WJ_LOG_DEBUG, __VA_ARGS__)

#endif
