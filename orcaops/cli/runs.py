"""``orcaops runs``: search, show, logs, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from orcaops.cli import app
from orcaops.cli.common import console, emit, out, printable, warehouse
from orcaops.cli.options import FormatOpt, LimitOpt, OutputOpt, ShowSqlOpt
from orcaops.cli.runsearch import DEFAULT_SORT, run_search
from orcaops.errors import InputError

runs_app = typer.Typer(no_args_is_help=True, help="Search and inspect runs.")
app.add_typer(runs_app, name="runs")

SortOpt = typer.Option(DEFAULT_SORT, "--sort", "-s",
                       help="Field to sort by; a leading - sorts descending (e.g. -duration).")


@runs_app.command("search")
def search(
    ctx: typer.Context,
    query: str = typer.Argument("", help="A search query, e.g. \"status:failed image:py*\"."),
    limit: int = LimitOpt,
    sort: str = SortOpt,
    facets: bool = typer.Option(False, "--facets", help="Also count by status, image, tag…"),
    fmt: str = FormatOpt,
    output: Optional[Path] = OutputOpt,
    show_sql: bool = ShowSqlOpt,
    interactive: bool = typer.Option(False, "--interactive", "-i",
                                     help="Type queries and refine them."),
) -> None:
    """Search runs with the query language (fields, wildcards, ranges: see README, Search).

    Example: orcaops runs search "status:failed image:python* duration:>60" --facets
    """
    run_search(ctx, query, limit=limit, sort=sort, facets=facets, fmt=fmt, output=output,
               show_sql=show_sql, interactive=interactive)


@runs_app.command("diff")
def diff(ctx: typer.Context, job_id: str = typer.Argument(..., help="A job id or prefix."),
         other: Optional[str] = typer.Argument(
             None, help="The run to compare with (default: the job's last success before it)."),
         limit: int = typer.Option(40, "--limit", "-n", help="At most this many new lines."),
         fmt: str = FormatOpt) -> None:
    """Compare two runs: what changed, and the log lines new since the run that worked.

    Example: orcaops runs diff r-70019042
    """
    from orcaops.cli.rundiff import print_diff

    result = warehouse(ctx).diff(job_id, other)
    if fmt != "table":
        emit(result, fmt, None)
        return
    print_diff(result, limit)


@runs_app.command("watch")
def watch(ctx: typer.Context, job_id: str = typer.Argument(..., help="A job id or prefix.")
          ) -> None:
    """Follow a running job's output until it ends, then print how it ended.

    Example: orcaops runs watch r-20261203-1849-3fa2
    """
    import sys

    from orcaops.executors.watch import find_spool, follow

    wh = warehouse(ctx)
    spool = find_spool(wh.settings.spool, job_id)
    if spool is None:
        run = wh.run(job_id)  # NotFoundError when it never ran
        console(stderr=True).print(f"{run['job_id']} is not running: it ended {run['status']}"
                                   f" (orcaops runs logs {run['job_id']})")
        return
    for line in follow(spool):
        target = sys.stderr if line.stream == "stderr" else sys.stdout
        target.write(line.text + "\n")
        target.flush()
    from orcaops.cli.run import print_outcome

    print_outcome(wh, spool.name)


@runs_app.command("show")
def show(ctx: typer.Context, job_id: str = typer.Argument(..., help="A job id or prefix."),
         fmt: str = FormatOpt) -> None:
    """Show everything stored about one run.

    Example: orcaops runs show r-7000123
    """
    wh = warehouse(ctx)
    run = wh.run(job_id)
    outputs = wh.run_outputs(run["job_id"])
    if fmt == "json":
        emit({**run, **outputs}, "json", None)
        return
    c = console()
    for key, value in run.items():
        if value not in (None, "", [], "{}"):
            c.print(f"[bold]{key:>20}[/] {printable(str(value))}")
    print_outputs(c, outputs)


def print_outputs(c: Any, outputs: dict[str, Any]) -> None:
    """The run's test counts, failed tests and artifacts, under its fields."""
    if outputs["tests"]:
        counts = ", ".join(f"{n} {s}" for s, n in outputs["tests"].items() if n)
        c.print(f"[bold]{'tests':>20}[/] {counts}")
    for test in outputs["failed_tests"]:
        why = (test["message"] or "").strip().splitlines()[:1]
        flaky = " [known flaky]" if test["known_flaky"] else ""
        c.print(f"[bold]{'failed test':>20}[/] {printable(test['test_id'])}"
                f"{' — ' + printable(why[0][:120]) if why else ''}{flaky}", highlight=False)
    for art in outputs["artifacts"]:
        c.print(f"[bold]{'artifact':>20}[/] {printable(art['name'])} ({art['size']} bytes, "
                f"sha256 {art['sha256'][:12]})", highlight=False)


@runs_app.command("logs")
def logs(
    ctx: typer.Context,
    job_id: str = typer.Argument(..., help="A job id or prefix."),
    level: Optional[str] = typer.Option(None, "--level", "-l",
                                        help="Only lines at this level or worse."),
    grep: Optional[str] = typer.Option(None, "--grep", "-g", help="Only lines with this text."),
    stream: Optional[str] = typer.Option(None, "--stream", help="stdout or stderr."),
    failed: bool = typer.Option(False, "--failed", help="Only the lines that made the run fail "
                                "(the root-cause block), with a little context."),
    fmt: str = typer.Option("text", "--format", "-f", help="text, table, json, jsonl, csv."),
    output: Optional[Path] = OutputOpt,
) -> None:
    """Print the log lines of one run.

    Example: orcaops runs logs r-70019042 --failed
    """
    if failed:
        _print_failed(ctx, job_id, fmt, output)
        return
    frame = warehouse(ctx).logs(job_id=job_id, grep=grep, level=level)
    if stream:
        if stream not in ("stdout", "stderr"):
            raise InputError("--stream must be stdout or stderr")
        frame = frame.filter(frame["stream"] == stream)
    if fmt != "text":
        emit(frame, fmt, output)
        return
    text = "".join(f"{r['line_number']:>5} {'err' if r['stream'] == 'stderr' else 'out'} "
                   f"{r['level']:<5} {r['message']}\n"
                   for r in frame.iter_rows(named=True))
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        out(text or "(no matching lines)")


def _print_failed(ctx: typer.Context, job_id: str, fmt: str, output: Optional[Path]) -> None:
    lines = warehouse(ctx).root_cause(job_id)
    if fmt != "text":
        emit(lines, fmt, output)
        return
    text = "".join(f"{'>' if r['in_block'] else ' '} {r['line_number']:>5} {r['level']:<5} "
                   f"{r['text']}\n" for r in lines)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        out(text or "(no root cause: the run's log holds no error)")


@runs_app.command("export")
def export(
    ctx: typer.Context,
    query: str = typer.Argument("", help="A search query choosing the runs."),
    fmt: str = typer.Option("parquet", "--format", "-f", help="parquet, csv, json or jsonl."),
    output: Path = typer.Option(..., "--output", "-o", help="The file to write."),
    sort: str = SortOpt,
) -> None:
    """Export every run matching a query to a file.

    Example: orcaops runs export "status:failed after:-30d" --format parquet -o failed.parquet
    """
    if fmt == "table":
        raise InputError("export writes files: --format parquet, csv, json or jsonl")
    frame = warehouse(ctx).runs(query, sort=sort)
    emit(frame, fmt, output)
    out(f"wrote {frame.height} runs to {output}")
