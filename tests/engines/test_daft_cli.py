"""``runs search --engine daft`` (in this process and, with --ray-address, from a child
process joining the session's Ray), and ``--show-sql --dialect``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlglot

import orcaops

from tests.conftest import invoke_cli, make_run


def test_engine_daft_prints_what_duckdb_prints(demo_home, ray_address, monkeypatch):
    args = ("runs", "search", "status:failed image:python*", "-n", "5", "-f", "json")
    duck = invoke_cli(monkeypatch, demo_home, *args)
    daft = invoke_cli(monkeypatch, demo_home, *args, "--engine", "daft")
    assert daft.exit_code == duck.exit_code == 0, daft.stderr
    assert json.loads(daft.stdout) == json.loads(duck.stdout)
    assert daft.stderr == ""


def test_engine_daft_reads_a_home_on_object_storage(s3):
    # The bucket's tables, not the (empty) local folder the home keeps on this machine. A
    # child process on Daft's native runner: the session's Ray workers started before this
    # test's AWS_* variables, and a worker reads the bucket with its own credentials.
    orcaops.open(s3.home).import_records(
        [make_run(f"r-{i}", status="failed" if i % 2 else "success") for i in range(6)])
    argv = [sys.executable, "-m", "orcaops", "--home", s3.home, "runs", "search",
            "status:failed", "-f", "json"]
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    daft, duck = (subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env,
                                 check=False) for cmd in (argv + ["--engine", "daft"], argv))
    assert daft.returncode == duck.returncode == 0, daft.stderr
    assert json.loads(daft.stdout) == json.loads(duck.stdout)
    assert json.loads(daft.stdout)["total"] == 3


def test_ray_address_from_another_process(demo_home, ray_address):
    argv = [sys.executable, "-m", "orcaops", "--home", str(demo_home), "runs", "search",
            "log:error", "-n", "3", "-f", "json", "--engine", "daft",
            "--ray-address", ray_address]
    env = {**os.environ, "ORCAOPS_HOME": ""}
    env.pop("RAY_ADDRESS", None)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr
    duck = subprocess.run(argv[:-4], capture_output=True, text=True, timeout=60, env=env,
                          check=False)
    assert json.loads(done.stdout) == json.loads(duck.stdout)


def test_what_daft_cannot_run_exits_2(demo_home, ray_address, monkeypatch):
    res = invoke_cli(monkeypatch, demo_home, "runs", "search", "is:flaky", "--engine", "daft")
    assert res.exit_code == 2
    assert "is:flaky cannot run on the Daft engine" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("dialect", ["spark", "trino"])
def test_show_sql_in_another_dialect(dialect, tmp_path, monkeypatch):
    res = invoke_cli(monkeypatch, tmp_path, "runs", "search",
                     'status:failed tag:ci meta.branch:main log:"refused" after:2026-11-01',
                     "--show-sql", "--facets", "--dialect", dialect)
    assert res.exit_code == 0, res.stderr
    assert "MATERIALIZED" not in res.stdout and "TRY_CAST(metadata" not in res.stdout
    # It reads back in that dialect (which says nothing of running it: unverified here).
    statements = [s for s in sqlglot.parse(res.stdout, read=dialect) if s]
    assert len(statements) == 2


@pytest.mark.parametrize(("args", "message"), [
    (("--show-sql", "--dialect", "oracle"),
     "unknown SQL dialect 'oracle'; dialects: duckdb, spark, databricks, trino"),
    (("--dialect", "spark"), "--dialect goes with --show-sql"),
    (("--engine", "polars"), "unknown engine 'polars'; engines: duckdb, daft"),
])
def test_bad_engine_or_dialect_exits_2(args, message, tmp_path: Path, monkeypatch):
    res = invoke_cli(monkeypatch, tmp_path, "runs", "search", "status:failed", *args)
    assert res.exit_code == 2
    assert message in res.stderr
    assert "Traceback" not in res.stderr


def test_import_orcaops_loads_no_engine(tmp_path):
    code = ("import sys, orcaops; orcaops.open(sys.argv[1]); "
            "print(sorted(m for m in ('daft', 'ray', 'sqlglot') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
