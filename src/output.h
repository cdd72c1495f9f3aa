/* output: where a command's table goes and in which format: a regular file (written to a
 * temporary file beside it and renamed into place), standard output or a device, as CSV,
 * JSON Lines or SQLite (--format, else the output's extension). */
#ifndef IMX_OUTPUT_H
#define IMX_OUTPUT_H

#include "util/fsutil.h"

#include <stdio.h>

enum out_format { FMT_CSV, FMT_JSONL, FMT_SQLITE };

/* The format --format names, else the one the path's extension implies, else CSV. */
enum out_format out_format_of(const char *format, const char *path);
const char *out_format_ext(enum out_format f);

struct out {
    const char *label; /* path for messages, or "standard output" */
    FILE *fp;          /* where rows are written */
    struct atomic_file af;
    int mode;   /* OUT_ATOMIC, OUT_DIRECT (stdout, a device), OUT_SPOOL (via a temporary) */
    FILE *dest; /* OUT_SPOOL: where the spool is copied at commit */
    char *real; /* a symlink's target, replaced instead of the link */
    /* the output's folder when this command created it: removed again if the output fails */
    char *made_dir;
    size_t made; /* mkdir_p_made: made_dir's prefix naming the first folder created */
};

/*
 * Opens the output. rewindable asks for an output that out_rewind can empty again (the
 * history may restart when a later run brings a new column): standard output and devices
 * are then written through a temporary file. Errors are printed; returns an exit status.
 */
int out_open(struct out *o, const char *path, int rewindable);
/* Creates the folders above path, remembering in o those it made; errors are printed; returns
 * an exit status. out_open does it; out_abort and a failed out_commit remove them again. */
int out_make_parent(struct out *o, const char *path);
/* After an output that out_open did not handle (SQLite): failed, the folders out_make_parent
 * made are removed while empty; either way o forgets them. */
void out_made_done(struct out *o, int failed);
/* Empties what was written so far (rewindable outputs only); returns an exit status. */
int out_rewind(struct out *o);
/* Completes the output (renames into place, copies the spool); returns an exit status. */
int out_commit(struct out *o);
/* Drops the output: a previous file is left unchanged. */
void out_abort(struct out *o);

#endif
