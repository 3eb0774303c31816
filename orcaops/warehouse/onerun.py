"""One run's row and its log lines as dicts, through a reader (no polars, no pydantic).

What a cold ``orcaops runs show`` / ``runs logs`` reads (``orcaops.cli.onerun``); the
``Warehouse`` picks a run from a prefix the same way (:func:`pick_run`).
"""

from __future__ import annotations

from typing import Any, Protocol

from orcaops.core.errors import InputError, NotFoundError
from orcaops.core.vocabulary import level_filter
from orcaops.warehouse.reads import logs_sql, runs_by_prefix_sql

# How many of the runs an ambiguous job id prefix matches are named in its error.
AMBIGUOUS_SHOWN = 5


def prefix_sql(job_id: str) -> tuple[str, list[Any]]:
    """The runs ``job_id`` is a prefix of: one more than an ambiguity error names."""
    return runs_by_prefix_sql(job_id, AMBIGUOUS_SHOWN + 1)


def pick_run(job_id: str, found: list[dict[str, Any]]) -> dict[str, Any]:
    """The run ``job_id`` names among ``found`` (the rows it is a prefix of, in id order).

    Raises:
        InputError: the prefix matches several runs (the message names some).
        NotFoundError: no run has that id or prefix.
    """
    exact = [r for r in found if r["job_id"] == job_id]
    if exact:
        return exact[0]
    if len(found) == 1:
        return found[0]
    if found:
        ids = [r["job_id"] for r in found]
        shown = ", ".join(ids[:AMBIGUOUS_SHOWN]) + (", ..." if len(ids) > AMBIGUOUS_SHOWN
                                                      else "")
        raise InputError(f"job id prefix {job_id!r} matches several runs ({shown}); "
                         "give more of it")
    raise NotFoundError(f"no run with job id {job_id!r} (try `orcaops runs search`)")


def find_run(reader: Any, job_id: str) -> dict[str, Any]:
    """One run's row as a dict: the run ``job_id`` names, or the only one it is a prefix of.

    Args:
        reader: an ``orcaops.warehouse.connection.Reader``.
        job_id: a job id or a unique prefix of one.

    Raises:
        InputError: the prefix matches several runs.
        NotFoundError: no run has that id or prefix.
    """
    names, rows = reader.records(*prefix_sql(job_id))
    return pick_run(job_id, [dict(zip(names, row)) for row in rows])


def run_logs(reader: Any, job_id: str, *, grep: str | None = None,
             level: str | None = None) -> list[dict[str, Any]]:
    """The log lines of one run (a unique prefix is enough) as dicts, in line order.

    The same lines as ``Warehouse.logs(job_id=..., grep=..., level=...)``.
    """
    full = find_run(reader, job_id)["job_id"]
    names, rows = reader.records(*logs_sql(job_id=full, grep=grep,
                                           levels=level_filter(level) if level else None))
    return [dict(zip(names, row)) for row in rows]


class RunRows(Protocol):
    """What reading one run needs: the run a job id names, and rows of our SQL as dicts."""

    def run(self, job_id: str) -> dict[str, Any]: ...

    def dicts(self, sql: str, params: list[Any]) -> list[dict[str, Any]]: ...


class ReaderRows:
    """:class:`RunRows` through a reader: DuckDB's rows as dicts, no polars (a cold CLI)."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader

    def run(self, job_id: str) -> dict[str, Any]:
        return find_run(self.reader, job_id)

    def dicts(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        names, rows = self.reader.records(sql, params)
        return [dict(zip(names, row)) for row in rows]


class FrameRows:
    """:class:`RunRows` through a warehouse's ``run`` and ``frame`` (DataFrames as dicts):
    what the Python API reads with, so its values are polars' (``orcaops.api``)."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def run(self, job_id: str) -> dict[str, Any]:
        return dict(self.source.run(job_id))

    def dicts(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        return list(self.source.frame(sql, params).to_dicts())
