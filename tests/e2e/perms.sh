#!/usr/bin/env bash
# perms: folders and files imx may not read or write (permissions). Root reads everything, so as
# root imx runs as nobody (setpriv, else runuser) on caches made for it in a folder it may enter;
# as anyone else chmod alone does it. Each is named, the rest still comes out, nothing is lost.
. "$(dirname "$0")/../lib.sh"

W=$(t_tmp)
AGG1=$TESTS_DIR/cases/0001-e9-aggregate-newest-wins/cache
chmod 777 "$W" # mktemp made it 0700: the user imx runs as makes its caches here

# as_user CMD...: CMD as a user the permissions bind
if [ "$(id -u)" != 0 ]; then
    as_user() { "$@"; }
elif setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
elif runuser -u nobody -- true 2>/dev/null; then
    as_user() { runuser -u nobody -- "$@"; }
else
    t_skip "perms" "root without setpriv or runuser: no user that permissions bind"
    exit 0
fi
if ! as_user "$IMX" --version >/dev/null 2>&1; then
    t_skip "perms" "the unprivileged user cannot run $IMX (a folder above it is closed to them)"
    exit 0
fi
uimx() { as_user "$IMX" "$@"; }

# fresh NAME: a cache of runs 100 and 200 (an import of case 0001's, with its manifests),
# written by the user imx runs as; $C is its folder
fresh() {
    C=$W/$1
    mkdir -m 777 "$C.from" && cp -r "$AGG1"/run_* "$C.from/" && chmod -R a+rwX "$C.from"
    uimx sync --source dir --from "$C.from" --cache "$C" >"$W/$1.log" 2>&1 ||
        fail "setup: $(cat "$W/$1.log")"
}

# every reader of the cache: names what it could not read, exit 1, run 200's rows still out
readers_say() {
    local what=$1 out=$W/out
    mkdir -p -m 777 "$out"
    uimx extract --offline --cache "$C" --model all -o "$out/t.csv" >"$W/e1" 2>&1
    assert_eq "$?" 1 "extract: $(cat "$W/e1")" && assert_contains "$W/e1" "$what" || return 1
    grep -q ',200,' "$out/t.csv" || grep -q '200' "$out/t.csv" ||
        fail "extract: run 200's rows are missing: $(head -3 "$out/t.csv")" || return 1
    uimx extract --offline --history --cache "$C" --model all -o "$out/h.csv" >"$W/e2" 2>&1
    assert_eq "$?" 1 "extract --history: $(cat "$W/e2")" && assert_contains "$W/e2" "$what" &&
        [ "$(wc -l <"$out/h.csv")" -gt 1 ] || fail "extract --history: no rows" || return 1
    uimx runs --offline --cache "$C" >"$W/e3" 2>"$W/e3.err"
    assert_eq "$?" 1 "runs: $(cat "$W/e3.err")" && assert_contains "$W/e3.err" "$what" &&
        grep -q '^200 ' "$W/e3" || fail "runs: run 200 is not listed: $(cat "$W/e3")" || return 1
    uimx verify --cache "$C" >"$W/e4" 2>&1
    assert_eq "$?" 1 "verify: $(cat "$W/e4")" && assert_contains "$W/e4" "run_100/"
}

t_run_folder() {
    fresh cr || return 1
    chmod 000 "$C/run_100"
    readers_say "'$C/run_100'"
    local r=$?
    chmod 755 "$C/run_100"
    return $r
}

t_result_file() {
    fresh cf || return 1
    chmod 000 "$C/run_100/agg_bmk.json"
    readers_say "'$C/run_100/agg_bmk.json'" &&
        assert_contains "$W/e4" "run_100/agg_bmk.json: not readable (imx may not read it"
}

# --from with a run folder and an artifact file imx may not read: each named, those runs
# counted failed, the others imported, the cache's copies of them untouched
t_dir_import() {
    fresh cd || return 1
    local from=$C.from
    mkdir -p "$from/run_300/bmk_x" && cp "$AGG1/run_100/agg_bmk.json" "$from/run_300/bmk_x/" &&
        mkdir -p "$from/run_400" && cp "$AGG1/run_200/agg_bmk.json" "$from/run_400/" &&
        chmod -R a+rwX "$from" || return 1
    find "$C" -type f ! -path '*/.imx/*' -exec sha256sum {} + | sort >"$W/before"
    echo '{"changed": 1}' >"$from/run_100/agg_extra.json" && chmod 000 "$from/run_100"
    chmod 000 "$from/run_300/bmk_x/agg_bmk.json"
    uimx sync --source dir --from "$from" --artifact '*' --cache "$C" >"$W/d1" 2>&1
    local rc=$?
    chmod 755 "$from/run_100" && chmod 644 "$from/run_300/bmk_x/agg_bmk.json"
    assert_eq "$rc" 1 "exit status: $(cat "$W/d1")" &&
        assert_contains "$W/d1" "run 100: cannot read '$from/run_100': Permission denied" &&
        assert_contains "$W/d1" "cannot read '$from/run_300/bmk_x/agg_bmk.json': Permission denied" &&
        assert_contains "$W/d1" "(1 updated, 1 cached, 2 incomplete)" &&
        [ -f "$C/run_400/agg_bmk.json" ] || fail "run 400 was not imported: $(cat "$W/d1")" ||
        return 1
    find "$C" -type f ! -path '*/.imx/*' ! -path '*/run_300/*' ! -path '*/run_400/*' \
        -exec sha256sum {} + | sort | diff "$W/before" - >&2 || fail "the cache changed"
}

# a cache whose .imx/ imx may not write: a clear error, exit 4, nothing else written
t_imx_unwritable() {
    fresh cw || return 1
    mkdir -p "$C.from/run_500" && cp "$AGG1/run_100/agg_bmk.json" "$C.from/run_500/" &&
        chmod -R a+rwX "$C.from"
    chmod 555 "$C/.imx/tmp"
    uimx sync --source dir --from "$C.from" --cache "$C" >"$W/w1" 2>&1
    local rc=$?
    assert_eq "$rc" 4 "exit status (.imx/tmp): $(cat "$W/w1")" &&
        assert_contains "$W/w1" "cannot create a file in '$C/.imx/tmp': Permission denied" &&
        [ ! -e "$C/run_500/agg_bmk.json" ] || fail "run 500 was installed" || return 1
    chmod 755 "$C/.imx/tmp" && rm -f "$C/.imx/lock" && chmod 555 "$C/.imx"
    uimx sync --source dir --from "$C.from" --cache "$C" >"$W/w2" 2>&1
    rc=$?
    chmod 755 "$C/.imx"
    assert_eq "$rc" 4 "exit status (.imx): $(cat "$W/w2")" &&
        assert_contains "$W/w2" "cannot open lock file '$C/.imx/lock': Permission denied" &&
        [ ! -e "$C/run_500/agg_bmk.json" ] || fail "run 500 was installed"
}

t_run "perms: a run folder imx may not read: extract, --history, runs, verify name it, exit 1" t_run_folder
t_run "perms: a result file imx may not read: named by each reader, exit 1" t_result_file
t_run "perms: --from's unreadable run folder and artifact: named, counted failed, the cache kept" t_dir_import
t_run "perms: .imx/ not writable: a clear error, exit 4, nothing installed" t_imx_unwritable
