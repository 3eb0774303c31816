"""Commands that fill and look after the warehouse: import, demo, sql, compact, recover, doctor."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import typer

from orcaops.cli import app
from orcaops.cli.common import console, emit, out, warehouse
from orcaops.cli.options import FormatOpt, OutputOpt
from orcaops.core.errors import InputError


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    files: list[str] = typer.Argument(..., help="JSON Lines files; - reads stdin."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite runs already stored."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json report."),
) -> None:
    """Import runs from JSON Lines files (one run per line; the format is in the README).

    Bad lines are reported with their line numbers (exit code 2) while every other line
    imports; a job_id already stored is skipped unless --replace.

    Example: orcaops import runs.jsonl more.jsonl
    """
    from orcaops.ingest.importer import open_sources

    wh = warehouse(ctx)
    paths = open_sources(files)
    total = sum(Path(p).stat().st_size for p in paths if p != "-")
    report = _import_with_progress(wh, paths, replace, total)
    if fmt == "json":
        emit(report.as_dict(), "json", None)
    else:
        rate = report.log_lines / report.seconds if report.seconds else 0
        out(f"imported {report.imported} runs ({report.log_lines:,} log lines, {rate:,.0f} "
            f"lines/s), skipped {report.skipped} already stored, replaced {report.replaced}, "
            f"{len(report.errors)} bad line(s) in {report.seconds:.2f}s")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if report.errors:
        shown = report.errors[:20]
        more = len(report.errors) - len(shown)
        lines = "\n".join(f"  {e}" for e in shown) + (f"\n  … and {more} more" if more else "")
        raise InputError(f"{len(report.errors)} line(s) could not be imported "
                         f"(the other lines were):\n{lines}")


def _import_with_progress(wh, paths: list[str], replace: bool, total: int):  # type: ignore[no-untyped-def]
    # Through the facade: it checks the alert rules once the runs are committed.
    if total < 5_000_000 or not sys.stderr.isatty():
        return wh.import_jsonl(paths, replace=replace)
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TimeRemainingColumn(), console=console(stderr=True)) as bar:
        task = bar.add_task("importing", total=total)
        return wh.import_jsonl(paths, replace=replace, progress=lambda n: bar.advance(task, n))


@app.command()
def demo(
    ctx: typer.Context,
    runs: int = typer.Option(5000, "--runs", help="How many runs to generate."),
    seed: int = typer.Option(7, "--seed", help="Random seed (same seed, same history)."),
    days: Optional[int] = typer.Option(None, "--days", help="Days of history (default: "
                                       "from --runs, 7 to 90)."),
) -> None:
    """Write a realistic run history to explore (through the import path).

    Example: orcaops demo --runs 20000 --seed 3
    """
    from orcaops.demo.history import DemoHistory

    if runs < 1:
        raise InputError("--runs must be at least 1")
    wh = warehouse(ctx)
    history = DemoHistory(runs=runs, seed=seed, days=days)
    report = wh.import_records(history.records())
    out(f"demo: {report.imported} runs written ({report.skipped} already there), "
        f"{report.log_lines:,} log lines, {history.days} days of history, "
        f"{report.seconds:.1f}s → {wh.home}")


@app.command()
def sql(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="A SELECT over the views (runs, logs, samples, …)."),
    fmt: str = FormatOpt,
    output: Optional[Path] = OutputOpt,
    unsafe: bool = typer.Option(False, "--unsafe", help="Allow writes and files outside "
                                "the warehouse."),
) -> None:
    """Run SQL over the warehouse views (read-only unless --unsafe).

    Example: orcaops sql "select image, count(*) from runs group by 1 order by 2 desc"
    """
    emit(warehouse(ctx).sql(query, unsafe=unsafe), fmt, output)


@app.command()
def compact(ctx: typer.Context, fmt: str = typer.Option(
        "table", "--format", "-f", help="table (what it did, in words) or json.")) -> None:
    """Compact small files, checkpoint, clean the Delta log, vacuum old files.

    Partitions holding a damaged data file are skipped and reported (exit code 1); orphaned
    rows are removed and the log index is rebuilt.

    Example: orcaops compact
    """
    wh = warehouse(ctx)
    report = wh.compact()
    if fmt == "table":
        from orcaops.cli.maintenance_text import compact_text

        out(compact_text(report, wh.settings.vacuum_retention_hours))
    else:
        emit(report, fmt, None)
    for problem in report["problems"]:
        print(f"warning: {problem}", file=sys.stderr)
    if report["problems"]:
        raise typer.Exit(1)


@app.command()
def recover(ctx: typer.Context, drop_damaged: bool = typer.Option(
        False, "--drop-damaged", help="Set damaged data files and a damaged last commit "
        "entry aside (warehouse/_quarantine) and drop their rows from the tables.")) -> None:
    """Finish what crashed and rebuild what is derived: partial commits, orphaned rows,
    damaged checkpoints, the saved snapshot, the log index, spooled runs.

    Exit code 1 when problems remain (listed in the report).

    Example: orcaops recover --drop-damaged
    """
    report = warehouse(ctx).recover(drop_damaged=drop_damaged)
    emit(report, "json", None)
    if report["problems"]:
        raise typer.Exit(1)


@app.command()
def doctor(ctx: typer.Context, fmt: str = typer.Option("table", "--format", "-f")) -> None:
    """Check the home: tables, versions, sizes, file counts and problems.

    Every data file is checked against the checksum recorded when it was written (or
    decoded in full), as are the Delta log, the log index, the saved snapshot and orphaned
    rows; each problem names the file and the command that fixes it. Exit code 1 when
    there are problems.

    Example: orcaops doctor --format json
    """
    report = warehouse(ctx).doctor()
    if fmt == "json":
        emit(report, "json", None)
    else:
        _print_doctor(report)
    if report["problems"]:
        raise typer.Exit(1)


def _print_doctor(report: dict[str, Any]) -> None:
    from rich.markup import escape

    c = console()
    c.print(f"[bold]home[/] {report['home']}")
    for name, st in report["tables"].items():
        c.print(f"  {name:8} v{st['version']:<5} {st['rows']:>10,} rows {st['files']:>6} files "
                f"{st['bytes'] / 1e6:>9.1f} MB  log {st['log_bytes'] / 1e6:.1f} MB")
    c.print("  " + "  ".join(f"{k} {v}" for k, v in report["versions"].items()))
    for p in report["problems"]:
        c.print(f"[yellow]problem:[/] {escape(p)}")
    if not report["problems"]:
        c.print("[green]no problems found[/]")
