"""What the report and the charts show, read from the warehouse as DataFrames.

Every loader takes the window start as a datetime (``resolve_since`` turns ``30d``, ``-7d``
or a date into one) and returns a polars DataFrame; the SQL is kept here, next to what it is
for, and only ever binds values as parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

import polars as pl

from orcaops.analytics.common import parse_span, parse_when
from orcaops.core.config import analysis_now

FAILED = ("failed", "timeout", "error")
RUN_COLUMNS = ("job_id", "status", "image", "command", "baseline_key", "started_at",
               "finished_at", "duration_s", "exit_code", "log_lines", "n_error", "n_warn",
               "failure_category", "first_error", "error_fingerprint", "triggered_by",
               "intent", "tags", "memory_peak_mb", "estimated_cost_usd")


class SQLSource(Protocol):
    """What the loaders need from a Warehouse: read-only SQL in, DataFrame out."""

    def sql(self, query: str, params: Any = None) -> pl.DataFrame: ...


def resolve_since(since: str | date | datetime | None, now: datetime | None = None
                  ) -> datetime | None:
    """The start of a window from ``30d`` / ``-30d`` / ``24h``, a date or ISO text.

    Args:
        since: how far back; a bare span like ``30d`` means "the last 30 days"; ``all``
            (or nothing) means the whole history.
        now: the end of the window (default: the current time).

    Returns:
        A UTC datetime, or None when ``since`` is empty (the whole history).

    Raises:
        InputError: text that is neither a span nor a date.
    """
    if isinstance(since, str) and since.strip().lower() in ("", "all"):
        return None
    if isinstance(since, str) and since.strip()[:1].isdigit():  # a bare span: 30d, 1h30m
        return (now or analysis_now()) - parse_span(since, "--since")
    return parse_when(since, "--since", now)


def _window(start: datetime | None, column: str = "started_at") -> tuple[str, list[Any]]:
    if start is None:
        return f"{column} IS NOT NULL", []
    return f"{column} >= ?", [start]


def run_history(wh: SQLSource, start: datetime | None, recent: int = 200,
                max_failed: int = 1000, include: Sequence[str] = ()) -> pl.DataFrame:
    """The runs a report lists: the ``recent`` newest, the newest ``max_failed`` failed ones
    of the window and the runs named in ``include``, newest first (with ``analysis``, the
    per-run log analysis summaries use)."""
    where, params = _window(start)
    cols = ", ".join(RUN_COLUMNS)
    sql = (f"WITH w AS (SELECT {cols}, analysis FROM runs WHERE {where}), "
           "recent AS (SELECT job_id FROM w ORDER BY started_at DESC LIMIT ?), "
           "bad AS (SELECT job_id FROM w WHERE status IN ('failed', 'timeout', 'error') "
           "ORDER BY started_at DESC LIMIT ?) "
           "SELECT * FROM w WHERE job_id IN (SELECT job_id FROM recent UNION "
           "SELECT job_id FROM bad UNION SELECT unnest(?::VARCHAR[])) "
           "ORDER BY started_at DESC, job_id")
    return wh.sql(sql, [*params, int(recent), int(max_failed), list(include)])


def window_totals(wh: SQLSource, start: datetime | None) -> dict[str, Any]:
    """Headline numbers of the window: runs, outcomes, success rate, durations, cost."""
    where, params = _window(start)
    sql = ("SELECT count(*) AS runs, count(*) FILTER (status = 'success') AS succeeded, "
           "count(*) FILTER (status IN ('failed', 'timeout', 'error')) AS failed, "
           "count(DISTINCT baseline_key) AS jobs, "
           "quantile_cont(duration_s, 0.5) FILTER (status = 'success') AS duration_p50_s, "
           "quantile_cont(duration_s, 0.95) FILTER (status = 'success') AS duration_p95_s, "
           "sum(estimated_cost_usd) AS cost_usd, min(started_at) AS first_run, "
           f"max(started_at) AS last_run FROM runs WHERE {where}")
    row = wh.sql(sql, params).row(0, named=True)
    done = row["succeeded"] + row["failed"]
    row["success_rate"] = row["succeeded"] / done if done else None
    return row


def last_log_lines(wh: SQLSource, job_ids: Sequence[str], n: int = 8
                   ) -> dict[str, list[dict[str, Any]]]:
    """The last ``n`` log lines of each run, oldest first, keyed by job id."""
    if not job_ids:
        return {}
    sql = ("SELECT job_id, line_number, level, stream, message, is_error, stacktrace_id, "
           "template_id FROM logs "
           "WHERE job_id IN (SELECT unnest(?::VARCHAR[])) "
           "QUALIFY row_number() OVER (PARTITION BY job_id ORDER BY line_number DESC) <= ? "
           "ORDER BY job_id, line_number")
    out: dict[str, list[dict[str, Any]]] = {}
    for row in wh.sql(sql, [list(job_ids), int(n)]).iter_rows(named=True):
        out.setdefault(row["job_id"], []).append(row)
    return out


def failure_patterns(wh: SQLSource, start: datetime | None, limit: int = 10
                     ) -> pl.DataFrame:
    """Failed runs of the window grouped by error fingerprint, most frequent first.

    A run without a fingerprint (no error line, e.g. a timeout) is grouped by its failure
    category, so every failure is counted once.
    """
    where, params = _window(start)
    sql = ("SELECT coalesce(error_fingerprint, 'category:' || coalesce(failure_category, "
           "status)) AS fingerprint, mode(coalesce(failure_category, 'unknown')) AS category, "
           "count(*) AS occurrences, count(DISTINCT baseline_key) AS jobs, "
           "min(started_at) AS first_seen, max(started_at) AS last_seen, "
           "arg_max(coalesce(first_error, error_message, status), started_at) AS example, "
           "arg_max(job_id, started_at) AS last_job_id, "
           "arg_max(image || ' ' || coalesce(command, ''), started_at) AS last_job "
           "FROM runs WHERE status IN ('failed', 'timeout', 'error') AND "
           f"{where} GROUP BY 1 ORDER BY occurrences DESC, last_seen DESC LIMIT ?")
    return wh.sql(sql, [*params, int(limit)])


def key_durations(wh: SQLSource, key: str, start: datetime | None) -> pl.DataFrame:
    """Every finished run of one baseline key in the window: when, how long, outcome."""
    where, params = _window(start)
    sql = ("SELECT job_id, started_at, duration_s, status FROM runs "
           "WHERE baseline_key = ? AND duration_s IS NOT NULL AND "
           f"{where} ORDER BY started_at")
    return wh.sql(sql, [key, *params])


def start_times(wh: SQLSource, start: datetime | None) -> pl.DataFrame:
    """When each run of the window started (UTC): the input of the weekday × hour heatmap."""
    where, params = _window(start)
    return wh.sql(f"SELECT started_at FROM runs WHERE {where}", params)
