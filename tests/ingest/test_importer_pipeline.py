"""The pipelined import (parse worker process, chunks, background commits) stores exactly
what the sequential import does, and survives its worker dying."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

import orcaops
import orcaops.ingest.importer as importer_module
from orcaops.demo.history import DemoHistory
from orcaops.ingest.importer import Importer
from orcaops.logs import RunLines, parse_run_logs
from orcaops.logs.worker import ParseWorker

NOW = datetime(2026, 11, 20, tzinfo=timezone.utc)


def _records(n: int = 240) -> list[dict]:
    recs = list(DemoHistory(runs=n, seed=3, now=NOW).records())
    # A job imported twice in one input: with replace, the later copy wins across batches.
    recs.append(dict(recs[5], status="failed", exit_code=2, logs=[{"line": "ERROR: again"}]))
    return recs


def _tables(home: Path) -> dict[str, pl.DataFrame]:
    wh = orcaops.open(home)
    return {"runs": wh.sql("select * exclude (recorded_at) from runs order by job_id"),
            "logs": wh.sql("select * from logs order by job_id, line_number"),
            "samples": wh.sql("select * from samples order by all")}


def _import(home: Path, recs: list[dict], **options) -> Importer:
    importer = Importer(orcaops.open(home).writer, replace=True, **options)
    for rec in recs:
        importer.feed(dict(rec))
    importer.flush()
    importer.close()
    assert not importer.report.errors
    return importer


def test_pipelined_import_equals_sequential(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(importer_module, "WORKER_AFTER_LINES", 0)
    recs = _records()
    _import(tmp_path / "seq", recs, parse_worker=False, batch_runs=10_000)
    # The importer takes back chunks the worker has not started (it may still be starting):
    # not here, so every chunk handed to the worker is parsed there.
    monkeypatch.setattr(ParseWorker, "take_back", lambda self, job: False)
    piped = _import(tmp_path / "piped", recs, parse_worker=True, chunk_lines=100,
                    batch_runs=60)
    assert piped.worker_chunks >= 3  # the worker really parsed some of the runs
    assert piped.report.imported == len(recs) - 1 and piped.report.replaced == 1
    seq, got = _tables(tmp_path / "seq"), _tables(tmp_path / "piped")
    for name in ("runs", "logs", "samples"):
        assert got[name].equals(seq[name]), name
    assert seq["logs"].height > 1000


def test_a_killed_worker_leaves_parsing_to_the_importer(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(importer_module, "WORKER_AFTER_LINES", 0)
    recs = _records(120)
    _import(tmp_path / "seq", recs, parse_worker=False)
    importer = Importer(orcaops.open(tmp_path / "piped").writer, replace=True,
                        parse_worker=True, chunk_lines=50, batch_runs=10_000)
    for rec in recs[:40]:
        importer.feed(dict(rec))
    worker = importer._worker
    assert worker is not None
    worker._proc.kill()
    worker._proc.wait()
    # The child may have answered a chunk or two before it died (how many depends on the
    # machine's speed): those count as its work, every later one is parsed here.
    before = [chunk.job for chunk in importer._chunks if chunk.job is not None]
    for rec in recs[40:]:
        importer.feed(dict(rec))
    importer.flush()
    answered = sum(job.state == "done" for job in before)
    assert not worker.alive and importer.worker_chunks == answered
    importer.close()
    assert importer.report.imported == len(recs) - 1
    assert _tables(tmp_path / "piped")["logs"].equals(_tables(tmp_path / "seq")["logs"])


def test_worker_answers_what_parse_run_logs_gives_and_gives_back_unsent_chunks() -> None:
    runs = [RunLines(["step 1", "ERROR: db down", "Traceback (most recent call last):",
                      '  File "/x.py", line 1, in f', "ValueError: boom", "token=abc123 x"],
                     status="failed", exit_code=1, secrets=("abc123",)),
            RunLines(["081109 203615 148 INFO dfs.DataNode: ok", '{"level":"warn","msg":"m"}'])]
    worker = ParseWorker()
    try:
        first, second = worker.submit(runs), worker.submit(runs[1:])
        taken = worker.take_back(second)  # not sent yet unless the child already answered
        got = worker.result(first)
        assert got is not None
        assert [dataclasses.asdict(x) for x in got] == [
            dataclasses.asdict(x) for x in parse_run_logs(runs)]
        if not taken:
            assert worker.result(second) is not None
        assert worker.take_back(first) is False  # answered: nothing to take back
    finally:
        worker.close()
    assert not worker.alive and worker.submit(runs).state == "failed"


def test_a_small_import_starts_no_worker(tmp_path: Path) -> None:
    importer = Importer(orcaops.open(tmp_path).writer, parse_worker=True, chunk_lines=50)
    for rec in _records(60):
        importer.feed(dict(rec))
    assert importer._worker is None  # under WORKER_AFTER_LINES: parsed here, in one pass
    importer.flush()
    importer.close()
    assert importer.report.imported == 60
