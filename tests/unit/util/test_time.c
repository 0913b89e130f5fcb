/*
 * test_time.c - the calendar module: day counts both ways, checked
 * broken-down times, the X-Sdk-Date and policy date parsers, and the
 * renderers, against known instants and against the C library.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/time.h"

#define DAY_MS	INT64_C(86400000)

static void
test_epoch(void **state)
{
	struct wj_civil c;
	int64_t y;
	int m, d;

	(void)state;
	assert_int_equal(wj_days_from_civil(1970, 1, 1), 0);
	wj_civil_from_days(0, &y, &m, &d);
	assert_true(y == 1970 && m == 1 && d == 1);
	wj_civil_from_days(-1, &y, &m, &d);
	assert_true(y == 1969 && m == 12 && d == 31);
	wj_time_to_civil(-1, &c);
	assert_true(c.year == 1969 && c.month == 12 && c.day == 31 &&
	    c.hour == 23 && c.min == 59 && c.sec == 59 && c.ms == 999);
	assert_int_equal(wj_days_from_civil(1, 1, 1), -719162);
}

static void
test_leap_years(void **state)
{
	(void)state;
	assert_true(wj_is_leap_year(2000));
	assert_true(wj_is_leap_year(2024));
	assert_true(wj_is_leap_year(2400));
	assert_false(wj_is_leap_year(1900));
	assert_false(wj_is_leap_year(2100));
	assert_false(wj_is_leap_year(2023));
	assert_int_equal(wj_days_in_month(2000, 2), 29);
	assert_int_equal(wj_days_in_month(2100, 2), 28);
	assert_int_equal(wj_days_in_month(2024, 4), 30);
	assert_int_equal(wj_days_in_month(2024, 12), 31);
	assert_int_equal(wj_days_in_month(2024, 0), 0);
	assert_int_equal(wj_days_in_month(2024, 13), 0);
}

/* s without the characters in drop, into out. */
static void
without(const char *s, const char *drop, char *out)
{
	for (; *s != '\0'; s++)
		if (strchr(drop, *s) == NULL)
			*out++ = *s;
	*out = '\0';
}

/*
 * Known instants, read and rendered every way they can be: the job API's
 * form is the ISO one with a space for the T and no Z, the X-Sdk-Date
 * form the ISO one without '-' and ':'.
 */
static void
test_known_days(void **state)
{
	static const struct {
		const char *iso;
		int64_t ms;
	} cases[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2000-02-29T00:00:00Z", INT64_C(951782400000) },
		{ "2000-03-01T00:00:00Z", INT64_C(951868800000) },
		{ "2100-02-28T23:59:59Z", INT64_C(4107542399000) },
		{ "2100-03-01T00:00:00Z", INT64_C(4107542400000) },
		{ "2024-12-31T23:59:59Z", INT64_C(1735689599000) },
		{ "2020-04-10T06:45:14Z", INT64_C(1586501114000) },
		{ "9999-12-31T23:59:59Z", INT64_C(253402300799000) },
	};
	char fmt[20], want_fmt[20], sdk[17], want_sdk[17];
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		without(cases[i].iso, "Z", want_fmt);
		want_fmt[10] = ' ';
		without(cases[i].iso, "-:", want_sdk);
		assert_int_equal(wj_time_parse_iso(cases[i].iso, &ms), 0);
		assert_int_equal(ms, cases[i].ms);
		assert_int_equal(wj_time_parse_sdk(want_sdk, &ms), 0);
		assert_int_equal(ms, cases[i].ms);
		wj_time_fmt(cases[i].ms, fmt);
		assert_string_equal(fmt, want_fmt);
		wj_time_fmt_sdk(cases[i].ms, sdk);
		assert_string_equal(sdk, want_sdk);
	}
}

/* The last millisecond of a day and the first of the next. */
static void
test_end_of_day(void **state)
{
	char iso[28], fmt[20];
	int64_t ms, day = wj_days_from_civil(2024, 2, 29) * DAY_MS;

	(void)state;
	wj_time_iso(day + DAY_MS - 1, iso);
	assert_string_equal(iso, "2024-02-29T23:59:59.999000Z");
	wj_time_fmt(day + DAY_MS, fmt);
	assert_string_equal(fmt, "2024-03-01 00:00:00");
	assert_int_equal(wj_time_parse_iso("2024-02-29T23:59:59.999Z", &ms),
	    0);
	assert_int_equal(ms, day + DAY_MS - 1);
	assert_int_equal(wj_time_parse_iso("2024-02-29T23:59:59.9Z", &ms), 0);
	assert_int_equal(ms, day + DAY_MS - 100);
	assert_int_equal(wj_time_parse_iso("2024-02-29T23:59:59.05Z", &ms),
	    0);
	assert_int_equal(ms, day + DAY_MS - 950);
}

static void
test_from_civil_checks(void **state)
{
	static const struct wj_civil bad[] = {
		{ 2025, 13, 1, 0, 0, 0, 0 },	/* month 13 */
		{ 2025, 0, 1, 0, 0, 0, 0 },
		{ 2024, 2, 30, 0, 0, 0, 0 },	/* Feb 30 */
		{ 2025, 2, 29, 0, 0, 0, 0 },
		{ 2100, 2, 29, 0, 0, 0, 0 },
		{ 2025, 4, 31, 0, 0, 0, 0 },
		{ 2025, 1, 0, 0, 0, 0, 0 },
		{ 2025, 1, 1, 24, 0, 0, 0 },	/* hour 24 */
		{ 2025, 1, 1, 0, 60, 0, 0 },
		{ 2025, 1, 1, 0, 0, 60, 0 },	/* no leap second */
		{ 2025, 1, 1, 0, 0, 0, 1000 },
		{ 2025, 1, 1, -1, 0, 0, 0 },
		{ 0, 1, 1, 0, 0, 0, 0 },	/* bounds of the years */
		{ 10000, 1, 1, 0, 0, 0, 0 },
	};
	struct wj_civil first = { 1, 1, 1, 0, 0, 0, 0 };
	struct wj_civil last = { 9999, 12, 31, 23, 59, 59, 999 };
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = 42;
		if (wj_time_from_civil(&bad[i], &ms) != WJ_ERR_INVALID)
			fail_msg("accepted case %zu", i);
		assert_int_equal(ms, 42);
	}
	assert_int_equal(wj_time_from_civil(&first, &ms), 0);
	assert_int_equal(ms, INT64_C(-62135596800000));
	assert_int_equal(wj_time_from_civil(&last, &ms), 0);
	assert_int_equal(ms, WJ_TIME_MS_MAX);
}

static void
test_parse_sdk_invalid(void **state)
{
	static const char *bad[] = {
		/* ranges */
		"20251301T000000Z", "20250001T000000Z", "20250100T000000Z",
		"20250132T000000Z", "20250431T000000Z", "20250229T000000Z",
		"20240230T000000Z", "21000229T000000Z", "20250101T240000Z",
		"20250101T006000Z", "20250101T000060Z", "19691231T235959Z",
		/* wrong length */
		"", "20250101T080910", "20250101T080910ZZ", "2025011T080910Z",
		"20250101T080910Z ", " 20250101T080910Z",
		/* shape */
		"20250101t080910Z", "20250101T080910z", "20250101 080910Z",
		"2025-101T080910Z", "+0250101T080910Z", "20250101T08091aZ",
		"2025-01-01T08:09:10Z", "20250101T080910+",
	};
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = 42;
		if (wj_time_parse_sdk(bad[i], &ms) != WJ_ERR_INVALID)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(ms, 0);
	}
	assert_int_equal(wj_time_parse_sdk(NULL, &ms), WJ_ERR_INVALID);
}

static void
test_parse_iso_invalid(void **state)
{
	static const char *bad[] = {
		"2025-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
		"2025-01-01T24:00:00Z", "2025-01-01T00:00:60Z",
		"0000-01-01T00:00:00Z", "2025-01-01T00:00:00",
		"2025-01-01 00:00:00Z", "2025-01-01T00:00:00.Z",
		"2025-01-01T00:00:00.1234Z", "2025-01-01T00:00:00,1Z",
		"2025-01-01T00:00:00+00:00", "2025-1-01T00:00:00Z",
		"25-01-01T00:00:00Z", "", "2025-01-01T00:00:0aZ",
	};
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (wj_time_parse_iso(bad[i], &ms) != WJ_ERR_INVALID)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(wj_time_parse_iso(NULL, &ms), WJ_ERR_INVALID);
	assert_int_equal(wj_time_parse_iso("0001-01-01T00:00:00Z", &ms), 0);
	assert_int_equal(ms, INT64_C(-62135596800000));
}

/* What a form cannot hold: the SDK form clamps, the others show 0000. */
static void
test_render_bounds(void **state)
{
	char sdk[17], fmt[20], iso[28];

	(void)state;
	wj_time_fmt_sdk(INT64_C(1735718950999), sdk);
	assert_string_equal(sdk, "20250101T080910Z");
	wj_time_fmt_sdk(-1, sdk);
	assert_string_equal(sdk, "19700101T000000Z");
	wj_time_fmt_sdk(INT64_MAX, sdk);
	assert_string_equal(sdk, "99991231T235959Z");
	wj_time_fmt(WJ_TIME_MS_MAX + 1, fmt);
	assert_string_equal(fmt, "0000-01-01 00:00:00");
	wj_time_fmt(INT64_MIN, fmt);
	assert_int_equal(strlen(fmt), 19);
	wj_time_fmt(INT64_MAX, fmt);
	assert_int_equal(strlen(fmt), 19);
	wj_time_iso(-1, iso);
	assert_string_equal(iso, "1969-12-31T23:59:59.999000Z");
	wj_time_iso(1586501114123LL, iso);
	assert_string_equal(iso, "2020-04-10T06:45:14.123000Z");
}

/*
 * Against the C library from 1970 to 2200: the renderer agrees with
 * gmtime_r, the parsers with timegm, and the day counts round-trip.
 */
static void
test_matches_libc(void **state)
{
	char t[20], want[20], iso[28], sdk[17];
	struct tm tm;
	int64_t ms, back, y;
	int m, d;
	time_t sec;

	(void)state;
	for (ms = 0; ms < 7258118400000LL; ms += 86399999LL * 7 + 12345) {
		sec = (time_t)(ms / 1000);
		gmtime_r(&sec, &tm);
		strftime(want, sizeof(want), "%Y-%m-%d %H:%M:%S", &tm);
		wj_time_fmt(ms, t);
		assert_string_equal(t, want);
		wj_time_iso(ms, iso);
		want[10] = 'T';
		assert_memory_equal(iso, want, 19);
		wj_time_fmt_sdk(ms, sdk);
		assert_int_equal(wj_time_parse_sdk(sdk, &back), 0);
		assert_int_equal(back, (int64_t)timegm(&tm) * 1000);
		wj_civil_from_days(ms / DAY_MS, &y, &m, &d);
		assert_int_equal(wj_days_from_civil(y, m, d), ms / DAY_MS);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_known_days),
		cmocka_unit_test(test_end_of_day),
		cmocka_unit_test(test_from_civil_checks),
		cmocka_unit_test(test_parse_sdk_invalid),
		cmocka_unit_test(test_parse_iso_invalid),
		cmocka_unit_test(test_render_bounds),
		cmocka_unit_test(test_matches_libc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
