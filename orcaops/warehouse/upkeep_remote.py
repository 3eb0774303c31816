"""``compact``, ``doctor`` and ``recover`` for a home on object storage.

What works the same as on a local home: compaction (and the z-ordered rewrite of ``logs``),
checkpoints, log cleanup and vacuum with a retention window (delta-rs over the store), the
interrupted commits journalled on this machine, and the table-level checks of ``doctor``.
Only here: runs stored twice (two machines imported one run at once, and the later writer
died before removing its copy; ``orcaops.warehouse.copies``) are reported by ``doctor`` and
reduced to the first copy by ``compact`` and ``recover``.
What needs the files on a local disk is not done and the reports say so (``not_checked``):
the integrity seals and full decode of each data file (the object store keeps its own
checksums of each object), the log index (``log:`` searches scan the logs table), the orphan
scan and ``--drop-damaged``.
"""

from __future__ import annotations

import time
from typing import Any

from orcaops.core.config import Settings
from orcaops.core.errors import InputError, WarehouseError
from orcaops.warehouse.copies import remove_duplicates, runs_writes
from orcaops.warehouse.integrity import Problem
from orcaops.warehouse.remote import MIRRORED
from orcaops.warehouse.snapshot import SNAPSHOT_FILE, TABLE_NAMES
from orcaops.warehouse.tables import SORT_COLUMNS, DeltaTables
from orcaops.warehouse.upkeep import table_stats, tally

NOT_CHECKED = ("data file checksums and full decode (the object store checksums each "
               "object)", "the log index (log: searches scan the logs table)",
               "children without a runs row (orphans)")


def compact(tables: DeltaTables, clean_pending: Any, settings: Settings) -> dict[str, Any]:
    """Keep one copy of each run stored twice, compact every partition with more than one
    file (``logs``: rewrite unsorted ones in template order), then checkpoint, clean the log
    and vacuum past the retention window."""
    start = time.perf_counter()
    report: dict[str, Any] = {"tables": {}, "problems": [], "checkpoints_rebuilt": [],
                              "set_aside": [], "not_done": list(NOT_CHECKED)}
    with tables.commit_lock():
        tally(report, "orphans_removed", clean_pending)
        tally(report, "duplicates_removed", lambda: remove_duplicates(tables))
        for name in ("logs", "samples", "tests", "runs", "actions"):
            report["tables"][name] = _compact_table(tables, name, settings, report)
    (tables.root / SNAPSHOT_FILE).unlink(missing_ok=True)
    if tables.remote is not None:  # local copies of files compaction replaced
        current = {name: tables.file_uris(name) for name in MIRRORED}
        report["local_copies_removed"] = tables.remote.prune_mirror(tables.root, current)
    report["seconds"] = round(time.perf_counter() - start, 3)
    return report


def _compact_table(tables: DeltaTables, name: str, settings: Settings,
                   report: dict[str, Any]) -> dict[str, Any]:
    counts = tables.partition_file_counts(name)
    # logs: every partition holding more than one file is rewritten in template order (no
    # local record of which single files were sorted before: one file is left as it is).
    done = sorted(d for d, n in counts.items() if n > 1)
    if name in SORT_COLUMNS:
        removed = tables.sort_partitions(name, done)
    else:
        removed = tables.compact_partitions(name, done)
    try:
        kept = tables.maintain(name, settings.vacuum_retention_hours)
    except WarehouseError as e:
        report["problems"].append(f"{tables.uri(name)}: checkpoint or vacuum failed ({e})")
        kept = {}
    return {"partitions_compacted": len(done), "files_merged": removed,
            "partitions_skipped": [],
            "files_after": sum(tables.partition_file_counts(name).values()), **kept}


def doctor(tables: DeltaTables, settings: Settings, versions: dict[str, str | None]
           ) -> dict[str, Any]:
    """Each table loads and reads; interrupted commits and spooled runs of this machine."""
    report: dict[str, Any] = {"home": settings.location, "warehouse": tables.where,
                              "local": str(settings.home), "versions": versions,
                              "tables": {}, "not_checked": list(NOT_CHECKED)}
    found: list[Problem] = []
    for name in TABLE_NAMES:
        try:
            report["tables"][name] = table_stats(tables.open(name))
        except WarehouseError as e:
            found.append(Problem(tables.uri(name), f"deltalake cannot load the table ({e})",
                                 "restore the table's _delta_log from a backup"))
    if "runs" in report["tables"]:
        found += _duplicate_problems(tables)
    pending = sorted((tables.root / "_pending").glob("*.json"))
    if pending:
        found.append(Problem(str(pending[0]), f"{len(pending)} interrupted commit(s) left "
                             "partial data", "`orcaops recover`"))
    spool = settings.spool
    spooled = sorted(p for p in spool.glob("*") if p.is_dir()) if spool.exists() else []
    report["spooled_runs"] = len(spooled)
    if spooled:
        found.append(Problem(str(spooled[0]), f"{len(spooled)} spooled run(s) not yet "
                             "recorded", "`orcaops recover`"))
    for name, stats in report["tables"].items():
        if stats["partitions"] and stats["files"] > 4 * stats["partitions"]:
            found.append(Problem(tables.uri(name), f"{stats['files']} files in "
                                 f"{stats['partitions']} partitions", "`orcaops compact`"))
    report["problems"] = [str(p) for p in found]
    report["findings"] = [p.as_dict() for p in found]
    return report


def _duplicate_problems(tables: DeltaTables) -> list[Problem]:
    """Runs with more than one runs row (see ``orcaops.warehouse.copies``)."""
    try:
        copies = runs_writes(tables)
    except WarehouseError as e:
        return [Problem(tables.uri("runs"), f"a data file cannot be read ({e})",
                        "restore the object from the bucket's versions")]
    if not copies:
        return []
    ids = sorted(copies)
    sample = ", ".join(ids[:3]) + (", …" if len(ids) > 3 else "")
    return [Problem(tables.uri("runs"), f"{len(ids)} run(s) are stored more than once "
                    f"({sample}): two machines imported them at once and the later one "
                    "stopped before removing its copy", "`orcaops recover` (keeps the copy "
                    "committed first)")]


def recover(tables: DeltaTables, clean_pending: Any, drop_damaged: bool) -> dict[str, Any]:
    """Finish or roll back this machine's interrupted commits, keep one copy of each run
    stored twice, drop the saved snapshot.

    Raises:
        InputError: ``drop_damaged``, which needs the data files on a local disk.
    """
    if drop_damaged:
        raise InputError("--drop-damaged is not available for a home on object storage "
                         f"({tables.where}): it reads and sets aside data files on a local "
                         "disk; restore damaged objects from the bucket's versions instead")
    report: dict[str, Any] = {"checkpoints_rebuilt": [], "set_aside": [], "problems": [],
                              "not_done": list(NOT_CHECKED)}
    with tables.commit_lock():
        tally(report, "orphans_removed", clean_pending)
        tally(report, "duplicates_removed", lambda: remove_duplicates(tables))
        (tables.root / SNAPSHOT_FILE).unlink(missing_ok=True)
    return report
