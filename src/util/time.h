/*
 * time.h - every calendar computation of the project: the proleptic
 * Gregorian calendar in UTC (no time zones, no leap seconds), the
 * parsers of the date forms requests carry, the renderers of the forms
 * answers and logs carry, and the clocks.  Pure arithmetic on the
 * calendar: no libc time-zone state, so any thread may call it.
 *
 * Instants are milliseconds since 1970-01-01T00:00:00Z (int64_t).
 */
#ifndef WJ_TIME_H
#define WJ_TIME_H

#include <stdint.h>
#include <time.h>

#include "err.h"

#define WJ_TIME_YEAR_MIN	1
#define WJ_TIME_YEAR_MAX	9999
#define WJ_TIME_SDK_LEN		16	/* YYYYMMDDTHHMMSSZ */
/* The last instant of year 9999: 9999-12-31T23:59:59.999Z. */
#define WJ_TIME_MS_MAX		INT64_C(253402300799999)

/* A broken-down UTC time. */
struct wj_civil {
	int64_t	year;
	int	month;		/* 1..12 */
	int	day;		/* 1..31 */
	int	hour;		/* 0..23 */
	int	min;		/* 0..59 */
	int	sec;		/* 0..59 */
	int	ms;		/* 0..999 */
};

/* Whether y is a leap year of the Gregorian calendar. */
int	wj_is_leap_year(int64_t y);
/* Days of month m (1..12) in year y; 0 for a month out of range. */
int	wj_days_in_month(int64_t y, int m);
/* Days from 1970-01-01 to y-m-d (negative before); m, d not checked. */
int64_t	wj_days_from_civil(int64_t y, int m, int d);
/* The date of the day days after 1970-01-01 (before, when negative). */
void	wj_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/*
 * The instant of c, checked: year WJ_TIME_YEAR_MIN..WJ_TIME_YEAR_MAX, a
 * day the month has, hour 0..23, minute and second 0..59 (no leap
 * second), ms 0..999.  WJ_ERR_INVALID otherwise.
 */
int	wj_time_from_civil(const struct wj_civil *c, int64_t *ms) WJ_WUR;
/* The broken-down time of ms (any int64_t, floor towards the past). */
void	wj_time_to_civil(int64_t ms, struct wj_civil *c);

/*
 * The X-Sdk-Date form "YYYYMMDDTHHMMSSZ" (exactly 16 characters, years
 * 1970..9999) into *ms; *ms = 0 and WJ_ERR_INVALID otherwise.
 */
int	wj_time_parse_sdk(const char *s, int64_t *ms) WJ_WUR;
/* ms as "YYYYMMDDTHHMMSSZ" into out[17], clamped to 1970..9999. */
void	wj_time_fmt_sdk(int64_t ms, char out[WJ_TIME_SDK_LEN + 1]);
/*
 * The ISO 8601 form of policy conditions, "YYYY-MM-DDTHH:MM:SSZ", or
 * with one to three digits of fraction ("...SS.sssZ"), years 0001..9999,
 * into *ms.  WJ_ERR_INVALID otherwise.
 */
int	wj_time_parse_iso(const char *s, int64_t *ms) WJ_WUR;
/*
 * "YYYY-MM-DD HH:MM:SS" (UTC) of ms into out[20]: the time form of the
 * job API (docs/API.md#conventions).  A year outside 0..9999 shows as
 * 0000.
 */
void	wj_time_fmt(int64_t ms, char out[20]);
/* ISO 8601 "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" into out[28]. */
void	wj_time_iso(int64_t ms, char out[28]);

/* Wall clock in UTC milliseconds since the epoch. */
int64_t	wj_now_ms(void);
/* Monotonic clock in microseconds. */
int64_t	wj_mono_us(void);
/* The wall-clock time us microseconds from now: a deadline for
 * pthread_cond_timedwait on a default (CLOCK_REALTIME) condition. */
struct timespec wj_deadline_us(int64_t us);

#endif
