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

import orcaops
from orcaops.warehouse.copies import first_write, later_copies
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
    counts = fresh.frame(f"select count(*) n, count(distinct job_id) d from runs_all "
                         f"where job_id like '{prefix}-%'").row(0)
    assert counts == (2 * n, n)  # both copies stayed
    (later,) = set(_writes(fresh, "runs_all")) - {first}
    assert _writes(fresh, "samples_all")[later] == n * SAMPLES
    return first, later


def _check_one_copy(s3, prefix: str, n: int, kept: str, later: str) -> None:
    wh = orcaops.open(s3.home)
    runs = wh.frame(f"select job_id, write_id from runs_all where job_id like '{prefix}-%'")
    assert runs.height == n and set(runs["write_id"]) == {kept}
    for table, per_run in (("logs_all", 1), ("samples_all", SAMPLES)):
        got = wh.frame(f"select write_id, count(*) n from {table} "
                       f"where job_id like '{prefix}-%' group by 1").rows()
        assert got == [(kept, n * per_run)], table  # the later copy's children are gone too
    assert later not in _writes(wh, "runs_all")
    found = _search(s3, "status:failed")
    assert [r["job_id"] for r in found if r["job_id"].startswith(prefix)] == [f"{prefix}-0"]


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
