/*
 * util.h - small shared helpers: time-ordered IDs, bounded number
 * parsing, UTF-8 checks, percent-decoding, the access/error log.
 * Includes time.h, where the clocks and the time renderers live.
 */
#ifndef WJ_UTIL_H
#define WJ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "time.h"

#define WJ_ID_LEN 32		/* 32 lower-case hex digits: a UUIDv7 */

/* A fresh UUIDv7 without dashes into out (WJ_ID_LEN + 1 bytes). */
int	wj_id_new(char out[WJ_ID_LEN + 1]) WJ_WUR;
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

/*
 * Benchmark switches: wj_bench_off("WJ_BENCH_NOMEMO") is nonzero when that
 * environment variable is set, in a build configured with
 * -DWKSJOBS_BENCH_SWITCHES=ON only (bench/paired.sh measures a piece on
 * and off in one binary); in every other build it is the constant 0.
 */
#ifdef WJ_BENCH_SWITCHES
#define wj_bench_off(var) (getenv(var) != NULL)
#else
#define wj_bench_off(var) 0
#endif

/*
 * Percent-decode s[0..n) into out (cap bytes with the NUL), with
 * plus_space '+' as ' '; a '%' without two hex digits stays literal.
 * Returns the decoded length or -1 if it does not fit.
 */
long	wj_pct_decode(const char *s, size_t n, int plus_space, char *out,
	    size_t cap);

/* The version ("0.9.0") and the git commit built ("unknown" if none). */
const char *wj_version(void);
const char *wj_commit(void);

/*
 * Logging to stderr: one line each, time-stamped; with wj_log_format
 * WJ_LOG_JSON a JSON object per line ({"time", "level", "message"}).
 */
enum { WJ_LOG_ERROR, WJ_LOG_WARN, WJ_LOG_INFO, WJ_LOG_DEBUG };
enum { WJ_LOG_TEXT, WJ_LOG_JSON };
extern int wj_log_level;
extern int wj_log_format;
/* Change them while other threads log. */
void	wj_log_set(int level, int format);
/* 1 when log lines are JSON now. */
int	wj_log_json(void);
void	wj_log(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
#define log_error(...) wj_log(WJ_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) wj_log(WJ_LOG_WARN, __VA_ARGS__)
#define log_info(...) wj_log(WJ_LOG_INFO, __VA_ARGS__)
#define log_debug(...) wj_log(WJ_LOG_DEBUG, __VA_ARGS__)

#endif
