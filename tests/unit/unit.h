/* unit.h: the tiny unit-test harness. Each check prints one PASS/FAIL line that
 * tests/run.sh counts; main() returns non-zero when anything failed. */
#ifndef IMX_UNIT_H
#define IMX_UNIT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A path below the shared reference material: $IMX_SHARED, else ../shared (tests run from the
 * repository's root). Four results may be in use at once. */
static inline const char *unit_shared(const char *rel)
{
    static char bufs[4][4096];
    static unsigned k;
    const char *root = getenv("IMX_SHARED");
    char *b = bufs[k++ % 4];

    snprintf(b, sizeof(bufs[0]), "%s/%s", root && *root ? root : "../shared", rel);
    return b;
}

/* A reproducible pseudo-random sequence (xorshift64) for tests that sample many inputs. */
static inline uint64_t unit_rand(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* Writes len bytes of text to base/rel, making rel's folder (one level) first; 0 or -1. */
static inline int unit_write_file(const char *base, const char *rel, const void *text, size_t len)
{
    char path[512], dir[512];
    FILE *fp;
    int ok;

    snprintf(path, sizeof(path), "%s/%s", base, rel);
    snprintf(dir, sizeof(dir), "%s", path);
    *strrchr(dir, '/') = '\0';
    mkdir(dir, 0755);
    if (!(fp = fopen(path, "w")))
        return -1;
    ok = fwrite(text, 1, len, fp) == len;
    return fclose(fp) == 0 && ok ? 0 : -1;
}

static int unit_failed_;
static int unit_case_failed_;
static const char *unit_case_;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);             \
            unit_case_failed_ = 1;                                                                 \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                   \
            fprintf(stderr, "  %s:%d: '%s' != '%s'\n", __FILE__, __LINE__, a_ ? a_ : "(null)",     \
                    b_ ? b_ : "(null)");                                                           \
            unit_case_failed_ = 1;                                                                 \
        }                                                                                          \
    } while (0)

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        unit_case_ = #fn;                                                                          \
        unit_case_failed_ = 0;                                                                     \
        fn();                                                                                      \
        printf("%s unit/%s\n", unit_case_failed_ ? "FAIL" : "PASS", unit_case_);                   \
        unit_failed_ |= unit_case_failed_;                                                         \
    } while (0)

#define UNIT_END() return unit_failed_ ? 1 : 0

#endif
