"""User SQL (``orcaops sql``, ``wh.sql``, ``POST /orcaops/sql``, MCP ``orcaops_sql``), read-only
by construction.

Two independent guards, so that a hole in one does not let user SQL write:

1. :func:`check_read_only` parses the text with DuckDB (``extract_statements``) and accepts
   only statements that read: SELECT (which covers WITH, FROM-first, DESCRIBE, SHOW,
   SUMMARIZE), PRAGMA without an assignment, and EXPLAIN / EXPLAIN ANALYZE of one of those —
   the statement under an EXPLAIN is parsed and checked too, since EXPLAIN ANALYZE runs it.
2. :class:`UserSQL` runs what passes on a DuckDB that cannot write: the views are written
   once per snapshot to a private database file, which user connections ATTACH READ_ONLY and
   make their only catalog (the in-memory one is detached). CREATE, DROP, INSERT, ALTER of a
   view or table fail there; the configuration is locked; files are readable only under the
   warehouse (``allowed_directories``). Each call runs on its own cursor, so what one caller
   does (a TEMP table, a variable) is gone when its call ends and no other caller sees it.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

from orcaops.core.errors import InputError, WarehouseError
from orcaops.warehouse import serving
from orcaops.warehouse.connection import BROKEN_TABLE, Reader, TablesLike, first_line

if TYPE_CHECKING:
    import polars as pl

T = TypeVar("T")
_READ_KINDS = frozenset({"SELECT", "EXPLAIN", "PRAGMA"})
_EXPLAIN_WORDS = frozenset({"explain", "analyze", "analyse"})
_TOKEN = re.compile(r"\w+|\S")
# Views databases live in private temporary directories named after the owning process.
_PREFIX = "orcaops-sql-"
_USER_ERRORS = (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException,
                duckdb.ConversionException, duckdb.InvalidInputException,
                duckdb.PermissionException, duckdb.OutOfRangeException)


def check_read_only(query: str) -> None:
    """InputError unless every statement of ``query`` only reads (see the module docstring).

    Raises:
        InputError: the SQL does not parse, is empty, or has a statement that may write.
    """
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as e:
        raise InputError(f"SQL error: {first_line(e)}") from None
    if not statements:
        raise InputError("empty SQL: give a SELECT statement")
    for st in statements:
        _check_statement(st.type.name, st.query)


def _check_statement(kind: str, text: str, under: str = "") -> None:
    if kind not in _READ_KINDS or (kind == "PRAGMA" and "=" in text):
        raise InputError(f"only read-only SQL is allowed here (got {kind}{under}); "
                         "use --unsafe to run statements that write")
    if kind == "EXPLAIN":
        inner = _explained(text)
        try:
            statements = duckdb.extract_statements(inner)
        except duckdb.Error as e:
            raise InputError(f"SQL error: {first_line(e)}") from None
        if len(statements) != 1:
            raise InputError("EXPLAIN takes exactly one statement")
        # EXPLAIN ANALYZE runs the statement it explains: that one must read only, too.
        _check_statement(statements[0].type.name, statements[0].query, " under EXPLAIN")


def _explained(text: str) -> str:
    """The statement an EXPLAIN [ANALYZE] [(options)] applies to, found with DuckDB's own
    tokenizer (so comments and case do not matter)."""
    tokens = [t for t in duckdb.tokenize(text) if t[1] != duckdb.token_type.comment]
    starts = [pos for pos, _ in tokens]
    i = 0
    while i < len(tokens) and _word(text, starts, i) in _EXPLAIN_WORDS:
        i += 1
    if i == 0:  # not an EXPLAIN after all: refuse rather than guess
        raise InputError("cannot tell which statement this EXPLAIN applies to")
    if i < len(tokens) and _word(text, starts, i) == "(":  # EXPLAIN (FORMAT json) ...
        depth = 0
        while i < len(tokens):
            word = _word(text, starts, i)
            depth += word == "("
            depth -= word == ")"
            i += 1
            if depth == 0:
                break
    if i >= len(tokens):
        raise InputError("EXPLAIN without a statement to explain")
    return text[starts[i]:]


def _word(text: str, starts: list[int], i: int) -> str:
    found = _TOKEN.match(text, starts[i])
    return found.group(0).lower() if found else ""


class UserSQL:
    """Runs checked user SQL on read-only connections over ``tables``' current snapshot.

    Args:
        tables: the warehouse tables (``DeltaTables`` or a lazy stand-in).
        views_dir: the stored views' directory (defaults to the package's ``queries/``).
        timeout: seconds after which a query is interrupted (None: no limit).
    """

    def __init__(self, tables: TablesLike, views_dir: Path | None = None, *,
                 timeout: float | None = None) -> None:
        self.tables = tables
        self.timeout = timeout
        self._views_dir = views_dir
        self._lock = threading.Lock()
        self._builder: Reader | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        _remove_orphans()
        self._dir = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
        self._generation = 0
        atexit.register(shutil.rmtree, self._dir, True)

    def frame(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        """Check ``sql`` and run it; the result as a polars DataFrame."""
        return self._fetch(sql, params, lambda rel: rel.pl())

    def frame_page(self, sql: str, params: list[Any] | None, limit: int
                   ) -> tuple[pl.DataFrame, int]:
        """The first ``limit`` rows of ``sql`` and its total row count (see
        ``Reader.frame_page``)."""
        def take(rel: Any) -> tuple[pl.DataFrame, int]:
            frame = rel.limit(limit + 1).pl()
            if frame.height <= limit:
                return frame, frame.height
            return frame.head(limit), int(rel.aggregate("count(*)").fetchall()[0][0])
        return self._fetch(sql, params, take)

    def _fetch(self, sql: str, params: list[Any] | None, take: Callable[[Any], T]) -> T:
        check_read_only(sql)
        try:
            return self._on_cursor(sql, params, take)
        except duckdb.IOException:
            # A file vanished between snapshot and read (vacuum elsewhere): rebuild once.
            self.connection(force=True)
            try:
                return self._on_cursor(sql, params, take)
            except duckdb.IOException as e:
                raise WarehouseError(f"a data file of the current snapshot cannot be "
                                     f"read: {first_line(e)}; run `orcaops doctor`") from e

    def _on_cursor(self, sql: str, params: list[Any] | None, take: Callable[[Any], T]) -> T:
        cur = self.connection().cursor()
        timer = None
        if self.timeout is not None:
            timer = threading.Timer(self.timeout, cur.interrupt)
            timer.daemon = True
            timer.start()
        try:
            rel = cur.sql(sql, params=list(params) if params else None)
            if rel is None:  # PRAGMA and the like may answer nothing
                rel = cur.sql("SELECT NULL AS result WHERE false")
            return take(rel)
        except duckdb.InterruptException as e:
            raise InputError(f"the query ran longer than {self.timeout:g} s and was stopped; "
                             "narrow it (a WHERE, a LIMIT) or ask for less") from e
        except duckdb.InvalidInputException as e:
            if BROKEN_TABLE in str(e):
                raise WarehouseError(first_line(e).split(BROKEN_TABLE, 1)[1].strip()) from e
            raise InputError(f"SQL error: {_read_only_reason(e)}") from e
        except _USER_ERRORS as e:  # whole: DuckDB's LINE 1 and caret show where
            raise InputError(f"SQL error: {e}") from e
        except duckdb.IOException:
            raise
        except duckdb.Error as e:
            raise WarehouseError(f"query failed: {first_line(e)}") from e
        finally:
            if timer is not None:
                timer.cancel()
            cur.close()

    def connection(self, force: bool = False) -> duckdb.DuckDBPyConnection:
        """The read-only connection over the current snapshot, rebuilt when a table moved.

        Callers take a ``cursor()`` of it per query (cursors run concurrently).

        Raises:
            InputError: the home is on object storage (not available there yet)."""
        remote = getattr(self.tables, "remote", None)
        if remote is not None:
            raise InputError(
                f"read-only SQL is not available yet for a home on object storage "
                f"({remote.home.url}): its guard keeps the views in a read-only database file, "
                "which cannot hold the object store's datasets. Searches, runs show/logs and "
                "the analytics commands work; --unsafe runs the SQL without that guard")
        with self._lock:
            builder = self._builder
            if self._con is not None and builder is not None and not force \
                    and not builder.moved():
                return self._con
            path, self._builder = self._write_views(force)
            con = self._open_read_only(path, self._builder)
            if con is None:  # the serving copy moved on meanwhile: views over the files
                path, self._builder = self._write_views(force, serving_copy=False)
                con = self._open_read_only(path, self._builder)
            assert con is not None
            self._con = con
            return self._con

    def _write_views(self, force: bool, serving_copy: bool = True) -> tuple[Path, Reader]:
        """Write every view into a fresh database file; the file and the Reader that wrote it.

        In one transaction (~0.4 s instead of ~0.6 s: one WAL sync, not one per view); a
        view that fails inside it aborts the transaction, so then again view by view, where
        the Reader replaces a view over a broken file by one that reports it."""
        self._generation += 1
        path = self._dir / f"views-{self._generation}.duckdb"
        for atomic in (True, False):
            for stale in (path, path.with_name(path.name + ".wal")):
                stale.unlink(missing_ok=True)
            builder = Reader(self.tables, self._views_dir, sandbox=False, database=str(path),
                             serving_copy=serving_copy)
            try:
                if atomic:
                    builder.con.execute("BEGIN TRANSACTION")
                builder.refresh(force=force)
                if atomic:
                    builder.con.execute("COMMIT")
                return path, builder
            except (duckdb.Error, WarehouseError):
                if not atomic:
                    raise
            finally:
                builder.con.close()
        raise AssertionError("unreachable")

    def _open_read_only(self, path: Path, builder: Reader) -> duckdb.DuckDBPyConnection | None:
        """The locked connection over the views ``builder`` wrote to ``path``; None when those
        views read the serving copy and it no longer holds their snapshot."""
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET parquet_metadata_cache = true")
        con.execute("ATTACH ? AS views (READ_ONLY)", [str(path)])
        con.execute("USE views")
        con.execute("DETACH memory")  # no writable catalog is left but each cursor's TEMP
        # The views name the serving copy's catalog: attached read-only here too, and only
        # at the versions they were written for.
        if builder.served and (builder.snapshot is None or not serving.attach(
                con, self.tables.root, builder.snapshot.tables, bring=False)):
            con.close()
            return None
        root = str(self.tables.root.resolve())
        con.execute("SET temp_directory = ?", [str(self.tables.root / "_tmp")])
        con.execute("SET allowed_directories = ?", [[root + "/"]])
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        for old in self._dir.glob("views-*"):
            if not old.name.startswith(path.name):
                old.unlink(missing_ok=True)  # open cursors keep reading the unlinked file
        return con


def _remove_orphans() -> None:
    """Remove views directories of processes that are gone (killed before their atexit)."""
    for old in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*-*"):
        pid = old.name.removeprefix(_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _read_only_reason(e: BaseException) -> str:
    line = first_line(e)
    if "read-only mode" in line or "configuration has been locked" in line:
        return (f"{line.removeprefix('Invalid Input Error: ')} (this SQL is read-only; "
                "use --unsafe to write)")
    return line
