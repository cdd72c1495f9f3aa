/* json: the depth scan and the guarded tree parse (see json.h). */
#include "util/json.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int json_depth_check(const char *text, size_t len, int max, size_t *at)
{
    int depth = 0, in_str = 0;

    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_str) {
            if (c == '\\')
                i++; /* the escaped character cannot end the string */
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > max) {
                if (at)
                    *at = i;
                return -1;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return 0;
}

yajl_val json_tree_parse(const char *text, size_t len, char *why, size_t whysize)
{
    char ebuf[256];
    char *copy;
    size_t at = 0;
    yajl_val root;

    if (whysize)
        why[0] = '\0';
    if (json_depth_check(text, len, JSON_DEPTH_MAX, &at) < 0) {
        if (whysize)
            snprintf(why, whysize, "nesting deeper than %d levels (at byte %zu)", JSON_DEPTH_MAX,
                     at);
        return NULL;
    }
    /* yajl_tree_parse wants a NUL-terminated text; callers only promise len bytes */
    copy = xstrndup(text, len);
    root = yajl_tree_parse(copy, ebuf, sizeof(ebuf));
    free(copy);
    if (!root && whysize) {
        char *nl = strchr(ebuf, '\n');
        if (nl)
            *nl = '\0';
        snprintf(why, whysize, "%s", ebuf[0] ? ebuf : "not JSON");
    }
    return root;
}
