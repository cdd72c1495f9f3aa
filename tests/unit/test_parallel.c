/* Unit tests of the parallel scan of a cache: run.json files read by several threads, their
 * warnings still in folder order (the runs' hand-over in order is test_stream.c's). */
#include "cache/scan.h"
#include "unit.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64];

static void write_text(const char *rel, const char *text)
{
    CHECK(unit_write_file(base, rel, text, strlen(text)) == 0);
}

static void collect(void *ud, int code, const char *msg)
{
    struct buf *b = ud;

    (void)code;
    buf_adds(b, msg);
    buf_addc(b, '\n');
}

/* Enough runs for several threads to share the run.json reads: the warnings (bad JSON, a date
 * that is not one, a link) come out in the folders' order, absent files say nothing. */
static void scan_warnings_in_folder_order(void)
{
    struct buf got = BUF_INIT_MAX((size_t)1 << 24);
    struct imx_diag diag = {collect, &got, 0};
    struct imx_err err = IMX_ERR_INIT;
    struct run_list l;
    char want[400][160];
    size_t missing, bad = 0, meta_bad = 0;
    const char *g;
    char rel[64], text[128];

    for (int i = 1000; i < 1400; i++) {
        snprintf(rel, sizeof(rel), "run_%d/run.json", i);
        if (i % 13 == 0) {
            snprintf(rel, sizeof(rel), "run_%d/x", i); /* a run without run.json */
            write_text(rel, "");
        } else if (i % 7 == 0) {
            write_text(rel, "{\"created_at\": ");
            snprintf(want[bad++], sizeof(want[0]), "'%s/run_%d/run.json': not a run object: ", base,
                     i);
        } else if (i % 11 == 0) {
            write_text(rel, "{\"created_at\": \"soon\"}");
            snprintf(want[bad++], sizeof(want[0]),
                     "'%s/run_%d/run.json': created_at 'soon' is not a date", base, i);
        } else if (i == 1001) {
            char path[128];
            snprintf(path, sizeof(path), "%s/run_%d", base, i);
            mkdir(path, 0755);
            snprintf(path, sizeof(path), "%s/run_%d/run.json", base, i);
            CHECK(symlink("nowhere", path) == 0);
            snprintf(want[bad++], sizeof(want[0]), "'%s/run_%d/run.json' is a symbolic link", base,
                     i);
        } else {
            snprintf(text, sizeof(text), "{\"created_at\": \"2026-01-01T00:%02d:%02dZ\"}",
                     (1400 - i) / 60, (1400 - i) % 60);
            write_text(rel, text);
        }
    }
    CHECK(cache_scan(base, NULL, 0, &l, &missing, &diag, &err) == 0);
    CHECK(l.n == 400 && missing == 0 && diag.nwarn == bad);
    /* line k of what was said begins with warning k */
    g = got.p ? got.p : "";
    for (size_t k = 0; k < bad && *g; k++) {
        CHECK(!strncmp(g, want[k], strlen(want[k])));
        g = strchr(g, '\n');
        g = g ? g + 1 : "";
    }
    for (size_t i = 0; i < l.n; i++)
        meta_bad += l.v[i].meta_bad != 0;
    CHECK(meta_bad == bad);
    /* dated runs oldest first: run_1000 is the newest dated one */
    CHECK(l.n && !strcmp(l.v[l.n - 1].id, "1000"));
    run_list_release(&l);
    buf_release(&got);
}

int main(void)
{
    char cmd[160];

    char tmpl[] = "/tmp/imx-parallel.XXXXXX";

    if (!mkdtemp(tmpl))
        return 1;
    snprintf(base, sizeof(base), "%s", tmpl);
    RUN(scan_warnings_in_folder_order);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    CHECK(system(cmd) == 0);
    UNIT_END();
}
