# tests/e2e/faults_common.bash: what faults_disk.sh and faults_kill.sh check after a failed or
# killed `imx sync` (sourced after sync_common.bash): listings, leftovers, the cache's promises.

# sums DIR: "sha256  path" of every file of a cache, sorted. `.imx/lock` is left out: it is the
# empty flock file, there or not depending on whether a writer ever ran, never data.
sums() {
    (cd "$1" && find . -type f ! -path ./.imx/lock -print0 | sort -z | xargs -0 -r sha256sum)
}

# as_ref DIR OLD: after the next clean sync, DIR holds what the reference holds, byte for byte,
# with one allowance: the HTTP answer store (.imx/http/) may fail silently. Its entries are
# written on worker threads, beside the installs and, on a loaded machine, after the run's
# manifest: a failed or killed write of a new answer can leave the entry missing or, where the
# old cache OLD had one for that URL, that old answer in place, and the next sync has no reason
# to ask that URL again (the run is complete). So an entry that is there must be the
# reference's or OLD's, byte for byte (an answer the server gave, revalidated by its ETag when
# asked again); every other file must be there and be the reference's.
as_ref() {
    local now=$W/now.sums bad
    sums "$1" | sort >"$now"
    bad=$(comm -23 "$now" <({ cat "$W/ref.sums"; sums "$2" | grep '  \./\.imx/http/'; } | sort)
        comm -13 "$now" <(sort "$W/ref.sums") | grep -v '^[0-9a-f]*  \./\.imx/http/')
    [ -z "$bad" ] || { printf '%s\n' "$bad" | head -5 >&2; return 1; }
}

# leftovers DIR: temporary files and folders imx left behind (prints them; fails if any).
leftovers() {
    local found
    found=$(find "$1" \( -name '.*.tmp-*' -o -name '.staging-*' -o -path '*/.imx/tmp/*' \) \
        -print 2>/dev/null | head -5)
    [ -z "$found" ] || fail "temporary files left: $found"
}

# consistent DIR REF OLD: the cache as a reader sees it after a failure or a crash. REF is the
# cache a clean sync gives, OLD the cache before the sync. Every file a reader can see (no
# dot-named component) is complete: equal to REF's or OLD's copy; every manifest parses; a run
# whose manifest says complete has every complete artifact in place as in REF; and nothing OLD
# held is lost (a superseded file may be below .superseded/ of its run; manifests and run.json
# are rewritten by design).
consistent() {
    python3 - "$1" "$2" "$3" <<'PY'
import hashlib, json, os, sys

d, ref, old = sys.argv[1:]

def files(root):
    out = {}
    for base, dirs, names in os.walk(root):
        for n in names:
            p = os.path.join(base, n)
            out[os.path.relpath(p, root)] = open(p, "rb").read()
    return out

def visible(rel):
    return not any(c.startswith(".") for c in rel.split(os.sep))

have, want, before = files(d), files(ref), files(old)
bad = []
for rel, data in have.items():
    if not visible(rel):
        continue
    if rel.endswith("imx-manifest.json"):
        try:
            m = json.loads(data)
        except ValueError as e:
            bad.append("%s: not JSON (%s)" % (rel, e))
            continue
        if not m.get("complete"):
            continue
        run = os.path.dirname(rel)
        # an artifact's files as the clean sync has them, or as the old cache had them when
        # that upload was superseded since
        ref_ids = {a["id"] for a in json.loads(want.get(rel, b'{"artifacts": []}'))["artifacts"]
                   if a.get("state") == "complete"}
        for a in m.get("artifacts", []):
            if a.get("state") != "complete":
                continue
            src = want if a["id"] in ref_ids else before
            if a.get("path") == ".":
                names = [os.path.join(run, f) for f in a.get("files", [])]
            else:
                top = os.path.join(run, a.get("path") or a["name"])
                names = [k for k in src if k.startswith(top + os.sep)]
                if not names:
                    bad.append("%s: artifact %s not in the reference" % (rel, a["name"]))
            for n in names:
                if n in src and have.get(n) != src[n]:
                    bad.append("%s: marked complete but %s is %s" %
                               (rel, n, "missing" if n not in have else "different"))
        continue
    if want.get(rel) != data and before.get(rel) != data:
        bad.append("%s: neither the old nor the new content (%d bytes)" % (rel, len(data)))
# nothing safe lost: every file of OLD still somewhere in its run folder, same bytes
for rel, data in before.items():
    # manifests and run.json describe the run: a sync replaces them by design
    if not visible(rel) or rel.endswith(("imx-manifest.json", "run.json")) or \
            not rel.startswith("run_"):
        continue
    run = rel.split(os.sep)[0]
    if have.get(rel) == data:
        continue
    if not any(k.startswith(run + os.sep) and v == data for k, v in have.items()):
        bad.append("%s: lost (its bytes are nowhere in %s)" % (rel, run))
for b in bad[:10]:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
