/* test_date: YYYY-MM-DD validation, day arithmetic and created_at timestamps (util/date). */
#include "unit.h"
#include "util/date.h"

#include <limits.h>

static void days(void)
{
    CHECK(date_valid("2024-02-29"));
    CHECK(date_valid("2000-02-29"));
    CHECK(!date_valid("1900-02-29"));
    CHECK(!date_valid("2025-02-29"));
    CHECK(!date_valid("2025-04-31"));
    CHECK(!date_valid("2025-13-01"));
    CHECK(!date_valid("2025-00-10"));
    CHECK(!date_valid("2025-01-00"));
    CHECK(!date_valid("2025-1-01"));
    CHECK(!date_valid("2025-01-01T00:00:00Z"));
    CHECK(!date_valid("2025/01/01"));
    CHECK(!date_valid("+025-01-01"));
    CHECK(!date_valid("1969-12-31"));
    CHECK(!date_valid(""));
    CHECK(!date_valid(NULL));
    CHECK(!date_valid("garbage"));
    CHECK(date_days("1970-01-01") == 0);
    CHECK(date_days("2026-01-01") - date_days("2025-12-31") == 1);
    CHECK(date_days("2025-03-01") - date_days("2025-02-28") == 1);
    CHECK(date_days("2024-03-01") - date_days("2024-02-28") == 2);
    CHECK(date_days("2025-02-30") == -1);
    CHECK(date_diff("2025-12-31", "2026-01-02") == 2);
    CHECK(date_diff("2026-01-02", "2025-12-31") == -2);
    CHECK(date_diff("bad", "2026-01-01") == 0);
}

static void format_roundtrip(void)
{
    char out[DATE_LEN + 1];

    date_format(0, out);
    CHECK_STR(out, "1970-01-01");
    date_format(date_days("2024-02-29"), out);
    CHECK_STR(out, "2024-02-29");
    date_format(-1, out);
    CHECK_STR(out, "1969-12-31");
    /* every day of four centuries, leap rules included */
    for (long d = 0; d < 146097 * 2; d += 1) {
        date_format(d, out);
        if (!date_valid(out) || date_days(out) != d) {
            CHECK(!"date_format/date_days round trip");
            break;
        }
    }
}

static void timestamps(void)
{
    long long t;
    char day[DATE_LEN + 1];

    CHECK(date_parse_timestamp("1970-01-01T00:00:00Z", &t) == 0 && t == 0);
    CHECK(date_parse_timestamp("2026-01-14T22:27:36Z", &t) == 0 && t == 1768429656LL);
    CHECK(date_parse_timestamp("2026-01-14T22:27:36.123Z", &t) == 0 && t == 1768429656LL);
    CHECK(date_parse_timestamp("2026-01-14t22:27:36z", &t) == 0 && t == 1768429656LL);
    CHECK(date_parse_timestamp("2026-01-14 22:27:36Z", &t) == 0 && t == 1768429656LL);
    CHECK(date_parse_timestamp("2026-01-15T00:27:36+02:00", &t) == 0 && t == 1768429656LL);
    CHECK(date_parse_timestamp("2026-01-14T17:27:36-0500", &t) == 0 && t == 1768429656LL);
    CHECK(date_parse_timestamp("2026-01-14T22:27Z", &t) == 0 && t == 1768429620LL);
    CHECK(date_parse_timestamp("2026-01-14", &t) == 0 && t == 1768348800LL);
    CHECK(date_parse_timestamp("2026-01-14T22:27:36", &t) == 0);
    CHECK(date_parse_timestamp("2016-12-31T23:59:60Z", &t) == 0);
    CHECK(date_parse_timestamp("not a date", &t) < 0);
    CHECK(date_parse_timestamp("2026-02-30T00:00:00Z", &t) < 0);
    CHECK(date_parse_timestamp("2026-01-14T24:00:00Z", &t) < 0);
    CHECK(date_parse_timestamp("2026-01-14T22:60:00Z", &t) < 0);
    CHECK(date_parse_timestamp("2026-01-14T22:27:36Zjunk", &t) < 0);
    CHECK(date_parse_timestamp("2026-01-14T22:27:36.Z", &t) < 0);
    CHECK(date_parse_timestamp("2026-01-14T22:27:36+2", &t) < 0);
    CHECK(date_parse_timestamp("2026-01-14X22:27:36Z", &t) < 0);
    CHECK(date_parse_timestamp("2026-01-14T", &t) < 0);
    CHECK(date_parse_timestamp("", &t) < 0);
    CHECK(date_parse_timestamp(NULL, &t) < 0);
    /* the UTC day: an offset can move it */
    CHECK(date_timestamp_day("2026-01-14T22:27:36Z", day) == 0);
    CHECK_STR(day, "2026-01-14");
    CHECK(date_timestamp_day("2026-01-15T00:27:36+02:00", day) == 0);
    CHECK_STR(day, "2026-01-14");
    CHECK(date_timestamp_day("2025-12-31T23:00:00-02:00", day) == 0);
    CHECK_STR(day, "2026-01-01");
    CHECK(date_timestamp_day("1970-01-01T00:30:00+01:00", day) == 0);
    CHECK_STR(day, "1969-12-31");
    CHECK(date_timestamp_day("yesterday", day) < 0);
}

static void ranges(void)
{
    CHECK(date_range_check(NULL, NULL) == 0);
    CHECK(date_range_check("2026-01-01", NULL) == 0);
    CHECK(date_range_check(NULL, "2026-01-01") == 0);
    CHECK(date_range_check("2026-01-01", "2026-01-01") == 0);
    CHECK(date_range_check("2026-01-02", "2026-01-01") == -2);
    CHECK(date_range_check("garbage", NULL) == -1);
    CHECK(date_range_check(NULL, "2026-02-30") == -1);
    CHECK(date_range_check("", NULL) == -1);
    CHECK(date_in_range("2026-01-01", NULL, NULL));
    CHECK(date_in_range("2026-01-01", "2026-01-01", "2026-01-01"));
    CHECK(!date_in_range("2025-12-31", "2026-01-01", NULL));
    CHECK(!date_in_range("2026-01-02", NULL, "2026-01-01"));
}

/* The moment a rate limit resets, as messages say it; an epoch past any calendar still says
 * something. */
static void utc_moments(void)
{
    char out[DATE_UTC_MAX];

    date_format_utc(0, out);
    CHECK_STR(out, "1970-01-01 00:00:00 UTC");
    date_format_utc(1767312000LL + 3723, out);
    CHECK_STR(out, "2026-01-02 01:02:03 UTC");
    date_format_utc(LLONG_MAX, out);
    CHECK_STR(out, "9223372036854775807 (epoch)");
}

int main(void)
{
    RUN(days);
    RUN(format_roundtrip);
    RUN(timestamps);
    RUN(ranges);
    RUN(utc_moments);
    UNIT_END();
}
