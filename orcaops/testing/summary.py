"""Summaries that name the tests: which failed and why, the command that reruns them, and
whether each failure is known-flaky."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from orcaops.logs.testresults import TestResults
from orcaops.testing.cases import FAILED_TEST_STATUSES
from orcaops.testing.rerun import detect_runner, pytest_node, rerun_command

Row = Mapping[str, Any]
NAMED = 3  # failed tests named in a one-liner; the rest are counted


def test_counts(rows: Sequence[Row], command: str | None) -> TestResults:
    """The counts a summary states, from a run's stored test rows."""
    counts = {s: 0 for s in ("passed", "failed", "error", "skipped")}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return TestResults(detect_runner(command, rows) or "tests", counts["passed"],
                       counts["failed"], counts["error"], counts["skipped"])


def test_label(row: Row, runner: str | None) -> str:
    """How a summary names a test: a pytest node id, ``Class.method``, or its name."""
    if runner == "pytest":
        return pytest_node(row)
    name = str(row["name"]).strip()
    classname = str(row.get("classname") or "").strip()
    if runner in ("maven", "gradle") and classname:
        return f"{classname.rsplit('.', 1)[-1]}.{name}"
    if runner in ("go", "cargo") and classname:
        return f"{classname}::{name}" if runner == "cargo" else f"{name} ({classname})"
    return name


def failed_rows(rows: Sequence[Row]) -> list[Row]:
    """The failed and errored rows, in the order stored."""
    return [r for r in rows if r["status"] in FAILED_TEST_STATUSES]


def _why(row: Row) -> str:
    kind = str(row.get("failure_type") or "").strip()
    lines = str(row.get("message") or "").strip().splitlines()
    first = lines[0][:100] if lines else ""
    if kind and first and not first.startswith(kind):
        return f"{kind}: {first}"
    return first or kind


def failures_clause(rows: Sequence[Row], command: str | None, limit: int = NAMED) -> str:
    """`` — a (AssertionError: assert 500 == 201), b (known flaky), and 3 more`` or ``""``."""
    failed = failed_rows(rows)
    if not failed:
        return ""
    runner = detect_runner(command, rows)
    named = []
    for row in failed[:limit]:
        notes = [n for n in (_why(row), "known flaky" if row.get("known_flaky") else "") if n]
        named.append(test_label(row, runner) + (f" ({'; '.join(notes)})" if notes else ""))
    more = len(failed) - limit
    return " — " + ", ".join(named) + (f", and {more} more" if more > 0 else "")


def test_events(rows: Sequence[Row], command: str | None) -> list[str]:
    """Key events about the tests: the rerun command, and the known-flaky failures."""
    failed = failed_rows(rows)
    events = []
    rerun = rerun_command(command, failed)
    if rerun:
        events.append(f"Rerun the {len(failed)} failed test{'s' if len(failed) > 1 else ''}: "
                      f"{rerun}")
    runner = detect_runner(command, rows)
    new = [r for r in failed if r.get("new_since_green")]
    if new and len(new) < len(failed):
        names = ", ".join(test_label(r, runner) for r in new[:NAMED])
        events.append(f"New since the job's last green run ({len(new)} of {len(failed)}): "
                      f"{names}")
    flaky = [r for r in failed if r.get("known_flaky")]
    if flaky:
        names = ", ".join(test_label(r, runner) for r in flaky[:NAMED])
        events.append(f"Known flaky ({len(flaky)} of {len(failed)} failures): {names}; "
                      "see `orcaops tests flaky`")
    return events
