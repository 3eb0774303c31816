"""``orcaops metrics | baselines | anomalies | flaky | forecast | predict | recommendations``:
the analytics commands. Thin: each calls one Warehouse method."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from orcaops.cli import app
from orcaops.cli.common import DEFAULT_LIMIT, console, emit, warehouse
from orcaops.cli.options import FormatOpt, OutputOpt
from orcaops.core.errors import InputError

BASELINE_COLUMNS = ("key", "sample_count", "trusted", "duration_p50", "duration_p95",
                    "duration_p99", "duration_ema", "memory_max_mb", "success_rate",
                    "last_updated")
ANOMALY_COLUMNS = ("id", "job_id", "anomaly_type", "severity", "description", "detected_at",
                   "acknowledged")
REC_COLUMNS = ("id", "priority", "type", "title", "impact", "state")
FLAKY_COLUMNS = ("image", "command", "baseline_key", "runs", "failures", "transition_rate",
                 "flip_commits", "pass_on_retry", "last_flip_at")


def _models_out(frame: Any, model: type, fmt: str, output: Optional[Path],
                columns: tuple[str, ...], title: str) -> None:
    """JSON formats get a JSON array of model objects; the others the frame."""
    if fmt in ("json", "jsonl"):
        items = [model(**row) for row in frame.iter_rows(named=True)]
        if fmt == "json":
            emit(items, "json", output)
            return
        frame = items
    emit(frame, fmt, output, columns=columns, title=title)


@app.command("metrics")
def metrics(
    ctx: typer.Context,
    kind: str = typer.Argument("jobs", help="jobs, resources or sandboxes."),
    since: Optional[str] = typer.Option(None, "--from", help="Start: 2026-11-01, ISO or -7d."),
    until: Optional[str] = typer.Option(None, "--to", help="End (exclusive)."),
    by: str = typer.Option("day", "--by", help="Group by day, hour or image."),
    fmt: str = FormatOpt,
    output: Optional[Path] = OutputOpt,
) -> None:
    """Success rates, durations, waits and cost (jobs); CPU, memory, network (resources);
    hosts, busy time, utilization and queue depth (sandboxes).

    Example: orcaops metrics jobs --from -7d --by day
    """
    frame = warehouse(ctx).metrics(by=by, since=since, until=until, kind=kind)
    emit(frame, fmt, output, title=f"{kind} by {by}")


baselines_app = typer.Typer(no_args_is_help=False)
app.add_typer(baselines_app, name="baselines")


@baselines_app.callback(invoke_without_command=True)
def baselines(
    ctx: typer.Context,
    include_stale: bool = typer.Option(False, "--all", help="Include stale baselines."),
    fmt: str = FormatOpt,
    output: Optional[Path] = OutputOpt,
) -> None:
    """What is normal per image + command: percentiles, EMA, memory, success rate.

    With no subcommand, lists them (like `baselines list`).

    Example: orcaops baselines --format json
    """
    if ctx.invoked_subcommand is None:
        _list_baselines(ctx, include_stale, fmt, output)


def _list_baselines(ctx: typer.Context, include_stale: bool, fmt: str,
                    output: Optional[Path]) -> None:
    from orcaops.core.models import PerformanceBaseline

    frame = warehouse(ctx).baselines(include_stale=include_stale)
    _models_out(frame, PerformanceBaseline, fmt, output, BASELINE_COLUMNS,
                f"{frame.height} baselines")


@baselines_app.command("list")
def baselines_list(
    ctx: typer.Context,
    include_stale: bool = typer.Option(False, "--all", help="Include stale baselines."),
    fmt: str = FormatOpt,
    output: Optional[Path] = OutputOpt,
) -> None:
    """List the baselines of every key that ran recently.

    Example: orcaops baselines list --all --format csv -o baselines.csv
    """
    _list_baselines(ctx, include_stale, fmt, output)


@baselines_app.command("show")
def baselines_show(ctx: typer.Context, key: str = typer.Argument(..., help="A baseline key."),
                   fmt: str = FormatOpt) -> None:
    """Show one baseline.

    Example: orcaops baselines show "python:3.11|c3b206874e8a"
    """
    _show(warehouse(ctx).baseline(key), fmt)


@baselines_app.command("reset")
def baselines_reset(ctx: typer.Context, key: str = typer.Argument(..., help="A baseline key."),
                    note: Optional[str] = typer.Option(None, "--note", help="Why.")) -> None:
    """Restart a baseline from now; past runs stay in the history.

    Example: orcaops baselines reset "python:3.11|c3b206874e8a" --note "new test suite"
    """
    warehouse(ctx).reset_baseline(key, note)
    console().print(f"baseline {key} restarts from now")


def _show(model: Any, fmt: str) -> None:
    if fmt == "json":
        emit(model, "json", None)
        return
    from rich.markup import escape

    from orcaops.core.pairs import field_lines

    lines = field_lines(model)
    width = max((len(name) for name, _ in lines), default=0)
    c = console()
    for name, text in lines:
        c.print(f"[bold]{escape(name):>{width}}[/]  {escape(text)}")


anomalies_app = typer.Typer(no_args_is_help=False)
app.add_typer(anomalies_app, name="anomalies")


@anomalies_app.callback(invoke_without_command=True)
def anomalies(
    ctx: typer.Context,
    since: Optional[str] = typer.Option(None, "--since", help="2026-11-01, ISO or -7d."),
    severity: Optional[str] = typer.Option(None, "--severity",
                                           help="Minimum: info, warning or critical."),
    type_: Optional[str] = typer.Option(None, "--type", help="duration, regression, memory, "
                                        "error_pattern, flaky or stalled."),
    include_acknowledged: bool = typer.Option(False, "--all", help="Include acknowledged."),
    limit: int = typer.Option(DEFAULT_LIMIT, "--limit", "-n",
                              help="At most this many, newest first (0: all)."),
    fmt: str = FormatOpt,
    output: Optional[Path] = OutputOpt,
) -> None:
    """Runs that deviate from what is normal for their job, newest first.

    Example: orcaops anomalies --since -7d --severity warning --limit 20
    """
    if ctx.invoked_subcommand is not None:
        return
    from orcaops.core.models import Anomaly

    if limit < 0:
        raise InputError(f"--limit must be 0 or more, got {limit}")
    frame = warehouse(ctx).anomalies(since=since, severity=severity, type=type_,
                                     include_acknowledged=include_acknowledged)
    shown = frame.head(limit) if limit else frame
    title = (f"{frame.height} anomalies" if shown.height == frame.height else
             f"{frame.height} anomalies (newest {shown.height}; --limit N for more)")
    _models_out(shown, Anomaly, fmt, output, ANOMALY_COLUMNS, title)


@anomalies_app.command("ack")
def anomalies_ack(
    ctx: typer.Context,
    anomaly_id: str = typer.Argument(..., help="The anomaly id."),
    resolution: Optional[str] = typer.Option(None, "--resolution", "-r",
                                             help="What was found or done."),
) -> None:
    """Acknowledge an anomaly so it stops being listed (kept in the actions table).

    Example: orcaops anomalies ack 3f2a9c1b0d4e5f60 --resolution "runner was overloaded"
    """
    found = warehouse(ctx).ack_anomaly(anomaly_id, resolution)
    console().print(f"acknowledged {found.id}: {found.title}")


@app.command("flaky")
def flaky(ctx: typer.Context, fmt: str = FormatOpt,
          output: Optional[Path] = OutputOpt) -> None:
    """Jobs that both pass and fail on the same commit, with how often they flip.

    Example: orcaops flaky --format json
    """
    frame = warehouse(ctx).flaky()
    emit(frame, fmt, output, columns=FLAKY_COLUMNS, title=f"{frame.height} flaky jobs")


@app.command("forecast")
def forecast(
    ctx: typer.Context,
    metric: str = typer.Argument("runs", help="runs (per hour), duration or cost (per day)."),
    horizon: str = typer.Option("7d", "--horizon", help="How far ahead: 24h, 7d, 2w."),
    key: Optional[str] = typer.Option(None, "--key", help="Only this baseline key."),
    fmt: str = FormatOpt,
    output: Optional[Path] = OutputOpt,
) -> None:
    """Forecast runs per hour, median duration or cost per day, with a 90% band.

    Example: orcaops forecast runs --horizon 7d --format csv -o runs.csv
    """
    frame = warehouse(ctx).forecast(metric=metric, horizon=horizon, key=key)
    emit(frame, fmt, output, title=f"{metric} forecast, {horizon}")


@app.command("predict", context_settings={"allow_interspersed_args": False})
def predict(
    ctx: typer.Context,
    command: list[str] = typer.Argument(..., help="The command, after --."),
    image: Optional[str] = typer.Option(None, "--image", help="The image (omit: local run)."),
    fmt: str = FormatOpt,
) -> None:
    """Predict duration, memory and failure risk of a command before running it.

    Example: orcaops predict --image python:3.11 -- pytest -q
    """
    _show(warehouse(ctx).predict(image, command), fmt)


recs_app = typer.Typer(no_args_is_help=False)
app.add_typer(recs_app, name="recommendations")


@recs_app.callback(invoke_without_command=True)
def recommendations(
    ctx: typer.Context,
    include_closed: bool = typer.Option(False, "--all", help="Include dismissed and applied."),
    fmt: str = FormatOpt,
    output: Optional[Path] = OutputOpt,
) -> None:
    """Improvements with evidence: timeouts, memory limits, caching, slim images, flaky
    jobs, idle executors.

    Example: orcaops recommendations --format json
    """
    if ctx.invoked_subcommand is not None:
        return
    recs = warehouse(ctx).recommendations(include_closed=include_closed)
    emit(recs, fmt, output, columns=REC_COLUMNS, title=f"{len(recs)} recommendations")


@recs_app.command("dismiss")
def recommendations_dismiss(ctx: typer.Context,
                            rec_id: str = typer.Argument(..., help="The recommendation id.")
                            ) -> None:
    """Dismiss a recommendation; it is no longer listed.

    Example: orcaops recommendations dismiss 9704b1b2efdce1e5
    """
    rec = warehouse(ctx).dismiss_recommendation(rec_id)
    console().print(f"dismissed {rec.id}: {rec.title}")


@recs_app.command("apply")
def recommendations_apply(ctx: typer.Context,
                          rec_id: str = typer.Argument(..., help="The recommendation id.")
                          ) -> None:
    """Mark a recommendation as applied; a timeout or memory one becomes its job's run
    policy, which `orcaops run` uses from then on (see `orcaops policies`).

    Example: orcaops recommendations apply 9704b1b2efdce1e5
    """
    wh = warehouse(ctx)
    rec = wh.apply_recommendation(rec_id)
    console().print(f"applied {rec.id}: {rec.title}")
    for policy in wh.policies():
        if policy.recommendation_id == rec.id:
            console().print(f"orcaops run now uses the policy for {policy.baseline_key}: "
                            f"{policy.values.describe()}", markup=False)
