"""Fixtures of the reliability suite: trial counts, the figures it reports, invariant checks.

Every test here is marked ``reliability`` and runs in ``make test``; the default trial counts
keep the whole directory within a few minutes on two slow cores. ``ORCAOPS_RELIABILITY_TRIALS``
multiplies them for a longer local run (e.g. ``ORCAOPS_RELIABILITY_TRIALS=10``).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

# What the suite did, printed at the end of the session (the issue asks for these figures).
FIGURES: Counter[str] = Counter()


def scale(default: int) -> int:
    """``default`` trials, times ``ORCAOPS_RELIABILITY_TRIALS`` when set (a longer run)."""
    factor = int(os.environ.get("ORCAOPS_RELIABILITY_TRIALS", "1") or "1")
    return max(1, default * max(factor, 1))


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
