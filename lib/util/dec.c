/* dec: a number such as 807.3114191639647 is w / 10^k with w < 2^64 and k small; the quotient,
 * computed in 128-bit integers with a remainder, rounds to the nearest double exactly. Other
 * forms (long mantissas, large exponents, hex, inf, junk after the number) go to strtod. */
#include "util/dec.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

__extension__ typedef unsigned __int128 u128;

static int bitlen(u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64);
    if (hi)
        return 128 - __builtin_clzll(hi);
    return x ? 64 - __builtin_clzll((uint64_t)x) : 0;
}

static u128 pow10_128(int k)
{
    u128 p = 1;
    while (k-- > 0)
        p *= 10;
    return p;
}

/* q * 2^shift with q's bits below the 53 highest rounded to nearest, ties to even (sticky:
 * something nonzero was already dropped below q). */
static double round53(u128 q, int shift, int sticky)
{
    int n = bitlen(q), drop = n - 53;
    uint64_t m;

    if (drop <= 0)
        return ldexp((double)(uint64_t)q, shift);
    {
        u128 rest = q & (((u128)1 << drop) - 1), half = (u128)1 << (drop - 1);
        m = (uint64_t)(q >> drop);
        if (rest > half || (rest == half && (sticky || (m & 1))))
            m++;
    }
    if (m >> 53) {
        m >>= 1;
        drop++;
    }
    return ldexp((double)m, shift + drop);
}

/* w * 10^e, w > 0, for -21 <= e <= 19 (every quotient and product fits in 128 bits). */
static double scale(uint64_t w, int e)
{
#if FLT_EVAL_METHOD == 0
    /* w < 2^53 and 10^|e| (|e| <= 22: 5^22 < 2^53) are doubles exactly, and one IEEE
     * multiplication or division rounds the exact result once, to nearest (Clinger's fast
     * path): the 15 or 16 digits of most benchmark numbers need no 128-bit division */
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (w < (uint64_t)1 << 53 && e >= -22 && e <= 22)
        return e >= 0 ? (double)w * p10[e] : (double)w / p10[-e];
#endif
    if (e >= 0)
        return round53((u128)w * pow10_128(e), 0, 0);
    {
        u128 d = pow10_128(-e), a;
        /* at least 55 bits of quotient: 53, a rounding bit and one spare; the remainder is the
         * sticky bit */
        int s = 55 + bitlen(d) - bitlen(w);
        if (s < 0)
            s = 0;
        a = (u128)w << s;
        return round53(a / d, -s, a % d != 0);
    }
}

int dec_parse(const char *s, double *out)
{
    const char *p = s;
    uint64_t w = 0;
    int digits = 0, e = 0, neg = 0;

    if (*p == '-') {
        neg = 1;
        p++;
    }
    if (*p < '0' || *p > '9' || (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')))
        return 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (digits || *p != '0') {
            if (++digits > 19)
                return 0;
            w = w * 10 + (uint64_t)(*p - '0');
        }
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (digits || *p != '0') {
                if (++digits > 19)
                    return 0;
                w = w * 10 + (uint64_t)(*p - '0');
            }
            e--;
        }
    }
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        int x = 0, xneg = 0;
        if (*q == '-' || *q == '+')
            xneg = *q++ == '-';
        if (*q < '0' || *q > '9')
            return 0;
        for (; *q >= '0' && *q <= '9'; q++) {
            if (x > 1000)
                return 0;
            x = x * 10 + (*q - '0');
        }
        e += xneg ? -x : x;
        p = q;
    }
    if (*p)
        return 0;
    if (!w) {
        *out = neg ? -0.0 : 0.0;
        return 1;
    }
    if (e < -21 || e > 19)
        return 0;
    *out = neg ? -scale(w, e) : scale(w, e);
    return 1;
}

int dec_value(uint64_t w, int e, double *out)
{
    if (e < -21 || e > 19)
        return 0;
    *out = w ? scale(w, e) : 0.0;
    return 1;
}

double dec_to_double(const char *s)
{
    double v;
    return dec_parse(s, &v) ? v : strtod(s, NULL);
}
