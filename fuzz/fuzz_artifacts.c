/* fuzz_artifacts: libFuzzer target for names that come from servers: GCS object names (one per
 * input line) through the name split, the run index and the artifact rules, and archive entry
 * names through the unpacker's path check. */
#include "cache/jail.h"
#include "cache/unpack.h"
#include "source/gcs.h"
#include "source/github.h"
#include "util/buf.h"
#include "util/date.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 256

/* What gcs_name_parse promises of a name it accepts. */
static void check_name(const char *s, const struct gcs_name *n)
{
    if (n->kind == GCS_NAME_BAD || !date_valid(n->date) || strncmp(s, n->date, 10) || !n->folder ||
        !*n->folder)
        abort();
    if ((n->kind == GCS_NAME_ARTIFACT) != (n->artifact != NULL) ||
        (n->artifact && (!*n->artifact || strlen(n->artifact) >= strlen(s))))
        abort();
}

/* A safe entry path has no empty, '.' or '..' component and no absolute start. */
static void check_entry(const char *rel)
{
    const char *p = rel;

    if (*p == '/')
        abort();
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            abort();
        p += n;
        if (*p == '/')
            p++;
    }
}

static void one_line(const char *s)
{
    struct gcs_name n;
    struct buf b = BUF_INIT_MAX(1 << 16);
    unsigned char h[16];

    if (gcs_name_parse(s, &n) == 0)
        check_name(s, &n);
    else if (n.kind != GCS_NAME_BAD || n.folder || n.artifact)
        abort();
    if (n.folder) {
        (void)gcs_folder_matches_workflow(n.folder, "run-sweep.yml");
        (void)gcs_folder_matches_workflow(n.folder, "full-sweep-1k1k-scheduler.yml");
    }
    gcs_name_release(&n);
    (void)gcs_folder_matches_workflow(s, "run-sweep.yml");
    if (date_valid(s) && date_days(s) < 0)
        abort();
    {
        /* a timestamp that parses has a valid UTC day */
        char day[DATE_LEN + 1];
        if (date_timestamp_day(s, day) == 0 && !date_valid(day) && strncmp(s, "1970-01-01", 10))
            abort();
    }
    (void)gcs_b64_decode(s, h, 16);
    (void)gcs_b64_decode(s, h, 4);
    (void)http_url_encode_keep(&b, s, GCS_KEEP_PATH);
    buf_reset(&b);
    (void)http_url_encode_keep(&b, s, GCS_KEEP_QUERY);
    buf_reset(&b);
    if (unpack_entry_path(s, &b) == 0)
        check_entry(b.p);
    if (jail_name_ok(s) && (strchr(s, '/') || s[0] == '.' || !strcmp(s, "run.json")))
        abort();
    if (jail_path_ok(s) && (strstr(s, "..") == s || strstr(s, "/.") || s[0] == '/'))
        abort();
    buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    char *lines[MAX_LINES];
    size_t nl = 0;
    struct gcs_page pg;
    struct gcs_index ix = {0};

    memcpy(s, data, size);
    s[size] = '\0';
    for (char *p = s; *p && nl < MAX_LINES;) {
        size_t k = strcspn(p, "\n");
        lines[nl++] = p;
        p += k;
        if (*p)
            *p++ = '\0';
    }
    for (size_t i = 0; i < nl; i++)
        one_line(lines[i]);

    /* the lines as one listing: runs grouped from names, then the artifact rule of each */
    gcs_page_init(&pg);
    pg.items = calloc(nl ? nl : 1, sizeof(*pg.items));
    pg.nitems = pg.capitems = nl;
    for (size_t i = 0; i < nl; i++)
        pg.items[i].name = strdup(lines[i]);
    gcs_index_add(&ix, &pg, "run-sweep.yml");
    gcs_index_release(&ix);
    gcs_index_add(&ix, &pg, NULL);
    for (size_t r = 0; r < ix.n; r++) {
        struct gcs_run *run = &ix.runs[r];
        size_t m = run->narts;
        const struct gh_artifact *arts = run->arts;
        enum gh_pick *picks = calloc(m ? m : 1, sizeof(*picks));

        if (gcs_index_find(&ix, run->id) != run)
            abort();
        gh_choose(arts, m, "eval_*", picks);
        gh_choose(arts, m, NULL, picks);
        for (size_t a = 0; a < m; a++)
            if ((picks[a] != GH_SKIP && picks[a] != GH_TAKE && picks[a] != GH_OLDER &&
                 picks[a] != GH_REFUSED) ||
                (picks[a] == GH_TAKE && !jail_name_ok(arts[a].name)) ||
                (picks[a] == GH_REFUSED && jail_name_ok(arts[a].name)))
                abort();
        free(picks);
    }
    gcs_index_release(&ix);
    gcs_page_release(&pg);
    free(s);
    return 0;
}
