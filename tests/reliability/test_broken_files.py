"""A data file of a committed table is deleted or truncated behind the warehouse's back.

What OrcaOps does about it (the honest behaviour, documented in docs/ARCHITECTURE.md):
``orcaops doctor`` names the file; a read that needs the broken table fails with a clear
``WarehouseError`` (CLI exit 1) naming the file, never with a silently shorter answer (that
would show runs without their logs); reads of the other tables go on; an import, which must
read ``runs`` to keep job ids unique, refuses rather than risk a duplicate. The rows of a
lost file cannot be recovered from the warehouse itself; restoring the file repairs it.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from reliability_kit import check_invariants, expected_counts, fresh, records

from orcaops.core.errors import WarehouseError

pytestmark = pytest.mark.reliability


def _break(path: Path, how: str) -> None:
    if how == "missing":
        path.unlink()
    else:
        with open(path, "r+b") as f:
            f.truncate(path.stat().st_size // 2)


def _one_file(home: Path, table: str, day: str) -> Path:
    files = sorted((home / "warehouse" / table / f"day={day}").glob("*.parquet"))
    assert files, (table, day)
    return files[0]


@pytest.mark.parametrize("how", ["missing", "truncated"])
@pytest.mark.parametrize("table", ["logs", "samples"])
def test_broken_child_file(home: Path, cli, table: str, how: str,  # type: ignore[no-untyped-def]
                           figures: Counter[str]) -> None:
    """doctor names the file; logs/samples reads fail clearly; runs reads continue."""
    recs = records("bf", 12)
    fresh(home).import_records(recs)
    wh = fresh(home)
    before = wh.search("tag:rel", limit=None)
    victim = _one_file(home, table, "2026-11-11")
    backup = victim.with_suffix(".bak")
    shutil.copy(victim, backup)
    _break(victim, how)
    figures["faults injected"] += 1
    figures["broken files: data files deleted or truncated"] += 1

    doctor = cli("doctor", "--format", "json")
    assert doctor.exit_code == 1  # problems found
    assert any(victim.name in p for p in json.loads(doctor.stdout)["problems"])

    wh = fresh(home)
    after = wh.search("tag:rel", limit=None)  # runs only: unaffected
    assert after.total == before.total == 12
    assert after.runs["job_id"].to_list() == before.runs["job_id"].to_list()
    with pytest.raises(WarehouseError, match=f"the {table} table has a missing or corrupt"):
        wh.sql(f"SELECT count(*) FROM {table}")
    with pytest.raises(WarehouseError, match=victim.name):
        # A query that filters to one run must not answer "no rows": that run has rows.
        wh.sql(f"SELECT * FROM {table} WHERE job_id = ?", ["bf-0001"])
    searched = cli("runs", "search", "tag:rel", "--format", "json")
    assert searched.exit_code == 0 and json.loads(searched.stdout)["total"] == 12
    shown = cli("runs", "logs", "bf-0001") if table == "logs" else cli(
        "sql", "select count(*) from samples")
    assert shown.exit_code == 1 and "Traceback" not in shown.stderr
    assert shown.stderr.startswith("error: ") and "orcaops doctor" in shown.stderr

    shutil.move(backup, victim)  # restoring the file repairs the warehouse
    check_invariants(fresh(home), expected_counts(recs))


@pytest.mark.parametrize("how", ["missing", "truncated"])
def test_broken_runs_file_stops_imports_not_doctor(home: Path, cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                   how: str, figures: Counter[str]) -> None:
    """A broken ``runs`` file: doctor names it; an import exits 1 with a clear message
    (not a DuckDB traceback) because it cannot tell which job ids are already stored."""
    fresh(home).import_records(records("br", 8))
    victim = _one_file(home, "runs", "2026-11-12")
    _break(victim, how)
    figures["faults injected"] += 1
    figures["broken files: data files deleted or truncated"] += 1
    doctor = cli("doctor", "--format", "json")
    assert any(victim.name in p for p in json.loads(doctor.stdout)["problems"])
    src = tmp_path / "more.jsonl"
    src.write_text(json.dumps({"job_id": "br-new", "status": "success"}) + "\n")
    done = cli("import", str(src))
    assert done.exit_code == 1, (done.stdout, done.stderr)
    assert done.stderr.startswith("error: ") and "orcaops doctor" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("how", ["missing", "truncated"])
@pytest.mark.parametrize("position", [0, -1])
def test_every_file_of_a_table_is_checked(home: Path, how: str, position: int) -> None:
    """DuckDB binds a scan with the first file's footer only: a broken file anywhere in the
    snapshot's list, not just the first, still makes the table's reads fail clearly."""
    fresh(home).import_records(records("ev", 12))
    wh = fresh(home)
    wh.reader.refresh()
    files = wh.reader.files["logs"]
    assert len(files) > 1
    victim = Path(files[position].removeprefix("file://"))
    _break(victim, how)
    wh = fresh(home)
    with pytest.raises(WarehouseError, match=victim.name):
        wh.sql("SELECT count(*) FROM logs")
    assert wh.search("tag:rel", limit=None).total == 12
