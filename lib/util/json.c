/* json: the depth scan and the guarded tree parse (see json.h). */
#include "util/json.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <stdarg.h>
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

yajl_val json_parse(const char *text, size_t len, const char *what, struct imx_err *err)
{
    char why[300];
    yajl_val root = json_tree_parse(text, len, why, sizeof(why));

    if (!root)
        imx_seterr(err, IMX_EPARSE, "%s: not valid JSON (%s)", what, why);
    return root;
}

yajl_val json_get(yajl_val obj, const char *key)
{
    const char *path[2] = {key, NULL};

    return obj && key ? yajl_tree_get(obj, path, yajl_t_any) : NULL;
}

yajl_val json_path(yajl_val obj, ...)
{
    va_list ap;
    const char *key;

    va_start(ap, obj);
    while (obj && (key = va_arg(ap, const char *)) != NULL)
        obj = json_get(obj, key);
    va_end(ap);
    return obj;
}

size_t json_len(yajl_val v)
{
    return v && YAJL_IS_ARRAY(v) ? v->u.array.len : 0;
}

yajl_val json_at(yajl_val v, size_t i)
{
    return i < json_len(v) ? v->u.array.values[i] : NULL;
}

const char *json_str(yajl_val v)
{
    /* YAJL_GET_STRING is NULL for other nodes, and yajl never leaves a string node's text NULL */
    return v && YAJL_IS_STRING(v) ? v->u.string : NULL;
}

char *json_strdup(yajl_val v)
{
    const char *s = json_str(v);

    return s ? xstrdup(s) : NULL;
}

int json_int(yajl_val v, long long *out)
{
    if (!v || !YAJL_IS_INTEGER(v))
        return -1;
    *out = YAJL_GET_INTEGER(v);
    return 0;
}

const char *json_text(yajl_val v)
{
    if (v && YAJL_IS_STRING(v))
        return v->u.string;
    if (v && YAJL_IS_NUMBER(v))
        return v->u.number.r;
    return NULL;
}

int json_true(yajl_val v)
{
    return v && YAJL_IS_TRUE(v);
}
