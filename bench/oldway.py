#!/usr/bin/env python3
# bench/oldway.py: the original extractor's way of filling the cache, for the sync benchmark:
# one run after another, one `gh`-style request chain per run, over Python's urllib.
"""Usage: oldway.py --api URL --cache DIR [--collect-recent N] [--repo O/R] [--workflow FILE]

What the old script did through `gh`: list the newest successful runs of the workflow
(`gh run list`), then for each run in turn ask GitHub about it (`gh run view`, even when it is
cached) and, when its results are not cached yet, `gh run download -n results_bmk`: list the
run's artifacts, GET /zip, follow the redirect to the blob host without the token, unzip into
CACHE/run_<ID>/. Sequential, a new connection per request. Token: $GH_TOKEN or $GITHUB_TOKEN.
Prints "requests=N downloads=N cached=N seconds=S".
"""
import argparse
import io
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile

HEADERS = {"User-Agent": "oldway-bench", "Accept": "application/vnd.github+json",
           "X-GitHub-Api-Version": "2022-11-28"}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """gh drops the token for the blob host: so redirects are followed by hand, without it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Client:
    def __init__(self, api, token):
        self.api = api.rstrip("/")
        self.token = token
        self.opener = urllib.request.build_opener(NoRedirect)
        self.requests = 0

    def get(self, url, auth=True):
        if not url.startswith("http"):
            url = self.api + url
        headers = dict(HEADERS)
        if auth and self.token:
            headers["Authorization"] = "Bearer " + self.token
        self.requests += 1
        try:
            with self.opener.open(urllib.request.Request(url, headers=headers)) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def get_json(self, url):
        status, headers, body = self.get(url)
        if status != 200:
            raise SystemExit("oldway: GET %s: HTTP %d" % (url, status))
        return headers, json.loads(body)

    def pages(self, url, key, limit=None):
        """Follows Link rel="next" like gh does, up to limit items."""
        items = []
        while url and (limit is None or len(items) < limit):
            headers, data = self.get_json(url)
            items += data[key]
            m = re.search(r'<([^>]+)>;\s*rel="next"', headers.get("Link") or "")
            url = m.group(1) if m else None
        return items[:limit] if limit else items


def download(client, repo, art, dest):
    status, headers, body = client.get("/repos/%s/actions/artifacts/%d/zip" % (repo, art["id"]))
    if status in (301, 302, 303, 307, 308):
        loc = urllib.parse.urljoin(client.api + "/", headers["Location"])
        status, headers, body = client.get(loc, auth=False)
    if status != 200:
        raise SystemExit("oldway: artifact %d: HTTP %d" % (art["id"], status))
    os.makedirs(dest, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        for name in z.namelist():
            if name.startswith("/") or ".." in name.split("/") or name.endswith("/"):
                continue
            path = os.path.join(dest, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(z.read(name))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--api", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--collect-recent", type=int, default=30)
    ap.add_argument("--repo", default="SemiAnalysisAI/InferenceX")
    ap.add_argument("--workflow", default="run-sweep.yml")
    args = ap.parse_args()
    client = Client(args.api, os.environ.get("GH_TOKEN") or os.environ.get("GITHUB_TOKEN"))
    t0 = time.monotonic()
    runs = client.pages("/repos/%s/actions/workflows/%s/runs?status=success&per_page=%d" % (
        args.repo, args.workflow, min(100, args.collect_recent)), "workflow_runs",
        args.collect_recent)
    downloads = cached = 0
    for run in runs:
        rid = run["id"]
        run_dir = os.path.join(args.cache, "run_%d" % rid)
        _, info = client.get_json("/repos/%s/actions/runs/%d" % (args.repo, rid))
        if os.path.exists(os.path.join(run_dir, "agg_bmk.json")):
            cached += 1
            continue
        arts = client.pages("/repos/%s/actions/runs/%d/artifacts?per_page=100" % (args.repo, rid),
                            "artifacts")
        seen = set()
        for art in arts:
            # gh run download -n results_bmk: the first artifact of that name, not expired
            if art["name"] != "results_bmk" or art.get("expired") or art["name"] in seen:
                continue
            seen.add(art["name"])
            download(client, args.repo, art, run_dir)
            downloads += 1
        os.makedirs(run_dir, exist_ok=True)
        with open(os.path.join(run_dir, "run.json"), "w") as f:
            json.dump(info, f, indent=2)
    print("requests=%d downloads=%d cached=%d seconds=%.3f" % (
        client.requests, downloads, cached, time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
