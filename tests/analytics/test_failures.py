"""Failure analysis (debug report) and the learned knowledge base."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from orcaops.analytics.failures import debug_report, learned_patterns
from orcaops.core.vocabulary import FAILURE_CATEGORIES
from orcaops.logs import BUILTIN_PATTERNS, match_patterns, parse_text

DATA = Path(__file__).parents[1] / "logs" / "data"
UTC = timezone.utc


def _run(log, job_id="r-2"):
    return {"job_id": job_id, "status": "failed", "duration_s": 12.0, "exit_code": 1,
            "first_error": log.first_error, "failure_category": log.failure_category,
            "error_fingerprint": log.error_fingerprint, "analysis": json.dumps(log.analysis)}


def test_debug_report_for_java_connection_failure():
    log = parse_text((DATA / "java_caused_by.log").read_text())
    logs = pl.DataFrame(log.to_dict(), strict=False)
    similar = pl.DataFrame({"job_id": ["r-1", "r-0", "r-2"], "status": ["failed"] * 3,
                            "started_at": [datetime(2024, 3, d, tzinfo=UTC) for d in (2, 1, 3)],
                            "first_error": [log.first_error] * 3,
                            "failure_category": ["network"] * 3})
    rep = debug_report(_run(log), logs, similar)
    json.dumps(rep)
    assert rep["failure_category"] == "network"
    root = [r for r in rep["root_cause_lines"] if r["root"]]
    assert [r["line_number"] for r in root] == [3]
    assert rep["root_cause_lines"][-1]["line_number"] == 9  # the whole trace
    assert rep["likely_causes"][0]["pattern_id"] == "connection-refused"
    assert rep["suggested_fixes"][0].startswith("Check that the service is running")
    assert [p["job_id"] for p in rep["similar_past_failures"]] == ["r-1", "r-0"]
    assert rep["next_steps"]


def test_debug_report_without_logs_or_history():
    rep = debug_report({"job_id": "x", "status": "timeout", "duration_s": 600}, None, None)
    assert rep["root_cause_lines"] == [] and rep["similar_past_failures"] == []
    assert any("timeout" in s for s in rep["next_steps"])


def test_builtin_patterns_are_valid():
    ids = [p.id for p in BUILTIN_PATTERNS]
    assert len(ids) == len(set(ids))
    assert {p.category for p in BUILTIN_PATTERNS} <= set(FAILURE_CATEGORIES)
    assert all(p.solutions for p in BUILTIN_PATTERNS)


def test_solutions_are_filled_from_groups():
    found = match_patterns("ModuleNotFoundError: No module named 'requests'")
    assert found[0][0].id == "py-module-not-found"
    assert found[0][1][0] == "pip install requests"


def test_learned_patterns_count_builtins_and_learn_new_fingerprints():
    failed = pl.DataFrame({
        "job_id": ["a", "b", "c", "d", "e"],
        "first_error": ["ModuleNotFoundError: No module named 'yaml'", "widget 7 exploded",
                        "widget 9 exploded", "ModuleNotFoundError: No module named 'x'",
                        "one-off glitch"],
        "failure_category": ["dependency", "runtime", "runtime", "dependency", "unknown"],
        "error_fingerprint": ["f1", "f2", "f2", "f3", "f4"],
        "started_at": [datetime(2024, 3, d, tzinfo=UTC) for d in range(1, 6)]})
    pats = learned_patterns(failed)
    by_id = {p.id: p for p in pats}
    assert pats[0].id == "py-module-not-found"
    assert by_id["py-module-not-found"].occurrences == 2
    assert by_id["py-module-not-found"].last_seen == datetime(2024, 3, 4, tzinfo=UTC)
    learned = by_id["learned-f2"]
    assert (learned.occurrences, learned.category) == (2, "runtime")
    assert match_patterns("widget 12 exploded", [learned])
    assert "learned-f4" not in by_id  # seen once: not a pattern yet
    assert len([p for p in pats if not p.id.startswith("learned-")]) == len(BUILTIN_PATTERNS)


def test_learned_patterns_on_empty_history():
    empty = pl.DataFrame(schema={"job_id": pl.String, "first_error": pl.String,
                                 "failure_category": pl.String, "error_fingerprint": pl.String,
                                 "started_at": pl.Datetime("us", "UTC")})
    pats = learned_patterns(empty)
    assert len(pats) == len(BUILTIN_PATTERNS) and all(p.occurrences == 0 for p in pats)
