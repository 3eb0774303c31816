"""Metrics over the ``run_facts`` view: jobs, resources and sandboxes, by day, hour or image.

Buckets are computed from epoch seconds so a day is a UTC day whatever DuckDB's time zone.
Queue depth is by Little's law (total waiting seconds / bucket seconds): the mean number of
runs waiting, without needing a per-second timeline.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl

from orcaops.analytics.common import Frames, check_choice, parse_when
from orcaops.core.errors import InputError
from orcaops.query.sql import Conditions

BY = ("day", "hour", "image")
KINDS = ("jobs", "resources", "sandboxes")
_BUCKETS = {"day": ("to_timestamp(floor(epoch(ts) / 86400) * 86400)", 86400),
            "hour": ("to_timestamp(floor(epoch(ts) / 3600) * 3600)", 3600),
            "image": ("coalesce(image, 'local')", None)}

_AGGREGATES = {
    "jobs": """count(*) AS runs,
        count(*) FILTER (WHERE is_success) AS succeeded,
        count(*) FILTER (WHERE is_failure) AS failed,
        count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
        count(*) FILTER (WHERE is_success) / nullif(count(*) FILTER (WHERE is_finished), 0)
            AS success_rate,
        count(*) FILTER (WHERE is_failure) / nullif(count(*) FILTER (WHERE is_finished), 0)
            AS failure_rate,
        avg(duration_s) AS duration_mean_s,
        quantile_cont(duration_s, 0.5) AS duration_p50_s,
        quantile_cont(duration_s, 0.95) AS duration_p95_s,
        avg(queue_wait_s) AS queue_wait_mean_s,
        quantile_cont(queue_wait_s, 0.95) AS queue_wait_p95_s,
        sum(estimated_cost_usd) AS cost_usd""",
    "resources": """count(*) AS runs,
        sum(cpu_seconds) AS cpu_seconds,
        avg(cpu_seconds) AS cpu_seconds_mean,
        avg(memory_peak_mb) AS memory_mean_mb,
        quantile_cont(memory_peak_mb, 0.95) AS memory_p95_mb,
        max(memory_peak_mb) AS memory_max_mb,
        CAST(sum(network_rx_bytes) AS BIGINT) AS network_rx_bytes,
        CAST(sum(network_tx_bytes) AS BIGINT) AS network_tx_bytes,
        avg(disk_usage_mb) AS disk_mean_mb,
        sum(estimated_cost_usd) AS cost_usd""",
    "sandboxes": """count(*) AS runs,
        count(DISTINCT host) AS hosts,
        count(DISTINCT executor) AS executors,
        sum(duration_s) AS busy_s,
        sum(duration_s) / ({span} * greatest(count(DISTINCT host), 1)) AS utilization,
        sum(queue_wait_s) / {span} AS queue_depth_mean,
        avg(queue_wait_s) AS queue_wait_mean_s,
        quantile_cont(queue_wait_s, 0.95) AS queue_wait_p95_s""",
}


def compile_metrics(kind: str = "jobs", by: str = "day", since: datetime | None = None,
                    until: datetime | None = None) -> tuple[str, list[Any]]:
    """The SQL (and params) of one metrics table; pure.

    Raises:
        InputError: an unknown kind or grouping.
    """
    kind = check_choice(kind, KINDS, "metrics kind") or "jobs"
    by = check_choice(by, BY, "--by (group runs by)") or "day"
    bucket, seconds = _BUCKETS[by]
    # By image there is no bucket length: utilization is over the whole window.
    span = str(seconds) if seconds else "greatest(epoch(max(ts)) - epoch(min(ts)), 1)"
    cond = Conditions("ts IS NOT NULL").add_if(since, "ts >= ?").add_if(until, "ts < ?")
    aggs = _AGGREGATES[kind].format(span=span)
    label = "image" if by == "image" else "bucket"
    order = "runs DESC" if by == "image" else "1"
    sql = (f"SELECT {bucket} AS {label}, {aggs} FROM run_facts "
           f"WHERE {cond.sql} GROUP BY 1 ORDER BY {order}")
    return sql, cond.params


def load_metrics(wh: Frames, *, kind: str = "jobs", by: str = "day",
                 since: str | date | datetime | None = None,
                 until: str | date | datetime | None = None) -> pl.DataFrame:
    """One metrics table (see ``compile_metrics``); since/until take dates, ISO or ``-7d``."""
    start, end = parse_when(since, "--from"), parse_when(until, "--to")
    if start and end and start >= end:
        raise InputError(f"--from ({start:%Y-%m-%d %H:%M}) must be before --to "
                         f"({end:%Y-%m-%d %H:%M})")
    sql, params = compile_metrics(kind, by, start, end)
    return wh.frame(sql, params)
