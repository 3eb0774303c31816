"""Template mining: variables masked, ids stable across runs and processes."""

from __future__ import annotations

import subprocess
import sys

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orcaops.logs import parse_run_log
from orcaops.logs.templates import (
    TemplateMiner,
    clear_caches,
    mask_text,
    mine,
    mine_many,
    template_id,
)


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


WORDS = ["alpha", "beta", "<*>", "x", "Step", "done", "GET", "in", "ms"]
message = st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join) | st.sampled_from(
    ["Step <*> : RUN pip install -r a.txt", "Step <*> : RUN pip install -r b.txt",
     "Step <*>  :  RUN pip install -r a.txt", "Step <*> : RUN make <*>", "", "a b", "a  b"])
runs = st.lists(st.lists(st.tuples(message, st.sampled_from(["INFO", "WARN"])), max_size=30),
                min_size=1, max_size=6)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs)
def test_mine_many_equals_mine_per_run(batch: list[list[tuple[str, str]]]) -> None:
    clear_caches()
    masked = [m for run in batch for m, _ in run]
    groups = [g for run in batch for _, g in run]
    starts = [0]
    for run in batch:
        starts.append(starts[-1] + len(run))
    want_t, want_i = [], []
    for run in batch:
        t, i = mine([m for m, _ in run], [g for _, g in run])
        want_t += t
        want_i += i
    for _ in range(2):  # cold, then with every mining step cached
        assert mine_many(pl.Series(masked, dtype=pl.String), groups, starts) == (want_t, want_i)


def test_mine_many_merges_within_a_run_only() -> None:
    a = ["Step 1 : RUN pip install -r api.txt", "Step 2 : RUN pip install -r db.txt"]
    b = ["Step 1 : RUN pip install -r api.txt"]
    masked = [mask_text(x) for x in a + b]
    got, _ = mine_many(pl.Series(masked), ["INFO"] * 3, [0, 2, 3])
    assert got == ["Step <*> : RUN pip install -r <*>"] * 2 + [
        "Step <*> : RUN pip install -r api.txt"]


def test_written_dates_and_units_are_part_of_the_variable() -> None:
    cases = {
        "connection from 10.0.0.1 () at Sat Jul  9 22:53:19 2005": "connection from <*> () at <*>",
        "connection from 10.0.0.2 () at Sun Jun 19 04:08:55 2005": "connection from <*> () at <*>",
        "stored (estimated size 16.0 KB, free 2.1 MB)": "stored (estimated size <*>, free <*>)",
        "stored (estimated size 96 B, free 17.8 GB)": "stored (estimated size <*>, free <*>)",
        "You May go now": "You May go now",  # a month's name without a day is a word
    }
    for text, expected in cases.items():
        assert mask_text(text) == expected
        assert parse_run_log([text]).template == [expected]


def _ids(lines: list[str]) -> dict[str, str]:
    log = parse_run_log(lines)
    return dict(zip(lines, log.template_id))


def test_a_column_of_few_recurring_words_is_constants() -> None:
    # Drain merges "from NEW to ASSIGNED" with "from ASSIGNED to RUNNING"; a column holding
    # a few words that recur is several templates (Brain), a column of many is one variable.
    states = [f"task {i} moved from {a} to {b}" for i in range(12)
              for a, b in (("NEW", "ASSIGNED"), ("ASSIGNED", "RUNNING"))]
    users = [f"session opened for user {u} by sshd" for u in
             ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")]
    ids = _ids(states + users)
    assert ids["task 0 moved from NEW to ASSIGNED"] == ids["task 7 moved from NEW to ASSIGNED"]
    assert ids["task 0 moved from NEW to ASSIGNED"] != ids["task 0 moved from ASSIGNED to RUNNING"]
    assert len({ids[u] for u in users}) == 1
    log = parse_run_log(states)
    assert set(log.template) == {"task <*> moved from NEW to ASSIGNED",
                                 "task <*> moved from ASSIGNED to RUNNING"}


def test_words_that_fit_a_masked_token_are_that_variable() -> None:
    # "rhost=<*>" (masked) and "rhost=example.org" are one variable; "()" is "(<*>)" empty;
    # "by (uid=0)" and "by LOGIN(uid=0)" differ beside their variable: two templates.
    lines = ([f"auth failure rhost=10.0.0.{i} user=root" for i in range(6)]
             + ["auth failure rhost=example.org user=root", "auth failure rhost=a.org user=root"]
             + [f"connect from 10.1.1.{i} (host{i}.net) ok" for i in range(4)]
             + [f"connect from 10.1.2.{i} () ok" for i in range(4)]
             + [f"session opened by (uid={i})" for i in range(4)]
             + [f"session opened by LOGIN(uid={i})" for i in range(4)])
    ids = _ids(lines)
    assert ids["auth failure rhost=10.0.0.1 user=root"] == ids["auth failure rhost=a.org user=root"]
    assert ids["connect from 10.1.1.0 (host0.net) ok"] == ids["connect from 10.1.2.0 () ok"]
    assert ids["session opened by (uid=0)"] != ids["session opened by LOGIN(uid=0)"]


def test_splits_are_the_same_in_python_and_polars() -> None:
    lines = [f"task {i} moved from {a} to {b}" for i in range(5)
             for a, b in (("NEW", "ASSIGNED"), ("ASSIGNED", "RUNNING"), ("RUNNING", "DONE"))]
    masked = [mask_text(x) for x in lines]
    clear_caches()
    want = mine(masked, ["INFO"] * len(lines))
    assert len(set(want[1])) == 3
    for _ in range(2):  # cold, then cached
        assert mine_many(pl.Series(masked), ["INFO"] * len(lines), [0, len(lines)]) == want
