/* gencache: writes a synthetic InferenceMAX result cache in the original extractor's layout
 * (run_<ID>/run.json + agg_bmk.json, or per-configuration bmk_* folders) with real row shapes,
 * for `make bench` and the tests. The output depends only on --runs and --seed. */
#include "util/buf.h"
#include "util/err.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Bump whenever the output for a given (runs, seed) changes: bench/run.sh regenerates then. */
#define GENCACHE_VERSION 1

#define MAX_RUNS 100000
/* The runs spread over 2025-12-15 .. 2026-04-30, so that every cache crosses the eras. */
#define T_START 1765756800LL      /* 2025-12-15T00:00:00Z, run-sweep.yml's first day */
#define T_SPAN (136LL * 86400)    /* to 2026-04-30 */
#define T_NEW_MODELS 1772323200LL /* 2026-03-01: qwen3.5, kimik2.5, glm5, minimaxm2.5 appear */
#define T_E10 1774310400LL        /* 2026-03-24: p90/p99.9 percentiles (schema era E10) */
#define T_NO_1K8K 1774569600LL    /* 2026-03-27: 1k8k removed from the sweeps */
#define ID_BASE 20218553330ULL    /* a real run-sweep.yml run id of 2025-12-13 */
#define IDS_PER_SECOND 290        /* GitHub's run ids grew by about 25 million a day */
#define FILE_MAX ((size_t)256 << 20)

/* splitmix64: small, fast and the same on every platform, which determinism needs. */
struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static unsigned rng_below(struct rng *r, unsigned n)
{
    return (unsigned)(rng_next(r) % n);
}

/* One hardware/software stack of one model, as the master configs define them. */
struct platform {
    const char *prefix; /* infmax_model_prefix */
    const char *model;
    const char *hw;
    const char *runner; /* concrete runner: only in per-configuration artifact names */
    const char *framework;
    const char *precision;
    const char *image;
    const char *spec;
    int multinode;
    long long since;  /* first run time it appears in */
    int tps[4];       /* single node: the TP values swept (0 ends) */
    const char *topo; /* multinode: digits, indexes into topos[] */
};

/* Disaggregated topologies seen in the real gb200/mi355x rows. */
struct topology {
    int ptp, pep, pdpa, pnw, dtp, dep, ddpa, dnw, npg, ndg;
    int concs[6];
};

static const struct topology topos[] = {
    {1, 1, 0, 1, 4, 1, 0, 1, 1, 4, {4, 8, 16, 32, 64, 0}},
    {1, 1, 0, 1, 2, 2, 1, 2, 1, 4, {64, 128, 256, 0}},
    {4, 4, 0, 1, 8, 8, 0, 3, 4, 24, {269, 538, 1075, 2150, 0}},
    {4, 4, 1, 5, 32, 32, 1, 1, 20, 32, {4096, 8192, 12000, 0}},
    {1, 1, 1, 1, 1, 1, 1, 1, 4, 4, {128, 256, 512, 1024, 0}},
    {1, 1, 1, 4, 1, 1, 1, 1, 16, 48, {2048, 4096, 8192, 0}},
    {1, 1, 1, 4, 1, 1, 1, 1, 16, 32, {4096, 8192, 0}},
    {1, 1, 0, 6, 1, 1, 1, 1, 24, 48, {1024, 2048, 4096, 0}},
    {1, 1, 0, 1, 8, 8, 1, 1, 1, 8, {8, 16, 32, 64, 128, 256}},
    {1, 1, 0, 2, 8, 8, 1, 1, 2, 8, {64, 128, 256, 512, 0}},
};

#define NVIDIA_SGLANG "lmsysorg/sglang:v0.5.6-cu129-amd64"
#define VLLM "vllm/vllm-openai:v0.13.0"
#define TRT "nvcr.io#nvidia/tensorrt-llm/release:1.2.0rc2"
#define ATOM "rocm/atom:rocm7.1.1-ubuntu24.04-pytorch2.9-atom0.1.1-MI350x"
#define AMD_SGLANG "lmsysorg/sglang:v0.5.7-rocm700-mi35x"
#define DYN_TRT "nvcr.io#nvidia/ai-dynamo/tensorrtllm-runtime:0.7.0.post2"
#define GPTOSS "openai/gpt-oss-120b"
#define DSR1 "deepseek-ai/DeepSeek-R1-0528"

static const struct platform platforms[] = {
    {"gptoss", GPTOSS, "h100", "h100-cw_1", "vllm", "fp4", VLLM, "none", 0, 0, {4, 8}, ""},
    {"gptoss", GPTOSS, "h200", "h200-nb_2", "vllm", "fp4", VLLM, "none", 0, 0, {2, 8}, ""},
    {"gptoss", GPTOSS, "b200", "b200-nv_3", "vllm", "fp4", VLLM, "none", 0, 0, {1, 4, 8}, ""},
    {"gptoss", GPTOSS, "b200-trt", "b200-nb_0", "trt", "fp4", TRT, "none", 0, 0, {1, 4, 8}, ""},
    {"gptoss", GPTOSS, "mi355x", "mi355x-amd_1", "atom", "fp4", ATOM, "none", 0, 0, {1, 8}, ""},
    {"gptoss",
     "/mnt/lustre01/models/gpt-oss-120b",
     "gb200",
     "gb200-nv_0",
     "dynamo-trt",
     "fp4",
     DYN_TRT,
     "none",
     1,
     0,
     {0},
     "0189"},
    {"dsr1", DSR1, "b200", "b200-nv_1", "sglang", "fp8", NVIDIA_SGLANG, "none", 0, 0, {4, 8}, ""},
    {"dsr1",
     "nvidia/DeepSeek-R1-0528-FP4-V2",
     "b200",
     "b200-nb_3",
     "sglang",
     "fp4",
     NVIDIA_SGLANG,
     "none",
     0,
     0,
     {4, 8},
     ""},
    {"dsr1", DSR1, "h200", "h200-nv_0", "sglang", "fp8", NVIDIA_SGLANG, "none", 0, 0, {8}, ""},
    {"dsr1",
     DSR1,
     "mi300x",
     "mi300x-amd_2",
     "sglang",
     "fp8",
     "lmsysorg/sglang:v0.5.5.post3-rocm700-mi30x",
     "none",
     0,
     0,
     {8},
     ""},
    {"dsr1",
     DSR1,
     "mi325x",
     "mi325x-amd_0",
     "sglang",
     "fp8",
     "lmsysorg/sglang:v0.5.5.post3-rocm700-mi30x",
     "none",
     0,
     0,
     {8},
     ""},
    {"dsr1",
     "amd/DeepSeek-R1-0528-MXFP4-Preview",
     "mi355x",
     "mi355x-amd_3",
     "sglang",
     "fp4",
     AMD_SGLANG,
     "none",
     0,
     0,
     {4, 8},
     ""},
    {"dsr1", DSR1, "mi355x", "mi355x-amd_2", "atom", "fp8", ATOM, "none", 0, 0, {8}, ""},
    {"dsr1",
     "deepseek-ai/DeepSeek-R1",
     "gb200",
     "gb200-nv_0",
     "dynamo-sglang",
     "fp8",
     "lmsysorg/sglang:v0.5.5.post2",
     "none",
     1,
     0,
     {0},
     "457"},
    {"dsr1",
     "deepseek-ai/DeepSeek-R1",
     "gb200",
     "gb200-nv_0",
     "dynamo-sglang",
     "fp4",
     "lmsysorg/sglang:v0.5.5.post2",
     "none",
     1,
     0,
     {0},
     "56"},
    {"dsr1",
     "/mnt/lustre01/models/deepseek-r1-0528-fp4-v2",
     "gb200",
     "gb200-nv_0",
     "dynamo-trt",
     "fp4",
     "nvcr.io#nvidia/ai-dynamo/tensorrtllm-runtime:0.5.1-rc0.pre3",
     "mtp",
     1,
     0,
     {0},
     "23"},
    {"dsr1",
     "/mnt/lustre01/models/deepseek-r1-0528-fp4-v2",
     "gb200",
     "gb200-nv_0",
     "dynamo-trt",
     "fp4",
     "nvcr.io#nvidia/ai-dynamo/tensorrtllm-runtime:0.5.1-rc0.pre3",
     "none",
     1,
     0,
     {0},
     "23"},
    {"dsr1",
     "/models/DeepSeek-R1",
     "mi355x-amd_0",
     "mi355x-amd_0",
     "sglang-disagg",
     "fp8",
     "rocm/sgl-dev:sglang-0.5.6.post1-rocm700-mi35x-mori-1224",
     "mtp",
     1,
     0,
     {0},
     "89"},
    {"qwen3.5",
     "Qwen/Qwen3.5-397B-A17B",
     "b200",
     "b200-nv_2",
     "sglang",
     "fp8",
     NVIDIA_SGLANG,
     "none",
     0,
     T_NEW_MODELS,
     {4, 8},
     ""},
    {"qwen3.5",
     "Qwen/Qwen3.5-397B-A17B",
     "mi355x",
     "mi355x-amd_0",
     "sglang",
     "fp8",
     AMD_SGLANG,
     "none",
     0,
     T_NEW_MODELS,
     {8},
     ""},
    {"kimik2.5",
     "moonshotai/Kimi-K2.5",
     "b200",
     "b200-nv_0",
     "vllm",
     "fp4",
     VLLM,
     "none",
     0,
     T_NEW_MODELS,
     {8},
     ""},
    {"glm5",
     "zai-org/GLM-5",
     "b200",
     "b200-nb_1",
     "sglang",
     "fp8",
     NVIDIA_SGLANG,
     "none",
     0,
     T_NEW_MODELS,
     {8},
     ""},
    {"minimaxm2.5",
     "MiniMaxAI/MiniMax-M2.5",
     "h200",
     "h200-nb_1",
     "vllm",
     "fp8",
     VLLM,
     "none",
     0,
     T_NEW_MODELS,
     {4, 8},
     ""},
};

#define NPLATFORMS (sizeof(platforms) / sizeof(platforms[0]))

/* A group: the configurations one benchmark job (or one multinode job) produces, one per conc. */
struct group {
    const struct platform *pf;
    int isl, osl;
    int tp, ep, dpa;            /* single node */
    const struct topology *tpl; /* multinode */
    int concs[6];
    int nconc;
};

struct pool {
    struct group *v;
    size_t n;
    size_t nconfigs;
};

static const struct {
    int isl, osl;
    const char *name;
} seqs[] = {{1024, 1024, "1k1k"}, {8192, 1024, "8k1k"}, {1024, 8192, "1k8k"}};

/* The pool is the same for every seed, so deduplication keeps a table of bounded size. */
static void pool_build(struct pool *pool)
{
    struct rng r = {0x696d78u}; /* fixed: the pool does not depend on --seed */
    size_t cap = 0;

    memset(pool, 0, sizeof(*pool));
    for (size_t p = 0; p < NPLATFORMS; p++) {
        const struct platform *pf = &platforms[p];
        /* 1k8k belongs to the 2025 single-node sweeps of the first two models */
        size_t nseq = (!pf->multinode && pf->since == 0) ? 3 : 2;
        for (size_t s = 0; s < nseq; s++) {
            size_t nvar = 0;
            while (pf->multinode ? pf->topo[nvar] != '\0' : nvar < 4 && pf->tps[nvar] > 0)
                nvar++;
            for (size_t v = 0; v < nvar; v++) {
                struct group g;
                memset(&g, 0, sizeof(g));
                g.pf = pf;
                g.isl = seqs[s].isl;
                g.osl = seqs[s].osl;
                if (pf->multinode) {
                    g.tpl = &topos[pf->topo[v] - '0'];
                    while (g.nconc < 6 && g.tpl->concs[g.nconc])
                        g.concs[g.nconc] = g.tpl->concs[g.nconc], g.nconc++;
                } else {
                    static const int conc[] = {4, 8, 16, 32, 64, 128};
                    g.tp = pf->tps[v];
                    g.ep = (g.tp >= 4 && rng_below(&r, 3) == 0) ? g.tp : 1;
                    g.dpa = g.ep > 1 && rng_below(&r, 2);
                    g.nconc = 5 + (int)rng_below(&r, 2);
                    memcpy(g.concs, conc, sizeof(int) * (size_t)g.nconc);
                }
                ALLOC_GROW(pool->v, pool->n + 1, cap);
                pool->v[pool->n++] = g;
                pool->nconfigs += (size_t)g.nconc;
            }
        }
    }
}

static int group_active(const struct group *g, long long t)
{
    if (t < g->pf->since)
        return 0;
    return !(g->osl == 8192 && t >= T_NO_1K8K);
}

static const char *seq_name(const struct group *g)
{
    for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
        if (seqs[i].isl == g->isl && seqs[i].osl == g->osl)
            return seqs[i].name;
    return "1k1k";
}

/* Output: appends that can only fail on the (huge) per-file cap. */
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "gencache: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void put(struct buf *b, const char *s, size_t n)
{
    if (buf_add(b, s, n))
        die("%s", "a file would exceed the size cap");
}

#define PUTS(b, lit) put((b), (lit), sizeof(lit) - 1)

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_long(struct buf *b, long long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%lld", v);
    put(b, tmp, (size_t)n);
}

/*
 * A float as Python's repr prints it: 15 to 17 significant digits (no trailing
 * zero), positional for decimal exponents -4..15, else d.ddde-XX. The digits
 * are drawn directly, which is much faster than formatting doubles and is all a
 * reader that keeps the source text can tell.
 */
static void put_float(struct buf *b, struct rng *r, int elo, int ehi)
{
    char d[20], out[40];
    int nd = 17 - (int)rng_below(r, 3);
    int e = elo + (int)rng_below(r, (unsigned)(ehi - elo + 1));
    uint64_t x = rng_next(r);
    size_t n = 0;

    d[0] = (char)('1' + x % 9);
    x /= 9;
    for (int i = 1; i < nd; i++, x /= 10)
        d[i] = (char)('0' + x % 10);
    if (d[nd - 1] == '0')
        d[nd - 1] = (char)('1' + rng_below(r, 9));
    if (e < -4 || e >= 16) {
        out[n++] = d[0];
        if (nd > 1) {
            out[n++] = '.';
            memcpy(out + n, d + 1, (size_t)nd - 1);
            n += (size_t)nd - 1;
        }
        n += (size_t)snprintf(out + n, sizeof(out) - n, "e%c%02d", e < 0 ? '-' : '+', abs(e));
    } else if (e < 0) {
        out[n++] = '0';
        out[n++] = '.';
        for (int i = 0; i < -e - 1; i++)
            out[n++] = '0';
        memcpy(out + n, d, (size_t)nd);
        n += (size_t)nd;
    } else {
        memcpy(out + n, d, (size_t)e + 1);
        n += (size_t)e + 1;
        out[n++] = '.';
        memcpy(out + n, d + e + 1, (size_t)(nd - e - 1));
        n += (size_t)(nd - e - 1);
    }
    put(b, out, n);
}

/* Keys are written by json.dump(indent=2): the row's keys sit at `ind` spaces. */
struct emitter {
    struct buf *b;
    int ind;
    int first;
};

static void key(struct emitter *em, const char *k)
{
    static const char spaces[] = "                ";
    if (!em->first)
        PUTS(em->b, ",");
    em->first = 0;
    PUTS(em->b, "\n");
    put(em->b, spaces, (size_t)em->ind);
    PUTS(em->b, "\"");
    puts_(em->b, k);
    PUTS(em->b, "\": ");
}

static void kv_str(struct emitter *em, const char *k, const char *v)
{
    key(em, k);
    PUTS(em->b, "\"");
    puts_(em->b, v);
    PUTS(em->b, "\"");
}

static void kv_int(struct emitter *em, const char *k, long long v)
{
    key(em, k);
    put_long(em->b, v);
}

static void kv_bool(struct emitter *em, const char *k, int v)
{
    key(em, k);
    puts_(em->b, v ? "true" : "false");
}

static void kv_float(struct emitter *em, const char *k, struct rng *r, int elo, int ehi)
{
    key(em, k);
    put_float(em->b, r, elo, ehi);
}

/* Decimal exponent ranges of each latency statistic, in seconds (tok/s/user for intvty). */
struct metric {
    const char *name;
    int mean[2], std[2], pct[2];
};

static const struct metric metrics[] = {
    {"ttft", {-2, 1}, {-3, 1}, {-1, 1}},
    {"tpot", {-3, -2}, {-5, -3}, {-3, -1}},
    {"itl", {-3, -1}, {-3, -1}, {-3, 0}},
    {"e2el", {0, 2}, {-1, 1}, {0, 2}},
};

static void latencies(struct emitter *em, struct rng *r, int e10)
{
    static const char *const e9_pcts[] = {"p99"};
    static const char *const e10_pcts[] = {"p90", "p99", "p99.9"};
    const char *const *pcts = e10 ? e10_pcts : e9_pcts;
    size_t npct = e10 ? 3 : 1;
    char k[32];

    for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
        const struct metric *mt = &metrics[m];
        int tpot = m == 1;
        /* process_result.py walks the client's keys in order; each TPOT key is followed by its
         * interactivity (1000 / tpot_ms) */
        static const char *const stats[] = {"mean", "median", "std"};
        for (size_t s = 0; s < 3 + npct; s++) {
            const char *st = s < 3 ? stats[s] : pcts[s - 3];
            const int *ex = s == 2 ? mt->std : s < 2 ? mt->mean : mt->pct;
            snprintf(k, sizeof(k), "%s_%s", st, mt->name);
            kv_float(em, k, r, ex[0], ex[1]);
            if (tpot) {
                snprintf(k, sizeof(k), "%s_intvty", st);
                if (s == 2)
                    kv_float(em, k, r, 1, 5); /* 1/std_tpot: not a deviation, can be huge */
                else
                    kv_float(em, k, r, 0, 2);
            }
        }
    }
}

/* One row in the key order of process_result.py @93e1b3ca1 (E9), E10 adding percentiles. */
static void row(struct buf *b, int ind, const struct group *g, int conc, int e10, struct rng *r)
{
    static const char spaces[] = "                ";
    struct emitter em = {b, ind, 1};
    const struct platform *pf = g->pf;

    PUTS(b, "{");
    kv_str(&em, "hw", pf->hw);
    kv_int(&em, "conc", conc);
    kv_str(&em, "image", pf->image);
    kv_str(&em, "model", pf->model);
    kv_str(&em, "infmax_model_prefix", pf->prefix);
    kv_str(&em, "framework", pf->framework);
    kv_str(&em, "precision", pf->precision);
    kv_str(&em, "spec_decoding", pf->spec);
    kv_bool(&em, "disagg", pf->multinode);
    kv_int(&em, "isl", g->isl);
    kv_int(&em, "osl", g->osl);
    kv_bool(&em, "is_multinode", pf->multinode);
    if (pf->multinode) {
        const struct topology *t = g->tpl;
        kv_int(&em, "prefill_tp", t->ptp);
        kv_int(&em, "prefill_ep", t->pep);
        kv_str(&em, "prefill_dp_attention", t->pdpa ? "true" : "false");
        kv_int(&em, "prefill_num_workers", t->pnw);
        kv_int(&em, "decode_tp", t->dtp);
        kv_int(&em, "decode_ep", t->dep);
        kv_str(&em, "decode_dp_attention", t->ddpa ? "true" : "false");
        kv_int(&em, "decode_num_workers", t->dnw);
        kv_int(&em, "num_prefill_gpu", t->npg);
        kv_int(&em, "num_decode_gpu", t->ndg);
    } else {
        kv_int(&em, "tp", g->tp);
        kv_int(&em, "ep", g->ep);
        kv_str(&em, "dp_attention", g->dpa ? "true" : "false");
    }
    kv_float(&em, "tput_per_gpu", r, 2, 4);
    kv_float(&em, "output_tput_per_gpu", r, 1, 3);
    kv_float(&em, "input_tput_per_gpu", r, 1, 4);
    latencies(&em, r, e10);
    PUTS(b, "\n");
    put(b, spaces, (size_t)ind - 2);
    PUTS(b, "}");
}

struct stats {
    unsigned long long rows, bytes, files;
};

static void write_file(const char *path, const struct buf *b, struct stats *st)
{
    FILE *fp = fopen(path, "wbx"); /* x: two rows must never share a file */

    if (!fp)
        die("cannot create %s", path);
    if (fwrite(b->p, 1, b->len, fp) != b->len || fclose(fp) != 0)
        die("cannot write %s", path);
    st->bytes += b->len;
    st->files++;
}

static void make_dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        die("cannot create directory %s", path);
}

static void iso_time(char *out, size_t n, long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void run_json(struct buf *b, unsigned long long id, long long t, struct rng *r)
{
    struct emitter em = {b, 2, 1};
    char created[32], updated[32], sha[41], url[128];
    int pr = rng_below(r, 100) < 15;

    for (int i = 0; i < 40; i++)
        sha[i] = "0123456789abcdef"[rng_below(r, 16)];
    sha[40] = '\0';
    iso_time(created, sizeof(created), t);
    iso_time(updated, sizeof(updated), t + 3600 + rng_below(r, 5 * 3600));
    snprintf(url, sizeof(url), "https://github.com/SemiAnalysisAI/InferenceX/actions/runs/%llu",
             id);
    PUTS(b, "{");
    kv_int(&em, "id", (long long)id);
    kv_str(&em, "name", "Run Sweep");
    if (pr) {
        char br[32];
        snprintf(br, sizeof(br), "perf-update-%u", rng_below(r, 900) + 100);
        kv_str(&em, "head_branch", br);
    } else {
        kv_str(&em, "head_branch", "main");
    }
    kv_str(&em, "head_sha", sha);
    kv_str(&em, "path", ".github/workflows/run-sweep.yml");
    kv_str(&em, "event", pr ? "pull_request" : "push");
    kv_str(&em, "status", "completed");
    kv_str(&em, "conclusion", "success");
    kv_int(&em, "run_attempt", rng_below(r, 10) == 0 ? 2 : 1);
    kv_str(&em, "created_at", created);
    kv_str(&em, "updated_at", updated);
    kv_str(&em, "run_started_at", created);
    kv_str(&em, "html_url", url);
    PUTS(b, "\n}\n");
}

/* Per-configuration artifacts (bmk_<RESULT_FILENAME>/agg_<RESULT_FILENAME>[_suffix].json),
 * named as benchmark-tmpl.yml / benchmark-multinode-tmpl.yml named them in December 2025. */
static void write_percfg(const char *rundir, const struct group *g, int e10, struct rng *r,
                         struct buf *b, struct stats *st)
{
    const struct platform *pf = g->pf;
    struct buf name = BUF_INIT, path = BUF_INIT;

    if (!pf->multinode) {
        for (int c = 0; c < g->nconc; c++) {
            buf_reset(&name);
            buf_addf(&name, "%s_%s_%s_%s_tp%d_ep%d_dpa_%s_conc%d_%s", pf->prefix, seq_name(g),
                     pf->precision, pf->framework, g->tp, g->ep, g->dpa ? "true" : "false",
                     g->concs[c], pf->runner);
            buf_reset(&path);
            buf_addf(&path, "%s/bmk_%s", rundir, name.p);
            make_dir(path.p);
            buf_addf(&path, "/agg_%s.json", name.p);
            buf_reset(b);
            row(b, 2, g, g->concs[c], e10, r);
            write_file(path.p, b, st);
            st->rows++;
        }
    } else {
        const struct topology *t = g->tpl;
        buf_addf(&name, "%s_%s_%s_ptp%dpep%d_dtp%ddep%d_%s_specdec-%s_conc", pf->prefix,
                 seq_name(g), pf->precision, t->ptp, t->pep, t->dtp, t->dep, pf->framework,
                 pf->spec);
        for (int c = 0; c < g->nconc; c++)
            buf_addf(&name, "%s%d", c ? "x" : "", g->concs[c]);
        buf_addf(&name, "_%s", pf->runner);
        buf_addf(&path, "%s/bmk_%s", rundir, name.p);
        make_dir(path.p);
        size_t dirlen = path.len;
        for (int c = 0; c < g->nconc; c++) {
            buf_truncate(&path, dirlen);
            buf_addf(&path,
                     "/agg_%s_isl_%d_osl_%d_concurrency_%d_req_rate_inf_gpus_%d_ctx_%d_gen_%d.json",
                     name.p, g->isl, g->osl, g->concs[c], t->npg + t->ndg, t->npg, t->ndg);
            buf_reset(b);
            row(b, 2, g, g->concs[c], e10, r);
            write_file(path.p, b, st);
            st->rows++;
        }
    }
    buf_release(&name);
    buf_release(&path);
}

static void write_run(const char *out, const struct pool *pool, size_t k, size_t nruns,
                      unsigned long long seed, struct buf *b, size_t *order, struct stats *st)
{
    struct rng r = {seed * 0x2545f4914f6cdd1dULL ^
                    ((unsigned long long)k + 1) * 0x9e3779b97f4a7c15ULL};
    long long step = T_SPAN / (long long)nruns;
    long long t = T_START + T_SPAN * (long long)k / (long long)nruns;
    unsigned long long id;
    char dir[4096], path[4200];
    size_t nact = 0;

    rng_next(&r);
    t += step > 1 ? (long long)rng_below(&r, (unsigned)(step / 2)) : 0;
    id = ID_BASE + (unsigned long long)(t - T_START) * IDS_PER_SECOND +
         rng_below(&r, IDS_PER_SECOND);
    snprintf(dir, sizeof(dir), "%s/run_%llu", out, id);
    make_dir(dir);

    buf_reset(b);
    run_json(b, id, t, &r);
    snprintf(path, sizeof(path), "%s/run.json", dir);
    write_file(path, b, st);

    /* Each run covers the configurations its changelog entries touched: whole groups. */
    for (size_t i = 0; i < pool->n; i++)
        if (group_active(&pool->v[i], t))
            order[nact++] = i;
    for (size_t i = nact; i > 1; i--) {
        size_t j = rng_below(&r, (unsigned)i);
        size_t tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
    int target = (k % 50 == 17) ? 0 : 150 + (int)rng_below(&r, 101); /* 2% empty aggregates */
    int e10 = t >= T_E10;
    int percfg = k % 10 == 5;
    int nrows = 0, first = 1;

    buf_reset(b);
    if (target == 0)
        PUTS(b, "[]");
    else if (!percfg)
        PUTS(b, "[");
    for (size_t i = 0; i < nact && nrows < target; i++) {
        const struct group *g = &pool->v[order[i]];
        if (percfg) {
            struct buf fb = BUF_INIT_MAX(FILE_MAX);
            write_percfg(dir, g, e10, &r, &fb, st);
            buf_release(&fb);
        } else {
            for (int c = 0; c < g->nconc; c++) {
                puts_(b, first ? "\n  " : ",\n  ");
                first = 0;
                row(b, 4, g, g->concs[c], e10, &r);
                st->rows++;
            }
        }
        nrows += g->nconc;
    }
    if (target > 0 && !percfg)
        PUTS(b, "\n]");
    if (!percfg || target == 0) {
        snprintf(path, sizeof(path), "%s/agg_bmk.json", dir);
        write_file(path, b, st);
    }
}

static int dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    int empty = 1;

    if (!d)
        return errno == ENOENT ? 1 : -1;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            empty = 0;
    closedir(d);
    return empty;
}

static void usage(FILE *fp)
{
    fprintf(fp, "usage: gencache OUT_DIR --runs N [--seed S]\n"
                "       gencache --version | --pool\n"
                "Writes a synthetic InferenceMAX cache of N runs into OUT_DIR (new or empty):\n"
                "run_<ID>/run.json and agg_bmk.json (every 10th run: bmk_* per-configuration\n"
                "folders instead), then OUT_DIR/.gencache naming the version, runs and seed.\n"
                "--pool prints how many configurations the runs draw from.\n");
}

static int parse_num(const char *s, unsigned long long *v)
{
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 10);
    return errno || end == s || *end || *s == '-';
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    unsigned long long nruns = 0, seed = 1;
    int have_runs = 0;
    struct pool pool;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        if (!strcmp(a, "--version")) {
            printf("gencache %d\n", GENCACHE_VERSION);
            return 0;
        } else if (!strcmp(a, "--pool")) {
            pool_build(&pool);
            printf("configs=%zu groups=%zu\n", pool.nconfigs, pool.n);
            free(pool.v);
            return 0;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strncmp(a, "--runs", 6) || !strncmp(a, "--seed", 6)) {
            if (a[6] == '=')
                val = a + 7;
            else if (!a[6] && i + 1 < argc)
                val = argv[++i];
            unsigned long long v;
            if (!val || parse_num(val, &v)) {
                fprintf(stderr, "gencache: %s needs a non-negative integer\n", a);
                return 2;
            }
            if (a[2] == 'r')
                nruns = v, have_runs = 1;
            else
                seed = v;
        } else if (a[0] == '-' || out) {
            usage(stderr);
            return 2;
        } else {
            out = a;
        }
    }
    if (!out || !have_runs || nruns < 1 || nruns > MAX_RUNS) {
        if (have_runs && (nruns < 1 || nruns > MAX_RUNS))
            fprintf(stderr, "gencache: --runs must be 1..%d\n", MAX_RUNS);
        usage(stderr);
        return 2;
    }
    int empty = dir_is_empty(out);
    if (empty <= 0) {
        fprintf(stderr, "gencache: %s %s\n", out,
                empty < 0 ? "cannot be read" : "is not empty (remove it first)");
        return 1;
    }

    struct imx_err err = IMX_ERR_INIT;
    if (mkdir_p(out, &err)) {
        fprintf(stderr, "gencache: %s\n", err.msg);
        return 1;
    }
    pool_build(&pool);
    size_t *order = xcalloc(pool.n, sizeof(*order));
    struct buf b = BUF_INIT_MAX(FILE_MAX);
    struct stats st = {0, 0, 0};
    for (size_t k = 0; k < nruns; k++)
        write_run(out, &pool, k, (size_t)nruns, seed, &b, order, &st);

    /* written last: a cache without it is incomplete and bench/run.sh regenerates it */
    char stamp[128], path[4200];
    int n = snprintf(stamp, sizeof(stamp), "gencache %d runs=%llu seed=%llu\n", GENCACHE_VERSION,
                     nruns, seed);
    snprintf(path, sizeof(path), "%s/.gencache", out);
    if (atomic_write(path, stamp, (size_t)n, &err)) {
        fprintf(stderr, "gencache: %s\n", err.msg);
        return 1;
    }
    printf("gencache: %llu runs, %llu rows, %llu files, %llu bytes in %s\n", nruns, st.rows,
           st.files, st.bytes, out);
    buf_release(&b);
    free(order);
    free(pool.v);
    return 0;
}
