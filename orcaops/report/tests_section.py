"""The report's tests section: flaky tests, the most failing, the slowest (HTML)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from orcaops.report.html import esc, table, when

LIMIT = 15


@dataclass
class TestsData:
    """What the section shows over the report's window."""

    __test__ = False
    flaky: pl.DataFrame
    failing: pl.DataFrame
    slow: pl.DataFrame


def load_tests_data(wh: Any, start: datetime | None) -> TestsData:
    """The flaky, failing and slowest tests of runs started since ``start``."""
    def report(name: str) -> pl.DataFrame:
        return wh.tests_report(name, since=start, limit=LIMIT)  # type: ignore[no-any-return]

    return TestsData(report("flaky"), report("failing"), report("slow"))


def _job(row: dict[str, Any]) -> str:
    return f'{esc(row["image"])} <span class="cmd">{esc(row["command"])}</span>'


def tests_section(data: TestsData) -> str:
    """Three tables: flaky tests (with flips), failing tests, slowest tests (with trend)."""
    flaky = table(("test", "job", "runs", "failures", "flips", "flip commits",
                   "passed on retry", "last flip (UTC)"),
                  [[esc(r["test_id"]), _job(r), esc(r["runs"]), esc(r["failures"]),
                    esc(r["flips"]), esc(r["flip_commits"]), esc(r["pass_on_retry"]),
                    when(r["last_flip_at"])] for r in data.flaky.iter_rows(named=True)],
                  cls="flaky-tests", empty="No flaky tests.")
    failing = table(("test", "job", "failures", "runs", "last failed (UTC)", "last message"),
                    [[esc(r["test_id"]), _job(r), esc(r["failures"]), esc(r["runs"]),
                      when(r["last_failed_at"]), esc((r["last_message"] or "")[:160])]
                     for r in data.failing.iter_rows(named=True)],
                    cls="failing-tests", empty="No failing tests.")
    slow = table(("test", "job", "runs", "p50 (s)", "p95 (s)", "trend (s/day)"),
                 [[esc(r["test_id"]), _job(r), esc(r["runs"]), esc(f"{r['p50_s']:.2f}"),
                   esc(f"{r['p95_s']:.2f}"), esc(_trend(r["trend_s_per_day"]))]
                  for r in data.slow.iter_rows(named=True)],
                 cls="slow-tests", empty="No test durations.")
    return (f"<h3>Flaky tests</h3>{flaky}<h3>Most failing tests</h3>{failing}"
            f"<h3>Slowest tests</h3>{slow}")


def _trend(value: float | None) -> str:
    return "" if value is None else f"{value:+.3f}"
