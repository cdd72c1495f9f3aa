/* Unit tests of the streaming row reader: exact number text, NaN handling, flattening,
 * shapes and errors. */
#include "reader/reader.h"
#include "unit.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

struct got {
    int rows;
    struct buf dump; /* "key=kind:value;" per field, "|" per row */
};

static int collect(void *ud, struct row *r, size_t index)
{
    struct got *g = ud;
    (void)index;
    g->rows++;
    for (size_t i = 0; i < r->n; i++)
        buf_addf(&g->dump, "%s=%d:%s;", row_key(r, i), r->f[i].kind, row_val(r, i));
    buf_addc(&g->dump, '|');
    return 0;
}

static int parse(const char *json, struct got *g, struct reader_stats *st, struct imx_err *err)
{
    struct reader_opts o = {.fn = collect, .ud = g, .label = "t.json", .st = st};
    g->rows = 0;
    buf_init(&g->dump, 1 << 20);
    return reader_read_mem(json, strlen(json), &o, err);
}

static void numbers_keep_source_text(void)
{
    struct got g;
    struct imx_err e = IMX_ERR_INIT;
    CHECK(parse("[{\"a\": 17364.11435607276, \"b\": 128, \"c\": 1.0, \"d\": 1e-05, \"e\": -0.0}]",
                &g, NULL, &e) == 0);
    CHECK_STR(g.dump.p, "a=1:17364.11435607276;b=1:128;c=1:1.0;d=1:1e-05;e=1:-0.0;|");
    buf_release(&g.dump);
}

static void strings_bools_nulls(void)
{
    struct got g;
    struct imx_err e = IMX_ERR_INIT;
    CHECK(parse("{\"s\": \"nvcr.io#nvidia/x:1\", \"t\": true, \"f\": false, \"n\": null, "
                "\"u\": \"caf\\u00e9 \\\"q\\\"\"}",
                &g, NULL, &e) == 0);
    CHECK_STR(g.dump.p, "s=2:nvcr.io#nvidia/x:1;t=3:true;f=3:false;n=0:;u=2:caf\xc3\xa9 \"q\";|");
    buf_release(&g.dump);
}

static void python_nan_tokens_are_missing(void)
{
    struct got g;
    struct imx_err e = IMX_ERR_INIT;
    struct reader_stats st = {0};
    CHECK(parse("[{\"a\": 1}, {\"a\": NaN, \"b\": Infinity, \"c\": -Infinity, \"d\": \"NaN\", "
                "\"e\": -1.5}]",
                &g, &st, &e) == 0);
    /* the first row is delivered once, although the file is read twice */
    CHECK_STR(g.dump.p, "a=1:1;|a=0:;b=0:;c=0:;d=2:NaN;e=1:-1.5;|");
    CHECK(g.rows == 2);
    CHECK(st.nan_tokens == 3);
    buf_release(&g.dump);
}

static void nested_objects_flatten_and_dotted_keys(void)
{
    struct got g;
    struct imx_err e = IMX_ERR_INIT;
    CHECK(parse("[{\"p99.9_ttft\": 0.5, \"router\": {\"name\": \"sgl\", \"version\": \"1\", "
                "\"x\": {\"y\": 2}}, \"reqs\": [1, {\"z\": 3}], \"after\": 4}]",
                &g, NULL, &e) == 0);
    CHECK_STR(g.dump.p,
              "p99.9_ttft=1:0.5;router.name=2:sgl;router.version=2:1;router.x.y=1:2;after=1:4;|");
    buf_release(&g.dump);
}

static void shapes(void)
{
    struct got g;
    struct imx_err e = IMX_ERR_INIT;
    struct reader_stats st = {0};
    CHECK(parse("[]", &g, &st, &e) == 0 && g.rows == 0);
    buf_release(&g.dump);
    CHECK(parse("[1, \"x\", [2], {\"a\": 1}, null]", &g, &st, &e) == 0);
    CHECK(g.rows == 1 && st.not_object == 4);
    buf_release(&g.dump);
    imx_err_clear(&e);
    CHECK(parse("42", &g, &st, &e) < 0 && e.code == IMX_EPARSE);
    CHECK(strstr(e.msg, "not an array or object") != NULL);
    buf_release(&g.dump);
}

static void errors_name_file_and_position(void)
{
    struct got g;
    struct imx_err e = IMX_ERR_INIT;
    CHECK(parse("[\n  {\"a\": 1},\n  {\"a\": 2,\n", &g, NULL, &e) < 0);
    CHECK(e.code == IMX_EPARSE && strstr(e.msg, "'t.json'") && strstr(e.msg, "line"));
    buf_release(&g.dump);
    imx_err_clear(&e);
    CHECK(parse("[{\"a\": \"\xff\xfe\"}]", &g, NULL, &e) < 0 && e.code == IMX_EPARSE);
    buf_release(&g.dump);
    imx_err_clear(&e);
    CHECK(parse("[{\"a\": 1}] trailing", &g, NULL, &e) < 0);
    buf_release(&g.dump);
    imx_err_clear(&e);
    CHECK(parse("[{\"a\": NaNa}]", &g, NULL, &e) < 0 && e.code == IMX_EPARSE);
    buf_release(&g.dump);
}

static void deep_nesting_is_an_error(void)
{
    struct got g;
    struct imx_err e = IMX_ERR_INIT;
    struct buf b = BUF_INIT_MAX(1 << 20);
    for (int i = 0; i < 10000; i++)
        buf_addc(&b, '[');
    CHECK(parse(b.p, &g, NULL, &e) < 0 && strstr(e.msg, "deeper"));
    buf_release(&g.dump);
    buf_release(&b);
}

static void absurd_numbers(void)
{
    struct got g;
    struct imx_err e = IMX_ERR_INIT;
    struct buf b = BUF_INIT_MAX(1 << 20);
    buf_adds(&b, "[{\"a\": 1e999999, \"b\": ");
    for (int i = 0; i < 500; i++)
        buf_addc(&b, '9');
    buf_adds(&b, "}]");
    CHECK(parse(b.p, &g, NULL, &e) < 0 && strstr(e.msg, "number"));
    buf_release(&g.dump);
    buf_release(&b);
}

static int stop_at_second(void *ud, struct row *r, size_t index)
{
    struct imx_err *e = ud;
    (void)r;
    if (index == 1)
        return imx_seterr(e, IMX_EINTR, "stopped");
    return 0;
}

static void callback_can_stop(void)
{
    struct imx_err e = IMX_ERR_INIT;
    struct reader_opts o = {.fn = stop_at_second, .ud = &e, .label = "t"};
    const char *j = "[{\"a\":1},{\"a\":2},{\"a\":3}]";
    CHECK(reader_read_mem(j, strlen(j), &o, &e) == -IMX_EINTR);
    CHECK_STR(e.msg, "stopped");
}

/* The early filter of these tests: rows whose "m" starts with 'x' are dropped. */
static int keep_m(void *ud, const char *val, size_t len)
{
    (void)ud;
    return !(len > 0 && val[0] == 'x');
}

struct outcome {
    int r;
    struct got g;
    struct reader_stats st;
    struct imx_err e;
};

static void read_watched(const char *json, size_t len, int no_skip, struct outcome *o)
{
    struct reader_opts ro = {.fn = collect,
                             .ud = &o->g,
                             .label = "t.json",
                             .st = &o->st,
                             .watch_key = "m",
                             .watch = keep_m,
                             .no_skip = no_skip};
    memset(o, 0, sizeof(*o));
    buf_init(&o->g.dump, 1 << 24);
    o->r = reader_read_mem(json, len, &ro, &o->e);
}

/* Reads json with the skip and without; both must tell the same. Returns the rows skipped. */
static unsigned long same_as_full_parse(const char *json, size_t len)
{
    struct outcome a, b;
    unsigned long skipped;

    read_watched(json, len, 0, &a);
    read_watched(json, len, 1, &b);
    CHECK(a.r == b.r);
    CHECK_STR(a.e.msg, b.e.msg);
    CHECK_STR(a.g.dump.p, b.g.dump.p);
    CHECK(a.g.rows == b.g.rows && a.st.rows == b.st.rows && a.st.dropped == b.st.dropped);
    CHECK(a.st.not_object == b.st.not_object && a.st.nan_tokens == b.st.nan_tokens);
    CHECK(b.st.skipped == 0);
    if (a.r != b.r || strcmp(a.e.msg, b.e.msg) || strcmp(a.g.dump.p, b.g.dump.p))
        fprintf(stderr, "  input: %.200s\n  skip: %d %s %s\n  full: %d %s %s\n", json, a.r, a.e.msg,
                a.g.dump.p, b.r, b.e.msg, b.g.dump.p);
    skipped = a.st.skipped;
    buf_release(&a.g.dump);
    buf_release(&b.g.dump);
    return skipped;
}

static unsigned long same_as_full(const char *json)
{
    return same_as_full_parse(json, strlen(json));
}

static void dropped_rows_are_skipped(void)
{
    struct outcome o;
    /* the model key first, last, between nested objects and arrays; every kind of value after it */
    const char *json =
        "[{\"m\": \"ok\", \"a\": 1},\n"
        " {\"m\": \"x1\", \"a\": 1, \"b\": {\"c\": [1, -2.5e+3, {\"d\": null}], \"e\": {}},\n"
        "  \"f\": [], \"g\": true, \"h\": false, \"i\": \"caf\\u00e9 \\\"q\\\" \\\\ \\/ \\n\","
        "  \"j\": \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\", \"k\": 0, \"l\": -0.0E5},\n"
        " {\"a\": 1, \"b\": {\"c\": 2}, \"r\": [3], \"m\": \"x2\", \"z\": 3},\n"
        " {\"a\": 2, \"m\": \"ok\"}]";

    CHECK(same_as_full(json) == 2);
    read_watched(json, strlen(json), 0, &o);
    CHECK(o.r == 0 && o.g.rows == 2 && o.st.dropped == 2 && o.st.skipped == 2);
    CHECK_STR(o.g.dump.p, "m=2:ok;a=1:1;|a=1:2;m=2:ok;|");
    buf_release(&o.g.dump);
}

static void duplicate_and_nested_model_keys(void)
{
    /* a duplicate: the first rejection drops the row, whichever occurrence it is */
    CHECK(same_as_full("[{\"m\": \"ok\", \"a\": 1, \"m\": \"x\", \"b\": 2}, {\"m\": \"x\", \"m\": "
                       "\"ok\"}, {\"m\": \"ok\", \"m\": \"ok2\"}]") == 2);
    /* nested "m" keys are not the model key; a number is not looked at */
    CHECK(
        same_as_full("[{\"n\": {\"m\": \"x\"}, \"a\": 1}, {\"a\": {\"b\": {\"m\": \"x\"}}, \"m\": "
                     "\"ok\"}, {\"m\": 1}, {\"q\": [{\"m\": \"x\"}]}]") == 0);
    /* one row object: nothing to skip to */
    CHECK(same_as_full("{\"m\": \"x\", \"a\": 1}") == 0);
    CHECK(same_as_full("[[{\"m\": \"x\"}], {\"m\": \"x\"}, 3, {\"m\": \"ok\"}]") == 1);
}

/* Whatever is wrong after the model key of a dropped row fails the file as a full parse does:
 * same message, same line and column; rows before it delivered once. */
static void malformed_dropped_rows_fail_the_file(void)
{
    static const char *const bad[] = {
        "[{\"m\": \"ok\"}, {\"m\": \"x\", \"a\": 1, \"b\" 2}, {\"m\": \"ok\"}]",
        "[{\"m\": \"x\", \"a\": [1, 2,]}]",
        "[{\"m\": \"x\", \"a\": tru}]",
        "[{\"m\": \"x\", \"a\": 01}]",
        "[{\"m\": \"x\", \"a\": -}]",
        "[{\"m\": \"x\", \"a\": 1.}]",
        "[{\"m\": \"x\", \"a\": 1e}]",
        "[{\"m\": \"x\", \"a\": \"\\q\"}]",
        "[{\"m\": \"x\", \"a\": \"\\u12G4\"}]",
        "[{\"m\": \"x\", \"a\": \"tab\there\"}]",
        "[{\"m\": \"x\", \"a\": \"\xff\"}]",
        "[{\"m\": \"x\", \"a\": 1,}]",
        "[{\"m\": \"x\", \"a\": 1]]",
        "[{\"m\": \"x\", \"a\": {\"b\": 1]}]",
        "[{\"m\": \"x\", /* c */ \"a\": 1}]",
        "[{\"m\": \"x\"} {\"m\": \"ok\"}]",
        "[{\"m\": \"x\"}] trailing",
        "[{\"m\": \"x\"},]",
        "[{\"m\": \"ok\", \"a\": 1}, {\"m\": \"x\", \"a\": 1,",
        "[{\"m\": \"x\"",
        "[{\"m\": \"x\"}",
        "[{\"m\": \"x\"}, ",
        "[{\"m\": \"x\", \"a\": \"a\\u0000b\"}]",
        "[{\"m\": \"x\", \"a\\u0000\": 1}]",
        "[{\"m\": \"x\", \"a\": NaNa}]",
        "[{\"m\": \"x\", \"a\": \"caf\xc3\xa9\", \"b\": 1 2}]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct outcome o;
        same_as_full(bad[i]);
        read_watched(bad[i], strlen(bad[i]), 0, &o);
        CHECK(o.r < 0 && o.e.code == IMX_EPARSE && strstr(o.e.msg, "t.json"));
        if (o.r >= 0)
            fprintf(stderr, "  accepted: %s\n", bad[i]);
        buf_release(&o.g.dump);
    }
    /* a raw NUL byte, which no C string literal holds */
    same_as_full_parse("[{\"m\": \"x\", \"a\": \"a\0b\"}]", 24);
}

/* Unusual but valid content the skip does not vouch for is read again in full, correctly. */
static void unusual_dropped_rows_are_read_in_full(void)
{
    struct buf b = BUF_INIT_MAX(1 << 20);

    CHECK(same_as_full("[{\"m\": \"x\", \"a\": NaN, \"b\": -Infinity}, {\"m\": \"ok\", \"v\": "
                       "Infinity}]") == 0);
    CHECK(same_as_full("[{\"m\": \"x\", \"a\": \"\\ud83d\\ude00\"}, {\"m\": \"ok\"}]") == 0);
    CHECK(same_as_full("[{\"m\": \"x\", \"a\": \"\x7f\"}, {\"m\": \"ok\"}]") == 0);
    CHECK(same_as_full("[{\"m\": \"x\", \"a\":\v1}, {\"m\": \"ok\"}]") == 0);
    CHECK(same_as_full("[{\"m\": \"x\", \"a\": \"\xed\xa0\x80\"}, {\"m\": \"ok\"}]") == 0);
    /* yajl lets a cut UTF-8 sequence and an overlong form pass; the skip gives up on them */
    CHECK(same_as_full("[{\"m\": \"x\", \"a\": \"\xe2\x82\"}, {\"m\": \"ok\"}]") == 0);
    CHECK(same_as_full("[{\"m\": \"x\", \"a\": \"\xc0\x80\"}, {\"m\": \"ok\"}]") == 0);
    /* numbers past READER_MAX_NUMBER, nesting past READER_MAX_DEPTH */
    buf_adds(&b, "[{\"m\": \"x\", \"a\": ");
    for (int i = 0; i < 200; i++)
        buf_addc(&b, '7');
    buf_adds(&b, "}, {\"m\": \"ok\"}]");
    CHECK(same_as_full(b.p) == 0);
    buf_reset(&b);
    buf_adds(&b, "[{\"m\": \"x\", \"a\": ");
    for (int i = 0; i < 70; i++)
        buf_addc(&b, '[');
    for (int i = 0; i < 70; i++)
        buf_addc(&b, ']');
    buf_adds(&b, "}, {\"m\": \"ok\"}]");
    CHECK(same_as_full(b.p) == 0);
    buf_release(&b);
}

/* Rows across many 64 KiB chunks: the skip resumes where a chunk cut it, at every kind of
 * token; and a file cut short anywhere reads as a full parse does. */
static void skip_across_chunks(void)
{
    struct buf b = BUF_INIT_MAX(1 << 22);
    unsigned long skipped;

    buf_addc(&b, '[');
    for (int i = 0; i < 3000; i++) {
        buf_addf(&b,
                 "%s\n  {\"hw\": \"h%d\", \"m\": \"%s\", \"s\": \"%*s\\u00e9\xc3\xa9\", "
                 "\"n\": %d.%de-%d, \"o\": {\"p\": [true, false, null, {}]}, \"t\": []}",
                 i ? "," : "", i, i % 3 ? "x" : "ok", 1 + i % 37, "", i, i % 7, i % 3);
    }
    buf_adds(&b, "\n]");
    skipped = same_as_full_parse(b.p, b.len);
    CHECK(skipped == 2000);
    for (size_t cut = b.len / 2; cut < b.len / 2 + 300; cut += 7)
        CHECK(same_as_full_parse(b.p, cut) == 0);
    buf_release(&b);
}

int main(void)
{
    RUN(numbers_keep_source_text);
    RUN(strings_bools_nulls);
    RUN(python_nan_tokens_are_missing);
    RUN(nested_objects_flatten_and_dotted_keys);
    RUN(shapes);
    RUN(errors_name_file_and_position);
    RUN(deep_nesting_is_an_error);
    RUN(absurd_numbers);
    RUN(callback_can_stop);
    RUN(dropped_rows_are_skipped);
    RUN(duplicate_and_nested_model_keys);
    RUN(malformed_dropped_rows_fail_the_file);
    RUN(unusual_dropped_rows_are_read_in_full);
    RUN(skip_across_chunks);
    UNIT_END();
}
