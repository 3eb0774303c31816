"""Conditions (the lark grammar) and the metrics they measure over a query's runs in a window."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from orcaops.alerts.condition import parse_condition
from orcaops.api import Warehouse
from orcaops.core.errors import QueryError
from tests.conftest import make_run
from tests.server.conftest import special_runs


@pytest.mark.parametrize(("text", "metric", "column", "threshold", "per"), [
    ("count > 5", "count", None, 5, None),
    ("error_rate > 5%", "error_rate", None, 0.05, None),
    ("failure_rate >= 0.25", "error_rate", None, 0.25, None),
    ("p95(duration) > 10m", "p95", "duration_s", 600, None),
    ("avg(mem) > 2GB", "avg", "memory_peak_mb", 2048, None),
    ("sum(cost) per day > 100", "sum", "estimated_cost_usd", 100, 86400),
    ("COUNT PER hour >= 3", "count", None, 3, 3600),
    ("max(queue) < 1h30m", "max", "queue_wait_s", 5400, None),
])
def test_conditions_parse(text, metric, column, threshold, per) -> None:
    cond = parse_condition(text)
    assert (cond.metric, cond.column, cond.threshold, cond.per_seconds) == \
        (metric, column, threshold, per)


def test_anomaly_conditions_take_filters() -> None:
    cond = parse_condition("anomalies(severity:critical type:duration) > 0")
    assert (cond.metric, cond.severity, cond.anomaly_type) == ("anomalies", "critical",
                                                                "duration")


@pytest.mark.parametrize(("text", "message"), [
    ("count >", "unexpected end of condition at column 7: expected a number such as 5, 5% "
                "or 10m\n  count >\n        ^"),
    ("cnt > 5", "unknown metric 'cnt' (did you mean count?); known: count, error_rate, "
                "failure_rate, success_rate, avg(FIELD), min(FIELD), max(FIELD), sum(FIELD), "
                "p50(FIELD), p90(FIELD), p95(FIELD), p99(FIELD), anomalies(...)\n"
                "  cnt > 5\n  ^"),
    ("p95(image) > 3", "p95() needs a numeric field: duration, queue, memory, mem, cpu, cost"
                       "\n  p95(image) > 3\n      ^"),
    ("count > 5%", "bad threshold '5%' for count: expected a number\n  count > 5%\n"
                   "          ^"),
    ("p95(duration) > soon", "unexpected 'soon' at column 17: expected a number such as 5, "
                             "5% or 10m\n  p95(duration) > soon\n                  ^"),
    ("p95(duration) > 10parsecs", "bad threshold '10parsecs' for p95: expected a number of "
                                  "seconds or a duration such as 10m\n"
                                  "  p95(duration) > 10parsecs\n                  ^"),
    ("anomalies(severity:huge) > 0", "unknown severity 'huge': info, warning, critical\n"
                                     "  anomalies(severity:huge) > 0\n            ^"),
    ("sum(cost) per fortnight > 1", "bad period 'fortnight': minute, hour, day, week or a "
                                    "duration like 6h\n  sum(cost) per fortnight > 1\n"
                                    "                ^"),
])
def test_condition_errors_point_at_the_problem(text: str, message: str) -> None:
    with pytest.raises(QueryError) as e:
        parse_condition(text)
    assert str(e.value) == message


def test_metrics_over_the_window(wh: Warehouse) -> None:
    def run(i: int, status: str, duration_s: int, cost: float, hour: int) -> dict:
        return make_run(f"m-{i}", status=status, exit_code=0 if status == "success" else 1,
                        started_at=f"2026-11-20T{hour:02d}:00:00Z",
                        finished_at=f"2026-11-20T{hour:02d}:{duration_s // 60:02d}:00Z",
                        resources={"estimated_cost_usd": cost})
    wh.import_records([run(0, "success", 60, 1.0, 11), run(1, "failed", 120, 2.0, 11),
                       run(2, "success", 300, 3.0, 11), run(3, "timeout", 600, 4.0, 11),
                       run(4, "failed", 60, 100.0, 8)])  # outside a 2h window
    rules = {"n": "count > 3", "rate": "error_rate > 40%", "p50": "p50(duration) > 3m",
             "cost": "sum(cost) per day > 100", "ok": "success_rate < 60%",
             "slow": "max(duration) > 10m"}
    for name, when in rules.items():
        wh.add_alert(name, window="2h", when=when)
    result = wh.check_alerts(now=datetime(2026, 11, 20, 12, tzinfo=timezone.utc))
    assert result.values == {"cost": 120.0, "n": 4.0, "ok": 0.5, "p50": 210.0, "rate": 0.5,
                             "slow": 600.0}
    assert sorted(e.rule for e in result.events) == ["cost", "n", "ok", "p50", "rate"]


def test_anomalies_of_the_matching_runs(wh: Warehouse) -> None:
    wh.import_records(special_runs())  # srv-slow-01: a critical duration anomaly at 09:10
    wh.add_alert("crit", query="image:ghcr.io/acme/build*", window="1h",
                 when="anomalies(severity:critical) > 0")
    wh.add_alert("deploy", query="image:ghcr.io/acme/deploy*", window="1h",
                 when="anomalies() > 0")
    result = wh.check_alerts(now=datetime(2026, 11, 19, 10, tzinfo=timezone.utc))
    assert result.values == {"crit": 1.0, "deploy": 0.0}
    assert [(e.rule, e.job_ids) for e in result.events] == [("crit", ["srv-slow-01"])]
