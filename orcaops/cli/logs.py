"""Understanding output: ``logs parse|analyze FILE``, ``jobs summary ID``, ``debug ID``,
``patterns``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from orcaops.cli import app
from orcaops.cli.common import console, emit, warehouse
from orcaops.cli.onerun import DEBUG_LIMIT, print_debug, print_summary
from orcaops.cli.options import FormatOpt, OutputOpt
from orcaops.core.errors import InputError

logs_app = typer.Typer(no_args_is_help=True, help="Parse and analyse log files offline.")
jobs_app = typer.Typer(no_args_is_help=True, help="Summaries of jobs.")
app.add_typer(logs_app, name="logs")
app.add_typer(jobs_app, name="jobs")


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.buffer.read().decode("utf-8", errors="replace")
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: no such file (give a log file, or - for stdin)")
    return p.read_bytes().decode("utf-8", errors="replace")


@logs_app.command("parse")
def parse(file: str = typer.Argument(..., help="A log file; - reads stdin."),
          fmt: str = typer.Option("jsonl", "--format", "-f",
                                  help="jsonl, json, csv, parquet or table."),
          output: Optional[Path] = OutputOpt) -> None:
    """Parse a log file line by line (format detected per line, no configuration).

    Each line: line_number, ts, level, message, template_id, template, is_error,
    stacktrace_id.

    Example: orcaops logs parse build.log --format jsonl
    """
    import polars as pl

    from orcaops.logs import parse_text

    records = list(parse_text(_read(file)).records())
    emit(pl.DataFrame(records, infer_schema_length=None) if records else pl.DataFrame(),
         fmt, output, columns=("line_number", "level", "message", "template_id"))


@logs_app.command("analyze")
def analyze(file: str = typer.Argument(..., help="A log file; - reads stdin."),
            fmt: str = typer.Option("json", "--format", "-f", help="json or table.")) -> None:
    """Analyse a log file: first error, failure category, stack traces, levels, patterns.

    Example: orcaops logs analyze build.log --format json
    """
    from orcaops.logs import analyze_text

    doc = analyze_text(_read(file))
    if fmt == "json":
        emit(doc, "json", None)
        return
    c = console()
    first = doc.get("first_error") or {}
    c.print(f"[bold]{doc['lines']} lines[/], levels {doc['level_counts']}")
    c.print(f"first error: line {first.get('line_number')}: {first.get('text')}"
            if first else "no error found")
    rc = doc.get("root_cause")
    if rc:
        c.print(f"root cause: lines {rc['first_line']}-{rc['last_line']} ({rc['reason']})")
    c.print(f"category: {doc.get('failure_category')}, stack traces: "
            f"{len(doc.get('stack_traces') or [])}")
    for pat in (doc.get("top_patterns") or [])[:10]:
        c.print(f"  {pat.get('count'):>6}  {pat.get('template')}")


@jobs_app.command("summary")
def summary(ctx: typer.Context, job_id: str = typer.Argument(..., help="A job id or prefix."),
            fmt: str = FormatOpt) -> None:
    """Summarise one run: one-liner, key events, errors, warnings, suggestions.

    Example: orcaops jobs summary r-7000123
    """
    print_summary(ctx, job_id, fmt=fmt)


@app.command()
def debug(ctx: typer.Context, job_id: str = typer.Argument(..., help="A job id or prefix."),
          limit: int = typer.Option(DEBUG_LIMIT, "--limit", "-n", min=1,
                                    help="At most this many causes, fixes and past failures."),
          fmt: str = FormatOpt) -> None:
    """Analyse a failed run: root-cause lines, likely causes, fixes, similar past failures.

    Example: orcaops debug r-70019042 --limit 10
    """
    print_debug(ctx, job_id, limit=limit, fmt=fmt)


@app.command()
def patterns(ctx: typer.Context, fmt: str = FormatOpt, output: Optional[Path] = OutputOpt
             ) -> None:
    """The failure knowledge base: known patterns, how often each was seen, and solutions.

    Example: orcaops patterns --format json
    """
    found = warehouse(ctx).failure_patterns()
    emit(found, fmt, output, columns=("id", "category", "title", "occurrences", "last_seen"),
         title=f"{len(found)} failure patterns")
