"""Fixtures of the reliability suite: trial counts, the figures it reports, invariant checks.

Every test here is marked ``reliability`` and runs in ``make test``; the default trial counts
keep the whole directory within a few minutes on two slow cores. ``ORCAOPS_RELIABILITY_TRIALS``
multiplies them for a longer local run (e.g. ``ORCAOPS_RELIABILITY_TRIALS=10``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from reliability_kit import FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for key in sorted(FIGURES):
        terminalreporter.write_line(f"{key}: {FIGURES[key]}")


@pytest.fixture
def figures() -> Counter[str]:
    """The session's counters; tests add what they ran, injected and found."""
    return FIGURES


@pytest.fixture
def cli_home(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Like the shared ``cli`` fixture, for a home given per call: ``cli_home(home, *args)``."""
    from tests.conftest import invoke_cli

    def run(home: object, *args: str):  # type: ignore[no-untyped-def]
        return invoke_cli(monkeypatch, Path(str(home)), *args)

    return run
