"""hostilecache: writes a cache whose names hold what a hostile server or file could put there
(control characters, escape sequences, bidirectional overrides, markup, quotes, `</script>`,
`]]>`; invalid UTF-8 in file names, the only place it gets past the JSON parsers), for the picture
cases (made by their `setup`: git holds such bytes badly). Two run days, so that a report has
a trend and changes. usage (from a case's setup): hostilecache.write(b"cache")"""
import json
import os

NAMES = {
    "hw": "b200-\u0001\u001b[31m</script>&",
    "framework": "vllm\u0085\u2028<]]>\"'",
    "precision": "fp4\u202e<b>",
    "spec_decoding": "mtp\"'<!--",
    "infmax_model_prefix": "gpt\u0007oss",
    "model": "m\u0001x</title><script>alert(1)</script>",
}


def rows(scale):
    out = []
    for k, (tput, intvty) in enumerate([(900, 20), (600, 45), (200, 70)]):
        r = dict(NAMES)
        r.update({"conc": 8 << k, "disagg": False, "isl": 1024, "osl": 1024,
                  "is_multinode": False, "tp": 8, "ep": 1, "dp_attention": "false",
                  "tput_per_gpu": tput * scale, "output_tput_per_gpu": tput * scale / 2,
                  "input_tput_per_gpu": tput * scale / 2, "median_intvty": intvty,
                  "median_e2el": 0.5, "p99_ttft": 0.5, "median_ttft": 0.2})
        out.append(r)
    return json.dumps(out).encode()


def run_json(rid, day):
    # controls, a bidirectional override and markup in branch, event and URL
    return (b'{"id": %d, "event": "push\\u001b[2J", "head_branch": "main\\u202e\\u0085'
            b'</script><script>alert(1)</script>", "status": "completed", "conclusion": '
            b'"success", "created_at": "%sT10:00:00Z", "html_url": "https://github.com/x/'
            b'y/actions/runs/%d\\"><img src=x>"}' % (rid, day.encode(), rid))


def write(cache):
    for rid, day, scale in ((3000, "2025-12-10", 1.0), (3001, "2025-12-20", 1.1)):
        d = os.path.join(cache, b"run_%d" % rid)
        os.makedirs(d)
        with open(os.path.join(d, b"run.json"), "wb") as f:
            f.write(run_json(rid, day))
        # an artifact folder and a result file named with ESC, a raw C1 byte, invalid UTF-8, BEL
        sub = os.path.join(d, b"bmk_\x1b[31m\x9b\xff<x>")
        os.makedirs(sub)
        with open(os.path.join(sub, b"agg_x\x07\xfe.json"), "wb") as f:
            f.write(rows(scale))
