"""Compaction and vacuum while readers query: no reader fails on a vanished file, answers
are identical before and after, and files replaced by compaction stay for the retention
window so a reader still on the old snapshot can finish."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest
from reliability_kit import check_invariants, expected_counts, fresh, records, scale, worker_cmd

pytestmark = pytest.mark.reliability

FINGERPRINT = """
    SELECT (SELECT count(*) FROM runs), (SELECT sum(hash(job_id, status, log_lines)) FROM runs),
           (SELECT count(*) FROM logs), (SELECT sum(hash(job_id, line_number, message)) FROM logs),
           (SELECT count(*) FROM samples), (SELECT sum(hash(job_id, ts, cpu_percent)) FROM samples)
"""


def test_compaction_while_readers_search(home: Path, figures: Counter[str]) -> None:
    """Two reader processes search and check throughout repeated write + compact rounds;
    each compaction leaves every answer unchanged."""
    wh = fresh(home)
    expected: dict[str, tuple[int, int]] = {}
    readers = [subprocess.Popen(worker_cmd("search", str(home), "8"), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    rounds = scale(4)
    for k in range(rounds):
        for b in range(5):
            recs = records(f"mr{k}-{b}", 3)
            expected.update(expected_counts(recs))
            wh.import_records(recs)
        before = fresh(home).reader.rows(FINGERPRINT)
        report = wh.compact()
        figures["maintenance: compactions under readers"] += 1
        figures["maintenance: files merged"] += sum(t["files_merged"]
                                                    for t in report["tables"].values())
        assert fresh(home).reader.rows(FINGERPRINT) == before
    for r in readers:
        out, err = r.communicate(timeout=180)
        assert r.returncode == 0, err
        figures["maintenance: reader checks during compaction"] += int(out.split()[-1])
    assert set(check_invariants(fresh(home), expected)) == set(expected)


def test_a_reader_on_the_old_snapshot_survives_compaction_and_vacuum(
        home: Path, figures: Counter[str]) -> None:
    """Compaction keeps the replaced files (retention window): the old snapshot's files are
    all still there. Once they are vacuumed for real, a reader that last looked before
    compaction answers the same (it sees the tables moved and reloads)."""
    from deltalake import DeltaTable

    wh = fresh(home)
    for b in range(6):
        wh.import_records(records(f"old{b}", 3))
    stale = fresh(home)
    before = stale.reader.rows(FINGERPRINT)
    old_files = [f for files in stale.reader.files.values() for f in files]
    fresh(home).compact()
    assert all(Path(f.removeprefix("file://")).exists() for f in old_files)
    for name in ("runs", "logs", "samples"):  # the retention window has passed
        DeltaTable(str(home / "warehouse" / name)).vacuum(
            retention_hours=0, dry_run=False, enforce_retention_duration=False)
    gone = [f for f in old_files if not Path(f.removeprefix("file://")).exists()]
    assert gone, "vacuum removed none of the compacted files"
    figures["faults injected"] += 1
    figures["maintenance: files vacuumed under a stale reader"] += len(gone)
    assert stale.reader.rows(FINGERPRINT) == before
    assert stale.search("tag:rel", limit=None).total == 18
