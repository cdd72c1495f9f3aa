/* infx: the InferenceX public API (https://inferencex.semianalysis.com/api/v1) as a source of
 * runs: model display names, response decoding, discovery, and the cache files it writes. */
#ifndef IMX_INFX_H
#define IMX_INFX_H

#include "source/source.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/strs.h"

#include <stddef.h>

#define INFX_DEFAULT_URL "https://inferencex.semianalysis.com"
/* Politeness, as the official client: at most 4 requests at once, 3 attempts, 30 s each. */
#define INFX_MAX_PARALLEL 4
#define INFX_ATTEMPTS 3
#define INFX_TIMEOUT_S 30
/* Largest decoded response accepted (the official client's budget is 32 MiB). */
#define INFX_BODY_MAX ((size_t)32 << 20)
/* Of an error answer only the message is read (and its first 200 characters shown). */
#define INFX_ERROR_BODY_MAX ((size_t)64 << 10)

/* The display name of a DB key (dsr1 -> DeepSeek-R1-0528), or NULL. */
const char *infx_display_of_key(const char *key);

/* The model names of /api/openapi.json (paths./api/v1/benchmarks.get.parameters[model]
 * .schema.enum). Fails with IMX_EPARSE when the document does not hold them. */
int infx_openapi_names(const char *json, size_t len, struct strs *out, struct imx_err *err);

/*
 * Resolves --model to display names: 'all' or NULL (every name: out stays empty and *all is
 * set), a display name (exact, else ignoring case: gpt-oss-120B), a DB key (gptoss120b,
 * kimik2.6), an artifact prefix (gptoss), a model id or the old org_Name form
 * (openai/gpt-oss-120b, openai_GPT-OSS-120B, nvidia/DeepSeek-R1-0528-FP4-V2). `live` (may be
 * NULL) adds names from the OpenAPI document. An unknown model is IMX_ENOTFOUND, and the
 * message lists the display names known.
 */
IMX_MUST_CHECK int infx_resolve_model(const char *arg, const struct strs *live, struct strs *out,
                                      int *all, struct imx_err *err);

/* Response bodies: the origin gzips every success body, whatever was asked, and a proxy may
 * drop the Content-Encoding header. Gunzips while the body starts with the gzip magic (1f 8b),
 * at most twice, refusing anything larger than max once decoded; *out is malloc'ed and
 * NUL-terminated. */
IMX_MUST_CHECK int infx_decode_body(const char *in, size_t n, size_t max, char **out,
                                    size_t *outlen, struct imx_err *err);

/* /api/v1/availability: the dates with data, oldest first, and the model keys of each. */
struct infx_day {
    char date[11];
    struct strs keys;
};
struct infx_avail {
    struct infx_day *v;
    size_t n, cap;
};
int infx_avail_parse(const char *json, size_t len, struct infx_avail *out, struct imx_err *err);
/* The entry of date (YYYY-MM-DD), NULL when none. */
struct infx_day *infx_avail_day(const struct infx_avail *a, const char *date);
void infx_avail_release(struct infx_avail *a);

/* /api/v1/workflow-info?date=D: the runs of a date (latest attempt each). */
struct infx_run {
    char id[24];  /* github_run_id (a string in the API, a number after drift) */
    long attempt; /* run_attempt */
    char *name, *conclusion, *html_url, *created_at, *date;
    char *head_sha, *run_started_at; /* from runConfigs, NULL without */
    struct strs keys;                /* model keys of its runConfigs */
};
struct infx_wfinfo {
    struct infx_run *runs;
    size_t n, cap;
};
IMX_MUST_CHECK int infx_wfinfo_parse(const char *json, size_t len, struct infx_wfinfo *out,
                                     struct imx_err *err);
void infx_wfinfo_release(struct infx_wfinfo *w);

/* run.json for the cache, in the shape of GitHub's run object (id a number, run_attempt,
 * created_at, html_url, ...) plus "imx_source": "api", appended to out: 0, or -1 past out's
 * cap (out as it was). */
IMX_MUST_CHECK int infx_run_json(const struct infx_run *r, struct buf *out);

/* Cache layout: api/availability.json and api/workflow-info/<DATE>.json (the discovery
 * answers, decoded), run_<ID>/run.json (built from workflow-info) and run_<ID>/api/ (the rows
 * of /benchmarks?model=&runId=&exactRun=, named as cache/apifiles.h says and recorded in the
 * run's manifest). Earlier attempts' files stay; readers use the highest attempt's. */

/* A date's workflow-info is asked again when within INFX_RECHECK_DAYS of the newest date. */
#define INFX_RECHECK_DAYS 3

#endif
