"""A human-readable account of one run (``JobSummary``), built from its row and log lines.

The account is built from plain rows (a run dict, log lines and test results as dicts), so a
cold ``orcaops jobs summary`` reads them through the lazy reader without polars or pydantic
(:mod:`orcaops.analytics.onerun`); :func:`build_summary` takes DataFrames or a ``ParsedLog``,
turns them into rows and returns the ``JobSummary`` model of the same fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from orcaops.analytics.advice import solutions_for
from orcaops.core.vocabulary import EXIT_KILLED
from orcaops.logs.model import ParsedLog
from orcaops.logs.testresults import TestResults, parse_test_results
from orcaops.testing.summary import failures_clause, test_counts, test_events

if TYPE_CHECKING:
    import polars as pl

    from orcaops.core.models import JobSummary

Row = dict[str, Any]  # a row of a table or view, by column name

EMOJI = {"success": "✅", "failed": "❌", "timeout": "⏱️", "cancelled": "🚫", "error": "💥",
         "running": "🏃", "queued": "⏳"}
_EXC = re.compile(r"((?:[A-Za-z_][\w$]*\.)*[A-Z][\w$]*(?:Error|Exception|Failure)|panic)\b")
_MAX_ITEMS = 5
_STATING = (r"^(?:E\s+)?(?:[A-Za-z_][\w$]*\.)*[A-Z][\w$]*(?:Error|Exception|Failure)\b|^panic: |"
            r"^thread '|^Unhandled|^Exception in|^npm ERR! |^error")


UNKNOWN = "unknown"  # the duration of a run with no times (a log without timestamps)


def human_duration(seconds: float | None) -> str:
    """``45s``, ``2m 03s``, ``1h 05m``; ``unknown`` when None."""
    from orcaops.core.render import human_duration as render_duration

    return render_duration(seconds, missing=UNKNOWN)


def log_rows(logs: ParsedLog | pl.DataFrame | Sequence[Row] | None) -> list[Row]:
    """The log lines as dicts with the ``logs`` table's columns, in line order (a frame is
    sorted by ``line_number``; a ``ParsedLog`` and a list are taken in their order)."""
    if logs is None:
        return []
    if isinstance(logs, ParsedLog):
        columns = logs.to_dict()
        return [dict(zip(columns, values)) for values in zip(*columns.values())]
    if isinstance(logs, Sequence):
        return list(logs)
    frame = logs.sort("line_number") if "line_number" in logs.columns else logs
    return frame.to_dicts()


def _analysis(run: dict[str, Any]) -> dict[str, Any]:
    value = run.get("analysis")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _key(row: Row, *names: str) -> Any:
    """The first of ``names`` the row has a value for (a missing column counts as None)."""
    return next((row[n] for n in names if row.get(n) is not None), None)


def _first_by(rows: Sequence[Row], key: Any) -> list[Row]:
    """The first row of each ``key(row)`` (None is one key too), in order."""
    seen: set[Any] = set()
    out = []
    for row in rows:
        k = key(row)
        if k not in seen:
            seen.add(k)
            out.append(row)
    return out


def _distinct(lines: Sequence[Row], level: str, limit: int = _MAX_ITEMS) -> list[str]:
    """Messages of the lines at ``level``, one per stack trace or template (or message when
    the lines have no templates), in order."""
    if not lines:
        return []
    rows = [r for r in lines if r.get("level") == level]
    other = "template_id" if "template_id" in lines[0] else "message"
    firsts = _first_by(rows, lambda r: _key(r, "stacktrace_id", other))
    return [r["message"].strip()[:300] for r in firsts[:limit]]


def _errors(lines: Sequence[Row], first_error: str | None) -> list[str]:
    """Distinct error lines; a stack trace contributes only the line that states its error."""
    if not lines:
        return [first_error] if first_error else []
    err = [r for r in lines if r.get("is_error")]
    loose = [r for r in err if r.get("stacktrace_id") is None]
    if "template_id" in lines[0]:
        loose = _first_by(loose, lambda r: r.get("template_id"))
    stating = re.compile(_STATING)
    # per trace, its first line that states the error, else its first line
    traced = _first_by(sorted((r for r in err if r.get("stacktrace_id") is not None),
                              key=lambda r: (r["stacktrace_id"],
                                             not stating.search(r["message"] or ""),
                                             r["line_number"])),
                       lambda r: r["stacktrace_id"])
    rows = sorted(loose + traced, key=lambda r: r["line_number"])
    errs = [r["message"].strip()[:300] for r in rows]
    if first_error and first_error.strip() in errs:
        errs.remove(first_error.strip())
    return ([first_error.strip()] if first_error else []) + errs[:_MAX_ITEMS - 1]


def _in(dur: str) -> str:
    return f" in {dur}" if dur != UNKNOWN else ""


def _after(dur: str) -> str:
    return f" after {dur}" if dur != UNKNOWN else ""


def _for(dur: str) -> str:
    return f" for {dur}" if dur != UNKNOWN else ""


def _one_liner(run: dict[str, Any], tests: TestResults | None, dur: str,
               named: str = "") -> str:
    """One sentence; a run with no known duration (a log without timestamps) names none.
    ``named``: the clause naming the failed tests, when the run has test rows."""
    status = run.get("status") or "unknown"
    category = run.get("failure_category")
    if status == "timeout":
        return f"Timed out{_after(dur)}"
    if category == "oom" or run.get("exit_code") == EXIT_KILLED:
        return f"Killed: out of memory{_after(dur)}"
    if status == "success":
        if tests is not None and tests.total:
            return f"Tests passed{_in(dur)}: {tests.passed} of {tests.total} passed"
        return f"Succeeded{_in(dur)}"
    if status in ("failed", "error") and tests is not None and tests.bad:
        where = named or _where(run.get("first_error"), tests)
        return f"Tests failed{_in(dur)}: {tests.bad} of {tests.total} failed{where}"
    if status in ("failed", "error"):
        return _failed(run, status, category, dur)
    if status == "cancelled":
        return f"Cancelled{_after(dur)}"
    return {"running": f"Running{_for(dur)}", "queued": "Queued"}.get(status, f"{status} ({dur})")


def _failed(run: dict[str, Any], status: str, category: str | None, dur: str) -> str:
    """A failed run by its first error; a run that errored (OrcaOps could not run it) by the
    error message stored with it, which says why (``no space left on device``)."""
    err = (run.get("first_error") or run.get("error_message") or "").strip()
    head = "Error" if status == "error" else "Failed"
    head += _after(dur) if status == "error" else _in(dur)
    if category and category != "unknown":
        head += f" ({category})"
    if err:
        return f"{head}: {err[:120]}"
    code = run.get("exit_code")
    return f"{head} with exit code {code}" if code is not None else f"{head}, no error recorded"


def _where(first_error: str | None, tests: TestResults) -> str:
    found = _EXC.search(first_error or "")
    exc = found.group(1) if found else None
    place = tests.first_failed_file or tests.first_failed
    if exc and place:
        return f" ({exc} in {place})"
    return f" ({exc or place})" if exc or place else ""


def _key_events(run: dict[str, Any], lines: Sequence[Row], analysis: dict[str, Any],
                tests: TestResults | None) -> list[str]:
    events = []
    if run.get("command"):
        events.append(f"Ran `{run['command']}`" + (f" in {run['image']}" if run.get("image")
                                                     else ""))
    if tests is not None and tests.total:
        events.append(f"{tests.framework}: {tests.passed} passed, {tests.failed} failed, "
                      f"{tests.errors} errors, {tests.skipped} skipped")
    if run.get("error_message") and run.get("status") == "error":
        events.append(f"OrcaOps could not run it: {run['error_message'].strip()[:200]}")
    line = analysis.get("first_error_line")
    if run.get("first_error"):
        events.append(f"First error{f' at line {line}' if line else ''}: "
                      f"{run['first_error'].strip()[:200]}")
    block = analysis.get("root_cause") or {}
    if block.get("first_line") and block.get("last_line", 0) > block["first_line"]:
        events.append(f"Root cause: lines {block['first_line']}-{block['last_line']} "
                      f"({block.get('reason', '')})".replace(" ()", ""))
    if lines:
        n = len({r["stacktrace_id"] for r in lines if r.get("stacktrace_id") is not None})
        if n:
            events.append(f"{n} stack trace{'s' if n > 1 else ''} in the output")
    if analysis.get("stalled"):
        events.append(f"Output stalled for {human_duration(analysis.get('max_gap_s'))} "
                      f"before line {analysis.get('max_gap_line')}")
    if run.get("exit_code") not in (None, 0):
        events.append(f"Exited with code {run['exit_code']}")
    return events


def _stating_lines(lines: Sequence[Row], limit: int = 50) -> list[str]:
    """Error lines that state an error (``Caused by: ...`` included, frames not)."""
    stating = re.compile(_STATING + "|^Caused by")
    rows = [r["message"] for r in lines
            if r.get("is_error") and r["message"] is not None and stating.search(r["message"])]
    return rows[:limit]


def _suggestions(run: dict[str, Any], errors: list[str], analysis: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for text in [run.get("first_error") or "", run.get("error_message") or "", *errors]:
        out += [s for s in solutions_for(text) if s not in out]
    if run.get("status") == "timeout":
        out.append("Raise the job's timeout or find the step that got slower")
    if analysis.get("stalled"):
        out.append("The output stalled: look for a hang (network wait, lock, prompt for input)")
    if run.get("status") in ("failed", "error") and not out and run.get("job_id"):
        out.append(f"Run `orcaops debug {run['job_id']}` for root-cause lines and similar past "
                   "failures")
    return out[:_MAX_ITEMS]


def summary_fields(run: dict[str, Any], lines: Sequence[Row],
                   test_rows: Sequence[Row] = ()) -> dict[str, Any]:
    """The fields of the run's ``JobSummary``, in its order, as plain data.

    Args:
        run: The run's row of the ``runs`` table.
        lines: Its log lines as dicts with the ``logs`` columns, in line order
            (:func:`log_rows`).
        test_rows: Its test results (``tests`` columns, and ``known_flaky``).

    Returns:
        ``job_id``, ``one_liner``, ``status_emoji``, ``duration_human``, ``key_events``,
        ``errors``, ``warnings``, ``suggestions`` and ``ai_analysis`` (None).
    """
    analysis = _analysis(run)
    rows = list(test_rows)
    tests = (test_counts(rows, run.get("command")) if rows else
             parse_test_results([r["message"] for r in lines]) if lines else None)
    dur = human_duration(run.get("duration_s"))
    stated = run.get("first_error") or (run.get("error_message")
                                        if run.get("status") in ("failed", "error") else None)
    errors = _errors(lines, stated)
    return {
        "job_id": str(run.get("job_id", "")),
        "one_liner": _one_liner(run, tests, dur, failures_clause(rows, run.get("command"))),
        "status_emoji": EMOJI.get(run.get("status") or "", "❔"), "duration_human": dur,
        "key_events": (_key_events(run, lines, analysis, tests)
                       + test_events(rows, run.get("command"))),
        "errors": errors, "warnings": _distinct(lines, "WARN"),
        "suggestions": _suggestions(run, errors + _stating_lines(lines), analysis),
        "ai_analysis": None}


def build_summary(run: dict[str, Any],
                  parsed_or_logs: ParsedLog | pl.DataFrame | Sequence[Row] | None = None,
                  test_rows: pl.DataFrame | None = None) -> JobSummary:
    """Summarise one run.

    Args:
        run: The run's row of the ``runs`` table (``job_id``, ``status``, ``duration_s``,
            ``exit_code``, ``first_error``, ``failure_category``, ``analysis`` JSON text...).
        parsed_or_logs: Its log lines: a ``ParsedLog`` or a DataFrame with the ``logs``
            columns (``line_number``, ``level``, ``message``, ``is_error``, ``stacktrace_id``,
            ``template_id``), or those rows as dicts in line order.
        test_rows: Its test results (``tests`` columns, and ``known_flaky``), which name the
            failed tests and the command that reruns them; None or empty: counts from the log.

    Returns:
        The ``JobSummary`` (one-liner such as ``Tests failed in 45s: 3 of 120 failed
        (AssertionError in test_api.py)``, emoji, human duration, key events, errors,
        warnings, suggestions): :func:`summary_fields` as the model.
    """
    from orcaops.core.models import JobSummary

    rows = test_rows.to_dicts() if test_rows is not None else []
    return JobSummary(**summary_fields(run, log_rows(parsed_or_logs), rows))
