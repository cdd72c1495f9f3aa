/* fuzz_link: libFuzzer target for the HTTP header values imx parses from untrusted servers:
 * Link (pagination), Content-Disposition and Content-Type, and the URLs they carry. */
#include "source/github.h"
#include "source/http.h"
#include "util/buf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A URL found in a Link value comes from between '<' and '>', so it is never empty and holds
 * no '>'; anything else means the parser read past what it matched. */
static void check_link(const char *value, const char *rel)
{
    char *url = http_link_find(value, rel);

    if (url) {
        if (!*url || strchr(url, '>') || !strstr(value, url))
            abort();
        /* the next page is fetched only if it stays on the API's origin */
        (void)http_same_origin(url, "https://api.github.com/repos/o/r/actions/runs");
        free(url);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const rels[] = {"next", "last", "prev", "first", "NEXT"};
    char *s = malloc(size + 1);
    char *name;
    const char *nl;
    struct buf b = BUF_INIT_MAX(1 << 16);

    memcpy(s, data, size);
    s[size] = '\0';
    for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++)
        check_link(s, rels[i]);

    /* a file name from the header must be one component: no path survives */
    name = gh_disposition_filename(s);
    if (name && (!*name || strchr(name, '/') || strchr(name, '\\')))
        abort();
    free(name);
    (void)gh_is_zip(s, s);

    /* two header values at once: Location against the request URL, as redirects do */
    nl = memchr(s, '\n', size);
    if (nl) {
        char *first = strndup(s, (size_t)(nl - s));
        (void)http_same_origin(first, nl + 1);
        (void)gh_is_zip(first, nl + 1);
        free(first);
    }
    http_url_strip_query(&b, s);
    if (strchr(b.p, '?') && !strstr(b.p, "?<query hidden>"))
        abort();
    buf_reset(&b);
    if (http_url_encode(&b, s) == 0 && strcspn(b.p, " /?&=#<>\"") != b.len)
        abort();
    buf_release(&b);
    free(s);
    return 0;
}
