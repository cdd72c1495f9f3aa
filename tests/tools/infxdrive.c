/* infxdrive: runs infx_sync against a server with a plain sequential libcurl fetcher, so
 * the API engine can be tested end to end before and apart from imx's HTTP layer.
 * usage: infxdrive URL CACHE [recent=N] [since=D] [until=D] [model=M] [refresh] [id=RUN]... */
#include "source/infx.h"

#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    struct buf *b = ud;
    return buf_add(b, p, sz * n) == 0 ? sz * n : 0;
}

static int fetch(void *ud, struct source_get *g, size_t n)
{
    CURL *c = ud;

    for (size_t i = 0; i < n; i++) {
        struct buf b = BUF_INIT_MAX(INFX_BODY_MAX);
        CURLcode rc;
        curl_easy_setopt(c, CURLOPT_URL, g[i].url);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        rc = curl_easy_perform(c);
        if (rc != CURLE_OK) {
            g[i].code = -IMX_ENET;
            snprintf(g[i].msg, sizeof(g[i].msg), "%s", curl_easy_strerror(rc));
            buf_release(&b);
            continue;
        }
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &g[i].status);
        g[i].body = buf_detach(&b, &g[i].len);
    }
    return 0;
}

static void show(void *ud, const char *line)
{
    (void)ud;
    fprintf(stderr, "%s\n", line);
}

static void warn(void *ud, int code, const char *msg)
{
    (void)ud;
    (void)code;
    fprintf(stderr, "warning: %s\n", msg);
}

int main(int argc, char **argv)
{
    struct infx_opts o;
    struct infx_stats st;
    struct source_env env; /* only its note: the per-run lines */
    struct imx_err err = IMX_ERR_INIT;
    struct imx_diag diag = {warn, NULL, 0};
    char *ids[64];
    size_t nids = 0;
    CURL *c;
    int r;

    if (argc < 3) {
        fprintf(stderr, "usage: infxdrive URL CACHE [options]\n");
        return 2;
    }
    memset(&o, 0, sizeof(o));
    o.base_url = argv[1];
    o.cache = argv[2];
    for (int i = 3; i < argc; i++) {
        if (!strncmp(argv[i], "recent=", 7))
            o.recent = atol(argv[i] + 7);
        else if (!strncmp(argv[i], "since=", 6))
            o.since = argv[i] + 6;
        else if (!strncmp(argv[i], "until=", 6))
            o.until = argv[i] + 6;
        else if (!strncmp(argv[i], "model=", 6))
            o.model = argv[i] + 6;
        else if (!strcmp(argv[i], "refresh"))
            o.refresh = 1;
        else if (!strncmp(argv[i], "id=", 3) && nids < 64)
            ids[nids++] = argv[i] + 3;
    }
    o.ids = ids;
    o.nids = nids;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "imx-infxdrive/" IMX_VERSION);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    o.fetch = fetch;
    o.fetch_ud = c;
    o.diag = &diag;
    memset(&env, 0, sizeof(env));
    env.note = show;
    o.env = &env;
    r = infx_sync(&o, &st, &err);
    curl_easy_cleanup(c);
    curl_global_cleanup();
    printf("failed=%lu dates=%lu runs=%lu new=%lu kept=%lu artifacts=%lu files=%lu "
           "rows=%lu agentic=%lu unknown_keys=%lu\n",
           st.failed, st.dates, st.runs, st.runs_new, st.runs_kept, st.runs_artifacts, st.files,
           st.rows, st.agentic, st.unknown_keys);
    if (r < 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    return st.failed ? 3 : 0;
}
