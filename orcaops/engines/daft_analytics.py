"""The analytics a warehouse opened with ``engine="daft"`` runs on Daft.

``metrics`` (jobs and resources, by day, hour or image) is computed by Daft with the
meanings of ``orcaops.analytics.metrics`` (the ``run_facts`` view): exact percentiles
(``percentile`` interpolates linearly, like DuckDB's ``quantile_cont``), rates over finished
runs, UTC buckets. ``baselines`` follows the ``baselines`` view and
``orcaops.analytics.baselines`` (resets, samples, the closed-form EMA over a window ordered by
``(started_at, job_id)``); a key's image and command are those of its latest run, the later
job_id winning a tie of start times (DuckDB's ``arg_max`` picks any of them). What Daft does
not run yet says so (``EngineFeatureError``) instead of quietly answering from DuckDB: the
``sandboxes`` metrics. Every other analytics method reads through DuckDB, as for
``engine="duckdb"``.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from orcaops.analytics.common import check_choice, parse_when
from orcaops.analytics.metrics import BY, KINDS
from orcaops.analytics.common import Source
from orcaops.analytics.service import Analytics, When
from orcaops.core.errors import InputError
from orcaops.core.vocabulary import FAILED_STATUSES
from orcaops.engines.daft_query import EngineFeatureError

if TYPE_CHECKING:
    import polars as pl
    from daft import DataFrame, Expression

    from orcaops.engines.daft_engine import DaftEngine

_FINISHED = ("success", *FAILED_STATUSES)


class DaftAnalytics(Analytics):
    """``Analytics`` with metrics and baselines on Daft (see module doc)."""

    def __init__(self, source: Source, engine: DaftEngine) -> None:
        super().__init__(source)
        self.engine = engine

    def metrics(self, by: str = "day", since: When = None, until: When = None,
                kind: str = "jobs") -> pl.DataFrame:
        """``Analytics.metrics`` computed by Daft (``jobs`` and ``resources``).

        Raises:
            InputError: an unknown ``by``/``kind`` or a bad date.
            EngineFeatureError: ``kind="sandboxes"``.
        """
        kind = check_choice(kind, KINDS, "metrics kind") or "jobs"
        by = check_choice(by, BY, "--by (group runs by)") or "day"
        if kind == "sandboxes":
            raise EngineFeatureError("the sandboxes metrics do not run on the Daft engine "
                                     "yet; use engine=\"duckdb\" for them")
        start, end = parse_when(since, "--from"), parse_when(until, "--to")
        if start and end and start >= end:
            raise InputError(f"--from ({start:%Y-%m-%d %H:%M}) must be before --to "
                             f"({end:%Y-%m-%d %H:%M})")
        return metrics_frame(self.engine.table("runs"), kind, by, start, end)

    def baselines(self, include_stale: bool = False) -> pl.DataFrame:
        """``Analytics.baselines`` computed by Daft: the same rows and columns."""
        from orcaops.analytics.common import utcnow

        settings = self.source.settings
        cutoff = utcnow() - timedelta(days=settings.baseline_stale_days)
        frame = baselines_frame(self.engine.table("runs"), self.engine.table("actions"),
                                settings.ema_alpha, cutoff, settings.baseline_min_samples)
        if not include_stale:
            frame = frame.filter(~frame["stale"])
        return frame


def metrics_frame(runs: DataFrame, kind: str, by: str, start: datetime | None,
                  end: datetime | None) -> pl.DataFrame:
    """One metrics table, as ``compile_metrics`` computes it over ``run_facts``."""
    import polars as pl
    from daft import col, lit
    from daft.functions import coalesce

    from orcaops.engines.daft_engine import polars_frame

    facts = runs.with_column("ts", coalesce(col("started_at"), col("queued_at"),
                                            col("finished_at")))
    cond = col("ts").not_null()
    if start is not None:
        cond = cond & (col("ts") >= lit(start))
    if end is not None:
        cond = cond & (col("ts") < lit(end))
    label = "image" if by == "image" else "bucket"
    bucket = (coalesce(col("image"), lit("local")) if by == "image"
              else col("ts").date_trunc("1 " + by))
    facts = facts.where(cond).with_column(label, bucket)
    grouped = facts.groupby(label).agg(*_aggregates(kind))
    frame = polars_frame(grouped)
    frame = frame.with_columns(pl.col(c).cast(pl.Int64) for c in _COUNTS if c in frame.columns)
    if kind == "jobs":
        finished = pl.col("_finished").cast(pl.Float64)
        frame = frame.with_columns(
            success_rate=pl.when(finished > 0).then(pl.col("succeeded") / finished),
            failure_rate=pl.when(finished > 0).then(pl.col("failed") / finished),
        ).select(label, *_JOBS_ORDER)
    if by == "image":
        return frame.sort(["runs", "image"], descending=[True, False])
    return frame.sort(label)


_COUNTS = ("runs", "succeeded", "failed", "cancelled", "_finished", "network_rx_bytes",
           "network_tx_bytes")
_JOBS_ORDER = ("runs", "succeeded", "failed", "cancelled", "success_rate", "failure_rate",
               "duration_mean_s", "duration_p50_s", "duration_p95_s", "queue_wait_mean_s",
               "queue_wait_p95_s", "cost_usd")


def _count_if(cond: Expression) -> Expression:
    from daft import lit
    from daft.functions import when

    return when(cond.fill_null(False), lit(1)).otherwise(lit(0)).sum()


def _aggregates(kind: str) -> list[Any]:
    from daft import col

    if kind == "jobs":
        status = col("status")
        return [
            col("job_id").count().alias("runs"),
            _count_if(status.is_in(["success"])).alias("succeeded"),
            _count_if(status.is_in(list(FAILED_STATUSES))).alias("failed"),
            _count_if(status.is_in(["cancelled"])).alias("cancelled"),
            _count_if(status.is_in(list(_FINISHED))).alias("_finished"),
            col("duration_s").mean().alias("duration_mean_s"),
            col("duration_s").percentile(0.5).alias("duration_p50_s"),
            col("duration_s").percentile(0.95).alias("duration_p95_s"),
            col("queue_wait_s").mean().alias("queue_wait_mean_s"),
            col("queue_wait_s").percentile(0.95).alias("queue_wait_p95_s"),
            col("estimated_cost_usd").sum().alias("cost_usd"),
        ]
    return [
        col("job_id").count().alias("runs"),
        col("cpu_seconds").sum().alias("cpu_seconds"),
        col("cpu_seconds").mean().alias("cpu_seconds_mean"),
        col("memory_peak_mb").mean().alias("memory_mean_mb"),
        col("memory_peak_mb").percentile(0.95).alias("memory_p95_mb"),
        col("memory_peak_mb").max().alias("memory_max_mb"),
        col("network_rx_bytes").sum().alias("network_rx_bytes"),
        col("network_tx_bytes").sum().alias("network_tx_bytes"),
        col("disk_usage_mb").mean().alias("disk_mean_mb"),
        col("estimated_cost_usd").sum().alias("cost_usd"),
    ]


def baselines_frame(runs: DataFrame, actions: DataFrame, alpha: float, stale_before: datetime,
                    min_samples: int) -> pl.DataFrame:
    """Every key's baseline, as ``compile_baselines`` computes it over the ``baselines``
    view (stale ones included, marked)."""
    import polars as pl
    from daft import Window, col, lit
    from daft.functions import row_number, when

    from orcaops.analytics.baselines import FIELDS
    from orcaops.engines.daft_engine import polars_frame

    resets = (actions.where(col("kind").is_in(["baseline_reset"]))
              .with_column("baseline_key", col("target"))
              .groupby("baseline_key").agg(col("at").max().alias("reset_at")))
    rows = (runs.where(col("baseline_key").not_null() & col("started_at").not_null())
            .join(resets, on="baseline_key", how="left"))
    current = col("reset_at").is_null() | (col("started_at") >= col("reset_at"))
    rows = rows.with_column("current", current.fill_null(False))
    success = col("current") & col("status").is_in(["success"])
    keys = rows.groupby("baseline_key").agg(
        col("started_at").max().alias("last_run_at"),
        col("reset_at").any_value().alias("reset_at"),
        _count_if(success).alias("n_success"),
        _count_if(col("current") & col("status").is_in(list(_FINISHED))).alias("n_finished"))
    latest = Window().partition_by("baseline_key").order_by(
        ["started_at", "job_id"], desc=[True, True])
    last = (rows.with_column("rank", row_number().over(latest)).where(col("rank") <= lit(1))
            .select("baseline_key", "image", "command"))
    samples = rows.where(success & col("duration_s").not_null())
    ordered = Window().partition_by("baseline_key").order_by(["started_at", "job_id"])
    i = (row_number().over(ordered) - 1).cast("float64")
    n = col("duration_s").count().over(Window().partition_by("baseline_key")).cast("float64")
    if alpha >= 1:  # the EMA is the latest sample
        weight = when(i == n - 1, lit(1.0)).otherwise(lit(0.0))
    else:  # (1-a)^(n-1) for the first sample, a·(1-a)^(n-1-i) after it (exp: no column pow)
        decay = math.log(1 - alpha)
        weight = when(i == 0, ((n - 1) * decay).exp()).otherwise(
            lit(alpha) * ((n - 1 - i) * decay).exp())
    stats = samples.with_column("w", weight * col("duration_s")).groupby("baseline_key").agg(
        col("duration_s").count().alias("sample_count"),
        col("duration_s").mean().alias("duration_mean"),
        col("duration_s").stddev().alias("duration_stddev"),
        col("duration_s").percentile(0.5).alias("duration_p50"),
        col("duration_s").percentile(0.95).alias("duration_p95"),
        col("duration_s").percentile(0.99).alias("duration_p99"),
        col("w").sum().alias("duration_ema"),
        col("memory_peak_mb").mean().alias("memory_mean_mb"),
        col("memory_peak_mb").max().alias("memory_max_mb"),
        col("finished_at").max().alias("last_sample_at"))
    joined = keys.join(last, on="baseline_key").join(stats, on="baseline_key", how="left")
    frame = polars_frame(joined)
    finished = pl.col("n_finished").cast(pl.Float64)
    stale = (pl.col("last_run_at").dt.convert_time_zone("UTC")
             .lt(pl.lit(stale_before).dt.convert_time_zone("UTC")).fill_null(True))
    return frame.with_columns(
        key=pl.col("baseline_key"),
        sample_count=pl.col("sample_count").fill_null(0).cast(pl.Int64),
        success_rate=pl.when(finished > 0).then(pl.col("n_success") / finished),
        last_updated=pl.max_horizontal("last_sample_at", "reset_at"),
        stale=stale,
    ).with_columns(
        trusted=(pl.col("sample_count") >= min_samples) & ~pl.col("stale"),
    ).sort("key").select(*FIELDS)
