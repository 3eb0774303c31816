"""A demo history shared by the report tests (built once per session), with one run whose
command, intent, error and log lines are hostile HTML."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import orcaops
from orcaops.api import Warehouse
from orcaops.demo.history import DemoHistory
from tests.conftest import NOW

EVIL = '<script>alert("x")</script><img src=http://evil.example/x.png onerror=alert(1)>'
EVIL_ID = "r-evil-0001"


def evil_record(now: datetime) -> dict[str, Any]:
    started = now - timedelta(minutes=5)
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    return {
        "job_id": EVIL_ID, "status": "failed", "image": "python:3.11",
        "command": f"echo '{EVIL}'", "intent": f"intent {EVIL}", "tags": ["ci"],
        "started_at": iso(started), "finished_at": iso(started + timedelta(seconds=30)),
        "exit_code": 1,
        "logs": [{"ts": iso(started), "stream": "stdout", "line": "starting"},
                 {"ts": iso(started + timedelta(seconds=1)), "stream": "stderr",
                  "line": f"ERROR: {EVIL}"}]}


@pytest.fixture(autouse=True)
def report_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """The history ends at ``NOW``: windows (``--since 30d``) are measured from it too."""
    monkeypatch.setenv("ORCAOPS_NOW", NOW.isoformat())


@pytest.fixture(scope="session")
def demo_wh(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """1,500 demo runs over 10 days ending at ``NOW``, plus the hostile run."""
    home = Path(tmp_path_factory.mktemp("report")) / "home"
    wh = orcaops.open(home)
    wh.import_records(DemoHistory(runs=1500, seed=11, now=NOW, days=10).records())
    wh.import_records([evil_record(NOW)])
    return wh


@pytest.fixture(scope="session")
def evil() -> tuple[str, str]:
    """The hostile text and the job id of the run that carries it."""
    return EVIL, EVIL_ID


@pytest.fixture(scope="session")
def report_html(demo_wh: Warehouse) -> str:
    from orcaops.report import build_report

    with pytest.MonkeyPatch.context() as mp:  # built before any test's own environment
        mp.setenv("ORCAOPS_NOW", NOW.isoformat())
        return build_report(demo_wh, since="30d")
