"""Finding damage: data files that fail their checks, orphaned children, a stale snapshot.

Shared by ``orcaops doctor`` (which reports), ``orcaops compact`` (which works around what is
damaged) and ``orcaops recover`` (which repairs). Everything here only reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from orcaops.warehouse.integrity import check_data_file, load_seals

CHILD_TABLES = ("logs", "samples", "tests")


def local_path(uri: str) -> Path:
    return Path(uri.removeprefix("file://"))


def damaged_files(root: Path, name: str, uris: list[str],
                  passed: set[tuple[str, int, int]] | None = None) -> dict[Path, str]:
    """The data files of table ``name`` (its snapshot's ``uris``) that cannot be trusted,
    each with why: missing, truncated, not matching its recorded checksum, or not decodable.

    ``passed``: (path, size, mtime) of files that passed before, skipped and added to — for
    a reader naming the file behind an error, so repeated errors cost a stat per file. The
    doctor passes none: bit rot changes no mtime.
    """
    _, seals = load_seals(root, name)
    out = {}
    for uri in uris:
        path = local_path(uri)
        key = None
        if passed is not None:
            try:
                st = path.stat()
                key = (str(path), st.st_size, st.st_mtime_ns)
            except OSError:
                key = None
            if key is not None and key in passed:
                continue
        why = check_data_file(root / name, path, seals)
        if why is not None:
            out[path] = why
        elif key is not None and passed is not None:
            passed.add(key)
    return out


def pending_ids(root: Path) -> set[str]:
    """Job ids named by journals of commits still in flight or interrupted."""
    ids: set[str] = set()
    for path in (root / "_pending").glob("*.json"):
        try:
            ids.update(json.loads(path.read_text(encoding="utf-8"))["job_ids"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return ids


def orphan_ids(files: dict[str, list[Path]], exclude: set[str]) -> list[str]:
    """Job ids with log lines or samples but no runs row, other than ``exclude``.

    ``files``: the readable data files of ``runs``, ``logs`` and ``samples``. Children go
    before their runs row, so such rows are left by a runs commit that was lost (its log
    entry deleted) or by a crash no journal recorded; the views hide them, but a re-import
    of those runs would add their lines a second time.
    """
    children = [str(p) for name in CHILD_TABLES for p in files.get(name, [])]
    if not children:
        return []
    con = duckdb.connect()
    try:
        runs = [str(p) for p in files.get("runs", [])]
        known = ("SELECT job_id FROM read_parquet(?)" if runs
                 else "SELECT NULL::VARCHAR AS job_id WHERE false")
        rows = con.execute(
            f"SELECT DISTINCT job_id FROM read_parquet(?) WHERE job_id NOT IN ({known}) "
            "ORDER BY 1", [children, runs] if runs else [children]).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows if r[0] not in exclude]


def file_rows(table: Any) -> dict[Path, int]:
    """Rows of each data file of an open Delta table, from its log (no file is read)."""
    import pyarrow as pa

    actions = pa.table(table.get_add_actions(flatten=True))
    root = Path(str(table.table_uri).removeprefix("file://"))
    return {root / p: int(n or 0) for p, n in zip(actions.column("path").to_pylist(),
                                                 actions.column("num_records").to_pylist())}


def saved_versions(root: Path) -> dict[str, int]:
    """The table versions ``_snapshot.json`` records (whether or not it is current)."""
    from orcaops.warehouse.snapshot import SNAPSHOT_FILE

    try:
        doc = json.loads((root / SNAPSHOT_FILE).read_bytes())
        return {str(n): int(t["version"]) for n, t in doc["tables"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def saved_files(root: Path) -> dict[str, set[str]]:
    from orcaops.warehouse.paths import from_stored
    from orcaops.warehouse.snapshot import SNAPSHOT_FILE

    try:
        doc = json.loads((root / SNAPSHOT_FILE).read_bytes())
        return {str(n): {str(local_path(from_stored(root, f))) for f in t["files"]}
                for n, t in doc["tables"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def partial_runs(files: dict[str, list[Path]], exclude: set[str]) -> list[str]:
    """Job ids whose runs row counts other log lines (``log_lines``) than ``logs`` holds.

    A run's lines commit with it, all or none; fewer means lines were lost (a damaged logs
    file dropped) or mixed (an interrupted replace). ``files``: readable data files.
    """
    runs, logs = files.get("runs", []), files.get("logs", [])
    if not runs:
        return []
    con = duckdb.connect()
    try:
        stored = ("(SELECT job_id, count(*) AS n FROM read_parquet(?) GROUP BY job_id)" if logs
                  else "(SELECT NULL::VARCHAR AS job_id, 0::BIGINT AS n WHERE false)")
        rows = con.execute(
            f"SELECT r.job_id FROM read_parquet(?) r LEFT JOIN {stored} l USING (job_id) "
            "WHERE r.log_lines <> coalesce(l.n, 0) ORDER BY 1",
            [[str(p) for p in runs], *([[str(p) for p in logs]] if logs else [])]).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows if r[0] not in exclude]


def first_damage(root: Path, files: dict[str, tuple[str, ...]],
                 passed: set[tuple[str, int, int]]) -> str | None:
    """The first of ``files`` (table -> data files) failing its integrity check, described.

    For a reader naming the file behind a driver error: it reads every file not in
    ``passed`` (a CRC of each), so it runs on error paths only.
    """
    for name, uris in files.items():
        for path, why in damaged_files(root, name, list(uris), passed).items():
            return f"{name} data file {path} {why}"
    return None


def log_damage(table_dir: Path) -> str | None:
    """The first unreadable file of a table's Delta log, described, with the next step."""
    from orcaops.warehouse.integrity import delta_log_problems

    for path, why in delta_log_problems(table_dir):
        return f"{path} {why}; run `orcaops doctor`"
    return None
