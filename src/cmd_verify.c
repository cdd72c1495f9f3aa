/* cmd_verify: `imx verify [RUN...]`: re-hashes what sync stored in the cache against the sizes
 * and SHA-256 digests of the manifests; lists each damaged (missing, cut, changed) or unexpected
 * file on stdout, sums up on stderr, exits 1 when anything is wrong. Reads only. */
#include "cli.h"
#include "cache/verify.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

/* The runs with damage the repair can fetch again, for the hint at the end. */
struct found {
    unsigned long long *ids;
    size_t n, cap;
};

static void on_run(void *ud, unsigned long long run_id, const struct run_check *c,
                   struct manifest *m)
{
    struct found *f = ud;
    int repairable = 0;

    (void)m;
    for (size_t i = 0; i < c->n; i++) {
        const struct damage *d = &c->v[i];
        char *path = msg_shown(d->path); /* a file name of the cache: anything but '/' */
        printf("run_%llu/%s: %s", run_id, path, damage_name(d->kind));
        free(path);
        if (d->kind == DAMAGE_CUT)
            printf(" (%llu of %llu bytes)", d->have, d->want);
        else if (d->kind == DAMAGE_CHANGED && d->have != d->want)
            printf(" (%llu bytes, %llu stored)", d->have, d->want);
        else if (d->kind == DAMAGE_CHANGED)
            printf(" (SHA-256 differs)");
        else if (d->kind == DAMAGE_UNEXPECTED)
            printf(" (no artifact of the manifest holds it)");
        else if (d->kind == DAMAGE_UNREADABLE)
            printf(" (an InferenceX API document that no longer reads as its rows)");
        else if (d->kind == DAMAGE_DENIED)
            printf(" (imx may not read it: see its permissions)");
        if (d->kept)
            printf(", in a superseded artifact's kept copy");
        putchar('\n');
        repairable |= d->kind != DAMAGE_UNEXPECTED && !d->kept;
    }
    if (repairable) {
        ALLOC_GROW(f->ids, f->n + 1, f->cap);
        f->ids[f->n++] = run_id;
    }
}

int cmd_verify(struct cli *cli)
{
    struct imx_err err = IMX_ERR_INIT;
    struct imx_diag diag = {msg_diag, cli, 0};
    struct verify_stats st;
    struct found f = {0};
    unsigned long long *ids = xcalloc(cli->nids ? cli->nids : 1, sizeof(*ids));
    int r;

    for (size_t i = 0; i < cli->nids; i++)
        ids[i] = strtoull(cli->ids[i], NULL, 10);
    r = verify_cache(cli_cache_dir(cli), ids, cli->nids, 1, on_run, &f, &st, &diag, &err);
    free(ids);
    if (r < 0) {
        free(f.ids);
        msg_error("%s", err.msg);
        return exit_for(err.code);
    }
    fflush(stdout);
    if (!cli->quiet) {
        msg_line("Verified %lu run%s: %lu stored file%s (%.1f MB) re-hashed; %lu damaged, "
                 "%lu unexpected",
                 st.runs, st.runs == 1 ? "" : "s", st.files, st.files == 1 ? "" : "s",
                 (double)st.bytes / (1 << 20), st.damaged, st.unexpected);
        if (st.no_manifest || st.unrecorded)
            msg_line("Not verifiable: %lu run%s without a manifest, %lu artifact%s stored before "
                     "digests were recorded (only their existence was checked)",
                     st.no_manifest, st.no_manifest == 1 ? "" : "s", st.unrecorded,
                     st.unrecorded == 1 ? "" : "s");
    }
    if (f.n) {
        struct buf repair = BUF_INIT;
        for (size_t i = 0; i < f.n && i < 20; i++)
            buf_addf(&repair, " %llu", f.ids[i]);
        msg_line("imx: 'imx sync --repair%s%s' fetches the damaged files again (the damaged ones "
                 "are kept under run_<ID>/.damaged/)",
                 repair.p, f.n > 20 ? " ..." : "");
        buf_release(&repair);
    }
    free(f.ids);
    return st.damaged || st.unexpected || st.bad_manifest || st.runs_missing ? EXIT_PARTIAL
                                                                             : EXIT_OK;
}
