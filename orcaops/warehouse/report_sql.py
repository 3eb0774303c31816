"""The SQL of the HTML report's loaders (``orcaops.report.data``), as named builders.

Each ``*_sql`` function is pure and returns ``(sql, params)`` over the views.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from orcaops.core.vocabulary import FAILED_STATUSES

Statement = tuple[str, list[Any]]
_FAILED = "status IN (" + ", ".join(f"'{s}'" for s in FAILED_STATUSES) + ")"


def window(start: datetime | None, column: str = "started_at") -> tuple[str, list[Any]]:
    """The condition of a report window starting at ``start`` (None: the whole history)."""
    if start is None:
        return f"{column} IS NOT NULL", []
    return f"{column} >= ?", [start]


def run_history_sql(start: datetime | None, columns: Sequence[str], recent: int,
                    max_failed: int, include: Sequence[str]) -> Statement:
    """The ``recent`` newest runs, the newest ``max_failed`` failed ones and ``include``."""
    where, params = window(start)
    cols = ", ".join(columns)
    sql = (f"WITH w AS (SELECT {cols}, analysis FROM runs WHERE {where}), "
           "recent AS (SELECT job_id FROM w ORDER BY started_at DESC LIMIT ?), "
           f"bad AS (SELECT job_id FROM w WHERE {_FAILED} "
           "ORDER BY started_at DESC LIMIT ?) "
           "SELECT * FROM w WHERE job_id IN (SELECT job_id FROM recent UNION "
           "SELECT job_id FROM bad UNION SELECT unnest(?::VARCHAR[])) "
           "ORDER BY started_at DESC, job_id")
    return sql, [*params, int(recent), int(max_failed), list(include)]


def window_totals_sql(start: datetime | None) -> Statement:
    """Runs, outcomes, jobs, duration percentiles and cost of the window, in one row."""
    where, params = window(start)
    return ("SELECT count(*) AS runs, count(*) FILTER (status = 'success') AS succeeded, "
            f"count(*) FILTER ({_FAILED}) AS failed, "
            "count(DISTINCT baseline_key) AS jobs, "
            "quantile_cont(duration_s, 0.5) FILTER (status = 'success') AS duration_p50_s, "
            "quantile_cont(duration_s, 0.95) FILTER (status = 'success') AS duration_p95_s, "
            "sum(estimated_cost_usd) AS cost_usd, min(started_at) AS first_run, "
            f"max(started_at) AS last_run FROM runs WHERE {where}", params)


def last_log_lines_sql(job_ids: Sequence[str], n: int) -> Statement:
    """The last ``n`` log lines of each run, oldest first."""
    return ("SELECT job_id, line_number, level, stream, message, is_error, stacktrace_id, "
            "template_id FROM logs "
            "WHERE job_id IN (SELECT unnest(?::VARCHAR[])) "
            "QUALIFY row_number() OVER (PARTITION BY job_id ORDER BY line_number DESC) <= ? "
            "ORDER BY job_id, line_number", [list(job_ids), int(n)])


def failure_patterns_sql(start: datetime | None, limit: int) -> Statement:
    """Failed runs of the window by error fingerprint (else category), most frequent first."""
    where, params = window(start)
    return ("SELECT coalesce(error_fingerprint, 'category:' || coalesce(failure_category, "
            "status)) AS fingerprint, mode(coalesce(failure_category, 'unknown')) AS category, "
            "count(*) AS occurrences, count(DISTINCT baseline_key) AS jobs, "
            "min(started_at) AS first_seen, max(started_at) AS last_seen, "
            "arg_max(coalesce(first_error, error_message, status), started_at) AS example, "
            "arg_max(job_id, started_at) AS last_job_id, "
            "arg_max(image || ' ' || coalesce(command, ''), started_at) AS last_job "
            f"FROM runs WHERE {_FAILED} AND "
            f"{where} GROUP BY 1 ORDER BY occurrences DESC, last_seen DESC LIMIT ?",
            [*params, int(limit)])


def key_durations_sql(key: str, start: datetime | None) -> Statement:
    """Every finished run of one baseline key in the window: when, how long, outcome."""
    where, params = window(start)
    return ("SELECT job_id, started_at, duration_s, status FROM runs "
            "WHERE baseline_key = ? AND duration_s IS NOT NULL AND "
            f"{where} ORDER BY started_at", [key, *params])


def start_times_sql(start: datetime | None) -> Statement:
    """When each run of the window started."""
    where, params = window(start)
    return f"SELECT started_at FROM runs WHERE {where}", params
