"""What the upkeep of a local home and of one on object storage shares.

Below ``doctor``, ``maintenance``, ``repair`` and ``upkeep_remote`` (which the first three
call for an ``s3://`` home), so each can import it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from orcaops.core.errors import WarehouseError


def table_stats(table: Any, log_dir: Path | None = None) -> dict[str, Any]:
    """Version, data files, rows, bytes and partitions of a loaded ``DeltaTable``;
    ``log_bytes`` is the size of ``log_dir`` (its local ``_delta_log``; 0 without one)."""
    import pyarrow as pa

    actions = pa.table(table.get_add_actions(flatten=True))
    log_bytes = 0 if log_dir is None else sum(p.stat().st_size for p in log_dir.glob("*")
                                               if p.is_file())
    return {
        "version": int(table.version()),
        "files": actions.num_rows,
        "rows": int(sum(actions.column("num_records").to_pylist() or [0])),
        "bytes": int(sum(actions.column("size_bytes").to_pylist() or [0])),
        "partitions": len(set(actions.column("partition.day").to_pylist())),
        "log_bytes": log_bytes,
    }


def tally(report: dict[str, Any], key: str, step: Callable[[], int]) -> None:
    """Run one repair step that returns a count (``Writer.clean_pending``: ``orphans_removed``;
    ``copies.remove_duplicates``: ``duplicates_removed``; under the commit lock) into
    ``report[key]``, or 0 and a problem when the runs table cannot be read."""
    try:
        report[key] = step()
    except WarehouseError as e:
        report[key] = 0
        report["problems"].append(str(e))
