"""The commit protocol: children first, the runs row last, job_id unique, crashes leave no trace.

A batch is committed under the warehouse's commit lock:

1. a journal file in ``_pending/`` names the batch's job ids;
2. ``logs`` and ``samples`` are appended (invisible: the views keep only rows of visible runs);
3. the ``runs`` rows are appended — the commit point;
4. the journal is removed.

A writer killed between 1 and 4 leaves its journal behind; the next writer (or ``recover`` /
``compact``) deletes the children of journalled runs whose row never committed, so a retried
import writes them exactly once.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from orcaops.config import Settings
from orcaops.errors import WarehouseError
from orcaops.warehouse.integrity import seal_tables
from orcaops.warehouse.rows import RunBatch, only_jobs
from orcaops.warehouse.tables import DeltaTables


@dataclass
class CommitResult:
    """What one commit did."""

    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    log_lines: int = 0
    compacted_files: int = 0


class Writer:
    """Commits batches of runs to the three tables."""

    def __init__(self, tables: DeltaTables, settings: Settings) -> None:
        self.tables = tables
        self.settings = settings
        self.pending_dir = tables.root / "_pending"

    def commit(self, batch: RunBatch, *, replace: bool = False) -> CommitResult:
        """Commit ``batch``; existing job ids are skipped, or overwritten with ``replace``."""
        result = CommitResult()
        if not len(batch):
            return result
        data = batch.tables()
        with self.tables.commit_lock():
            self.clean_pending()
            ids = batch.job_ids
            present = self.present(ids)
            write = ids if replace else [i for i in ids if i not in present]
            result.skipped = [] if replace else [i for i in ids if i in present]
            result.replaced = [i for i in ids if i in present] if replace else []
            if not write:
                return result
            if len(write) != len(ids):
                data = {name: only_jobs(t, write) for name, t in data.items()}
            journal = self._journal(write)
            self._write(data, result.replaced)
            journal.unlink()
            result.written = write
            result.log_lines = data["logs"].num_rows
            result.compacted_files = self._auto_compact(data)
            seal_tables(self.tables.root)
        return result

    def _write(self, data: dict[str, pa.Table], replaced: list[str]) -> None:
        if replaced:
            self._swap(data, replaced)
            return
        for name in ("logs", "samples", "runs"):
            self.tables.append(name, data[name])

    def _swap(self, data: dict[str, pa.Table], replaced: list[str]) -> None:
        """Replace runs atomically per table: old rows out and new rows in, in one commit."""
        ids = data["runs"].column("job_id").to_pylist()
        for name in ("logs", "samples", "runs"):
            if data[name].num_rows == 0:
                self.tables.delete_ids(name, replaced)
            else:
                self.tables.overwrite_ids(name, data[name], ids)

    def add_action(self, kind: str, target: str, note: str | None = None) -> dict[str, object]:
        """Append one row to the ``actions`` table; returns it."""
        from orcaops.models import utcnow
        from orcaops.warehouse.schema import ACTIONS

        at = utcnow()
        row: dict[str, object] = {"action_id": uuid.uuid4().hex[:12], "kind": kind, "target": target,
               "note": note, "at": at, "day": at.date()}
        with self.tables.commit_lock():
            self.tables.append("actions", pa.Table.from_pylist([row], schema=ACTIONS))
            seal_tables(self.tables.root, ("actions",))
        return row

    def present(self, job_ids: list[str]) -> set[str]:
        """Which of ``job_ids`` have a committed runs row (read from the latest snapshot)."""
        if not job_ids:
            return set()
        files = self.tables.file_uris("runs")
        if not files:
            return set()
        con = duckdb.connect()
        try:
            con.register("wanted", pa.table({"job_id": pa.array(job_ids, pa.string())}))
            rows = con.execute(
                "SELECT DISTINCT r.job_id FROM read_parquet(?) r JOIN wanted USING (job_id)",
                [files]).fetchall()
        except duckdb.Error as e:
            # A missing or corrupt data file of `runs`: committing now could duplicate runs.
            reason = (str(e).splitlines() or [""])[0]
            raise WarehouseError(f"cannot read the runs table to check which runs are stored "
                                 f"({reason}); run `orcaops doctor`") from e
        finally:
            con.close()
        return {r[0] for r in rows}

    def _journal(self, job_ids: list[str]) -> Path:
        path = self.pending_dir / f"{uuid.uuid4().hex}.json"
        tmp = path.with_suffix(".tmp")
        try:
            self.pending_dir.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({"job_ids": job_ids, "pid": os.getpid()}, f)
                f.flush()
                os.fsync(f.fileno())
            tmp.rename(path)
        except OSError as e:  # e.g. the disk is full: nothing was written yet
            tmp.unlink(missing_ok=True)
            raise WarehouseError(f"cannot start a commit in {self.pending_dir}: {e}") from e
        return path

    def clean_pending(self) -> int:
        """Remove children left by writers that died before their runs row committed.

        Call with the commit lock held. Returns how many runs' orphans were removed.
        """
        if not self.pending_dir.is_dir():
            return 0
        removed = 0
        for path in sorted(self.pending_dir.glob("*")):
            if path.suffix == ".tmp":
                path.unlink(missing_ok=True)
                continue
            try:
                ids = json.loads(path.read_text(encoding="utf-8"))["job_ids"]
            except (ValueError, KeyError, OSError):
                ids = []
            orphans = sorted(set(ids) - self.present(ids))
            for name in ("logs", "samples"):
                if orphans:
                    self.tables.delete_ids(name, orphans)
            removed += len(orphans)
            path.unlink(missing_ok=True)
        return removed

    def _auto_compact(self, data: dict[str, pa.Table]) -> int:
        """Compact partitions this commit touched once they hold many small files."""
        removed = 0
        for name, table in data.items():
            if table.num_rows == 0:
                continue
            touched = {d.isoformat() for d in table.column("day").unique().to_pylist()}
            counts = self.tables.partition_file_counts(name)
            crowded = [d for d in touched if counts.get(d, 0) >= self.settings.compact_min_files]
            if crowded:
                removed += self.tables.compact_partitions(name, crowded)
        return removed
