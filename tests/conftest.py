"""Shared fixtures: a temporary warehouse on disk and an in-process CLI runner."""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

import orcaops
from orcaops.api import Warehouse

EVAL_DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"


def eval_data(*parts: str) -> Path:
    """A path inside ``../shared/eval/dev``, which is laid beside the project.

    Where it is absent the calling test is skipped, except under ``CI=true``: CI always has
    the data, so there a missing path fails the test instead of hiding it.
    """
    path = EVAL_DEV.joinpath(*parts)
    if not path.exists():
        reason = f"eval data {path} is not on this machine (expected at ../shared/eval/dev)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path
# With `make test`'s workers (pytest-xdist, --dist loadgroup), the tests of these folders share
# a costly session fixture (a Ray instance, a private dockerd, served warehouses, built
# histories) and run on one worker, so it starts once; any other test file is a group of its own.
SHARED_SESSION_DIRS = {"engines", "executors", "query", "report", "server"}
TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        rel = item.path.resolve().relative_to(TESTS)
        group = rel.parts[0] if rel.parts[0] in SHARED_SESSION_DIRS else rel.as_posix()
        item.add_marker(pytest.mark.xdist_group(group))


# Messages are checked as piped output reads (no wrap before 200 columns); pytest-xdist's
# workers inherit a COLUMNS that would wrap them at the terminal's width instead.
os.environ.pop("COLUMNS", None)

# Fixed "now" for tests that build histories relative to the present.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def wh(home: Path) -> Warehouse:
    """An empty warehouse in a temporary home (real Delta tables on disk)."""
    return orcaops.open(home)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def invoke_cli(monkeypatch: pytest.MonkeyPatch, home: Path, *args: str,
               input: str | None = None) -> CliResult:
    """Run ``orcaops --home HOME ARGS`` in this process, capturing its output and exit code."""
    from orcaops.cli import main

    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    if input is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(input.encode())))
    code = 0
    try:
        main(["--home", str(home), *args])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        monkeypatch.setattr(sys, "stdout", sys.__stdout__)
        monkeypatch.setattr(sys, "stderr", sys.__stderr__)
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli(home: Path, monkeypatch: pytest.MonkeyPatch):
    """Run ``orcaops ARGS`` in-process against the temporary home."""

    def run(*args: str, input: str | None = None) -> CliResult:
        return invoke_cli(monkeypatch, home, *args, input=input)

    return run


def make_run(job_id: str, **fields) -> dict:
    """One record of the JSON Lines import format with sensible defaults."""
    rec = {"job_id": job_id, "status": "success", "image": "python:3.11",
           "command": "pytest -q", "tags": ["ci"], "started_at": "2026-11-18T10:00:00Z",
           "finished_at": "2026-11-18T10:01:00Z", "exit_code": 0}
    rec.update(fields)
    return rec


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible server (moto's server mode) for this session; see s3_server.py."""
    from tests.s3_server import start

    server = start()
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The server's AWS_* variables set, ORCAOPS_CACHE in a temporary folder, and a fresh
    bucket: ``s3.home`` is an ``s3://`` home in it."""
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ORCAOPS_CACHE", str(tmp_path / "cache"))
    bucket = s3_server.new_bucket()
    s3_server.bucket = bucket
    s3_server.home = f"s3://{bucket}/team/history"
    s3_server.cache = tmp_path / "cache"
    return s3_server
