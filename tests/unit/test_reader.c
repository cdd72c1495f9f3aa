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
    UNIT_END();
}
