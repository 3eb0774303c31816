"""One run's row and its log lines as dicts, through a reader (no polars, no pydantic)."""

from __future__ import annotations

from typing import Any

from orcaops.errors import InputError, NotFoundError

# How many of the runs an ambiguous job id prefix matches are named in its error.
AMBIGUOUS_SHOWN = 5


def run_by_prefix_sql() -> str:
    """The runs whose job id starts with ``?``: one more than an ambiguity error names."""
    return ("SELECT * FROM runs WHERE starts_with(job_id, ?) ORDER BY job_id "
            f"LIMIT {AMBIGUOUS_SHOWN + 1}")


def run_logs_sql(*, grep: bool, level: bool) -> str:
    """One run's log lines (``?``: the job id, then grep text and levels where asked)."""
    where = ["job_id = ?"]
    if grep:
        where.append("contains(lower(message), lower(?))")
    if level:
        where.append("level IN (SELECT unnest(?::VARCHAR[]))")
    return f"SELECT * FROM logs WHERE {' AND '.join(where)} ORDER BY job_id, line_number"


def find_run(reader: Any, job_id: str) -> dict[str, Any]:
    """One run's row as a dict: the run ``job_id`` names, or the only one it is a prefix of.

    Args:
        reader: an ``orcaops.warehouse.connection.Reader``.
        job_id: a job id or a unique prefix of one.

    Raises:
        InputError: the prefix matches several runs.
        NotFoundError: no run has that id or prefix.
    """
    names, rows = reader.records(run_by_prefix_sql(), [job_id])
    found = [dict(zip(names, row)) for row in rows]
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


def levels_at_least(level: str) -> list[str]:
    """The levels at ``level`` or more severe; InputError for an unknown level."""
    from orcaops.query.fields import LEVELS  # the query package: ~40 ms, only when asked

    norm = level.strip().upper()
    norm = {"WARNING": "WARN", "ERR": "ERROR", "CRITICAL": "FATAL"}.get(norm, norm)
    if norm not in LEVELS:
        raise InputError(f"unknown level {level!r}; levels: {', '.join(LEVELS)}")
    return list(LEVELS[LEVELS.index(norm):])


def run_logs(reader: Any, job_id: str, *, grep: str | None = None,
             level: str | None = None) -> list[dict[str, Any]]:
    """The log lines of one run (a unique prefix is enough) as dicts, in line order.

    The same lines as ``Warehouse.logs(job_id=..., grep=..., level=...)``.
    """
    params: list[Any] = [find_run(reader, job_id)["job_id"]]
    if grep:
        params.append(grep)
    if level:
        params.append(levels_at_least(level))
    names, rows = reader.records(run_logs_sql(grep=bool(grep), level=bool(level)), params)
    return [dict(zip(names, row)) for row in rows]
