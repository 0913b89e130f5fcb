/*
 * time.c - the calendar, date parsing and rendering, clocks; see time.h.
 *
 * Day counts use the era arithmetic of H. Hinnant's days_from_civil and
 * civil_from_days: a 400-year era has 146097 days, and a year counted
 * from March puts the leap day last, so no table of month lengths is
 * needed to convert.  gmtime_r and timegm are not used: glibc takes its
 * time-zone lock on each call, and list pages render two times a row.
 */
#include <string.h>
#include <time.h>

#include "time.h"

#define MS_PER_DAY	INT64_C(86400000)

int
wj_is_leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
wj_days_in_month(int64_t y, int m)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m < 1 || m > 12)
		return 0;
	return mdays[m - 1] + (m == 2 && wj_is_leap_year(y));
}

/* a / b rounded towards minus infinity (b > 0), for any a. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return a % b < 0 ? q - 1 : q;
}

int64_t
wj_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;				/* 0..399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* 0..146096 */
	return era * 146097 + doe - 719468;
}

void
wj_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z, era, doe, yoe, doy, mp;

	z = days + 719468;			/* days since 0000-03-01 */
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;		/* 0 = March */
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int
wj_time_from_civil(const struct wj_civil *c, int64_t *ms)
{
	int64_t days;

	if (c->year < WJ_TIME_YEAR_MIN || c->year > WJ_TIME_YEAR_MAX ||
	    c->day < 1 || c->day > wj_days_in_month(c->year, c->month) ||
	    c->hour < 0 || c->hour > 23 || c->min < 0 || c->min > 59 ||
	    c->sec < 0 || c->sec > 59 || c->ms < 0 || c->ms > 999)
		return WJ_ERR_INVALID;
	days = wj_days_from_civil(c->year, c->month, c->day);
	*ms = days * MS_PER_DAY +
	    ((int64_t)c->hour * 3600 + c->min * 60 + c->sec) * 1000 + c->ms;
	return 0;
}

void
wj_time_to_civil(int64_t ms, struct wj_civil *c)
{
	int64_t days = ms / MS_PER_DAY, in_day = ms % MS_PER_DAY;

	/* Floored, without days * MS_PER_DAY (it overflows near INT64_MIN). */
	if (in_day < 0) {
		in_day += MS_PER_DAY;			/* 0..86399999 */
		days--;
	}
	wj_civil_from_days(days, &c->year, &c->month, &c->day);
	c->ms = (int)(in_day % 1000);
	in_day /= 1000;
	c->sec = (int)(in_day % 60);
	c->min = (int)(in_day / 60 % 60);
	c->hour = (int)(in_day / 3600);
}

/* ---- parsing ----------------------------------------------------------- */

/* The number of exactly n decimal digits at s into *v; -1 if not. */
static int
digits(const char *s, size_t n, int *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
wj_time_parse_sdk(const char *s, int64_t *ms)
{
	struct wj_civil c;
	int y;

	*ms = 0;
	memset(&c, 0, sizeof(c));
	if (s == NULL || strnlen(s, WJ_TIME_SDK_LEN + 1) != WJ_TIME_SDK_LEN ||
	    s[8] != 'T' || s[15] != 'Z' ||
	    digits(s, 4, &y) != 0 || digits(s + 4, 2, &c.month) != 0 ||
	    digits(s + 6, 2, &c.day) != 0 || digits(s + 9, 2, &c.hour) != 0 ||
	    digits(s + 11, 2, &c.min) != 0 || digits(s + 13, 2, &c.sec) != 0)
		return WJ_ERR_INVALID;
	/* Python's strptime/datetime, which the SDK uses, refuse second 60
	 * as well; the signature scheme has no date before the epoch. */
	c.year = y;
	if (y < 1970 || wj_time_from_civil(&c, ms) != 0) {
		*ms = 0;
		return WJ_ERR_INVALID;
	}
	return 0;
}

int
wj_time_parse_iso(const char *s, int64_t *ms)
{
	struct wj_civil c;
	size_t n, fn, i;
	int y;

	memset(&c, 0, sizeof(c));
	if (s == NULL)
		return WJ_ERR_INVALID;
	n = strlen(s);
	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[n - 1] != 'Z')
		return WJ_ERR_INVALID;
	if (digits(s, 4, &y) != 0 || digits(s + 5, 2, &c.month) != 0 ||
	    digits(s + 8, 2, &c.day) != 0 || digits(s + 11, 2, &c.hour) != 0 ||
	    digits(s + 14, 2, &c.min) != 0 || digits(s + 17, 2, &c.sec) != 0)
		return WJ_ERR_INVALID;
	if (n > 20) {
		fn = n - 21;	/* digits between '.' and 'Z' */
		if (s[19] != '.' || fn < 1 || fn > 3 ||
		    digits(s + 20, fn, &c.ms) != 0)
			return WJ_ERR_INVALID;
		for (i = fn; i < 3; i++)
			c.ms *= 10;
	}
	c.year = y;
	return wj_time_from_civil(&c, ms);
}

/* ---- rendering --------------------------------------------------------- */

/* v as exactly w decimal digits (the low ones) at p; past them. */
static char *
put_digits(char *p, int64_t v, int w)
{
	int k;

	for (k = w - 1; k >= 0; k--) {
		p[k] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + w;
}

/*
 * Date and time of ms with the separators given: after the year, after
 * the month, between date and time, between time fields.  An empty
 * separator ('\0') is left out.  Returns the end of what was written.
 */
static char *
put_civil(char *p, int64_t ms, char date_sep, char mid, char time_sep)
{
	struct wj_civil c;

	wj_time_to_civil(ms, &c);
	if (c.year < 0 || c.year > WJ_TIME_YEAR_MAX)
		c.year = 0;
	p = put_digits(p, c.year, 4);
	if (date_sep != '\0')
		*p++ = date_sep;
	p = put_digits(p, c.month, 2);
	if (date_sep != '\0')
		*p++ = date_sep;
	p = put_digits(p, c.day, 2);
	*p++ = mid;
	p = put_digits(p, c.hour, 2);
	if (time_sep != '\0')
		*p++ = time_sep;
	p = put_digits(p, c.min, 2);
	if (time_sep != '\0')
		*p++ = time_sep;
	return put_digits(p, c.sec, 2);
}

void
wj_time_fmt(int64_t ms, char out[20])
{
	*put_civil(out, ms, '-', ' ', ':') = '\0';
}

void
wj_time_iso(int64_t ms, char out[28])
{
	char *p = put_civil(out, ms, '-', 'T', ':');

	/* milliseconds as microseconds: ".mmm000Z" */
	*p++ = '.';
	p = put_digits(p, ((ms % 1000) + 1000) % 1000, 3);
	memcpy(p, "000Z", 5);
}

void
wj_time_fmt_sdk(int64_t ms, char out[WJ_TIME_SDK_LEN + 1])
{
	char *p;

	/* Clamp to what the form can express (years 1970..9999). */
	if (ms < 0)
		ms = 0;
	if (ms > WJ_TIME_MS_MAX)
		ms = WJ_TIME_MS_MAX;
	p = put_civil(out, ms, '\0', 'T', '\0');
	*p++ = 'Z';
	*p = '\0';
}

/* ---- clocks ------------------------------------------------------------ */

int64_t
wj_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
wj_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct timespec
wj_deadline_us(int64_t us)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(us / 1000000);
	ts.tv_nsec += (long)(us % 1000000) * 1000;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}
