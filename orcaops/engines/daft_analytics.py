"""The analytics a warehouse opened with ``engine="daft"`` runs on Daft.

``metrics`` (jobs and resources, by day, hour or image) is computed by Daft with the
meanings of ``orcaops.analytics.metrics`` (the ``run_facts`` view): exact percentiles
(``percentile`` interpolates linearly, like DuckDB's ``quantile_cont``), rates over finished
runs, UTC buckets. What Daft does not run yet says so (``EngineFeatureError``) instead of
quietly answering from DuckDB: the ``sandboxes`` metrics and ``baselines`` (its EMA and
``arg_max`` need window functions whose tie order would have to match DuckDB's). Every other
analytics method reads through DuckDB, as for ``engine="duckdb"``.
"""

from __future__ import annotations

from datetime import datetime
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
    """``Analytics`` with metrics on Daft; baselines refused plainly (see module doc)."""

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
        """Refused: see the module doc.

        Raises:
            EngineFeatureError: always, naming the engine that runs it.
        """
        raise EngineFeatureError("baselines do not run on the Daft engine yet (their EMA "
                                 "and latest image need ordered window functions); use "
                                 "engine=\"duckdb\" for them")


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
