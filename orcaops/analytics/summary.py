"""A human-readable account of one run (``JobSummary``), built from its row and log lines."""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl

from orcaops.analytics.advice import solutions_for
from orcaops.core.models import JobSummary
from orcaops.core.vocabulary import EXIT_KILLED
from orcaops.logs.model import ParsedLog
from orcaops.logs.testresults import TestResults, parse_test_results
from orcaops.testing.summary import failures_clause, test_counts, test_events

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


def logs_frame(logs: ParsedLog | pl.DataFrame | None) -> pl.DataFrame:
    """The log lines as a DataFrame with the ``logs`` table's columns (empty when None)."""
    if logs is None:
        return pl.DataFrame(schema={"line_number": pl.Int64, "level": pl.String,
                                    "message": pl.String, "is_error": pl.Boolean,
                                    "stacktrace_id": pl.String, "template_id": pl.String})
    if isinstance(logs, ParsedLog):
        return pl.DataFrame(logs.to_dict(), strict=False)
    return logs.sort("line_number") if "line_number" in logs.columns else logs


def _analysis(run: dict[str, Any]) -> dict[str, Any]:
    value = run.get("analysis")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _distinct(df: pl.DataFrame, mask: pl.Expr, limit: int = _MAX_ITEMS) -> list[str]:
    """Messages of matching lines, one per template (or per stack trace), in order."""
    if df.is_empty():
        return []
    rows = df.filter(mask)
    key = pl.coalesce(pl.col("stacktrace_id"), pl.col("template_id")
                      if "template_id" in rows.columns else pl.col("message"))
    rows = rows.with_columns(key.alias("_k")).unique("_k", keep="first", maintain_order=True)
    return [m.strip()[:300] for m in rows["message"].head(limit).to_list()]


def _errors(df: pl.DataFrame, first_error: str | None) -> list[str]:
    """Distinct error lines; a stack trace contributes only the line that states its error."""
    if df.is_empty():
        return [first_error] if first_error else []
    err = df.filter(pl.col("is_error"))
    loose = err.filter(pl.col("stacktrace_id").is_null())
    if "template_id" in loose.columns:
        loose = loose.unique("template_id", keep="first", maintain_order=True)
    stating = pl.col("message").str.contains(_STATING)
    traced = (err.filter(pl.col("stacktrace_id").is_not_null())
              .sort([pl.col("stacktrace_id"), stating.not_(), pl.col("line_number")])
              .unique("stacktrace_id", keep="first", maintain_order=True))
    rows = pl.concat([loose.select("line_number", "message"),
                      traced.select("line_number", "message")]).sort("line_number")
    errs = [m.strip()[:300] for m in rows["message"].to_list()]
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


def _key_events(run: dict[str, Any], df: pl.DataFrame, analysis: dict[str, Any],
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
    if not df.is_empty() and "stacktrace_id" in df.columns:
        n = df["stacktrace_id"].drop_nulls().n_unique()
        if n:
            events.append(f"{n} stack trace{'s' if n > 1 else ''} in the output")
    if analysis.get("stalled"):
        events.append(f"Output stalled for {human_duration(analysis.get('max_gap_s'))} "
                      f"before line {analysis.get('max_gap_line')}")
    if run.get("exit_code") not in (None, 0):
        events.append(f"Exited with code {run['exit_code']}")
    return events


def _stating_lines(df: pl.DataFrame, limit: int = 50) -> list[str]:
    """Error lines that state an error (``Caused by: ...`` included, frames not)."""
    if df.is_empty():
        return []
    rows = df.filter(pl.col("is_error") & pl.col("message").str.contains(_STATING + "|^Caused by"))
    return rows["message"].head(limit).to_list()


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


def build_summary(run: dict[str, Any], parsed_or_logs: ParsedLog | pl.DataFrame | None = None,
                  test_rows: pl.DataFrame | None = None) -> JobSummary:
    """Summarise one run.

    Args:
        run: The run's row of the ``runs`` table (``job_id``, ``status``, ``duration_s``,
            ``exit_code``, ``first_error``, ``failure_category``, ``analysis`` JSON text...).
        parsed_or_logs: Its log lines: a ``ParsedLog`` or a DataFrame with the ``logs``
            columns (``line_number``, ``level``, ``message``, ``is_error``, ``stacktrace_id``,
            ``template_id``).
        test_rows: Its test results (``tests`` columns, and ``known_flaky``), which name the
            failed tests and the command that reruns them; None or empty: counts from the log.

    Returns:
        The ``JobSummary`` (one-liner such as ``Tests failed in 45s: 3 of 120 failed
        (AssertionError in test_api.py)``, emoji, human duration, key events, errors,
        warnings, suggestions).
    """
    df = logs_frame(parsed_or_logs)
    analysis = _analysis(run)
    rows = test_rows.to_dicts() if test_rows is not None else []
    tests = (test_counts(rows, run.get("command")) if rows else
             parse_test_results(df["message"].to_list()) if not df.is_empty() else None)
    dur = human_duration(run.get("duration_s"))
    stated = run.get("first_error") or (run.get("error_message")
                                        if run.get("status") in ("failed", "error") else None)
    errors = _errors(df, stated)
    warnings = _distinct(df, pl.col("level") == "WARN") if not df.is_empty() else []
    return JobSummary(
        job_id=str(run.get("job_id", "")),
        one_liner=_one_liner(run, tests, dur, failures_clause(rows, run.get("command"))),
        status_emoji=EMOJI.get(run.get("status") or "", "❔"), duration_human=dur,
        key_events=_key_events(run, df, analysis, tests) + test_events(rows, run.get("command")),
        errors=errors, warnings=warnings,
        suggestions=_suggestions(run, errors + _stating_lines(df), analysis))
