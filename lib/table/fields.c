/* fields: field dictionary, key-field lookup (hashed: it runs for every field of every row)
 * and standardized CSV naming. */
#include "table/fields.h"
#include "util/hash.h"

#include <pthread.h>
#include <string.h>

const struct key_field_info key_fields[NKEY] = {
#define X(id, src, csv, type) {src, csv, type},
    IMX_KEY_FIELDS(X)
#undef X
};

static const char *const aux_names[NFIELDS - NKEY] = {
#define X(id, src) src,
    IMX_AUX_FIELDS(X)
#undef X
};

static const char *field_src(int id)
{
    return id < NKEY ? key_fields[id].src : aux_names[id - NKEY];
}

#define HSIZE 128 /* power of two, > 2 * NFIELDS */
static signed char htab[HSIZE];
static pthread_once_t honce = PTHREAD_ONCE_INIT;

static unsigned hash(const char *s, size_t n)
{
    return (unsigned)fnv1a(FNV1A_INIT, s, n);
}

static void hbuild(void)
{
    memset(htab, -1, sizeof(htab));
    for (int i = 0; i < NFIELDS; i++) {
        unsigned h = hash(field_src(i), strlen(field_src(i))) & (HSIZE - 1);
        while (htab[h] >= 0)
            h = (h + 1) & (HSIZE - 1);
        htab[h] = (signed char)i;
    }
}

int fields_key_id(const char *src, size_t len)
{
    unsigned h;

    pthread_once(&honce, hbuild);
    h = hash(src, len) & (HSIZE - 1);
    while (htab[h] >= 0) {
        const char *k = field_src(htab[h]);
        if (strlen(k) == len && !memcmp(k, src, len))
            return htab[h];
        h = (h + 1) & (HSIZE - 1);
    }
    return -1;
}

int fields_is_extra_config(const char *src)
{
    static const char *const measures[] = {"energy",     "power", "joules", "tput",
                                           "throughput", "_w",    "valid"};
    if ((src[0] != 'p' || strncmp(src, "prefill_", 8)) &&
        (src[0] != 'd' || strncmp(src, "decode_", 7)))
        return 0;
    for (size_t i = 0; i < sizeof(measures) / sizeof(measures[0]); i++)
        if (strstr(src, measures[i]))
            return 0;
    return 1;
}

static const struct {
    const char *src;
    const char *csv;
} renamed[] = {
    {"tput_per_gpu", "throughput_tokens_per_sec_per_gpu"},
    {"output_tput_per_gpu", "output_throughput_per_gpu"},
    {"input_tput_per_gpu", "input_throughput_per_gpu"},
};

static const struct {
    const char *src;
    const char *csv;
} metrics[] = {
    {"ttft", "time_to_first_token_sec"},
    {"tpot", "time_per_output_token_sec"},
    {"itl", "inter_token_latency_sec"},
    {"e2el", "end_to_end_latency_sec"},
    {"intvty", "interactivity_tokens_per_sec_per_user"},
};

static const char *const stats[] = {"mean", "median", "std", "p50",  "p75",
                                    "p90",  "p95",    "p99", "p99.9"};

/* Splits "<stat>_<metric>"; returns the metric index and the stat index, or -1. */
static int split_metric(const char *src, int *stat)
{
    const char *us = strrchr(src, '_');

    if (!us)
        return -1;
    for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
        if (strcmp(us + 1, metrics[m].src))
            continue;
        for (size_t s = 0; s < sizeof(stats) / sizeof(stats[0]); s++) {
            if (strlen(stats[s]) == (size_t)(us - src) &&
                !strncmp(src, stats[s], (size_t)(us - src))) {
                *stat = (int)s;
                return (int)m;
            }
        }
    }
    return -1;
}

void fields_csv_name(const char *src, struct buf *out)
{
    int id = fields_key_id(src, strlen(src)), stat, m;

    if (id >= 0 && id < NKEY) {
        buf_adds(out, key_fields[id].csv);
        return;
    }
    for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++) {
        if (!strcmp(src, renamed[i].src)) {
            buf_adds(out, renamed[i].csv);
            return;
        }
    }
    m = split_metric(src, &stat);
    if (m >= 0) {
        if (m == 4 && !strcmp(stats[stat], "std")) {
            /* 1/std(TPOT) is not a standard deviation of anything: say what it is */
            buf_adds(out, "inverse_std_time_per_output_token_per_sec");
            return;
        }
        for (const char *p = stats[stat]; *p; p++)
            buf_addc(out, *p == '.' ? '_' : *p);
        buf_addf(out, "_%s", metrics[m].csv);
        return;
    }
    buf_adds(out, src);
}

int fields_family_rank(const char *src)
{
    int stat, m;

    for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
        if (!strcmp(src, renamed[i].src))
            return (int)i;
    m = split_metric(src, &stat);
    if (m >= 0)
        return 10 + m * 10 + stat;
    return 1000;
}
