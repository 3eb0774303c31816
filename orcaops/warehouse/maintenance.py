"""Keeping the tables healthy: compaction, checkpoints, log cleanup, vacuum, and checks."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pyarrow as pa

from orcaops.config import Settings
from orcaops.warehouse.tables import SORT_COLUMNS, DeltaTables
from orcaops.warehouse.writer import Writer


def compact(tables: DeltaTables, writer: Writer, settings: Settings) -> dict[str, Any]:
    """Compact every partition with more than one file, then checkpoint, clean and vacuum.

    Tables with ``SORT_COLUMNS`` (logs) have every partition not yet sorted rewritten in that
    order (appended files too, even alone in their partition). Files replaced stay on disk
    for ``settings.vacuum_retention_hours`` so a reader mid-query never loses one (vacuuming
    at 0 made concurrent readers fail). The log index (``orcaops.warehouse.logindex``) is
    rebuilt over the compacted files.
    """
    start = time.perf_counter()
    report: dict[str, Any] = {"tables": {}}
    with tables.commit_lock():
        report["orphans_removed"] = writer.clean_pending()
        for name in ("logs", "samples", "runs", "actions"):
            if name in SORT_COLUMNS:
                done, removed = _sort(tables, name)
            else:
                counts = tables.partition_file_counts(name)
                done = sorted(d for d, n in counts.items() if n > 1)
                removed = tables.compact_partitions(name, done)
            kept = tables.maintain(name, settings.vacuum_retention_hours)
            report["tables"][name] = {
                "partitions_compacted": len(done), "files_merged": removed,
                "files_after": sum(tables.partition_file_counts(name).values()), **kept}
    # Outside the lock: writers need not wait for it, and the index is keyed by data file, so
    # commits made meanwhile are just not indexed yet (searched by scanning) until next time.
    from orcaops.warehouse.logindex_build import build_log_index

    logs = tables.file_uris("logs")
    runs = tables.open("runs")  # after the logs listing: their runs committed before it
    report["log_index"] = build_log_index(tables.root, logs, list(runs.file_uris()),
                                          int(runs.version()))
    report["seconds"] = round(time.perf_counter() - start, 3)
    return report


def _sort(tables: DeltaTables, name: str) -> tuple[list[str], int]:
    """Sort the partitions of ``name`` holding a file that no earlier compaction sorted."""
    record = tables.root / f"_sorted_{name}.json"
    try:
        done_files = set(json.loads(record.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        done_files = set()
    todo = sorted(d for d, files in tables.partition_files(name).items()
                  if not set(files) <= done_files)
    removed = tables.sort_partitions(name, todo)
    now = sorted(f for files in tables.partition_files(name).values() for f in files)
    tmp = record.with_suffix(".tmp")
    tmp.write_text(json.dumps(now), encoding="utf-8")
    os.replace(tmp, record)
    return todo, removed


def doctor(tables: DeltaTables, settings: Settings) -> dict[str, Any]:
    """A health report of the home (``orcaops.warehouse.doctor.doctor``)."""
    from orcaops.warehouse.doctor import doctor as check

    return check(tables, settings)

