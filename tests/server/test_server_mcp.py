"""The MCP server through the ``mcp`` SDK's stdio client: ``python -m orcaops --home H mcp`` is
spawned, its tools listed (each with an input schema) and every one of them called."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.server.conftest import RESET_IMAGE, SLASH_IMAGE, SLASH_RUNS, SLASH_SAMPLES, TRACEBACK

TOOLS = {"orcaops_search_runs", "orcaops_get_run", "orcaops_get_logs", "orcaops_job_summary",
         "orcaops_debug_job", "orcaops_check_anomalies", "orcaops_ack_anomaly",
         "orcaops_get_baselines", "orcaops_reset_baseline", "orcaops_get_recommendations",
         "orcaops_decide_recommendation", "orcaops_forecast", "orcaops_predict",
         "orcaops_metrics", "orcaops_flaky", "orcaops_failure_patterns", "orcaops_sql",
         "orcaops_analyze_log", "orcaops_doctor", "orcaops_diff_runs", "orcaops_tests",
         "orcaops_run_tests", "orcaops_artifacts", "orcaops_alerts", "orcaops_check_alerts",
         "orcaops_policies", "orcaops_rollback_policy"}


def payload(result: Any) -> Any:
    """The JSON a tool answered (its structured content, else its text)."""
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


async def session_calls(home: Path, script: Any) -> Any:
    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "orcaops", "--home", str(home), "mcp"],
                                   env=dict(os.environ))
    with anyio.fail_after(60):
        async with stdio_client(params) as streams, ClientSession(*streams) as session:
            await session.initialize()
            return await script(session)


async def call(session: ClientSession, name: str, **args: Any) -> Any:
    return payload(await session.call_tool(name, args))


async def exercise_every_tool(session: ClientSession) -> dict[str, Any]:
    seen: dict[str, Any] = {"tools": (await session.list_tools()).tools}
    await read_tools(session, seen)
    await write_tools(session, seen)
    await failing_calls(session, seen)
    return seen


async def read_tools(session: ClientSession, seen: dict[str, Any]) -> None:
    seen["search"] = await call(session, "orcaops_search_runs", limit=3, facets=True,
                                query=f'image:"{SLASH_IMAGE}"')
    seen["run"] = await call(session, "orcaops_get_run", job_id="srv-fail-01")
    seen["logs"] = await call(session, "orcaops_get_logs", job_id="srv-fail", level="error")
    seen["baseline"] = await call(session, "orcaops_get_baselines",
                                  key=seen["run"]["baseline_key"])
    seen["baselines"] = await call(session, "orcaops_get_baselines", limit=2)
    seen["forecast"] = await call(session, "orcaops_forecast", metric="runs", horizon="24h",
                                  limit=5)
    seen["predict"] = await call(session, "orcaops_predict", command="make test",
                                 image=SLASH_IMAGE)
    seen["metrics"] = await call(session, "orcaops_metrics", kind="jobs", since="2026-11-01")
    seen["flaky"] = await call(session, "orcaops_flaky")
    seen["sql"] = await call(session, "orcaops_sql", limit=2,
                             sql="SELECT job_id, status FROM runs ORDER BY job_id")
    seen["summary"] = await call(session, "orcaops_job_summary", job_id="srv-fail-01")
    seen["debug"] = await call(session, "orcaops_debug_job", job_id="srv-fail-01")
    seen["patterns"] = await call(session, "orcaops_failure_patterns", limit=3)
    seen["analyze"] = await call(session, "orcaops_analyze_log", text="\n".join(TRACEBACK))
    seen["doctor"] = await call(session, "orcaops_doctor")
    seen["diff"] = await call(session, "orcaops_diff_runs", job_id="srv-fail-01")
    seen["alerts"] = await call(session, "orcaops_alerts")
    seen["alert_history"] = await call(session, "orcaops_alerts", view="history")


async def write_tools(session: ClientSession, seen: dict[str, Any]) -> None:
    anomalies = await call(session, "orcaops_check_anomalies", limit=3)
    seen["anomalies"] = anomalies
    seen["ack"] = await call(session, "orcaops_ack_anomaly",
                             anomaly_id=anomalies["anomalies"][0]["id"], resolution="known")
    recs = await call(session, "orcaops_get_recommendations", limit=1)
    seen["recs"] = recs
    seen["decide"] = await call(session, "orcaops_decide_recommendation",
                                recommendation_id=recs["recommendations"][0]["id"],
                                decision="apply")
    await policy_tools(session, seen)
    deploy = await call(session, "orcaops_search_runs", query=f'image:"{RESET_IMAGE}"', limit=1)
    seen["reset"] = await call(session, "orcaops_reset_baseline",
                               key=deploy["runs"][0]["baseline_key"], note="test")
    seen["check_alerts"] = await call(session, "orcaops_check_alerts")


async def policy_tools(session: ClientSession, seen: dict[str, Any]) -> None:
    """Apply a memory recommendation (it becomes its key's run policy), then read and roll
    back that policy."""
    recs = await call(session, "orcaops_get_recommendations", include_closed=True, limit=50)
    memory = next(r for r in recs["recommendations"]
                  if r["evidence"]["rule"] == "memory_lower"
                  and r["evidence"]["baseline_key"].startswith("golang:"))
    await call(session, "orcaops_decide_recommendation", recommendation_id=memory["id"],
               decision="apply")
    key = memory["evidence"]["baseline_key"]
    seen["policy_rec"] = memory
    seen["policies"] = await call(session, "orcaops_policies")
    seen["policy"] = await call(session, "orcaops_policies", key=key)
    seen["rollback_policy"] = await call(session, "orcaops_rollback_policy", key=key,
                                         reason="test")
    seen["unknown_policy"] = await session.call_tool("orcaops_policies", {"key": "nope|0"})


async def failing_calls(session: ClientSession, seen: dict[str, Any]) -> None:
    """Raw results (no payload check): each must be a tool error."""
    for name, tool, args in (
            ("bad_query", "orcaops_search_runs", {"query": "duration:>"}),
            ("unknown_run", "orcaops_get_run", {"job_id": "nope-1"}),
            ("write_sql", "orcaops_sql", {"sql": "DROP VIEW runs"}),
            ("bad_args", "orcaops_search_runs", {"limit": "many"}),
            ("analyze_both", "orcaops_analyze_log", {"text": "x", "path": "/nope"}),
            ("unknown_alert", "orcaops_alerts", {"name": "nope"})):
        seen[name] = await session.call_tool(tool, args)


@pytest.fixture(scope="module")
def seen(served_home: Path) -> dict[str, Any]:
    return anyio.run(session_calls, served_home, exercise_every_tool)


def test_every_tool_is_listed_with_an_input_schema(seen: dict[str, Any]) -> None:
    tools = {t.name: t for t in seen["tools"]}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.input_schema["type"] == "object", tool.name
        assert tool.description and len(tool.description) > 20, tool.name
    assert tools["orcaops_get_run"].input_schema["required"] == ["job_id"]
    assert tools["orcaops_sql"].annotations.read_only_hint is True
    assert tools["orcaops_ack_anomaly"].annotations.read_only_hint is False


def test_alert_tools_answer_without_rules(seen: dict[str, Any]) -> None:
    # The served home has no rules of its own (another test's requests could add one).
    assert set(seen["alerts"]) == {"total", "returned", "truncated", "rules"}
    assert set(seen["alert_history"]) == {"total", "returned", "truncated", "events"}
    assert seen["check_alerts"]["evaluated"] == seen["alerts"]["total"]
    assert set(seen["check_alerts"]) >= {"events", "resent", "deliveries", "values"}
    assert seen["unknown_alert"].is_error
    assert "no alert rule named 'nope'" in seen["unknown_alert"].content[0].text


def test_lists_are_truncated_with_totals(seen: dict[str, Any]) -> None:
    search = seen["search"]
    assert search["total"] == SLASH_RUNS and search["returned"] == 3 and search["truncated"]
    assert set(search["runs"][0]) <= {"job_id", "status", "image", "command", "started_at",
                                      "duration_s", "exit_code", "tags", "intent",
                                      "failure_category", "first_error", "baseline_key"}
    assert search["facets"]["image"] == [{"value": SLASH_IMAGE, "count": SLASH_RUNS}]
    assert seen["baselines"]["returned"] == 2 and seen["baselines"]["total"] > 2
    assert seen["forecast"]["total"] == 24 and seen["forecast"]["returned"] == 5
    assert seen["sql"]["columns"] == ["job_id", "status"] and seen["sql"]["returned"] == 2


def test_runs_logs_and_baselines(seen: dict[str, Any]) -> None:
    run = seen["run"]
    assert run["job_id"] == "srv-fail-01" and run["status"] == "failed"
    assert run["error_lines"]["returned"] >= 1
    assert "env" not in run.get("environment", {})
    assert seen["logs"]["job_id"] == "srv-fail-01"
    assert all(line["level"] in ("ERROR", "FATAL") for line in seen["logs"]["lines"])
    assert seen["baseline"]["key"] == run["baseline_key"]
    assert seen["baseline"]["sample_count"] == SLASH_SAMPLES
    assert seen["reset"]["sample_count"] == 0
    assert seen["predict"]["sample_count"] >= SLASH_SAMPLES


def test_writes_answer_the_changed_item(seen: dict[str, Any]) -> None:
    assert seen["ack"]["acknowledged"] and seen["ack"]["resolution"] == "known"
    assert seen["decide"]["state"] == "applied"


def test_policy_tools_show_and_roll_back_an_applied_recommendation(
        seen: dict[str, Any]) -> None:
    rec = seen["policy_rec"]
    key = rec["evidence"]["baseline_key"]
    assert key in {p["baseline_key"] for p in seen["policies"]["policies"]}
    policy = seen["policy"]
    assert policy["baseline_key"] == key
    assert policy["memory_mb"] == rec["evidence"]["suggested_limit_mb"]
    assert policy["history"][-1]["recommendation_id"] == rec["id"]
    undo = seen["rollback_policy"]
    assert (undo["change"], undo["changed_by"], undo["reason"]) == ("rolled_back", "manual",
                                                                    "test")
    assert undo["after"]["memory_mb"] is None
    assert seen["unknown_policy"].is_error
    assert "no run policy for key 'nope|0'" in seen["unknown_policy"].content[0].text


def test_log_intelligence_tools(seen: dict[str, Any]) -> None:
    assert seen["summary"]["job_id"] == "srv-fail-01" and seen["summary"]["one_liner"]
    assert {"summary", "likely_causes", "suggested_fixes", "similar_past_failures",
            "next_steps", "root_cause_lines"} <= set(seen["debug"])
    patterns = seen["patterns"]
    assert patterns["returned"] <= 3 and patterns["total"] >= patterns["returned"]
    assert seen["analyze"]["failure_category"] and seen["analyze"]["has_stacktrace"]
    assert seen["analyze"]["first_error"]["text"].startswith("ModuleNotFoundError")
    assert {"home", "tables"} <= set(seen["doctor"])


def test_errors_come_back_as_tool_errors_with_the_message(seen: dict[str, Any]) -> None:
    bad = seen["bad_query"]
    assert bad.is_error
    text = bad.content[0].text
    assert "QueryError: Unexpected end of query at column 11" in text
    assert text.endswith("\n  duration:>\n            ^")
    assert seen["unknown_run"].is_error and "nope-1" in seen["unknown_run"].content[0].text
    assert seen["write_sql"].is_error and "read-only" in seen["write_sql"].content[0].text
    assert seen["bad_args"].is_error
    assert seen["analyze_both"].is_error and "not both" in seen["analyze_both"].content[0].text


def test_diff_tool_compares_with_the_last_success(seen: dict[str, Any]) -> None:
    diff = seen["diff"]
    assert diff["job_id"] == "srv-fail-01" and diff["other_job_id"].startswith("srv-ok-")
    texts = [line["text"] for line in diff["new_lines"]]
    assert "Traceback (most recent call last):" in texts and "ERROR make: *** [test] Error 1" in texts
    status = next(f for f in diff["fields"] if f["name"] == "status")
    assert (status["a"], status["b"]) == ("failed", "success")


def test_mcp_queries_are_bounded_in_time(tmp_path: Path) -> None:
    """An agent's endless SQL is stopped like the HTTP server's (it held the reader before)."""
    import time

    import orcaops
    from orcaops.core.errors import InputError
    from orcaops.server.mcp_server import create_mcp
    from orcaops.server.mcp_tools import OrcaOpsTools

    wh = orcaops.open(tmp_path / "home")
    create_mcp(wh, query_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(InputError, match="ran longer than 0.5 s"):
        OrcaOpsTools(wh).orcaops_sql(sql="SELECT count(*) AS n FROM range(10000000) a, "
                                         "range(1000000) b WHERE (a.range * b.range) % 7 = 3")
    assert time.monotonic() - started < 30
