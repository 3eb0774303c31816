"""Forecasts beat seasonal-naive on held-back seasonal history; the API's rows and errors."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import polars as pl
import pytest

from orcaops.analytics.evaluation import evaluate_holdout
from orcaops.core.errors import InputError
from orcaops.demo.history import DemoHistory
from tests.conftest import eval_data

NOW = datetime(2026, 11, 20, 0, tzinfo=timezone.utc)


def demo_records(runs: int, days: int, seed: int = 3) -> list[dict]:
    hist = DemoHistory(runs=runs, seed=seed, days=days, now=NOW)
    hist._logs = lambda *a: []  # type: ignore[method-assign]  # runs only: fast
    hist._samples = lambda *a: []  # type: ignore[method-assign]
    out = []
    for r in hist.records():
        r.pop("environment", None)
        out.append(r)
    return out


def hourly(records: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    ts = np.array([datetime.fromisoformat(r["queued_at"].replace("Z", "+00:00")).timestamp()
                   for r in records])
    start = np.floor(ts.min() / 3600) * 3600
    y = np.bincount(((ts - start) // 3600).astype(int)).astype(float)
    return start + 3600 * np.arange(len(y)), y


@pytest.mark.parametrize("seed", [3, 4])
def test_demo_last_week_beats_seasonal_naive(seed):
    t, y = hourly(demo_records(8000, 21, seed))
    score = evaluate_holdout(t[:-1], y[:-1], 3600, 168)  # the last hour is partial
    print(f"demo seed {seed}: {score}")
    assert score.mase < 1
    assert score.relative_mae < 1
    assert score.coverage > 0.7


def test_nyc_taxi_beats_seasonal_naive():
    """Rolling origin: each of the last 12 weeks held back in turn (one holds a blizzard)."""
    nab = eval_data("nab", "data", "realKnownCause", "nyc_taxi.csv")
    frame = pl.read_csv(nab, try_parse_dates=True)
    t = frame["timestamp"].dt.epoch("s").to_numpy().astype(float)
    y = frame["value"].to_numpy().astype(float)
    week = 336  # half-hour steps
    scores = [evaluate_holdout(t[:len(y) - k * week], y[:len(y) - k * week], 1800, week)
              for k in range(12)]
    relative = np.array([s.relative_mae for s in scores])
    print(f"nyc_taxi: relative MAE per week {np.round(relative, 2)}")
    assert relative.mean() < 0.9
    assert np.median(relative) < 1
    assert np.mean([s.coverage for s in scores]) > 0.8


def test_forecast_rows_from_a_warehouse(tmp_path):
    from analytics_history import open_with

    wh = open_with(tmp_path / "h", demo_records(3000, 10))
    runs = wh.forecast("runs", horizon="2d")
    assert runs.columns == ["ts", "yhat", "yhat_lower", "yhat_upper"]
    assert runs.height == 48
    assert (runs["yhat_lower"] <= runs["yhat"]).all() and (runs["yhat"] <= runs["yhat_upper"]).all()
    # weekday working hours are busier than nights
    by_hour = runs.group_by(pl.col("ts").dt.hour().alias("h")).agg(pl.col("yhat").mean())
    yhat = by_hour.sort("h")["yhat"]
    assert yhat[14] > 3 * yhat[3]
    assert wh.forecast("cost", horizon="7d").height == 7
    key = wh.sql("SELECT baseline_key FROM runs LIMIT 1")["baseline_key"][0]
    assert wh.forecast("duration", horizon="3d", key=key).height == 3
    assert wh.peak_times("7d", top=3).height == 3


@pytest.mark.parametrize("kwargs", [{"horizon": "7x"}, {"horizon": "-1d"},
                                    {"metric": "latency"}])
def test_bad_arguments(wh, kwargs):
    with pytest.raises(InputError, match="7d|runs, duration, cost"):
        wh.forecast(**kwargs)


def test_empty_history_gives_no_rows(wh):
    assert wh.forecast().height == 0
