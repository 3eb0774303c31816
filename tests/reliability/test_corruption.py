"""Corruption of every kind of file the warehouse keeps: seeded bit flips, truncation, deletion.

For each file kind — runs/logs/samples data files, the log index's vocabulary and postings,
the latest ``_delta_log`` commit entry, the checkpoint (also once the entries it summarises
are cleaned up), ``_snapshot.json`` — the warehouse is
built (import, compact, import), the file damaged, and then:

- reads answer exactly what the records say, or fail with a ``WarehouseError`` naming the
  file (derived files — the index, the snapshot — must never cost an answer);
- ``orcaops doctor`` exits 1 with a finding naming the file and a fix command;
- after that command (and importing the source records again, as a user whose rows were
  lost would), ``doctor`` is clean and every run is there once, with all its lines.

A bit flip that DuckDB decodes without error changes values silently (no page checksums in
the Parquet files delta-rs writes); such reads are counted in the figures, and doctor must
catch them through the checksum recorded at commit.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from reliability_kit import check_invariants, expected_counts, fresh, records

from orcaops.core.errors import WarehouseError

pytestmark = pytest.mark.reliability

SEED = 20


def _build(home: Path) -> list[dict[str, Any]]:
    """Two imports around a compact (so there are an index, a checkpoint and a saved
    snapshot); returns the source records."""
    first, second = records("ca", 12), records("cb", 12)
    fresh(home).import_records(first)
    fresh(home).compact()
    fresh(home).import_records(second)
    fresh(home).sql("SELECT count(*) FROM logs")  # saves _snapshot.json at the latest versions
    return first + second


def _truth(recs: list[dict[str, Any]]) -> dict[str, Any]:
    """What the warehouse must answer, from the records alone."""
    return {"ids": sorted(r["job_id"] for r in recs),
            "boom": sorted(r["job_id"] for r in recs
                           if any("boom" in line["line"] for line in r["logs"])),
            "lines": sum(len(r["logs"]) for r in recs)}


def _answers(home: Path) -> dict[str, Any]:
    wh = fresh(home)
    return {"ids": sorted(wh.sql("SELECT job_id FROM runs")["job_id"].to_list()),
            "boom": sorted(wh.search("log:boom", limit=None).runs["job_id"].to_list()),
            "lines": int(wh.sql("SELECT count(*) AS n FROM logs")["n"][0])}


def _snapshot_files(home: Path, table: str) -> list[Path]:
    """The table's data files in the current snapshot (compaction leaves old ones on disk
    for the retention window)."""
    reader = fresh(home).reader
    reader.refresh(force=True)
    return sorted(Path(f.removeprefix("file://")) for f in reader.files[table])


def _victim(home: Path, kind: str) -> Path:
    wh = home / "warehouse"
    found = {
        "runs": lambda: _snapshot_files(home, "runs"),
        "logs": lambda: _snapshot_files(home, "logs"),
        "samples": lambda: _snapshot_files(home, "samples"),
        "vocab": lambda: sorted((wh / "_logindex").glob("*/vocab.parquet")),
        "postings": lambda: sorted((wh / "_logindex").glob("*/postings.parquet")),
        "commit": lambda: sorted((wh / "runs" / "_delta_log").glob("*.json"))[-1:],
        "checkpoint": lambda: sorted((wh / "runs" / "_delta_log").glob("*.checkpoint.parquet")),
        "lone-checkpoint": lambda: _without_older_entries(wh / "runs" / "_delta_log"),
        "snapshot": lambda: [wh / "_snapshot.json"],
    }[kind]()
    assert found and found[0].exists(), kind
    return found[0]


def _without_older_entries(log: Path) -> list[Path]:
    """The checkpoint, after the commit entries it summarises were cleaned up (as log
    cleanup does once they pass the retention window): it cannot be rebuilt from them."""
    checkpoint = sorted(log.glob("*.checkpoint.parquet"))[-1]
    for entry in log.glob("*.json"):
        if int(entry.stem) <= int(checkpoint.name.split(".")[0]):
            entry.unlink()
    return [checkpoint]


def _damage(path: Path, how: str, seed: int) -> None:
    if how == "delete":
        path.unlink()
    elif how == "truncate":
        os.truncate(path, path.stat().st_size // 2)
    else:  # eight bits flipped at seeded offsets
        data = bytearray(path.read_bytes())
        rng = random.Random(seed)
        for _ in range(8):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(data))


DERIVED = {"vocab", "postings", "snapshot"}
CASES = [("runs", "flip"), ("runs", "truncate"), ("runs", "delete"),
         ("logs", "flip"), ("logs", "truncate"), ("samples", "flip"),
         ("vocab", "flip"), ("postings", "flip"), ("postings", "truncate"),
         ("commit", "flip"), ("commit", "delete"),
         ("checkpoint", "flip"), ("checkpoint", "truncate"), ("lone-checkpoint", "flip"),
         ("snapshot", "flip"),
         ("snapshot", "truncate")]


@pytest.mark.parametrize(("kind", "how"), CASES, ids=[f"{k}-{h}" for k, h in CASES])
def test_corrupt_file(home: Path, cli_home, kind: str, how: str,  # type: ignore[no-untyped-def]
                      figures: Counter[str]) -> None:
    recs = _build(home)
    truth = _truth(recs)
    victim = _victim(home, kind)
    _damage(victim, how, SEED + len(kind))
    figures["faults injected"] += 1
    figures[f"corruption: {how}"] += 1

    _check_reads(home, victim, kind, how, truth, figures)
    fix = _doctor_names(home, cli_home, victim, kind, how)
    if fix is not None:
        args = fix.split()[1:]
        done = cli_home(home, *args)
        assert done.exit_code == 0, (fix, done.stdout, done.stderr)
        figures["corruption: repaired by the named command"] += 1
    if kind == "logs":  # lines dropped with the file: doctor names the runs missing them
        partial = json.loads(cli_home(home, "doctor", "--format", "json").stdout)["problems"]
        assert any("import --replace" in p for p in partial), partial
    # A user whose rows were dropped imports the source again; --replace brings back the
    # lines of runs whose log or samples file was dropped. Nothing may end up twice.
    fresh(home).import_records(recs, replace=kind in ("logs", "samples"))
    after = cli_home(home, "doctor", "--format", "json")
    assert after.exit_code == 0, after.stdout
    check_invariants(fresh(home), expected_counts(recs))
    assert _answers(home) == truth


def _check_reads(home: Path, victim: Path, kind: str, how: str, truth: dict[str, Any],
                 figures: Counter[str]) -> None:
    """Reads answer exactly, or fail naming the file; derived files never cost an answer."""
    try:
        answers = _answers(home)
    except WarehouseError as e:
        assert kind not in DERIVED, f"{kind}: {e}"
        assert victim.name in str(e), str(e)
        figures["corruption: reads failed naming the file"] += 1
        return
    if kind in DERIVED:
        assert answers == truth, kind
    if kind == "commit" and how == "delete":
        # The commit is gone from the Delta log: its runs are not there (or still, through a
        # saved snapshot listing its files, which are still on disk), and nothing else.
        assert set(answers["ids"]) <= set(truth["ids"])
        figures["corruption: reads answered without the lost commit"] += 1
        return
    if answers == truth:
        figures["corruption: reads answered exactly"] += 1
    else:  # decodable flips: only the recorded checksum sees them (doctor must)
        assert how == "flip" and kind in ("runs", "logs", "samples"), (kind, how)
        figures["corruption: reads answered wrong silently (doctor catches)"] += 1


def _doctor_names(home: Path, cli_home, victim: Path, kind: str, how: str  # type: ignore[no-untyped-def]
                  ) -> str | None:
    """Doctor's finding for the damage; returns its fix command (None: nothing to fix)."""
    report = cli_home(home, "doctor", "--format", "json")
    findings = json.loads(report.stdout)["findings"]
    if kind == "snapshot" and report.exit_code == 0:
        return None  # the damaged snapshot no longer parses as current: never used
    assert report.exit_code == 1, report.stdout
    if kind == "commit" and how == "delete":
        # The lost runs commit leaves children without runs rows.
        mine = [f for f in findings if "no runs row" in f["what"]]
    else:
        mine = [f for f in findings if f["file"] == str(victim)]
    assert mine, (victim, findings)
    commands = re.findall(r"`(orcaops [^`]*)`", mine[0]["fix"])
    assert commands, mine[0]
    return commands[-1]


def test_compact_goes_on_around_a_damaged_file(home: Path, cli_home,  # type: ignore[no-untyped-def]
                                               figures: Counter[str]) -> None:
    """A flipped logs file: compact compacts every other partition, reports the file and
    exits 1, as often as it runs, instead of failing on it forever; after the file is
    dropped (or restored) compact is clean again."""
    recs = _build(home)
    fresh(home).import_records(records("cc", 12))  # a second file in every partition
    victim = _victim(home, "logs")
    _damage(victim, "flip", SEED)
    figures["faults injected"] += 1
    compacted = []
    for _ in range(2):
        done = cli_home(home, "compact", "--format", "json")
        assert done.exit_code == 1 and "Traceback" not in done.stderr
        assert f"warning: {victim}" in done.stderr and "--drop-damaged" in done.stderr
        report = json.loads(done.stdout)
        day = victim.parent.name.removeprefix("day=")
        assert report["tables"]["logs"]["partitions_skipped"] == [day]
        compacted.append((report["tables"]["logs"]["partitions_compacted"],
                          report["tables"]["runs"]["partitions_compacted"]))
    assert compacted == [(3, 4), (0, 0)]  # the first did all it could, the second had no work
    dropped = cli_home(home, "recover", "--drop-damaged")
    assert dropped.exit_code == 0, dropped.stdout
    assert any(victim.name in p for p in json.loads(dropped.stdout)["set_aside"])
    assert cli_home(home, "compact").exit_code == 0
    fresh(home).import_records(recs + records("cc", 12), replace=True)
    check_invariants(fresh(home), expected_counts(recs + records("cc", 12)))


def test_every_data_file_has_a_recorded_checksum(home: Path) -> None:
    """Commits (imports, auto-compaction, compact, --replace) record each new file's
    checksum, so a flip that still decodes is caught; none is left to a decode check."""
    from orcaops.warehouse.integrity import load_seals

    recs = _build(home)
    fresh(home).import_records(recs[:6], replace=True)
    root = home / "warehouse"
    for table in ("runs", "logs", "samples"):
        _, seals = load_seals(root, table)
        files = _snapshot_files(home, table)
        assert files and all(str(f.relative_to(root / table)) in seals for f in files), table
    checkpoint = _victim(home, "checkpoint")
    assert f"_delta_log/{checkpoint.name}" in load_seals(root, "runs")[1]
