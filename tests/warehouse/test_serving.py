"""The serving copy (``orcaops.warehouse.serving``): runs read from a native DuckDB table that
always holds exactly the reader's runs version, or is not used at all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from polars.testing import assert_frame_equal

import orcaops
from orcaops.core.errors import InputError
from orcaops.warehouse import serving
from orcaops.warehouse.connection import Reader, open_reader
from tests.conftest import make_run

QUERIES = ["", "status:failed", "image:node* duration:>30", "tag:nightly OR exit:2",
           "after:2026-11-17 before:2026-11-19T12:00:00Z", "log:boom"]


def _runs(prefix: str, n: int, day: int = 18, **fields) -> list[dict]:
    return [make_run(f"{prefix}-{i:03d}", status="failed" if i % 3 == 0 else "success",
                     image="node:20" if i % 2 else "python:3.11", tags=["nightly"] if i % 5
                     else ["ci"], exit_code=i % 4,
                     started_at=f"2026-11-{day:02d}T{i % 24:02d}:00:00Z",
                     finished_at=f"2026-11-{day:02d}T{i % 24:02d}:00:{10 + i % 50:02d}Z",
                     logs=[{"ts": f"2026-11-{day:02d}T10:00:00Z", "line": f"boom {i}"}],
                     tests=[{"name": f"test_{k}", "classname": "t",
                             "status": "failed" if (i + k) % 4 == 0 else "passed"}
                            for k in range(i % 3)],
                     **fields)
            for i in range(n)]


def _from_copy(reader: Reader) -> bool:
    """Whether the reader's runs and tests views read the attached copy (both or neither)."""
    reader.rows("SELECT count(*) FROM tests")  # a lazy reader makes the other views now
    sql = dict(reader.rows("SELECT view_name, sql FROM duckdb_views() "
                           "WHERE view_name IN ('runs_all', 'tests_all')"))
    served = {name for name in ("runs", "tests")
              if f"{serving.CATALOG}.{name}" in sql[f"{name}_all"]}
    assert served in (set(), {"runs", "tests"})
    return bool(served)


def _same_answers(home: Path) -> None:
    """Every query answers the same through the copy as over the Parquet files."""
    copy, files = orcaops.open(home), orcaops.open(home)
    files._reader = Reader(files.tables, serving_copy=False)
    for query in QUERIES:
        want = files.search(query, limit=None)
        got = copy.search(query, limit=None)
        assert got.total == want.total, query
        assert_frame_equal(got.runs, want.runs)
    assert _from_copy(copy.reader) and not _from_copy(files.reader)
    for every in ("SELECT * FROM runs ORDER BY job_id",
                  "SELECT * FROM tests ORDER BY job_id, name",
                  "SELECT * FROM run_test_outcomes ORDER BY job_id, name"):
        assert_frame_equal(copy.frame(every), files.frame(every))
    assert copy.frame("SELECT * FROM tests").height > 0


def _copy_files(home: Path) -> set[str]:
    con = duckdb.connect(str(serving.serving_path(home / "warehouse")), read_only=True)
    try:
        return {f for (f,) in con.execute("SELECT file FROM files WHERE name = 'runs'")
                .fetchall()}
    finally:
        con.close()


def test_searches_read_the_copy_and_answer_as_the_files_do(home: Path) -> None:
    wh = orcaops.open(home)
    wh.import_records(_runs("a", 40))
    _same_answers(home)
    assert serving.serving_path(home / "warehouse").exists()


def test_each_commit_is_taken_in_by_file_and_compaction_replaces_the_files(home: Path
                                                                           ) -> None:
    wh = orcaops.open(home)
    for day in (16, 17, 18):
        wh.import_records(_runs(f"d{day}", 12, day=day))
        assert wh.search("", limit=None).total == 12 * (day - 15)
        assert _from_copy(wh.reader)
    before = _copy_files(home)
    assert before == set(wh.reader.files["runs"]) and len(before) == 3
    wh.import_records(_runs("more", 5, day=18))  # a second file in the 18th's partition
    assert wh.search("", limit=None).total == 41
    wh.compact()
    assert wh.search("", limit=None).total == 41
    after = _copy_files(home)
    assert after == set(wh.reader.files["runs"]) and len(after) == 3 and after != before
    _same_answers(home)


def test_a_replaced_run_shows_once_with_its_new_values(home: Path) -> None:
    wh = orcaops.open(home)
    wh.import_records(_runs("r", 10))
    assert wh.search("status:failed", limit=None).total == 4
    wh.import_records([make_run("r-001", status="failed", exit_code=9)], replace=True)
    found = wh.search("exit:9", limit=None)
    assert found.total == 1 and wh.search("", limit=None).total == 10
    assert wh.search("status:failed", limit=None).total == 5
    _same_answers(home)


HOLD = """
import sys, time, duckdb
con = duckdb.connect()
con.execute("ATTACH ? AS s (READ_ONLY)", [sys.argv[1]])
print("held", flush=True)
sys.stdin.readline()
"""


def test_a_copy_another_process_holds_is_not_used_until_it_can_be_brought_up(home: Path
                                                                               ) -> None:
    wh = orcaops.open(home)
    wh.import_records(_runs("a", 10))
    assert wh.search("", limit=None).total == 10 and _from_copy(wh.reader)
    path = serving.serving_path(home / "warehouse")
    other = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        orcaops.open(home).import_records(_runs("b", 7))
        # Behind, and not writable while the other process reads it: the files answer.
        fresh = open_reader(home)
        assert fresh.rows("SELECT count(*) FROM runs")[0][0] == 17
        assert not _from_copy(fresh)
        assert wh.search("", limit=None).total == 17 and not _from_copy(wh.reader)
    finally:
        other.communicate("\n", timeout=60)
    orcaops.open(home).import_records(_runs("c", 3))
    assert wh.search("", limit=None).total == 20 and _from_copy(wh.reader)
    _same_answers(home)


def _built_copy(home: Path, n: int) -> Path:
    """Import ``n`` runs, have a reader build the copy and let go of it; the copy's path."""
    orcaops.open(home).import_records(_runs("a", n))
    first = open_reader(home)
    assert first.rows("SELECT count(*) FROM runs")[0][0] == n and _from_copy(first)
    first.con.close()
    return serving.serving_path(home / "warehouse")


def test_a_damaged_copy_is_built_again(home: Path) -> None:
    path = _built_copy(home, 10)
    path.write_bytes(b"not a database" * 100)
    reader = open_reader(home)
    assert reader.rows("SELECT count(*) FROM runs")[0][0] == 10 and _from_copy(reader)
    _same_answers(home)


KILLED = """
import os, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("BEGIN TRANSACTION")
con.execute("DELETE FROM runs WHERE status = 'failed'")
con.execute("UPDATE state SET version = version + 1")
os._exit(9)  # killed mid-sync: nothing committed, the file still open
"""


def test_a_sync_killed_midway_leaves_the_copy_it_had(home: Path) -> None:
    path = _built_copy(home, 12)
    done = subprocess.run([sys.executable, "-c", KILLED, str(path)], check=False)
    assert done.returncode == 9
    reader = open_reader(home)
    assert reader.rows("SELECT count(*) FROM runs WHERE status = 'failed'")[0][0] == 4
    assert _from_copy(reader)
    _same_answers(home)


def test_read_only_sql_reads_the_copy_and_cannot_write_it(home: Path) -> None:
    wh = orcaops.open(home)
    wh.import_records(_runs("a", 12))
    files = orcaops.open(home)
    files._reader = Reader(files.tables, serving_copy=False)
    every = "SELECT * FROM runs ORDER BY job_id"
    assert_frame_equal(wh.sql(every), files.frame(every))
    views = wh.sql("SELECT view_name, sql FROM duckdb_views() WHERE view_name = 'runs_all'")
    assert f"{serving.CATALOG}.runs" in views["sql"][0]
    for attack in ("DELETE FROM serving.runs", "DETACH serving",
                   "EXPLAIN ANALYZE DELETE FROM serving.runs"):
        with pytest.raises(InputError, match="read-only"):
            wh.sql(attack)
    assert wh.sql("SELECT count(*) AS n FROM runs")["n"][0] == 12


def test_read_only_sql_over_a_copy_that_moved_on_reads_the_files(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Views written for one version of the copy are never used over another."""
    wh = orcaops.open(home)
    wh.import_records(_runs("a", 12))
    real = serving.attach

    def moved_on(con, root, tables, bring=True):  # type: ignore[no-untyped-def]
        return real(con, root, tables, bring) if bring else False

    monkeypatch.setattr(serving, "attach", moved_on)
    views = wh.sql("SELECT view_name, sql FROM duckdb_views() WHERE view_name = 'runs_all'")
    assert f"{serving.CATALOG}.runs" not in views["sql"][0]
    assert wh.sql("SELECT count(*) AS n FROM runs")["n"][0] == 12
