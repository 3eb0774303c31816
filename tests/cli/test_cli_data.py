"""sql, doctor, compact, demo and the CLI's error boundary."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import make_run


def test_sql_json(cli, wh):
    wh.import_records([make_run("a"), make_run("b", status="failed")])
    res = cli("sql", "select status, count(*) n from runs group by 1 order by 1", "-f", "json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout) == [{"status": "failed", "n": 1}, {"status": "success", "n": 1}]


def test_sql_is_read_only_by_default(cli, tmp_path):
    for stmt in ("create table t as select 1", "copy (select 1) to '/tmp/x.csv'",
                 "attach 'x.db'", "install httpfs", "set threads=1"):
        res = cli("sql", stmt)
        assert res.exit_code == 2, stmt
        assert "read-only" in res.stderr and "Traceback" not in res.stderr


def test_sql_cannot_read_files_outside_the_warehouse(cli):
    res = cli("sql", "select * from read_csv('/etc/passwd')")
    assert res.exit_code == 2
    assert "Permission" in res.stderr


def test_sql_syntax_error_is_bad_input(cli):
    res = cli("sql", "selec 1")
    assert res.exit_code == 2
    assert res.stderr.startswith("error: SQL error")


def test_doctor_reports_tables(cli, wh):
    wh.import_records([make_run("a")])
    doc = json.loads(cli("doctor", "-f", "json").stdout)
    assert doc["tables"]["runs"]["rows"] == 1
    assert doc["problems"] == []
    assert "no problems found" in cli("doctor").stdout


def test_compact_command(cli, wh):
    for i in range(3):
        wh.import_records([make_run(f"a{i}")])
    doc = json.loads(cli("compact", "--format", "json").stdout)
    assert doc["tables"]["runs"]["files_after"] == 1
    wh.import_records([make_run("b1")])
    said = cli("compact").stdout
    assert "merged small files: runs 1 partition(s), 2 files" in said
    assert "files now: logs" in said and "runs 1" in said
    assert "files replaced in the last 1 h stay until a later compact" in said


def test_unknown_format_is_bad_input(cli):
    res = cli("sql", "select 1", "--format", "xml")
    assert res.exit_code == 2
    assert "unknown --format 'xml'" in res.stderr


def test_usage_error_exits_2():
    res = subprocess.run([sys.executable, "-m", "orcaops", "runs", "search", "--limit", "x"],
                         capture_output=True, text=True)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr


def test_every_command_has_help_with_an_example():
    """Walk the command tree: every command's help ends in an example (STYLE.md)."""
    import typer.main

    from orcaops.cli import _register, app

    _register()
    group = typer.main.get_command(app)
    missing = []

    def walk(cmd, path):
        sub = getattr(cmd, "commands", None)
        if sub:
            for name, child in sub.items():
                walk(child, f"{path} {name}")
        elif "Example:" not in (cmd.help or ""):
            missing.append(path)

    walk(group, "orcaops")
    assert not missing, f"commands without an example in their help: {missing}"
