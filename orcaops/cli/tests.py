"""``orcaops tests [list|flaky|slow|failing]``: test cases as data. Thin: one library call."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from orcaops.cli import app
from orcaops.cli.common import DEFAULT_LIMIT, emit, warehouse
from orcaops.cli.options import FormatOpt, OutputOpt
from orcaops.core.errors import InputError

# The columns the table shows per report (json/csv/parquet carry every column).
COLUMNS: dict[str, tuple[str, ...]] = {
    "list": ("job_id", "test_id", "status", "duration_s", "message", "image", "started_at"),
    "flaky": ("test_id", "image", "command", "runs", "failures", "flips", "flip_rate",
              "flip_commits", "pass_on_retry", "last_flip_at"),
    "slow": ("test_id", "image", "command", "runs", "p50_s", "p95_s", "last_s",
             "trend_s_per_day"),
    "failing": ("test_id", "image", "command", "failures", "runs", "failure_rate",
                "last_failed_at", "last_message"),
}
TITLES = {"list": "test results", "flaky": "flaky tests", "slow": "slowest tests",
          "failing": "failing tests"}


@app.command("tests")
def tests(
    ctx: typer.Context,
    report: str = typer.Argument("list", help="list, flaky, slow or failing."),
    since: Optional[str] = typer.Option(None, "--since",
                                        help="Only runs started then or later (-7d, a date)."),
    job: Optional[str] = typer.Option(None, "--job", help="Only this job key (or its prefix)."),
    limit: int = typer.Option(DEFAULT_LIMIT, "--limit", "-n", help="At most this many (0: all)."),
    fmt: str = FormatOpt,
    output: Optional[Path] = OutputOpt,
) -> None:
    """Test cases across runs: every result, flaky tests (both outcomes on one commit, or
    passed on retry), the slowest with their trend, the most failing.

    Example: orcaops tests flaky --since -30d --format json
    """
    if limit < 0:
        raise InputError(f"--limit must be 0 or more, got {limit}")
    if report not in COLUMNS:
        raise InputError(f"unknown report {report!r}: use list, flaky, slow or failing "
                         "(e.g. orcaops tests flaky)")
    frame = warehouse(ctx).tests_report(report, since=since, job=job, limit=limit or None)
    emit(frame, fmt, output, columns=COLUMNS[report], title=f"{frame.height} {TITLES[report]}")
