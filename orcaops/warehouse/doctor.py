"""``orcaops doctor``: check what reads depend on, and name the file and the fix of each problem.

Checked, per table: the Delta log (the latest checkpoint and every commit entry after it),
that deltalake loads the table, every data file of the snapshot (against the checksum recorded
when it was written, else decoded in full); then the log index's files against their build
checksums, ``_snapshot.json`` against the Delta log, children without a runs row (orphans),
runs whose stored log lines differ from their ``log_lines`` (partial), interrupted
commits and spooled runs. A report with problems makes the CLI exit 1.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

from orcaops.core.config import Settings
from orcaops.core.errors import WarehouseError
from orcaops.warehouse.health import (
    damaged_files,
    file_rows,
    local_path,
    orphan_ids,
    partial_runs,
    pending_ids,
    saved_files,
    saved_versions,
)
from orcaops.warehouse.integrity import Problem, delta_log_problems
from orcaops.warehouse.repair import DROP, RECOVER, log_fix
from orcaops.warehouse.snapshot import TABLE_NAMES
from orcaops.warehouse.tables import DeltaTables
from orcaops.warehouse.upkeep import table_stats


def doctor(tables: DeltaTables, settings: Settings) -> dict[str, Any]:
    """A health report of the home: tables, sizes, files, versions, and problems.

    ``problems`` lists each problem as text (file: what; fix: command); ``findings`` holds
    the same as objects with ``file``, ``what`` and ``fix``.
    """
    root = tables.root
    versions_of = {pkg: _version(pkg) for pkg in ("orcaops", "duckdb", "deltalake", "polars",
                                                  "pyarrow", "docker")}
    if tables.remote is not None:
        from orcaops.warehouse import upkeep_remote

        return upkeep_remote.doctor(tables, settings, versions_of)
    report: dict[str, Any] = {
        "home": str(settings.home), "warehouse": str(root), "versions": versions_of,
        "tables": {},
    }
    found: list[Problem] = []
    good: dict[str, list[Path]] = {}
    versions: dict[str, int] = {}
    files: dict[str, set[str]] = {}
    for name in TABLE_NAMES:
        table_found, table_good = _check_table(tables, name, report["tables"])
        found += table_found
        if table_good is not None:
            good[name] = table_good
            versions[name] = report["tables"][name]["version"]
            files[name] = {str(p) for p in table_good} | {
                p.file for p in table_found if p.file and p.file.endswith(".parquet")}
    found += _index_problems(root)
    found += _snapshot_problems(root, versions, files)
    if "runs" in good and not any(p.file and "/runs/" in p.file for p in found):
        found += _orphan_problems(root, good)
        if "logs" in good and not any(p.file and "/logs/" in p.file for p in found):
            found += _partial_problems(root, good)
    found += _pending_problems(root, settings, report)
    for name, stats in report["tables"].items():
        if stats["partitions"] and stats["files"] > 4 * stats["partitions"]:
            found.append(Problem(str(tables.path(name)), f"{stats['files']} files in "
                                 f"{stats['partitions']} partitions", "`orcaops compact`"))
    report["problems"] = [str(p) for p in found]
    report["findings"] = [p.as_dict() for p in found]
    return report


def _check_table(tables: DeltaTables, name: str, stats: dict[str, Any]
                 ) -> tuple[list[Problem], list[Path] | None]:
    """Problems of one table, and its data files that passed (None: it cannot be loaded)."""
    table_dir = tables.path(name)
    found = [Problem(str(path), why, log_fix(table_dir, path))
             for path, why in delta_log_problems(table_dir)]
    try:
        table = tables.open(name)
        stats[name] = table_stats(table, table_dir / "_delta_log")
        rows = file_rows(table)
        uris = list(table.file_uris())
    except WarehouseError as e:
        if not found:  # else the damaged log entry above is the reason
            found.append(Problem(str(table_dir / "_delta_log"), "deltalake cannot load the "
                                 f"table ({_first_line(e)})", "restore the table's _delta_log "
                                 "from a backup"))
        return found, None
    damaged = damaged_files(tables.root, name, uris)
    for path, why in damaged.items():
        lost = rows.get(path, 0)
        what = "runs" if name == "runs" else "rows"
        found.append(Problem(str(path), why, f"restore the file from a backup, or {DROP} to "
                             f"set it aside and drop its {lost} {what} from the table"))
    return found, [local_path(u) for u in uris if local_path(u) not in damaged]


def _index_problems(root: Path) -> list[Problem]:
    from orcaops.warehouse.logindex import index_problem

    bad = index_problem(root, remembered=False)
    if bad is None:
        return []
    return [Problem(str(bad[0]), f"log index file {bad[1]}; searches scan the logs instead",
                    f"{RECOVER} or `orcaops compact` (rebuild the index from the logs table)")]


def _snapshot_problems(root: Path, versions: dict[str, int], files: dict[str, set[str]]
                       ) -> list[Problem]:
    """``_snapshot.json`` against the Delta log: a saved version beyond the log's last entry
    means a commit's entry was lost; equal versions must list the same files."""
    from orcaops.warehouse.snapshot import SNAPSHOT_FILE

    path = str(root / SNAPSHOT_FILE)
    saved, listed = saved_versions(root), saved_files(root)
    out = []
    for name, version in versions.items():
        if name not in saved:
            continue
        if saved[name] > version:
            out.append(Problem(path, f"records {name} at version {saved[name]} but its Delta "
                               f"log ends at version {version}: a commit's log entry was lost "
                               "(its rows are gone from the table)",
                               f"{RECOVER} (drops the stale snapshot and orphaned rows), then "
                               "import the lost runs again"))
        elif saved[name] == version and listed.get(name) != files.get(name):
            out.append(Problem(path, f"lists other {name} files than the Delta log at version "
                               f"{version}", f"{RECOVER} (rewrites it from the Delta log)"))
    return out


def _orphan_problems(root: Path, good: dict[str, list[Path]]) -> list[Problem]:
    orphans = orphan_ids(good, pending_ids(root))
    if not orphans:
        return []
    sample = ", ".join(orphans[:3]) + (", …" if len(orphans) > 3 else "")
    return [Problem(str(root / "logs"), f"{len(orphans)} run(s) have log lines or samples but "
                    f"no runs row ({sample}): a runs commit was lost, and importing them "
                    "again would store their lines twice",
                    f"{RECOVER} (removes the orphaned rows), then import the runs again")]


def _partial_problems(root: Path, good: dict[str, list[Path]]) -> list[Problem]:
    partial = partial_runs(good, pending_ids(root))
    if not partial:
        return []
    sample = ", ".join(partial[:3]) + (", …" if len(partial) > 3 else "")
    return [Problem(str(root / "logs"), f"{len(partial)} run(s) have other log lines stored "
                    f"than their runs row counts ({sample}): lines were lost or mixed",
                    "`orcaops import --replace FILE` with the file those runs came from")]


def _pending_problems(root: Path, settings: Settings, report: dict[str, Any]) -> list[Problem]:
    out = []
    pending = sorted((root / "_pending").glob("*.json"))
    if pending:
        out.append(Problem(str(pending[0]), f"{len(pending)} interrupted commit(s) left "
                           "partial data", RECOVER))
    spool = settings.spool
    spooled = sorted(p for p in spool.glob("*") if p.is_dir()) if spool.exists() else []
    report["spooled_runs"] = len(spooled)
    if spooled:
        out.append(Problem(str(spooled[0]), f"{len(spooled)} spooled run(s) not yet recorded",
                           RECOVER))
    return out


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [""])[0]


def _version(pkg: str) -> str | None:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return None
