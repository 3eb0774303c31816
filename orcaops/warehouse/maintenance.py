"""Keeping the tables healthy: compaction, checkpoints, log cleanup, vacuum (and ``doctor``)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from orcaops.core.config import Settings
from orcaops.core.errors import WarehouseError
from orcaops.warehouse.paths import from_stored, to_stored
from orcaops.warehouse.repair import build_index, good_files, remove_orphans, repair_logs, reseal
from orcaops.warehouse.tables import SORT_COLUMNS, DeltaTables
from orcaops.warehouse.upkeep import tally
from orcaops.warehouse.writer import Writer


def compact(tables: DeltaTables, writer: Writer, settings: Settings) -> dict[str, Any]:
    """Compact every partition with more than one file, then checkpoint, clean and vacuum.

    Tables with ``SORT_COLUMNS`` (logs) have every partition not yet sorted rewritten in that
    order (appended files too, even alone in their partition). Files replaced stay on disk
    for ``settings.vacuum_retention_hours`` so a reader mid-query never loses one (vacuuming
    at 0 made concurrent readers fail). A partition holding a damaged data file is left as
    it is and reported in ``problems`` (rewriting it would fail, or carry bad rows on);
    orphaned children are removed, checkpoints that do not decode rebuilt, and the log index
    (``orcaops.warehouse.logindex``) is rebuilt over the good files.
    """
    if tables.remote is not None:
        from orcaops.warehouse import upkeep_remote

        return upkeep_remote.compact(tables, writer.clean_pending, settings)
    start = time.perf_counter()
    report: dict[str, Any] = {"tables": {}, "problems": [], "checkpoints_rebuilt": [],
                              "set_aside": []}
    with tables.commit_lock():
        repair_logs(tables, False, report)
        tally(report, "orphans_removed", writer.clean_pending)
        good = good_files(tables, report)
        orphans = remove_orphans(tables, good, report)
        if orphans:  # their partitions were rewritten
            good = good_files(tables, {"problems": []})
        report["orphans_removed"] += orphans
        for name in ("logs", "samples", "tests", "runs", "actions"):
            if name in good:
                report["tables"][name] = _compact_table(tables, name, set(good[name]),
                                                        settings, report)
        good = good_files(tables, {"problems": []})
        reseal(tables, good)
    # Outside the lock: writers need not wait for it, and the index is keyed by data file, so
    # commits made meanwhile are just not indexed yet (searched by scanning) until next time.
    if "logs" in good and "runs" in good:
        report["log_index"] = build_index(tables, good["logs"])
    report["seconds"] = round(time.perf_counter() - start, 3)
    return report


def _compact_table(tables: DeltaTables, name: str, good: set[Path], settings: Settings,
                   report: dict[str, Any]) -> dict[str, Any]:
    """Compact (or sort) one table's partitions whose files all passed their checks."""
    files = tables.partition_files(name)
    skip = {d for d, paths in files.items() if any(Path(p) not in good for p in paths)}
    if name in SORT_COLUMNS:
        done, removed = _sort(tables, name, skip)
    else:
        counts = tables.partition_file_counts(name)
        done = sorted(d for d, n in counts.items() if n > 1 and d not in skip)
        removed = tables.compact_partitions(name, done)
    try:
        kept = tables.maintain(name, settings.vacuum_retention_hours)
    except WarehouseError as e:
        report["problems"].append(f"{tables.path(name)}: checkpoint or vacuum failed ({e})")
        kept = {}
    return {"partitions_compacted": len(done), "files_merged": removed,
            "partitions_skipped": sorted(skip),
            "files_after": sum(tables.partition_file_counts(name).values()), **kept}


def _sort(tables: DeltaTables, name: str, skip: set[str]) -> tuple[list[str], int]:
    """Sort the partitions of ``name`` holding a file that no earlier compaction sorted,
    except those in ``skip``."""
    record = tables.root / f"_sorted_{name}.json"
    try:
        done_files = {from_stored(tables.root, f)
                      for f in json.loads(record.read_text(encoding="utf-8"))}
    except (OSError, ValueError, TypeError):
        done_files = set()
    todo = sorted(d for d, files in tables.partition_files(name).items()
                  if not set(files) <= done_files and d not in skip)
    removed = tables.sort_partitions(name, todo)
    now = sorted(f for files in tables.partition_files(name).values() for f in files)
    tmp = record.with_suffix(".tmp")
    tmp.write_text(json.dumps([to_stored(tables.root, f) for f in now]), encoding="utf-8")
    os.replace(tmp, record)
    return todo, removed


def doctor(tables: DeltaTables, settings: Settings) -> dict[str, Any]:
    """A health report of the home (``orcaops.warehouse.doctor.doctor``)."""
    from orcaops.warehouse.doctor import doctor as check

    return check(tables, settings)

