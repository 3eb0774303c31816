"""Repairs behind ``orcaops recover`` and ``orcaops compact``: rebuild what is derived, remove
orphans, and — only when asked (``--drop-damaged``) — set damaged files aside.

Derived data is rebuilt from the tables, never trusted: a checkpoint that does not decode is
rebuilt from the commit entries it summarises, ``_snapshot.json`` is dropped (the next read
saves a fresh one), the log index is rebuilt when a file of it fails its checksum. Lost data
is not invented: a damaged data file or a damaged last commit entry is moved to
``warehouse/_quarantine/`` and dropped from the table only with ``drop_damaged``, since its
rows are then gone (for ``runs``, their children become orphans and are removed too, so
importing those runs again stores each line once).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from orcaops.core.errors import WarehouseError
from orcaops.warehouse.health import (
    CHILD_TABLES,
    damaged_files,
    local_path,
    orphan_ids,
    pending_ids,
)
from orcaops.warehouse.integrity import (
    Problem,
    delta_log_problems,
    has_copy,
    restore_checkpoint,
    seal_files,
    seal_tables,
)
from orcaops.warehouse.snapshot import SNAPSHOT_FILE, TABLE_NAMES
from orcaops.warehouse.tables import DeltaTables
from orcaops.warehouse.upkeep import tally

QUARANTINE = "_quarantine"
RECOVER = "`orcaops recover`"
DROP = "`orcaops recover --drop-damaged`"


def set_aside(root: Path, path: Path) -> Path:
    """Move a damaged file under ``warehouse/_quarantine/`` (kept for inspection)."""
    rel = path.relative_to(root) if path.is_relative_to(root) else Path(path.name)
    target = root / QUARANTINE / time.strftime("%Y%m%dT%H%M%S") / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), target)
    return target


def repair_logs(tables: DeltaTables, drop_damaged: bool, report: dict[str, Any]) -> None:
    """Rebuild checkpoints that do not decode; with ``drop_damaged``, set a damaged last
    commit entry aside. Call under the commit lock."""
    for name in TABLE_NAMES:
        log = tables.path(name) / "_delta_log"
        for path, why in delta_log_problems(tables.path(name)):
            if path.name.endswith(".parquet") and restore_checkpoint(tables.root, name, path):
                report["checkpoints_rebuilt"].append(str(path))
            elif path.name == "_last_checkpoint":
                # Without the pointer, deltalake finds the latest checkpoint by listing.
                report["set_aside"].append(str(set_aside(tables.root, path)))
            elif "checkpoint" in path.name and _entries_complete(log, path):
                for part in [log / "_last_checkpoint", *log.glob(
                        f"{path.name.split('.')[0]}.checkpoint*.parquet")]:
                    if part.exists():
                        set_aside(tables.root, part)
                tables.retry(lambda name=name: tables.open(name).create_checkpoint())  # type: ignore[misc]
                report["checkpoints_rebuilt"].append(str(path))
            elif drop_damaged and path.suffix == ".json" and _is_last(log, path):
                report["set_aside"].append(str(set_aside(tables.root, path)))
            else:
                report["problems"].append(str(Problem(str(path), why, log_fix(log.parent,
                                                                              path))))


def log_fix(table_dir: Path, path: Path) -> str:
    """The fix for a damaged ``_delta_log`` file."""
    log = table_dir / "_delta_log"
    if path.name == "_last_checkpoint":
        return f"{RECOVER} (sets it aside; the checkpoint is then found by listing)"
    if "checkpoint" in path.name:
        if has_copy(table_dir.parent, table_dir.name, path):
            return f"{RECOVER} (puts back the copy kept when it was written)"
        version = int(path.name.split(".")[0]) if path.name[0].isdigit() else -1
        if version >= 0 and all((log / f"{v:020d}.json").exists() for v in range(version + 1)):
            return f"{RECOVER} (rebuilds the checkpoint from the commit entries)"
        return "restore it from a backup"
    latest = max((int(p.stem) for p in log.glob("*.json") if p.stem.isdigit()), default=-1)
    if path.stem.isdigit() and int(path.stem) == latest:
        return (f"restore it from a backup, or {DROP} to set this last commit aside (the "
                "rows it added are lost)")
    return "restore it from a backup"


def _entries_complete(log: Path, checkpoint: Path) -> bool:
    head = checkpoint.name.split(".")[0]
    if not head.isdigit():
        return (log / f"{0:020d}.json").exists()
    return all((log / f"{v:020d}.json").exists() for v in range(int(head) + 1))


def _is_last(log: Path, entry: Path) -> bool:
    latest = max((int(p.stem) for p in log.glob("*.json") if p.stem.isdigit()), default=-1)
    return entry.stem.isdigit() and int(entry.stem) == latest


def good_files(tables: DeltaTables, report: dict[str, Any], drop_damaged: bool = False
               ) -> dict[str, list[Path]]:
    """Each loadable table's data files that pass their checks. Damaged ones are reported,
    or with ``drop_damaged`` set aside and removed from the table (``DeltaTable.repair``)."""
    good: dict[str, list[Path]] = {}
    for name in TABLE_NAMES:
        try:
            uris = tables.file_uris(name)
        except WarehouseError as e:
            report["problems"].append(f"{tables.path(name)}: cannot be loaded "
                                      f"({str(e).splitlines()[0]}); run `orcaops doctor`")
            continue
        damaged = damaged_files(tables.root, name, uris)
        if damaged and drop_damaged:
            for path in damaged:
                if path.exists():
                    report["set_aside"].append(str(set_aside(tables.root, path)))
            tables.retry(lambda name=name: tables.open(name).repair(dry_run=False))  # type: ignore[misc]
            uris = tables.file_uris(name)
            damaged = {}
        for path, why in damaged.items():
            report["problems"].append(str(Problem(
                str(path), f"{why}; its partition was left as it is",
                f"restore the file from a backup, or {DROP}")))
        good[name] = [local_path(u) for u in uris if local_path(u) not in damaged]
    return good


def remove_orphans(tables: DeltaTables, good: dict[str, list[Path]],
                   report: dict[str, Any]) -> int:
    """Delete log lines and samples whose run has no runs row and no journal. Call under
    the commit lock (no local commit is then between its children and its runs row)."""
    if "runs" not in good or any("/runs/" in p for p in report["problems"]):
        return 0  # with runs rows unknown, every child would look orphaned
    orphans = orphan_ids(good, pending_ids(tables.root))
    if not orphans:
        return 0
    for name in CHILD_TABLES:
        try:
            tables.delete_ids(name, orphans)
        except WarehouseError as e:
            report["problems"].append(f"{tables.path(name)}: orphaned rows of {len(orphans)} "
                                      f"run(s) could not be removed ({e})")
            return 0
    return len(orphans)


def reseal(tables: DeltaTables, good: dict[str, list[Path]]) -> None:
    """Record checksums of new commits and of files that had none (they just passed a full
    decode), and realign the record with each table's version."""
    seal_tables(tables.root)
    for name, files in good.items():
        try:
            version = tables.version(name)
            current = [local_path(u) for u in tables.file_uris(name)]
        except WarehouseError:
            continue
        seal_files(tables.root, name, version, current, set(files))


def drop_snapshot(root: Path) -> None:
    """Remove ``_snapshot.json``: the next reader saves a fresh one from the Delta log."""
    (root / SNAPSHOT_FILE).unlink(missing_ok=True)


def rebuild_index_if_damaged(tables: DeltaTables, logs: list[Path]) -> dict[str, Any] | None:
    """Rebuild the log index from ``logs`` (good files) if a file of it fails its check."""
    from orcaops.warehouse.logindex import CURRENT, INDEX_DIR, index_problem

    if index_problem(tables.root) is None and (tables.root / INDEX_DIR / CURRENT).exists():
        return None
    return build_index(tables, logs)


def build_index(tables: DeltaTables, logs: list[Path]) -> dict[str, Any]:
    from orcaops.warehouse.logindex_build import build_log_index

    runs = tables.open("runs")  # after the logs listing: their runs committed before it
    return build_log_index(tables.root, [str(p) for p in logs], list(runs.file_uris()),
                           int(runs.version()))


def recover_warehouse(tables: DeltaTables, clean_pending: Any, drop_damaged: bool = False
                      ) -> dict[str, Any]:
    """Everything ``orcaops recover`` repairs in the tables; ``clean_pending`` is the
    writer's journal cleanup. Returns a report with what was done and what remains."""
    if tables.remote is not None:
        from orcaops.warehouse import upkeep_remote

        return upkeep_remote.recover(tables, clean_pending, drop_damaged)
    report: dict[str, Any] = {"checkpoints_rebuilt": [], "set_aside": [], "problems": []}
    with tables.commit_lock():
        repair_logs(tables, drop_damaged, report)
        good_files(tables, report, drop_damaged)
        tally(report, "orphans_removed", clean_pending)
        good = good_files(tables, {"problems": []})  # after the journals' cleanup rewrote files
        report["orphans_removed"] += remove_orphans(tables, good, report)
        good = good_files(tables, {"problems": []})
        reseal(tables, good)
        drop_snapshot(tables.root)
    if "logs" in good and "runs" in good:
        try:
            report["log_index"] = rebuild_index_if_damaged(tables, good["logs"])
        except WarehouseError as e:  # the tables are repaired; `log:` searches scan meanwhile
            report["log_index"] = None
            report["problems"].append(f"the log index could not be rebuilt: {e}; run "
                                      "`orcaops recover` again once that is fixed")
    return report
