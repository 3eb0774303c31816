"""One vocabulary: every option accepts what its search-language twin accepts, and means the
same (levels, instants, sizes)."""

from __future__ import annotations

import json

import pytest

from orcaops.core import units
from orcaops.core.errors import InputError
from orcaops.core.vocabulary import LEVELS, level_filter
from tests.conftest import make_run

LINES = {  # job -> the levels of its lines
    "r-warn": ["INFO", "WARN"], "r-err": ["INFO", "ERROR"], "r-fatal": ["FATAL"],
    "r-info": ["DEBUG", "INFO"],
}
WORDS = {"DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARNING", "ERROR": "ERROR",
         "FATAL": "FATAL"}


@pytest.fixture
def filled(wh):
    wh.import_records([make_run(job, logs=[{"line": f"{WORDS[lvl]} line {i}"}
                                          for i, lvl in enumerate(levels)])
                       for job, levels in LINES.items()])
    return wh


@pytest.mark.parametrize("value", ["warn", "warning", "severe", "=warn", "<error", ">=info",
                                   "critical", "=FATAL", ">debug"])
def test_search_and_logs_option_keep_the_same_levels(filled, value):
    kept = set(level_filter(value))
    runs = set(filled.runs(f"level:{value}")["job_id"].to_list())
    assert runs == {job for job, levels in LINES.items() if kept & set(levels)}
    lines = filled.logs(level=value)
    assert set(lines["level"].to_list()) <= kept
    assert set(lines["job_id"].to_list()) == runs


def test_a_bare_level_is_a_minimum_and_equals_is_exact():
    assert level_filter("warn") == ("WARN", "ERROR", "FATAL")
    assert level_filter("=warning") == ("WARN",)
    assert level_filter("<=info") == ("DEBUG", "INFO")
    assert set(level_filter("trace")) == set(LEVELS)


def test_an_unknown_level_says_which_exist():
    with pytest.raises(InputError, match="unknown level 'loud': use one of DEBUG, INFO"):
        level_filter("loud")


def test_runs_logs_level_option_takes_search_spellings(filled, cli):
    res = cli("runs", "logs", "r-err", "--level", "severe", "--format", "json")
    assert res.exit_code == 0, res.stderr
    assert [r["level"] for r in json.loads(res.stdout)] == ["ERROR"]
    bad = cli("runs", "logs", "r-err", "--level", "loud")
    assert bad.exit_code == 2 and "unknown level 'loud'" in bad.stderr


@pytest.mark.parametrize("value", ["-1h30m", "-7d", "today", "yesterday", "2026-11-01",
                                   "2026-11-01T10:00:00Z"])
def test_since_accepts_what_after_accepts(filled, cli, value, monkeypatch):
    monkeypatch.setenv("ORCAOPS_NOW", "2026-11-20T12:00:00Z")
    assert filled.runs(f"after:{value}").height >= 0  # the search language reads it
    res = cli("anomalies", "--since", value)
    assert res.exit_code == 0, res.stderr


def test_since_refuses_what_after_refuses(filled, cli):
    res = cli("anomalies", "--since", "-7")
    assert res.exit_code == 2 and "bad --since '-7'" in res.stderr
    with pytest.raises(Exception, match="-7"):
        filled.runs("after:-7")


@pytest.mark.parametrize("text,mb", [("512m", 512), ("2GB", 2048), ("256KiB", 0.25),
                                     ("1t", 1024 * 1024)])
def test_memory_option_and_field_read_sizes_alike(text, mb):
    from orcaops.executors.spec import parse_memory

    assert parse_memory(text) == mb * 1024**2
    assert units.parse_memory(text) == mb
