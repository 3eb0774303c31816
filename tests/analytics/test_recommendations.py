"""Recommendations appear with evidence for constructed situations and go when dismissed."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone

import pytest
from analytics_history import open_with, run_record

from orcaops.core.errors import NotFoundError

T = datetime(2026, 11, 1, tzinfo=timezone.utc)


def _samples(start: datetime, memory: float, limit: float) -> list[dict]:
    return [{"ts": (start + timedelta(seconds=5 * i)).isoformat(), "memory_mb": memory,
             "memory_limit_mb": limit} for i in range(2)]


def situation() -> list[dict]:
    rng = random.Random(4)
    recs = []
    for i in range(40):
        t = T + timedelta(hours=i)
        d = lambda m: m * math.exp(rng.gauss(0, 0.1))  # noqa: E731
        recs.append(run_record(f"fat-{i}", "python:3.11", "pytest -q", t, d(64), 400,
                               samples=_samples(t, 400, 4096)))
        recs.append(run_record(f"slim-{i}", "python:3.11-slim", "pytest -q", t, d(41), 380))
        recs.append(run_record(f"pip-{i}", "python:3.11", "pip install -r req.txt && pytest",
                               t, d(118), 500))
        status = "timeout" if i % 8 == 0 else "success"
        recs.append(run_record(f"e2e-{i}", "node:20", "npx playwright test", t,
                               3600 if status == "timeout" else d(300), 900, status=status))
    return recs


@pytest.fixture(scope="module")
def recs_wh(tmp_path_factory):
    return open_with(tmp_path_factory.mktemp("recs"), situation())


def _by_rule(recs):
    return {r.evidence["rule"]: r for r in recs}


def test_each_situation_gets_its_recommendation(recs_wh):
    found = _by_rule(recs_wh.recommendations())
    slim = found["slim_image"]
    assert "python:3.11-slim" in slim.title and slim.evidence["slim_runs"] == 40
    assert 0.25 < slim.evidence["saved_share"] < 0.5
    assert found["caching"].evidence["install_step"] == "pip install"
    timeout = found["timeout"]
    assert timeout.title.startswith("Lower the timeout to ")
    assert timeout.title.endswith("for npx playwright test on node:20")
    assert timeout.evidence["suggested_timeout_s"] == math.ceil(
        timeout.evidence["duration_p99"] * 1.5)
    mem = found["memory_lower"]
    assert mem.evidence["limit_mb"] == 4096 and mem.evidence["suggested_limit_mb"] == 512


def test_ids_are_stable_and_dismiss_apply_persist(recs_wh):
    import orcaops

    first = recs_wh.recommendations()
    again = orcaops.open(recs_wh.home).recommendations()
    assert [r.id for r in first] == [r.id for r in again]
    slim = _by_rule(first)["slim_image"]
    cache = _by_rule(first)["caching"]
    recs_wh.dismiss_recommendation(slim.id)
    recs_wh.apply_recommendation(cache.id)
    open_ids = {r.id for r in recs_wh.recommendations()}
    assert slim.id not in open_ids and cache.id not in open_ids
    states = {r.id: r.state for r in recs_wh.recommendations(include_closed=True)}
    assert states[slim.id] == "dismissed" and states[cache.id] == "applied"


def test_unknown_id(recs_wh):
    with pytest.raises(NotFoundError):
        recs_wh.dismiss_recommendation("nope")


def test_steady_history_with_no_evidence_gets_none(stable_wh):
    rules = {r.evidence["rule"] for r in stable_wh.recommendations()}
    assert not rules & {"timeout", "flaky", "memory_raise", "memory_lower"}


def test_idle_executor_needs_a_whole_week_of_evidence(tmp_path):
    """A host seen all week but barely used is idle; one that ran its first job yesterday is new."""
    recs = []
    for i in range(14 * 24):  # two weeks, hourly, on two busy hosts
        t = T + timedelta(hours=i)
        for host in ("build-1", "build-2"):
            recs.append(run_record(f"{host}-{i}", "python:3.11", "pytest -q", t, 1800, 400,
                                   host=host))
        if i % 48 == 0:
            recs.append(run_record(f"spare-{i}", "python:3.11", "pytest -q", t, 30, 400,
                                   host="spare"))
    last = T + timedelta(hours=14 * 24 - 20)
    recs.append(run_record("laptop-1", None, "python -c pass", last, 1, 50, host="laptop"))
    wh = open_with(tmp_path / "h", recs)
    idle = [r for r in wh.recommendations() if r.evidence.get("rule") == "idle_executor"]
    assert [r.evidence["host"] for r in idle] == ["spare"]
    assert "first_run_at" in idle[0].evidence
