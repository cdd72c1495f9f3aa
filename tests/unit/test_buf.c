/* test_buf: the capped buffer every input string goes through: the cap holds and leaves the
 * buffer unchanged and its failure sticks, detach hands over the bytes, JSON strings come out
 * escaped. */
#include "util/buf.h"

#include "unit.h"

#include <stdlib.h>

static void cap_holds(void)
{
    struct buf b = BUF_INIT_MAX(8);

    CHECK(buf_adds(&b, "1234567") == 0);
    CHECK(buf_adds(&b, "89") == -1); /* would pass the cap: refused whole */
    CHECK_STR(b.p, "1234567");
    CHECK(b.len == 7);
    CHECK(buf_addf(&b, "%d", 42) == -1);
    CHECK_STR(b.p, "1234567");
    buf_reset(&b);
    CHECK(buf_addf(&b, "%s-%d", "ab", 7) == 0);
    CHECK_STR(b.p, "ab-7");
    buf_release(&b);
    CHECK(b.len == 0 && b.p && b.p[0] == '\0');
}

/* A refused append marks the buffer: a later, smaller append cannot make a path that lacks its
 * middle ("dir/" refused, then "name" accepted would read as "name"). */
static void failure_sticks(void)
{
    struct buf b = BUF_INIT_MAX(8);

    CHECK(!buf_failed(&b));
    CHECK(buf_adds(&b, "12345") == 0);
    CHECK(buf_adds(&b, "6789") == -1);
    CHECK(buf_failed(&b));
    CHECK(buf_addc(&b, 'x') == -1); /* room for it, but the content is already incomplete */
    CHECK(buf_addf(&b, "%d", 1) == -1);
    CHECK(buf_add(&b, "", 0) == -1);
    CHECK_STR(b.p, "12345");
    buf_reset(&b);
    CHECK(!buf_failed(&b));
    CHECK(buf_adds(&b, "ok") == 0 && !buf_failed(&b));
    CHECK(buf_adds(&b, "123456789") == -1 && buf_failed(&b));
    buf_release(&b);
    CHECK(!buf_failed(&b));
}

static void detach(void)
{
    struct buf b = BUF_INIT;
    size_t n = 0;
    char *s;

    buf_add(&b, "x\0y", 3);
    s = buf_detach(&b, &n);
    CHECK(n == 3 && s[0] == 'x' && s[1] == '\0' && s[2] == 'y');
    CHECK(b.len == 0 && b.p[0] == '\0');
    free(s);
}

static void json_strings(void)
{
    struct buf b = BUF_INIT;

    CHECK(buf_add_json(&b, "a\"b\\c\nd\x01") == 0);
    CHECK_STR(b.p, "\"a\\\"b\\\\c\\nd\\u0001\"");
    buf_reset(&b);
    CHECK(buf_add_json(&b, NULL) == 0);
    CHECK_STR(b.p, "null");
    buf_reset(&b);
    CHECK(buf_add_json(&b, "h\xc3\xa9") == 0); /* UTF-8 passes as is */
    CHECK_STR(b.p, "\"h\xc3\xa9\"");
    buf_release(&b);
    {
        struct buf small = BUF_INIT_MAX(4);
        CHECK(buf_add_json(&small, "abcdef") == -1);
        buf_release(&small);
    }
}

int main(void)
{
    RUN(cap_holds);
    RUN(failure_sticks);
    RUN(detach);
    RUN(json_strings);
    UNIT_END();
}
