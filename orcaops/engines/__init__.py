"""Engines besides DuckDB that run the search language and the main analytics.

``daft`` (``daft_engine``, ``daft_query``, ``daft_analytics``): the same Delta tables read by
Daft, locally or on a Ray cluster. Nothing here is imported unless an engine is asked for;
daft and ray themselves are imported on the first Daft query.
"""

from __future__ import annotations

from orcaops.core.errors import InputError

ENGINES = ("duckdb", "daft")


def check_engine(name: str) -> str:
    """The engine's canonical name.

    Raises:
        InputError: not one of ``ENGINES``.
    """
    engine = (name or "").strip().lower()
    if engine not in ENGINES:
        raise InputError(f"unknown engine {name!r}; engines: {', '.join(ENGINES)}")
    return engine
