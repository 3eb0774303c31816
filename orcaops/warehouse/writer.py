"""The commit protocol: children first, the runs row last, job_id unique, crashes leave no trace.

Every commit has a ``write_id`` stored on each row it writes (runs, logs, samples); readers
show a run's children only with the runs row of the same write. A batch is committed under
the warehouse's commit lock:

1. a journal file in ``_pending/`` names the batch's job ids, its write id and whether it
   replaces runs;
2. ``logs`` and ``samples`` are appended (invisible: no runs row of their write yet);
3. the ``runs`` rows are appended — or, replacing, swapped in one predicate overwrite — the
   commit point of every run of the batch;
4. replacing, the superseded children (other write ids of those runs) are deleted;
5. the journal is removed.

A writer killed between 1 and 5 leaves its journal behind; the next writer (or ``recover`` /
``compact``) deletes every child of a journalled run that does not belong to its visible runs
row: the new children of a replace that never reached 3 (the old run stays whole), the old
ones of a replace that did (the new run is complete), all of them for a run with no row. So a
retried import writes them exactly once, and a replace is all old or all new.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from orcaops.core.config import Settings
from orcaops.core.errors import WarehouseError
from orcaops.warehouse.copies import drop_copies, first_write, later_copies, runs_writes
from orcaops.warehouse.integrity import seal_tables
from orcaops.warehouse.journal import PENDING_DIR, read_journal
from orcaops.warehouse.rows import RunBatch, only_jobs
from orcaops.warehouse.schema import CHILDREN, WRITE_ID
from orcaops.warehouse.tables import DeltaTables, in_predicate, sql_string


@dataclass
class CommitResult:
    """What one commit did."""

    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    log_lines: int = 0
    compacted_files: int = 0
    # table → the day partitions this commit wrote a file to
    partitions: dict[str, set[str]] = field(default_factory=dict)


class Writer:
    """Commits batches of runs to the three tables."""

    def __init__(self, tables: DeltaTables, settings: Settings) -> None:
        self.tables = tables
        self.settings = settings
        self.pending_dir = tables.root / PENDING_DIR
        self._migrated = False

    def commit(self, batch: RunBatch, *, replace: bool = False) -> CommitResult:
        """Commit ``batch``; existing job ids are skipped, or overwritten with ``replace``."""
        result = CommitResult()
        if not len(batch):
            return result
        write_id = uuid.uuid4().hex
        data = batch.tables(write_id)
        # Each table opened once for the whole commit (see DeltaTables.handles).
        with self.tables.commit_lock(), self.tables.handles(("runs", *CHILDREN)):
            self.clean_pending()
            self._migrate()
            ids = batch.job_ids
            present = self.present(ids)
            write = ids if replace else [i for i in ids if i not in present]
            result.skipped = [] if replace else [i for i in ids if i in present]
            result.replaced = [i for i in ids if i in present] if replace else []
            if not write:
                return result
            if len(write) != len(ids):
                data = {name: only_jobs(t, write) for name, t in data.items()}
            journal = self._journal(write, write_id, bool(result.replaced))
            self._write(data, result.replaced, write_id)
            lost = self._yield_to_earlier(write, write_id) if not result.replaced else []
            journal.unlink()
            result.written = [i for i in write if i not in lost]
            result.skipped += lost
            result.log_lines = data["logs"].num_rows
            result.partitions = {name: {d.isoformat() for d in t.column("day").unique()
                                        .to_pylist()}
                                 for name, t in data.items() if t.num_rows}
            result.compacted_files = self._auto_compact(result.partitions)
            self._seal()
        return result

    def _seal(self, names: tuple[str, ...] | None = None) -> None:
        """Record checksums of the files just added (a local home: see ``integrity``; an
        object store keeps its own checksums of every object)."""
        if self.tables.remote is not None:
            return
        if names is None:
            seal_tables(self.tables.root)
        else:
            seal_tables(self.tables.root, names)

    def _yield_to_earlier(self, ids: list[str], write_id: str) -> list[str]:
        """On object storage, the runs of ``ids`` another machine committed first; this
        write's copies of them (runs rows and children) are deleted again.

        The commit order decides which copy stays (``copies.first_write``): this writer
        finds its own runs commit in the table's history, and deletes its copy of each run
        whose other copy came from an earlier commit. ``compact`` and ``recover`` apply the
        same rule to what a writer killed before this delete left, and readers show the
        first copy alone meanwhile.
        """
        if self.tables.remote is None:
            return []
        # The copies first, the history after: every copy read then has its commit in the
        # history read later. The other order lets another machine commit in between, and
        # its copy, absent from the history, would rank first here while that machine ranks
        # this copy first: both would delete their own.
        copies = runs_writes(self.tables, ids, has_write=True)  # migrated in this commit
        versions = self.tables.commit_versions("runs", within=64)
        if write_id not in versions:
            return []
        lost = sorted(later_copies(copies, versions).get(write_id, []))
        if lost:
            drop_copies(self.tables, write_id, lost)
        return lost

    def _migrate(self) -> None:
        """Upgrade tables of an older OrcaOps once per writer (commit lock held)."""
        if not self._migrated:
            self.tables.migrate()
            self._migrated = True

    def _write(self, data: dict[str, pa.Table], replaced: list[str], write_id: str) -> None:
        # One after the other: on threads they took 22 → 12 ms, but a disk filling up
        # mid-commit then held three tables' partial files at once, and `recover` ran out
        # of space too.
        for name in CHILDREN:
            self.tables.append(name, data[name])
        if not replaced:
            self.tables.append("runs", data["runs"], tag=write_id)
            return
        # The commit point: old rows out and new rows in, in one runs commit.
        ids = data["runs"].column("job_id").to_pylist()
        self.tables.overwrite_ids("runs", data["runs"], ids)
        self._drop_superseded({i: write_id for i in replaced})

    def _drop_superseded(self, current: dict[str, str | None]) -> None:
        """Delete children of these runs that belong to a write other than ``current``'s.

        ``current`` maps job_id → the write id of its visible runs row (None: stored by an
        older OrcaOps, or no row at all when listed in ``orphans``)."""
        if not current:
            return
        by_write: dict[str | None, list[str]] = {}
        for job_id, wid in current.items():
            by_write.setdefault(wid, []).append(job_id)
        for wid, job_ids in by_write.items():
            other = f"{WRITE_ID} IS NOT NULL" if wid is None else \
                f"({WRITE_ID} IS NULL OR {WRITE_ID} <> {sql_string(wid)})"
            for start in range(0, len(job_ids), 500):
                pred = f"{in_predicate('job_id', job_ids[start:start + 500])} AND {other}"
                for name in CHILDREN:
                    self.tables.delete_where(name, pred)

    def add_action(self, kind: str, target: str, note: str | None = None) -> dict[str, object]:
        """Append one row to the ``actions`` table; returns it."""
        return self.add_actions([(kind, target, note)])[0]

    def add_actions(self, actions: Sequence[tuple[str, str, str | None]]
                    ) -> list[dict[str, object]]:
        """Append ``(kind, target, note)`` rows to the ``actions`` table in one commit;
        returns them (with their ``action_id`` and ``at``)."""
        from orcaops.core.models import utcnow
        from orcaops.warehouse.schema import ACTIONS

        at = utcnow()
        rows: list[dict[str, object]] = [
            {"action_id": uuid.uuid4().hex[:12], "kind": kind, "target": target, "note": note,
             "at": at, "day": at.date()} for kind, target, note in actions]
        if not rows:
            return rows
        with self.tables.commit_lock():
            self.tables.append("actions", pa.Table.from_pylist(rows, schema=ACTIONS))
            self._seal(("actions",))
        return rows

    def present(self, job_ids: list[str]) -> set[str]:
        """Which of ``job_ids`` have a committed runs row (read from the latest snapshot)."""
        return set(self.current_writes(job_ids))

    def current_writes(self, job_ids: list[str]) -> dict[str, str | None]:
        """job_id → write id of its committed runs row, for those of ``job_ids`` that have one
        (None for rows stored before write ids existed). A run stored twice (object storage)
        gives the copy that stays and that readers show (``copies.first_write``)."""
        # Once this writer has upgraded the tables, runs has the column: spare a table load.
        found = runs_writes(self.tables, job_ids, has_write=True if self._migrated else None)
        versions = self.tables.commit_versions("runs") if any(
            len(writes) > 1 for writes in found.values()) else {}
        return {job_id: first_write(writes, versions) for job_id, writes in found.items()}

    def _journal(self, job_ids: list[str], write_id: str, replace: bool) -> Path:
        path = self.pending_dir / f"{uuid.uuid4().hex}.json"
        tmp = path.with_suffix(".tmp")
        try:
            self.pending_dir.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({"job_ids": job_ids, "write_id": write_id, "replace": replace,
                           "pid": os.getpid()}, f)
                f.flush()
                os.fsync(f.fileno())
            tmp.rename(path)
        except OSError as e:  # e.g. the disk is full: nothing was written yet
            tmp.unlink(missing_ok=True)
            raise WarehouseError(f"cannot start a commit in {self.pending_dir}: {e}") from e
        return path

    def clean_pending(self) -> int:
        """Finish or roll back commits left by writers that died; returns runs repaired.

        Call with the commit lock held. For every journalled run, the children that do not
        belong to its visible runs row are deleted: all of them when it has no row (the
        append never reached its commit point), the other write's when a replace did or did
        not reach it. Only then is the journal removed.
        """
        if not self.pending_dir.is_dir():
            return 0
        removed = 0
        for path in sorted(self.pending_dir.glob("*")):
            if path.suffix == ".tmp":
                path.unlink(missing_ok=True)
                continue
            doc = read_journal(path)
            ids = doc.job_ids
            current = self.current_writes(ids)
            orphans = sorted(set(ids) - set(current))
            for name in CHILDREN:
                if orphans:
                    self.tables.delete_ids(name, orphans)
            if doc.replace:
                self._drop_superseded(current)
            removed += len(orphans) + (len(current) if doc.replace else 0)
            path.unlink(missing_ok=True)
        return removed

    def _auto_compact(self, partitions: dict[str, set[str]]) -> int:
        """Compact partitions this commit touched once they hold many small files."""
        return self._compact_crowded(partitions, self.settings.compact_min_files)

    def settle(self, partitions: dict[str, set[str]]) -> int:
        """Merge the files of these partitions (table → days) into one each, under the lock;
        returns the files removed. An import calls it at its end for the partitions its own
        commits wrote more than once, so a fresh import reads like a compacted one (one file
        per day, not one per commit). The logs table is not passed: rewriting every line
        imported would double an import's cost, and ``compact`` sorts it later anyway."""
        with self.tables.commit_lock():
            removed = self._compact_crowded(partitions, 2)
            if removed:
                self._seal(tuple(sorted(partitions)))
        return removed

    def _compact_crowded(self, partitions: dict[str, set[str]], min_files: int) -> int:
        """Compact those of these partitions (table → days) holding ``min_files`` files or
        more; returns the files removed."""
        removed = 0
        for name, days in sorted(partitions.items()):
            counts = self.tables.partition_file_counts(name)
            crowded = sorted(d for d in days if counts.get(d, 0) >= min_files)
            if crowded:
                removed += self.tables.compact_partitions(name, crowded)
        return removed
