"""The HTTP API through a real server (``orcaops serve`` on a loopback port) and httpx."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import httpx
import polars as pl
import pytest

from orcaops.core.errors import ExecutorError, InputError, NotFoundError, QueryError, WarehouseError
from tests.server.conftest import RESET_IMAGE, SLASH_IMAGE, SLASH_RUNS, SLASH_SAMPLES


def test_search_get_returns_total_runs_and_facets(client: httpx.Client) -> None:
    r = client.get("/orcaops/runs", params={"q": "status:failed", "limit": 5})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"total", "runs", "facets"}
    assert body["total"] >= len(body["runs"]) and len(body["runs"]) <= 5
    assert all(run["status"] == "failed" for run in body["runs"])
    statuses = {f["value"]: f["count"] for f in body["facets"]["status"]}
    assert statuses == {"failed": body["total"]}


def test_search_matches_the_cli_json(client: httpx.Client, cli, served_home) -> None:
    query = "image:python* duration:>30"
    api = client.get("/orcaops/runs", params={"q": query, "limit": 7, "sort": "-duration"})
    res = cli("--home", str(served_home), "runs", "search", query, "--limit", "7",
              "--sort", "-duration", "--format", "json")
    assert res.exit_code == 0, res.stderr
    assert api.json() == json.loads(res.stdout)


def test_get_runs_search_is_the_same_search(client: httpx.Client) -> None:
    a = client.get("/orcaops/runs", params={"q": "tag:ci", "limit": 3}).json()
    b = client.get("/orcaops/runs/search", params={"q": "tag:ci", "limit": 3}).json()
    assert a == b


def test_post_search_with_chosen_facets(client: httpx.Client) -> None:
    r = client.post("/orcaops/runs/search",
                    json={"query": f'image:"{SLASH_IMAGE}"', "limit": 2,
                          "facets": ["status", "image"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == SLASH_RUNS and len(body["runs"]) == 2
    assert set(body["facets"]) == {"status", "image"}
    assert body["facets"]["image"] == [{"value": SLASH_IMAGE, "count": SLASH_RUNS}]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_post_search_exports_every_matching_run(client: httpx.Client, fmt: str) -> None:
    r = client.post("/orcaops/runs/search",
                    json={"query": f'image:"{SLASH_IMAGE}"', "limit": None, "format": fmt})
    assert r.status_code == 200, r.text
    if fmt == "csv":
        frame = pl.read_csv(io.BytesIO(r.content))
    elif fmt == "jsonl":
        frame = pl.DataFrame([json.loads(line) for line in r.text.splitlines()])
    else:
        frame = pl.read_parquet(io.BytesIO(r.content))
    assert frame.height == SLASH_RUNS and set(frame["image"]) == {SLASH_IMAGE}


def test_json_page_without_limit_is_refused(client: httpx.Client) -> None:
    r = client.post("/orcaops/runs/search", json={"query": "", "limit": None})
    assert r.status_code == 400
    assert "export format" in r.json()["error"]


def test_bad_query_is_400_with_the_cli_message_and_caret(client: httpx.Client, cli,
                                                         served_home) -> None:
    query = "status:failed duration:>"
    r = client.get("/orcaops/runs", params={"q": query})
    assert r.status_code == 400
    body = r.json()
    assert body["type"] == "QueryError"
    res = cli("--home", str(served_home), "runs", "search", query)
    assert res.exit_code == 2
    assert res.stderr == f"error: {body['error']}\n"
    assert body["error"].splitlines()[-1].strip() == "^"


def test_unknown_field_suggests_the_closest(client: httpx.Client) -> None:
    r = client.post("/orcaops/runs/search", json={"query": "stauts:failed"})
    assert r.status_code == 400 and "status" in r.json()["error"]


def test_one_run_its_logs_and_samples(client: httpx.Client) -> None:
    run = client.get("/orcaops/runs/srv-fail-01").json()
    assert run["status"] == "failed" and run["image"] == SLASH_IMAGE
    assert run["baseline_key"].startswith(SLASH_IMAGE + "|")
    assert client.get("/orcaops/runs/srv-fail").json()["job_id"] == "srv-fail-01"
    logs = client.get("/orcaops/runs/srv-fail-01/logs").json()
    assert logs["job_id"] == "srv-fail-01" and not logs["truncated"]
    assert [line["line_number"] for line in logs["lines"]] == list(range(1, 8))
    errors = client.get("/orcaops/runs/srv-fail-01/logs",
                        params={"level": "error", "limit": 1}).json()
    assert errors["returned"] == 1 and errors["truncated"]
    assert errors["lines"][0]["level"] in ("ERROR", "FATAL")
    grep = client.get("/orcaops/runs/srv-fail-01/logs", params={"grep": "REQUESTS"}).json()
    assert grep["returned"] == 2
    out = client.get("/orcaops/runs/srv-fail-01/logs", params={"stream": "stdout"}).json()
    assert out["returned"] == 0
    samples = client.get("/orcaops/runs/srv-fail-01/samples").json()
    assert samples[0]["memory_mb"] == 120.0


@pytest.mark.parametrize("path", ["/orcaops/runs/nope-123", "/orcaops/runs/nope-123/logs",
                                  "/orcaops/runs/nope-123/samples",
                                  "/orcaops/baselines/nope%7Cabc",
                                  "/orcaops/anomalies/0000/ack",
                                  "/orcaops/recommendations/0000/dismiss"])
def test_unknown_ids_are_404(client: httpx.Client, path: str) -> None:
    method = client.post if path.endswith(("ack", "dismiss")) else client.get
    r = method(path)
    assert r.status_code == 404, r.text
    assert r.json()["type"] == "NotFoundError" and r.json()["error"]


def test_ambiguous_prefix_is_400(client: httpx.Client) -> None:
    r = client.get("/orcaops/runs/srv-ok-")
    assert r.status_code == 400 and "several runs" in r.json()["error"]


def test_metrics_of_each_kind_with_a_window(client: httpx.Client) -> None:
    for kind in ("jobs", "resources", "sandboxes"):
        r = client.get(f"/orcaops/metrics/{kind}", params={"from": "2026-11-01", "by": "day"})
        assert r.status_code == 200, r.text
        assert isinstance(r.json(), list)
    jobs = client.get("/orcaops/metrics/jobs",
                      params={"from": "2026-11-10", "to": "2026-11-18"}).json()
    assert jobs and all("2026-11-10" <= row["bucket"][:10] < "2026-11-18" for row in jobs)
    bad = client.get("/orcaops/metrics/jobs", params={"from": "2026-11-18", "to": "2026-11-10"})
    assert bad.status_code == 400
    assert client.get("/orcaops/metrics/queues").status_code == 422


def test_baseline_keys_with_pipe_colon_and_slash(client: httpx.Client) -> None:
    listed = client.get("/orcaops/baselines", params={"all": True}).json()
    key = next(b["key"] for b in listed if b["key"].startswith(SLASH_IMAGE))
    assert "|" in key and "/" in key and ":" in key
    for path in (f"/orcaops/baselines/{quote(key, safe='')}",   # fully encoded
                 f"/orcaops/baselines/{quote(key, safe='/:')}"):  # '/' and ':' raw
        got = client.get(path)
        assert got.status_code == 200, (path, got.text)
        assert got.json()["key"] == key and got.json()["sample_count"] == SLASH_SAMPLES


def test_delete_resets_a_baseline_with_a_slash_key(client: httpx.Client) -> None:
    listed = client.get("/orcaops/baselines", params={"all": True}).json()
    key = next(b["key"] for b in listed if b["key"].startswith(RESET_IMAGE))
    reset = client.delete(f"/orcaops/baselines/{quote(key, safe='/:')}",
                          params={"note": "new suite"})
    assert reset.status_code == 200, reset.text
    assert reset.json()["key"] == key and reset.json()["sample_count"] == 0
    assert client.get(f"/orcaops/baselines/{quote(key, safe='')}").json()["sample_count"] == 0


def test_anomalies_list_and_ack(client: httpx.Client) -> None:
    found = client.get("/orcaops/anomalies").json()
    assert found, "the demo history has anomalies"
    first = found[0]
    acked = client.post(f"/orcaops/anomalies/{first['id']}/ack",
                        json={"resolution": "runner was overloaded"})
    assert acked.status_code == 200, acked.text
    assert acked.json()["acknowledged"] and acked.json()["resolution"] == "runner was overloaded"
    assert first["id"] not in {a["id"] for a in client.get("/orcaops/anomalies").json()}
    everything = client.get("/orcaops/anomalies", params={"all": True}).json()
    assert first["id"] in {a["id"] for a in everything}
    critical = client.get("/orcaops/anomalies", params={"severity": "critical"}).json()
    assert all(a["severity"] == "critical" for a in critical)


def test_recommendations_dismiss_and_apply(client: httpx.Client) -> None:
    recs = client.get("/orcaops/recommendations").json()
    assert len(recs) >= 2
    dismissed = client.post(f"/orcaops/recommendations/{recs[0]['id']}/dismiss").json()
    applied = client.post(f"/orcaops/recommendations/{recs[1]['id']}/apply").json()
    assert dismissed["state"] == "dismissed" and applied["state"] == "applied"
    open_ids = {r["id"] for r in client.get("/orcaops/recommendations").json()}
    assert not open_ids & {recs[0]["id"], recs[1]["id"]}
    assert client.post(f"/orcaops/recommendations/{recs[0]['id']}/delete").status_code == 422


def test_forecast_flaky_and_predict(client: httpx.Client) -> None:
    points = client.get("/orcaops/forecast", params={"metric": "runs", "horizon": "24h"}).json()
    assert len(points) == 24
    assert set(points[0]) == {"ts", "yhat", "yhat_lower", "yhat_upper"}
    cost = client.get("/orcaops/forecast", params={"metric": "cost", "horizon": "7d"}).json()
    assert len(cost) == 7
    assert client.get("/orcaops/forecast", params={"horizon": "soon"}).status_code == 400
    assert isinstance(client.get("/orcaops/flaky").json(), list)
    pred = client.get("/orcaops/predict", params={"image": SLASH_IMAGE,
                                                  "command": "make test"}).json()
    assert pred["sample_count"] >= SLASH_SAMPLES and pred["duration"]["estimated_seconds"] > 0


def test_sql_reads_and_refuses_writes(client: httpx.Client) -> None:
    r = client.post("/orcaops/sql", json={"sql": "SELECT job_id FROM runs WHERE image = ? "
                                                 "ORDER BY job_id", "params": [SLASH_IMAGE],
                                          "limit": 5})
    body = r.json()
    assert body["columns"] == ["job_id"] and body["total"] == SLASH_RUNS
    assert body["returned"] == 5 and body["truncated"]
    refused = client.post("/orcaops/sql", json={"sql": "DELETE FROM runs"})
    assert refused.status_code == 400 and "read-only" in refused.json()["error"]


def test_concurrent_requests_all_succeed(base_url: str) -> None:
    """Reads on the thread pool share one DuckDB connection; writes (baseline resets) go
    through the write lock while reads continue."""
    with httpx.Client(base_url=base_url, timeout=60) as c:
        listed = c.get("/orcaops/baselines", params={"all": True}).json()
    key = quote(next(b["key"] for b in listed if b["key"].startswith(RESET_IMAGE)), safe="")
    requests = [("GET", p) for p in (
        "/orcaops/runs?q=status:failed", "/orcaops/baselines", "/orcaops/anomalies",
        "/orcaops/metrics/jobs", "/orcaops/runs/srv-fail-01/logs", "/orcaops/forecast",
        "/orcaops/recommendations", "/orcaops/runs?q=log:requests&limit=3")] * 2
    requests += [("DELETE", f"/orcaops/baselines/{key}")] * 3

    def send(item: tuple[str, str]) -> int:
        with httpx.Client(base_url=base_url, timeout=60) as c:
            return c.request(*item).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(send, requests))
    assert codes == [200] * len(requests)


def test_wrong_method_is_405_naming_every_allowed_method(client: httpx.Client) -> None:
    r = client.request("PUT", "/orcaops/baselines/a%7Cb")
    assert r.status_code == 405 and r.headers["allow"] == "GET, DELETE"
    assert r.json() == {"error": "Method Not Allowed", "type": "HTTPError"}
    assert client.request("PATCH", "/orcaops/runs/search").headers["allow"] == "GET, POST"


def test_openapi_schema_and_docs_are_served(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    for path in ("/orcaops/runs", "/orcaops/runs/search", "/orcaops/runs/{job_id}",
                 "/orcaops/runs/{job_id}/logs", "/orcaops/metrics/{kind}",
                 "/orcaops/anomalies", "/orcaops/anomalies/{anomaly_id}/ack",
                 "/orcaops/baselines", "/orcaops/baselines/{key}",
                 "/orcaops/recommendations", "/orcaops/forecast"):
        assert path in schema["paths"], path
    assert "delete" in schema["paths"]["/orcaops/baselines/{key}"]
    assert client.get("/docs").status_code == 200


def test_summary_debug_and_failure_patterns(client: httpx.Client) -> None:
    summary = client.get("/orcaops/jobs/srv-fail-01/summary")
    assert summary.status_code == 200, summary.text
    assert summary.json()["job_id"] == "srv-fail-01" and summary.json()["one_liner"]
    debug = client.get("/orcaops/jobs/srv-fail-01/debug").json()
    assert {"summary", "likely_causes", "suggested_fixes", "similar_past_failures",
            "next_steps", "root_cause_lines"} <= set(debug)
    assert client.get("/orcaops/jobs/nope-1/summary").status_code == 404
    patterns = client.get("/orcaops/failure-patterns").json()
    assert patterns and {"id", "pattern", "category", "solutions"} <= set(patterns[0])


def test_html_report(client: httpx.Client) -> None:
    r = client.get("/orcaops/report", params={"since": "30d"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<html" in r.text.lower()
    bad = client.get("/orcaops/report", params={"since": "whenever"})
    assert bad.status_code == 400 and bad.json()["type"] == "InputError"


def test_analyze_a_log_given_as_text(client: httpx.Client) -> None:
    from tests.server.conftest import TRACEBACK

    r = client.post("/orcaops/logs/analyze", json={"text": "\n".join(TRACEBACK)})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["has_stacktrace"] and doc["first_error"]["line_number"] == 4


def test_doctor(client: httpx.Client) -> None:
    r = client.get("/orcaops/doctor")
    assert r.status_code == 200
    assert r.json()["tables"]["runs"]["rows"] > 0


@pytest.mark.parametrize("error,status", [
    (QueryError("bad", "q", 0), 400), (InputError("bad"), 400), (NotFoundError("gone"), 404),
    (WarehouseError("disk"), 500), (ExecutorError("engine"), 500)])
def test_library_errors_map_to_statuses(error: Exception, status: int) -> None:
    from orcaops.server.deps import status_for

    assert status_for(error) == status  # type: ignore[arg-type]


def test_run_diff(client):
    diff = client.get("/orcaops/runs/srv-fail-01/diff").json()
    assert diff["other_job_id"].startswith("srv-ok-")
    assert diff["other_reason"] == "last success of the same job"
    given = client.get("/orcaops/runs/srv-fail-01/diff", params={"other": "srv-ok-03"}).json()
    assert given["other_job_id"] == "srv-ok-03" and given["other_reason"] == "given"
    missing = client.get("/orcaops/runs/srv-fail-01/diff", params={"other": "nope-9"})
    assert missing.status_code == 404
