/* test_hash: the one FNV-1a of imx's tables, against the published 64-bit test vectors, and
 * chaining (a hash of two pieces equals the hash of their concatenation). */
#include "util/hash.h"

#include "unit.h"

static void vectors(void)
{
    CHECK(fnv1a(FNV1A_INIT, "", 0) == 0xcbf29ce484222325ULL);
    CHECK(fnv1a(FNV1A_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL);
    CHECK(fnv1a(FNV1A_INIT, "foobar", 6) == 0x85944171f73967e8ULL);
}

static void chaining(void)
{
    CHECK(fnv1a(fnv1a(FNV1A_INIT, "foo", 3), "bar", 3) == fnv1a(FNV1A_INIT, "foobar", 6));
    /* bytes above 0x7f hash as unsigned */
    CHECK(fnv1a(FNV1A_INIT, "\xff", 1) != fnv1a(FNV1A_INIT, "\x7f", 1));
    /* the NUL counts: "ab\0c" is not "a\0bc" */
    CHECK(fnv1a(FNV1A_INIT, "ab\0c", 4) != fnv1a(FNV1A_INIT, "a\0bc", 4));
}

int main(void)
{
    RUN(vectors);
    RUN(chaining);
    UNIT_END();
}
