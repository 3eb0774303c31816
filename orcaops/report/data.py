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

from orcaops.analytics.common import resolve_since  # noqa: F401  (charts and builder use it)
from orcaops.warehouse import report_sql

RUN_COLUMNS = ("job_id", "status", "image", "command", "baseline_key", "started_at",
               "finished_at", "duration_s", "exit_code", "log_lines", "n_error", "n_warn",
               "failure_category", "first_error", "error_fingerprint", "triggered_by",
               "intent", "tags", "memory_peak_mb", "estimated_cost_usd")


class SQLSource(Protocol):
    """What the loaders need from a Warehouse: OrcaOps' own SQL in, DataFrame out (the
    trusted path: user SQL's read-only check and private connection are not needed for
    statements built here with bound parameters)."""

    def frame(self, sql: str, params: Any = None) -> pl.DataFrame: ...


def run_history(wh: SQLSource, start: datetime | None, recent: int = 200,
                max_failed: int = 1000, include: Sequence[str] = ()) -> pl.DataFrame:
    """The runs a report lists: the ``recent`` newest, the newest ``max_failed`` failed ones
    of the window and the runs named in ``include``, newest first (with ``analysis``, the
    per-run log analysis summaries use)."""
    return wh.frame(*report_sql.run_history_sql(start, RUN_COLUMNS, recent, max_failed,
                                                include))


def window_totals(wh: SQLSource, start: datetime | None) -> dict[str, Any]:
    """Headline numbers of the window: runs, outcomes, success rate, durations, cost."""
    row = wh.frame(*report_sql.window_totals_sql(start)).row(0, named=True)
    done = row["succeeded"] + row["failed"]
    row["success_rate"] = row["succeeded"] / done if done else None
    return row


def last_log_lines(wh: SQLSource, job_ids: Sequence[str], n: int = 8
                   ) -> dict[str, list[dict[str, Any]]]:
    """The last ``n`` log lines of each run, oldest first, keyed by job id."""
    if not job_ids:
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for row in wh.frame(*report_sql.last_log_lines_sql(job_ids, n)).iter_rows(named=True):
        out.setdefault(row["job_id"], []).append(row)
    return out


def failure_patterns(wh: SQLSource, start: datetime | None, limit: int = 10
                     ) -> pl.DataFrame:
    """Failed runs of the window grouped by error fingerprint, most frequent first.

    A run without a fingerprint (no error line, e.g. a timeout) is grouped by its failure
    category, so every failure is counted once.
    """
    return wh.frame(*report_sql.failure_patterns_sql(start, limit))


def key_durations(wh: SQLSource, key: str, start: datetime | None) -> pl.DataFrame:
    """Every finished run of one baseline key in the window: when, how long, outcome."""
    return wh.frame(*report_sql.key_durations_sql(key, start))


def start_times(wh: SQLSource, start: datetime | None) -> pl.DataFrame:
    """When each run of the window started (UTC): the input of the weekday × hour heatmap."""
    return wh.frame(*report_sql.start_times_sql(start))