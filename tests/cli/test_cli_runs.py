"""runs search / show / logs / export through the CLI, with parity against the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import make_run


@pytest.fixture
def filled(wh):
    wh.import_records([
        make_run("a1", image="python:3.11", tags=["ci", "pr"], metadata={"branch": "main"},
                 logs=[{"stream": "stdout", "line": "collected 3 items"},
                       {"stream": "stderr", "line": "ERROR connection refused by db:5432"}],
                 status="failed", exit_code=1),
        make_run("a2", image="python:3.11-slim", started_at="2026-11-18T11:00:00Z",
                 finished_at="2026-11-18T11:03:00Z", logs=["all good"]),
        make_run("b1", image="cpython", status="failed", exit_code=2,
                 started_at="2026-11-17T09:00:00Z", finished_at="2026-11-17T09:00:30Z"),
        make_run("n1", image="node:20", command="npm test", tags=["frontend"]),
    ])
    return wh


def test_search_json_matches_the_dataframe(cli, filled):
    res = cli("runs", "search", "image:python*", "--format", "json", "--sort", "-duration")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    frame = filled.search("image:python*", sort="-duration").runs
    assert doc["total"] == 2
    assert [r["job_id"] for r in doc["runs"]] == frame["job_id"].to_list() == ["a2", "a1"]
    assert set(doc["facets"]) >= {"status", "image", "tag", "day"}
    assert doc["runs"][1]["metadata"] == {"branch": "main"}


def test_search_facets_count_the_filtered_set(filled):
    facets = filled.facets("status:failed")
    assert dict(facets["status"].iter_rows()) == {"failed": 2}
    assert dict(facets["tag"].iter_rows()) == {"ci": 2, "pr": 1}
    assert set(facets) == {"status", "image", "tag", "triggered_by", "exit_code",
                           "failure_category", "day"}


def test_search_log_phrase(cli, filled):
    res = cli("runs", "search", 'log:"connection refused"', "-f", "json")
    assert [r["job_id"] for r in json.loads(res.stdout)["runs"]] == ["a1"]


def test_negated_query_needs_no_double_dash(cli, filled):
    res = cli("runs", "search", "-image:python*", "-f", "json")
    assert res.exit_code == 0, res.stderr
    assert sorted(r["job_id"] for r in json.loads(res.stdout)["runs"]) == ["b1", "n1"]


def test_bad_query_exits_2_with_caret(cli, filled):
    res = cli("runs", "search", "stauts:failed")
    assert res.exit_code == 2
    assert "did you mean status?" in res.stderr
    assert "^" in res.stderr and "Traceback" not in res.stderr


def test_bad_sort_is_bad_input(cli, filled):
    res = cli("runs", "search", "", "--sort", "duration; drop table runs")
    assert res.exit_code == 2


def test_show_sql_runs_nothing(cli):
    res = cli("runs", "search", "status:failed image:python*", "--show-sql")
    assert res.exit_code == 0
    assert "SELECT * FROM runs WHERE" in res.stdout and "'failed'" in res.stdout
    assert "'python%'" in res.stdout and "?" not in res.stdout


def test_show_sql_runs_as_printed_in_orcaops_sql(cli, filled):
    query = 'tag:ci log:"error" -status:success'
    shown = cli("runs", "search", query, "--show-sql", "--limit", "100").stdout
    via_sql = json.loads(cli("sql", shown, "--format", "json").stdout)
    found = json.loads(cli("runs", "search", query, "--format", "json").stdout)["runs"]
    assert [r["job_id"] for r in via_sql] == [r["job_id"] for r in found] != []


def test_table_output(cli, filled):
    res = cli("runs", "search", "tag:ci", "--facets")
    assert res.exit_code == 0
    assert "a1" in res.stdout and "3 runs match" in res.stdout and "by status" in res.stdout


def test_show_and_logs(cli, filled):
    assert json.loads(cli("runs", "show", "a1", "-f", "json").stdout)["status"] == "failed"
    text = cli("runs", "logs", "a1").stdout
    assert "collected 3 items" in text and "connection refused" in text
    errors = cli("runs", "logs", "a1", "--level", "error", "-f", "json").stdout
    assert [l["line_number"] for l in json.loads(errors)] == [2]
    grep = cli("runs", "logs", "a1", "--grep", "COLLECTED", "-f", "jsonl").stdout
    assert len(grep.splitlines()) == 1
    assert cli("runs", "show", "zzz").exit_code == 2


def test_export_parquet_and_csv(cli, filled, tmp_path):
    out = tmp_path / "failed.parquet"
    res = cli("runs", "export", "status:failed", "--output", str(out))
    assert res.exit_code == 0, res.stderr
    assert sorted(pl.read_parquet(out)["job_id"].to_list()) == ["a1", "b1"]
    csv = tmp_path / "all.csv"
    cli("runs", "export", "", "--format", "csv", "--output", str(csv))
    assert pl.read_csv(csv).height == 4


def test_interactive_loop(filled, capsys):
    from orcaops.cli.interactive import search_loop
    from orcaops.query.refine import refine

    assert refine("status:failed", "+image:py*") == "status:failed image:py*"
    assert refine("status:failed", "-tag:ci") == "status:failed -tag:ci"
    assert refine("status:failed", "image:node*") == "image:node*"
    answers = iter(["status:failed", "+image:python*", ":sql", "stauts:x", ":q"])
    search_loop(filled, "", limit=5, sort="-started_at", read=lambda _: next(answers))
    out = capsys.readouterr().out
    assert "a1" in out and "SELECT * FROM runs" in out and "did you mean status" in out


def test_logs_api_filters(filled):
    assert filled.logs(query="status:failed").height == 2
    assert filled.logs(level="warn")["line_number"].to_list() == [2]
    assert filled.samples("a1").height == 0


def test_total_counts_every_match_not_the_page(filled):
    for facets in (False, True):
        res = filled.search("", limit=2, facets=facets)
        assert (res.total, res.runs.height) == (4, 2)
        res = filled.search("", limit=10, facets=facets)
        assert (res.total, res.runs.height) == (4, 4)
    assert filled.search("status:failed", limit=1).total == 2


@pytest.mark.parametrize("args", [["runs", "search", "tag:ci"], ["anomalies"]])
def test_output_file_needs_a_file_format(cli, filled, tmp_path, args):
    """A table is for the terminal: -o without --format is exit 2, never a silent stdout."""
    target = tmp_path / "out.txt"
    res = cli(*args, "-o", str(target))
    assert res.exit_code == 2 and "--output needs a file format" in res.stderr
    assert res.stdout == "" and not target.exists()
    assert cli(*args, "-o", str(target), "--format", "csv").exit_code == 0
    assert target.read_text().count("\n") >= 1


@pytest.mark.parametrize("args", [["runs", "logs", "a1"], ["runs", "logs", "a1", "--failed"],
                                  ["runs", "search", "tag:ci", "-f", "json"],
                                  ["runs", "search", "tag:ci", "-f", "csv"],
                                  ["anomalies", "-f", "jsonl"]])
@pytest.mark.parametrize("where", ["", "folder", "missing/out.txt"])
def test_an_output_that_cannot_be_written_is_bad_input(cli, filled, tmp_path, monkeypatch,
                                                         args, where):
    """-o "" (the current folder), a folder, or a path under a missing folder: exit 2 with
    what to give instead, no traceback, nothing written."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    res = cli(*args, "-o", where)
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert "--output" in res.stderr and "file path" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["folder"]
    assert not any((tmp_path / "folder").iterdir())


def test_ambiguous_prefix_names_the_runs_it_matches(cli, filled):
    res = cli("runs", "show", "a")
    assert res.exit_code == 2
    assert "job id prefix 'a' matches several runs (a1, a2); give more of it" in res.stderr


@pytest.mark.parametrize("home_kind", ["file", "proc"])
@pytest.mark.parametrize("args", [["runs", "search", "x"], ["runs", "search", "x", "-f", "json"],
                                  ["anomalies"], ["doctor"], ["sql", "select 1"]])
def test_unusable_home_is_one_clear_message(tmp_path, home_kind, args):
    """A home that is a file or cannot be made: exit 2 and one message, from every command."""
    import subprocess
    import sys

    if home_kind == "file":
        home = tmp_path / "home"
        home.write_text("not a folder")
        why = "is a file, not a folder"
    else:
        home = Path("/proc/orcaops-home")
        why = "cannot be created"
    res = subprocess.run([sys.executable, "-m", "orcaops", "--home", str(home), *args],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2, res.stderr
    assert f"OrcaOps home {home} {why}" in res.stderr and "Traceback" not in res.stderr


def test_wide_sql_rows_print_one_field_per_line(cli, filled, monkeypatch):
    """SELECT * squeezed 40 columns into one line; now each row is a block of fields."""
    monkeypatch.setenv("COLUMNS", "100")
    wide = cli("sql", "select * from runs order by job_id limit 2").stdout
    assert "-[ row 1 ]" in wide and "-[ row 2 ]" in wide
    assert any(line.startswith("job_id") and line.endswith("| a1") for line in wide.splitlines())
    narrow = cli("sql", "select status, count(*) n from runs group by 1 order by 1").stdout
    assert "-[ row" not in narrow and "failed" in narrow
