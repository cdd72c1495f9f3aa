/* gcs: the pure half of the GCS backup source (see gcs.h): listing JSON, object names,
 * hashes, URL encoding and the per-date listing state. No network here. */
#include "source/gcs.h"
#include "cache/jail.h"
#include "source/http.h"
#include "util/date.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <pthread.h>
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

/* ---- listing pages ----------------------------------------------------------------- */

void gcs_page_init(struct gcs_page *pg)
{
    memset(pg, 0, sizeof(*pg));
}

void gcs_page_release(struct gcs_page *pg)
{
    for (size_t i = 0; i < pg->nitems; i++) {
        free(pg->items[i].name);
        free(pg->items[i].updated);
    }
    for (size_t i = 0; i < pg->nprefixes; i++)
        free(pg->prefixes[i]);
    free(pg->items);
    free(pg->prefixes);
    free(pg->next_token);
    gcs_page_init(pg);
}

enum page_key { K_OTHER, K_ITEMS, K_PREFIXES, K_TOKEN, K_NAME, K_SIZE, K_MD5, K_CRC, K_UPDATED };

struct page_parse {
    struct gcs_page *pg;
    struct imx_err *err;
    int depth;           /* maps and arrays open */
    int skip;            /* depth of a container being skipped, 0 when none */
    enum page_key top;   /* last key of the top-level object */
    enum page_key field; /* last key of the current item */
    int in_items, in_prefixes, in_item;
    char *token;
    int failed;
};

static int page_fail(struct page_parse *pp, const char *what)
{
    imx_seterr(pp->err, IMX_EPARSE, "GCS listing: %s", what);
    pp->failed = 1;
    return 0;
}

static struct gcs_object *cur_item(struct page_parse *pp)
{
    return &pp->pg->items[pp->pg->nitems - 1];
}

/* A scalar arrives (text for strings and numbers, NULL for null/bool). */
static int page_scalar(struct page_parse *pp, const char *s, size_t n, int is_string)
{
    if (pp->skip)
        return 1;
    if (pp->depth == 1 && pp->top == K_TOKEN) {
        free(pp->token);
        pp->token = s && is_string && n ? xstrndup(s, n) : NULL;
        return 1;
    }
    if (pp->depth == 2 && pp->in_prefixes) {
        struct gcs_page *pg = pp->pg;
        if (!s || !is_string)
            return page_fail(pp, "a prefix is not a string");
        ALLOC_GROW(pg->prefixes, pg->nprefixes + 1, pg->capprefixes);
        pg->prefixes[pg->nprefixes++] = xstrndup(s, n);
        return 1;
    }
    if (pp->depth == 3 && pp->in_item && s) {
        struct gcs_object *o = cur_item(pp);
        char tmp[64];

        switch (pp->field) {
        case K_NAME:
            if (!is_string || !n)
                return page_fail(pp, "an object name is not a string");
            free(o->name);
            o->name = xstrndup(s, n);
            break;
        case K_UPDATED:
            free(o->updated);
            o->updated = xstrndup(s, n);
            break;
        case K_SIZE: {
            char *end;
            if (n == 0 || n >= sizeof(tmp))
                return page_fail(pp, "bad object size");
            memcpy(tmp, s, n);
            tmp[n] = '\0';
            errno = 0;
            o->size = strtoull(tmp, &end, 10);
            if (errno || *end || !isdigit((unsigned char)tmp[0]))
                return page_fail(pp, "bad object size");
            o->has_size = 1;
            break;
        }
        case K_MD5:
            if (n >= sizeof(tmp))
                return page_fail(pp, "bad md5Hash");
            memcpy(tmp, s, n);
            tmp[n] = '\0';
            if (gcs_b64_decode(tmp, o->md5, 16) < 0)
                return page_fail(pp, "bad md5Hash");
            o->has_md5 = 1;
            break;
        case K_CRC: {
            unsigned char b[4];
            if (n >= sizeof(tmp))
                return page_fail(pp, "bad crc32c");
            memcpy(tmp, s, n);
            tmp[n] = '\0';
            if (gcs_b64_decode(tmp, b, 4) < 0)
                return page_fail(pp, "bad crc32c");
            o->crc32c = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
            o->has_crc32c = 1;
            break;
        }
        default:
            break;
        }
    }
    return 1;
}

static int cb_null(void *ctx)
{
    return page_scalar(ctx, NULL, 0, 0);
}

static int cb_bool(void *ctx, int v)
{
    (void)v;
    return page_scalar(ctx, NULL, 0, 0);
}

static int cb_number(void *ctx, const char *s, size_t n)
{
    return page_scalar(ctx, s, n, 0);
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
    return page_scalar(ctx, (const char *)s, n, 1);
}

static int open_container(struct page_parse *pp, int is_map)
{
    pp->depth++;
    if (pp->skip)
        return 1;
    if (pp->depth == 1) {
        if (!is_map)
            return page_fail(pp, "not a JSON object");
        return 1;
    }
    if (pp->depth == 2 && !is_map && pp->top == K_ITEMS) {
        pp->in_items = 1;
        return 1;
    }
    if (pp->depth == 2 && !is_map && pp->top == K_PREFIXES) {
        pp->in_prefixes = 1;
        return 1;
    }
    if (pp->depth == 3 && is_map && pp->in_items) {
        struct gcs_page *pg = pp->pg;
        ALLOC_GROW(pg->items, pg->nitems + 1, pg->capitems);
        memset(&pg->items[pg->nitems++], 0, sizeof(*pg->items));
        pp->in_item = 1;
        pp->field = K_OTHER;
        return 1;
    }
    if (pp->depth == 2 && (pp->top == K_ITEMS || pp->top == K_PREFIXES))
        return page_fail(pp, "items or prefixes is not an array");
    pp->skip = pp->depth;
    return 1;
}

static int close_container(struct page_parse *pp)
{
    if (pp->skip == pp->depth)
        pp->skip = 0;
    else if (!pp->skip) {
        if (pp->depth == 3 && pp->in_item) {
            pp->in_item = 0;
            if (!cur_item(pp)->name)
                return page_fail(pp, "an object without a name");
        } else if (pp->depth == 2) {
            pp->in_items = pp->in_prefixes = 0;
        }
    }
    pp->depth--;
    return 1;
}

static int cb_start_map(void *ctx)
{
    return open_container(ctx, 1);
}

static int cb_end_map(void *ctx)
{
    return close_container(ctx);
}

static int cb_start_array(void *ctx)
{
    return open_container(ctx, 0);
}

static int cb_end_array(void *ctx)
{
    return close_container(ctx);
}

static int key_is(const unsigned char *k, size_t n, const char *s)
{
    return strlen(s) == n && !memcmp(k, s, n);
}

static int cb_map_key(void *ctx, const unsigned char *k, size_t n)
{
    struct page_parse *pp = ctx;

    if (pp->skip)
        return 1;
    if (pp->depth == 1) {
        pp->top = key_is(k, n, "items")           ? K_ITEMS
                  : key_is(k, n, "prefixes")      ? K_PREFIXES
                  : key_is(k, n, "nextPageToken") ? K_TOKEN
                                                  : K_OTHER;
    } else if (pp->depth == 3 && pp->in_item) {
        pp->field = key_is(k, n, "name")      ? K_NAME
                    : key_is(k, n, "size")    ? K_SIZE
                    : key_is(k, n, "md5Hash") ? K_MD5
                    : key_is(k, n, "crc32c")  ? K_CRC
                    : key_is(k, n, "updated") ? K_UPDATED
                                              : K_OTHER;
    }
    return 1;
}

static const yajl_callbacks page_callbacks = {
    cb_null,      cb_bool,    NULL,       NULL,           cb_number,    cb_string,
    cb_start_map, cb_map_key, cb_end_map, cb_start_array, cb_end_array,
};

int gcs_page_parse(struct gcs_page *pg, const char *json, size_t len, struct imx_err *err)
{
    struct page_parse pp;
    yajl_handle h;
    yajl_status st;

    if (json_depth_check(json, len, JSON_DEPTH_MAX, NULL) < 0)
        return imx_seterr(err, IMX_EPARSE, "GCS listing: nesting deeper than %d levels",
                          JSON_DEPTH_MAX);
    memset(&pp, 0, sizeof(pp));
    pp.pg = pg;
    pp.err = err;
    h = yajl_alloc(&page_callbacks, NULL, &pp);
    st = yajl_parse(h, (const unsigned char *)json, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    if (st != yajl_status_ok && !pp.failed) {
        unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)json, len);
        imx_seterr(err, IMX_EPARSE, "GCS listing: %s", (const char *)msg);
        yajl_free_error(h, msg);
        pp.failed = 1;
    }
    yajl_free(h);
    if (pp.failed) {
        free(pp.token);
        return -IMX_EPARSE;
    }
    free(pg->next_token);
    pg->next_token = pp.token;
    return 0;
}

static void gen_str(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void b64_encode(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;

    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
        out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = '\0';
}

int gcs_page_format(const struct gcs_page *pg, const char *const *extra, size_t n, struct buf *out)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *text;
    size_t len;
    int rc;

    yajl_gen_config(g, yajl_gen_beautify, 0);
    yajl_gen_map_open(g);
    gen_str(g, "kind");
    gen_str(g, "storage#objects");
    for (size_t i = 0; i < n; i++) {
        gen_str(g, extra[2 * i]);
        gen_str(g, extra[2 * i + 1]);
    }
    gen_str(g, "items");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < pg->nitems; i++) {
        const struct gcs_object *o = &pg->items[i];
        char tmp[32];

        yajl_gen_map_open(g);
        gen_str(g, "name");
        gen_str(g, o->name);
        if (o->has_size) {
            snprintf(tmp, sizeof(tmp), "%llu", o->size);
            gen_str(g, "size");
            gen_str(g, tmp);
        }
        if (o->has_md5) {
            b64_encode(o->md5, 16, tmp);
            gen_str(g, "md5Hash");
            gen_str(g, tmp);
        }
        if (o->has_crc32c) {
            unsigned char b[4] = {(unsigned char)(o->crc32c >> 24),
                                  (unsigned char)(o->crc32c >> 16), (unsigned char)(o->crc32c >> 8),
                                  (unsigned char)o->crc32c};
            b64_encode(b, 4, tmp);
            gen_str(g, "crc32c");
            gen_str(g, tmp);
        }
        if (o->updated) {
            gen_str(g, "updated");
            gen_str(g, o->updated);
        }
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    yajl_gen_get_buf(g, &text, &len);
    rc = buf_add(out, text, len) < 0 || buf_addc(out, '\n') < 0 ? -IMX_ETOOBIG : 0;
    yajl_gen_free(g);
    return rc;
}

/* ---- object names ------------------------------------------------------------------ */

static int all_digits(const char *s, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static unsigned long long parse_ull(const char *s, size_t n, int *ok)
{
    unsigned long long v = 0;

    *ok = n > 0 && n <= 19;
    for (size_t i = 0; *ok && i < n; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

/* "<head>_<digits>" with the last '_' as the split (the greedy (.+)_(\d+) of the regex). */
static int split_id(const char *s, size_t n, size_t min_digits, size_t *head,
                    unsigned long long *id)
{
    size_t u = n;
    int ok;

    while (u > 0 && s[u - 1] != '_')
        u--;
    if (u < 2) /* no '_', or an empty head */
        return -1;
    if (n - u < min_digits || !all_digits(s + u, n - u))
        return -1;
    *id = parse_ull(s + u, n - u, &ok);
    if (!ok)
        return -1;
    *head = u - 1;
    return 0;
}

void gcs_name_release(struct gcs_name *n)
{
    free(n->folder);
    free(n->artifact);
    memset(n, 0, sizeof(*n));
}

int gcs_name_parse(const char *name, struct gcs_name *out)
{
    static const char mark[] = "/artifacts/";
    static const char meta[] = "artifacts_metadata.json";
    size_t len = strlen(name);

    memset(out, 0, sizeof(*out));
    /* The regex only asks for digits in the date; the rest of imx needs a real date. */
    if (len < 11 || name[10] != '/')
        return -1;
    memcpy(out->date, name, 10);
    if (!date_valid(out->date))
        goto bad;
    /* Greedy (.+) for the folder: try the last "/artifacts/" first. */
    for (size_t at = len; at-- > 11;) {
        const char *rest;
        size_t head, rlen;
        unsigned long long run_id, art_id;

        if (strncmp(name + at, mark, sizeof(mark) - 1))
            continue;
        if (split_id(name + 11, at - 11, 10, &head, &run_id) < 0)
            continue;
        rest = name + at + sizeof(mark) - 1;
        rlen = len - (size_t)(rest - name);
        if (rlen == sizeof(meta) - 1 && !memcmp(rest, meta, rlen)) {
            out->kind = GCS_NAME_METADATA;
        } else {
            size_t ahead;
            if (rlen < 5 || memcmp(rest + rlen - 4, ".zip", 4))
                continue;
            if (split_id(rest, rlen - 4, 1, &ahead, &art_id) < 0)
                continue;
            out->kind = GCS_NAME_ARTIFACT;
            out->artifact = xstrndup(rest, ahead);
            out->artifact_id = art_id;
        }
        out->folder = xstrndup(name + 11, head);
        out->run_id = run_id;
        return 0;
    }
bad:
    memset(out, 0, sizeof(*out));
    return -1;
}

/* ---- workflow filter --------------------------------------------------------------- */

/* Case-insensitive comparison where ' ', '_' and '-' are one separator class. */
static int sep(char c)
{
    return c == ' ' || c == '_' || c == '-';
}

static int fold_eq(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++) {
        if (sep(a[i]) && sep(b[i]))
            continue;
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return 0;
    }
    return 1;
}

/* folder starts with p (folded), followed by the end or a separator. */
static int has_word_prefix(const char *folder, const char *p)
{
    size_t n = strlen(p);
    return strlen(folder) >= n && fold_eq(folder, n, p, n) && (!folder[n] || sep(folder[n]));
}

/* folder holds token t as a whole separator-delimited word. */
static int has_word(const char *folder, const char *t)
{
    size_t n = strlen(t);
    for (const char *p = folder; *p; p++) {
        if ((p == folder || sep(p[-1])) && strlen(p) >= n && fold_eq(p, n, t, n) &&
            (!p[n] || sep(p[n])))
            return 1;
    }
    return 0;
}

int gcs_folder_matches_workflow(const char *folder, const char *workflow)
{
    const char *base = strrchr(workflow, '/');
    char stem[128];
    size_t n;

    base = base ? base + 1 : workflow;
    if (!strcmp(base, "*") || !strcmp(base, "all"))
        return 1;
    n = strcspn(base, ".");
    if (n >= sizeof(stem))
        return 0;
    memcpy(stem, base, n);
    stem[n] = '\0';
    /* The 2025 schedulers: "Full Sweep Scheduler - 1k1k" (also seen as "Full Sweep - 1k1k"). */
    if (!strncmp(stem, "full-sweep-", 11) && strlen(stem) > 21 &&
        !strcmp(stem + strlen(stem) - 10, "-scheduler")) {
        char seq[64];
        size_t sn = strlen(stem) - 21;
        if (sn >= sizeof(seq))
            return 0;
        memcpy(seq, stem + 11, sn);
        seq[sn] = '\0';
        return has_word_prefix(folder, "Full_Sweep") && has_word(folder + 10, seq);
    }
    if (!strcmp(stem, "full-sweep-scheduler") || !strcmp(stem, "workflow-scheduler"))
        return has_word_prefix(folder, "Full_Sweep");
    if (!strcmp(stem, "e2e-tests"))
        return has_word_prefix(folder, "End-to-End_Tests");
    /* Otherwise the workflow's name is its file's stem: run-sweep -> "Run Sweep - ...". */
    return has_word_prefix(folder, stem);
}

/* ---- hashes and encoding ----------------------------------------------------------- */

int gcs_b64_decode(const char *s, unsigned char *out, size_t n)
{
    size_t len = strlen(s), o = 0;
    unsigned acc = 0;
    int bits = 0;

    if (len % 4 || len != (n + 2) / 3 * 4)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i], v;
        if (c == '=') {
            /* Only as padding at the very end. */
            for (size_t j = i; j < len; j++)
                if (s[j] != '=')
                    return -1;
            break;
        }
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else
            return -1;
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= n)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return o == n ? 0 : -1;
}

static uint32_t crc32c_table[256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

/* Built once whichever thread verifies first (pthread_once: no thread sees half a table). */
static void crc32c_build(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
        crc32c_table[i] = c;
    }
}

uint32_t gcs_crc32c(uint32_t crc, const void *data, size_t n)
{
    const uint32_t *table = crc32c_table;
    const unsigned char *p = data;

    pthread_once(&crc32c_once, crc32c_build);
    crc = ~crc;
    while (n--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

int gcs_verify_file(const char *path, const struct gcs_object *obj, struct imx_err *err)
{
    FILE *f = fopen(path, "rb");
    EVP_MD_CTX *md = NULL;
    unsigned char chunk[FS_IO_CHUNK], digest[EVP_MAX_MD_SIZE];
    unsigned long long total = 0;
    uint32_t crc = 0;
    unsigned dlen = 0;
    size_t n;
    int rc = 0;

    if (!f)
        return imx_seterr(err, IMX_EIO, "%s: %s", path, strerror(errno));
    if (obj->has_md5) {
        md = EVP_MD_CTX_new();
        if (!md || !EVP_DigestInit_ex(md, EVP_md5(), NULL)) {
            rc = imx_seterr(err, IMX_EVERIFY, "%s: MD5 unavailable", obj->name);
            goto out;
        }
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        total += n;
        if (md)
            EVP_DigestUpdate(md, chunk, n);
        else if (obj->has_crc32c)
            crc = gcs_crc32c(crc, chunk, n);
    }
    if (ferror(f)) {
        rc = imx_seterr(err, IMX_EIO, "%s: read error", path);
        goto out;
    }
    if (obj->has_size && total != obj->size) {
        rc = imx_seterr(err, IMX_EVERIFY, "%s: %llu bytes where the listing says %llu", obj->name,
                        total, obj->size);
        goto out;
    }
    if (md) {
        EVP_DigestFinal_ex(md, digest, &dlen);
        if (dlen != 16 || memcmp(digest, obj->md5, 16))
            rc = imx_seterr(err, IMX_EVERIFY, "%s: MD5 does not match the listing", obj->name);
    } else if (obj->has_crc32c && crc != obj->crc32c) {
        rc = imx_seterr(err, IMX_EVERIFY, "%s: CRC32C does not match the listing", obj->name);
    }
out:
    if (md)
        EVP_MD_CTX_free(md);
    fclose(f);
    return rc;
}

/* encodeURIComponent's unreserved set, as the backup's readers encode names */
int gcs_encode_path(struct buf *out, const char *name)
{
    return http_url_encode_keep(out, name, "-_.!~*'()/");
}

int gcs_encode_query(struct buf *out, const char *value)
{
    return http_url_encode_keep(out, value, "-_.!~*'()");
}

/* ---- per-date listing state -------------------------------------------------------- */

static int state_path(struct buf *p, const char *cache, const char *bucket, const char *date)
{
    /* A bucket name never holds '/' or "..": it names one folder below .imx-gcs. */
    if (!*bucket || strchr(bucket, '/') || !strcmp(bucket, ".") || !strcmp(bucket, ".."))
        return -1;
    if (date && !date_valid(date))
        return -1;
    return buf_addf(p, "%s/.imx-gcs/%s%s%s%s", cache, bucket, date ? "/" : "", date ? date : "",
                    date ? ".json" : "");
}

struct state_meta {
    int depth;
    int want;
    char *listed_at;
    int complete;
};

static int sm_string(void *ctx, const unsigned char *s, size_t n)
{
    struct state_meta *sm = ctx;
    if (sm->depth == 1 && sm->want == 1) {
        free(sm->listed_at);
        sm->listed_at = xstrndup((const char *)s, n);
    } else if (sm->depth == 1 && sm->want == 2) {
        sm->complete = n == 4 && !memcmp(s, "true", 4);
    }
    sm->want = 0;
    return 1;
}

static int sm_key(void *ctx, const unsigned char *k, size_t n)
{
    struct state_meta *sm = ctx;
    if (sm->depth == 1)
        sm->want = key_is(k, n, "listed_at") ? 1 : key_is(k, n, "complete") ? 2 : 0;
    return 1;
}

static int sm_open(void *ctx)
{
    ((struct state_meta *)ctx)->depth++;
    return 1;
}

static int sm_close(void *ctx)
{
    ((struct state_meta *)ctx)->depth--;
    return 1;
}

static const yajl_callbacks meta_callbacks = {
    NULL, NULL, NULL, NULL, NULL, sm_string, sm_open, sm_key, sm_close, sm_open, sm_close,
};

int gcs_state_load(const char *cache, const char *bucket, const char *date, struct gcs_page *pg,
                   char **listed_at, int *found, struct imx_err *err)
{
    struct buf path = BUF_INIT;
    struct state_meta sm;
    struct imx_err perr = IMX_ERR_INIT;
    yajl_handle h;
    char *text = NULL;
    size_t len = 0;
    int rc;

    *found = 0;
    *listed_at = NULL;
    if (state_path(&path, cache, bucket, date) < 0) {
        buf_release(&path);
        return imx_seterr(err, IMX_EUSAGE, "bad bucket name or date '%s' '%s'", bucket, date);
    }
    if (!path_exists(path.p)) {
        buf_release(&path);
        return 0;
    }
    rc = read_file(path.p, (size_t)1 << 30, &text, &len, err);
    if (rc < 0) {
        buf_release(&path);
        return rc;
    }
    memset(&sm, 0, sizeof(sm));
    if (json_depth_check(text, len, JSON_DEPTH_MAX, NULL) < 0) {
        /* as bad as a state file cut short: list again */
        free(text);
        buf_release(&path);
        return 0;
    }
    h = yajl_alloc(&meta_callbacks, NULL, &sm);
    if (yajl_parse(h, (unsigned char *)text, len) != yajl_status_ok ||
        yajl_complete_parse(h) != yajl_status_ok)
        sm.complete = 0;
    yajl_free(h);
    /* A state file that does not read back whole is as good as none: list again. */
    if (sm.complete && sm.listed_at && gcs_page_parse(pg, text, len, &perr) == 0) {
        *found = 1;
        *listed_at = sm.listed_at;
        sm.listed_at = NULL;
    } else {
        gcs_page_release(pg);
    }
    free(sm.listed_at);
    free(text);
    buf_release(&path);
    return 0;
}

int gcs_state_save(const char *cache, const char *bucket, const char *date,
                   const struct gcs_page *pg, const char *listed_at, struct imx_err *err)
{
    struct buf dir = BUF_INIT, path = BUF_INIT, text = BUF_INIT_MAX((size_t)1 << 30);
    const char *extra[] = {"listed_at", listed_at, "complete", "true"};
    int rc;

    if (state_path(&dir, cache, bucket, NULL) < 0 || state_path(&path, cache, bucket, date) < 0) {
        rc = imx_seterr(err, IMX_EUSAGE, "bad bucket name or date '%s' '%s'", bucket, date);
        goto out;
    }
    rc = jail_parent_dirs(cache, path.p, err);
    if (rc < 0)
        goto out;
    rc = gcs_page_format(pg, extra, 2, &text);
    if (rc < 0) {
        rc = imx_seterr(err, IMX_ETOOBIG, "listing of %s too big to store", date);
        goto out;
    }
    rc = atomic_write(path.p, text.p, text.len, err);
out:
    buf_release(&dir);
    buf_release(&path);
    buf_release(&text);
    return rc;
}

int gcs_date_needs_listing(const char *date, const char *newest, const char *listed_at, int stored,
                           int refresh)
{
    char day[DATE_LEN + 1];

    if (!stored || refresh || !listed_at)
        return 1;
    if (newest && date_valid(newest) && date_diff(date, newest) < 2)
        return 1;
    if (date_timestamp_day(listed_at, day) < 0)
        return 1;
    return date_diff(date, day) < 2;
}

/* ---- runs of the listings ---------------------------------------------------------- */

static void object_copy(struct gcs_object *dst, const struct gcs_object *src)
{
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->updated = src->updated ? xstrdup(src->updated) : NULL;
}

static void object_release(struct gcs_object *o)
{
    free(o->name);
    free(o->updated);
    memset(o, 0, sizeof(*o));
}

void gcs_index_release(struct gcs_index *ix)
{
    for (size_t i = 0; i < ix->n; i++) {
        struct gcs_run *r = &ix->runs[i];
        for (size_t j = 0; j < r->narts; j++) {
            free(r->arts[j].name);
            object_release(&r->arts[j].obj);
        }
        free(r->arts);
        free(r->folder);
        object_release(&r->meta);
    }
    free(ix->runs);
    memset(ix, 0, sizeof(*ix));
}

struct gcs_run *gcs_index_find(struct gcs_index *ix, unsigned long long id)
{
    /* Listings arrive grouped by run, so the last run is the usual hit. */
    for (size_t i = ix->n; i-- > 0;)
        if (ix->runs[i].id == id)
            return &ix->runs[i];
    return NULL;
}

void gcs_index_add(struct gcs_index *ix, const struct gcs_page *pg, const char *workflow)
{
    unsigned long long last_filtered = 0;

    for (size_t i = 0; i < pg->nitems; i++) {
        const struct gcs_object *o = &pg->items[i];
        struct gcs_name nm;
        struct gcs_run *r;

        if (gcs_name_parse(o->name, &nm) < 0) {
            ix->unparsed++;
            continue;
        }
        if (!ix->min_id || nm.run_id < ix->min_id)
            ix->min_id = nm.run_id;
        r = gcs_index_find(ix, nm.run_id);
        if (!r && workflow && !gcs_folder_matches_workflow(nm.folder, workflow)) {
            if (nm.run_id != last_filtered)
                ix->filtered++;
            last_filtered = nm.run_id;
            gcs_name_release(&nm);
            continue;
        }
        if (!r) {
            ALLOC_GROW(ix->runs, ix->n + 1, ix->cap);
            r = &ix->runs[ix->n++];
            memset(r, 0, sizeof(*r));
            r->id = nm.run_id;
            memcpy(r->date, nm.date, sizeof(r->date));
            r->folder = nm.folder;
            nm.folder = NULL;
        }
        if (nm.kind == GCS_NAME_METADATA) {
            object_release(&r->meta);
            object_copy(&r->meta, o);
        } else {
            struct gcs_artifact *a;
            ALLOC_GROW(r->arts, r->narts + 1, r->cap);
            a = &r->arts[r->narts++];
            a->name = nm.artifact;
            a->id = nm.artifact_id;
            nm.artifact = NULL;
            object_copy(&a->obj, o);
        }
        gcs_name_release(&nm);
    }
}

static int run_newer(const void *a, const void *b)
{
    const struct gcs_run *x = a, *y = b;
    return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

void gcs_index_sort(struct gcs_index *ix)
{
    if (ix->n > 1)
        qsort(ix->runs, ix->n, sizeof(*ix->runs), run_newer);
}

int gcs_run_json(const struct gcs_run *run, const char *meta, size_t metalen, const char *repo,
                 const char *bucket, struct buf *out, struct imx_err *err)
{
    yajl_val root = NULL;
    const char *branch = NULL, *sha = NULL, *created = NULL;
    long long created_t = 0;
    char *text = NULL, *title, created_buf[32], num[32];
    yajl_gen g;
    const unsigned char *gb;
    size_t glen;
    int rc = 0;

    if (meta) {
        char why[300];
        text = xstrndup(meta, metalen);
        root = json_tree_parse(meta, metalen, why, sizeof(why));
        if (!root || !YAJL_IS_ARRAY(root)) {
            if (root)
                yajl_tree_free(root);
            free(text);
            return imx_seterr(err, IMX_EPARSE, "artifacts_metadata.json of run %llu: %s", run->id,
                              root ? "not an array" : why);
        }
        for (size_t i = 0; i < json_len(root); i++) {
            yajl_val a = json_at(root, i);
            const char *c = json_str(json_get(a, "created_at"));
            long long t, wid;
            yajl_val w = json_path(a, "workflow_run", "id", NULL);

            /* An entry of another run (a copy gone wrong) tells nothing about this one. */
            if (w && YAJL_IS_NUMBER(w) &&
                (json_int(w, &wid) < 0 || (unsigned long long)wid != run->id))
                continue;
            if (!branch)
                branch = json_str(json_path(a, "workflow_run", "head_branch", NULL));
            if (!sha)
                sha = json_str(json_path(a, "workflow_run", "head_sha", NULL));
            /* The earliest upload is the closest to when the run started. */
            if (c && date_parse_timestamp(c, &t) == 0 && (!created || t < created_t)) {
                created = c;
                created_t = t;
            }
        }
    }
    if (!created) {
        snprintf(created_buf, sizeof(created_buf), "%sT00:00:00Z", run->date);
        created = created_buf;
    }
    title = xstrdup(run->folder);
    for (char *p = title; *p; p++)
        if (*p == '_')
            *p = ' ';
    g = yajl_gen_alloc(NULL);
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_map_open(g);
    gen_str(g, "id");
    snprintf(num, sizeof(num), "%llu", run->id);
    yajl_gen_number(g, num, strlen(num));
    gen_str(g, "name");
    gen_str(g, title);
    gen_str(g, "display_title");
    gen_str(g, title);
    if (branch) {
        gen_str(g, "head_branch");
        gen_str(g, branch);
    }
    if (sha) {
        gen_str(g, "head_sha");
        gen_str(g, sha);
    }
    gen_str(g, "status");
    gen_str(g, "completed");
    gen_str(g, "created_at");
    gen_str(g, created);
    if (repo) {
        struct buf url = BUF_INIT;
        buf_addf(&url, "https://github.com/%s/actions/runs/%llu", repo, run->id);
        gen_str(g, "html_url");
        gen_str(g, url.p);
        buf_release(&url);
    }
    gen_str(g, "imx_source");
    gen_str(g, "gcs-backup");
    gen_str(g, "imx_backup");
    yajl_gen_map_open(g);
    gen_str(g, "bucket");
    gen_str(g, bucket ? bucket : GCS_DEFAULT_BUCKET);
    gen_str(g, "date");
    gen_str(g, run->date);
    gen_str(g, "folder");
    gen_str(g, run->folder);
    gen_str(g, "metadata");
    yajl_gen_bool(g, root != NULL);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    yajl_gen_get_buf(g, &gb, &glen);
    if (buf_add(out, gb, glen) < 0)
        rc = imx_seterr(err, IMX_ETOOBIG, "run.json of run %llu too big", run->id);
    yajl_gen_free(g);
    free(title);
    if (root)
        yajl_tree_free(root);
    free(text);
    return rc;
}
