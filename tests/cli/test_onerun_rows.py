"""``jobs summary`` and ``debug`` read through the lazy reader as dicts (no polars) and say
exactly what the Python API says (``Warehouse.summary``/``debug``, over DataFrames), and
what the frame entry points (``build_summary``, ``debug_report``) say of the same data.

Over a demo history: failed runs with and without test results, known-flaky tests, stack
traces, timeouts, errors, cancelled and successful runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import orcaops
from orcaops.analytics.failures import debug_report
from orcaops.analytics.summary import build_summary
from orcaops.cli import onerun
from orcaops.core.render import to_json
from orcaops.core.vocabulary import FAILED_STATUSES
from orcaops.demo.history import DemoHistory
from orcaops.warehouse import reads
from tests.conftest import NOW

# Runs of each kind compared, and what the picked runs must cover.
PICKS = [
    ("status = 'failed' AND job_id IN (SELECT job_id FROM tests)", 4),
    ("status = 'failed' AND job_id IN (SELECT job_id FROM logs WHERE stacktrace_id IS NOT NULL)",
     3),
    ("status = 'failed'", 4),
    ("status = 'timeout'", 2),
    ("status = 'error'", 2),
    ("status = 'cancelled'", 1),
    ("status = 'success' AND job_id IN (SELECT job_id FROM tests)", 1),
    ("status = 'success'", 1),
]


class Demo:
    """A demo home, the runs compared, and what the Warehouse says of each."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.wh = orcaops.open(home)
        self.wh.import_records(DemoHistory(runs=1200, seed=3, now=NOW).records())
        self.ids: list[str] = []
        for where, n in PICKS:
            found = self.wh.sql(f"SELECT job_id FROM runs WHERE {where} "
                                f"ORDER BY job_id DESC LIMIT {n}")
            self.ids += [i for i in found["job_id"].to_list() if i not in self.ids]
        self.summaries = {i: self.wh.summary(i) for i in self.ids}
        self.debugs = {i: self.wh.debug(i) for i in self.ids}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return Demo(tmp_path_factory.mktemp("demo") / "home")


def _printed(capsys: pytest.CaptureFixture[str], call: Callable[[], Any]) -> str:
    capsys.readouterr()
    call()
    return capsys.readouterr().out


def test_the_picked_runs_cover_what_summaries_say(demo):
    debug = list(demo.debugs.values())
    assert {d["status"] for d in debug} >= {"failed", "timeout", "error", "cancelled",
                                            "success"}
    assert any(d["failed_tests"] for d in debug)
    assert any(t["known_flaky"] for d in debug for t in d["failed_tests"])
    assert any(d["similar_past_failures"] for d in debug)
    assert any(d["new_since_success"] for d in debug)
    assert any(r["in_block"] for d in debug for r in d["root_cause_lines"])
    assert any("stack trace" in e for s in demo.summaries.values() for e in s.key_events)


def test_summary_and_debug_print_what_the_warehouse_answers(demo, capsys):
    ctx: dict[str, Any] = {"home": str(demo.home)}  # what the typer-free path holds
    for job_id in demo.ids:
        summary = demo.summaries[job_id]
        assert _printed(capsys, lambda: onerun.print_summary(ctx, job_id, fmt="json")) == (
            to_json(summary) + "\n"), job_id
        assert _printed(capsys, lambda: onerun.print_summary(ctx, job_id, fmt="table")) == (
            _printed(capsys, lambda: onerun.summary_text(summary.model_dump()))), job_id
        report = demo.debugs[job_id]
        assert _printed(capsys, lambda: onerun.print_debug(ctx, job_id, limit=5, fmt="json")
                        ) == to_json(report) + "\n", job_id
        limit = 1 if job_id == demo.ids[0] else 5
        assert _printed(capsys, lambda: onerun.print_debug(ctx, job_id, limit=limit,
                                                           fmt="table")) == (
            _printed(capsys, lambda: onerun.debug_text(report, limit))), job_id
    assert "wh" not in ctx  # the reader alone: no Warehouse, no DataFrames


def test_frame_entry_points_give_the_same_account(demo):
    """``build_summary`` and ``debug_report`` over the Warehouse's DataFrames (how
    ``Warehouse.summary``/``debug`` composed them before reading rows) agree."""
    wh = demo.wh
    for job_id in demo.ids:
        run = wh.run(job_id)
        logs, tests = wh.logs(job_id=job_id), wh.summary_tests(job_id)
        assert build_summary(run, logs, tests) == demo.summaries[job_id], job_id
        similar = (wh.frame(*reads.similar_failures_sql(run, 20))
                   if run.get("error_fingerprint") else None)
        diff = wh.diff(job_id) if run["status"] in FAILED_STATUSES else None
        assert debug_report(run, logs, similar, diff, tests) == demo.debugs[job_id], job_id
