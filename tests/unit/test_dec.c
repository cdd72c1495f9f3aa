/* Unit test of dec_to_double: the same double as strtod for every text, the plain decimals it
 * converts itself (ties, the edges of its range, signs, zeros) and the forms it hands over. */
#include "unit.h"
#include "util/dec.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int same(const char *s)
{
    double a = dec_to_double(s), b = strtod(s, NULL);
    if (memcmp(&a, &b, sizeof(a))) {
        fprintf(stderr, "  '%s': %.17g, strtod %.17g\n", s, a, b);
        return 0;
    }
    return 1;
}

static void fixed_texts(void)
{
    static const char *const t[] = {"0",
                                    "-0",
                                    "0.0",
                                    "-0.0",
                                    "0e5",
                                    "1",
                                    "-1",
                                    "0.1",
                                    "0.2",
                                    "0.3",
                                    "1.5",
                                    "2.5",
                                    "807.3114191639647",
                                    "72651.699794823322",
                                    "0.005405439604573155",
                                    "1e-21",
                                    "1e-22",
                                    "9.999999999999999e-22",
                                    "1e19",
                                    "1e20",
                                    "18446744073709551615",
                                    "18446744073709551616",
                                    "9007199254740993",
                                    "9007199254740995",
                                    "9007199254740992.5",
                                    "9007199254740993.0000001",
                                    "4503599627370496.5",
                                    "4503599627370497.5",
                                    "1.7976931348623157e308",
                                    "2.2250738585072014e-308",
                                    "5e-324",
                                    "1e400",
                                    "-1e400",
                                    "1.",
                                    "1e",
                                    "1e+",
                                    "1e+5",
                                    "1E-5",
                                    ".5",
                                    "+1",
                                    " 1",
                                    "1 ",
                                    "0x10",
                                    "inf",
                                    "nan",
                                    "-",
                                    "",
                                    "1.2.3",
                                    "00012.5000",
                                    "0.000000000000000000001",
                                    "123456789012345678e-21",
                                    "1234567890123456789e-21",
                                    "12345678901234567890",
                                    "0.30000000000000004",
                                    "2.9999999999999996",
                                    "1e0000000000000000000000000000005"};
    int bad = 0;

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        bad += !same(t[i]);
    CHECK(bad == 0);
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next(void)
{
    return unit_rand(&rng);
}

/* Random decimals of 1 to 20 digits, the point anywhere, with and without an exponent, and
 * the shortest texts of random doubles (where rounding is closest to a tie). */
static void random_texts(void)
{
    int bad = 0;

    for (int i = 0; i < 20000; i++) {
        char s[80], *p = s;
        int digits = 1 + (int)(next() % 20), point = (int)(next() % (unsigned)(digits + 2));
        if (next() & 1)
            *p++ = '-';
        for (int d = 0; d < digits; d++) {
            if (d == point && d)
                *p++ = '.';
            *p++ = (char)('0' + next() % 10);
        }
        if (next() % 3 == 0)
            p += sprintf(p, "e%d", (int)(next() % 60) - 30);
        *p = '\0';
        bad += !same(s);
    }
    for (int i = 0; i < 20000; i++) {
        char s[40];
        uint64_t bits = next();
        double v;
        memcpy(&v, &bits, sizeof(v));
        if (i % 2) /* a measurement's range: 1e-9 to 1e9 */
            v = (double)(bits >> 11) / 9007199254740992.0 * pow(10, (int)(next() % 19) - 9);
        snprintf(s, sizeof(s), "%.*g", 15 + (int)(next() % 3), v);
        bad += !same(s);
        /* the midpoint between v and its neighbour, written out: a tie or nearly one */
        snprintf(s, sizeof(s), "%.17g", v + v * 1.1102230246251565e-16);
        bad += !same(s);
    }
    CHECK(bad == 0);
}

int main(void)
{
    RUN(fixed_texts);
    RUN(random_texts);
    UNIT_END();
}
