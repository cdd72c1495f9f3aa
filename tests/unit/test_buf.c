/* test_buf: the capped buffer every input string goes through: the cap holds and leaves the
 * buffer emptied and its failure sticks, detach hands over the bytes, JSON strings come out
 * escaped, text for a terminal comes out with its controls shown. */
#include "util/buf.h"

#include "unit.h"

#include <stdlib.h>

static void cap_holds(void)
{
    struct buf b = BUF_INIT_MAX(8);

    CHECK(buf_adds(&b, "1234567") == 0);
    CHECK(buf_adds(&b, "89") == -1); /* would pass the cap: refused, and nothing kept */
    CHECK_STR(b.p, "");
    CHECK(b.len == 0);
    CHECK(buf_addf(&b, "%d", 42) == -1);
    CHECK_STR(b.p, "");
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
    CHECK_STR(b.p, ""); /* emptied: an unchecked build is no path, never the prefix "12345" */
    CHECK(b.len == 0);
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
    /* members of an object written by hand: separator, key, escaped value or null */
    buf_reset(&b);
    CHECK(buf_add_member(&b, "{", "a", "x\"y") == 0 && buf_add_member(&b, ", ", "b", NULL) == 0);
    CHECK_STR(b.p, "{\"a\": \"x\\\"y\", \"b\": null");
    buf_release(&b);
    {
        struct buf small = BUF_INIT_MAX(4);
        CHECK(buf_add_member(&small, "", "key", "v") == -1);
        buf_release(&small);
    }
    {
        struct buf small = BUF_INIT_MAX(4);
        CHECK(buf_add_json(&small, "abcdef") == -1);
        buf_release(&small);
    }
    /* runs of plain text are copied whole: every byte, escaped ones at a run's start, middle
     * and end and next to each other, against a character-by-character escaper */
    for (int c = 1; c < 256; c++) {
        const char *shapes[] = {"#", "ab#", "#cd", "a#b", "##", "x#\"y#"};
        for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
            char in[16], want[64];
            size_t w = 0;
            for (size_t i = 0; i <= strlen(shapes[k]); i++)
                in[i] = shapes[k][i] == '#' ? (char)c : shapes[k][i];
            want[w++] = '"';
            for (const char *p = in; *p; p++) {
                unsigned char u = (unsigned char)*p;
                if (u == '"' || u == '\\')
                    w += (size_t)snprintf(want + w, sizeof(want) - w, "\\%c", u);
                else if (u == '\n')
                    w += (size_t)snprintf(want + w, sizeof(want) - w, "\\n");
                else if (u < 0x20)
                    w += (size_t)snprintf(want + w, sizeof(want) - w, "\\u%04x", u);
                else
                    want[w++] = (char)u;
            }
            want[w++] = '"';
            want[w] = '\0';
            buf_reset(&b);
            CHECK(buf_add_json(&b, in) == 0);
            CHECK_STR(b.p, want);
        }
    }
    buf_release(&b);
}

/* what a terminal would act on is shown as \xNN; text, UTF-8 included, stays itself */
static void shown_strings(void)
{
    static const struct {
        const char *in;
        size_t n;
        const char *out;
    } t[] = {
        {"plain gpt-oss_120B \\ 'q'", 0, "plain gpt-oss_120B \\ 'q'"},
        {"a\x1b[31mred\x1b]8;;http://x\x07", 0, "a\\x1b[31mred\\x1b]8;;http://x\\x07"},
        {"cr\rlf\ntab\tbs\bdel\x7f", 0, "cr\\x0dlf\\x0atab\\x09bs\\x08del\\x7f"},
        {"nul\0x", 5, "nul\\x00x"},
        {"h\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x9a\x80", 0, "h\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x9a\x80"},
        /* C1: a raw byte (invalid UTF-8) and U+009B encoded; U+00A0 is text */
        {"\x9b"
         "1m \xc2\x9b"
         "1m \xc2\xa0",
         0, "\\x9b1m \\xc2\\x9b1m \xc2\xa0"},
        /* invalid: overlong, surrogate, past U+10FFFF, cut short, stray continuation */
        {"\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82", 0,
         "\\xc0\\xaf \\xed\\xa0\\x80 \\xf4\\x90\\x80\\x80 \\xe2\\x82"},
        {"\x80z", 0, "\\x80z"},
        /* right-to-left override and an isolate reorder what is shown; U+2029 stays */
        {"a\xe2\x80\xae"
         "b\xe2\x81\xa6"
         "c\xe2\x80\xa9",
         0, "a\\xe2\\x80\\xaeb\\xe2\\x81\\xa6c\xe2\x80\xa9"},
    };
    struct buf b = BUF_INIT;

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        buf_reset(&b);
        CHECK(buf_add_shown(&b, t[i].in, t[i].n ? t[i].n : strlen(t[i].in)) == 0);
        CHECK_STR(b.p, t[i].out);
    }
    buf_release(&b);
    {
        struct buf small = BUF_INIT_MAX(5);
        CHECK(buf_add_shown(&small, "ab\x1b", 3) == -1 && buf_failed(&small));
        buf_release(&small);
    }
}

int main(void)
{
    RUN(cap_holds);
    RUN(failure_sticks);
    RUN(detach);
    RUN(json_strings);
    RUN(shown_strings);
    UNIT_END();
}
