"""logs parse/analyze, jobs summary, debug and patterns through the CLI."""

from __future__ import annotations

import json

import pytest

from tests.conftest import make_run

TRACEBACK = [
    "INFO starting",
    "WARNING retrying connection (1/3)",
    "Traceback (most recent call last):",
    '  File "/app/main.py", line 3, in <module>',
    "    import pandas",
    "ModuleNotFoundError: No module named 'pandas'",
]


@pytest.fixture
def failed(wh):
    for i, when in enumerate(("2026-11-10", "2026-11-12", "2026-11-18")):
        wh.import_records([make_run(f"f{i}", status="failed", exit_code=1,
                                    started_at=f"{when}T10:00:00Z",
                                    finished_at=f"{when}T10:00:40Z", logs=TRACEBACK)])
    return wh


def test_logs_parse_jsonl(cli, tmp_path):
    path = tmp_path / "x.log"
    path.write_text("\n".join(TRACEBACK) + "\n")
    res = cli("logs", "parse", str(path))
    rows = [json.loads(l) for l in res.stdout.splitlines()]
    assert [r["line_number"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert set(rows[0]) >= {"line_number", "ts", "level", "message", "template_id", "template",
                            "is_error", "stacktrace_id"}
    assert rows[1]["level"] == "WARN"
    assert rows[2]["stacktrace_id"] and rows[2]["stacktrace_id"] == rows[5]["stacktrace_id"]


def test_logs_analyze_json(cli, tmp_path):
    path = tmp_path / "x.log"
    path.write_text("\n".join(TRACEBACK))
    doc = json.loads(cli("logs", "analyze", str(path)).stdout)
    assert doc["first_error"] == {"line_number": 6,
                                  "text": "ModuleNotFoundError: No module named 'pandas'"}
    assert doc["failure_category"] == "dependency"
    assert doc["has_stacktrace"] is True
    assert doc["level_counts"]["WARN"] == 1


def test_logs_missing_file(cli, tmp_path):
    res = cli("logs", "analyze", str(tmp_path / "none.log"))
    assert res.exit_code == 2 and "no such file" in res.stderr


def test_jobs_summary(cli, failed):
    doc = json.loads(cli("jobs", "summary", "f2", "-f", "json").stdout)
    assert doc["status_emoji"] == "❌"
    assert "pandas" in doc["one_liner"]
    assert doc["duration_human"] == "40s"
    assert "Failed" in cli("jobs", "summary", "f2").stdout


def test_debug_finds_similar_past_failures_only_before(cli, failed):
    doc = json.loads(cli("debug", "f1", "-f", "json").stdout)
    assert [p["job_id"] for p in doc["similar_past_failures"]] == ["f0"]
    assert doc["failure_category"] == "dependency"
    assert any("pip install pandas" in fix for fix in doc["suggested_fixes"])
    assert any(line["root"] for line in doc["root_cause_lines"])
    assert "root cause" in cli("debug", "f2").stdout


def test_first_lines_print_log_words_as_written(cli, wh):
    """A one-liner holding ``[ERROR]`` and ``[/tmp]`` is the run's text, not rich markup
    (it used to vanish, or stop the command with a MarkupError)."""
    line = "[ERROR] cannot write [/tmp/cache] (disk full)"
    wh.import_records([make_run("m1", status="failed", exit_code=1,
                                started_at="2026-11-18T10:00:00Z",
                                finished_at="2026-11-18T10:00:40Z",
                                logs=["INFO starting", line])])
    for args in (("jobs", "summary", "m1"), ("debug", "m1")):
        res = cli(*args)
        assert res.exit_code == 0, res.stderr
        first = res.stdout.splitlines()[0]
        assert "[ERROR] cannot write [/tmp/cache]" in first and "[bold]" not in first


def test_patterns_count_occurrences(cli, failed):
    rows = json.loads(cli("patterns", "-f", "json").stdout)
    by_id = {r["id"]: r for r in rows}
    assert by_id["py-module-not-found"]["occurrences"] == 3


def test_unknown_job_is_bad_input(cli, failed):
    res = cli("debug", "nope")
    assert res.exit_code == 2 and "no run with job id 'nope'" in res.stderr
