/* infxdrive: runs the API source (source_api) into a store at CACHE with a plain sequential
 * libcurl fetcher instead of imx's HTTP layer, so the engine is cross-checked apart from it.
 * usage: infxdrive URL CACHE [recent=N] [since=D] [until=D] [model=M] [refresh] [id=RUN]... */
#include "source/infx.h"

#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The GETs submitted and not yet answered, answered one at a time, first come first served
 * (priorities matter only to a fetcher that has more than one at once). */
struct queue {
    CURL *curl;
    struct source_get **v;
    size_t head, n, cap;
};

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    struct buf *b = ud;
    return buf_add(b, p, sz * n) == 0 ? sz * n : 0;
}

static void submit(void *ud, struct source_get *g)
{
    struct queue *q = ud;

    if (q->n == q->cap) {
        q->cap = q->cap ? 2 * q->cap : 64;
        q->v = realloc(q->v, q->cap * sizeof(*q->v));
        if (!q->v)
            abort();
    }
    q->v[q->n++] = g;
}

static int run(void *ud)
{
    struct queue *q = ud;

    while (q->head < q->n) {
        struct source_get *g = q->v[q->head++];
        struct buf b = BUF_INIT_MAX(INFX_BODY_MAX);
        CURLcode rc;
        curl_easy_setopt(q->curl, CURLOPT_URL, g->url);
        curl_easy_setopt(q->curl, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(q->curl, CURLOPT_WRITEDATA, &b);
        rc = curl_easy_perform(q->curl);
        if (rc != CURLE_OK) {
            g->code = -IMX_ENET;
            snprintf(g->msg, sizeof(g->msg), "%s", curl_easy_strerror(rc));
            buf_release(&b);
        } else {
            curl_easy_getinfo(q->curl, CURLINFO_RESPONSE_CODE, &g->status);
            g->body = buf_detach(&b, &g->len);
        }
        if (g->arrived)
            g->arrived(g, g->arrived_ud);
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
    struct source_sel sel;
    struct source_where where;
    struct source_env env;
    struct store store;
    struct queue q;
    struct source_fetcher fetcher = {submit, run, &q};
    struct imx_err err = IMX_ERR_INIT;
    struct imx_diag diag = {warn, NULL, 0};
    char *ids[64];
    int r;

    if (argc < 3) {
        fprintf(stderr, "usage: infxdrive URL CACHE [options]\n");
        return 2;
    }
    memset(&sel, 0, sizeof(sel));
    memset(&where, 0, sizeof(where));
    where.infx_url = argv[1];
    for (int i = 3; i < argc; i++) {
        if (!strncmp(argv[i], "recent=", 7))
            sel.recent = atol(argv[i] + 7);
        else if (!strncmp(argv[i], "since=", 6))
            sel.since = argv[i] + 6;
        else if (!strncmp(argv[i], "until=", 6))
            sel.until = argv[i] + 6;
        else if (!strncmp(argv[i], "model=", 6))
            where.model = argv[i] + 6;
        else if (!strcmp(argv[i], "refresh"))
            where.refresh = 1;
        else if (!strncmp(argv[i], "id=", 3) && sel.nids < 64)
            ids[sel.nids++] = argv[i] + 3;
    }
    sel.ids = ids;
    if (store_open(&store, argv[2], &err) < 0 || store_lock(&store, 0, NULL, NULL, &err) < 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    memset(&q, 0, sizeof(q));
    curl_global_init(CURL_GLOBAL_DEFAULT);
    q.curl = curl_easy_init();
    curl_easy_setopt(q.curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(q.curl, CURLOPT_USERAGENT, "imx-infxdrive/" IMX_VERSION);
    curl_easy_setopt(q.curl, CURLOPT_TIMEOUT, 30L);
    memset(&env, 0, sizeof(env));
    env.cache = store.cache;
    env.sel = &sel;
    env.where = &where;
    env.limits = &source_api.limits;
    env.store = &store;
    env.diag = &diag;
    env.note = show;
    env.fetcher = &fetcher;
    r = source_api.sync(&env, &err);
    curl_easy_cleanup(q.curl);
    curl_global_cleanup();
    free(q.v);
    store_close(&store);
    printf("failed=%lu dates=%lu runs=%lu new=%lu kept=%lu files=%lu rows=%lu\n",
           env.st.artifacts_failed, env.st.dates, env.st.runs, env.st.runs_synced,
           env.st.runs_cached, env.st.artifacts, env.st.rows);
    if (r < 0) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    return env.st.artifacts_failed ? 3 : 0;
}
