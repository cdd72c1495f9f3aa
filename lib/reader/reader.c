/* reader: yajl callback parser that flattens each row object into a struct row.
 * Python's NaN/Infinity tokens are not JSON; a file holding them is re-read through a small
 * token filter that turns them into null, so the common case pays nothing for them. */
#include "reader/reader.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <yajl/yajl_parse.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536

struct rstate {
    const struct reader_opts *o;
    struct imx_err *err;
    int depth;      /* nesting depth: 1 inside the top-level container */
    int top;        /* 'a' top-level array, 'o' top-level object, 0 before it */
    int row_depth;  /* depth of the current row's map, 0 outside rows */
    int skip_depth; /* > 0 inside something ignored (an array in a row, a non-object element) */
    struct row row;
    struct buf path; /* "router." while inside nested maps */
    size_t path_len[READER_MAX_DEPTH + 2];
    struct buf key; /* the current key inside nested maps */
    size_t key_off; /* top-level keys are written straight into the row: where it starts */
    size_t key_len;
    int key_pending; /* a top-level key is in the row's text, waiting for its value */
    int dropped;     /* the early filter rejected this row */
    size_t watch_len;
    size_t index, next;
    size_t skip_below; /* after a restart: elements already delivered */
    size_t done;       /* elements fully handled (delivered or reported) so far */
    int cb_code;
    const char *fail; /* our own reason for stopping, if not a callback's */
    unsigned long nan;
    int maybe_nul; /* a "u0000" was seen: strings are searched for NUL characters */
    char tail[5];  /* the last bytes fed, for an escape cut between chunks */
    size_t ntail;
};

static void element_begin(struct rstate *s)
{
    s->index = s->next++;
}

static int emit(struct rstate *s)
{
    int r;

    s->done = s->index + 1;
    if (s->index < s->skip_below)
        return 1;
    if (s->dropped) {
        if (s->o->st)
            s->o->st->dropped++;
        return 1;
    }
    if (s->o->st)
        s->o->st->rows++;
    if (!s->o->fn)
        return 1;
    r = s->o->fn(s->o->ud, &s->row, s->index);
    if (r < 0) {
        s->cb_code = r;
        return 0;
    }
    return 1;
}

static void not_object(struct rstate *s, const char *what)
{
    s->done = s->index + 1;
    if (s->index < s->skip_below)
        return;
    if (s->o->st)
        s->o->st->not_object++;
    imx_warn(s->o->diag, IMX_EPARSE, "%s: element %zu is %s, not a row object: skipped",
             s->o->label, s->index, what);
}

/* A key written into the row's text that gets no scalar value (a map or array follows) is taken
 * back. */
static void drop_pending_key(struct rstate *s)
{
    if (s->key_pending) {
        buf_truncate(&s->row.text, s->key_off);
        s->key_pending = 0;
    }
}

static int on_value(struct rstate *s, const char *text, size_t len, enum val_kind kind)
{
    if (s->skip_depth)
        return 1;
    if (s->depth == 0) {
        s->fail = "the file holds a single value, not an array or object of rows";
        return 0;
    }
    if (s->top == 'a' && s->depth == 1) {
        element_begin(s);
        not_object(s, kind == VAL_STR ? "a string" : kind == VAL_NULL ? "null" : "a scalar");
        return 1;
    }
    if (!s->row_depth || s->dropped)
        return 1;
    if (s->key_pending) {
        s->key_pending = 0;
        if (s->o->watch && kind == VAL_STR && s->key_len == s->watch_len &&
            !memcmp(s->row.text.p + s->key_off, s->o->watch_key, s->key_len) &&
            !s->o->watch(s->o->ud, text, len)) {
            s->dropped = 1;
            return 1;
        }
        if (row_add_value(&s->row, s->key_off, s->key_len, text, len, kind) < 0) {
            s->fail = "a row is larger than 1 MiB";
            return 0;
        }
        return 1;
    }
    {
        size_t mark = s->path.len;
        int r = buf_add(&s->path, s->key.p, s->key.len);
        if (r == 0)
            r = row_add(&s->row, s->path.p, s->path.len, text, len, kind);
        buf_truncate(&s->path, mark);
        if (r < 0) {
            s->fail = "a row is larger than 1 MiB";
            return 0;
        }
    }
    return 1;
}

static int cb_null(void *ctx)
{
    return on_value(ctx, "", 0, VAL_NULL);
}

static int cb_boolean(void *ctx, int b)
{
    return on_value(ctx, b ? "true" : "false", b ? 4 : 5, VAL_BOOL);
}

static int cb_number(void *ctx, const char *num, size_t len)
{
    struct rstate *s = ctx;

    if (len > READER_MAX_NUMBER) {
        s->fail = "a number is absurdly long";
        return 0;
    }
    return on_value(s, num, len, VAL_NUM);
}

static int cb_string(void *ctx, const unsigned char *str, size_t len)
{
    struct rstate *s = ctx;

    /* "\u0000" in a value: C strings would cut it and a raw NUL must never reach the CSV */
    if (s->maybe_nul && memchr(str, 0, len)) {
        s->fail = "a string holds a NUL character (\\u0000)";
        return 0;
    }
    return on_value(s, (const char *)str, len, VAL_STR);
}

static int cb_map_key(void *ctx, const unsigned char *key, size_t len)
{
    struct rstate *s = ctx;

    /* "hw\u0000" is not "hw": as a C string it would be, and override it */
    if (s->maybe_nul && memchr(key, 0, len)) {
        s->fail = "a key holds a NUL character (\\u0000)";
        return 0;
    }
    if (s->skip_depth || !s->row_depth || s->dropped)
        return 1;
    if (s->depth == s->row_depth) {
        /* the common case: straight into the row, saving a copy per field */
        drop_pending_key(s);
        s->key_off = s->row.text.len;
        if (buf_reserve(&s->row.text, len + 1) < 0) {
            s->fail = "a row is larger than 1 MiB";
            return 0;
        }
        memcpy(s->row.text.p + s->key_off, key, len);
        s->row.text.p[s->key_off + len] = '\0';
        s->row.text.len += len + 1;
        s->key_len = len;
        s->key_pending = 1;
        return 1;
    }
    buf_reset(&s->key);
    if (buf_add(&s->key, key, len) < 0) {
        s->fail = "a key is longer than 1 MiB";
        return 0;
    }
    return 1;
}

static int enter(struct rstate *s)
{
    if (s->depth >= READER_MAX_DEPTH) {
        s->fail = "nesting is deeper than 64 levels";
        return 0;
    }
    s->depth++;
    return 1;
}

static int cb_start_map(void *ctx)
{
    struct rstate *s = ctx;

    if (!enter(s))
        return 0;
    if (s->skip_depth) {
        s->skip_depth++;
    } else if (s->depth == 1 || (s->top == 'a' && s->depth == 2)) {
        if (s->depth == 1)
            s->top = 'o';
        element_begin(s);
        s->row_depth = s->depth;
        row_clear(&s->row);
        buf_reset(&s->path);
        s->key_pending = 0;
        s->dropped = 0;
    } else if (s->row_depth && s->dropped) {
        s->skip_depth = 1;
    } else if (s->row_depth) {
        int r;
        s->path_len[s->depth] = s->path.len;
        if (s->key_pending) {
            /* a nested object under a top-level key: the key moves into the path */
            r = buf_add(&s->path, s->row.text.p + s->key_off, s->key_len);
            drop_pending_key(s);
        } else {
            r = buf_add(&s->path, s->key.p, s->key.len);
        }
        if (r < 0 || buf_addc(&s->path, '.') < 0) {
            s->fail = "a key path is longer than 1 MiB";
            return 0;
        }
    }
    return 1;
}

static int cb_end_map(void *ctx)
{
    struct rstate *s = ctx;
    int r = 1;

    if (s->skip_depth) {
        s->skip_depth--;
    } else if (s->row_depth && s->depth == s->row_depth) {
        s->row_depth = 0;
        drop_pending_key(s);
        r = emit(s);
    } else if (s->row_depth && s->depth > s->row_depth) {
        buf_truncate(&s->path, s->path_len[s->depth]);
    }
    s->depth--;
    return r;
}

static int cb_start_array(void *ctx)
{
    struct rstate *s = ctx;

    if (!enter(s))
        return 0;
    if (s->skip_depth) {
        s->skip_depth++;
    } else if (s->depth == 1) {
        s->top = 'a';
    } else if (s->top == 'a' && s->depth == 2) {
        element_begin(s);
        not_object(s, "an array");
        s->skip_depth = 1;
    } else if (s->row_depth) {
        /* arrays inside a row (AgentX per-request lists) carry no table value */
        drop_pending_key(s);
        s->skip_depth = 1;
    }
    return 1;
}

static int cb_end_array(void *ctx)
{
    struct rstate *s = ctx;

    if (s->skip_depth)
        s->skip_depth--;
    s->depth--;
    return 1;
}

static const yajl_callbacks callbacks = {
    cb_null,      cb_boolean, NULL,       NULL,           cb_number,    cb_string,
    cb_start_map, cb_map_key, cb_end_map, cb_start_array, cb_end_array,
};

/* Input: a file descriptor or a memory block, re-readable from the start. */
struct source {
    int fd;
    const char *mem;
    size_t len, pos;
};

static long source_read(struct source *src, char *out, size_t cap)
{
    if (src->fd >= 0) {
        ssize_t n;
        do
            n = read(src->fd, out, cap);
        while (n < 0 && errno == EINTR);
        return (long)n;
    }
    size_t n = src->len - src->pos < cap ? src->len - src->pos : cap;
    memcpy(out, src->mem + src->pos, n);
    src->pos += n;
    return (long)n;
}

static int source_rewind(struct source *src)
{
    if (src->fd >= 0)
        return lseek(src->fd, 0, SEEK_SET) == 0 ? 0 : -1;
    src->pos = 0;
    return 0;
}

/*
 * The NaN filter: outside strings, NaN, Infinity and -Infinity become null.
 * pend holds a token cut by a chunk boundary.
 */
struct nanfilter {
    int in_str, esc;
    char pend[12];
    size_t npend;
};

static int is_token_prefix(const char *p, size_t n, const char **full)
{
    static const char *const toks[] = {"NaN", "Infinity", "-Infinity"};
    for (size_t i = 0; i < 3; i++) {
        if (n <= strlen(toks[i]) && !memcmp(p, toks[i], n)) {
            *full = toks[i];
            return 1;
        }
    }
    return 0;
}

static void nanfilter_feed(struct nanfilter *f, const char *in, size_t n, struct buf *out,
                           unsigned long *count)
{
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (f->in_str) {
            buf_addc(out, c);
            if (f->esc)
                f->esc = 0;
            else if (c == '\\')
                f->esc = 1;
            else if (c == '"')
                f->in_str = 0;
            continue;
        }
        if (f->npend || c == 'N' || c == 'I' || c == '-') {
            const char *full;
            f->pend[f->npend++] = c;
            if (is_token_prefix(f->pend, f->npend, &full)) {
                if (f->npend == strlen(full)) {
                    buf_adds(out, "null");
                    f->npend = 0;
                    (*count)++;
                }
                continue;
            }
            /* not one of ours: hand the bytes on unchanged, the last one re-examined */
            buf_add(out, f->pend, f->npend - 1);
            f->npend = 0;
            if (c == 'N' || c == 'I' || c == '-') {
                f->pend[f->npend++] = c;
                continue;
            }
        }
        if (c == '"')
            f->in_str = 1;
        buf_addc(out, c);
    }
}

/* Line and column of the parse, kept as bytes are fed (not by reading the file again: it
 * may have changed, e.g. been cut short, since). */
struct pos {
    size_t line, col;
};

static void pos_advance(struct pos *p, const char *s, size_t n)
{
    size_t nl = 0, k = 0, i = n;

    /* blocks of a fixed length with a byte-wide count: a loop gcc vectorizes at -O2 (a call
     * of memchr per line costs more than the parse's own work on pretty-printed files) */
    for (; k + 128 <= n; k += 128) {
        unsigned char c = 0;
        for (size_t j = 0; j < 128; j++)
            c += s[k + j] == '\n';
        nl += c;
    }
    for (; k < n; k++)
        nl += s[k] == '\n';
    if (!nl) {
        p->col += n;
        return;
    }
    while (i > 0 && s[i - 1] != '\n')
        i--;
    p->line += nl;
    p->col = 1 + (n - i);
}

/* Does a "\u0000" escape start at one of the n bytes of p (with up to 5 bytes after it)? */
static int has_nul_escape(const char *p, size_t n, size_t avail)
{
    const char *b = p, *end = p + n;

    while ((b = memchr(b, '\\', (size_t)(end - b)))) {
        if ((size_t)(b - p) + 6 <= avail && !memcmp(b + 1, "u0000", 5))
            return 1;
        b++;
    }
    return 0;
}

/* Could this chunk hold a "\u0000" escape? Strings are only searched for a NUL once one
 * might be there (yajl rejects raw control characters, so the escape is the only way in);
 * tail carries the end of the previous chunk, for an escape cut in two. */
static void nul_watch(struct rstate *s, const char *p, size_t n)
{
    char edge[16];
    size_t k = n < 5 ? n : 5;

    if (s->maybe_nul)
        return;
    memcpy(edge, s->tail, s->ntail);
    memcpy(edge + s->ntail, p, k);
    if (has_nul_escape(edge, s->ntail, s->ntail + k) || has_nul_escape(p, n, n))
        s->maybe_nul = 1;
    s->ntail = n >= 5 ? 5 : n;
    memcpy(s->tail, p + n - s->ntail, s->ntail);
}

static int parse_pass(struct rstate *s, struct source *src, int filtering, char *chunk,
                      struct pos *err_pos, char **yerr)
{
    yajl_handle h = yajl_alloc(&callbacks, NULL, s);
    struct buf fbuf = BUF_INIT_MAX(4 * CHUNK);
    struct nanfilter nf = {0, 0, {0}, 0};
    struct pos pos = {1, 1};
    yajl_status st = yajl_status_ok;
    long n;

    s->depth = s->top = s->row_depth = s->skip_depth = 0;
    s->key_pending = s->dropped = 0;
    s->next = 0;
    buf_reset(&s->path);
    while ((n = source_read(src, chunk, CHUNK)) > 0) {
        const unsigned char *feed = (const unsigned char *)chunk;
        size_t flen = (size_t)n;
        if (filtering) {
            buf_reset(&fbuf);
            nanfilter_feed(&nf, chunk, (size_t)n, &fbuf, &s->nan);
            feed = (const unsigned char *)fbuf.p;
            flen = fbuf.len;
        }
        nul_watch(s, (const char *)feed, flen);
        st = yajl_parse(h, feed, flen);
        if (st != yajl_status_ok) {
            pos_advance(&pos, (const char *)feed, yajl_get_bytes_consumed(h));
            break;
        }
        pos_advance(&pos, (const char *)feed, flen);
    }
    if (n < 0) {
        yajl_free(h);
        buf_release(&fbuf);
        return -2;
    }
    if (st == yajl_status_ok) {
        if (filtering && nf.npend) {
            /* a cut-off token at the very end: let yajl judge the bytes */
            st = yajl_parse(h, (const unsigned char *)nf.pend, nf.npend);
        }
        if (st == yajl_status_ok)
            st = yajl_complete_parse(h);
    }
    if (st != yajl_status_ok && st != yajl_status_client_canceled) {
        unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
        *yerr = xstrdup((const char *)msg);
        yajl_free_error(h, msg);
    }
    *err_pos = pos;
    yajl_free(h);
    buf_release(&fbuf);
    return st == yajl_status_ok ? 0 : -1;
}

static int read_source(struct source *src, const struct reader_opts *o, struct imx_err *err)
{
    struct rstate s;
    char *chunk = xmalloc(CHUNK);
    char *yerr = NULL;
    struct pos at = {1, 1};
    int r, filtering = 0;

    memset(&s, 0, sizeof(s));
    s.o = o;
    s.watch_len = o->watch_key ? strlen(o->watch_key) : 0;
    s.err = err;
    row_init(&s.row);
    buf_init(&s.path, ROW_TEXT_MAX);
    buf_init(&s.key, ROW_TEXT_MAX);

    r = parse_pass(&s, src, 0, chunk, &at, &yerr);
    if (r == -1 && !s.cb_code && !s.fail && source_rewind(src) == 0) {
        /* maybe Python's NaN: read again through the filter, skipping rows already delivered */
        char *yerr2 = NULL;
        struct pos at2 = {1, 1};
        s.skip_below = s.done;
        r = parse_pass(&s, src, 1, chunk, &at2, &yerr2);
        if (s.nan) {
            filtering = 1;
            free(yerr);
            yerr = yerr2;
            at = at2;
        } else {
            /* no NaN in it: the first pass's error has the exact position */
            free(yerr2);
            r = -1;
        }
    }
    if (o->st)
        o->st->nan_tokens += s.nan;
    if (r == -2) {
        r = imx_seterr(err, IMX_EIO, "cannot read '%s': %s", o->label, strerror(errno));
    } else if (r == -1 && s.cb_code) {
        r = s.cb_code;
    } else if (r == -1) {
        const char *why = s.fail ? s.fail : yerr ? yerr : "parse error";
        char *nl;
        if (yerr && (nl = strchr(yerr, '\n')))
            *nl = '\0';
        r = imx_seterr(err, IMX_EPARSE, "'%s': %s at line %zu, column %zu%s", o->label, why,
                       at.line, at.col, filtering ? " (approximately)" : "");
    }
    free(yerr);
    free(chunk);
    row_release(&s.row);
    buf_release(&s.path);
    buf_release(&s.key);
    return r;
}

int reader_read_file(const char *path, const struct reader_opts *o, struct imx_err *err)
{
    struct source src = {-1, NULL, 0, 0};
    struct reader_opts oo = *o;
    int r;

    if (!oo.label)
        oo.label = path;
    src.fd = open_regular(path, err);
    if (src.fd < 0)
        return -IMX_EIO;
    {
        struct stat st;
        src.len = fstat(src.fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0;
    }
    if (src.len == 0) {
        close(src.fd);
        return imx_seterr(err, IMX_EPARSE, "'%s': empty file", oo.label);
    }
    r = read_source(&src, &oo, err);
    close(src.fd);
    return r;
}

int reader_read_mem(const char *data, size_t len, const struct reader_opts *o, struct imx_err *err)
{
    struct source src = {-1, data, len, 0};
    struct reader_opts oo = *o;

    if (!oo.label)
        oo.label = "(memory)";
    if (len == 0)
        return imx_seterr(err, IMX_EPARSE, "'%s': empty input", oo.label);
    return read_source(&src, &oo, err);
}
