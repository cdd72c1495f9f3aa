/* unpack: artifacts into a staging folder, safely. Zips through libarchive, refusing every
 * entry that could land outside the folder (absolute, '..', backslashes, links), duplicate
 * names and archives that inflate beyond a cap; non-zip artifacts stay the file they are. */
#ifndef IMX_UNPACK_H
#define IMX_UNPACK_H

#include "util/buf.h"
#include "util/err.h"

struct unpack_limits {
    unsigned long long max_bytes; /* total bytes written (default 1 GiB) */
    unsigned long max_entries;    /* entries read (default 100000) */
};

struct unpack_result {
    unsigned long files;
    unsigned long dirs;
    unsigned long long bytes;
};

/*
 * Unpacks the zip at zip_path into dir (an existing, empty folder of imx's own). Any unsafe
 * entry, a duplicate name, a link, a device, more than the limits, or a damaged archive
 * fails the whole archive: -IMX_EUNSAFE, -IMX_ETOOBIG or -IMX_EPARSE, with whatever was
 * written left in dir for the caller to remove. Files are fsynced.
 */
int unpack_zip(const char *zip_path, const char *dir, const struct unpack_limits *lim,
               struct unpack_result *res, struct imx_err *err);

/*
 * The safe relative path of an archive entry name: '/'-separated components, empty and
 * '.' components dropped. Returns 0 (out may be empty: the root itself), or -1 for an
 * absolute name, a drive letter, a backslash, a '..' component, control characters or an
 * overlong name.
 */
int unpack_entry_path(const char *name, struct buf *out);

/* Whether name can be one path component of the cache: not empty, '.', '..', no '/' or
 * '\\', no leading '.', no control characters, at most 255 bytes. */
int unpack_safe_component(const char *name);

/*
 * Stores a non-zip artifact: moves file into dir under filename (when that is a safe
 * component, else `fallback`), fsynced.
 */
int unpack_raw(const char *file, const char *dir, const char *filename, const char *fallback,
               struct imx_err *err);

#endif
