/* fuzz_listing: libFuzzer target for the JSON bodies servers send: GitHub run and artifact
 * listings, GCS objects.list pages and artifacts_metadata.json, and the InferenceX API's
 * discovery responses (gzip-wrapped or not). Bodies are passed with their exact length. */
#include "source/gcs.h"
#include "source/github.h"
#include "source/infx.h"
#include "util/buf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void github(const char *body, size_t len)
{
    struct imx_err err = IMX_ERR_INIT;
    struct gh_run *runs = NULL, one;
    struct gh_artifact *arts = NULL;
    size_t nruns = 0, narts = 0;
    long long total;

    /* each run's own text must lie inside the body it was cut from */
    if (gh_parse_runs(body, len, &runs, &nruns, &total, &err) == 0)
        for (size_t i = 0; i < nruns; i++)
            if (!runs[i].json || runs[i].jsonlen > len || runs[i].json[0] != '{' ||
                runs[i].json[runs[i].jsonlen - 1] != '}')
                abort();
    for (size_t i = 0; i < nruns; i++)
        gh_run_release(&runs[i]);
    free(runs);
    memset(&one, 0, sizeof(one));
    if (gh_parse_run(body, len, &one, &err) == 0)
        gh_run_release(&one);
    if (gh_parse_artifacts(body, len, &arts, &narts, &total, &err) == 0 && narts) {
        enum gh_pick *picks = calloc(narts, sizeof(*picks));
        gh_choose(arts, narts, NULL, picks);
        free(picks);
    }
    for (size_t i = 0; i < narts; i++)
        gh_artifact_release(&arts[i]);
    free(arts);
}

static void gcs(const char *body, size_t len)
{
    struct imx_err err = IMX_ERR_INIT;
    struct gcs_page pg;
    struct gcs_index ix = {0};
    struct gcs_run run;
    struct buf out = BUF_INIT_MAX((size_t)1 << 22);

    gcs_page_init(&pg);
    if (gcs_page_parse(&pg, body, len, &err) == 0) {
        gcs_index_add(&ix, &pg, "run-sweep.yml");
        gcs_index_release(&ix);
    }
    gcs_page_release(&pg);
    /* the body as a run's artifacts_metadata.json */
    memset(&run, 0, sizeof(run));
    run.id = 20720630953ULL;
    memcpy(run.date, "2026-01-05", 11);
    run.folder = (char *)"Run_Sweep_-_main";
    buf_reset(&out);
    /* 0 or a negative code: never a count or a stray 1 */
    if (gcs_run_json(&run, body, len, "SemiAnalysisAI/InferenceX", NULL, &out, &err, &err) > 0)
        abort();
    buf_release(&out);
}

static void infx(const char *body, size_t len)
{
    struct imx_err err = IMX_ERR_INIT;
    struct strs names = {0}, models = {0};
    struct infx_avail av = {0};
    struct infx_wfinfo wf = {0};
    struct buf out = BUF_INIT;
    char *plain = NULL;
    size_t plen = 0;
    int all = 0;

    /* as the sync does: decode first, then parse what came out */
    if (infx_decode_body(body, len, (size_t)1 << 20, &plain, &plen, &err) < 0)
        return;
    if (strlen(plain) > plen)
        abort();
    if (infx_openapi_names(plain, plen, &names, &err) == 0 && names.n)
        if (infx_resolve_model(names.v[0], &names, &models, &all, &err) > 0)
            abort();
    strs_release(&models);
    strs_release(&names);
    (void)infx_avail_parse(plain, plen, &av, &err);
    infx_avail_release(&av);
    if (infx_wfinfo_parse(plain, plen, &wf, &err) == 0)
        for (size_t i = 0; i < wf.n; i++) {
            buf_reset(&out);
            if (infx_run_json(&wf.runs[i], &out) > 0)
                abort();
        }
    infx_wfinfo_release(&wf);
    buf_release(&out);
    free(plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;

    github(body, size);
    gcs(body, size);
    infx(body, size);
    return 0;
}
