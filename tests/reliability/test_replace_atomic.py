"""``import --replace`` is one atomic unit per run across runs, logs and samples (issue 20,
items 3 and 4): killed at any moment it leaves every run entirely old or entirely new, and
``orcaops recover`` finishes or rolls back the interrupted replace; a long-lived reader
never sees a run with its row from one version and its log lines or samples from another."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reliability_kit import fresh, kill_after, orcaops_cmd, scale, worker_cmd, write_jsonl

import orcaops
from orcaops.api import Warehouse
from orcaops.warehouse.rows import RunBatch
from orcaops.warehouse.schema import TABLES

pytestmark = pytest.mark.reliability

RUNS = 40


def versioned(job_id: str, i: int, v: int) -> dict[str, Any]:
    """Run ``job_id`` as version ``v``: the command, every line and the counts say which."""
    n_logs = 1 + (i + v) % 4 + 2 * v
    logs = [{"ts": f"2026-11-1{i % 3}T10:00:{k:02d}Z", "line": f"v{v} {job_id} line {k}"}
            for k in range(n_logs)]
    samples = [{"ts": f"2026-11-1{i % 3}T10:00:{k:02d}Z", "cpu_percent": float(v),
                "memory_mb": 10.0} for k in range((i + v) % 3 + v)]
    return {"job_id": job_id, "status": "success", "image": "img", "command": f"make v{v}",
            "started_at": f"2026-11-1{i % 3}T10:00:00Z", "finished_at": f"2026-11-1{i % 3}T10:01:00Z",
            "exit_code": 0, "logs": logs, "samples": samples}


def version_set(v: int) -> list[dict[str, Any]]:
    return [versioned(f"rep-{i:03d}", i, v) for i in range(RUNS)]


EXPECTED = {v: {r["job_id"]: (len(r["logs"]), len(r["samples"])) for r in version_set(v)}
            for v in (1, 2)}

# One statement, so one snapshot: each run's version (from its command) beside how many of
# its lines and samples there are and how many belong to another version.
VERSIONS_SQL = """
    SELECT r.job_id, r.v,
           (SELECT count(*) FROM logs l WHERE l.job_id = r.job_id),
           (SELECT count(*) FROM logs l WHERE l.job_id = r.job_id
                AND NOT starts_with(l.message, 'v' || r.v || ' ')),
           (SELECT count(*) FROM samples s WHERE s.job_id = r.job_id),
           (SELECT count(*) FROM samples s WHERE s.job_id = r.job_id
                AND s.cpu_percent <> r.v::DOUBLE)
    FROM (SELECT job_id, CAST(right(command, 1) AS INTEGER) AS v FROM runs) r
"""


def versions_seen(wh: Warehouse, exact: bool = True) -> tuple[Counter[int], list[str]]:
    """Assert every run is one whole version (row, lines and samples); count per version."""
    seen: Counter[int] = Counter()
    ids: list[str] = []
    for job_id, v, logs, other_logs, samples, other_samples in wh.reader.rows(VERSIONS_SQL):
        ids.append(job_id)
        assert other_logs == 0 and other_samples == 0, f"{job_id}: mixed versions"
        if exact:
            assert (logs, samples) == EXPECTED[v][job_id], f"{job_id}: partial v{v}"
        seen[v] += 1
    return seen, ids


def check_whole(wh: Warehouse) -> Counter[int]:
    """Every run of the set is visible once, as one whole version; the count per version."""
    seen, ids = versions_seen(wh)
    assert sorted(ids) == sorted(EXPECTED[1]), "runs lost or duplicated"
    return seen


def superseded_rows(wh: Warehouse) -> int:
    """Child rows stored but not of their run's current write (cleaned by recover)."""
    return int(wh.reader.rows(
        "SELECT (SELECT count(*) FROM logs_all) - (SELECT count(*) FROM logs) + "
        "(SELECT count(*) FROM samples_all) - (SELECT count(*) FROM samples)")[0][0])


def test_killed_replace_is_all_old_or_all_new_and_recover_finishes_it(
        home: Path, tmp_path: Path, cli, figures: Counter[str]) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(2026)
    files = {v: write_jsonl(tmp_path / f"v{v}.jsonl", version_set(v)) for v in (1, 2)}
    fresh(home).import_jsonl(files[1])
    pending = home / "warehouse" / "_pending"

    def committing() -> bool:  # the journal exists from the first table write to the last
        return pending.is_dir() and any(pending.glob("*.json"))

    window = _commit_seconds(orcaops_cmd(home, "import", "--replace", str(files[2])), committing)
    assert check_whole(fresh(home)) == {2: RUNS}
    kills = 0
    for t in range(scale(6)):
        target = 1 + t % 2
        kill = kill_after(orcaops_cmd(home, "import", "--replace", str(files[target])),
                          rng.uniform(0.0, window * 1.5), start_when=committing)
        kills += kill.killed
        figures["crash: replace kill -9 trials"] += 1
        figures["faults injected"] += kill.killed
        figures["crash: replace kills that left an interrupted commit"] += committing()
        before = check_whole(fresh(home))
        assert sum(before.values()) == RUNS and len(before) == 1, before  # one commit per run set
        result = cli("recover")
        assert result.exit_code == 0, result.stderr
        wh = fresh(home)
        assert check_whole(wh) == before, "recover changed which version is visible"
        assert superseded_rows(wh) == 0, "recover left children of another write"
        assert not committing()
    assert kills > 0
    figures["crash: replace commit window (ms)"] = round(window * 1000)


def _commit_seconds(cmd: list[str], committing: Callable[[], bool]) -> float:
    """How long the journal of ``cmd``'s commit lives: from the first table write to the last."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while not committing() and proc.poll() is None:
        time.sleep(0.002)
    start = time.monotonic()
    while committing() and proc.poll() is None:
        time.sleep(0.002)
    seconds = time.monotonic() - start
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return max(seconds, 0.02)


def _crash_replace(wh: Warehouse, recs: list[dict[str, Any]], steps: int) -> None:
    """Run the first ``steps`` table writes of a replace, then stop as a killed writer does."""
    from orcaops.ingest.records import parse_record

    batch = RunBatch()
    for rec in recs:
        item = parse_record(rec)
        batch.add(item.run, None, item.samples)
    ids = batch.job_ids
    data = batch.tables("w-crashed")
    with wh.tables.commit_lock():
        wh.writer._journal(ids, "w-crashed", True)
        ops = [lambda: wh.tables.append("logs", data["logs"]),
               lambda: wh.tables.append("samples", data["samples"]),
               lambda: wh.tables.overwrite_ids("runs", data["runs"], ids)]
        for op in ops[:steps]:
            op()


@pytest.mark.parametrize("steps", [1, 2, 3])
def test_interrupted_replace_shows_one_version_and_recover_completes(home: Path, steps: int
                                                                     ) -> None:
    wh = orcaops.open(home)
    wh.import_records(version_set(1)[:6])
    held = orcaops.open(home)
    assert check_whole_subset(held, 6) == {1: 6}
    new = [dict(r, logs=[], samples=[{"ts": "2026-11-10T10:00:00Z", "cpu_percent": 2.0}])
           for r in version_set(2)[:6]]
    _crash_replace(wh, new, steps)
    want = 2 if steps == 3 else 1
    for reader in (held, orcaops.open(home)):
        got = check_whole_subset(reader, 6, loose_counts=True)
        assert got == {want: 6}, (steps, got)
    assert orcaops.open(home).recover()["orphans_removed"] >= 0
    after = orcaops.open(home)
    assert check_whole_subset(after, 6, loose_counts=True) == {want: 6}
    assert superseded_rows(after) == 0


def check_whole_subset(wh: Warehouse, n: int, loose_counts: bool = False) -> Counter[int]:
    seen, ids = versions_seen(wh, exact=not loose_counts)
    assert len(ids) == len(set(ids)) == n
    return seen


def test_long_lived_reader_never_sees_half_replaced_runs(home: Path, tmp_path: Path,
                                                         figures: Counter[str]) -> None:
    files = [write_jsonl(tmp_path / f"v{v}.jsonl", version_set(v)) for v in (1, 2)]
    wh = fresh(home)
    wh.import_jsonl(files[0])
    rounds = scale(6)
    writer = subprocess.Popen(worker_cmd("replace", str(home), str(files[1]), str(files[0]),
                                         str(rounds)), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    reads = 0
    versions: Counter[int] = Counter()
    try:
        while writer.poll() is None or reads < 3:
            versions.update(check_whole(wh))
            reads += 1
    finally:
        _, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err
    figures["replace: consistent reads during replaces"] += reads
    assert reads >= 3 and set(versions) <= {1, 2}


def test_replace_upgrades_a_warehouse_written_without_write_ids(home: Path) -> None:
    """Tables as an OrcaOps before write ids wrote them are read, then rewritten once with
    the column on the first write; replacing their runs is then atomic too."""
    from old_schema import build_old_warehouse

    build_old_warehouse(home, version_set(1)[:8])
    wh = orcaops.open(home)
    assert check_whole_subset(wh, 8) == {1: 8}
    wh.import_records(version_set(2)[:4], replace=True)
    after = orcaops.open(home)
    assert check_whole_subset(after, 8) == {1: 4, 2: 4}
    assert superseded_rows(after) == 0
    for name in ("runs", "logs", "samples"):
        assert "write_id" in after.tables.columns(name)
    assert {"root_cause_first_line", "root_cause_last_line"} <= set(after.tables.columns("runs"))
    assert after.sql("SELECT count(root_cause_first_line) n, count(*) m FROM runs").row(0) == (0, 8)
    # The old checkpoint interval (50) goes with the first write; compact sets every table's.
    interval = {name: after.tables.open(name).metadata().configuration["delta.checkpointInterval"]
                for name in TABLES}
    assert interval == {"runs": "10", "logs": "10", "samples": "10", "tests": "10",
                        "actions": "50"}
    after.compact()
    assert {after.tables.open(name).metadata().configuration["delta.checkpointInterval"]
            for name in TABLES} == {"10"}


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
