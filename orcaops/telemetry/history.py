"""Stored history to OpenTelemetry: ``orcaops otel export --since 7d [QUERY]``.

Runs are read oldest first in pages of ``RUNS_PER_PAGE`` with their log lines and samples and
sent exactly as a live run is (``otlp``), so a run exported live and again here is the same
span (its trace id comes from its job id).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from orcaops.analytics.common import Frames, resolve_since
from orcaops.core.errors import InputError
from orcaops.telemetry.settings import otel_disabled, otel_enabled
from orcaops.telemetry.signals import RunSignals
from orcaops.warehouse import telemetry_sql as tsql

RUNS_PER_PAGE = 200


@dataclass
class ExportReport:
    """What ``export_history`` sent: runs (a span each, when traces have an endpoint), log
    records and metric data points."""

    runs: int
    log_records: int
    metric_points: int
    since: datetime | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"] = self.since.isoformat() if self.since else None
        return data


def history_pages(wh: Frames, query: str = "", since: datetime | None = None,
                  page: int = RUNS_PER_PAGE) -> Iterator[list[RunSignals]]:
    """Finished runs matching ``query`` since ``since``, with their lines and samples, a page
    of runs at a time.

    Raises:
        QueryError: a bad query.
    """
    from orcaops.query import compile_query

    compiled = compile_query(query or "")
    runs = wh.frame(*tsql.history_runs_sql(compiled.where, compiled.params, since)).to_dicts()
    for start in range(0, len(runs), page):
        rows = runs[start:start + page]
        found = {r["job_id"]: RunSignals(run=r, logs=[], samples=[]) for r in rows}
        ids = list(found)
        for line in wh.frame(*tsql.history_logs_sql(ids)).iter_rows(named=True):
            found[line["job_id"]].logs.append(line)  # type: ignore[attr-defined]
        for sample in wh.frame(*tsql.history_samples_sql(ids)).iter_rows(named=True):
            found[sample["job_id"]].samples.append(sample)  # type: ignore[attr-defined]
        yield list(found.values())


def export_history(wh: Frames, query: str = "", since: str | date | datetime | None = "7d",
                   ) -> ExportReport:
    """Send stored runs (spans), their log lines and samples to the OTLP endpoint that the
    ``OTEL_EXPORTER_OTLP_*`` variables name.

    Args:
        wh: the warehouse (``orcaops.open()``).
        query: a search query choosing the runs (docs/QUERY.md); empty for all.
        since: ``7d`` (the last 7 days), ``-24h``, a date or ISO timestamp; ``all`` for the
            whole history.

    Raises:
        InputError: a bad ``since`` or query, no endpoint configured, ``OTEL_SDK_DISABLED``,
            or the SDK is not installed.
        TelemetryError: the collector refused a request or could not be reached.
    """
    start = resolve_since(since)
    if otel_disabled():
        raise InputError("OTEL_SDK_DISABLED=true: unset it to export")
    if not otel_enabled():
        raise InputError("no OTLP endpoint is configured: set OTEL_EXPORTER_OTLP_ENDPOINT "
                         "(e.g. http://localhost:4318), or a per-signal "
                         "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    pages = history_pages(wh, query, start)
    from orcaops.telemetry.otlp import ExportCounts, OtlpExporter

    exporter = OtlpExporter()
    total, n_runs = ExportCounts(), 0
    try:
        for runs in pages:
            total.add(exporter.export(runs))
            n_runs += len(runs)
    finally:
        exporter.shutdown()
    return ExportReport(runs=n_runs, log_records=total.logs,
                        metric_points=total.points, since=start)
