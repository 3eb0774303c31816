"""A served warehouse: a demo history plus hand-made runs whose baseline keys hold ``|``, ``:``
and ``/``, and real servers (``orcaops serve`` subprocesses on free loopback ports)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import orcaops
from orcaops.demo.history import DemoHistory
from tests.conftest import NOW, make_run

API_KEY = "test-key-0123456789"
# An image with a registry path: its baseline key has '/', ':' and '|' in it.
SLASH_IMAGE = "ghcr.io/acme/build:2.1"
# Runs whose baseline the tests reset (so the SLASH_IMAGE baseline stays as imported).
RESET_IMAGE = "ghcr.io/acme/deploy:1.0"
SLASH_RUNS = 14      # runs of SLASH_IMAGE: 12 quick, one slow, one failed
SLASH_SAMPLES = 13   # its successful runs: the baseline's sample count
TRACEBACK = ["Traceback (most recent call last):", '  File "app.py", line 3, in <module>',
             "    import requests", "ModuleNotFoundError: No module named 'requests'"]


@pytest.fixture(autouse=True)
def served_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """The served history is fixed in time: in-process reads measure windows from ``NOW`` too."""
    monkeypatch.setenv("ORCAOPS_NOW", NOW.isoformat())


def special_runs() -> list[dict]:
    """Runs of a slash-image job (enough for a trusted baseline), one failed run of it, and
    runs of a second slash-image job whose baseline the tests reset."""
    runs = [make_run(f"srv-ok-{i:02d}", image=SLASH_IMAGE, command="make test",
                     started_at=f"2026-11-{10 + i % 8:02d}T0{i % 9}:00:00Z",
                     finished_at=f"2026-11-{10 + i % 8:02d}T0{i % 9}:01:0{i % 10}Z",
                     logs=[{"ts": f"2026-11-{10 + i % 8:02d}T0{i % 9}:00:01Z",
                            "stream": "stdout", "line": f"INFO step {j} done"}
                           for j in range(3)])
            for i in range(12)]
    runs.append(make_run(
        "srv-fail-01", status="failed", exit_code=1, image=SLASH_IMAGE, command="make test",
        started_at="2026-11-18T11:00:00Z", finished_at="2026-11-18T11:00:30Z",
        logs=[{"ts": "2026-11-18T11:00:01Z", "stream": "stderr", "line": line}
              for line in ["INFO starting", *TRACEBACK, "ERROR collecting tests/test_app.py",
                           "ERROR make: *** [test] Error 1"]],
        samples=[{"ts": "2026-11-18T11:00:05Z", "cpu_percent": 50.0, "memory_mb": 120.0}]))
    # Ten times its usual minute: a duration anomaly of the slash-image job.
    runs.append(make_run("srv-slow-01", image=SLASH_IMAGE, command="make test",
                         started_at="2026-11-19T09:00:00Z", finished_at="2026-11-19T09:10:00Z"))
    runs += [make_run(f"srv-deploy-{i}", image=RESET_IMAGE, command="make deploy",
                      started_at=f"2026-11-1{i}T12:00:00Z", finished_at=f"2026-11-1{i}T12:02:00Z")
             for i in range(3)]
    return runs


@pytest.fixture(scope="session")
def served_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("served") / "home"
    wh = orcaops.open(home)
    # Seed 3 at NOW has tests that flip outcome on one commit (the flaky report's first rows).
    wh.import_records(DemoHistory(runs=200, seed=3, now=NOW).records())
    report = wh.import_records(special_runs())
    assert not report.errors, report.errors
    return home


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(home: Path, *extra: str, env: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None, port: int | None = None
                 ) -> tuple[subprocess.Popen, str]:
    """``orcaops serve`` in a subprocess (on ``port``, else a free one); returns it and its
    base URL once it answers."""
    port = port or free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "orcaops", "--home", str(home), "serve", "--port", str(port),
         "--log-level", "warning", *extra],
        env={**os.environ, "ORCAOPS_NOW": NOW.isoformat(), **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}: {proc.stderr.read().decode()}")
        try:
            if httpx.get(f"{base}/orcaops/health", headers=headers, timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError("server did not answer within 30 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()


@pytest.fixture(scope="session")
def base_url(served_home: Path) -> Iterator[str]:
    """A server without an API key."""
    proc, base = start_server(served_home)
    yield base
    stop_server(proc)


@pytest.fixture(scope="session")
def keyed_url(served_home: Path) -> Iterator[str]:
    """A server requiring ``API_KEY`` (given through the environment, as advised)."""
    proc, base = start_server(served_home, env={"ORCAOPS_API_KEY": API_KEY},
                              headers={"X-API-Key": API_KEY})
    yield base
    stop_server(proc)


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as c:
        yield c
