"""Keeping the tables healthy: compaction, checkpoints, log cleanup, vacuum, and checks."""

from __future__ import annotations

import json
import os
import time
from importlib import metadata
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


def _table_stats(tables: DeltaTables, name: str) -> dict[str, Any]:
    table = tables.open(name)
    actions = pa.table(table.get_add_actions(flatten=True))
    root = tables.path(name)
    log_bytes = sum(p.stat().st_size for p in (root / "_delta_log").glob("*") if p.is_file())
    return {
        "version": int(table.version()),
        "files": actions.num_rows,
        "rows": int(sum(actions.column("num_records").to_pylist() or [0])),
        "bytes": int(sum(actions.column("size_bytes").to_pylist() or [0])),
        "partitions": len(set(actions.column("partition.day").to_pylist())),
        "log_bytes": log_bytes,
    }


def _broken_files(tables: DeltaTables, name: str) -> list[str]:
    """Files the snapshot references that are missing or not readable Parquet."""
    import pyarrow.parquet as pq

    broken = []
    for uri in tables.file_uris(name):
        path = uri.removeprefix("file://")
        try:
            pq.read_metadata(path)
        except (OSError, pa.ArrowInvalid) as e:
            broken.append(f"{path}: {e}")
    return broken


def doctor(tables: DeltaTables, settings: Settings) -> dict[str, Any]:
    """A health report of the home: tables, sizes, files, versions, and problems."""
    report: dict[str, Any] = {
        "home": str(settings.home),
        "warehouse": str(tables.root),
        "versions": {pkg: _version(pkg) for pkg in ("orcaops", "duckdb", "deltalake", "polars",
                                                     "pyarrow", "docker")},
        "tables": {},
        "problems": [],
    }
    for name in ("runs", "logs", "samples", "actions"):
        report["tables"][name] = _table_stats(tables, name)
        report["problems"].extend(_broken_files(tables, name))
    pending = list((tables.root / "_pending").glob("*.json"))
    if pending:
        report["problems"].append(
            f"{len(pending)} interrupted commit(s) left partial data: run `orcaops recover`")
    spooled = [p for p in settings.spool.glob("*") if p.is_dir()] if settings.spool.exists() else []
    report["spooled_runs"] = len(spooled)
    if spooled:
        report["problems"].append(f"{len(spooled)} spooled run(s) not yet recorded: run "
                                  "`orcaops recover`")
    for name, stats in report["tables"].items():
        if stats["partitions"] and stats["files"] > 4 * stats["partitions"]:
            report["problems"].append(f"{name}: {stats['files']} files in "
                                      f"{stats['partitions']} partitions; run `orcaops compact`")
    return report


def _version(pkg: str) -> str | None:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return None
