/* date: YYYY-MM-DD and ISO 8601 timestamps, checked field by field (no sscanf, no locale,
 * no timegm), and the civil-day arithmetic every source shares. */
#include "util/date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : md[m - 1];
}

/* The first ten characters of s as a real day; 0 or -1. */
static int parse_day(const char *s, int *y, int *m, int *d)
{
    if (digits(s, 4, y) < 0 || s[4] != '-' || digits(s + 5, 2, m) < 0 || s[7] != '-' ||
        digits(s + 8, 2, d) < 0)
        return -1;
    if (*y < 1970 || *m < 1 || *m > 12 || *d < 1 || *d > month_days(*y, *m))
        return -1;
    return 0;
}

/* days_from_civil (H. Hinnant's algorithm), for years >= 1970 only. */
static long civil_days(long y, long m, long d)
{
    long yoe, doy, doe, era;

    y -= m <= 2;
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int date_valid(const char *s)
{
    int y, m, d;
    return s && strlen(s) == DATE_LEN && parse_day(s, &y, &m, &d) == 0;
}

long date_days(const char *s)
{
    int y, m, d;

    if (!date_valid(s))
        return -1;
    parse_day(s, &y, &m, &d);
    return civil_days(y, m, d);
}

void date_format(long days, char *out)
{
    long z = days + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    long y = yoe + era * 400 + (m <= 2);

    out[0] = (char)('0' + y / 1000 % 10);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

long date_diff(const char *a, const char *b)
{
    long x = date_days(a), y = date_days(b);
    return x < 0 || y < 0 ? 0 : y - x;
}

int date_parse_timestamp(const char *s, long long *epoch)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
    const char *p;

    if (!s || strlen(s) < DATE_LEN || parse_day(s, &y, &mo, &d) < 0)
        return -1;
    p = s + DATE_LEN;
    if (*p) {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return -1;
        if (digits(p + 1, 2, &h) < 0 || p[3] != ':' || digits(p + 4, 2, &mi) < 0)
            return -1;
        p += 6;
        if (*p == ':') {
            if (digits(p + 1, 2, &sec) < 0)
                return -1;
            p += 3;
            if (*p == '.' || *p == ',') {
                if (p[1] < '0' || p[1] > '9')
                    return -1;
                for (p++; *p >= '0' && *p <= '9'; p++)
                    ;
            }
        }
        /* 60 is a leap second, which RFC 3339 allows */
        if (h > 23 || mi > 59 || sec > 60)
            return -1;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            sign = *p == '-' ? -1 : 1;
            if (digits(p + 1, 2, &oh) < 0)
                return -1;
            p += 3;
            if (*p == ':')
                p++;
            if (digits(p, 2, &om) < 0 || oh > 23 || om > 59)
                return -1;
            p += 2;
        }
        if (*p)
            return -1;
    }
    *epoch = (long long)civil_days(y, mo, d) * 86400 + h * 3600LL + mi * 60LL + sec -
             sign * (oh * 3600LL + om * 60LL);
    return 0;
}

int date_timestamp_day(const char *s, char *out)
{
    long long t;

    if (date_parse_timestamp(s, &t) < 0)
        return -1;
    /* an offset may put an early 1970-01-01 before the epoch: floor, not truncate */
    date_format((long)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400)), out);
    return 0;
}

int date_range_check(const char *since, const char *until)
{
    if ((since && !date_valid(since)) || (until && !date_valid(until)))
        return -1;
    if (since && until && strcmp(since, until) > 0)
        return -2;
    return 0;
}

int date_in_range(const char *day, const char *since, const char *until)
{
    if (since && strncmp(day, since, DATE_LEN) < 0)
        return 0;
    if (until && strncmp(day, until, DATE_LEN) > 0)
        return 0;
    return 1;
}

void date_format_utc(long long epoch, char *out)
{
    time_t t = (time_t)epoch;
    struct tm tm;

    if (!gmtime_r(&t, &tm) || !strftime(out, DATE_UTC_MAX, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(out, DATE_UTC_MAX, "%lld (epoch)", epoch);
}
