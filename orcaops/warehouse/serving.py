"""The serving copy: runs and test results of one Delta snapshot in native DuckDB tables.

Delta stays the source of truth. ``warehouse/_serving.duckdb`` holds the ``runs`` and
``tests`` tables as of one version of each, in DuckDB's own storage (row groups with min/max
per column; runs sorted by ``started_at`` when built whole), which a search reads several
times faster than the snapshot's Parquet files (10k runs: a filtered top 50 in 1.8 ms
against 10 ms over 26 files).

It is derived data, kept up to date by readers, never by a commit (a live run's commit stays
short): a reader whose snapshot is newer than the copy takes in the difference — rows of the
data files the snapshot no longer lists are deleted, rows of its new files inserted, each row
knowing its file (``_file``) — in one DuckDB transaction, so the copy always holds whole
table versions. A commit costs the next reader one small file's insert per table; a
compaction, the rows of the partitions it rewrote.

DuckDB lets one process write a database file, or several read it. So a reader attaches the
copy read-only (``ATTACH … (READ_ONLY)``) and checks, under that lock, that it holds its
snapshot's versions; a copy that another process is reading or writing, or that is behind
and cannot be brought up to date now, is simply not used: the reader reads the Parquet files
as before, with the same answers. A copy that does not open (damaged, another schema) is
deleted and built again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb

from orcaops.warehouse.snapshot import TableSnapshot, schema_tag

SERVING_FILE = "_serving.duckdb"
# The tables served, and the order a table is built in whole (pruning by time for runs).
SERVED = {"runs": "started_at", "tests": "job_id"}
# The name the copy is attached under on a reader's connection.
CATALOG = "serving"
FILE_COLUMN = "_file"


def serving_path(root: Path) -> Path:
    return root / SERVING_FILE


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _columns(table: TableSnapshot) -> str:
    """``table``'s columns (NULL for those it does not store yet)."""
    return ", ".join(f"CAST(NULL AS {t}) AS \"{n}\"" if n in table.absent else f"\"{n}\""
                     for n, t in table.columns)


def _scan(table: TableSnapshot, files: list[str]) -> str:
    listed = "[" + ", ".join(_literal(f) for f in files) + "]"
    return (f"SELECT {_columns(table)}, filename AS {FILE_COLUMN} FROM read_parquet("
            f"{listed}, hive_partitioning = true, hive_types = {{'day': DATE}}, "
            "filename = true)")


@contextlib.contextmanager
def _writable(path: Path) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """The copy opened for writing; None while another connection (this process's or
    another's) has it open. A file that is not a DuckDB database is removed first."""
    con = None
    for attempt in range(2):
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.Error as e:
            if _busy(e) or attempt:
                yield None
                return
            _remove(path)  # damaged or not ours: derived data, built again
    assert con is not None
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def _busy(error: duckdb.Error) -> bool:
    text = str(error)
    return isinstance(error, duckdb.IOException) and "lock" in text.lower() \
        or "Unique file handle conflict" in text


def _remove(path: Path) -> None:
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)


def sync(root: Path, tables: Mapping[str, TableSnapshot]) -> bool:
    """Bring the copy to ``tables`` (the snapshot's served tables); False when it cannot be
    written now (another connection has it open, or a data file does not read: the Parquet
    path then says which). Nothing is read when it is already there."""
    with _writable(serving_path(root)) as con:
        if con is None:
            return False
        try:
            _apply(con, {name: tables[name] for name in SERVED})
        except duckdb.Error:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            return False
    return True


def _apply(con: duckdb.DuckDBPyConnection, tables: dict[str, TableSnapshot]) -> None:
    tag = schema_tag()
    state = _state(con)
    wanted = {name: table.version for name, table in tables.items()}
    if state == (tag, wanted):
        return
    con.execute("BEGIN TRANSACTION")
    if state is None or state[0] != tag:  # new, or written by other code: built whole
        for old in ("state", "files", *SERVED):
            con.execute(f"DROP TABLE IF EXISTS {old}")
        con.execute("CREATE TABLE state (name VARCHAR, schema VARCHAR, version BIGINT)")
        con.execute("CREATE TABLE files (name VARCHAR, file VARCHAR)")
        for name, table in tables.items():
            if table.files:
                con.execute(f"CREATE TABLE {name} AS {_scan(table, list(table.files))} "
                            f"ORDER BY {SERVED[name]}")
            else:
                con.execute(f"CREATE TABLE {name} AS SELECT {_columns(table)}, "
                            f"CAST(NULL AS VARCHAR) AS {FILE_COLUMN} WHERE false")
            _list_files(con, name, list(table.files))
    else:
        for name, table in tables.items():
            if state[1].get(name) != table.version:
                _take_in(con, name, table)
    con.execute("DELETE FROM state")
    for name, version in wanted.items():
        con.execute("INSERT INTO state VALUES (?, ?, ?)", [name, tag, version])
    con.execute("COMMIT")


def _take_in(con: duckdb.DuckDBPyConnection, name: str, table: TableSnapshot) -> None:
    """Delete the rows of ``name``'s files ``table`` no longer lists; insert its new files'."""
    stored = {f for (f,) in con.execute("SELECT file FROM files WHERE name = ?",
                                        [name]).fetchall()}
    now = set(table.files)
    gone, new = sorted(stored - now), sorted(now - stored)
    if gone:
        con.execute(f"DELETE FROM {name} WHERE {FILE_COLUMN} IN (SELECT unnest(?))", [gone])
        con.execute("DELETE FROM files WHERE name = ? AND file IN (SELECT unnest(?))",
                    [name, gone])
    if new:
        con.execute(f"INSERT INTO {name} BY NAME {_scan(table, new)} ORDER BY {SERVED[name]}")
        _list_files(con, name, new)


def _list_files(con: duckdb.DuckDBPyConnection, name: str, files: list[str]) -> None:
    con.execute("INSERT INTO files SELECT ?, unnest(?)", [name, files])


def _state(con: duckdb.DuckDBPyConnection, catalog: str | None = None
           ) -> tuple[str, dict[str, int]] | None:
    """The schema tag and the version of each table the copy holds (None: no copy)."""
    prefix = f"{catalog}." if catalog else ""
    try:
        rows = con.execute(f"SELECT name, schema, version FROM {prefix}state").fetchall()
    except duckdb.Error:
        return None
    if not rows or len({r[1] for r in rows}) != 1:
        return None
    return str(rows[0][1]), {str(r[0]): int(r[2]) for r in rows}


def attached_versions(con: duckdb.DuckDBPyConnection) -> dict[str, int] | None:
    """The versions of the copy attached on ``con`` (None: none attached, or other code's)."""
    state = _state(con, CATALOG)
    return state[1] if state is not None and state[0] == schema_tag() else None


def attach(con: duckdb.DuckDBPyConnection, root: Path, tables: Mapping[str, TableSnapshot],
           bring: bool = True) -> bool:
    """Attach the copy read-only on ``con`` if it holds exactly the served tables of
    ``tables``, bringing it there first when it is elsewhere (unless not ``bring``); False
    (nothing attached) when it cannot be had now."""
    wanted = {name: tables[name].version for name in SERVED}
    if attached_versions(con) == wanted:
        return True
    detach(con)
    path = serving_path(root)
    for attempt in range(2 if bring else 1):
        if (attempt or not path.exists()) and (not bring or not sync(root, tables)):
            return False
        try:
            con.execute(f"ATTACH {_literal(str(path))} AS {CATALOG} (READ_ONLY)")
        except duckdb.Error:
            continue  # being written by another process, or damaged: sync says which
        # Read-only attached, nobody can change it: the versions seen are those queried.
        if attached_versions(con) == wanted:
            return True
        detach(con)
    return False


def detach(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):
        con.execute(f"DETACH DATABASE IF EXISTS {CATALOG}")


def table_sql(name: str, table: TableSnapshot) -> str:
    """A SELECT of table ``name`` from the attached copy (the snapshot's columns, in order)."""
    cols = ", ".join(f'"{n}"' for n, _ in table.columns)
    return f"SELECT {cols} FROM {CATALOG}.{name}"
