/* json: the nesting guard in front of every in-memory JSON parse. yajl's tree code recurses once
 * per level, so a body of a million '[' would overflow the stack: the depth is measured first. */
#ifndef IMX_JSON_H
#define IMX_JSON_H

#include <stddef.h>
#include <yajl/yajl_tree.h>

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

#endif
