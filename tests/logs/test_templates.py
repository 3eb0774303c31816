"""Template mining: variables masked, ids stable across runs and processes."""

from __future__ import annotations

import subprocess
import sys

from orcaops.logs import parse_run_log
from orcaops.logs.templates import TemplateMiner, mask_text, template_id


def test_variables_are_masked():
    cases = {
        "Received block blk_-1608999687919862906 of size 91178 from /10.250.10.6":
            "Received block <*> of size <*> from <*>",
        "GET /api/v1/orders/42 took 35ms": "GET <*> took <*>",
        "connected to 10.0.0.12:5432 as app": "connected to <*> as app",
        "job 550e8400-e29b-41d4-a716-446655440000 done in 1.5s": "job <*> done in <*>",
        "commit 0a1b2c3d4e5f60718293a4b5c6d7e8f901234567 pushed": "commit <*> pushed",
        "values [1, 2, 3, 4]": "values [<*>]",
        'File "/usr/lib/python3.11/json/decoder.py", line 355, in raw_decode':
            'File "<*>", line <*>, in raw_decode',
    }
    for text, expected in cases.items():
        assert mask_text(text) == expected
        assert parse_run_log([text]).template == [expected]


def test_same_template_same_id_across_runs():
    run1 = [f"Processed {n} items for user{n}" for n in (3, 7, 12)] + ["Saved report r-17.pdf"]
    run2 = ["Saved report r-99.pdf", "Processed 1 items for user55"]
    a, b = parse_run_log(run1), parse_run_log(run2)
    assert a.template_id[0] == a.template_id[1] == a.template_id[2] == b.template_id[1]
    assert a.template_id[3] == b.template_id[0]
    assert a.template[0] == "Processed <*> items for <*>"


def test_template_ids_are_stable_across_processes():
    code = ("from orcaops.logs import parse_run_log;"
            "print(parse_run_log(['worker 7 started on host-3']).template_id[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == template_id("worker <*> started on <*>")


def test_miner_merges_words_that_vary():
    miner = TemplateMiner()
    a = miner.add("Connection from alice closed cleanly")
    b = miner.add("Connection from bob closed cleanly")
    c = miner.add("Disk quota exceeded for volume")
    assert a == b != c
    assert miner.template(a) == "Connection from <*> closed cleanly"


def test_levels_never_share_a_template():
    log = parse_run_log(["ERROR: step build failed", "INFO: step build passed"])
    assert log.template_id[0] != log.template_id[1]


def test_repeated_patterns_are_counted():
    lines = [f"heartbeat {i} ok" for i in range(5)] + ["done"]
    top = parse_run_log(lines).analysis["top_patterns"]
    assert top[0]["count"] == 5 and top[0]["template"] == "heartbeat <*> ok"
