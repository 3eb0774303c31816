"""``orcaops report``: the run history as one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from orcaops.cli import app
from orcaops.cli.common import out, warehouse


@app.command("report")
def report(
    ctx: typer.Context,
    output: Path = typer.Option(Path("report.html"), "--output", "-o",
                                help="Write the HTML page here."),
    since: str = typer.Option("30d", "--since",
                              help="The window: 30d, 24h, -7d, a date (2026-11-01); "
                                   "'all' for the whole history."),
    title: Optional[str] = typer.Option(None, "--title", help="The page title."),
) -> None:
    """Write an HTML report: a run-history table with a detail panel per run, success-rate,
    duration, capacity and cost charts, anomalies, flaky jobs, top failure patterns and
    recommendations. One file with everything inlined: it opens offline.

    Example: orcaops report --output report.html --since 30d
    """
    from orcaops.report import write_report

    path = write_report(warehouse(ctx), output, since, title=title)
    out(f"report: {path} ({path.stat().st_size / 1e6:.1f} MB, window {since})")
