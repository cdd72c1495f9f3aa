/* test_json: the nesting guard in front of yajl's tree parser: depth counted outside strings
 * only, a document past the cap refused before any tree is built, the rest parsed as before. */
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

int main(void)
{
    RUN(depth);
    RUN(tree);
    UNIT_END();
}
