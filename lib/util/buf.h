/* buf: the one growable byte buffer of imx, with a hard size cap.
 * Every string built from input (JSON keys and values, HTTP bodies, paths) goes through it. */
#ifndef IMX_BUF_H
#define IMX_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Invariants: `p` is never NULL and always NUL-terminated (it points at a
 * shared empty string until the first append), `len < cap` once allocated,
 * and `len` never exceeds `max`. An append that would pass `max` fails with
 * -1 and empties the buffer, so a hostile input cannot grow memory without
 * bound. The failure is sticky: every later append fails too, until buf_reset
 * or buf_release, so a string built in several appends is whole or "" and
 * marked failed (never "a/b" missing its middle, never the prefix "a/"): a
 * path, URL or key whose build no caller checked names nothing, and one
 * buf_failed() check after the last append covers them all. Allocation
 * failure aborts (imx's OOM policy: see xalloc.h).
 */
struct buf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;
    int failed; /* an append passed max: the content is incomplete */
};

#define BUF_MAX_DEFAULT ((size_t)1 << 20)
/* Caps by what a buffer holds, for those that no input-driven cap (FS_PATH_MAX, HTTP_URL_MAX,
 * ROW_TEXT_MAX, ...) bounds: reaching one fails the buffer, as any cap does. */
#define BUF_NUM_MAX 32                  /* a number or an id in decimal */
#define BUF_WORD_MAX 64                 /* a short prefix or date */
#define BUF_NAME_MAX 256                /* a name: a file's prefix, a line of progress */
#define BUF_LABEL_MAX 512               /* a column's description */
#define BUF_MSG_MAX 1024                /* a message or a summary line */
#define BUF_TEXT_MAX 4096               /* a header line, a statement, a list of names */
#define BUF_LIST_MAX 8192               /* a selection, a list of paths or labels */
#define BUF_BLOCK_MAX ((size_t)1 << 16) /* a table's line, a chart's series */
#define BUF_DOC_MAX ((size_t)1 << 24)   /* a document written whole (JSON, SQL) */
#define BUF_ROW_MAX ((size_t)64 << 20)  /* one output row (CSV, JSON Lines) */
#define BUF_INIT_MAX(m)                                                                            \
    {                                                                                              \
        .p = buf_empty_, .len = 0, .cap = 0, .max = (m), .failed = 0                               \
    }
#define BUF_INIT BUF_INIT_MAX(BUF_MAX_DEFAULT)

extern char buf_empty_[1];

void buf_init(struct buf *b, size_t max);
/* Frees the storage and returns the buffer to its initial (empty) state. */
void buf_release(struct buf *b);
/* Empties the buffer, keeping its storage (and clears a failure). */
void buf_reset(struct buf *b);
/* Returns the malloc'ed string and leaves the buffer empty; the caller frees it. */
char *buf_detach(struct buf *b, size_t *len);

/* Appends; 0 on success, -1 if the cap would be exceeded (buffer emptied, and marked
 * failed). The same for every buf_add* below: -1 is the cap, never an imx code. */
int buf_add(struct buf *b, const void *data, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quoted, escaped), or null when s is NULL. */
int buf_add_json(struct buf *b, const char *s);
/* Appends sep, "key": and value as buf_add_json writes it: a member of a JSON object written
 * by hand (the run.json of the backup and the API, the members backfill adds). */
int buf_add_member(struct buf *b, const char *sep, const char *key, const char *value);
/*
 * Appends n bytes of s as they may be shown on a terminal or in a message, as git and curl
 * show names from the outside: valid UTF-8 as itself, and as \xNN each byte that a terminal
 * would act on or that is not text: C0 controls (tab and newline included), DEL, C1 controls
 * (raw or UTF-8 encoded), the bidirectional overrides and isolates (U+202A-E, U+2066-9) and
 * every byte of invalid UTF-8. A backslash stays itself. For what people read, never for
 * data outputs (CSV, JSON, SQLite keep the exact bytes).
 */
int buf_add_shown(struct buf *b, const char *s, size_t n);
int buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Makes room for n more bytes (plus the terminator) without appending; -1 past the cap. */
int buf_reserve_slow(struct buf *b, size_t n);
static inline int buf_reserve(struct buf *b, size_t n)
{
    /* the hot path (room already there) stays inline: it runs for every JSON value */
    if (b->cap && !b->failed && n < b->cap - b->len && n <= b->max - b->len)
        return 0;
    return buf_reserve_slow(b, n);
}
/* Shortens to n bytes (n <= len). */
void buf_truncate(struct buf *b, size_t n);
/* Nonzero once an append was refused by the cap (sticky until buf_reset/buf_release). */
static inline int buf_failed(const struct buf *b)
{
    return b->failed;
}

#endif
