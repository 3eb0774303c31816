"""``orcaops otel export``: stored history to an OpenTelemetry collector (OTLP/HTTP).

A live ``orcaops run`` exports itself when an ``OTEL_EXPORTER_OTLP_*ENDPOINT`` variable is set
(``orcaops.telemetry.live``); this sends what is already stored, the same way.
"""

from __future__ import annotations

from typing import Optional

import typer

from orcaops.cli import app
from orcaops.cli.common import out, warehouse
from orcaops.cli.serve import need_extra

otel_app = typer.Typer(no_args_is_help=True,
                       help="OpenTelemetry: send runs to a collector over OTLP/HTTP.")
app.add_typer(otel_app, name="otel")


@otel_app.command("export")
def export(
    ctx: typer.Context,
    query: Optional[str] = typer.Argument(None, help="A search query choosing the runs "
                                                     "(docs/QUERY.md); all runs if omitted."),
    since: str = typer.Option("7d", "--since",
                              help="The window: 7d, 24h, -2h, a date (2026-11-01); "
                                   "'all' for the whole history."),
) -> None:
    """Send stored runs as spans (with orcaops.* attributes and a first-error event), their
    log lines as log records and their resource samples as gauges, to the endpoint named by
    OTEL_EXPORTER_OTLP_ENDPOINT (or per signal: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, _LOGS_,
    _METRICS_), with OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME and
    OTEL_RESOURCE_ATTRIBUTES. A run sent twice keeps its trace id (derived from its job id).

    Example: OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 orcaops otel export status:failed
    """
    from orcaops.telemetry.history import export_history
    from orcaops.telemetry.settings import otel_enabled

    if otel_enabled():
        need_extra("orcaops otel export", "otel", "opentelemetry.sdk",
                   "opentelemetry.exporter.otlp.proto.http")
    report = export_history(warehouse(ctx), query or "", since)
    window = f"since {report.since:%Y-%m-%d %H:%M} UTC" if report.since else "all history"
    out(f"exported {report.runs} runs, {report.log_records} log records and "
        f"{report.metric_points} metric points ({window})")
