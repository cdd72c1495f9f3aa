/* hostmemo: the record of unreachable hosts (see hostmemo.h). One line per host:
 * "<epoch> <scheme://host:port> <message>", rewritten whole. */
#include "source/hostmemo.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECORD_MAX ((size_t)64 << 10)

struct entry {
    long long when;
    char *host, *why;
};

static void record_path(struct buf *p, const char *cache)
{
    buf_addf(p, "%s/.imx/unreachable", cache);
}

/* The record's entries no older than max_age (malloc'ed; n of them). */
static struct entry *load(const char *cache, long max_age, size_t *n)
{
    struct buf p = BUF_INIT_MAX(FS_PATH_MAX);
    struct imx_err e = IMX_ERR_INIT;
    struct entry *v = NULL;
    size_t cap = 0, len = 0;
    char *text = NULL, *line, *save = NULL;
    long long now = (long long)time(NULL);

    *n = 0;
    record_path(&p, cache);
    if (read_file(p.p, RECORD_MAX, &text, &len, &e) < 0) {
        buf_release(&p);
        return NULL;
    }
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *end, *host, *sp;
        long long when = strtoll(line, &end, 10);
        if (end == line || *end != ' ' || when > now || now - when > max_age)
            continue;
        host = end + 1;
        sp = strchr(host, ' ');
        ALLOC_GROW(v, *n + 1, cap);
        v[*n].when = when;
        v[*n].host = sp ? xstrndup(host, (size_t)(sp - host)) : xstrdup(host);
        v[*n].why = xstrdup(sp ? sp + 1 : "");
        (*n)++;
    }
    free(text);
    buf_release(&p);
    return v;
}

static void entries_free(struct entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].host);
        free(v[i].why);
    }
    free(v);
}

int hostmemo_recent(const char *cache, const char *url, long max_age, long *age, char *why,
                    size_t whysize)
{
    size_t n;
    struct entry *v = load(cache, max_age, &n);
    char *k = http_host_key(url);
    int found = 0;

    for (size_t i = 0; k && i < n && !found; i++) {
        if (strcmp(v[i].host, k))
            continue;
        found = 1;
        *age = (long)((long long)time(NULL) - v[i].when);
        snprintf(why, whysize, "%s", v[i].why);
    }
    free(k);
    entries_free(v, n);
    return found;
}

int hostmemo_save(const char *cache, const struct http_client *c, long max_age, struct imx_err *err)
{
    size_t n, ndown;
    struct entry *v = load(cache, max_age, &n);
    const struct http_host_down *d = http_hosts_down(c, &ndown);
    struct buf out = BUF_INIT_MAX(RECORD_MAX), p = BUF_INIT_MAX(FS_PATH_MAX);
    long long now = (long long)time(NULL);
    int rc = 0;

    if (!n && !ndown) {
        free(v);
        return 0;
    }
    for (size_t i = 0; i < ndown; i++) {
        /* one line each: a message holds no newline */
        char why[sizeof(d[i].why)];
        snprintf(why, sizeof(why), "%s", d[i].why);
        why[strcspn(why, "\r\n")] = '\0';
        buf_addf(&out, "%lld %s %s\n", now, d[i].host, why);
    }
    for (size_t i = 0; i < n; i++) {
        int again = 0;
        for (size_t j = 0; j < ndown && !again; j++)
            again = !strcmp(d[j].host, v[i].host);
        if (!again)
            buf_addf(&out, "%lld %s %s\n", v[i].when, v[i].host, v[i].why);
    }
    record_path(&p, cache);
    rc = atomic_write(p.p, out.p, out.len, err);
    entries_free(v, n);
    buf_release(&out);
    buf_release(&p);
    return rc;
}
