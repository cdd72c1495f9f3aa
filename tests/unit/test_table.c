/* Unit tests of the configuration key, the newest-wins merge, the total order, model
 * selection, name parsing and the CSV writer. */
#include "reader/names.h"
#include "reader/reader.h"
#include "table/model.h"
#include "table/table.h"
#include "unit.h"
#include "writer/csv.h"

#include <stdlib.h>
#include <string.h>

struct feed {
    struct table *t;
    struct row_rank rank;
};

static int put(void *ud, struct row *r, size_t index)
{
    struct feed *f = ud;
    struct row_key k;
    struct row_rank rank = f->rank;
    row_key_init(&k);
    table_prepare(r, &k);
    rank.index = (uint32_t)index;
    table_put(f->t, table_make(r, &k, rank));
    row_key_release(&k);
    return 0;
}

static void load(struct table *t, uint32_t run, const char *json)
{
    struct feed f = {t, {run, 0, 0}};
    struct reader_opts o = {.fn = put, .ud = &f, .label = "t"};
    struct imx_err e = IMX_ERR_INIT;
    CHECK(reader_read_mem(json, strlen(json), &o, &e) == 0);
}

static void key_tells_topologies_apart(void)
{
    struct table t;
    table_init(&t);
    /* same everything but num_decode_gpu: two configurations (the old 11-field key merged them) */
    load(&t, 0,
         "[{\"hw\":\"gb200\",\"conc\":8192,\"num_prefill_gpu\":16,\"num_decode_gpu\":48,\"x\":1},"
         " {\"hw\":\"gb200\",\"conc\":8192,\"num_prefill_gpu\":16,\"num_decode_gpu\":32,\"x\":2},"
         " {\"hw\":\"gb200\",\"conc\":8192,\"num_prefill_gpu\":16,\"x\":3},"
         " {\"hw\":\"gb200\",\"conc\":8192,\"num_prefill_gpu\":16,\"num_decode_gpu\":null,\"x\":4},"
         " {\"hw\":\"gb200\",\"conc\":8192,\"num_prefill_gpu\":16,\"prefill_pp\":2,\"x\":5},"
         " {\"hw\":\"gb200\",\"conc\":8192,\"num_prefill_gpu\":16,\"prefill_new_knob\":\"a\",\"x\":"
         "6},"
         " {\"hw\":\"gb200\",\"conc\":8192,\"num_prefill_gpu\":16,\"prefill_gpu_energy_j\":9,\"x\":"
         "7}]");
    /* missing and null are one value; an unknown prefill_ field is configuration, energy is not */
    CHECK(t.count == 5);
    table_release(&t);
}

static void newest_run_wins_in_any_order(void)
{
    const char *old = "[{\"hw\":\"h100\",\"tp\":8,\"conc\":4,\"v\":\"old\"}]";
    const char *mid = "[{\"hw\":\"h100\",\"tp\":8,\"conc\":4,\"v\":\"mid\"}]";
    const char *new = "[{\"hw\":\"h100\",\"tp\":8,\"conc\":4,\"v\":\"new\"},"
                      " {\"hw\":\"h100\",\"tp\":8,\"conc\":4,\"v\":\"dup\"}]";
    const char *order[6][3] = {{old, mid, new}, {old, new, mid}, {mid, old, new},
                               {mid, new, old}, {new, old, mid}, {new, mid, old}};
    for (int i = 0; i < 6; i++) {
        struct table t;
        size_t n;
        struct trow **rows;
        table_init(&t);
        for (int j = 0; j < 3; j++)
            load(&t, order[i][j] == old ? 1 : order[i][j] == mid ? 2 : 3, order[i][j]);
        rows = table_sorted(&t, &n);
        CHECK(n == 1);
        CHECK_STR(trow_get(rows[0], "v"), "new"); /* within a run, the first occurrence */
        free(rows);
        table_release(&t);
    }
}

/* One row_key over rows of changing layouts (the name memo) indexes each row as a fresh one. */
struct memo_check {
    struct row_key shared;
    int rows;
};

static int check_memo(void *ud, struct row *r, size_t index)
{
    struct memo_check *m = ud;
    struct row_key fresh;

    (void)index;
    row_key_init(&fresh);
    table_prepare(r, &m->shared);
    table_prepare(r, &fresh);
    CHECK(!memcmp(m->shared.idx, fresh.idx, sizeof(fresh.idx)));
    CHECK(m->shared.key.len == fresh.key.len &&
          !memcmp(m->shared.key.p, fresh.key.p, fresh.key.len));
    CHECK_STR(m->shared.extras.p, fresh.extras.p);
    CHECK(m->shared.hash == fresh.hash);
    row_key_release(&fresh);
    m->rows++;
    return 0;
}

static void name_memo_follows_layouts(void)
{
    /* same layout; a key inserted; names of one length swapped (tp/ep); an unknown name where a
     * key was; a configuration extra appearing and moving; fewer keys; a duplicate; a null */
    const char *json =
        "[{\"hw\":\"h100\",\"tp\":8,\"ep\":1,\"conc\":4,\"x\":1},"
        " {\"hw\":\"h100\",\"tp\":8,\"ep\":1,\"conc\":8,\"x\":1},"
        " {\"hw\":\"h100\",\"isl\":1024,\"tp\":8,\"ep\":1,\"conc\":8,\"x\":1},"
        " {\"hw\":\"h100\",\"isl\":1024,\"ep\":8,\"tp\":1,\"conc\":8,\"x\":1},"
        " {\"hw\":\"h100\",\"isl\":1024,\"ex\":8,\"tp\":1,\"conc\":8,\"x\":1},"
        " {\"hw\":\"h100\",\"prefill_knob\":\"a\",\"ex\":8,\"tp\":1,\"conc\":8,\"x\":1},"
        " {\"prefill_knob\":\"b\",\"hw\":\"h100\",\"ex\":8,\"tp\":1,\"decode_knob\":2},"
        " {\"prefill_knob\":\"b\"},"
        " {\"hw\":\"h100\",\"hw\":\"b200\",\"tp\":null,\"tp\":2,\"conc\":null}]";
    struct memo_check m;
    struct reader_opts o = {.fn = check_memo, .ud = &m, .label = "t"};
    struct imx_err e = IMX_ERR_INIT;

    memset(&m, 0, sizeof(m));
    row_key_init(&m.shared);
    CHECK(reader_read_mem(json, strlen(json), &o, &e) == 0);
    CHECK(m.rows == 9);
    row_key_release(&m.shared);
}

/* table_may_keep says no exactly when table_put would discard the row. */
static void may_keep_agrees_with_put(void)
{
    struct table t;
    struct row r;
    struct row_key k;
    struct row_rank mid = {5, 1, 3};
    struct row_rank ranks[] = {{4, 0, 0}, {6, 9, 9}, {5, 0, 9}, {5, 2, 0},
                               {5, 1, 2}, {5, 1, 4}, {5, 1, 3}};

    table_init(&t);
    row_init(&r);
    row_key_init(&k);
    row_add(&r, "hw", 2, "h100", 4, VAL_STR);
    table_prepare(&r, &k);
    CHECK(table_may_keep(&t, &k, mid)); /* empty table */
    table_put(&t, table_make(&r, &k, mid));
    for (size_t i = 0; i < sizeof(ranks) / sizeof(ranks[0]); i++) {
        struct table one;
        int keep = table_may_keep(&t, &k, ranks[i]);
        size_t n;
        struct trow **rows;
        table_init(&one);
        table_put(&one, table_make(&r, &k, mid));
        table_put(&one, table_make(&r, &k, ranks[i]));
        rows = table_sorted(&one, &n);
        CHECK(n == 1);
        CHECK(keep == (rows[0]->rank.run == ranks[i].run && rows[0]->rank.file == ranks[i].file &&
                       rows[0]->rank.index == ranks[i].index && i != 6));
        free(rows);
        table_release(&one);
    }
    CHECK(!table_may_keep(&t, &k, ranks[0]) && table_may_keep(&t, &k, ranks[1]));
    /* another configuration is always kept */
    row_add(&r, "tp", 2, "8", 1, VAL_NUM);
    table_prepare(&r, &k);
    CHECK(table_may_keep(&t, &k, ranks[0]));
    row_key_release(&k);
    row_release(&r);
    table_release(&t);
}

static void total_order(void)
{
    struct table t;
    struct trow **rows;
    size_t n;
    table_init(&t);
    load(&t, 0,
         "[{\"hw\":\"h100\",\"precision\":\"fp8\",\"isl\":1024,\"osl\":1024,\"tp\":10,\"conc\":4},"
         " {\"hw\":\"h100\",\"precision\":\"fp8\",\"isl\":1024,\"osl\":1024,\"tp\":2,\"conc\":64},"
         " {\"hw\":\"h100\",\"precision\":\"fp8\",\"isl\":1024,\"osl\":1024,\"tp\":2,\"conc\":8},"
         " {\"hw\":\"b200\",\"precision\":\"fp8\",\"isl\":8192,\"osl\":1024,\"tp\":8,\"conc\":4},"
         " {\"hw\":\"h100\",\"precision\":\"fp4\",\"isl\":8192,\"osl\":1024,\"tp\":8,\"conc\":4},"
         " {\"hw\":\"h100\",\"precision\":\"fp8\",\"isl\":1024,\"osl\":1024,\"conc\":4}]");
    rows = table_sorted(&t, &n);
    CHECK(n == 6);
    if (n == 6) {
        CHECK_STR(rows[0]->kv[K_HW], "b200");
        CHECK_STR(rows[1]->kv[K_PRECISION], "fp4");
        CHECK(rows[2]->kv[K_TP] == NULL);    /* missing sorts first */
        CHECK_STR(rows[3]->kv[K_CONC], "8"); /* 8 before 64: numerically */
        CHECK_STR(rows[4]->kv[K_CONC], "64");
        CHECK_STR(rows[5]->kv[K_TP], "10"); /* 2 before 10 */
    }
    free(rows);
    table_release(&t);
}

static void names(void)
{
    long isl = 0, osl = 0;
    char gpu[32];
    struct buf b = BUF_INIT;
    CHECK(names_seq_lens("gptoss_1k8k_fp4_vllm_tp8_conc64_h100-cw_1", &isl, &osl, NULL));
    CHECK(isl == 1024 && osl == 8192);
    CHECK(names_seq_lens("results_dsr1_8k1k/agg_dsr1_8k1k.json", &isl, &osl, NULL) && isl == 8192);
    CHECK(names_seq_lens("qwen3.5_2048_512_fp8_sglang_tp4_conc8_h200-nb_0", &isl, &osl, NULL));
    CHECK(isl == 2048 && osl == 512);
    CHECK(!names_seq_lens("bmk_something_tp8_conc64", &isl, &osl, NULL));
    CHECK(names_model_prefix("bmk_qwen3.5_1k1k_fp8_sglang_tp8", &b) && !strcmp(b.p, "qwen3.5"));
    buf_reset(&b);
    CHECK(names_model_prefix("results_dsr1_1k1k/agg_dsr1_1k1k.json", &b) && !strcmp(b.p, "dsr1"));
    buf_release(&b);
    CHECK(names_gpu("b200-trt", gpu, sizeof(gpu)) && !strcmp(gpu, "b200"));
    CHECK(names_gpu("mi355x-amd_0", gpu, sizeof(gpu)) && !strcmp(gpu, "mi355x"));
    CHECK(names_gpu("GB200-multinode-slurm", gpu, sizeof(gpu)) && !strcmp(gpu, "gb200"));
    CHECK(!names_gpu("rtx6000pro-lat", gpu, sizeof(gpu)));
    /* site suffixes of 2025 runners, as the dashboard's first-token rule reads them */
    CHECK(names_gpu("h100-cw_0", gpu, sizeof(gpu)) && !strcmp(gpu, "h100"));
    CHECK(names_gpu("H200-cr", gpu, sizeof(gpu)) && !strcmp(gpu, "h200"));
    CHECK(!names_gpu("h1000-cw", gpu, sizeof(gpu)));
    CHECK_STR(names_prefix_of_model("/mnt/lustre01/models/gpt-oss-120b"), "gptoss");
    CHECK_STR(names_prefix_of_model("deepseek-r1-fp4"), "dsr1");
}

static void model_selection(void)
{
    struct model_sel m;
    struct imx_err e = IMX_ERR_INIT;
    char *d;
    CHECK(model_sel_init(&m, "openai_GPT-OSS-120B", &e) == 0);
    CHECK(model_sel_match(&m, "gptoss", "whatever") && !model_sel_match(&m, "dsr1", NULL));
    d = model_sel_dirname(&m);
    CHECK_STR(d, "openai_GPT-OSS-120B");
    free(d);
    model_sel_release(&m);
    CHECK(model_sel_init(&m, "gptoss", &e) == 0);
    d = model_sel_dirname(&m);
    CHECK_STR(d, "openai_GPT-OSS-120B");
    free(d);
    model_sel_release(&m);
    CHECK(model_sel_init(&m, "someorg/Some-Model-7B", &e) == 0);
    CHECK(model_sel_match(&m, NULL, "someorg/some-model-7b"));
    CHECK(model_sel_match(&m, NULL, "/mnt/models/Some-Model-7B"));
    CHECK(!model_sel_match(&m, NULL, "/mnt/models/Other-Some-Model-7B"));
    d = model_sel_dirname(&m);
    CHECK_STR(d, "someorg_Some-Model-7B");
    free(d);
    model_sel_release(&m);
    CHECK(model_sel_init(&m, "ALL", &e) == 0 && model_sel_match(&m, NULL, NULL));
    model_sel_release(&m);
}

static void csv_quoting(void)
{
    struct buf b = BUF_INIT;
    csv_field(&b, "plain", 5);
    buf_addc(&b, ',');
    csv_field(&b, "a,b", 3);
    buf_addc(&b, ',');
    csv_field(&b, "say \"hi\"", 8);
    buf_addc(&b, ',');
    csv_field(&b, "two\nlines", 9);
    CHECK_STR(b.p, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"");
    buf_release(&b);
}

int main(void)
{
    RUN(key_tells_topologies_apart);
    RUN(newest_run_wins_in_any_order);
    RUN(total_order);
    RUN(name_memo_follows_layouts);
    RUN(may_keep_agrees_with_put);
    RUN(names);
    RUN(model_selection);
    RUN(csv_quoting);
    UNIT_END();
}
