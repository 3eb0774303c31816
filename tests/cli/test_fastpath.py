"""``runs search`` without typer (orcaops.cli.fastpath) answers exactly as through typer.

Three guards: the fast path's option table is the typer command's; the same arguments give
the same stdout, stderr, exit code (and output file) both ways; and a cold ``runs search``
imports none of the heavy packages it does not need.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orcaops.cli import fastpath, main
from tests.conftest import make_run


@pytest.fixture
def filled(wh):
    wh.import_records([
        make_run("a1", image="python:3.11", tags=["ci", "pr"], metadata={"branch": "main"},
                 logs=[{"stream": "stderr", "line": "ERROR connection refused by db:5432"}],
                 status="failed", exit_code=1),
        make_run("a2", image="python:3.11-slim", started_at="2026-11-18T11:00:00Z",
                 finished_at="2026-11-18T11:03:00Z", logs=["all good"]),
        make_run("b1", image="cpython", status="failed", exit_code=2, intent="ünïcode ✓",
                 started_at="2026-11-17T09:00:00Z", finished_at="2026-11-17T09:00:30Z"),
        make_run("n1", image="node:20", command="npm test", tags=["frontend"]),
    ])
    return wh


def _run(monkeypatch: pytest.MonkeyPatch, argv: list[str], *, fast: bool) -> tuple:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code: object = 0
    try:
        main(list(argv), fast=fast)
    except SystemExit as e:
        code = e.code
    finally:
        monkeypatch.setattr(sys, "stdout", sys.__stdout__)
        monkeypatch.setattr(sys, "stderr", sys.__stderr__)
    return code, out.getvalue(), err.getvalue()


# Arguments after `--home HOME`; True where the fast path must take the call itself.
CASES = [
    (["runs", "search", "status:failed", "-f", "json"], True),
    (["runs", "search", "image:python*", "--format", "json", "--sort", "-duration"], True),
    (["runs", "search", "--format=json", "--limit=1", "tag:ci"], True),
    (["runs", "search", "-fjson", "-n1", "-sjob_id"], True),
    (["runs", "search", "-image:python*", "-f", "json"], True),
    (["runs", "search", "-f", "json", "--", "-tag:ci"], True),
    (["runs", "search", "-f", "json", "-n", "2", "-n", "3", "--facets"], True),
    (["runs", "search", "tag:ci", "--facets"], True),
    (["runs", "search"], True),
    (["runs", "search", ""], True),
    (["runs", "search", "intent:ünïcode*", "-f", "json"], True),
    (["runs", "search", "status:failed image:python*", "--show-sql", "--facets"], True),
    (["runs", "search", "stauts:failed"], True),
    (["runs", "search", "duration:>", "-f", "json"], True),
    (["runs", "search", "", "--sort", "duration; drop table runs"], True),
    (["runs", "search", "-n", "-1", "-f", "json"], True),
    (["runs", "search", "-n", "007", "-f", "json"], True),
    (["runs", "search", "-f", "xml"], True),
    (["runs", "search", "-f", "parquet"], True),
    (["runs", "search", "-f", "csv", "status:failed"], True),
    (["runs", "search", "-f", "jsonl", "-s", "-job_id"], True),
    (["runs", "search", "-f", "--facets"], True),
    (["runs", "search", "--", "--limit"], True),
    (["runs", "search", "-n", "abc"], False),
    (["runs", "search", "-n", "1_0"], False),
    (["runs", "search", "-n", " 5"], False),
    (["runs", "search", "--limit"], False),
    (["runs", "search", "-f", "json", "--"], True),
    (["runs", "search", "a", "b"], False),
    (["runs", "search", "--bogus"], False),
    (["runs", "search", "-x"], False),
    (["runs", "search", "--facets=yes"], False),
    (["runs", "search", "--help"], False),
    (["runs", "search", "-"], False),
    (["runs", "search", "-o", ""], False),
    (["runs", "--help"], False),
    (["runs", "searc"], False),
    (["runs"], False),
    (["runs", "show", "a1", "-f", "json"], False),
]


@pytest.mark.parametrize("args, fast", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_same_answer_with_and_without_typer(filled, home, monkeypatch, args, fast):
    argv = ["--home", str(home), *args]
    from orcaops.cli import _queries_as_arguments

    assert (fastpath.plan(_queries_as_arguments(argv)) is not None) is fast
    assert _run(monkeypatch, argv, fast=True) == _run(monkeypatch, argv, fast=False)


def test_same_output_file(filled, home, tmp_path, monkeypatch):
    for fmt in ("json", "jsonl", "csv"):
        files = [tmp_path / f"fast.{fmt}", tmp_path / f"typer.{fmt}"]
        answers = [_run(monkeypatch, ["--home", str(home), "runs", "search", "-f", fmt,
                                      "-o", str(path)], fast=fast)
                   for path, fast in zip(files, (True, False))]
        assert answers[0] == answers[1]
        assert files[0].read_bytes() == files[1].read_bytes() != b""


def test_home_from_the_environment(filled, home, monkeypatch):
    monkeypatch.setenv("ORCAOPS_HOME", str(home))
    argv = ["runs", "search", "status:failed", "-f", "json"]
    assert fastpath.plan(argv) is not None
    fast = _run(monkeypatch, argv, fast=True)
    assert fast == _run(monkeypatch, argv, fast=False)
    assert json.loads(fast[1])["total"] == 2
    # --home wins over the variable; an empty variable counts as unset.
    assert fastpath.plan(["--home", "/x", *argv]).state == {"home": Path("/x")}
    monkeypatch.setenv("ORCAOPS_HOME", "")
    assert fastpath.plan(argv).state == {"home": None}


def test_completion_requests_go_to_typer(monkeypatch):
    monkeypatch.setenv("_ORCAOPS_COMPLETE", "bash_complete")
    assert fastpath.plan(["runs", "search"]) is None


def test_option_table_is_the_typer_command():
    """Every option of `runs search` is in the fast path's table with its default (or is
    one the fast path leaves to typer), and the table names nothing else."""
    import typer.main

    from orcaops.cli import _register, app

    _register()
    root = typer.main.get_command(app)
    home = next(p for p in root.params if p.name == "home")
    assert (home.opts, home.envvar) == ([fastpath.HOME_OPTION], fastpath.HOME_ENVVAR)
    search = root.commands["runs"].commands["search"]  # type: ignore[attr-defined]
    seen: set[str] = set()
    for param in search.params:
        if param.name in ("help", "interactive"):  # left to typer
            assert not set(param.opts) & (set(fastpath.VALUE_OPTIONS) | set(fastpath.FLAG_OPTIONS))
            continue
        assert fastpath.DEFAULTS[param.name] == param.default, param.name
        for name in param.opts + param.secondary_opts:
            if getattr(param, "is_flag", False):
                assert fastpath.FLAG_OPTIONS[name] == param.name
            elif param.param_type_name == "option":
                assert fastpath.VALUE_OPTIONS[name][0] == param.name
            seen.add(name)
        assert param.param_type_name == "option" or param.name == "query"
    assert seen == set(fastpath.VALUE_OPTIONS) | set(fastpath.FLAG_OPTIONS) | {"query"}
    assert set(fastpath.DEFAULTS) == {p.name for p in search.params} - {"help"}


HEAVY = ("typer", "click", "pydantic", "polars", "pyarrow", "deltalake", "rich", "lark",
         "regex")


def test_cold_search_imports_nothing_heavy(filled, home):
    """The point of the fast path: `python -m orcaops runs search -f json` imports none of
    these (typer alone, with pydantic, was ~0.13 s of a 0.5 s call), and its exit (which
    leaves the imported objects to the OS, orcaops.cli.fastpath._freeze_imports) writes
    nothing to stderr: DuckDB's bindings would report objects of theirs left alive."""
    code = ("import atexit, runpy, sys\n"
            f"heavy = {HEAVY!r}\n"
            "atexit.register(lambda: sys.stderr.write('LOADED %s\\n' % sorted(\n"
            "    m for m in heavy if m in sys.modules)))\n"
            "runpy.run_module('orcaops', run_name='__main__', alter_sys=True)\n")
    argv = [sys.executable, "-c", code, "--home", str(home), "runs", "search", "status:failed",
            "-f", "json"]
    env = {**os.environ, "ORCAOPS_HOME": ""}
    # The first read of a new home asks deltalake for the snapshot and saves _snapshot.json.
    first = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env,
                           check=False)
    assert first.returncode == 0, first.stderr
    res = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env,
                         check=False)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == json.loads(first.stdout)
    assert json.loads(res.stdout)["total"] == 2
    assert res.stderr == "LOADED []\n"
