"""The commands run without typer (orcaops.cli.fastpath) answer exactly as through typer.

Three guards, for ``runs search``, ``runs show``, ``runs logs``, ``jobs summary`` and
``debug``: the fast path's option tables are the typer commands'; the same arguments give
the same stdout, stderr, exit code (and output file) both ways; and a cold call imports none
of the heavy packages its command does not need.
"""

from __future__ import annotations

import importlib
import inspect
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orcaops.cli import fastpath, fasttable, main
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
        # a10 has a1 as a prefix (a1 names a1 exactly); its log has a stack trace.
        make_run("a10", status="failed", exit_code=1, started_at="2026-11-18T12:00:00Z",
                 finished_at="2026-11-18T12:00:09Z", first_error="ValueError: bad [input]",
                 logs=["collecting tests", "WARNING deprecated call",
                       {"stream": "stderr", "line": "Traceback (most recent call last):"},
                       {"stream": "stderr", "line": '  File "app.py", line 3, in <module>'},
                       {"stream": "stderr", "line": "ValueError: bad [input]"},
                       "\x1b[31mred\x1b[0m done"]),
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
    (["runs", "show", "a1", "-x"], False),
]


def _one_run_cases() -> list[tuple[list[str], bool]]:
    """``runs show``, ``runs logs``, ``jobs summary`` and ``debug`` over exact ids, a prefix
    of one run, an id that is a prefix of another, ambiguous prefixes and missing ids."""
    ids = ["a1", "a10", "b", "n1", "a", "", "zz"]
    cases: list[tuple[list[str], bool]] = []
    for job in ids:
        cases += [(["runs", "show", job], True), (["runs", "logs", job], True),
                  (["runs", "logs", job, "--failed"], True), (["jobs", "summary", job], True),
                  (["debug", job], True)]
    for fmt in ("table", "json", "jsonl", "csv", "xml", "parquet"):
        cases += [(["runs", "show", "a10", "-f", fmt], True),
                  (["jobs", "summary", "a1", "--format", fmt], True),
                  (["debug", "a10", f"--format={fmt}"], True)]
    for fmt in ("text", "table", "json", "jsonl", "csv", "xml"):
        cases += [(["runs", "logs", "a10", "-f", fmt], True),
                  (["runs", "logs", "a10", "--failed", "-f", fmt], True)]
    return cases + [
        (["runs", "logs", "a10", "--level", "warn"], True),
        (["runs", "logs", "a10", "-l", "ERROR", "--stream", "stderr"], True),
        (["runs", "logs", "a10", "-lwarning", "-gTRACEBACK"], True),
        (["runs", "logs", "a10", "--grep=bad", "-f", "json"], True),
        (["runs", "logs", "a10", "--level", "loud"], True),
        (["runs", "logs", "a10", "--stream", "stdin"], True),
        (["runs", "logs", "a10", "--grep", ""], True),
        (["runs", "logs", "a1", "--failed", "--level", "error"], True),
        (["runs", "logs", "a10", "-f", "json", "--", "-x"], False),
        (["runs", "logs", "--failed", "a10"], True),
        (["runs", "logs", "a10", "--failed=yes"], False),
        (["runs", "logs", "a10", "--limit", "2"], False),
        (["runs", "logs"], False),
        (["runs", "logs", "-"], False),
        (["runs", "show", "a1", "a10"], False),
        (["runs", "show", "--help"], False),
        (["runs", "show", "-f"], False),
        (["runs", "show", "--", "a1"], True),
        (["jobs", "summary"], False),
        (["jobs", "summary", "a10", "-n", "1"], False),
        (["jobs", "summry", "a10"], False),
        (["debug", "a10", "-n", "1"], True),
        (["debug", "a10", "--limit=1", "-f", "table"], True),
        (["debug", "a10", "-n1"], True),
        (["debug", "a10", "-n", "0"], False),
        (["debug", "a10", "-n", "-3"], False),
        (["debug", "a10", "-n", "x"], False),
        (["debug", "a10", "--limit"], False),
        (["debug", "--help"], False),
        (["debug"], False),
    ]


CASES += _one_run_cases()



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
    assert json.loads(fast[1])["total"] == 3
    # --home wins over the variable; an empty variable counts as unset.
    assert fastpath.plan(["--home", "/x", *argv]).state == {"home": Path("/x")}
    monkeypatch.setenv("ORCAOPS_HOME", "")
    assert fastpath.plan(argv).state == {"home": None}


def test_completion_requests_go_to_typer(monkeypatch):
    monkeypatch.setenv("_ORCAOPS_COMPLETE", "bash_complete")
    assert fastpath.plan(["runs", "search"]) is None


def _typer_command(path: tuple[str, ...]):
    import typer.main

    from orcaops.cli import _register, app

    _register()
    command = typer.main.get_command(app)
    for word in path:
        command = command.commands[word]  # type: ignore[attr-defined]
    return command


def test_home_option_is_the_typer_root():
    home = next(p for p in _typer_command(()).params if p.name == "home")
    assert (home.opts, home.envvar) == ([fastpath.HOME_OPTION], fastpath.HOME_ENVVAR)


@pytest.mark.parametrize("command", fasttable.COMMANDS, ids=lambda c: " ".join(c.path))
def test_option_table_is_the_typer_command(command):
    """Every parameter of the typer command is in the fast path's table with its default
    (options left to typer included), every option name is there with the right parameter,
    the arguments are the same in the same order, and the table names nothing else."""
    typed = _typer_command(command.path)
    params = [p for p in typed.params if p.name != "help"]
    assert {p.name: p.default for p in params} == command.defaults
    arguments = [p for p in params if p.param_type_name == "argument"]
    assert tuple(p.name for p in arguments) == command.arguments
    assert sum(p.required for p in arguments) == command.required
    values, flags = {}, {}
    for param in params:
        if param.param_type_name != "option" or param.name in command.to_typer:
            continue
        table = flags if param.is_flag else values
        table.update(dict.fromkeys(param.opts + param.secondary_opts, param.name))
    assert flags == command.flags
    assert values == {name: param for name, (param, _) in command.values.items()}
    for param in params:  # the options left to typer are not in the tables
        if param.name in command.to_typer:
            assert not set(param.opts) & (set(command.values) | set(command.flags))
    # The function the fast path calls is the one the typer command calls.
    module, name = command.function.split(":")
    assert name in inspect.unwrap(typed.callback).__code__.co_names
    assert importlib.import_module(module).__name__ == module


@pytest.mark.parametrize("command", fasttable.COMMANDS, ids=lambda c: " ".join(c.path))
def test_bounded_options_keep_their_bounds(command):
    """A value typer's bounds would reject is left to typer (debug --limit has min=1)."""
    for param in _typer_command(command.path).params:
        low, high = getattr(param, "min", None), getattr(param, "max", None)
        for name in param.opts + param.secondary_opts if low is not None else ():
            convert = command.values[name][1]
            assert (convert(str(low - 1)), convert(str(low))) == (None, low), name
        for name in param.opts + param.secondary_opts if high is not None else ():
            convert = command.values[name][1]
            assert (convert(str(high + 1)), convert(str(high))) == (None, high), name
    assert fasttable.DEBUG.values["-n"][1]("0") is None


HEAVY = ("typer", "click", "pydantic", "polars", "pyarrow", "deltalake", "rich", "lark",
         "regex")
LIGHT_READ = ("typer", "click", "pydantic", "polars", "pyarrow", "deltalake", "lark", "regex")
# Arguments after `--home HOME`, and the packages such a cold call must not import: the one
# run commands never need typer nor click; `runs show`, the text of `runs logs`, `jobs
# summary` and `debug` read rows as dicts (no polars, pydantic, pyarrow, deltalake, lark).
COLD_CALLS = [
    (["runs", "search", "status:failed", "-f", "json"], HEAVY),
    (["runs", "show", "a1", "-f", "json"], HEAVY),
    (["runs", "show", "a10"], LIGHT_READ),
    (["runs", "logs", "a10"], HEAVY),
    (["runs", "logs", "a10", "--level", "warn", "--stream", "stderr"], HEAVY),
    (["runs", "logs", "a10", "--failed"], HEAVY),
    (["jobs", "summary", "a10", "-f", "json"], HEAVY),
    (["jobs", "summary", "a10"], LIGHT_READ),
    (["jobs", "summary", "a1"], LIGHT_READ),
    (["debug", "a10", "-n", "2"], LIGHT_READ),
    (["debug", "a1", "-f", "json"], HEAVY),
]


@pytest.mark.parametrize("args, heavy", COLD_CALLS, ids=[" ".join(a) for a, _ in COLD_CALLS])
def test_cold_call_imports_nothing_heavy(filled, home, tmp_path, args, heavy):
    """The point of the fast path: `python -m orcaops runs search -f json` imports none of
    the heavy packages (typer alone, with pydantic, was ~0.13 s of a 0.5 s call), nor does a
    cold `runs show` or `runs logs`; and its exit (which leaves the imported objects to the
    OS, orcaops.cli.fastpath._freeze_imports) writes nothing to stderr: DuckDB's bindings
    would report objects of theirs left alive."""
    # The report goes to a file: stderr may be a pipe closed before the last atexit handler
    # (orcaops.warehouse.native_stderr, once deltalake is loaded).
    report = tmp_path / "loaded.txt"
    code = ("import atexit, runpy, sys\n"
            f"heavy = {heavy!r}\n"
            f"atexit.register(lambda: open({str(report)!r}, 'w').write('LOADED %s' % sorted(\n"
            "    m for m in heavy if m in sys.modules)))\n"
            "runpy.run_module('orcaops', run_name='__main__', alter_sys=True)\n")
    argv = [sys.executable, "-c", code, "--home", str(home), *args]
    env = {**os.environ, "ORCAOPS_HOME": ""}
    # The first read of a new home asks deltalake for the snapshot and saves _snapshot.json.
    first = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env,
                           check=False)
    assert first.returncode == 0, first.stderr
    res = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env,
                         check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout == first.stdout != ""
    assert (res.stderr, report.read_text()) == ("", "LOADED []")
