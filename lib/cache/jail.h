/* jail: what keeps imx inside its cache. One check for every name that comes from disk or from a
 * server before it becomes part of a path, and folders below the cache entered or made without
 * ever following a symbolic link (caches get copied, shared and untarred from others). */
#ifndef IMX_JAIL_H
#define IMX_JAIL_H

#include "util/err.h"

/*
 * Whether name (an artifact, a zip entry's component, a file a manifest names, an object or
 * API name) may be one path component in the cache: not empty, at most 255 bytes, no '/', '\\'
 * or control character, no leading '.' (so not '.', '..', '.superseded', '.damaged', staging or
 * temporary names), and none of imx's own file names (run.json, imx-manifest.json, any case).
 */
int jail_name_ok(const char *name);

/* Whether rel is '/'-separated components that each pass jail_name_ok. */
int jail_path_ok(const char *rel);

/*
 * The folders of rel ('/'-separated, written by imx itself: '.imx/tmp', 'run_<ID>/.superseded')
 * below root, made when create and missing. Any that is a symbolic link or not a folder is
 * refused: -IMX_EIO with a message naming it (the cache is then not writable, exit 4). root
 * itself is the user's choice and may be a link (made, with its parents, when create).
 */
IMX_MUST_CHECK int jail_dirs(const char *root, const char *rel, int create, struct imx_err *err);

/* jail_dirs (creating) for the folders that hold path, a file below root ("ROOT/a/b/f"). */
IMX_MUST_CHECK int jail_parent_dirs(const char *root, const char *path, struct imx_err *err);

/* Whether path is a real folder (lstat: a link to one is not). */
int jail_is_dir(const char *path);

#endif
