/* date: the one place imx reads calendar dates: YYYY-MM-DD (the command line, GCS date folders,
 * the InferenceX API), day arithmetic on them, and the created_at timestamps (ISO 8601 /
 * RFC 3339) that GitHub, GCS and the InferenceX API give. Proleptic Gregorian, UTC. */
#ifndef IMX_DATE_H
#define IMX_DATE_H

#define DATE_LEN 10 /* strlen("YYYY-MM-DD") */

/* Is s exactly YYYY-MM-DD and a real calendar day (2025-02-29 is not), year 1970 to 9999? */
int date_valid(const char *s);

/* Days since 1970-01-01 of a YYYY-MM-DD; -1 when s is not date_valid(). */
long date_days(const char *s);

/* The YYYY-MM-DD of a day number (days since 1970-01-01; years 0 to 9999) into out
 * (DATE_LEN + 1). */
void date_format(long days, char *out);

/* "YYYY-MM-DD HH:MM:SS UTC" of epoch seconds into out (DATE_UTC_MAX bytes, room for any year
 * a long long reaches): when a rate limit resets, as messages say it. */
#define DATE_UTC_MAX 40
void date_format_utc(long long epoch, char *out);

/* Days from a to b (b - a), both YYYY-MM-DD; 0 when either is not valid. */
long date_diff(const char *a, const char *b);

/*
 * Parses an ISO 8601 / RFC 3339 timestamp as the servers write it: "2026-01-14T22:27:36Z",
 * with fractional seconds (".123Z"), a numeric offset ("+02:00", "-0500"), 't'/'z' or a space
 * for 'T', or a bare date (midnight UTC). *epoch gets seconds since 1970-01-01 UTC.
 * Returns 0, or -1 when s is not such a timestamp (trailing text, impossible fields).
 */
int date_parse_timestamp(const char *s, long long *epoch);

/* The UTC calendar day of a timestamp (as date_parse_timestamp reads it) into out
 * (DATE_LEN + 1); 0, or -1 when s does not parse. */
int date_timestamp_day(const char *s, char *out);

/*
 * Checks a --since/--until range: each given bound date_valid(), and since not after until.
 * Returns 0, -1 when a bound is not a date, -2 when since is after until.
 */
int date_range_check(const char *since, const char *until);

/* Is the day (YYYY-MM-DD) within [since, until] (either bound may be NULL)? */
int date_in_range(const char *day, const char *since, const char *until);

#endif
