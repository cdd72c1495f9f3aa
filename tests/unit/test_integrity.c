/* Unit tests of extraction's all-or-nothing rule: a file that fails to parse contributes no
 * row and no count, however many rows it held before the error (held rows spool to disk, so
 * a small hold limit stands in for a file of gigabytes), and spooled rows come back intact. */
#include "reader/reader.h"
#include "table/extract.h"
#include "unit.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64];

static void write_text(const char *rel, const char *text, size_t len)
{
    CHECK(unit_write_file(base, rel, text, len) == 0);
}

/* n rows of one model, distinct by conc; cut (bytes) off the end when cut > 0. */
static void write_rows(const char *rel, int n, const char *tput, size_t cut)
{
    struct buf b = BUF_INIT;
    buf_adds(&b, "[");
    for (int i = 0; i < n; i++)
        buf_addf(&b,
                 "%s{\"hw\":\"h100\",\"infmax_model_prefix\":\"gptoss\",\"framework\":\"vllm\","
                 "\"precision\":\"fp4\",\"isl\":1024,\"osl\":1024,\"tp\":8,\"ep\":1,\"conc\":%d,"
                 "\"tput_per_gpu\":%s,\"router\":{\"name\":\"r%d\"}}",
                 i ? "," : "", i + 1, tput, i);
    buf_adds(&b, "]");
    write_text(rel, b.p, b.len - (cut < b.len ? cut : 0));
    buf_release(&b);
}

static int extract(struct extract *x, size_t hold_max, struct model_sel *sel)
{
    struct imx_err err = IMX_ERR_INIT;
    struct imx_diag quiet = {NULL, NULL, 0};
    struct extract_opts o;

    memset(&o, 0, sizeof(o));
    o.cache = base;
    o.model = sel;
    o.threads = 2;
    o.hold_max = hold_max;
    o.diag = &quiet;
    return extract_run(x, &o, &err);
}

static void cut_file_gives_nothing(void)
{
    struct model_sel sel;
    struct extract x;
    size_t n;
    struct trow **rows;

    CHECK(model_sel_init(&sel, "gptoss", &(struct imx_err)IMX_ERR_INIT) == 0);
    write_rows("run_1/agg_bmk.json", 3000, "1.5", 7); /* cut inside the last row */
    write_rows("run_2/agg_bmk.json", 1, "2.5", 0);
    /* 4 KiB held at most: the cut file's rows went to the spool thousands of rows ago */
    CHECK(extract(&x, 4096, &sel) == 0);
    CHECK(x.table.count == 1);
    CHECK(x.st.files_failed == 1 && x.st.runs_failed == 1);
    /* the counts are those of usable rows only */
    CHECK(x.st.rows_model == 1);
    CHECK(x.st.nmodels == 1 && x.st.models[0].rows == 1);
    rows = table_sorted(&x.table, &n);
    CHECK(n == 1 && !strcmp(trow_get(rows[0], "tput_per_gpu"), "2.5"));
    free(rows);
    extract_release(&x);
    model_sel_release(&sel);
}

/* The same table whether the rows were held in memory or went through the spool. */
static void spooled_rows_come_back_intact(void)
{
    struct model_sel sel;
    struct extract a, b;
    struct trow **ra, **rb;
    size_t na, nb;

    CHECK(model_sel_init(&sel, "gptoss", &(struct imx_err)IMX_ERR_INIT) == 0);
    write_rows("run_1/agg_bmk.json", 3000, "1.5", 0);
    CHECK(extract(&a, 0, &sel) == 0);
    CHECK(extract(&b, 1, &sel) == 0); /* every row spooled */
    ra = table_sorted(&a.table, &na);
    rb = table_sorted(&b.table, &nb);
    CHECK(na == 3000 && nb == 3000);
    for (size_t i = 0; i < na && i < nb; i++) {
        CHECK(ra[i]->keylen == rb[i]->keylen && !memcmp(ra[i]->key, rb[i]->key, ra[i]->keylen));
        CHECK(trow_size(ra[i]) == trow_size(rb[i]));
        CHECK(!strcmp(ra[i]->extras, rb[i]->extras));
        CHECK(!strcmp(trow_get(ra[i], "router.name"), trow_get(rb[i], "router.name")));
        for (int k = 0; k < NKEY; k++)
            CHECK((!ra[i]->kv[k] && !rb[i]->kv[k]) ||
                  (ra[i]->kv[k] && rb[i]->kv[k] && !strcmp(ra[i]->kv[k], rb[i]->kv[k])));
        if (unit_case_failed_)
            break;
    }
    free(ra);
    free(rb);
    extract_release(&a);
    extract_release(&b);
    model_sel_release(&sel);
}

/* The file is cut short while it is being read (another process truncates it): the error
 * names where parsing stopped, not a position in what is left of the file. */
static int cut_while_reading(void *ud, struct row *r, size_t index)
{
    (void)r;
    if (index == 0 && truncate(ud, 10) != 0)
        return -1;
    return 0;
}

static void truncated_mid_read_position(void)
{
    struct buf b = BUF_INIT;
    struct imx_err err = IMX_ERR_INIT;
    char path[128], want[64];
    struct reader_opts o = {.fn = cut_while_reading, .ud = path};
    size_t line = 1, col = 1;

    snprintf(path, sizeof(path), "%s/cut.json", base);
    buf_adds(&b, "[\n");
    /* more than one read's worth, over many lines */
    for (int i = 0; b.len < 200000; i++)
        buf_addf(&b, "%s{\"conc\": %d,\n \"x\": \"%040d\"}", i ? ",\n" : "", i, i);
    buf_adds(&b, "\n]\n");
    write_text("cut.json", b.p, b.len);
    CHECK(reader_read_file(path, &o, &err) == -IMX_EPARSE);
    /* the reader read 64 KiB before the cut took effect: the position is the end of those */
    for (size_t i = 0; i < 65536; i++) {
        if (b.p[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    snprintf(want, sizeof(want), "at line %zu, column %zu", line, col);
    CHECK(strstr(err.msg, "premature EOF") != NULL);
    if (!strstr(err.msg, want)) {
        fprintf(stderr, "  '%s' lacks '%s'\n", err.msg, want);
        CHECK(0);
    }
    buf_release(&b);
    unlink(path);
}

static int count_rows(void *ud, struct row *r, size_t index)
{
    (void)r;
    (void)index;
    ++*(int *)ud;
    return 0;
}

/* "hw\u0000" is not "hw" (as a C string it would be, and override it), and a NUL in a value
 * must not reach the CSV: either makes the file invalid. */
static void nul_bytes(void)
{
    static const char *const bad[] = {
        "[{\"hw\":\"h100\",\"hw\\u0000\":\"b200\",\"conc\":4}]",
        "[{\"hw\":\"h100\",\"router\":{\"na\\u0000me\":\"x\"}}]",
        "[{\"hw\":\"h1\\u000000\",\"conc\":4}]",
        "{\"hw\":\"h100\",\"image\":\"\\u0000\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct imx_err err = IMX_ERR_INIT;
        int rows = 0;
        struct reader_opts o = {.fn = count_rows, .ud = &rows, .label = "nul"};
        CHECK(reader_read_mem(bad[i], strlen(bad[i]), &o, &err) == -IMX_EPARSE);
        CHECK(strstr(err.msg, "NUL character") != NULL);
        CHECK(rows == 0);
    }
}

/* read_file reads a file whole, sized by fstat, whatever the size: empty, exactly at the cap,
 * one byte past it (refused), past one 64 KiB read; a FIFO is refused, never waited on. */
static void read_file_sizes(void)
{
    static const size_t sizes[] = {0, 1, 100, 65535, 65536, 65537, 300000};
    char path[128];

    snprintf(path, sizeof(path), "%s/whole.txt", base);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i], len = 1;
        char *text = xmalloc(n + 1), *got = NULL;
        struct imx_err err = IMX_ERR_INIT;
        for (size_t k = 0; k < n; k++)
            text[k] = (char)('a' + (k * 7 + n) % 26);
        write_text("whole.txt", text, n);
        CHECK(read_file(path, n, &got, &len, &err) == 0);
        CHECK(got && len == n && !memcmp(got, text, n) && got[n] == '\0');
        free(got);
        got = NULL;
        if (n) {
            CHECK(read_file(path, n - 1, &got, &len, &err) == -IMX_ETOOBIG);
            CHECK(got == NULL && strstr(err.msg, "is larger than") != NULL);
        }
        free(text);
    }
    {
        char fifo[160], *got = NULL;
        size_t len;
        struct imx_err err = IMX_ERR_INIT;
        snprintf(fifo, sizeof(fifo), "%s/fifo.json", base);
        CHECK(mkfifo(fifo, 0644) == 0);
        CHECK(read_file(fifo, 100, &got, &len, &err) == -IMX_EIO && !got);
        CHECK(strstr(err.msg, "not a regular file") != NULL);
        unlink(fifo);
    }
    unlink(path);
}

int main(void)
{
    char tmpl[] = "/tmp/imx-integrity.XXXXXX";
    char cmd[128];

    if (!mkdtemp(tmpl))
        return 1;
    snprintf(base, sizeof(base), "%s", tmpl);
    RUN(cut_file_gives_nothing);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'/run_*", base);
    if (system(cmd) != 0)
        return 1;
    RUN(spooled_rows_come_back_intact);
    RUN(truncated_mid_read_position);
    RUN(nul_bytes);
    RUN(read_file_sizes);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    if (system(cmd) != 0)
        return 1;
    UNIT_END();
}
