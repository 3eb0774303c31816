"""The warehouse as Prometheus metrics: what ``orcaops serve`` answers on ``/metrics``.

Computed from the stored history on a scrape (``warehouse/telemetry_sql.py``), then kept for
``ttl`` seconds, so Prometheus scraping every few seconds (or several Prometheus servers)
costs one set of queries per ``ttl``:

- ``orcaops_runs_total{status, image, failure_category}``: runs stored (a counter: it only
  grows while history is kept);
- ``orcaops_run_duration_seconds{baseline_key}``: a histogram of run durations per job;
- ``orcaops_anomalies_open{severity}``: anomalies nobody has acknowledged;
- ``orcaops_alert_state{rule, state}``: 1 per alert rule, labelled with its state (from
  :func:`alert_states`).

Needs ``prometheus_client`` (the ``server`` extra), imported when this module is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.utils import floatToGoString
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from orcaops.analytics.common import Frames
from orcaops.warehouse import telemetry_sql as tsql

# Upper bounds in seconds: from quick checks to multi-hour builds (+Inf is added).
DURATION_BUCKETS: tuple[float, ...] = (1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600,
                                       7200, 14400)
DEFAULT_TTL_S = 5.0
SEVERITIES = ("info", "warning", "critical")


@dataclass(frozen=True)
class AlertState:
    """One alert rule and where it stands (``firing``, ``resolved``, ``silenced``, ...)."""

    rule: str
    state: str


def alert_states(wh: Frames) -> list[AlertState]:
    """The state of every alert rule (``orcaops alerts``, the ``alert_states`` view); empty
    when there are none. The one place ``orcaops_alert_state`` reads."""
    rows = wh.frame("SELECT name, state FROM alert_states ORDER BY name").rows()
    return [AlertState(str(name), str(state)) for name, state in rows]


class WarehouseCollector:
    """A ``prometheus_client`` collector over one warehouse, cached for ``ttl`` seconds.

    Args:
        wh: the warehouse (``orcaops.open()``; ``Frames`` is enough).
        ttl: seconds a computed set of metrics is served before it is computed again.
        alerts: where alert states come from (default :func:`alert_states`).
    """

    def __init__(self, wh: Frames, ttl: float = DEFAULT_TTL_S,
                 alerts: Callable[[Frames], Iterable[AlertState]] = alert_states) -> None:
        self.wh = wh
        self.ttl = ttl
        self.alerts = alerts
        self._lock = threading.Lock()
        self._cached: tuple[float, list[Metric]] | None = None

    def describe(self) -> list[Metric]:
        return []  # registering must not query the warehouse

    def collect(self) -> Iterator[Metric]:
        # One computation at a time: concurrent scrapes wait for it rather than repeat it.
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] >= self.ttl:
                self._cached = (now, list(self._families()))
            families = self._cached[1]
        yield from families

    def _families(self) -> Iterator[Metric]:
        yield runs_family(self.wh.frame(*tsql.runs_by_labels_sql()).rows())
        yield durations_family(self.wh.frame(*tsql.duration_buckets_sql(DURATION_BUCKETS))
                               .rows())
        yield anomalies_family(self.wh.frame(*tsql.open_anomalies_sql()).rows())
        yield alerts_family(self.alerts(self.wh))


def runs_family(rows: Iterable[tuple[Any, ...]]) -> Metric:
    """``orcaops_runs_total`` from (status, image, failure_category, runs) rows."""
    family = CounterMetricFamily("orcaops_runs", "Runs stored in the warehouse.",
                                 labels=["status", "image", "failure_category"])
    for status, image, category, runs in rows:
        family.add_metric([status or "", image or "", category or ""], runs)
    return family


def durations_family(rows: Iterable[tuple[Any, ...]]) -> Metric:
    """``orcaops_run_duration_seconds`` from (baseline_key, cumulative counts per bound...,
    runs, total seconds) rows."""
    family = HistogramMetricFamily("orcaops_run_duration_seconds",
                                   "Run durations per job (baseline key: image|command hash).",
                                   labels=["baseline_key"])
    for key, *counts, runs, total in rows:
        buckets = [(floatToGoString(b), c) for b, c in zip(DURATION_BUCKETS, counts, strict=True)]
        family.add_metric([key], [*buckets, ("+Inf", runs)], float(total or 0.0))
    return family


def anomalies_family(rows: Iterable[tuple[Any, ...]]) -> Metric:
    """``orcaops_anomalies_open`` by severity, every severity present (0 when none)."""
    family = GaugeMetricFamily("orcaops_anomalies_open",
                               "Anomalies not acknowledged, by severity.", labels=["severity"])
    found = {severity: n for severity, n in rows}
    for severity in sorted(set(SEVERITIES) | set(found)):
        family.add_metric([severity], found.get(severity, 0))
    return family


def alerts_family(states: Iterable[AlertState]) -> Metric:
    """``orcaops_alert_state``: 1 for each rule, labelled with its current state."""
    family = GaugeMetricFamily("orcaops_alert_state",
                               "Alert rules: 1 per rule, labelled with its current state.",
                               labels=["rule", "state"])
    for alert in states:
        family.add_metric([alert.rule, alert.state], 1)
    return family


def exposition(collector: WarehouseCollector) -> tuple[bytes, str]:
    """The collector's metrics in the Prometheus text format, and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)  # type: ignore[arg-type]
    return generate_latest(registry), CONTENT_TYPE_LATEST
