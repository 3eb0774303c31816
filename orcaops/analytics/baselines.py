"""Baselines: what is normal per ``baseline_key`` (views ``baselines``, ``baseline_samples``).

Percentiles are exact (DuckDB ``quantile_cont``, i.e. linear interpolation, numpy's default).
The EMA needs the configurable alpha, so it is computed here in closed form:
``ema = (1-a)^(n-1)·x0 + Σ_{i≥1} a·(1-a)^(n-1-i)·x_i`` — the recursion ``ema ← a·x + (1-a)·ema``
started at the first sample, in one aggregate instead of a loop.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl

from orcaops.analytics.common import Frames, utcnow
from orcaops.core.errors import NotFoundError
from orcaops.core.models import PerformanceBaseline

FIELDS = tuple(PerformanceBaseline.model_fields)

EMA_SQL = """
SELECT baseline_key AS key,
       sum(CASE WHEN i = 0 THEN pow(1 - ?, n - 1) ELSE ? * pow(1 - ?, n - 1 - i) END
           * duration_s) AS duration_ema
FROM (SELECT baseline_key, duration_s,
             row_number() OVER (PARTITION BY baseline_key ORDER BY started_at, job_id) - 1 AS i,
             count(*) OVER (PARTITION BY baseline_key) AS n
      FROM baseline_samples {where})
GROUP BY baseline_key
"""


def compile_baselines(alpha: float, key: str | None = None, *,
                      stale_before: datetime | None = None,
                      min_samples: int = 1) -> tuple[str, list[object]]:
    """The SQL (and params) of the baselines with EMA, ``stale`` and ``trusted``; pure.

    Args:
        alpha: EMA smoothing.
        key: only this baseline_key.
        stale_before: keys with no run since then are stale (None: none are).
        min_samples: successful runs needed before a baseline is trusted.
    """
    where = "WHERE baseline_key = ?" if key is not None else ""
    sql = ("SELECT b.*, e.duration_ema, "
           "coalesce(b.last_run_at < ?, true) AS stale, "
           "b.sample_count >= ? AND NOT coalesce(b.last_run_at < ?, true) AS trusted "
           f"FROM baselines b LEFT JOIN ({EMA_SQL.format(where=where)}) e USING (key)")
    cutoff = stale_before or datetime(1, 1, 1, tzinfo=timezone.utc)
    params: list[object] = [cutoff, min_samples, cutoff, alpha, alpha, alpha]
    if key is not None:
        params.append(key)
        sql += " WHERE b.key = ?"
        params.append(key)
    return sql + " ORDER BY b.key", params


def load_baselines(wh: Frames, *, key: str | None = None, include_stale: bool = False,
                   now: datetime | None = None) -> pl.DataFrame:
    """Baselines as a frame with the columns of ``PerformanceBaseline``.

    Args:
        wh: the warehouse.
        key: only this baseline_key.
        include_stale: keep baselines whose key has not run for ``baseline_stale_days``.
        now: the present (tests pin it).
    """
    s = wh.settings
    cutoff = (now or utcnow()) - timedelta(days=s.baseline_stale_days)
    sql, params = compile_baselines(s.ema_alpha, key, stale_before=cutoff,
                                    min_samples=s.baseline_min_samples)
    frame = wh.frame(sql, params)
    if not include_stale:
        frame = frame.filter(~pl.col("stale"))
    return frame.select(*FIELDS)


def get_baseline(wh: Frames, key: str, now: datetime | None = None) -> PerformanceBaseline:
    """The baseline of one key (stale ones too, marked ``stale``).

    Raises:
        NotFoundError: no run has this baseline_key.
    """
    frame = load_baselines(wh, key=key, include_stale=True, now=now)
    if not frame.height:
        raise NotFoundError(f"no baseline for key {key!r}; keys look like "
                            "'python:3.11|3f2a9c1b0d4e' (see `orcaops baselines`)")
    return PerformanceBaseline(**frame.row(0, named=True))
