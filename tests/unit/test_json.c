/* test_json: the nesting guard in front of yajl's tree parser (depth counted outside strings
 * only, a document past the cap refused before any tree is built) and the one set of getters. */
#include "util/err.h"
#include "util/json.h"

#include "unit.h"

#include <stdlib.h>

static void depth(void)
{
    size_t at = 0;

    CHECK(json_depth_check("[[1]]", 5, 2, NULL) == 0);
    CHECK(json_depth_check("[[[1]]]", 7, 2, &at) < 0 && at == 2);
    CHECK(json_depth_check("{\"a\":{\"b\":[]}}", 14, 3, NULL) == 0);
    /* brackets inside strings, escaped quotes included, do not count */
    CHECK(json_depth_check("[\"[[[\\\"[[[\"]", 12, 1, NULL) == 0);
    /* closing brackets never take the depth below zero */
    CHECK(json_depth_check("]]]][[", 6, 2, NULL) == 0);
}

static void tree(void)
{
    size_t n = 300000;
    char *deep = malloc(2 * n + 1), why[128];
    yajl_val v;

    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    CHECK(json_tree_parse(deep, 2 * n, why, sizeof(why)) == NULL);
    CHECK(strstr(why, "nesting deeper than 64") != NULL);
    free(deep);
    /* not NUL-terminated: only len bytes are read */
    v = json_tree_parse("{\"a\": 1}XXXX", 8, why, sizeof(why));
    CHECK(v && YAJL_IS_OBJECT(v));
    yajl_tree_free(v);
    CHECK(json_tree_parse("{\"a\": ", 6, why, sizeof(why)) == NULL && why[0]);
}

static yajl_val doc(const char *text)
{
    char why[128];
    yajl_val v = json_tree_parse(text, strlen(text), why, sizeof(why));

    CHECK(v != NULL);
    return v;
}

static void getters_missing(void)
{
    yajl_val v = doc("{\"a\": {\"b\": \"x\"}, \"n\": null}");
    long long x = 7;

    /* a missing key, a null member, a NULL node and a lookup in a non-object all give NULL */
    CHECK(json_get(v, "zz") == NULL);
    CHECK(json_get(NULL, "a") == NULL);
    CHECK(json_get(json_get(v, "a"), "zz") == NULL);
    CHECK(json_get(json_path(v, "a", "b", NULL), "c") == NULL);
    CHECK(json_str(json_get(v, "n")) == NULL);
    CHECK(json_strdup(json_get(v, "zz")) == NULL);
    CHECK(json_int(json_get(v, "zz"), &x) < 0 && x == 7);
    CHECK(json_text(NULL) == NULL);
    CHECK(!json_true(NULL));
    CHECK(json_len(NULL) == 0 && json_at(NULL, 0) == NULL);
    yajl_tree_free(v);
}

static void getters_types(void)
{
    yajl_val v = doc("{\"s\": \"12\", \"i\": 12, \"f\": 1.5, \"e\": 1e3, \"t\": true, "
                     "\"ts\": \"true\", \"no\": false, \"arr\": [\"p\", 3, null], "
                     "\"o\": {\"k\": 1}}");
    long long x = -1;
    char *d;

    /* each getter answers only for its own type */
    CHECK_STR(json_str(json_get(v, "s")), "12");
    CHECK(json_str(json_get(v, "i")) == NULL);
    CHECK(json_str(json_get(v, "o")) == NULL);
    CHECK(json_int(json_get(v, "s"), &x) < 0 && x == -1);
    CHECK(json_int(json_get(v, "f"), &x) < 0 && x == -1);
    CHECK(json_int(json_get(v, "e"), &x) < 0 && x == -1);
    CHECK(json_int(json_get(v, "i"), &x) == 0 && x == 12);
    CHECK(json_true(json_get(v, "t")));
    CHECK(!json_true(json_get(v, "ts")) && !json_true(json_get(v, "no")));
    CHECK(!json_true(json_get(v, "i")));
    d = json_strdup(json_get(v, "s"));
    CHECK_STR(d, "12");
    free(d);
    /* arrays: length and elements; a non-array is empty */
    CHECK(json_len(json_get(v, "arr")) == 3);
    CHECK_STR(json_str(json_at(json_get(v, "arr"), 0)), "p");
    CHECK(json_int(json_at(json_get(v, "arr"), 1), &x) == 0 && x == 3);
    CHECK(json_at(json_get(v, "arr"), 3) == NULL);
    CHECK(json_len(json_get(v, "o")) == 0 && json_at(json_get(v, "o"), 0) == NULL);
    CHECK(json_len(json_get(v, "s")) == 0);
    /* a key lookup in an array finds nothing */
    CHECK(json_get(json_get(v, "arr"), "0") == NULL);
    yajl_tree_free(v);
}

static void getters_path(void)
{
    yajl_val v = doc("{\"paths\": {\"/api/v1/x\": {\"get\": {\"parameters\": [1, 2]}}}, "
                     "\"a.b\": 5}");
    long long x = 0;

    /* keys are taken whole: slashes and dots are not separators */
    CHECK(json_len(json_path(v, "paths", "/api/v1/x", "get", "parameters", NULL)) == 2);
    CHECK(json_path(v, "paths", "/api/v1/x", "zz", "parameters", NULL) == NULL);
    CHECK(json_path(v, "paths", "/api/v1/x", "get", "parameters", "more", NULL) == NULL);
    CHECK(json_int(json_get(v, "a.b"), &x) == 0 && x == 5);
    CHECK(json_path(v, "a", "b", NULL) == NULL);
    /* no keys: the node itself */
    CHECK(json_path(v, NULL) == v);
    yajl_tree_free(v);
}

static void getters_numbers(void)
{
    yajl_val v = doc("{\"big\": 123456789012345678901234567890, \"max\": 9223372036854775807, "
                     "\"over\": 9223372036854775808, \"neg\": -9223372036854775807, "
                     "\"id\": \"22003890174\", \"nid\": 22003890174, \"f\": 2.50}");
    long long x = 0;

    /* a number too large for a long long keeps its digits as text and is no integer */
    CHECK(json_int(json_get(v, "big"), &x) < 0 && x == 0);
    CHECK_STR(json_text(json_get(v, "big")), "123456789012345678901234567890");
    CHECK(json_int(json_get(v, "max"), &x) == 0 && x == 9223372036854775807LL);
    CHECK(json_int(json_get(v, "over"), &x) < 0);
    CHECK_STR(json_text(json_get(v, "over")), "9223372036854775808");
    CHECK(json_int(json_get(v, "neg"), &x) == 0 && x == -9223372036854775807LL);
    /* number as text: a run id sent as a string or a number reads the same */
    CHECK_STR(json_text(json_get(v, "id")), "22003890174");
    CHECK_STR(json_text(json_get(v, "nid")), "22003890174");
    CHECK_STR(json_text(json_get(v, "f")), "2.50");
    CHECK(json_str(json_get(v, "nid")) == NULL);
    CHECK(json_text(json_get(v, "zz")) == NULL);
    yajl_tree_free(v);
}

static void parse_err(void)
{
    struct imx_err e = IMX_ERR_INIT;
    yajl_val v = json_parse("{\"a\": ", 6, "the run listing", &e);

    CHECK(v == NULL);
    CHECK(e.code == IMX_EPARSE);
    CHECK(strstr(e.msg, "the run listing: not valid JSON (") == e.msg);
    v = json_parse("[1]", 3, "x", &e);
    CHECK(v && json_len(v) == 1);
    yajl_tree_free(v);
}

int main(void)
{
    RUN(depth);
    RUN(tree);
    RUN(getters_missing);
    RUN(getters_types);
    RUN(getters_path);
    RUN(getters_numbers);
    RUN(parse_err);
    UNIT_END();
}
