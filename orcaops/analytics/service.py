"""``Analytics``: metrics, baselines, anomalies, flaky jobs, predictions, forecasts, advice.

The ``Warehouse`` holds one (composition) and forwards its public analytics methods here.
Every method is thin and calls the module that does the work (``metrics``, ``baselines``,
``anomalies``, ``flaky``, ``predict``, ``forecast``, ``recommendations``, ``series``), each
of which reads through the ``Source`` protocol: SQL in, DataFrame out.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import polars as pl

from orcaops.analytics.common import Source

if TYPE_CHECKING:
    from orcaops.core.models import (
        Anomaly,
        PerformanceBaseline,
        Prediction,
        Recommendation,
        RunDiff,
    )

When = str | date | datetime | None


class Analytics:
    """Metrics, baselines, anomalies, flaky jobs, predictions, forecasts, recommendations.

    Args:
        source: the warehouse it reads (``Warehouse`` satisfies ``Source``).
    """

    def __init__(self, source: Source) -> None:
        self.source = source

    def metrics(self, by: str = "day", since: When = None, until: When = None,
                kind: str = "jobs") -> pl.DataFrame:
        """Metrics per day, hour or image over an optional window.

        Args:
            by: ``day``, ``hour`` or ``image``.
            since: start (a date, ISO timestamp or relative ``-7d``), inclusive.
            until: end, exclusive.
            kind: ``jobs`` (counts, success rate, durations, waits, cost), ``resources``
                (CPU, memory, network, disk) or ``sandboxes`` (hosts, busy time,
                utilization, queue depth).

        Raises:
            InputError: an unknown ``by``/``kind`` or a bad date.
        """
        from orcaops.analytics.metrics import load_metrics

        return load_metrics(self.source, kind=kind, by=by, since=since, until=until)

    def baselines(self, include_stale: bool = False) -> pl.DataFrame:
        """One row per baseline_key with the fields of ``PerformanceBaseline``.

        Baselines of keys that have not run for ``settings.baseline_stale_days`` age out
        unless ``include_stale``; ``trusted`` says whether ``baseline_min_samples`` back it.
        """
        from orcaops.analytics.baselines import load_baselines

        return load_baselines(self.source, include_stale=include_stale)

    def baseline(self, key: str) -> PerformanceBaseline:
        """The baseline of one key. Raises NotFoundError for an unknown key."""
        from orcaops.analytics.baselines import get_baseline

        return get_baseline(self.source, key)

    def reset_baseline(self, key: str, note: str | None = None) -> PerformanceBaseline:
        """Restart a key's baseline from now (its runs stay); returns the emptied baseline.

        Raises:
            NotFoundError: no run has this key.
        """
        self.baseline(key)
        self.source.add_action("baseline_reset", key, note)
        return self.baseline(key)

    def anomalies(self, since: When = None, severity: str | None = None,
                  type: str | None = None,  # noqa: A002
                  include_acknowledged: bool = False, until: When = None) -> pl.DataFrame:
        """Anomalies (fields of ``Anomaly``), newest first.

        Args:
            since: only those detected at or after this time.
            severity: minimum severity: ``info``, ``warning`` or ``critical``.
            type: ``duration``, ``regression``, ``memory``, ``error_pattern``, ``flaky`` or
                ``stalled``.
            include_acknowledged: keep acknowledged ones too.
            until: only those detected before this time.
        """
        from orcaops.analytics.anomalies import load_anomalies

        return load_anomalies(self.source, since=since, until=until, severity=severity,
                              type=type, include_acknowledged=include_acknowledged)

    def anomalies_for(self, job_id: str) -> list[Anomaly]:
        """Every anomaly of one run (acknowledged too), e.g. to show after ``orcaops run``."""
        from orcaops.analytics.anomalies import load_anomalies, to_models

        run = self.source.run(job_id)
        return to_models(load_anomalies(self.source, job_id=run["job_id"],
                                        baseline_key=run["baseline_key"],
                                        include_acknowledged=True))

    def ack_anomaly(self, id: str, resolution: str | None = None) -> Anomaly:  # noqa: A002
        """Acknowledge an anomaly (kept in the actions table). NotFoundError if unknown."""
        from orcaops.analytics.anomalies import ack

        return ack(self.source, id, resolution)

    def flaky(self) -> pl.DataFrame:
        """Keys currently flaky (both outcomes on one commit, frequent flips)."""
        from orcaops.analytics.flaky import load_flaky

        return load_flaky(self.source)

    def predict(self, image: str | None, command: str | list[str]) -> Prediction:
        """Duration (estimate, range, confidence), memory need and failure risk with reasons."""
        from orcaops.analytics.predict import predict

        return predict(self.source, image, command)

    def forecast(self, metric: str = "runs", horizon: str = "7d",
                 key: str | None = None) -> pl.DataFrame:
        """Rows ``ts, yhat, yhat_lower, yhat_upper`` (90% band) over ``horizon``.

        Args:
            metric: ``runs`` (per hour, daily and weekly seasonality, trend), ``duration``
                (median per day, trend) or ``cost`` (per day, weekly seasonality, trend).
            horizon: how far ahead: ``24h``, ``7d``, ``2w``...
            key: only the runs of this baseline_key.
        """
        from orcaops.analytics.forecast import forecast

        return forecast(self.source, metric, horizon, key)

    def peak_times(self, horizon: str = "7d", top: int = 5) -> pl.DataFrame:
        """The busiest hours ahead by forecast runs per hour."""
        from orcaops.analytics.forecast import peak_times

        return peak_times(self.source, horizon, top)

    def diff(self, job_id: str, other: str | None = None) -> RunDiff:
        """Two runs side by side and the log lines new in ``job_id``.

        Args:
            job_id: the run to explain (a unique prefix is enough).
            other: the run to compare with; by default the last successful run of the same
                job (``baseline_key``) before it.

        Raises:
            NotFoundError: a run does not exist.
        """
        from orcaops.analytics.diff import load_diff

        return load_diff(self.source, job_id, other)

    def recommendations(self, include_closed: bool = False) -> list[Recommendation]:
        """Recommendations with evidence; dismissed/applied ones only with include_closed."""
        from orcaops.analytics.recommendations import load_recommendations

        return load_recommendations(self.source, include_closed)

    def dismiss_recommendation(self, id: str) -> Recommendation:  # noqa: A002
        """Dismiss a recommendation (it stops being listed). NotFoundError if unknown."""
        from orcaops.analytics.recommendations import decide

        return decide(self.source, id, "dismiss")

    def apply_recommendation(self, id: str) -> Recommendation:  # noqa: A002
        """Mark a recommendation applied. NotFoundError if unknown."""
        from orcaops.analytics.recommendations import decide

        return decide(self.source, id, "apply")

    def series_anomalies(self, job_id: str | None = None, key: str | None = None,
                         column: str | None = None, threshold: float = 5.0) -> pl.DataFrame:
        """The series detector on one run's samples or one key's durations.

        Args:
            job_id: score this run's resource samples (``column`` defaults to memory_mb).
            key: score the durations of this baseline_key's successful runs over time.
            column: for samples: memory_mb, cpu_percent, ...
            threshold: robust standard deviations that make an anomaly.
        """
        from orcaops.analytics.series import series_anomalies

        return series_anomalies(self.source, job_id=job_id, key=key, column=column,
                                threshold=threshold)
