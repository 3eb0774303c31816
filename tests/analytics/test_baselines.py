"""Baselines: exact percentiles, EMA, trust, staleness and reset."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from analytics_history import open_with, run_record

from orcaops.analytics.baselines import load_baselines
from orcaops.core.errors import NotFoundError

KEYS_SQL = "SELECT DISTINCT baseline_key FROM runs ORDER BY 1"


def test_percentiles_equal_numpy_linear(injected):
    wh, _ = injected
    frame = wh.baselines(include_stale=True)
    for row in frame.iter_rows(named=True):
        d = wh.sql("SELECT duration_s, memory_peak_mb FROM runs WHERE baseline_key = ? "
                   "AND status = 'success'", [row["key"]])
        x = d["duration_s"].to_numpy()
        p50, p95, p99 = np.percentile(x, [50, 95, 99])  # numpy 'linear' = quantile_cont
        assert row["duration_p50"] == pytest.approx(p50, rel=1e-12)
        assert row["duration_p95"] == pytest.approx(p95, rel=1e-12)
        assert row["duration_p99"] == pytest.approx(p99, rel=1e-12)
        assert row["duration_p99"] == pytest.approx(d["duration_s"].quantile(0.99, "linear"))
        assert row["duration_stddev"] == pytest.approx(np.std(x, ddof=1))
        assert row["memory_max_mb"] == d["memory_peak_mb"].max()
        assert row["sample_count"] == len(x)


def test_ema_is_the_recursion(injected):
    wh, _ = injected
    key = wh.sql(KEYS_SQL)["baseline_key"][0]
    x = wh.sql("SELECT duration_s FROM runs WHERE baseline_key = ? AND status = 'success' "
               "ORDER BY started_at, job_id", [key])["duration_s"].to_list()
    ema = x[0]
    for v in x[1:]:
        ema = 0.1 * v + 0.9 * ema
    assert wh.baseline(key).duration_ema == pytest.approx(ema, rel=1e-9)


def _runs(n: int, start: datetime, key_cmd: str = "make") -> list[dict]:
    return [run_record(f"{key_cmd}-{i}", "alpine:3.20", key_cmd, start + timedelta(hours=i),
                       10.0 + i % 3, 50.0) for i in range(n)]


def test_min_samples_and_alpha_are_settings(tmp_path):
    wh = open_with(tmp_path / "h", _runs(4, datetime.now(timezone.utc) - timedelta(days=1)),
                   baseline_min_samples=5, ema_alpha=0.5)
    b = wh.baselines()
    assert b["sample_count"][0] == 4 and not b["trusted"][0]
    wh.import_records(_runs(5, datetime.now(timezone.utc) - timedelta(hours=2), "make"))
    # the same job ids are skipped: add new ones
    wh.import_records([run_record("late", "alpine:3.20", "make",
                                  datetime.now(timezone.utc) - timedelta(minutes=5), 10, 50)])
    assert wh.baselines()["trusted"][0]


def test_stale_baselines_age_out(tmp_path):
    old = datetime.now(timezone.utc) - timedelta(days=45)
    wh = open_with(tmp_path / "h", _runs(6, old))
    assert wh.baselines().height == 0
    b = wh.baselines(include_stale=True)
    assert b.height == 1 and b["stale"][0] and not b["trusted"][0]
    assert load_baselines(wh, now=old + timedelta(days=2)).height == 1


def test_reset_restarts_from_now_and_keeps_history(tmp_path):
    wh = open_with(tmp_path / "h", _runs(8, datetime.now(timezone.utc) - timedelta(days=1)))
    key = wh.sql(KEYS_SQL)["baseline_key"][0]
    after = wh.reset_baseline(key, note="new suite")
    assert after.sample_count == 0 and not after.trusted
    assert wh.sql("SELECT count(*) AS n FROM runs")["n"][0] == 8
    assert wh.sql("SELECT note FROM actions WHERE kind = 'baseline_reset'")["note"][0] == \
        "new suite"
    wh.import_records([run_record("fresh", "alpine:3.20", "make",
                                  datetime.now(timezone.utc) + timedelta(seconds=5), 99.0, 50)])
    assert wh.baseline(key).sample_count == 1
    assert wh.baseline(key).duration_p50 == pytest.approx(99.0)


def test_unknown_key(wh):
    with pytest.raises(NotFoundError, match="no baseline for key"):
        wh.baseline("nope|000")
    with pytest.raises(NotFoundError):
        wh.reset_baseline("nope|000")
