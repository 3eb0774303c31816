"""Predictions, flaky keys and metrics on generated histories."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from analytics_history import open_with, run_record

from orcaops.core.errors import InputError


def test_confidence_grows_with_samples(tmp_path):
    import math
    import random

    rng = random.Random(2)
    recs = [run_record(f"p{i}", "python:3.11", "pytest -q",
                       datetime(2026, 11, 1, tzinfo=timezone.utc) + timedelta(hours=i),
                       60 * math.exp(rng.gauss(0, 0.2)), 400) for i in range(200)]
    confs = []
    for n in (5, 30, 200):
        wh = open_with(tmp_path / f"n{n}", recs[:n])
        p = wh.predict("python:3.11", "pytest -q")
        confs.append(p.duration.confidence)
        assert p.sample_count == n
        assert p.duration.range_low <= p.duration.estimated_seconds <= p.duration.range_high
        assert 40 < p.duration.estimated_seconds < 90
        assert p.memory_mb == pytest.approx(400)
    assert confs[0] < confs[1] < confs[2] <= 0.95


def test_unknown_command_gets_a_low_confidence_guess(wh):
    p = wh.predict("python:3.11", "something new")
    assert p.duration.confidence <= 0.1 and p.sample_count == 0
    assert p.risk_reasons


def test_failure_risk_of_a_flaky_key_has_reasons(injected):
    wh, _ = injected
    p = wh.predict("busybox:1.36", "sleep 2")
    assert p.failure_risk > 0.1
    assert any("flaky" in r for r in p.risk_reasons)
    assert any("failed" in r for r in p.risk_reasons)
    steady = wh.predict("python:3.11-slim", "pytest -q")
    assert steady.failure_risk < 0.05


def test_flaky_keys_found_and_steady_ones_not(injected, stable_wh):
    wh, _ = injected
    flaky = wh.flaky()
    assert flaky["image"].to_list() == ["busybox:1.36"]
    row = flaky.row(0, named=True)
    assert row["flip_commits"] >= 2 and row["pass_on_retry"] >= 2
    assert stable_wh.flaky().height == 0
    res = wh.search("is:flaky", limit=None)
    assert set(res.runs["image"].to_list()) == {"busybox:1.36"}


def test_metrics_by_day_hour_image(injected):
    wh, h = injected
    day = wh.metrics()
    assert day["runs"].sum() == len(h.records)
    assert {"success_rate", "duration_p95_s", "queue_wait_mean_s", "cost_usd"} <= set(day.columns)
    hour = wh.metrics(by="hour", since="2026-10-02", until="2026-10-03")
    assert hour.height <= 24 and hour["runs"].sum() > 0
    img = wh.metrics(by="image", kind="resources")
    assert set(img["image"].to_list()) >= {"python:3.11", "node:20"}
    sb = wh.metrics(kind="sandboxes")
    assert (sb["utilization"] >= 0).all() and "queue_depth_mean" in sb.columns


@pytest.mark.parametrize("kwargs, words", [
    ({"by": "week?"}, "day, hour, image"), ({"kind": "cpu"}, "jobs, resources, sandboxes"),
    ({"since": "2026-11-02", "until": "2026-11-01"}, "must be before")])
def test_metrics_bad_arguments(wh, kwargs, words):
    with pytest.raises(InputError, match=words):
        wh.metrics(**kwargs)
