"""DuckDB over the current Delta snapshot: base views, stored views, refresh when tables move.

DuckDB reads the snapshot's Parquet files natively (``read_parquet`` over
``DeltaTable.file_uris()``), so queries run at DuckDB's Parquet speed. ``runs`` is loaded
before ``logs`` and ``samples``: since a run's children commit before its row, every run the
reader can see has its logs, and the ``logs``/``samples`` views keep only rows of visible runs
(hiding children of runs not yet committed, or orphaned by a crash).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl

from orcaops.errors import InputError, WarehouseError
from orcaops.warehouse.schema import TABLES, empty_select_sql
from orcaops.warehouse.tables import DeltaTables
from orcaops.warehouse.views import load_views

T = TypeVar("T")
LOAD_ORDER = ("runs", "logs", "samples", "actions")
# Errors in the text of a query (the user's SQL, or a value that does not convert).
_USER_ERRORS = (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException,
                duckdb.ConversionException, duckdb.InvalidInputException,
                duckdb.PermissionException)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def scan_sql(name: str, files: list[str]) -> str:
    """SQL reading one table's snapshot files, columns in schema order."""
    schema = TABLES[name]
    if not files:
        return empty_select_sql(schema)
    cols = ", ".join(f"\"{f.name}\"" for f in schema)
    file_list = "[" + ", ".join(_literal(f) for f in files) + "]"
    return (f"SELECT {cols} FROM read_parquet({file_list}, hive_partitioning = true, "
            "hive_types = {'day': DATE}, union_by_name = true)")


class Reader:
    """A DuckDB connection whose views follow the tables' latest committed versions."""

    def __init__(self, tables: DeltaTables, views_dir: Path | None = None, *,
                 sandbox: bool = True) -> None:
        self.tables = tables
        self.con = duckdb.connect()
        if sandbox:
            self._sandbox()
        self.versions: dict[str, int] = {}
        self.files: dict[str, list[str]] = {}
        self._views_dir = views_dir
        self._stored_views_created = False
        self._lock = threading.RLock()

    def _sandbox(self) -> None:
        """Let SQL read the warehouse and nothing else: no other files, no extensions."""
        root = str(self.tables.root.resolve())
        spill = self.tables.root / "_tmp"
        self.con.execute("SET temp_directory = ?", [str(spill)])
        self.con.execute("SET allowed_directories = ?", [[root + "/"]])
        self.con.execute("SET enable_external_access = false")
        self.con.execute("SET lock_configuration = true")

    def moved(self) -> bool:
        """Whether any table has a commit newer than the one the views show."""
        if not self.versions:
            return True
        for name, version in self.versions.items():
            nxt = self.tables.path(name) / "_delta_log" / f"{version + 1:020d}.json"
            if nxt.exists():
                return True
        return False

    def refresh(self, force: bool = False) -> None:
        """Point the base views at the current snapshot if a table moved."""
        with self._lock:
            if not force and not self.moved():
                return
            for name in LOAD_ORDER:
                table = self.tables.open(name)
                self.versions[name] = int(table.version())
                self.files[name] = list(table.file_uris())
            self._create_base_views()
            if not self._stored_views_created:
                self._create_stored_views()

    def _create_base_views(self) -> None:
        self._exec(f"CREATE OR REPLACE VIEW runs AS {scan_sql('runs', self.files['runs'])}")
        for name in ("logs", "samples"):
            self._exec(f"CREATE OR REPLACE VIEW {name}_all AS "
                       f"{scan_sql(name, self.files[name])}")
            self._exec(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {name}_all "
                       "WHERE job_id IN (SELECT job_id FROM runs)")
        self._exec(f"CREATE OR REPLACE VIEW actions AS {scan_sql('actions', self.files['actions'])}")

    def _create_stored_views(self) -> None:
        for view in load_views(self._views_dir):
            try:
                self.con.execute(f"CREATE OR REPLACE VIEW {view.name} AS {view.sql}")
            except duckdb.Error as e:
                raise WarehouseError(f"view {view.name} (queries/{view.name}.sql): {e}") from e
        self._stored_views_created = True

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

    def _fetch(self, sql: str, params: list[Any] | tuple[Any, ...] | None,
               take: Callable[[Any], T]) -> T:
        with self._lock:
            self.refresh()
            try:
                return self._run(sql, params, take)
            except duckdb.IOException:
                # A file vanished between snapshot and read (vacuum elsewhere): reload once.
                self.refresh(force=True)
                return self._run(sql, params, take)

    def _run(self, sql: str, params: list[Any] | tuple[Any, ...] | None,
             take: Callable[[Any], T]) -> T:
        try:
            return take(self.con.sql(sql, params=list(params) if params else None))
        except _USER_ERRORS as e:
            raise InputError(f"SQL error: {e}") from e
        except duckdb.IOException:
            raise
        except duckdb.Error as e:
            raise WarehouseError(f"query failed: {e}") from e
