"""The commit protocol on real Delta tables: visibility, idempotency, replace, crash cleanup."""

from __future__ import annotations

import json

import polars as pl

import orcaops
from orcaops.ingest.records import parse_record
from orcaops.warehouse.rows import RunBatch
from tests.conftest import make_run


def test_empty_warehouse_answers_queries(wh):
    assert wh.sql("select count(*) n from runs")["n"][0] == 0
    assert wh.sql("select count(*) n from logs")["n"][0] == 0
    assert wh.samples.__call__  # method exists
    assert set(wh.sql("select * from samples").columns) >= {"job_id", "ts", "cpu_percent"}


def test_import_then_reimport_duplicates_nothing(wh):
    recs = [make_run(f"j{i}", samples=[{"ts": "2026-11-18T10:00:01Z", "cpu_percent": 5.0}])
            for i in range(20)]
    first = wh.import_records(recs)
    again = wh.import_records(recs)
    assert (first.imported, first.skipped) == (20, 0)
    assert (again.imported, again.skipped) == (0, 20)
    counts = wh.sql("select count(*) n, count(distinct job_id) d from runs").row(0)
    assert counts == (20, 20)
    assert wh.sql("select count(*) n from samples")["n"][0] == 20


def test_duplicate_job_id_inside_one_input_is_skipped(wh):
    report = wh.import_records([make_run("a"), make_run("a", status="failed")])
    assert (report.imported, report.skipped) == (1, 1)
    assert wh.run("a")["status"] == "success"


def test_replace_overwrites_run_and_children_atomically(wh):
    wh.import_records([make_run("a", samples=[{"ts": "2026-11-18T10:00:01Z"}] * 3)])
    report = wh.import_records(
        [make_run("a", status="failed", exit_code=3,
                  samples=[{"ts": "2026-11-18T10:00:02Z"}])], replace=True)
    assert report.replaced == 1
    assert wh.sql("select status, exit_code from runs").rows() == [("failed", 3)]
    assert wh.sql("select count(*) n from samples")["n"][0] == 1


def test_replace_may_move_a_run_to_another_day(wh):
    wh.import_records([make_run("a")])
    wh.import_records([make_run("a", started_at="2026-10-01T00:00:00Z",
                                finished_at="2026-10-01T00:00:05Z")], replace=True)
    assert wh.sql("select day::VARCHAR d from runs").rows() == [("2026-10-01",)]


def test_crash_between_children_and_runs_row_leaves_nothing_visible(wh):
    """Simulate a writer killed after committing samples but before the runs row."""
    item = parse_record(make_run("crashed", samples=[{"ts": "2026-11-18T10:00:01Z"}]))
    batch = RunBatch()
    batch.add(item.run, None, item.samples)
    tables = batch.tables("w-crashed")
    wh.writer._journal(["crashed"], "w-crashed", False)
    wh.tables.append("samples", tables["samples"])
    # The orphan is invisible through the views...
    assert wh.sql("select count(*) n from samples")["n"][0] == 0
    assert wh.sql("select count(*) n from samples_all")["n"][0] == 1
    # ...and a retried import writes the run exactly once, removing the orphan first.
    report = wh.import_records([make_run("crashed", samples=[{"ts": "2026-11-18T10:00:01Z"}])])
    assert report.imported == 1
    assert wh.sql("select count(*) n from samples_all")["n"][0] == 1
    assert not list((wh.tables.root / "_pending").glob("*.json"))


def test_recover_removes_orphans_of_an_interrupted_commit(wh):
    item = parse_record(make_run("half", samples=[{"ts": "2026-11-18T10:00:01Z"}]))
    batch = RunBatch()
    batch.add(item.run, None, item.samples)
    wh.writer._journal(["half"], "w-half", False)
    wh.tables.append("samples", batch.tables("w-half")["samples"])
    assert any("interrupted" in p for p in wh.doctor()["problems"])
    assert wh.recover()["orphans_removed"] == 1
    assert wh.sql("select count(*) n from samples_all")["n"][0] == 0


def test_automatic_compaction_bounds_small_files(home):
    wh = orcaops.open(home, compact_min_files=4)
    for i in range(10):
        wh.import_records([make_run(f"r{i}")])
    counts = wh.tables.partition_file_counts("runs")
    assert counts["2026-11-18"] < 4
    assert wh.sql("select count(*) n from runs")["n"][0] == 10


def test_compact_keeps_results_identical(wh):
    for i in range(6):
        wh.import_records([make_run(f"r{i}", started_at=f"2026-11-1{i}T10:00:00Z",
                                    finished_at=f"2026-11-1{i}T10:00:09Z")])
        wh.import_records([make_run(f"s{i}", started_at=f"2026-11-1{i}T11:00:00Z",
                                    finished_at=f"2026-11-1{i}T11:00:09Z")])
    before = wh.sql("select * exclude (recorded_at) from runs order by job_id")
    report = wh.compact()
    after = wh.sql("select * exclude (recorded_at) from runs order by job_id")
    assert report["tables"]["runs"]["files_merged"] >= 12
    assert report["tables"]["runs"]["files_after"] == 6
    assert before.equals(after)


def test_long_lived_warehouse_sees_commits_of_another_handle(home):
    reader = orcaops.open(home)
    assert reader.sql("select count(*) n from runs")["n"][0] == 0
    orcaops.open(home).import_records([make_run("x")])
    assert reader.sql("select count(*) n from runs")["n"][0] == 1


def test_json_columns_round_trip(wh):
    wh.import_records([make_run("m", metadata={"branch": "main", "n": 3},
                                environment={"image_digest": "sha256:ab", "env": {"CI": "1"}})])
    row = wh.run("m")
    assert json.loads(row["metadata"]) == {"branch": "main", "n": 3}
    assert row["image_digest"] == "sha256:ab"
    assert json.loads(row["environment"])["env"] == {"CI": "1"}


def test_derived_columns(wh):
    wh.import_records([make_run("d", queued_at="2026-11-18T09:59:50Z", command=["pytest", "-q"])])
    row = wh.run("d")
    assert row["duration_s"] == 60.0
    assert row["queue_wait_s"] == 10.0
    assert row["command"] == "pytest -q"
    assert row["argv"] == ["pytest", "-q"]
    assert row["baseline_key"] == f"python:3.11|{row['command_hash']}"
    same = orcaops.core.models.hash_command("pytest   -q")
    assert row["command_hash"] == same


def test_job_id_prefix_lookup_and_errors(wh):
    wh.import_records([make_run("abc-1"), make_run("abc-2"), make_run("xyz")])
    assert wh.run("xy")["job_id"] == "xyz"
    import pytest

    from orcaops.core.errors import InputError, NotFoundError
    with pytest.raises(InputError, match="several runs"):
        wh.run("abc")
    with pytest.raises(NotFoundError, match="no run with job id 'nope'"):
        wh.run("nope")


def test_frames_are_polars(wh):
    wh.import_records([make_run("p")])
    assert isinstance(wh.sql("select * from runs"), pl.DataFrame)
    assert wh.sql("select * from runs").to_arrow().num_rows == 1
