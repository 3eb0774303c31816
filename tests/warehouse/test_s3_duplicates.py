"""Runs stored twice on an ``s3://`` home, and their repair (``orcaops.warehouse.copies``).

Two machines importing the same run at once both append it; the later writer then deletes its
copy. Here the later writer is a real process that dies between its runs commit and that
delete (``os._exit`` where the delete would start), against moto's server: ``doctor`` must
report the two copies, and ``compact`` and ``recover`` keep the first commit's copy whole.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

import orcaops
from orcaops.warehouse.copies import (
    DOUBLED_FILE,
    doubled_sql,
    first_write,
    later_copies,
    load_doubled,
    runs_writes,
    save_doubled,
    without_later_sql,
)
from tests.conftest import invoke_cli
from tests.warehouse.test_s3_home import SAMPLES, _records, _write

# The later of two machines: it looked before the earlier one's commit landed (both found the
# runs absent), committed after it, and was killed before deleting its own copy.
KILLED = """
import os, sys, orcaops
from orcaops.warehouse import writer
writer.Writer.present = lambda self, ids: set()
writer.drop_copies = lambda *args, **kwargs: os._exit(9)
orcaops.open(sys.argv[1]).import_jsonl(sys.argv[2])
print("not killed")
"""


def _killed_import(s3, src: Path, cache: Path) -> None:
    env = {**os.environ, **s3.env(), "ORCAOPS_CACHE": str(cache)}
    done = subprocess.run([sys.executable, "-c", KILLED, s3.home, str(src)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 9, done.stdout + done.stderr


def _writes(wh, table: str) -> dict[str, int]:
    rows = wh.frame(f"select write_id, count(*) n from {table} group by 1").rows()
    return dict(rows)


def _doubled(s3, tmp_path: Path, prefix: str, n: int) -> tuple[str, str]:
    """``n`` runs imported here, then again by a writer killed before removing its copy;
    returns (the first write id, the killed writer's)."""
    src = _write(tmp_path / f"{prefix}.jsonl", _records(prefix, n))
    wh = orcaops.open(s3.home)
    assert wh.import_jsonl(src).imported == n
    (first,) = _writes(wh, "runs_all")  # one batch, one write
    _killed_import(s3, src, tmp_path / "killed")
    fresh = orcaops.open(s3.home)
    stored = runs_writes(fresh.tables)  # the table itself: both copies stayed
    assert sorted(stored) == [f"{prefix}-{i}" for i in range(n)]
    (later,) = {w for writes in stored.values() for w in writes} - {first}
    assert all(sorted(writes) == sorted([first, later]) for writes in stored.values())
    assert _writes(fresh, "samples_all")[later] == n * SAMPLES
    # What a journal's cleanup takes for the visible row: the first copy, as readers show.
    assert fresh.writer.current_writes(sorted(stored)) == {j: first for j in stored}
    _seen_once(fresh, s3, prefix, n, first)  # readers already show the first copy alone
    return first, later


def _seen_once(wh, s3, prefix: str, n: int, kept: str) -> None:
    """Readers show one copy of each run, the first, with its own children."""
    runs = wh.frame(f"select job_id, write_id from runs_all where job_id like '{prefix}-%'")
    assert runs.height == n and set(runs["write_id"]) == {kept}
    assert wh.frame(f"select count(*) n from samples where job_id like '{prefix}-%'"
                    )["n"][0] == n * SAMPLES
    assert wh.frame(f"select count(*) n from logs where job_id like '{prefix}-%'"
                    )["n"][0] == n
    found = _search(s3, "status:failed")
    assert [r["job_id"] for r in found if r["job_id"].startswith(prefix)] == [f"{prefix}-0"]


def _check_one_copy(s3, prefix: str, n: int, kept: str, later: str) -> None:
    """One copy stored, the first, with all its children; the later one's are gone."""
    wh = orcaops.open(s3.home)
    stored = runs_writes(wh.tables, [f"{prefix}-{i}" for i in range(n)])
    assert stored == {f"{prefix}-{i}": [kept] for i in range(n)}
    for table, per_run in (("logs_all", 1), ("samples_all", SAMPLES)):
        got = wh.frame(f"select write_id, count(*) n from {table} "
                       f"where job_id like '{prefix}-%' group by 1").rows()
        assert got == [(kept, n * per_run)], table
    _seen_once(wh, s3, prefix, n, kept)


def _search(s3, query: str) -> list[dict]:
    """A cold CLI search, as another process would run it."""
    env = {**os.environ, **s3.env(), "ORCAOPS_CACHE": str(s3.cache)}
    done = subprocess.run([sys.executable, "-m", "orcaops", "--home", s3.home, "runs",
                           "search", query, "--format", "json"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["runs"]


def test_the_rule_keeps_the_copy_committed_first() -> None:
    versions = {"b": 7, "a": 9}
    assert first_write(["a", "b"], versions) == "b"
    # A write no longer in the history is older than every write still there.
    assert first_write(["a", "gone"], versions) == "gone"
    assert first_write(["y", "x"], {}) == "x"  # both gone: the same pick everywhere
    copies = {"r-1": ["a", "b"], "r-2": ["b", "c", "a"], "r-3": ["a"], "r-4": [None, "a"]}
    assert later_copies(copies, {"a": 3, "b": 2, "c": 1}) == {
        "a": ["r-1", "r-2", "r-4"], "b": ["r-2"]}


def test_readers_leave_out_the_later_copies() -> None:
    con = duckdb.connect()
    con.execute("create table t as select * from (values ('r-1', 'a'), ('r-1', 'b'), "
                "('r-2', 'b'), ('r-3', NULL)) v(job_id, write_id)")
    sql = without_later_sql("select * from t", {"r-1": ["a", "b"]}, {"a": 5, "b": 4})
    assert con.execute(f"select * from ({sql}) order by all").fetchall() == [
        ("r-1", "b"), ("r-2", "b"), ("r-3", None)]
    assert without_later_sql("select * from t", {}, {}) == "select * from t"
    ((job_id, writes),) = con.execute(doubled_sql("select * from t")).fetchall()
    assert job_id == "r-1" and sorted(writes) == ["a", "b"]


def test_what_is_doubled_is_remembered_per_set_of_runs_files(tmp_path) -> None:
    files = ("s3://b/runs/day=2026-11-18/a.parquet", "s3://b/runs/day=2026-11-18/b.parquet")
    assert load_doubled(tmp_path, files) is None
    save_doubled(tmp_path, files, {"r-1": ["a", "b"]})
    assert load_doubled(tmp_path, tuple(reversed(files))) == {"r-1": ["a", "b"]}
    assert load_doubled(tmp_path, files[:1]) is None  # another snapshot: looked up again
    (tmp_path / DOUBLED_FILE).write_text("{not json", encoding="utf-8")
    assert load_doubled(tmp_path, files) is None


def test_compact_keeps_the_first_copy_of_a_run_a_killed_writer_left_twice(
        s3, tmp_path, monkeypatch):
    kept, later = _doubled(s3, tmp_path, "d", 4)

    def cli(*args: str):
        return invoke_cli(monkeypatch, s3.home, *args)  # type: ignore[arg-type]

    before = cli("doctor", "--format", "json")
    assert before.exit_code == 1
    (found,) = [f for f in json.loads(before.stdout)["findings"] if "more than once" in f["what"]]
    assert found["what"].startswith("4 run(s) are stored more than once (d-0, d-1, d-2, …)")
    assert found["fix"].startswith("`orcaops recover`")
    compacted = cli("compact", "--format", "json")
    assert compacted.exit_code == 0, compacted.stderr
    assert json.loads(compacted.stdout)["duplicates_removed"] == 4
    _check_one_copy(s3, "d", 4, kept, later)
    after = cli("doctor", "--format", "json")
    assert after.exit_code == 0, after.stdout
    again = cli("compact", "--format", "json")
    assert json.loads(again.stdout)["duplicates_removed"] == 0


def test_recover_on_the_killed_machine_finishes_its_commit_and_drops_its_copy(s3, tmp_path):
    kept, later = _doubled(s3, tmp_path, "k", 3)
    env = {**os.environ, **s3.env(), "ORCAOPS_CACHE": str(tmp_path / "killed")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "orcaops", "--home", s3.home, *args],
                              env=env, capture_output=True, text=True, timeout=300)

    before = cli("doctor", "--format", "json")
    assert before.returncode == 1
    whats = [f["what"] for f in json.loads(before.stdout)["findings"]]
    assert any("interrupted commit" in w for w in whats)
    assert any(w.startswith("3 run(s) are stored more than once") for w in whats)
    recovered = cli("recover")
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    report = json.loads(recovered.stdout)
    assert report["duplicates_removed"] == 3 and report["orphans_removed"] == 0
    _check_one_copy(s3, "k", 3, kept, later)
    after = cli("doctor", "--format", "json")
    assert after.returncode == 0, after.stdout


def test_a_machine_committing_between_the_two_looks_leaves_the_first_copy(
        s3, tmp_path, monkeypatch):
    """The later writer of a race commits while the first one, its own commit made, looks
    for other copies: the first copy must stay (both deleting their own lost every run)."""
    src = _write(tmp_path / "race.jsonl", _records("m", 4))
    wh = orcaops.open(s3.home)
    real = type(wh.tables).commit_versions
    raced = []

    def other_machine_commits_meanwhile(self, name, within=None):
        versions = real(self, name, within)
        if not raced:  # the other machine's commit lands, and it dies before its delete
            raced.append(True)
            _killed_import(s3, src, tmp_path / "other")
        return versions

    monkeypatch.setattr(type(wh.tables), "commit_versions", other_machine_commits_meanwhile)
    assert wh.import_jsonl(src).imported == 4 and raced
    monkeypatch.setattr(type(wh.tables), "commit_versions", real)
    fresh = orcaops.open(s3.home)
    (first,) = _writes(fresh, "runs_all")  # readers see one copy
    stored = runs_writes(fresh.tables)
    assert sorted(stored) == [f"m-{i}" for i in range(4)]  # the other copy waits for repair
    assert all(first in writes and len(writes) == 2 for writes in stored.values())
    _seen_once(fresh, s3, "m", 4, first)
    assert json.loads(invoke_cli(monkeypatch, s3.home, "compact", "--format", "json").stdout
                      )["duplicates_removed"] == 4
    _check_one_copy(s3, "m", 4, first, "")
