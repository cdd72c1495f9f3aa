/* dec: decimal text to double, exactly as strtod rounds it (to nearest, ties to even), without
 * strtod's arbitrary-precision path for the plain numbers benchmark files hold. */
#ifndef IMX_DEC_H
#define IMX_DEC_H

#include <stdint.h>

/* strtod(s, NULL): the same double for every s; plain decimals of up to 19 significant digits
 * and a small exponent are converted with 128-bit integers, anything else by strtod. */
double dec_to_double(const char *s);

/* 1 with *out when s is wholly such a plain decimal (-?digits[.digits][e[+-]digits], the value
 * finite), 0 when only strtod can tell. */
int dec_parse(const char *s, double *out);

/* 1 with *out = w * 10^e rounded to the nearest double when -21 <= e <= 19, else 0. */
int dec_value(uint64_t w, int e, double *out);

#endif
