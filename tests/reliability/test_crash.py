"""kill -9 at random moments: an importer, an ``orcaops run`` recorder, ``orcaops compact``.

After every kill the warehouse opens, nothing committed before is lost, no run is visible
without all its log lines and samples, no run or log line is duplicated, and finishing the
work (re-running the import, ``orcaops recover``, compacting again) completes it exactly.
Kill moments are drawn uniformly over the time the process takes when left alone, so they
land in start-up, validation, each table's commit and the clean-up after.
"""

from __future__ import annotations

import random
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from reliability_kit import (
    check_invariants,
    expected_counts,
    fresh,
    kill_after,
    orcaops_cmd,
    records,
    scale,
    worker_cmd,
    write_jsonl,
)

pytestmark = pytest.mark.reliability

RUNS_PER_TRIAL = 12
BATCH = 3  # several commits per import, so kills land between and inside them


def _timed(cmd: list[str], *, after_ready: bool = False) -> float:
    """Seconds ``cmd`` takes left alone (from its ``ready`` line with ``after_ready``)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    start = time.monotonic()
    if after_ready:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        start = time.monotonic()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return time.monotonic() - start


def test_killed_importer_then_reimport_is_exact(home: Path, tmp_path: Path,
                                                figures: Counter[str]) -> None:
    """A killed import leaves only whole runs; importing the same file again adds exactly the
    rest (no duplicate runs, no duplicate log lines from the interrupted commit)."""
    rng = random.Random(20261121)
    wh = fresh(home)
    expected: dict[str, tuple[int, int]] = {}
    first = records("warm", RUNS_PER_TRIAL)
    expected.update(expected_counts(first))
    full = _timed(worker_cmd("import", str(home), str(write_jsonl(tmp_path / "warm.jsonl", first)),
                             str(BATCH)), after_ready=True)
    trials = scale(8)
    before = set(check_invariants(wh, expected))
    for t in range(trials):
        recs = records(f"imp{t}", RUNS_PER_TRIAL)
        expected.update(expected_counts(recs))
        src = write_jsonl(tmp_path / f"imp{t}.jsonl", recs)
        kill = kill_after(worker_cmd("import", str(home), str(src), str(BATCH)),
                          rng.uniform(0.0, full * 1.1), after_ready=True)
        figures["crash: importer kill -9 trials"] += 1
        figures["faults injected"] += kill.killed
        mid = (home / "warehouse" / "_pending").is_dir() and any(
            (home / "warehouse" / "_pending").glob("*.json"))
        figures["crash: importer kills that left an interrupted commit"] += mid
        after = check_invariants(fresh(home), expected)  # opens; nothing partial visible
        assert before <= set(after), f"trial {t}: committed runs lost: {before - set(after)}"
        landed = {j for j in after if j.startswith(f"imp{t}-")}
        report = fresh(home).import_jsonl(src)  # the user re-runs the import
        assert report.imported == RUNS_PER_TRIAL - len(landed), (t, report.as_dict())
        assert report.skipped == len(landed) and not report.errors
        final = check_invariants(wh, expected)
        assert {j for j in final if j.startswith(f"imp{t}-")} == {r["job_id"] for r in recs}
        before = set(final)
    total = check_invariants(fresh(home), expected)
    assert set(total) == set(expected)
    # After the retried imports nothing orphaned remains either.
    orphans = wh.sql("SELECT count(*) n FROM logs_all WHERE job_id NOT IN "
                     "(SELECT job_id FROM runs)")["n"][0]
    assert orphans == 0
    figures["crash: runs checked after importer kills"] += len(total)


SLOW_JOB = "for i in $(seq 1 12); do echo line $i; echo warn $i >&2; sleep 0.05; done"


def test_killed_recorder_then_recover_restores_the_run(home: Path, cli,  # type: ignore[no-untyped-def]
                                                       figures: Counter[str]) -> None:
    """``orcaops run`` killed at a random moment: afterwards its run is invisible or whole,
    and ``orcaops recover`` records every spooled run exactly once (the executor tests kill
    at one fixed moment; this draws many)."""
    rng = random.Random(7)
    fresh(home)
    cmd = orcaops_cmd(home, "run", "--local", "-q", "--tag", "rec", "--", "sh", "-c", SLOW_JOB)
    full = _timed(cmd)
    trials = scale(5)
    spool = home / "spool"

    def job_started() -> bool:
        return spool.is_dir() and any(spool.iterdir())

    for t in range(trials):
        # Most kills land while the job runs or commits; every fourth anywhere from start-up.
        early = t % 4 == 3
        kill = kill_after(cmd, rng.uniform(0.0, full if early else 1.0),
                          start_when=None if early else job_started)
        figures["crash: recorder kill -9 trials"] += 1
        figures["faults injected"] += kill.killed
        time.sleep(0.7)  # let the orphaned job finish (its lines are then in the spool or not)
        check_invariants(fresh(home))
        spooled = [p for p in (home / "spool").glob("*") if p.is_dir()]
        figures["crash: recorder kills that left a spool"] += len(spooled)
        result = cli("recover")
        assert result.exit_code == 0, result.stderr
        assert not [p for p in (home / "spool").glob("*") if p.is_dir()], "spool not emptied"
        check_invariants(fresh(home))
    wh = fresh(home)
    runs = wh.sql("SELECT job_id, status, log_lines FROM runs WHERE list_contains(tags, 'rec')")
    # Each invocation is at most one run (a kill before the spool existed records nothing).
    assert runs.height <= trials + 1
    assert runs["job_id"].n_unique() == runs.height
    figures["crash: recorder runs recovered or committed"] += runs.height


def test_killed_compaction_loses_and_duplicates_nothing(home: Path, figures: Counter[str]
                                                        ) -> None:
    """``orcaops compact`` killed mid-way: the tables answer exactly as before, and the next
    compaction completes."""
    rng = random.Random(3)
    wh = fresh(home)
    expected: dict[str, tuple[int, int]] = {}
    fingerprint = ("SELECT count(*), sum(log_lines), (SELECT count(*) FROM logs), "
                   "(SELECT count(*) FROM samples), string_agg(job_id, ',' ORDER BY job_id) "
                   "FROM runs")
    full = None
    trials = scale(4)
    for t in range(trials):
        for b in range(6):  # several small commits per partition: something to compact
            recs = records(f"cmp{t}-{b}", 4)
            expected.update(expected_counts(recs))
            wh.import_records(recs)
        before = fresh(home).reader.rows(fingerprint)
        cmd = orcaops_cmd(home, "compact")
        if full is None:
            full = _timed(cmd)
        else:
            kill = kill_after(cmd, rng.uniform(0.2, full * 1.1))
            figures["crash: compact kill -9 trials"] += 1
            figures["faults injected"] += kill.killed
        after = fresh(home)
        assert after.reader.rows(fingerprint) == before, f"trial {t}: compaction changed data"
        check_invariants(after, expected)
        assert not [p for p in after.doctor()["problems"] if "missing" in p or "corrupt" in p]
    wh.compact()
    assert fresh(home).reader.rows(fingerprint) == before
