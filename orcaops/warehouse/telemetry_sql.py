"""SQL that ``orcaops.telemetry`` reads through: stored runs to export over OTLP with their
log lines and samples, and the aggregates ``/metrics`` serves to Prometheus.

Pure builders (``*_sql`` returns the statement and its parameters); values are always bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

Statement = tuple[str, list[Any]]


def history_runs_sql(where: str = "TRUE", params: Sequence[Any] = (),
                     since: datetime | None = None) -> Statement:
    """Finished runs matching a compiled search condition, started at or after ``since``,
    oldest first."""
    sql = ("SELECT * FROM runs WHERE (" + where + ") AND finished_at IS NOT NULL")
    args = list(params)
    if since is not None:
        sql += " AND coalesce(started_at, queued_at, finished_at) >= ?"
        args.append(since)
    return sql + " ORDER BY coalesce(started_at, queued_at, finished_at), job_id", args


def history_logs_sql(job_ids: Sequence[str]) -> Statement:
    """The log lines of these runs, in line order."""
    return ("SELECT job_id, line_number, ts, stream, level, message, template_id, is_error "
            "FROM logs WHERE job_id IN (SELECT unnest(?::VARCHAR[])) "
            "ORDER BY job_id, line_number", [list(job_ids)])


def history_samples_sql(job_ids: Sequence[str]) -> Statement:
    """The resource samples of these runs, in time order."""
    return ("SELECT job_id, ts, cpu_percent, memory_mb FROM samples "
            "WHERE job_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY job_id, ts", [list(job_ids)])


def runs_by_labels_sql() -> Statement:
    """Run counts by status, image and failure category (empty text for none)."""
    return ("SELECT status, coalesce(image, '') AS image, "
            "coalesce(failure_category, '') AS failure_category, count(*) AS runs "
            "FROM runs GROUP BY ALL ORDER BY ALL", [])


def duration_buckets_sql(bounds: Sequence[float]) -> Statement:
    """Per baseline key: how many finished runs took at most each bound (cumulative, as
    Prometheus histograms count), how many in all and their summed duration."""
    buckets = ", ".join(f"count(*) FILTER (WHERE duration_s <= ?) AS le_{i}"
                        for i in range(len(bounds)))
    return ("SELECT baseline_key, " + buckets + ", count(*) AS runs, "
            "sum(duration_s) AS total_s FROM runs "
            "WHERE duration_s IS NOT NULL AND baseline_key IS NOT NULL "
            "GROUP BY baseline_key ORDER BY baseline_key", list(bounds))


def open_anomalies_sql() -> Statement:
    """Anomalies nobody has acknowledged, by severity."""
    return ("SELECT severity, count(*) AS anomalies FROM anomaly_events "
            "WHERE NOT acknowledged GROUP BY severity ORDER BY severity", [])
