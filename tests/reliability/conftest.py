"""Fixtures of the reliability suite: trial counts, the figures it reports, invariant checks.

Every test here is marked ``reliability`` and runs in ``make test``; the default trial counts
keep the whole directory within a few minutes on two slow cores. ``ORCAOPS_RELIABILITY_TRIALS``
multiplies them for a longer local run (e.g. ``ORCAOPS_RELIABILITY_TRIALS=10``).
"""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

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
    import io
    import sys

    from orcaops.cli import main

    def run(home: object, *args: str) -> SimpleNamespace:
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        code = 0
        try:
            main(["--home", str(home), *args])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        finally:
            monkeypatch.setattr(sys, "stdout", sys.__stdout__)
            monkeypatch.setattr(sys, "stderr", sys.__stderr__)
        return SimpleNamespace(exit_code=code, stdout=out.getvalue(), stderr=err.getvalue())

    return run
