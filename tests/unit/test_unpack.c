/* test_unpack: safe extraction on zips made here with Python's zipfile: entry names that
 * escape (.., absolute, backslash, drive), links, duplicates, size caps, damaged archives,
 * and the valid shapes (zip64, data descriptors, folders, UTF-8 names) that must work. */
#include "cache/jail.h"
#include "cache/unpack.h"
#include "unit.h"
#include "util/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[256];

/* Runs a Python snippet with z = an open ZipFile(path, "w") (or f, a raw file, for "raw"). */
static int mkzip(const char *name, const char *code)
{
    char cmd[8192];
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import zipfile, io, sys\n"
             "p = sys.argv[1]\n"
             "%s\n' %s/%s",
             code, base, name);
    return system(cmd);
}

static int unpack(const char *zip, const char *dir, unsigned long long cap, struct imx_err *err)
{
    char zp[512], dp[512];
    struct unpack_limits lim = {cap, 0, 0};
    struct unpack_result res;
    int r;

    snprintf(zp, sizeof(zp), "%s/%s", base, zip);
    snprintf(dp, sizeof(dp), "%s/%s", base, dir);
    mkdir(dp, 0755);
    imx_err_clear(err);
    r = unpack_zip(zp, dp, &lim, &res, err);
    unpack_result_release(&res);
    return r;
}

static int exists(const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", base, rel);
    return path_exists(p);
}

static void entry_paths(void)
{
    struct buf b = BUF_INIT;
    CHECK(unpack_entry_path("agg_bmk.json", &b) == 0);
    CHECK_STR(b.p, "agg_bmk.json");
    CHECK(unpack_entry_path("./a//b/./c.json", &b) == 0);
    CHECK_STR(b.p, "a/b/c.json");
    CHECK(unpack_entry_path("dir/", &b) == 0);
    CHECK_STR(b.p, "dir");
    CHECK(unpack_entry_path("./", &b) == 0 && b.len == 0);
    CHECK(unpack_entry_path("../evil", &b) < 0);
    CHECK(unpack_entry_path("a/../../evil", &b) < 0);
    CHECK(unpack_entry_path("a/..", &b) < 0);
    CHECK(unpack_entry_path("/abs/evil", &b) < 0);
    CHECK(unpack_entry_path("..\\evil", &b) < 0);
    CHECK(unpack_entry_path("a\\b", &b) < 0);
    CHECK(unpack_entry_path("C:\\evil", &b) < 0);
    CHECK(unpack_entry_path("c:evil", &b) < 0);
    CHECK(unpack_entry_path("a\nb", &b) < 0);
    CHECK(unpack_entry_path("..a/b..", &b) == 0);
    buf_release(&b);
    CHECK(jail_name_ok("results_bmk"));
    CHECK(jail_name_ok("bmk_x-y.z"));
    CHECK(jail_name_ok("run.json.bak"));
    CHECK(!jail_name_ok(".."));
    CHECK(!jail_name_ok("."));
    CHECK(!jail_name_ok(".hidden"));
    CHECK(!jail_name_ok(".superseded"));
    CHECK(!jail_name_ok(".staging-12"));
    CHECK(!jail_name_ok("run.json"));
    CHECK(!jail_name_ok("RUN.JSON"));
    CHECK(!jail_name_ok("imx-manifest.json"));
    CHECK(!jail_name_ok("a/b"));
    CHECK(!jail_name_ok("a\\b"));
    CHECK(!jail_name_ok("a\tb"));
    CHECK(!jail_name_ok(""));
    CHECK(!jail_name_ok(NULL));
    CHECK(jail_path_ok("bmk_x/agg.json"));
    CHECK(!jail_path_ok("bmk_x/.superseded/agg.json"));
    CHECK(!jail_path_ok("../x"));
    CHECK(!jail_path_ok("a//b"));
    CHECK(!jail_path_ok("a/"));
    CHECK(!jail_path_ok("/a"));
}

static void refused(void)
{
    static const struct {
        const char *zip, *code;
        int want;
    } cases[] = {
        {"slip.zip",
         "z = zipfile.ZipFile(p, \"w\"); z.writestr(\"ok.json\", \"[]\"); z.writestr(\"../evil\", "
         "\"x\")",
         -IMX_EUNSAFE},
        {"nested.zip", "z = zipfile.ZipFile(p, \"w\"); z.writestr(\"a/../../evil\", \"x\")",
         -IMX_EUNSAFE},
        {"abs.zip", "z = zipfile.ZipFile(p, \"w\"); z.writestr(\"/tmp/evil\", \"x\")",
         -IMX_EUNSAFE},
        {"bs.zip", "z = zipfile.ZipFile(p, \"w\"); z.writestr(\"..\\\\evil\", \"x\")",
         -IMX_EUNSAFE},
        {"link.zip",
         "z = zipfile.ZipFile(p, \"w\"); i = zipfile.ZipInfo(\"link\"); i.create_system = 3; "
         "i.external_attr = 0o120777 << 16; z.writestr(i, \"../../../../etc\")",
         -IMX_EUNSAFE},
        {"dup.zip",
         "import warnings; warnings.simplefilter(\"ignore\"); z = zipfile.ZipFile(p, \"w\"); "
         "z.writestr(\"a.json\", \"[1]\"); z.writestr(\"a.json\", \"[]\")",
         -IMX_EUNSAFE},
        {"filedir.zip",
         "z = zipfile.ZipFile(p, \"w\"); z.writestr(\"a\", \"x\"); z.writestr(\"a/b\", \"y\")",
         -IMX_EUNSAFE},
        {"bomb.zip",
         "z = zipfile.ZipFile(p, \"w\", zipfile.ZIP_DEFLATED); z.writestr(\"big\", b\"0\" * "
         "3000000)",
         -IMX_ETOOBIG},
        {"notzip.zip", "open(p, \"wb\").write(b\"<html>502 Bad Gateway</html>\")", -IMX_EPARSE},
    };
    char dir[64];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct imx_err err = IMX_ERR_INIT;
        int r;
        CHECK(mkzip(cases[i].zip, cases[i].code) == 0);
        snprintf(dir, sizeof(dir), "out%zu", i);
        r = unpack(cases[i].zip, dir, 1000000, &err);
        if (r != cases[i].want)
            fprintf(stderr, "  %s: got %d (%s), want %d\n", cases[i].zip, r, err.msg,
                    cases[i].want);
        CHECK(r == cases[i].want);
    }
    CHECK(!exists("evil") && !exists("../evil") && !exists("out4/link"));
}

static void damaged(void)
{
    struct imx_err err = IMX_ERR_INIT;
    char cmd[1024];

    CHECK(mkzip("full.zip", "z = zipfile.ZipFile(p, \"w\", zipfile.ZIP_DEFLATED); "
                            "z.writestr(\"agg.json\", \"[%s]\" % \",\".join(str(i * 7919 % 100003) "
                            "for i in range(50000)))") == 0);
    snprintf(cmd, sizeof(cmd),
             "head -c $(($(stat -c %%s %s/full.zip) / 2)) %s/full.zip > %s/cut.zip", base, base,
             base);
    CHECK(system(cmd) == 0);
    CHECK(unpack("cut.zip", "cut", 0, &err) < 0);
    /* flipped bytes in the deflate data: the CRC (or inflate) catches them */
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import sys; b = bytearray(open(sys.argv[1], \"rb\").read()); "
             "b[2000] ^= 0xff; b[2001] ^= 0xff; open(sys.argv[2], \"wb\").write(b)' "
             "%s/full.zip %s/flip.zip",
             base, base);
    CHECK(system(cmd) == 0);
    CHECK(unpack("flip.zip", "flip", 0, &err) < 0);
    CHECK(unpack("full.zip", "full", 0, &err) == 0);
}

static void valid_shapes(void)
{
    struct imx_err err = IMX_ERR_INIT;
    struct stat st;
    char p[512];

    CHECK(mkzip("z64.zip",
                "z = zipfile.ZipFile(p, \"w\", zipfile.ZIP_DEFLATED, allowZip64=True)\n"
                "with z.open(\"agg_bmk.json\", \"w\", force_zip64=True) as f: f.write(b\"[]\")\n"
                "z.close()") == 0);
    CHECK(unpack("z64.zip", "z64", 0, &err) == 0 && exists("z64/agg_bmk.json"));
    CHECK(mkzip("dd.zip",
                "class S(io.RawIOBase):\n"
                "    def __init__(s, f): s.f = f\n"
                "    def writable(s): return True\n"
                "    def write(s, b): return s.f.write(b)\n"
                "out = open(p, \"wb\"); z = zipfile.ZipFile(S(out), \"w\", zipfile.ZIP_DEFLATED)\n"
                "z.writestr(\"a/agg_x.json\", \"{}\"); z.writestr(\"b.json\", \"[1]\"); z.close(); "
                "out.close()") == 0);
    CHECK(unpack("dd.zip", "dd", 0, &err) == 0 && exists("dd/a/agg_x.json") && exists("dd/b.json"));
    CHECK(mkzip("tree.zip",
                "z = zipfile.ZipFile(p, \"w\")\n"
                "z.writestr(\"d/\", \"\"); z.writestr(\"d/e/\", \"\"); z.writestr(\"d/e/empty\", "
                "\"\")\n"
                "i = zipfile.ZipInfo(\"run.sh\"); i.external_attr = 0o100755 << 16; z.writestr(i, "
                "\"#!/bin/sh\")\n"
                "z.writestr(\"caf\\u00e9.json\", \"[]\", zipfile.ZIP_STORED); z.close()") == 0);
    CHECK(unpack("tree.zip", "tree", 0, &err) == 0);
    if (err.code)
        fprintf(stderr, "  tree: %s\n", err.msg);
    CHECK(exists("tree/d/e/empty") && exists("tree/caf\xc3\xa9.json"));
    snprintf(p, sizeof(p), "%s/tree/run.sh", base);
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0100));
    CHECK(mkzip("empty.zip", "zipfile.ZipFile(p, \"w\").close()") == 0);
    CHECK(unpack("empty.zip", "empty", 0, &err) == 0);
}

/* sha256("[2]") */
#define SHA_OF_2 "038966de9f6b9a901b20b4c6ca8b2a46009feebe031babc842d43690c0bc222b"

/* Hidden and imx-owned names are not written (kept data can only grow); what is written is
 * listed with its size and SHA-256. */
static void skipped_and_hashed(void)
{
    struct imx_err err = IMX_ERR_INIT;
    struct unpack_result res;
    struct unpack_limits lim = {0, 0, 0};
    char zp[512], dp[512];

    CHECK(mkzip("own.zip", "z = zipfile.ZipFile(p, \"w\")\n"
                           "z.writestr(\"agg_bmk.json\", \"[2]\")\n"
                           "z.writestr(\".superseded/1-results_bmk/agg_bmk.json\", \"evil\")\n"
                           "z.writestr(\"run.json\", \"{}\"); z.writestr(\"d/.git/x\", \"\")\n"
                           "z.writestr(\"IMX-MANIFEST.JSON\", \"{}\"); z.close()") == 0);
    snprintf(zp, sizeof(zp), "%s/own.zip", base);
    snprintf(dp, sizeof(dp), "%s/own", base);
    mkdir(dp, 0755);
    CHECK(unpack_zip(zp, dp, &lim, &res, &err) == 0);
    CHECK(res.files == 1 && res.skipped == 4 && res.ncontent == 1);
    CHECK(res.ncontent == 1 && !strcmp(res.content[0].path, "agg_bmk.json") &&
          res.content[0].size == 3 && !strcmp(res.content[0].sha256, SHA_OF_2));
    CHECK(exists("own/agg_bmk.json") && !exists("own/.superseded") && !exists("own/run.json") &&
          !exists("own/d"));
    unpack_result_release(&res);
}

static void raw(void)
{
    struct imx_err err = IMX_ERR_INIT;
    struct unpack_result res;
    char f[512], d[512];

    snprintf(f, sizeof(f), "%s/dl-raw", base);
    snprintf(d, sizeof(d), "%s/rawdir", base);
    mkdir(d, 0755);
    CHECK(atomic_write(f, "[1]", 3, &err) == 0);
    CHECK(unpack_raw(f, d, "../../agg_bmk.json", "results_bmk", &res, &err) == 0);
    CHECK(exists("rawdir/results_bmk") && !exists("dl-raw"));
    unpack_result_release(&res);
    CHECK(atomic_write(f, "[2]", 3, &err) == 0);
    CHECK(unpack_raw(f, d, "run.json", "results_bmk", &res, &err) < 0); /* exists already */
    unpack_result_release(&res);
    imx_err_clear(&err);
    CHECK(atomic_write(f, "[2]", 3, &err) == 0);
    CHECK(unpack_raw(f, d, "agg_bmk.json", "results_bmk", &res, &err) == 0 &&
          exists("rawdir/agg_bmk.json"));
    CHECK(res.ncontent == 1 && res.content[0].size == 3 &&
          !strcmp(res.content[0].sha256, SHA_OF_2));
    unpack_result_release(&res);
}

int main(void)
{
    char tmpl[] = "/tmp/imx-unpack.XXXXXX";
    if (!mkdtemp(tmpl))
        return 1;
    snprintf(base, sizeof(base), "%s", tmpl);
    RUN(entry_paths);
    RUN(refused);
    RUN(damaged);
    RUN(valid_shapes);
    RUN(raw);
    RUN(skipped_and_hashed);
    remove_tree(base);
    UNIT_END();
}
