"""One in-memory DuckDB database per process for the writer's short internal queries.

``duckdb.connect()`` builds a new database each call (~17 ms with duckdb 2.0, more than the
query a commit runs to look up which runs are stored); a cursor on an existing one costs
nothing. ``scratch()`` hands out cursors on this process's scratch database: each is its own
connection (registered tables and settings stay with it), safe to use on any thread.
"""

from __future__ import annotations

import threading

import duckdb

_DB: duckdb.DuckDBPyConnection | None = None
_LOCK = threading.Lock()


def scratch() -> duckdb.DuckDBPyConnection:
    """A new connection to the scratch database; close it when done."""
    global _DB
    with _LOCK:
        if _DB is None:
            _DB = duckdb.connect()
        return _DB.cursor()
