"""An import leaves one file per day partition of runs, samples and tests (not one per commit),
so a fresh import reads like a compacted one; what it stored is unchanged by the merge."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

import orcaops
from orcaops.demo.history import DemoHistory
from orcaops.ingest.importer import Importer
from tests.conftest import NOW


def _files_per_day(wh, name: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return wh.tables.partition_file_counts(name)


def _stored(wh) -> dict[str, pl.DataFrame]:  # type: ignore[no-untyped-def]
    return {"runs": wh.sql("select * exclude (recorded_at) from runs order by job_id"),
            "logs": wh.sql("select * from logs order by job_id, line_number"),
            "samples": wh.sql("select * from samples order by all"),
            "tests": wh.sql("select * from test_results order by all")}


def _import(home: Path, recs: list[dict], batch_runs: int):  # type: ignore[no-untyped-def]
    wh = orcaops.open(home)
    importer = Importer(wh.writer, batch_runs=batch_runs, parse_worker=False)
    source = home.parent / f"{home.name}.jsonl"
    source.write_text("".join(json.dumps(r, default=str) + "\n" for r in recs))
    from orcaops.ingest.importer import read_lines

    report = importer.run(read_lines(str(source)))
    assert not report.errors and not report.warnings
    return wh, report


def test_an_import_in_many_commits_leaves_one_file_per_day(tmp_path: Path) -> None:
    recs = list(DemoHistory(runs=120, seed=4, now=NOW, days=3).records())
    wh, report = _import(tmp_path / "many", recs, batch_runs=20)  # six commits
    assert report.imported == 120 and report.files_merged > 0
    for name in ("runs", "samples", "tests"):
        counts = _files_per_day(wh, name)
        assert counts and set(counts.values()) == {1}, (name, counts)
    assert max(_files_per_day(wh, "logs").values()) > 1  # left to `orcaops compact`
    one, _ = _import(tmp_path / "one", recs, batch_runs=10_000)  # one commit, nothing merged
    for name, frame in _stored(one).items():
        assert _stored(wh)[name].equals(frame), name
    assert wh.runs("status:failed").height == one.runs("status:failed").height > 0


def test_a_one_commit_import_merges_nothing(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    recs = list(DemoHistory(runs=6, seed=2, now=NOW, days=1).records())
    for n, rec in enumerate(recs):  # six imports of one run each: one file each per day
        path = tmp_path / f"r{n}.jsonl"
        path.write_text(json.dumps(rec, default=str) + "\n")
        got = cli("import", str(path), "-f", "json")
        assert got.exit_code == 0, got.stderr
        assert json.loads(got.stdout)["files_merged"] == 0
    wh = orcaops.open(tmp_path / "home")
    assert sum(_files_per_day(wh, "runs").values()) == 6  # auto-compaction bounds these
