"""The SQL of the facade's reads, as named builders: one run, its logs, samples, failures.

Each ``*_sql`` function is pure and returns ``(sql, params)``; ``orcaops.api`` runs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orcaops.core.vocabulary import FAILED_STATUSES
from orcaops.query.sql import Conditions

Statement = tuple[str, list[Any]]


def runs_by_prefix_sql(prefix: str, limit: int) -> Statement:
    """Runs whose job_id starts with ``prefix``, in id order (``limit`` of them)."""
    return ("SELECT * FROM runs WHERE starts_with(job_id, ?) ORDER BY job_id LIMIT ?",
            [prefix, limit])


def run_exists_sql(job_id: str) -> Statement:
    """One row if a run with exactly this job id is stored, none otherwise."""
    return "SELECT 1 FROM runs WHERE job_id = ? LIMIT 1", [job_id]


def logs_sql(*, job_id: str | None = None, job_ids: Sequence[str] | None = None,
             where: str | None = None,
             where_params: list[Any] | None = None, grep: str | None = None,
             levels: tuple[str, ...] | None = None, limit: int | None = None) -> Statement:
    """Log lines of one run or of the runs a compiled search ``where`` selects.

    Args:
        job_id: the full job id of one run.
        job_ids: the full job ids of a few runs (their lines by run, then line).
        where: a condition over ``runs`` choosing the runs (from ``compile_query``).
        where_params: the values of ``where``'s placeholders.
        grep: keep lines containing this text, case-insensitive.
        levels: keep lines at one of these levels.
        limit: at most this many lines.
    """
    cond = Conditions()
    if job_id is not None:
        cond.add("job_id = ?", job_id)
    if job_ids is not None:
        cond.add(f"job_id IN ({', '.join('?' for _ in job_ids) or 'NULL'})", *job_ids)
    if where:
        cond.add(f"job_id IN (SELECT job_id FROM runs WHERE {where})", *(where_params or []))
    if grep:
        cond.add("contains(lower(message), lower(?))", grep)
    if levels is not None:
        cond.add("level IN (SELECT unnest(?::VARCHAR[]))", list(levels))
    sql = f"SELECT * FROM logs WHERE {cond.sql} ORDER BY job_id, line_number"
    params = cond.params
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, int(limit)]
    return sql, params


def samples_sql(job_id: str) -> Statement:
    """One run's resource samples in time order."""
    return "SELECT * FROM samples WHERE job_id = ? ORDER BY ts", [job_id]


def similar_failures_sql(run: dict[str, Any], limit: int) -> Statement:
    """Earlier runs with the same error fingerprint as ``run``, newest first."""
    return ("SELECT * FROM runs WHERE error_fingerprint = ? AND job_id <> ? "
            "AND (? IS NULL OR started_at < ?) ORDER BY started_at DESC NULLS LAST LIMIT ?",
            [run["error_fingerprint"], run["job_id"], run["started_at"], run["started_at"],
             limit])


def failed_runs_sql() -> Statement:
    """What the failure knowledge base learns from: every failed run's error columns."""
    marks = ", ".join("?" for _ in FAILED_STATUSES)
    return ("SELECT job_id, first_error, failure_category, error_fingerprint, started_at "
            f"FROM runs WHERE status IN ({marks})", list(FAILED_STATUSES))
