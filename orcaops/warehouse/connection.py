"""DuckDB over the current Delta snapshot: base views, stored views, refresh when tables move.

DuckDB reads the snapshot's Parquet files natively (``read_parquet`` over the snapshot's file
list), so queries run at DuckDB's Parquet speed. ``runs`` is loaded before ``logs`` and
``samples``: since a run's children commit before its row, every run the reader can see has
its logs, and the ``logs``/``samples`` views keep only rows of visible runs (hiding children
of runs not yet committed, or orphaned by a crash).

Where the snapshot comes from: ``_snapshot.json`` (see ``orcaops.warehouse.snapshot``) when it
is still current — a stat per table, no deltalake and no pyarrow, so a cold CLI call starts
fast — else deltalake, whose answer is saved as the new ``_snapshot.json``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import duckdb

from orcaops.core.errors import InputError, WarehouseError
from orcaops.warehouse import serving
from orcaops.warehouse.gate import Gate
from orcaops.warehouse.journal import WRITE_ID, replacing_ids
from orcaops.warehouse.pinned import pin_sql, unpin_sql
from orcaops.warehouse.snapshot import (
    TABLE_NAMES,
    Snapshot,
    TableSnapshot,
    is_current,
    load_snapshot,
    save_snapshot,
)
from orcaops.warehouse.views import ViewDef, free_names, load_views, view_closure

if TYPE_CHECKING:
    import polars as pl

    from orcaops.warehouse.remote import RemoteTables

T = TypeVar("T")
# Reads of a snapshot before settling for checking every run's write id (tables kept moving).
_STABLE_TRIES = 4
# Runs being replaced named in a view's SQL; more are checked through the join alone.
_MAX_LISTED = 2000
LOAD_ORDER = TABLE_NAMES
# A home on object storage: how long "no table moved" holds before the store is asked again.
REMOTE_RECHECK_S = 1.0
# Marks the error a view over an unreadable table raises (see ``broken_sql``).
BROKEN_TABLE = "orcaops-unreadable:"
# Errors in the text of a query (the user's SQL, or a value that does not convert).
_USER_ERRORS = (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException,
                duckdb.ConversionException, duckdb.InvalidInputException,
                duckdb.PermissionException)


class TablesLike(Protocol):
    """What the reader needs of ``DeltaTables``: where the tables are, and opening one.

    ``remote``: the tables are on object storage (``root`` is then the local folder of this
    machine's caches)."""

    root: Path
    remote: RemoteTables | None

    def path(self, name: str) -> Path: ...

    def open(self, name: str) -> Any: ...

    def commit_versions(self, name: str, within: int | None = None) -> dict[str, int]: ...


class LazyTables:
    """A warehouse root whose ``DeltaTables`` (deltalake, pyarrow) is built only when needed.

    Args:
        root: the warehouse directory.
        factory: builds the real tables (creating missing ones) on first ``open``.
    """

    def __init__(self, root: Path, factory: Callable[[], TablesLike]) -> None:
        self.root = root
        self.remote: RemoteTables | None = None
        self._factory = factory
        self._tables: TablesLike | None = None

    def path(self, name: str) -> Path:
        return self.root / name

    def open(self, name: str) -> Any:
        return self._real().open(name)

    def commit_versions(self, name: str, within: int | None = None) -> dict[str, int]:
        return self._real().commit_versions(name, within)

    def _real(self) -> TablesLike:
        if self._tables is None:
            self._tables = self._factory()
        return self._tables


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def scan_sql(table: TableSnapshot, source: str | None = None) -> str:
    """SQL reading one table's snapshot files, columns in schema order; ``source``: a
    relation registered on the connection that holds those files (object storage)."""
    if not table.files:
        cols = ", ".join(f"CAST(NULL AS {t}) AS \"{n}\"" for n, t in table.columns)
        return f"SELECT {cols} WHERE false"
    cols = ", ".join(f"CAST(NULL AS {t}) AS \"{n}\"" if n in table.absent else f"\"{n}\""
                     for n, t in table.columns)
    if source is not None:
        return f"SELECT {cols} FROM {source}"
    file_list = "[" + ", ".join(_literal(f) for f in table.files) + "]"
    # Every file of a table has the table's columns (the tables have one fixed schema, and
    # deltalake refuses writes that differ), so no union_by_name: it reads every footer at
    # bind time.
    return (f"SELECT {cols} FROM read_parquet({file_list}, hive_partitioning = true, "
            "hive_types = {'day': DATE})")


def visible_sql(replacing: frozenset[str] | None) -> str:
    """The condition on a child row (of ``logs_all``/``samples_all``) that its run is visible.

    A child belongs to the runs row of its write. Only runs named by a replace journal can
    have children of another write (``orcaops.warehouse.writer``), so the write ids are
    compared for those alone; ``None`` (unknown) compares them for every run.
    """
    same_write = (f"(job_id, coalesce({WRITE_ID}, '')) IN (SELECT job_id, "
                  f"coalesce({WRITE_ID}, '') FROM runs_all{{}})")
    if replacing is None or len(replacing) > _MAX_LISTED:
        return same_write.format("")
    plain = "job_id IN (SELECT job_id FROM runs)"
    if not replacing:
        return plain
    listed = "(" + ", ".join(_literal(i) for i in sorted(replacing)) + ")"
    return (f"{plain} AND (job_id NOT IN {listed} OR "
            + same_write.format(f" WHERE job_id IN {listed}") + ")")


def first_line(error: BaseException) -> str:
    """A driver error's first line (DuckDB appends the SQL with a caret below it)."""
    return (str(error).splitlines() or [""])[0]


def unreadable_file(files: tuple[str, ...]) -> str | None:
    """The first data file that is missing or not a whole Parquet file, described; else None.

    A stat and the last four bytes per file (a Parquet file ends with ``PAR1``): DuckDB reads
    only the first file's footer when a view is bound, so a file deleted or truncated behind
    the warehouse's back would otherwise surface mid-query as a bare driver error.
    """
    for uri in files:
        path = uri.removeprefix("file://")
        try:
            with open(path, "rb") as f:
                f.seek(-4, 2)
                if f.read(4) == b"PAR1":
                    continue
            return f"{path} is not a whole Parquet file (truncated?)"
        except FileNotFoundError:
            return f"{path} is missing"
        except OSError as e:
            return f"{path} cannot be read ({e.strerror or e})"
    return None


def broken_sql(name: str, table: TableSnapshot, error: BaseException | str) -> str:
    """A SELECT with ``table``'s columns that raises, naming what is broken, when run."""
    # Every column and the filter depend on error(): no plan can answer without raising
    # (a constant NULL column let DuckDB fold `WHERE job_id = ?` to an empty, silent result).
    cols = ", ".join(f"CAST(e AS {t}) AS \"{n}\"" for n, t in table.columns)
    message = (f"{BROKEN_TABLE} the {name} table has a missing or corrupt data file "
               f"({error if isinstance(error, str) else first_line(error)}); "
               "run `orcaops doctor`")
    return f"SELECT {cols} FROM (SELECT error({_literal(message)}) AS e) WHERE e IS NULL"


def plain_rows(rel: duckdb.DuckDBPyRelation) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of ``rel``; timestamps with time zone as aware UTC datetimes.

    DuckDB hands TIMESTAMPTZ to Python through pytz, which OrcaOps does not need otherwise:
    such columns are fetched as UTC wall time and given ``timezone.utc`` here.
    """
    from datetime import timezone

    names = list(rel.columns)
    zoned = {i for i, t in enumerate(rel.types) if str(t) == "TIMESTAMP WITH TIME ZONE"}
    if not zoned:
        return names, rel.fetchall()
    quoted = ['"' + n.replace('"', '""') + '"' for n in names]
    rel = rel.project(", ".join(f"{q}::TIMESTAMP AS {q}" if i in zoned else q
                                for i, q in enumerate(quoted)))
    rows = [tuple(v.replace(tzinfo=timezone.utc) if i in zoned and v is not None else v
                  for i, v in enumerate(row)) for row in rel.fetchall()]
    return names, rows


def delta_snapshot(tables: TablesLike) -> Snapshot:
    """The tables' latest versions and files, read with deltalake (runs first)."""
    from orcaops.warehouse.schema import TABLES, duckdb_type

    out = {}
    for name in LOAD_ORDER:
        try:
            table = tables.open(name)
        except WarehouseError as e:
            from orcaops.warehouse.health import log_damage

            raise WarehouseError(log_damage(tables.root / name) or first_line(e)) from e
        columns = tuple((f.name, duckdb_type(f.type)) for f in TABLES[name])
        stored = {f.name for f in table.schema().fields}
        absent = tuple(n for n, _ in columns if n not in stored)
        out[name] = TableSnapshot(int(table.version()), tuple(table.file_uris()), columns,
                                  absent)
    return Snapshot(out)


class Reader:
    """A DuckDB connection whose views follow the tables' latest committed versions.

    Queries run each on its own cursor, so threads (the HTTP server's) query at once; the
    views change only between queries (``Gate``). ``timeout``: seconds after which a query
    is interrupted, an InputError (None: no limit). ``serving_copy``: read runs and tests
    from the serving copy when it can be had (else, and always on object storage, from the
    files)."""

    def __init__(self, tables: TablesLike, views_dir: Path | None = None, *,
                 sandbox: bool = True, lazy_views: bool = False,
                 database: str = ":memory:", timeout: float | None = None,
                 serving_copy: bool = True) -> None:
        self.tables = tables
        self.timeout = timeout
        # Creating views reads every file's footer and the stored views cost ~0.1 s more; a
        # one-shot CLI search mostly reads runs alone, so a lazy reader defines ``runs`` and
        # creates the rest only when a query names a view it does not find.
        self._lazy_views = lazy_views
        # ``database``: a file when the views are built for read-only user SQL (usersql.py).
        self.con = duckdb.connect(database)
        # Runs and tests from the serving copy (``orcaops.warehouse.serving``) for a local
        # home. Views saved in a database file (``database``) then name its catalog: whoever
        # opens that file attaches the copy too, at ``snapshot``'s versions (usersql.py).
        self._serving = serving_copy and tables.remote is None
        self._served = False  # the views of the current snapshot read the copy
        # Timestamps come back in UTC whichever zone the machine is in: rows and frames agree.
        self.con.execute("SET TimeZone = 'UTC'")
        # Delta data files never change once written: keep their Parquet footers in memory
        # instead of reading and decoding them again on every query.
        self.con.execute("SET parquet_metadata_cache = true")
        if sandbox:
            self._sandbox()
        self.versions: dict[str, int] = {}
        self.snapshot: Snapshot | None = None
        self._replacing: frozenset[str] | None = frozenset()
        self._views_dir = views_dir
        self._stored_views_created = False
        self._views_made: set[str] = set()  # stored views created so far (lazy readers)
        self._pinned: list[ViewDef] = []  # stored views held as tables (``materialized``)
        self._pin_depth = 0
        self._rest_created = False  # lazy readers: views besides runs exist
        self._gate = Gate()
        # Data files that passed the integrity check behind an earlier driver error.
        self._passed: set[tuple[str, int, int]] = set()
        # Object storage: the snapshot's files as pyarrow datasets, registered by name on the
        # connection and on every cursor (a registration is local to one cursor).
        self._sources: dict[str, Any] = {}
        self._checked_at = float("-inf")  # when the remote tables were last seen current

    def _sandbox(self) -> None:
        """Let SQL read the warehouse and nothing else: no other files, no extensions."""
        root = str(self.tables.root.resolve())
        spill = self.tables.root / "_tmp"
        self.con.execute("SET temp_directory = ?", [str(spill)])
        self.con.execute("SET allowed_directories = ?", [[root + "/"]])
        self.con.execute("SET enable_external_access = false")
        self.con.execute("SET lock_configuration = true")

    @property
    def served(self) -> bool:
        """Whether the views of the current snapshot read the serving copy."""
        return self._served

    def moved(self) -> bool:
        """Whether any table has a commit newer than the one the views show.

        On object storage the question costs round trips, so an answer "not moved" is
        reused for ``REMOTE_RECHECK_S``: a query sees commits at most that much later."""
        if not self.versions:
            return True
        remote = self.tables.remote
        if remote is not None and time.monotonic() - self._checked_at < REMOTE_RECHECK_S:
            return False
        current = is_current(self.tables.root, self.versions, remote)
        if current:
            self._checked_at = time.monotonic()
        return not current

    def refresh(self, force: bool = False) -> None:
        """Point the base views at the current snapshot if a table moved."""
        if not force and not self.moved():  # the common case takes no lock at all
            return
        with self._gate.writing():
            if not force and not self.moved():
                return
            snap, self._replacing = self._stable_snapshot(force)
            self.snapshot = snap
            self._unpin()  # tables computed from the old snapshot: views again
            # Marked current only once the views show it: after a failure the next query
            # tries again instead of running on views of two different snapshots.
            self.versions = {}
            if self._lazy_views and not self._rest_created:
                self._create_runs_view(snap.tables['runs'])
                self.versions = snap.versions
                self._checked_at = time.monotonic()
                return
            self._create_base_views()
            self._rest_created = True
            if not self._stored_views_created and not self._lazy_views:
                self._create_stored_views()
            self.versions = snap.versions
            self._checked_at = time.monotonic()

    def _stable_snapshot(self, force: bool) -> tuple[Snapshot, frozenset[str] | None]:
        """A snapshot no table moved away from while it was read, and the runs being replaced.

        The tables are read one after another; a replace that swapped a runs row and deleted
        the old children in between would show the old row without its children. So the read
        counts only if every table is still at its version after the journals were listed
        (any journal missed was removed after its last table commit, which then shows as a
        move). When the tables keep moving, the set is None: check every run's write id.
        """
        root, remote = self.tables.root, self.tables.remote
        snap = None
        for attempt in range(_STABLE_TRIES):
            snap = None if force and attempt == 0 else load_snapshot(root, remote)
            if snap is None:
                snap = delta_snapshot(self.tables)
                save_snapshot(root, snap)
            # On object storage a replace's journal may be on another machine: every run's
            # write id is checked (None), which is what keeps a crashed writer's children
            # elsewhere out of sight.
            replacing = replacing_ids(root) if remote is None else None
            if is_current(root, snap.versions, remote):
                return snap, replacing
        assert snap is not None
        return snap, None

    @property
    def files(self) -> dict[str, list[str]]:
        """The data files of each table in the snapshot the views show."""
        snap = self.snapshot
        return {n: list(t.files) for n, t in snap.tables.items()} if snap else {}

    def _create_base_views(self) -> None:
        tables = self.snapshot.tables if self.snapshot else {}
        self._create_runs_view(tables["runs"])
        visible = visible_sql(self._replacing)
        broken_logs = None
        for name in ("logs", "samples", "tests", "actions"):
            view = name if name == "actions" else f"{name}_all"
            broken = self._create_table_view(view, name, tables[name])
            if name != "actions":
                self._exec(f"CREATE OR REPLACE VIEW {name} AS SELECT * EXCLUDE ({WRITE_ID}) "
                           f"FROM {name}_all WHERE {visible}")
            if name == "logs":
                broken_logs = broken
        self._create_index_views(tables["logs"], broken_logs, tables["runs"].version,
                                 visible if self._replacing != frozenset() else None)

    def _create_table_view(self, view: str, name: str, table: TableSnapshot) -> str | None:
        """The view of one child table; over a missing or corrupt data file, a view that
        fails when (and only when) a query reads it, so queries of other tables go on.
        Returns that failing view's SQL, or None when the table is readable."""
        problem: BaseException | str | None = self._unreadable(table.files)
        if problem is None:
            try:
                self.con.execute(f"CREATE OR REPLACE VIEW {view} AS {self._scan(name, table)}")
                return None
            except duckdb.Error as e:
                problem = self.damage({name: table.files}) or e
        sql = broken_sql(name, table, problem)
        self._exec(f"CREATE OR REPLACE VIEW {view} AS {sql}")
        return sql

    def _create_runs_view(self, table: TableSnapshot) -> None:
        """The ``runs`` view; a broken runs file fails every read (and import) right away."""
        problem = self._unreadable(table.files)
        if problem is not None:
            raise WarehouseError(f"DuckDB could not read the warehouse: {problem}; "
                                 "run `orcaops doctor`")
        snap = self.snapshot
        self._served = self._serving and snap is not None \
            and serving.attach(self.con, self.tables.root, snap.tables)
        scan = self._scan("runs", table)
        if self.tables.remote is not None and table.files:
            scan = self._first_copies(scan, table.files)
        self._exec(f"CREATE OR REPLACE VIEW runs_all AS {scan}")
        self._exec(f"CREATE OR REPLACE VIEW runs AS SELECT * EXCLUDE ({WRITE_ID}) FROM runs_all")

    def _first_copies(self, scan: str, files: tuple[str, ...]) -> str:
        """``scan`` of runs on object storage without the copies a later writer has yet to
        delete (or never will: it was killed), so a reader never sees a run twice; their
        children go with them (there every child is matched to its runs row's write id).
        Which runs are doubled is looked up once per set of runs files on this machine
        (a GROUP BY over the local copies, remembered in ``copies.DOUBLED_FILE``); the
        table's history is read only when a run is doubled (``orcaops.warehouse.copies``)."""
        from orcaops.warehouse import copies

        doubled = copies.load_doubled(self.tables.root, files)
        if doubled is None:
            try:
                rows = self.con.execute(copies.doubled_sql(scan)).fetchall()
            except duckdb.Error as e:
                raise WarehouseError(f"DuckDB could not read the warehouse: {e}") from e
            doubled = {job_id: list(writes) for job_id, writes in rows}
            copies.save_doubled(self.tables.root, files, doubled)
        if not doubled:
            return scan
        return copies.without_later_sql(scan, doubled, self.tables.commit_versions("runs"))

    def _unreadable(self, files: tuple[str, ...]) -> str | None:
        # On object storage a missing object surfaces as an IOException when read (one
        # reload, then a WarehouseError naming the file); a probe per file would cost a
        # request each.
        return unreadable_file(files) if self.tables.remote is None else None

    def _scan(self, name: str, table: TableSnapshot) -> str:
        """The SQL reading table ``name``'s snapshot: the serving copy's table when attached;
        else its files directly when local; on object storage local copies of the small
        tables' files (``remote.MIRRORED``), else a pyarrow dataset over the store registered
        under ``<name>_files``."""
        if self._served and name in serving.SERVED:
            return serving.table_sql(name, table)
        remote = self.tables.remote
        if remote is None or not table.files:
            return scan_sql(table)
        from orcaops.warehouse.remote import MIRRORED

        if name in MIRRORED:  # small tables: local copies, read natively
            local = remote.mirror(self.tables.root, name, table.files)
            return scan_sql(TableSnapshot(table.version, local, table.columns, table.absent))
        source = f"{name}_files"
        self._sources[source] = remote.dataset(name, table.files)
        self.con.register(source, self._sources[source])
        return scan_sql(table, source)

    def _create_index_views(self, logs: TableSnapshot, broken: str | None = None,
                            runs_version: int | None = None, strict: str | None = None
                            ) -> None:
        """Views of the log index (``log:`` searches), over the files still in the snapshot.

        ``runs_version``: the runs snapshot shown; from the index's version on, indexed
        lines need no semi-join against ``runs``. ``strict``: a visibility condition that
        matches write ids, given while runs are being replaced: the index (which keeps no
        write ids) is then set aside and every line is checked with it."""
        from orcaops.warehouse.logindex import load_index, view_sql

        if broken is not None:  # every log view fails like the logs table itself
            views = view_sql(None, (), broken)
        else:
            empty = scan_sql(TableSnapshot(logs.version, (), logs.columns))
            index = None if strict is not None else load_index(self.tables.root)
            views = view_sql(index, logs.files, empty, runs_version)
            if strict is not None:
                views["logs_unindexed"] = f"SELECT * FROM logs_all WHERE {strict}"
            else:
                try:
                    for name, sql in views.items():
                        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
                    return
                except duckdb.Error:
                    # The index is derived data: unreadable, it is not used (searches scan,
                    # with the same answers) and must never stop reads of the tables.
                    views = view_sql(None, logs.files, empty, runs_version)
        for name, sql in views.items():
            self._exec(f"CREATE OR REPLACE VIEW {name} AS {sql}")

    def _create_stored_views(self, named_in: str | None = None,
                             names: set[str] | None = None) -> None:
        """Create the stored views not created yet: all of them, or (``named_in``) those a
        SQL text names, or those in ``names``, and the views they depend on."""
        if self._stored_views_created:
            return
        views = load_views(self._views_dir)
        if named_in is not None:
            names = free_names(named_in)
        if names is not None:
            views = view_closure(views, names)
        for view in views:
            if view.name in self._views_made:
                continue
            try:
                self.con.execute(f"CREATE OR REPLACE VIEW {view.name} AS {view.sql}")
            except duckdb.Error as e:
                raise WarehouseError(f"view {view.name} (queries/{view.name}.sql): {e}") from e
            self._views_made.add(view.name)
        if names is None:
            self._stored_views_created = True

    @contextmanager
    def materialized(self, *names: str) -> Iterator[None]:
        """Within the block the stored views ``names`` (dependency order) are tables,
        computed once from the current snapshot, so the queries that read them (several
        views over one, or one view several times) do not compute them again. Answers are
        the same: when a table moves meanwhile, the next query's refresh turns them back
        into views."""
        self.refresh()
        with self._gate.writing():
            self._pin_depth += 1
            try:
                self._pin(names)
            except BaseException:
                self._pin_depth -= 1
                self._unpin()
                raise
        try:
            yield
        finally:
            with self._gate.writing():
                self._pin_depth -= 1
                if not self._pin_depth:
                    self._unpin()

    def _pin(self, names: tuple[str, ...]) -> None:
        if not self._rest_created:
            self._create_base_views()
            self._rest_created = True
        self._create_stored_views(names=set(names))
        by_name = {v.name: v for v in load_views(self._views_dir)}
        for name in names:
            if name in by_name and all(v.name != name for v in self._pinned):
                self._pinned.append(by_name[name])
                for sql in pin_sql(name):
                    self._exec(sql)

    def _unpin(self) -> None:
        """The pinned views back as views (callers hold the writer's gate)."""
        while self._pinned:
            for sql in unpin_sql(self._pinned.pop()):
                self._exec(sql)

    def _exec(self, sql: str) -> None:
        try:
            self.con.execute(sql)
        except duckdb.Error as e:
            raise WarehouseError(f"DuckDB could not read the warehouse: {e}") from e

    def frame(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None
              ) -> pl.DataFrame:
        """Run ``sql`` on the current snapshot; the result as a polars DataFrame."""
        return self._fetch(sql, params, lambda rel: rel.pl())

    def rows(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None
             ) -> list[tuple[Any, ...]]:
        """Run ``sql`` on the current snapshot; the result as tuples."""
        return self._fetch(sql, params, lambda rel: rel.fetchall() if rel is not None else [])

    def frame_page(self, sql: str, params: list[Any] | tuple[Any, ...] | None, limit: int
                   ) -> tuple[pl.DataFrame, int]:
        """The first ``limit`` rows of ``sql`` as a DataFrame, and how many rows it has in
        all: only ``limit + 1`` rows are fetched, and the total costs a count only when the
        result is longer than the page."""
        def take(rel: Any) -> tuple[pl.DataFrame, int]:
            import polars as pl

            if rel is None:
                return pl.DataFrame(), 0
            frame = rel.limit(limit + 1).pl()
            if frame.height <= limit:
                return frame, frame.height
            return frame.head(limit), int(rel.aggregate("count(*)").fetchall()[0][0])
        return self._fetch(sql, params, take)

    def records(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None
                ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run ``sql``; the column names and the rows as tuples (no polars, no pyarrow)."""
        return self._fetch(sql, params, lambda rel: plain_rows(rel) if rel is not None
                           else ([], []))

    def _fetch(self, sql: str, params: list[Any] | tuple[Any, ...] | None,
               take: Callable[[Any], T]) -> T:
        self.refresh()
        try:
            return self._query(sql, params, take)
        except duckdb.IOException:
            # A file vanished between snapshot and read (vacuum elsewhere): reload once.
            self.refresh(force=True)
            try:
                return self._query(sql, params, take)
            except duckdb.IOException as e:
                raise WarehouseError(f"a data file of the current snapshot cannot be "
                                     f"read: {self.damage() or first_line(e)}; run "
                                     "`orcaops doctor`") from e

    def _query(self, sql: str, params: list[Any] | tuple[Any, ...] | None,
               take: Callable[[Any], T]) -> T:
        try:
            return self._run(sql, params, take)
        except _ViewsMissing:
            # A lazy reader met a view it has not created yet: create the rest, then retry
            # (a catalog error after that is the query's own).
            with self._gate.writing():
                if not self._rest_created:
                    self._create_base_views()
                    self._rest_created = True
            try:  # most queries name only tables (``logs``): no stored views (~0.1 s)
                return self._run(sql, params, take)
            except _ViewsMissing:
                # Only the views the query names, with what they depend on: a cold ``runs
                # show`` needs 2 of the ~30 (creating all binds every one, ~0.2 s).
                with self._gate.writing():
                    self._create_stored_views(named_in=sql)
            try:
                return self._run(sql, params, take)
            except _ViewsMissing:  # a view the query reaches without naming it
                with self._gate.writing():
                    self._create_stored_views()
            return self._run(sql, params, take)

    def _run(self, sql: str, params: list[Any] | tuple[Any, ...] | None,
             take: Callable[[Any], T]) -> T:
        with self._gate.reading():
            cur = self.con.cursor()
            for source, data in self._sources.items():
                cur.register(source, data)
            timer = None
            if self.timeout is not None:  # DuckDB's interrupt stops this cursor's query only
                timer = threading.Timer(self.timeout, cur.interrupt)
                timer.daemon = True
                timer.start()
            try:
                return take(cur.sql(sql, params=list(params) if params else None))
            except duckdb.CatalogException as e:
                if self._stored_views_created:
                    raise InputError(f"SQL error: {e}") from e
                raise _ViewsMissing from e
            except duckdb.InterruptException as e:
                raise InputError(f"the query ran longer than {self.timeout:g} s and was "
                                 "stopped; narrow it") from e
            except duckdb.InvalidInputException as e:
                if BROKEN_TABLE in str(e):
                    raise WarehouseError(first_line(e).split(BROKEN_TABLE, 1)[1].strip()) \
                        from e
                self._raise_if_damaged(e)
                raise InputError(f"SQL error: {e}") from e
            except _USER_ERRORS as e:
                raise InputError(f"SQL error: {e}") from e
            except duckdb.IOException:
                raise
            except duckdb.Error as e:
                self._raise_if_damaged(e)
                raise WarehouseError(f"query failed: {e}") from e
            finally:
                if timer is not None:
                    timer.cancel()
                cur.close()

    def damage(self, files: dict[str, tuple[str, ...]] | None = None) -> str | None:
        """The first data file of the snapshot (or of ``files``) failing its integrity
        check, described; None if all pass. Only on an error path (``health.first_damage``)."""
        from orcaops.warehouse.health import first_damage

        if self.tables.remote is not None:
            return None  # the checks read local files; the store checksums its objects
        if files is None:
            files = {n: t.files for n, t in self.snapshot.tables.items()} if self.snapshot else {}
        return first_damage(self.tables.root, files, self._passed)

    def _raise_if_damaged(self, error: duckdb.Error) -> None:
        """A driver error caused by a damaged data file becomes a WarehouseError naming it
        (a corrupt page surfaces as an "invalid input" error otherwise taken for bad SQL)."""
        found = self.damage()
        if found is not None:
            raise WarehouseError(f"{found}; run `orcaops doctor`") from error


class _ViewsMissing(Exception):
    """A lazy reader's query named a view not created yet."""


def open_reader(home: str | Path | None = None) -> Reader:
    """A reader over the warehouse of ``home`` that opens deltalake only if it must.

    What ``orcaops runs search`` uses: while ``_snapshot.json`` is current, neither the
    ``Warehouse`` (polars, pydantic), deltalake nor pyarrow is imported.
    """
    from orcaops.core.config import home_settings

    settings = home_settings(home)
    root = settings.warehouse

    def tables() -> Any:
        from orcaops.warehouse.tables import DeltaTables

        found = DeltaTables(settings.warehouse, settings.log_retention, remote=settings.remote)
        found.ensure()  # creates missing tables, as opening a Warehouse does
        return found

    if settings.remote is not None:  # object storage: pyarrow and deltalake are needed anyway
        return Reader(tables(), lazy_views=True)
    return Reader(LazyTables(root, tables), lazy_views=True)
