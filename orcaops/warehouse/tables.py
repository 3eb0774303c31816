"""The three Delta Lake tables on disk: create, append, delete, snapshot, compact.

This is the one boundary where deltalake errors become ``WarehouseError``. Writers on one
machine queue on a file lock (``commit_lock``) instead of racing Delta's optimistic
concurrency; a commit that still loses a race (another host, an object store) is retried with
backoff. Table handles are opened fresh for each operation, except within one local commit
(``handles``): there each table is opened once, on threads, and appends go through that
handle, which each write moves to the version it made. Handles kept across commits made every
commit slower as the log grew.
"""

from __future__ import annotations

import contextlib
import errno
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pyarrow as pa

from orcaops.core.errors import WarehouseError
from orcaops.core.locks import exclusive
from orcaops.warehouse.schema import TABLES, VERSIONED, duckdb_type

if TYPE_CHECKING:
    from orcaops.core.location import RemoteHome
    from orcaops.warehouse.remote import RemoteTables

T = TypeVar("T")
_RETRIES = 8
# zstd, not delta-rs' default snappy: log text is most of the bytes and compresses ~1.8x
# better. Level 3 costs what snappy does on append; compaction, off the import path,
# rewrites at 9 (smaller, at several times the CPU).
APPEND_ZSTD_LEVEL = 3
COMPACT_ZSTD_LEVEL = 9
# Columns of near-unique text: trying a dictionary first only costs time (sizes equal).
_NO_DICTIONARY = ("message",)
# `orcaops compact` rewrites each logs partition with the rows of one template side by side
# (z-order on these columns; a run's lines stay ordered by line_number within a template):
# the message column then compresses to ~0.13 of the raw text instead of ~0.17 (1M bench
# lines, zstd 9), so the whole table goes from 0.22 to 0.19 of the raw text. Reads never
# rely on row order (every query orders by job_id, line_number).
SORT_COLUMNS: dict[str, tuple[str, ...]] = {"logs": ("template_id", "job_id")}
# Once sorted, `parsed` (JSON of a line's fields) repeats in runs: plain zstd beats the
# dictionary (0.25 vs 0.38 MB per 1M lines); unsorted, the dictionary wins (0.63 vs 0.85).
_NO_DICTIONARY_SORTED = ("message", "parsed")


def writer_properties(name: str, level: int, sorted_rows: bool = False) -> Any:
    """The Parquet writer settings of table ``name`` (zstd at ``level``)."""
    dl = _deltalake()
    plain = _NO_DICTIONARY_SORTED if sorted_rows else _NO_DICTIONARY
    columns = {c: dl.ColumnProperties(dictionary_enabled=False) for c in plain
               if c in TABLES[name].names}
    return dl.WriterProperties(compression="ZSTD", compression_level=level,
                               column_properties=columns or None)


_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """Threads for opening several tables at once: delta-rs releases the GIL while it
    reads the log (four opens: 20 → 9 ms on 2 cores)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(4, thread_name_prefix="orcaops-delta")
    return _POOL


def _done(value: T) -> Future[T]:
    future: Future[T] = Future()
    future.set_result(value)
    return future


def _deltalake() -> Any:
    import deltalake  # deferred: ~0.1 s to import, and most CLI calls only read

    from orcaops.warehouse.native_stderr import install

    install()
    return deltalake


def sql_string(value: str) -> str:
    """A SQL string literal for a Delta predicate (delta-rs takes predicates only as text)."""
    return "'" + value.replace("'", "''") + "'"


def in_predicate(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(sql_string(v) for v in values)})"


class DeltaTables:
    """The ``runs``, ``logs``, ``samples``, ``tests`` and ``actions`` tables of one home.

    Args:
        root: the local warehouse folder: the tables themselves, or for a home on object
            storage (``remote``) what this machine keeps beside them (locks, journals, the
            saved snapshot).
        log_retention: how long Delta keeps old log entries.
        remote: the ``s3://`` home whose ``warehouse/`` holds the tables.
    """

    def __init__(self, root: Path, log_retention: str = "interval 1 hours",
                 remote: RemoteHome | None = None) -> None:
        self.root = root
        self.log_retention = log_retention
        self.remote: RemoteTables | None = None
        self._held = threading.local()  # .handles: this thread's handles (``handles``)
        if remote is not None:
            from orcaops.warehouse.remote import RemoteTables

            self.remote = RemoteTables(remote)

    def path(self, name: str) -> Path:
        """The local folder of table ``name`` (for a remote home: its local side)."""
        return self.root / name

    def uri(self, name: str) -> str:
        """Where deltalake finds table ``name``: a local path or an object-store URI."""
        return self.remote.uri(name) if self.remote else str(self.root / name)

    @property
    def where(self) -> str:
        """The warehouse as messages name it."""
        return self.remote.uri("").rstrip("/") if self.remote else str(self.root)

    @property
    def options(self) -> dict[str, str] | None:
        """deltalake's ``storage_options`` (None for a local folder)."""
        return self.remote.storage_options if self.remote else None

    def exists(self, name: str) -> bool:
        if self.remote:
            return self.remote.exists(name)
        return (self.path(name) / "_delta_log").is_dir()

    def ensure(self) -> None:
        """Create any missing table (empty, partitioned by day)."""
        if all(self.exists(name) for name in TABLES):
            return  # the common case: no deltalake import (~0.1 s) and no lock for a read
        dl = _deltalake()
        self.root.mkdir(parents=True, exist_ok=True)
        with self.commit_lock():
            for name, schema in TABLES.items():
                if self.exists(name):
                    continue
                config = {"delta.logRetentionDuration": self.log_retention, **CHECKPOINTS}
                self._create(dl, name, schema, config)

    def _create(self, dl: Any, name: str, schema: pa.Schema, config: dict[str, str]) -> None:
        try:
            self._guard(lambda: dl.DeltaTable.create(
                self.uri(name), schema, mode="ignore", partition_by=["day"],
                configuration=config, storage_options=self.options))
        except WarehouseError:
            # Another machine created it between our look and our commit (its first
            # commit entry won the conditional put): that is the table we wanted.
            if not self.exists(name):
                raise

    @contextlib.contextmanager
    def commit_lock(self) -> Iterator[None]:
        """Serialise writers on this machine so they queue instead of conflicting."""
        with exclusive(self.root / ".commit.lock"):
            yield

    @contextlib.contextmanager
    def handles(self, names: tuple[str, ...]) -> Iterator[None]:
        """Within the block, this thread opens each of ``names`` once (all at once, on
        threads) and reuses the handle: an append moves it to the version it wrote; any
        other change (delete, overwrite, compaction) drops it, so the next use opens the
        table again. For a local home, under ``commit_lock``: no other writer moves the
        tables meanwhile. A no-op on object storage, whose handles are always fresh."""
        if self.remote is not None or getattr(self._held, "handles", None) is not None:
            yield
            return
        # Opened on threads while the block starts: the first use waits for its own table
        # only (a commit reads runs while the children's logs are still being read).
        self._held.handles = {name: _pool().submit(self._fresh, name) for name in names}
        try:
            yield
        finally:
            opening, self._held.handles = self._held.handles, None
            for future in opening.values():
                future.cancel()

    def open(self, name: str) -> Any:
        held: dict[str, Future[Any]] | None = getattr(self._held, "handles", None)
        if held is not None and name in held:
            return held[name].result()
        table = self._fresh(name)
        if held is not None:
            held[name] = _done(table)
        return table

    def _handle(self, name: str) -> Any:
        """The handle ``handles`` holds for ``name`` on this thread (None: none held)."""
        held = getattr(self._held, "handles", None)
        return self.open(name) if held is not None and name in held else None

    def _fresh(self, name: str) -> Any:
        """A new handle on ``name`` at its latest version (for changes other than appends,
        which then drop the held one: ``_changed``)."""
        dl = _deltalake()
        return self._guard(lambda: dl.DeltaTable(self.uri(name), storage_options=self.options))

    def _changed(self, name: str) -> None:
        """Table ``name`` was changed other than by an append: drop its held handle."""
        held = getattr(self._held, "handles", None)
        if held is not None:
            held.pop(name, None)

    def version(self, name: str) -> int:
        return int(self.open(name).version())

    def file_uris(self, name: str) -> list[str]:
        return list(self.open(name).file_uris())

    def append(self, name: str, data: pa.Table, tag: str | None = None) -> None:
        """Append ``data``, through the held handle if there is one; ``tag`` (a write id) is
        kept in the commit's metadata so the commit can be found in the table's history
        (``commit_versions``)."""
        if data.num_rows == 0:
            return
        dl = _deltalake()
        props = writer_properties(name, APPEND_ZSTD_LEVEL)
        handle = self._handle(name)
        target = handle if handle is not None else self.uri(name)
        self.retry(lambda: dl.write_deltalake(
            target, data, mode="append", partition_by=["day"],
            writer_properties=props, storage_options=self.options,
            commit_properties=_commit_properties(dl, tag)))

    def overwrite_ids(self, name: str, data: pa.Table, job_ids: list[str]) -> None:
        """Swap the rows of ``job_ids`` for ``data`` in one commit (predicate overwrite)."""
        dl = _deltalake()
        props = writer_properties(name, APPEND_ZSTD_LEVEL)
        self.retry(lambda: dl.write_deltalake(
            self.uri(name), data, mode="overwrite", predicate=in_predicate("job_id", job_ids),
            partition_by=["day"], writer_properties=props, storage_options=self.options))
        self._changed(name)

    def delete_ids(self, name: str, job_ids: list[str]) -> None:
        """Delete every row of ``job_ids`` (in chunks: predicates are SQL text)."""
        props = writer_properties(name, APPEND_ZSTD_LEVEL)  # rewritten files stay zstd
        for start in range(0, len(job_ids), 500):
            chunk = job_ids[start:start + 500]
            self.retry(lambda: self._fresh(name).delete(in_predicate("job_id", chunk),
                                                        writer_properties=props))
            self._changed(name)

    def delete_where(self, name: str, predicate: str) -> None:
        """Delete the rows of ``name`` matching ``predicate`` (Delta SQL text), one commit."""
        props = writer_properties(name, APPEND_ZSTD_LEVEL)
        self.retry(lambda: self._fresh(name).delete(predicate, writer_properties=props))
        self._changed(name)

    def columns(self, name: str) -> list[str]:
        """The columns table ``name`` stores (a table written by an older OrcaOps may lack some)."""
        return [f.name for f in self.open(name).schema().fields]

    def migrate(self) -> list[str]:
        """Give tables written by an older OrcaOps the columns added since (``write_id``, the
        runs' root-cause lines) and the current checkpoint interval; returns the names of the
        tables whose columns were upgraded.

        Call with the commit lock held. A table is rewritten whole in one overwrite commit
        (streamed, partition by partition in memory) with the new columns empty, so every data
        file of a table has the same columns in the same order (readers need no
        ``union_by_name``) and a crash leaves the old table.
        """
        done = []
        for name in VERSIONED:
            self._keep_checkpoints(name)
            table = self.open(name)
            stored = {f.name for f in table.schema().fields}
            missing = {f.name for f in TABLES[name] if f.name not in stored}
            if missing:
                self._rewrite_with(name, list(table.file_uris()), missing)
                self._changed(name)
                done.append(name)
        return done

    def _rewrite_with(self, name: str, files: list[str], missing: set[str]) -> None:
        import duckdb

        schema = TABLES[name]
        dl = _deltalake()
        props = writer_properties(name, APPEND_ZSTD_LEVEL)
        if not files:
            self.retry(lambda: dl.write_deltalake(
                self.uri(name), schema.empty_table(), mode="overwrite",
                schema_mode="overwrite", partition_by=["day"], writer_properties=props,
                storage_options=self.options))
            return
        cols = ", ".join(f'NULL::{duckdb_type(f.type)} AS "{f.name}"' if f.name in missing
                         else f'"{f.name}"' for f in schema)
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        try:
            rel = con.sql(f"SELECT {cols} FROM read_parquet(?, hive_partitioning = true, "
                          "hive_types = {'day': DATE})", params=[files])
            batches = rel.to_arrow_reader(100_000)
            data = pa.RecordBatchReader.from_batches(
                schema, (pa.Table.from_batches([b]).cast(schema).to_batches()[0]
                         for b in batches if b.num_rows))
            self.retry(lambda: dl.write_deltalake(
                self.uri(name), data, mode="overwrite", schema_mode="overwrite",
                partition_by=["day"], writer_properties=props, storage_options=self.options))
        except duckdb.Error as e:
            raise WarehouseError(f"cannot upgrade the {name} table at {self.path(name)} "
                                 f"({e}); run `orcaops doctor`") from e
        finally:
            con.close()

    def partition_file_counts(self, name: str) -> dict[str, int]:
        # A stream, not pa.table(): that imports pandas to check for a DataFrame (~0.2 s of
        # every commit's process).
        actions = pa.RecordBatchReader.from_stream(
            self.open(name).get_add_actions(flatten=True)).read_all()
        counts: dict[str, int] = {}
        for day in actions.column("partition.day").to_pylist():
            key = day.isoformat() if day is not None else ""
            counts[key] = counts.get(key, 0) + 1
        return counts

    def compact_partitions(self, name: str, days: list[str]) -> int:
        """Merge the small files of the given partitions; returns files removed."""
        removed = 0
        props = writer_properties(name, COMPACT_ZSTD_LEVEL)
        for day in days:
            metrics = self.retry(lambda: self._fresh(name).optimize.compact(
                partition_filters=[("day", "=", day)], target_size=256 * 1024 * 1024,
                writer_properties=props))
            self._changed(name)
            removed += int(metrics.get("numFilesRemoved", 0))
        return removed

    def partition_files(self, name: str) -> dict[str, list[str]]:
        """The data files (paths) of each partition of ``name``."""
        actions = pa.table(self.open(name).get_add_actions(flatten=True))
        out: dict[str, list[str]] = {}
        for path, day in zip(actions.column("path").to_pylist(),
                             actions.column("partition.day").to_pylist()):
            key = day.isoformat() if day is not None else ""
            out.setdefault(key, []).append(f"{self.uri(name)}/{path}")
        return out

    def sort_partitions(self, name: str, days: list[str]) -> int:
        """Rewrite the given partitions with rows ordered by ``SORT_COLUMNS[name]`` (z-order);
        returns files removed. An optimize commit: a concurrent writer conflicts and retries."""
        removed = 0
        props = writer_properties(name, COMPACT_ZSTD_LEVEL, sorted_rows=True)
        for day in days:
            metrics = self.retry(lambda day=day: self._fresh(name).optimize.z_order(  # type: ignore[misc]
                list(SORT_COLUMNS[name]), partition_filters=[("day", "=", day)],
                target_size=256 * 1024 * 1024, writer_properties=props))
            self._changed(name)
            removed += int(metrics.get("numFilesRemoved", 0))
        return removed

    def maintain(self, name: str, retention_hours: int) -> dict[str, int]:
        """Checkpoint, clean the log, and vacuum files older than the retention window."""
        self._keep_checkpoints(name)
        table = self._fresh(name)
        self._guard(table.create_checkpoint)
        self._guard(table.cleanup_metadata)
        vacuumed = self._guard(lambda: self._fresh(name).vacuum(
            retention_hours=max(retention_hours, 0), dry_run=False,
            enforce_retention_duration=False))
        self._changed(name)
        return {"vacuumed_files": len(vacuumed)}

    def _keep_checkpoints(self, name: str) -> None:
        """Give a table created by an older OrcaOps (a checkpoint every 50 commits) the
        current interval (one commit, once)."""
        config = self.open(name).metadata().configuration
        if any(config.get(key) != value for key, value in CHECKPOINTS.items()):
            self.retry(lambda: self._fresh(name).alter.set_table_properties(CHECKPOINTS))
            self._changed(name)

    def retry(self, op: Callable[[], T]) -> T:
        dl = _deltalake()
        for attempt in range(_RETRIES):
            try:
                return op()
            except dl.exceptions.CommitFailedError:
                if attempt == _RETRIES - 1:
                    raise WarehouseError(
                        f"commit kept conflicting after {_RETRIES} tries; is another writer "
                        "stuck? Run `orcaops doctor`") from None
                time.sleep(min(0.05 * 2**attempt, 2.0) * (0.5 + random.random()))
            except (dl.exceptions.DeltaError, OSError) as e:
                raise WarehouseError(disk_full(self.root, e)
                                     or f"writing the warehouse at {self.where} failed: "
                                        f"{e}") from e
        raise AssertionError("unreachable")

    def _guard(self, op: Callable[[], T]) -> T:
        dl = _deltalake()
        try:
            return op()
        except dl.exceptions.TableNotFoundError as e:
            raise WarehouseError(
                f"no Delta table at {self.where}: run `orcaops doctor` to check the home") from e
        except (dl.exceptions.DeltaError, OSError) as e:
            raise WarehouseError(disk_full(self.root, e)
                                 or f"the warehouse at {self.where} could not be used: {e}") \
                from e

    def commit_versions(self, name: str, within: int | None = None) -> dict[str, int]:
        """tag → version of each tagged commit of ``name`` (``append(..., tag=)``) among the
        latest ``within`` commits (None: every commit the log still holds)."""
        table = self.open(name)
        return {str(entry[_TAG]): int(entry["version"])
                for entry in self._guard(lambda: table.history(within)) if entry.get(_TAG)}


_TAG = "orcaops.write_id"

# Opening a table replays every commit since its last checkpoint (~0.35 ms each): every
# 10 commits keeps a live run's commit short (50 made it grow to ~185 ms).
CHECKPOINTS = {"delta.checkpointInterval": "10"}


def _commit_properties(dl: Any, tag: str | None) -> Any:
    return dl.CommitProperties(custom_metadata={_TAG: tag}) if tag else None


def disk_full(path: Path, error: BaseException) -> str | None:
    """A one-line "disk full" message when ``error`` is the device running out of space."""
    text = str(error)
    if getattr(error, "errno", None) == errno.ENOSPC or "No space left on device" in text \
            or "os error 28" in text:
        return (f"disk full at {path} (No space left on device); free some space and run "
                "the command again")
    return None
