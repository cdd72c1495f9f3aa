/* json: the nesting guard in front of every in-memory JSON parse (yajl's tree code recurses once
 * per level, so a body of a million '[' would overflow the stack: the depth is measured first),
 * and the one set of getters every module reads a parsed tree with. */
#ifndef IMX_JSON_H
#define IMX_JSON_H

#include <stddef.h>
#include <yajl/yajl_tree.h>

struct imx_err;

/* No document imx reads (run objects, listings, manifests, API answers, rows) nests deeper. */
#define JSON_DEPTH_MAX 64

/*
 * Scans text[0..len) for '[' and '{' outside strings. Returns 0 when the nesting stays within
 * max, else -1 with *at (may be NULL) set to the offset of the bracket that went past it. Cheap:
 * one pass, no allocation, no validation (the parser that follows validates).
 */
int json_depth_check(const char *text, size_t len, int max, size_t *at);

/*
 * yajl_tree_parse of text[0..len) (NUL-terminated or not), refused before any tree is built when
 * it nests deeper than JSON_DEPTH_MAX. NULL on failure, with a one-line reason in why (which the
 * caller prefixes with the file or URL).
 */
yajl_val json_tree_parse(const char *text, size_t len, char *why, size_t whysize);

/* json_tree_parse with the reason in err: IMX_EPARSE "<what>: not valid JSON (<why>)". */
yajl_val json_parse(const char *text, size_t len, const char *what, struct imx_err *err);

/*
 * Getters. Each takes any node, NULL included, and answers NULL (or -1, or 0) for a missing key
 * or a node of another type, so lookups chain without checks in between:
 * json_str(json_get(json_get(o, "a"), "b")) is NULL whether o, a or b is missing or not what
 * was expected. The nodes and strings returned belong to the tree (yajl_tree_free frees them).
 */

/* The member key of an object; NULL when obj is not an object or has no such member. */
yajl_val json_get(yajl_val obj, const char *key);

/* The member at a path of keys ending in NULL (json_path(o, "a", "b", NULL) is o.a.b). */
yajl_val json_path(yajl_val obj, ...) __attribute__((sentinel));

/* The number of elements of an array node; 0 for any other node. */
size_t json_len(yajl_val v);

/* Element i of an array node; NULL past its end or for any other node. */
yajl_val json_at(yajl_val v, size_t i);

/* The text of a string node; NULL for any other node. */
const char *json_str(yajl_val v);

/* A copy of json_str(v) (xstrdup), or NULL. */
char *json_strdup(yajl_val v);

/*
 * An integer node's value into *out: 0, or -1 (*out untouched) when v is not a number without
 * fraction or exponent that fits a long long (yajl keeps such a number as text and a double).
 */
int json_int(yajl_val v, long long *out);

/*
 * The text of a string or number node as the document wrote it (a number of any size keeps all
 * its digits: the API sends run ids as strings or, after type drift, as numbers). NULL else.
 */
const char *json_text(yajl_val v);

/* 1 when v is the literal true, else 0 (false, missing, "true" as a string). */
int json_true(yajl_val v);

#endif
