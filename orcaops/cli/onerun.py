"""What ``runs show``, ``runs logs``, ``jobs summary`` and ``debug`` do once their arguments
are known.

One function per command for both ways in: the typer command and the typer-free path of a
cold call (``orcaops.cli.fastpath``). No typer here; ``runs show`` and the text of ``runs
logs`` read through the lazy reader as dicts (``orcaops.warehouse.onerun``), without polars.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from orcaops.cli.common import (console, emit, home_of, inert, out, printable, reader,
                                warehouse, write_output)
from orcaops.core.errors import InputError

if TYPE_CHECKING:
    from orcaops.cli.common import Ctx

DEBUG_LIMIT = 5
LOGS_FORMAT = "text"


def show_run(ctx: Ctx, job_id: str, *, fmt: str) -> None:
    """Print everything stored about one run (the body of ``orcaops runs show``)."""
    from orcaops.testing.outputs import run_outputs
    from orcaops.warehouse.onerun import find_run

    rd = reader(ctx)
    run = find_run(rd, job_id)
    outputs = run_outputs(rd, home_of(ctx), run)
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


def print_logs(ctx: Ctx, job_id: str, *, level: str | None, grep: str | None,
               stream: str | None, failed: bool, fmt: str, output: Path | None) -> None:
    """Print the log lines of one run (the body of ``orcaops runs logs``)."""
    if failed:
        _print_failed(ctx, job_id, fmt, output)
        return
    if fmt != "text":
        frame = warehouse(ctx).logs(job_id=job_id, grep=grep, level=level)
        if stream:
            _check_stream(stream)
            frame = frame.filter(frame["stream"] == stream)
        emit(frame, fmt, output)
        return
    from orcaops.warehouse.onerun import run_logs

    rows = run_logs(reader(ctx), job_id, grep=grep, level=level)
    if stream:
        _check_stream(stream)
        rows = [r for r in rows if r["stream"] == stream]
    text = "".join(f"{r['line_number']:>5} {'err' if r['stream'] == 'stderr' else 'out'} "
                   f"{r['level']:<5} {r['message']}\n" for r in rows)
    if output:
        write_output(output, text)
    else:
        out(text or "(no matching lines)")


def _check_stream(stream: str) -> None:
    if stream not in ("stdout", "stderr"):
        raise InputError("--stream must be stdout or stderr")


def _print_failed(ctx: Ctx, job_id: str, fmt: str, output: Path | None) -> None:
    from orcaops.analytics.rootcause import root_cause_rows
    from orcaops.warehouse.onerun import find_run, run_logs

    # What Warehouse.root_cause answers, read as dicts (no polars for the text).
    run = find_run(reader(ctx), job_id)
    lines = root_cause_rows(run, run_logs(reader(ctx), run["job_id"]))
    if fmt != "text":
        emit(lines, fmt, output)
        return
    text = "".join(f"{'>' if r['in_block'] else ' '} {r['line_number']:>5} {r['level']:<5} "
                   f"{r['text']}\n" for r in lines)
    if output:
        write_output(output, text)
    else:
        out(text or "(no root cause: the run's log holds no error)")


def print_summary(ctx: Ctx, job_id: str, *, fmt: str) -> None:
    """Summarise one run (the body of ``orcaops jobs summary``): the fields of
    ``Warehouse.summary``'s ``JobSummary``, read as dicts through the reader."""
    from orcaops.analytics.onerun import summary_document
    from orcaops.warehouse.onerun import ReaderRows

    result = summary_document(ReaderRows(reader(ctx)), job_id)
    if fmt != "table":
        emit(result, fmt, None)
        return
    summary_text(result)


def summary_text(result: dict[str, Any]) -> None:
    """Print a summary's fields (``JobSummary.model_dump()`` or ``summary_document``)."""
    c = console()
    c.print(_headline(f"{result['status_emoji']} ", result["one_liner"],
                      f"  ({result['job_id']})"))
    for title in ("key events", "errors", "warnings", "suggestions"):
        items = result[title.replace(" ", "_")]
        if items:
            c.print(f"[bold]{title}[/]")
            for item in items:
                c.print(f"  • {item}", markup=False)


def print_debug(ctx: Ctx, job_id: str, *, limit: int, fmt: str) -> None:
    """Analyse a failed run (the body of ``orcaops debug``): ``Warehouse.debug``'s report,
    read as dicts through the reader."""
    from orcaops.analytics.onerun import debug_document
    from orcaops.warehouse.onerun import ReaderRows

    report = debug_document(ReaderRows(reader(ctx)), job_id)
    if fmt != "table":
        emit(report, "json" if fmt == "json" else fmt, None)
        return
    debug_text(report, limit)


def _headline(before: str, bold: str, after: str) -> Any:
    """A first line with its middle in bold; the text is the run's (log words such as
    ``[ERROR]`` or ``[/tmp]``), so it is never read as rich markup."""
    from rich.text import Text

    line = Text(before)
    line.append(inert(bold), style="bold")
    line.append(after)
    return line


def debug_text(report: dict[str, Any], limit: int) -> None:
    c = console()
    c.print(_headline("", report["summary"], f"  ({report['job_id']}, {report['status']})"))
    if report.get("root_cause_lines"):
        c.print("[bold]root cause[/] (> marks the lines that made it fail)")
        for line in report["root_cause_lines"]:
            mark = "[red]>[/]" if line.get("in_block", line.get("root")) else " "
            c.print(f" {mark} {line['line_number']:>5} ", end="")
            c.print(line["text"], markup=False)
    for title, key in (("likely causes", "likely_causes"), ("suggested fixes", "suggested_fixes"),
                       ("next steps", "next_steps")):
        items = report.get(key) or []
        if items:
            c.print(f"[bold]{title}[/]")
            for item in items[:limit]:
                text = item.get("title", item) if isinstance(item, dict) else item
                c.print(f"  • {text}", markup=False)
            if len(items) > limit:
                c.print(f"  … {len(items) - limit} more (--limit N, or --format json)")
    past = report.get("similar_past_failures") or []
    if past:
        c.print(f"[bold]similar past failures[/] ({report['similar_count']})")
        for run in past[:limit]:
            c.print(f"  {run.get('job_id')}  {run.get('started_at')}  {run.get('status')}",
                    markup=False)
