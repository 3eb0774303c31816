"""``orcaops runs``: search, show, logs, export."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from orcaops.cli import app
from orcaops.cli.common import console, emit, out, warehouse
from orcaops.cli.onerun import LOGS_FORMAT, print_logs, show_run
from orcaops.cli.options import FormatOpt, LimitOpt, OutputOpt, ShowSqlOpt
from orcaops.cli.runsearch import run_search
from orcaops.core.errors import InputError
from orcaops.core.vocabulary import DEFAULT_SORT

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
    engine: str = typer.Option(
        "duckdb", "--engine",
        help="duckdb, or daft: the same search on Daft (locally, or on Ray with "
             "--ray-address). is:flaky and is:anomalous run on DuckDB only."),
    ray_address: Optional[str] = typer.Option(
        None, "--ray-address", envvar="RAY_ADDRESS",
        help="With --engine daft: the Ray cluster to run on (default $RAY_ADDRESS, else "
             "this machine)."),
    dialect: Optional[str] = typer.Option(
        None, "--dialect",
        help="With --show-sql: the SQL for spark (also Databricks) or trino, transpiled "
             "with sqlglot from the DuckDB SQL; unverified (no Spark or Trino was run)."),
) -> None:
    """Search runs with the query language (fields, values, levels, errors: docs/QUERY.md).

    Example: orcaops runs search "status:failed image:python* duration:>60" --facets
    """
    run_search(ctx, query, limit=limit, sort=sort, facets=facets, fmt=fmt, output=output,
               show_sql=show_sql, interactive=interactive, engine=engine,
               ray_address=ray_address, dialect=dialect)


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
    show_run(ctx, job_id, fmt=fmt)


@runs_app.command("logs")
def logs(
    ctx: typer.Context,
    job_id: str = typer.Argument(..., help="A job id or prefix."),
    level: Optional[str] = typer.Option(None, "--level", "-l",
                                        help="Only lines at this level or worse (=LEVEL: only "
                                        "that level; warning, severe... read as in search)."),
    grep: Optional[str] = typer.Option(None, "--grep", "-g", help="Only lines with this text."),
    stream: Optional[str] = typer.Option(None, "--stream", help="stdout or stderr."),
    failed: bool = typer.Option(False, "--failed", help="Only the lines that made the run fail "
                                "(the root-cause block), with a little context."),
    fmt: str = typer.Option(LOGS_FORMAT, "--format", "-f", help="text, table, json, jsonl, csv."),
    output: Optional[Path] = OutputOpt,
) -> None:
    """Print the log lines of one run.

    Example: orcaops runs logs r-70019042 --failed
    """
    print_logs(ctx, job_id, level=level, grep=grep, stream=stream, failed=failed, fmt=fmt,
               output=output)


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
