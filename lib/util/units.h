/* units: one way to write sizes, rates and durations for people ("18.1 KB", "812 B/s",
 * "2m05s"), so that every source's lines and progress read alike. */
#ifndef IMX_UNITS_H
#define IMX_UNITS_H

#include <stddef.h>

/* Bytes with the unit that keeps a few significant digits: 512 B, 18.1 KB, 3.4 MB, 1.2 GB
 * (units of 1024). */
void units_bytes(unsigned long long bytes, char *out, size_t n);

/* A transfer rate in the same units, per second: 812 B/s, 18.1 KB/s. */
void units_rate(double bytes_per_second, char *out, size_t n);

/* A duration in whole seconds: 45s, 2m05s, 1h02m. */
void units_duration(double seconds, char *out, size_t n);

/* A number a person typed (an option, a constants file): decimal only, the whole string, finite
 * ("64", "0.5", "-3", "1e3"; never strtod's 0x10, inf or nan). 0, or -1 and *out untouched. */
int units_decimal(const char *s, double *out);

#endif
