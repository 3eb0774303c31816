"""A saved or held snapshot is never served once a table has moved, even when the log
entries after it were cleaned up behind a checkpoint (issue 20, item 2)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import orcaops
from orcaops.warehouse.connection import open_reader
from orcaops.warehouse.snapshot import SNAPSHOT_FILE, is_current, load_snapshot
from tests.conftest import make_run


def _runs(prefix: str, n: int) -> list[dict]:
    return [make_run(f"{prefix}-{i:03d}", logs=[{"ts": "2026-11-18T10:00:00Z", "line": "x"}])
            for i in range(n)]


def _age_delta_logs(warehouse: Path, seconds: float) -> None:
    """Make every Delta log entry look ``seconds`` old, past the 1-hour log retention."""
    old = time.time() - seconds
    for entry in warehouse.glob("*/_delta_log/*.json"):
        os.utime(entry, (old, old))


def _count(reader) -> int:  # type: ignore[no-untyped-def]
    return int(reader.rows("SELECT count(*) FROM runs")[0][0])


def test_cleaned_log_entries_do_not_hide_newer_commits(home: Path) -> None:
    wh = orcaops.open(home)
    wh.import_records(_runs("a", 30))
    held = orcaops.open(home)  # a long-lived reader, as a server keeps one
    assert _count(open_reader(home)) == 30 and _count(held.reader) == 30
    root = home / "warehouse"
    assert (root / SNAPSHOT_FILE).exists()
    orcaops.open(home).import_records(_runs("b", 30))
    for _ in range(2):  # checkpoint, then clean the entries the saved versions would stat
        _age_delta_logs(root, 2 * 3600)
        orcaops.open(home).compact()
    _age_delta_logs(root, 2 * 3600)
    orcaops.open(home).compact()
    assert _count(open_reader(home)) == 60
    assert _count(held.reader) == 60
    assert _count(orcaops.open(home).reader) == 60


def test_is_current_sees_a_version_past_the_last_checkpoint(home: Path) -> None:
    wh = orcaops.open(home)
    wh.import_records(_runs("a", 3))
    root = home / "warehouse"
    snap = load_snapshot(root)
    assert snap is None or is_current(root, snap.versions)
    versions = {n: 0 for n in ("runs", "logs", "samples", "actions")}
    wh.import_records(_runs("b", 3))
    _age_delta_logs(root, 2 * 3600)
    wh.compact()
    # The entries after version 0 may be gone; the checkpoint still says the tables moved.
    assert not is_current(root, versions)


def test_a_snapshot_changed_on_disk_is_not_used(home: Path) -> None:
    """A saved snapshot that still parses but lost a file (damage on disk) hides no run."""
    import json

    wh = orcaops.open(home)
    wh.import_records(_runs("a", 10))
    wh.import_records([make_run(f"c-{i}", started_at="2026-11-10T10:00:00Z",
                                finished_at="2026-11-10T10:01:00Z") for i in range(5)])
    assert _count(open_reader(home)) == 15
    path = home / "warehouse" / SNAPSHOT_FILE
    doc = json.loads(path.read_text())
    doc["tables"]["runs"]["files"] = doc["tables"]["runs"]["files"][:1]  # valid, but wrong
    path.write_text(json.dumps(doc))
    assert load_snapshot(home / "warehouse") is None
    assert _count(open_reader(home)) == 15
