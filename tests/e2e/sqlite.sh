#!/usr/bin/env bash
# --format sqlite: the view latest is the CSV table row for row, the table rows the history; a
# second run adds only new runs, replaces a re-run (attempt changed) and drops runs gone; a
# kill -9 at any moment of a build or an update leaves the previous database intact; the views
# latest_costs and latest_power are the derived columns over the table gpu_specs (the constants
# in use: built-in or --gpu-specs).
. "$(dirname "$0")/../lib.sh"
W=$(t_tmp)
FIX="$TESTS_DIR/cases/0350-filters-gpu-seq/cache"
CHECK="$TESTS_DIR/tools/history_check.py"

# DB and CSVs of CACHE agree: latest = merged table, history = --history (all columns)
agrees() {
    local cache=$1 db=$2
    imx extract --offline --cache "$cache" --model all --columns all -o "$W/l.csv" -q || return 1
    imx extract --offline --cache "$cache" --model all --columns all --history -o "$W/h.csv" -q ||
        return 1
    python3 "$CHECK" latest "$db" "$W/l.csv" >&2 && python3 "$CHECK" history "$db" "$W/h.csv" >&2
}

q() { python3 -c 'import sqlite3,sys; print("\n".join("|".join("" if v is None else str(v) for v in r) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])))' "$@"; }

schema_and_types() {
    imx extract --offline --cache "$FIX" --model all -o "$W/s.sqlite" -q || return 1
    agrees "$FIX" "$W/s.sqlite" || return 1
    assert_eq "$(q "$W/s.sqlite" 'PRAGMA user_version')" 3 || return 1
    # the derived columns are numbers too: GPUs counted, the rest measured
    assert_eq "$(q "$W/s.sqlite" "SELECT type FROM pragma_table_info('rows') WHERE name IN ('total_gpus','cost_per_mtok_total_owning_hyperscaler','tokens_per_sec_per_mw_total') ORDER BY name")" \
        "$(printf 'REAL\nREAL\nINTEGER')" || return 1
    assert_eq "$(q "$W/s.sqlite" 'SELECT DISTINCT typeof(total_gpus) || typeof(cost_per_mtok_total_owning_hyperscaler) FROM latest WHERE cost_per_mtok_total_owning_hyperscaler IS NOT NULL')" "integerreal" || return 1
    assert_eq "$(q "$W/s.sqlite" "SELECT type FROM pragma_table_info('rows') WHERE name IN ('concurrency','throughput_tokens_per_sec_per_gpu','gpu_model','disagg','run_id') ORDER BY name")" \
        "$(printf 'INTEGER\nINTEGER\nTEXT\nINTEGER\nREAL')" || return 1
    assert_eq "$(q "$W/s.sqlite" 'SELECT typeof(concurrency), typeof(throughput_tokens_per_sec_per_gpu) FROM latest LIMIT 1')" "integer|real" || return 1
    q "$W/s.sqlite" "SELECT name FROM sqlite_master WHERE type='index'" | grep -q rows_config ||
        fail "no index on the configuration" || return 1
    assert_eq "$(q "$W/s.sqlite" 'SELECT run_id, run_attempt, source FROM runs ORDER BY ord')" \
        "$(printf '1000|1|github\n1100|1|github\n1200|2|github')"
}

# the summary's totals are the database's own (latest is counted on the index rows_key, not by
# running the view)
totals_match() {
    local db=$1 msg=$2
    assert_contains "$msg" "$(q "$db" 'SELECT count(*) FROM runs') runs, $(q "$db" 'SELECT count(*) FROM rows') rows, $(q "$db" 'SELECT count(*) FROM latest') in the view latest"
}

incremental() {
    local c="$W/inc" db="$W/inc.sqlite"
    mkdir -p "$c" && cp -r "$FIX/run_1000" "$FIX/run_1100" "$c/" || return 1
    imx extract --offline --cache "$c" --model all -o "$db" 2>"$W/e1" || return 1
    totals_match "$db" "$W/e1" || return 1
    assert_contains "$W/e1" "Built" || return 1
    agrees "$c" "$db" || return 1
    # a new run: only it is read
    cp -r "$FIX/run_1200" "$c/"
    imx extract --offline --cache "$c" --model all -o "$db" 2>"$W/e2" || return 1
    totals_match "$db" "$W/e2" || return 1
    assert_contains "$W/e2" "1 runs added, 0 replaced, 0 removed (4 rows added)" || return 1
    agrees "$c" "$db" || return 1
    # nothing new: nothing read
    imx extract --offline --cache "$c" --model all -o "$db" 2>"$W/e3" || return 1
    assert_contains "$W/e3" "0 runs added, 0 replaced, 0 removed (0 rows added)" || return 1
    # a re-run attempt of run 1100 with a new value replaces that run's rows
    sed -i 's/"run_attempt": 1/"run_attempt": 2/' "$c/run_1100/run.json"
    sed -i 's/1500.25/1555.5/' "$c/run_1100/agg_bmk.json"
    imx extract --offline --cache "$c" --model all -o "$db" 2>"$W/e4" || return 1
    totals_match "$db" "$W/e4" || return 1
    assert_contains "$W/e4" "0 runs added, 1 replaced, 0 removed (6 rows added)" || return 1
    agrees "$c" "$db" || return 1
    assert_eq "$(q "$db" 'SELECT count(*) FROM rows WHERE throughput_tokens_per_sec_per_gpu = 1555.5')" 1 || return 1
    # a run gone from the cache is gone from the database; an older run arriving later
    # (from the backup) takes its place in the order
    rm -rf "$c/run_1200"
    imx extract --offline --cache "$c" --model all -o "$db" 2>"$W/e5" || return 1
    totals_match "$db" "$W/e5" || return 1
    assert_contains "$W/e5" "0 runs added, 0 replaced, 1 removed" || return 1
    agrees "$c" "$db" || return 1
    # another selection (a model) is a rebuild, not a mix
    imx extract --offline --cache "$c" --model 70b -o "$db" 2>"$W/e6"
    assert_contains "$W/e6" "Built" && assert_eq "$(q "$db" 'SELECT count(*) FROM rows')" 2
}

# kill -9 at many moments of an update (and of a rebuild): the database is the old or the new
# one, complete, never a mix
killed_writes() {
    local c="$W/k" db="$W/k.sqlite" i t pid state
    "$BUILD/tools/gencache" "$c" --runs 30 --seed 5 >/dev/null || return 1
    imx extract --offline --cache "$c" --model all -o "$db" -q || return 1
    imx extract --offline --cache "$c" --model all --columns all -o "$W/old.csv" -q || return 1
    cp "$db" "$W/old.sqlite"
    # every run's values change: an update reads all 30 runs again
    for f in "$c"/run_*/agg_bmk.json; do sed -i 's/"tput_per_gpu": \([0-9]\)/"tput_per_gpu": 7\1/' "$f"; done
    touch "$c"/run_*/run.json
    imx extract --offline --cache "$c" --model all --columns all -o "$W/new.csv" -q || return 1
    cmp -s "$W/old.csv" "$W/new.csv" && fail "the change changed nothing" && return 1
    for i in 1 2 3 4 5 6 7 8; do
        cp "$W/old.sqlite" "$db"
        rm -f "$db-journal"
        "$IMX" extract --offline --cache "$c" --model all -o "$db" -q &
        pid=$!
        t=$(awk -v i="$i" 'BEGIN { printf "%.3f", 0.05 + (i - 1) * 0.1 }')
        sleep "$t"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        # SQLite rolls a hot journal back when the database is next opened
        if python3 "$CHECK" latest "$db" "$W/old.csv" >/dev/null 2>&1; then
            state=old
        elif python3 "$CHECK" latest "$db" "$W/new.csv" >/dev/null 2>&1; then
            state=new
        else
            fail "after a kill at ${t}s the database is neither the old nor the new one"
            return 1
        fi
        assert_eq "$(q "$db" 'PRAGMA integrity_check')" ok || return 1
        echo "kill at ${t}s: $state" >&2
    done
    # a rebuild killed midway (another selection): the old file stays, byte for byte
    cp "$W/old.sqlite" "$db"
    "$IMX" extract --offline --cache "$c" --model all --gpu h100 -o "$db" -q &
    pid=$!
    sleep 0.1
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if ! cmp -s "$db" "$W/old.sqlite"; then
        # finished before the kill: then it must be the complete new database
        imx extract --offline --cache "$c" --model all --gpu h100 --columns all -o "$W/h1.csv" -q
        python3 "$CHECK" latest "$db" "$W/h1.csv" >&2 || return 1
    fi
}

# the views equal `--columns derived` of the same constants (CACHE DB [--gpu-specs FILE])
derived_agrees() {
    local cache=$1 db=$2
    shift 2
    imx extract --offline --cache "$cache" --model all --columns derived "$@" -o "$W/d.csv" -q ||
        return 1
    python3 "$CHECK" derived "$db" "$W/d.csv" >&2
}

derived_views() {
    local db="$W/dv.sqlite" specs="$W/specs.csv"
    printf 'gpu,power_kw,costh,costn,costr\nh100,3.5,2.25,,7\nb200,0,1.5,1.5,1.5\n' >"$specs"
    imx extract --offline --cache "$FIX" --model all -o "$db" -q || return 1
    derived_agrees "$FIX" "$db" || return 1
    assert_eq "$(q "$db" "SELECT power_kw, cost_hyperscaler, cost_neocloud, cost_rental_3y FROM gpu_specs WHERE gpu = 'h100'")" \
        "1.73|1.3|1.69|1.3" || return 1
    # an update with other constants: gpu_specs and the views follow them
    imx extract --offline --cache "$FIX" --model all --gpu-specs "$specs" -o "$db" 2>"$W/dv1" ||
        return 1
    assert_contains "$W/dv1" "0 runs added" || return 1
    assert_eq "$(q "$db" "SELECT power_kw, cost_hyperscaler, cost_neocloud, cost_rental_3y FROM gpu_specs WHERE gpu = 'h100'")" \
        "3.5|2.25||7.0" || return 1
    derived_agrees "$FIX" "$db" --gpu-specs "$specs" || return 1
    # no power for b200: no per-MW value, no J/token
    assert_eq "$(q "$db" "SELECT count(*) FROM latest_power WHERE gpu = 'b200' AND (tokens_per_sec_per_mw_total IS NOT NULL OR joules_per_token_allin_total IS NOT NULL)")" 0 ||
        return 1
    imx extract --offline --cache "$FIX" --model all -o "$db" -q || return 1
    derived_agrees "$FIX" "$db"
}

# throughputs of 0, below 0 and too large for a double (1e999, a REAL infinity in SQLite) have
# no cost, per-MW or J/token in the views, as in --columns derived (infinity once cost 0); nor
# have those whose computation overflows (5e-324 costs more than a double holds, 1.7e308 overflows
# on its way to Mtok/h and per MW: SQLite's arithmetic gave a cost of 0 and an infinity)
derived_views_absurd() {
    local c="$W/absurd" db="$W/absurd.sqlite" t conc=0
    mkdir -p "$c/run_900" || return 1
    printf '{"id": 900, "created_at": "2026-01-10T10:00:00Z", "event": "push"}\n' >"$c/run_900/run.json"
    {
        printf '['
        for t in 1e999 0 -5 5e-324 1.7e308 2000.5; do
            conc=$((conc + 1))
            printf '{"hw": "b200", "infmax_model_prefix": "gptoss", "framework": "vllm", "precision": "fp4", "isl": 1024, "osl": 1024, "tp": 8, "ep": 1, "conc": %s, "tput_per_gpu": %s, "output_tput_per_gpu": %s, "input_tput_per_gpu": 5}' \
                "$conc" "$t" "$t"
            [ "$t" = 2000.5 ] || printf ','
        done
        printf ']\n'
    } >"$c/run_900/agg_bmk.json"
    imx extract --offline --cache "$c" --model all -o "$db" -q || return 1
    derived_agrees "$c" "$db" || return 1
    assert_eq "$(q "$db" "SELECT count(*) FROM latest_costs WHERE cost_per_mtok_total_owning_hyperscaler IS NOT NULL")" 1 &&
        assert_eq "$(q "$db" "SELECT count(*) FROM latest_power WHERE tokens_per_sec_per_mw_output IS NOT NULL")" 2 &&
        assert_eq "$(q "$db" "SELECT count(*) FROM latest_power WHERE joules_per_token_allin_output IS NOT NULL")" 2
}

# a database of schema 1 (no gpu_specs, no views over it) or 2 (derived columns as TEXT) is built
# anew and gets them
schema1_updated() {
    local db="$W/s1.sqlite"
    imx extract --offline --cache "$FIX" --model all -o "$db" -q || return 1
    q "$db" 'DROP VIEW latest_costs' >/dev/null && q "$db" 'DROP VIEW latest_power' >/dev/null &&
        q "$db" 'DROP TABLE gpu_specs' >/dev/null && q "$db" 'PRAGMA user_version = 1' >/dev/null ||
        return 1
    imx extract --offline --cache "$FIX" --model all -o "$db" 2>"$W/s1e" || return 1
    assert_contains "$W/s1e" "Built" || return 1
    assert_eq "$(q "$db" 'PRAGMA user_version')" 3 || return 1
    derived_agrees "$FIX" "$db" || return 1
    q "$db" 'PRAGMA user_version = 2' >/dev/null || return 1
    imx extract --offline --cache "$FIX" --model all -o "$db" 2>"$W/s2e" || return 1
    assert_contains "$W/s2e" "Built" || return 1
    assert_eq "$(q "$db" 'SELECT typeof(total_gpus) FROM latest LIMIT 1')" integer
}

refused_to_stdout() {
    imx extract --offline --cache "$FIX" --model all --format sqlite -o - 2>"$W/err"
    assert_eq $? 2 || return 1
    assert_contains "$W/err" "cannot go to standard output"
}

# a file imx did not write is never replaced by a database: a CSV named out.db, another
# application's SQLite database, a FIFO (a device such as /dev/null was once renamed over)
foreign_files_kept() {
    local f sum
    printf 'a,b\n1,2\n' >"$W/f1.db"
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE t (x)"); c.commit()' "$W/f2.db"
    for f in f1.db f2.db; do
        sum=$(sha256sum <"$W/$f")
        imx extract --offline --cache "$FIX" --model all -o "$W/$f" 2>"$W/e" >/dev/null
        assert_eq "$?" 4 "exit status for $f" && assert_contains "$W/e" "'$W/$f'" &&
            assert_contains "$W/e" "imx does not replace it" &&
            assert_eq "$(sha256sum <"$W/$f")" "$sum" "$f unchanged" || return 1
    done
    mkfifo "$W/f3.db"
    timeout 20 "$IMX" extract --offline --cache "$FIX" --model all -o "$W/f3.db" 2>"$W/e" >/dev/null
    assert_eq "$?" 4 "exit status for a FIFO" && assert_contains "$W/e" "not a regular file" &&
        [ -p "$W/f3.db" ] || fail "the FIFO was replaced" || return 1
    # an empty file (mktemp's) is not data: the database goes there
    : >"$W/f4.db"
    imx extract --offline --cache "$FIX" --model all -o "$W/f4.db" -q &&
        assert_eq "$(q "$W/f4.db" 'PRAGMA user_version')" 3
}

# a database whose update was killed (its journal still there, hot) is imx's and is updated:
# the check that refuses foreign files must not take it for one
hot_journal_updated() {
    local db="$W/hot.sqlite"
    imx extract --offline --cache "$FIX" --model all -o "$db" -q || return 1
    python3 - "$db" <<'PY' || return 1
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode = DELETE")
c.execute("PRAGMA cache_size = 1")  # pages spill to the file: the journal is hot
c.execute("BEGIN IMMEDIATE")
c.execute("DELETE FROM rows")
c.execute("UPDATE runs SET signature = 'x'")
os._exit(0)  # a kill: the transaction neither committed nor rolled back
PY
    [ -s "$db-journal" ] || fail "no journal left behind" || return 1
    imx extract --offline --cache "$FIX" --model all -o "$db" 2>"$W/e" || { cat "$W/e" >&2; return 1; }
    assert_contains "$W/e" "Updated" && agrees "$FIX" "$db"
}

# no row to store is the CSV's "no rows" (exit 5, its message: the one of --history, whose rows
# the database holds), and writes nothing: a database there stays as it was
no_rows_as_csv() {
    local args bad="$W/bad" i=0 rc want
    mkdir -p "$bad/run_1" && printf '[{"hw":' >"$bad/run_1/agg_bmk.json" || return 1
    for args in "--cache $FIX --model nosuch" "--cache $FIX --model all --gpu nosuch" \
        "--cache $bad --model all"; do
        i=$((i + 1))
        # shellcheck disable=SC2086 # the arguments are words
        imx extract --offline $args -o "$W/n$i.csv" -q 2>/dev/null
        want=$?
        imx extract --offline $args --history -o "$W/n$i.csv" -q 2>"$W/n$i.want"
        imx extract --offline $args -o "$W/n$i.sqlite" -q 2>"$W/n$i.got"
        rc=$?
        assert_eq "$rc" "$want" "exit status of $args" && assert_eq "$rc" 5 "$args" &&
            assert_file_eq "$W/n$i.got" "$W/n$i.want" || return 1
        [ ! -e "$W/n$i.sqlite" ] || fail "a database without rows was written ($args)" || return 1
    done
    imx extract --offline --cache "$FIX" --model gptoss -o "$W/n.sqlite" -q || return 1
    cp "$W/n.sqlite" "$W/n.before" || return 1
    imx extract --offline --cache "$FIX" --model nosuch -o "$W/n.sqlite" -q 2>/dev/null
    assert_eq "$?" 5 "over a database" && cmp -s "$W/n.sqlite" "$W/n.before" ||
        fail "the database was changed" || return 1
    # an update (same selection) that would leave no row keeps the database too
    imx extract --offline --cache "$FIX" --model gptoss --gpu nosuch -o "$W/u.sqlite" -q \
        2>/dev/null
    assert_eq "$?" 5 "update to no rows" && [ ! -e "$W/u.sqlite" ] ||
        fail "a database without rows was written" || return 1
}

t_run sqlite/schema_and_types schema_and_types
t_run sqlite/no_rows_as_csv no_rows_as_csv
t_run sqlite/incremental incremental
t_run sqlite/killed_writes killed_writes
t_run sqlite/refused_to_stdout refused_to_stdout
t_run sqlite/derived_views derived_views
t_run sqlite/derived_views_absurd derived_views_absurd
t_run sqlite/schema1_updated schema1_updated
t_run sqlite/foreign_files_kept foreign_files_kept
t_run sqlite/hot_journal_updated hot_journal_updated
if [ -d "$SHARED_RAW" ]; then
    real() {
        imx extract --offline --cache "$SHARED_RAW" --model all -o "$W/r.sqlite" -q &&
            agrees "$SHARED_RAW" "$W/r.sqlite" && derived_agrees "$SHARED_RAW" "$W/r.sqlite"
    }
    t_run sqlite/real_latest_equals_csv real
else
    t_skip sqlite/real_latest_equals_csv "the shared real cache $SHARED_RAW is absent"
fi
