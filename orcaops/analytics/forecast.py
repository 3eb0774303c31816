"""Forecasts from the run history: runs per hour, duration per day (of a key or all), cost
per day — rows ``{ts, yhat, yhat_lower, yhat_upper}`` — and the busiest hours ahead."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import numpy as np
import polars as pl

from orcaops.analytics import seasonal
from orcaops.analytics.common import Frames, check_choice, parse_span
from orcaops.query.sql import Conditions

METRICS = ("runs", "duration", "cost")
HOUR, DAY = 3600, 86400
# metric -> (bucket seconds, SQL value per bucket, only successful runs?, counts?, seasonal?)
_SPECS: dict[str, tuple[int, str, bool, bool, bool]] = {
    "runs": (HOUR, "count(*)", False, True, True),
    "duration": (DAY, "quantile_cont(duration_s, 0.5)", True, False, False),
    "cost": (DAY, "coalesce(sum(estimated_cost_usd), 0)", False, False, True),
}
COLUMNS: dict[str, Any] = {"ts": pl.Datetime("us", "UTC"), "yhat": pl.Float64, "yhat_lower": pl.Float64,
           "yhat_upper": pl.Float64}


def compile_series(metric: str, key: str | None = None) -> tuple[str, list[Any]]:
    """SQL of the history of one metric: (bucket epoch second, value) rows; pure."""
    step, value, ok_only, _, _ = _SPECS[metric]
    cond = Conditions("coalesce(queued_at, ts) IS NOT NULL").add_if(key, "baseline_key = ?")
    if ok_only:
        cond.add("is_success AND duration_s IS NOT NULL")
    bucket = f"CAST(floor(epoch(coalesce(queued_at, ts)) / {step}) * {step} AS BIGINT)"
    return (f"SELECT {bucket} AS t, {value} AS y FROM run_facts "
            f"WHERE {cond.sql} GROUP BY 1 ORDER BY 1"), cond.params


def load_series(wh: Frames, metric: str, key: str | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """The metric's complete buckets (the current, partial one is left out); counts and
    costs get zeros where nothing ran."""
    sql, params = compile_series(metric, key)
    rows = wh.frame(sql, params)
    if rows.height < 2:
        return np.array([]), np.array([])
    step = _SPECS[metric][0]
    t, y = rows["t"].to_numpy().astype(float)[:-1], rows["y"].to_numpy().astype(float)[:-1]
    if metric == "duration":
        return t, y
    full = np.arange(t[0], t[-1] + step, step)
    filled = np.zeros(len(full))
    filled[((t - t[0]) // step).astype(int)] = y
    return full, filled


def forecast(wh: Frames, metric: str = "runs", horizon: str = "7d",
             key: str | None = None) -> pl.DataFrame:
    """Forecast ``metric`` over ``horizon`` after the last complete bucket of history.

    Raises:
        InputError: an unknown metric or a bad horizon.
    """
    metric = check_choice(metric, METRICS, "forecast metric") or "runs"
    span = parse_span(horizon, "horizon")
    step, _, _, counts, is_seasonal = _SPECS[metric]
    t, y = load_series(wh, metric, key)
    if len(t) < 2:
        return pl.DataFrame(schema=COLUMNS)
    model = seasonal.fit(t, y, step, seasonal=is_seasonal, counts=counts)
    n = max(int(span.total_seconds() // step), 1)
    future = t[-1] + step * np.arange(1, n + 1)
    yhat, lo, hi = model.forecast(future)
    ts = [datetime.fromtimestamp(v, tz=timezone.utc) for v in future]
    return pl.DataFrame({"ts": ts, "yhat": yhat, "yhat_lower": lo, "yhat_upper": hi},
                        schema=COLUMNS).with_columns(pl.col(c).round(6) for c in
                                                     ("yhat", "yhat_lower", "yhat_upper"))


def peak_times(wh: Frames, horizon: str = "7d", top: int = 5) -> pl.DataFrame:
    """The ``top`` busiest hours ahead by forecast runs per hour, busiest first."""
    return forecast(wh, "runs", horizon).sort("yhat", descending=True).head(top)
