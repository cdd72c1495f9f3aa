/* reader: yajl callback parser that flattens each row object into a struct row.
 * Python's NaN/Infinity tokens are not JSON; a file holding them is re-read through a small
 * token filter that turns them into null, so the common case pays nothing for them. */
#include "reader/reader.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <yajl/yajl_parse.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536

/*
 * The cheap skip of a dropped row: once the early filter rejects a row of an array, the rest of
 * its object is checked by this small validator instead of yajl, then a fresh yajl handle goes
 * on after it. It accepts only JSON that yajl accepts and that today's callbacks would pass
 * (strictly a subset: no \u0000 or surrogate escape, no control character, valid UTF-8, numbers of
 * at most READER_MAX_NUMBER characters, no NaN, nesting within READER_MAX_DEPTH). Anything else
 * (malformed, cut short, or merely unusual) gives up, and the file is read again by yajl alone,
 * so messages, positions and rows are exactly those of a read without the skip.
 */
enum skip_state {
    SK_VALUE,        /* a value */
    SK_VALUE_OR_END, /* after '[' */
    SK_KEY,          /* after ',' in an object */
    SK_KEY_OR_END,   /* after '{' */
    SK_COLON,
    SK_AFTER, /* after a value: ',' or the container's end */
    SK_STR,
    SK_ESC,
    SK_HEX,
    SK_UTF8,
    SK_NUM,
    SK_LIT,
};

struct skipper {
    enum skip_state state;
    int depth;            /* containers open, the row's own object counted */
    int max_depth;        /* more would pass READER_MAX_DEPTH */
    uint64_t arrays;      /* bit d: container d + 1 is an array */
    int key;              /* the string being read is a key */
    unsigned need;        /* UTF-8 continuation bytes or hex digits still expected */
    unsigned char lo, hi; /* the range of the next UTF-8 continuation byte */
    unsigned hex;
    char num[READER_MAX_NUMBER + 1];
    size_t nnum;
    const char *lit; /* the rest of true, false or null */
};

static void skipper_start(struct skipper *k, int depth)
{
    k->state = SK_AFTER; /* the value whose key made the row dropped was just read */
    k->depth = 1;
    k->max_depth = READER_MAX_DEPTH - depth;
    k->arrays = 0;
}

/* The JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int json_number(const char *p, size_t n)
{
    size_t i = 0, d;

    if (i < n && p[i] == '-')
        i++;
    if (i < n && p[i] == '0')
        i++;
    else if (i < n && p[i] >= '1' && p[i] <= '9')
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    else
        return 0;
    if (i < n && p[i] == '.') {
        for (d = ++i; i < n && p[i] >= '0' && p[i] <= '9';)
            i++;
        if (i == d)
            return 0;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        for (d = i; i < n && p[i] >= '0' && p[i] <= '9';)
            i++;
        if (i == d)
            return 0;
    }
    return i == n;
}

static int is_num_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Opens a container; 0 when nesting would go too deep. */
static int skip_push(struct skipper *k, int array)
{
    if (k->depth >= k->max_depth || k->depth >= 64)
        return 0;
    if (array)
        k->arrays |= (uint64_t)1 << k->depth;
    else
        k->arrays &= ~((uint64_t)1 << k->depth);
    k->depth++;
    k->state = array ? SK_VALUE_OR_END : SK_KEY_OR_END;
    return 1;
}

/* The start of a value; 0 when c starts none. */
static int skip_value(struct skipper *k, unsigned char c)
{
    switch (c) {
    case '{':
        return skip_push(k, 0);
    case '[':
        return skip_push(k, 1);
    case '"':
        k->state = SK_STR;
        k->key = 0;
        return 1;
    case 't':
        k->lit = "rue";
        break;
    case 'f':
        k->lit = "alse";
        break;
    case 'n':
        k->lit = "ull";
        break;
    default:
        if (c != '-' && (c < '0' || c > '9'))
            return 0;
        k->num[0] = (char)c;
        k->nnum = 1;
        k->state = SK_NUM;
        return 1;
    }
    k->state = SK_LIT;
    return 1;
}

/* A UTF-8 lead byte: how many continuation bytes follow and the range of the first (no overlong
 * form, no surrogate, nothing past U+10FFFF); 0 when c leads no character. */
static int skip_utf8_lead(struct skipper *k, unsigned char c)
{
    k->lo = 0x80;
    k->hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        k->need = 1;
    else if (c >= 0xe0 && c <= 0xef)
        k->need = 2;
    else if (c >= 0xf0 && c <= 0xf4)
        k->need = 3;
    else
        return 0;
    if (c == 0xe0)
        k->lo = 0xa0;
    else if (c == 0xed)
        k->hi = 0x9f;
    else if (c == 0xf0)
        k->lo = 0x90;
    else if (c == 0xf4)
        k->hi = 0x8f;
    return 1;
}

static int is_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* The end of the plain run of string bytes from p[i] (16 at a time where SSE2 is there). */
static size_t plain_run(const unsigned char *p, size_t i, size_t n)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);

    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        /* signed: bytes from 0x80 count as below a space, so UTF-8 takes the slow path too */
        __m128i odd =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                         _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del)));
        unsigned m = (unsigned)_mm_movemask_epi8(odd);
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    while (i < n && is_plain(p[i]))
        i++;
    return i;
}

static int is_digit(unsigned char c)
{
    return (unsigned)(c - '0') < 10;
}

/* The digits from p[j]: their end; *none when there is none though the chunk goes on. */
static size_t digits(const unsigned char *p, size_t j, size_t n, int *none)
{
    size_t d = j;

#ifdef __SSE2__
    /* Python writes 15 to 17 significant digits: 16 at a time */
    const __m128i below = _mm_set1_epi8('0' - 1), above = _mm_set1_epi8('9' + 1);
    for (; j + 16 <= n; j += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
        __m128i dig = _mm_and_si128(_mm_cmpgt_epi8(v, below), _mm_cmplt_epi8(v, above));
        unsigned m = ~(unsigned)_mm_movemask_epi8(dig) & 0xffff;
        if (m) {
            j += (size_t)__builtin_ctz(m);
            *none |= j == d;
            return j;
        }
    }
#endif
    while (j < n && is_digit(p[j]))
        j++;
    *none |= j == d && j < n;
    return j;
}

/*
 * A number starting at p[i], in one pass: 1 and *end when it is valid JSON and ends within the
 * chunk, 0 when the chunk ends first (the caller keeps its start), -1 when it is not a number.
 */
static int scan_number(const unsigned char *p, size_t i, size_t n, size_t *end)
{
    size_t j = i;
    int bad = 0;

    if (p[j] == '-')
        j++;
    if (j < n && p[j] == '0')
        j++;
    else
        j = digits(p, j, n, &bad);
    if (!bad && j < n && p[j] == '.')
        j = digits(p, j + 1, n, &bad);
    if (!bad && j < n && (p[j] == 'e' || p[j] == 'E')) {
        j++;
        if (j < n && (p[j] == '+' || p[j] == '-'))
            j++;
        j = digits(p, j, n, &bad);
    }
    if (bad || j - i > READER_MAX_NUMBER)
        return -1;
    if (j == n)
        return 0;
    if (is_num_char(p[j]))
        return -1; /* "01", "1.2.3": more number characters than one number */
    *end = j;
    return 1;
}

/* The rest of a token a chunk's end cut (or one with escapes or UTF-8): byte by byte. */
static int skip_token_byte(struct skipper *k, unsigned char c)
{
    switch (k->state) {
    case SK_STR:
        if (c == '"')
            k->state = k->key ? SK_COLON : SK_AFTER;
        else if (c == '\\')
            k->state = SK_ESC;
        else if (c >= 0x80 && skip_utf8_lead(k, c))
            k->state = SK_UTF8;
        else if (!is_plain(c))
            return -1; /* a control character or DEL */
        return 0;
    case SK_UTF8:
        if (c < k->lo || c > k->hi)
            return -1;
        k->lo = 0x80;
        k->hi = 0xbf;
        if (--k->need == 0)
            k->state = SK_STR;
        return 0;
    case SK_ESC:
        if (c == 'u') {
            k->state = SK_HEX;
            k->need = 4;
            k->hex = 0;
        } else if (c && strchr("\"\\/bfnrt", c)) {
            k->state = SK_STR;
        } else {
            return -1;
        }
        return 0;
    case SK_HEX: {
        int v = hex_value(c);
        if (v < 0)
            return -1;
        k->hex = k->hex * 16 + (unsigned)v;
        if (--k->need == 0) {
            if (k->hex == 0 || (k->hex >= 0xd800 && k->hex <= 0xdfff))
                return -1;
            k->state = SK_STR;
        }
        return 0;
    }
    case SK_NUM:
        if (is_num_char(c)) {
            if (k->nnum == READER_MAX_NUMBER)
                return -1;
            k->num[k->nnum++] = (char)c;
            return 0;
        }
        if (!json_number(k->num, k->nnum))
            return -1;
        k->state = SK_AFTER;
        return 1; /* c belongs to what follows */
    case SK_LIT:
        if (c != (unsigned char)*k->lit++)
            return -1;
        if (!*k->lit)
            k->state = SK_AFTER;
        return 0;
    default:
        return -1;
    }
}

/*
 * Feeds n bytes. Returns 1 when the row's object closed (*used: the bytes up to its '}'), 0 when
 * all n bytes were taken and more are needed, -1 to give up. Whole tokens are scanned in tight
 * loops; only a token cut by the chunk's end, an escape or UTF-8 go byte by byte.
 */
static int skip_feed(struct skipper *k, const unsigned char *p, size_t n, size_t *used)
{
    size_t i = 0, j;

    while (i < n) {
        unsigned char c = p[i];
        if (k->state >= SK_STR) {
            int r = skip_token_byte(k, c);
            if (r < 0)
                return -1;
            i += r == 0;
            if (k->state != SK_STR)
                continue;
            /* back in a string: the plain rest of it in one go */
            i = plain_run(p, i, n);
            continue;
        }
        while (is_space(c)) {
            if (++i == n)
                return 0;
            c = p[i];
        }
        i++;
        switch (k->state) {
        case SK_VALUE_OR_END:
        case SK_VALUE:
            if (c == ']' && k->state == SK_VALUE_OR_END)
                goto close;
            if (c == '"') {
                k->key = 0;
                goto string;
            }
            if (c == '-' || is_digit(c)) {
                int r = scan_number(p, i - 1, n, &j);
                if (r < 0)
                    return -1;
                if (r == 0) { /* cut: the rest comes with the next chunk */
                    memcpy(k->num, p + i - 1, n - (i - 1));
                    k->nnum = n - (i - 1);
                    k->state = SK_NUM;
                    return 0;
                }
                i = j;
                k->state = SK_AFTER;
                continue;
            }
            if (!skip_value(k, c))
                return -1;
            continue;
        case SK_KEY_OR_END:
        case SK_KEY:
            if (c == '}' && k->state == SK_KEY_OR_END)
                goto close;
            if (c != '"')
                return -1;
            k->key = 1;
            goto string;
        case SK_COLON:
            if (c != ':')
                return -1;
            k->state = SK_VALUE;
            continue;
        case SK_AFTER: {
            int array = (int)(k->arrays >> (k->depth - 1) & 1);
            if (c == ',') {
                k->state = array ? SK_VALUE : SK_KEY;
                continue;
            }
            if (c == (array ? ']' : '}'))
                goto close;
            return -1;
        }
        default:
            return -1;
        }
    string:
        k->state = SK_STR;
        i = plain_run(p, i, n);
        if (i < n && p[i] == '"') {
            i++;
            k->state = k->key ? SK_COLON : SK_AFTER;
        }
        continue;
    close:
        if (--k->depth == 0) {
            *used = i;
            return 1;
        }
        k->state = SK_AFTER;
    }
    return 0;
}

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
    int can_skip;      /* this pass may skip the rest of a dropped row (see struct skipper) */
    int skip_now;      /* the parse was stopped to skip the rest of the current row */
    int skipping;      /* the skipper, not yajl, is reading the current row */
    int priming;       /* a fresh yajl handle is being put where the skipped row left off */
    size_t nskipped;   /* rows skipped in this pass */
    struct skipper sk; /* the skip in progress */
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
            if (s->can_skip && s->top == 'a' && s->row_depth == 2 && s->depth == 2) {
                /* stops yajl right after this value: parse_pass skips the rest of the row */
                s->skip_now = 1;
                return 0;
            }
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
    struct rstate *s = ctx;

    if (s->priming)
        return 1;
    return on_value(s, "", 0, VAL_NULL);
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
        /* delivered by an earlier pass: not built again, nor shown to the early filter again */
        s->dropped = s->index < s->skip_below;
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

    if (s->priming)
        return 1;
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

/* A fresh yajl handle for where a skipped row ended: "[null" (its callbacks ignored) leaves it
 * after an element of an array, the state the first handle would be in after the row. */
static yajl_handle handle_after_element(struct rstate *s)
{
    yajl_handle h = yajl_alloc(&callbacks, NULL, s);

    s->priming = 1;
    yajl_parse(h, (const unsigned char *)"[null", 5);
    s->priming = 0;
    return h;
}

#define SKIP_GAVE_UP (-3)

/*
 * Feeds one chunk to yajl, or to the skipper while a dropped row is skipped. Returns a yajl
 * status (*at: the bytes taken before an error) or SKIP_GAVE_UP.
 */
static int feed_chunk(struct rstate *s, yajl_handle *h, const unsigned char *p, size_t n,
                      size_t *at)
{
    size_t off = 0, used;
    yajl_status st;

    while (off < n) {
        if (s->skipping) {
            int k = skip_feed(&s->sk, p + off, n - off, &used);
            if (k <= 0)
                return k < 0 ? SKIP_GAVE_UP : yajl_status_ok;
            off += used;
            /* the row's object closed: what cb_end_map does for a dropped row */
            s->skipping = 0;
            s->row_depth = 0;
            s->depth--;
            s->nskipped++;
            emit(s);
            yajl_free(*h);
            *h = handle_after_element(s);
            continue;
        }
        st = yajl_parse(*h, p + off, n - off);
        if (st == yajl_status_client_canceled && s->skip_now) {
            off += yajl_get_bytes_consumed(*h);
            s->skip_now = 0;
            s->skipping = 1;
            skipper_start(&s->sk, s->depth);
            continue;
        }
        *at = off + yajl_get_bytes_consumed(*h);
        return st;
    }
    return yajl_status_ok;
}

static int parse_pass(struct rstate *s, struct source *src, int filtering, char *chunk,
                      struct pos *err_pos, char **yerr)
{
    yajl_handle h = yajl_alloc(&callbacks, NULL, s);
    struct buf fbuf = BUF_INIT_MAX(4 * CHUNK);
    struct nanfilter nf = {0, 0, {0}, 0};
    struct pos pos = {1, 1};
    yajl_status st = yajl_status_ok;
    int gave_up = 0;
    long n;

    s->depth = s->top = s->row_depth = s->skip_depth = 0;
    s->key_pending = s->dropped = 0;
    s->skip_now = s->skipping = 0;
    s->nskipped = 0;
    s->next = 0;
    buf_reset(&s->path);
    while ((n = source_read(src, chunk, CHUNK)) > 0) {
        const unsigned char *feed = (const unsigned char *)chunk;
        size_t flen = (size_t)n, at = 0;
        int k;
        if (filtering) {
            buf_reset(&fbuf);
            nanfilter_feed(&nf, chunk, (size_t)n, &fbuf, &s->nan);
            feed = (const unsigned char *)fbuf.p;
            flen = fbuf.len;
        }
        nul_watch(s, (const char *)feed, flen);
        k = feed_chunk(s, &h, feed, flen, &at);
        if (k == SKIP_GAVE_UP) {
            gave_up = 1;
            break;
        }
        st = (yajl_status)k;
        if (st != yajl_status_ok) {
            pos_advance(&pos, (const char *)feed, at);
            break;
        }
        pos_advance(&pos, (const char *)feed, flen);
    }
    if (n < 0 || gave_up || (st == yajl_status_ok && s->skipping)) {
        /* a read error; or the skip met something it does not vouch for, or the end of the file */
        yajl_free(h);
        buf_release(&fbuf);
        return n < 0 ? -2 : SKIP_GAVE_UP;
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

    s.can_skip = o->watch && !o->no_skip;
    r = parse_pass(&s, src, 0, chunk, &at, &yerr);
    if (r == SKIP_GAVE_UP || (r == -1 && s.nskipped && !s.cb_code)) {
        /* read again by yajl alone, the rows already delivered left out: whatever is wrong or
         * unusual in the file is met and told exactly as without the skip */
        free(yerr);
        yerr = NULL;
        s.can_skip = 0;
        s.skip_below = s.done > s.skip_below ? s.done : s.skip_below;
        r = source_rewind(src) == 0 ? parse_pass(&s, src, 0, chunk, &at, &yerr) : -2;
    }
    s.can_skip = 0;
    if (r == -1 && !s.cb_code && !s.fail && source_rewind(src) == 0) {
        /* maybe Python's NaN: read again through the filter, skipping rows already delivered */
        char *yerr2 = NULL;
        struct pos at2 = {1, 1};
        s.skip_below = s.done > s.skip_below ? s.done : s.skip_below;
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
    if (o->st) {
        o->st->nan_tokens += s.nan;
        o->st->skipped += s.nskipped; /* of the pass that counted: 0 after a second reading */
    }
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
    return reader_read_at(AT_FDCWD, path, o, err);
}

int reader_read_at(int at, const char *path, const struct reader_opts *o, struct imx_err *err)
{
    struct source src = {-1, NULL, 0, 0};
    struct reader_opts oo = *o;
    int r;

    if (!oo.label)
        oo.label = path;
    {
        struct stat st;
        src.fd = open_regular_at(at, path, oo.label, &st, err);
        if (src.fd < 0)
            return -IMX_EIO;
        src.len = st.st_size > 0 ? (size_t)st.st_size : 0;
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
