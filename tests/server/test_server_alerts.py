"""Alert rules over HTTP, on a served home of its own: add, list, show, silence, check,
history, remove; and ``orcaops serve --alert-interval`` notifying a real webhook receiver
by itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import orcaops
from tests.alerts.conftest import Receiver, receiver  # noqa: F401  (the fixture)
from tests.conftest import make_run
from tests.server.conftest import start_server, stop_server


@pytest.fixture
def alert_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    """A server over a home holding three failed runs (at the served NOW), checking the
    alert rules every second."""
    home = tmp_path / "home"
    orcaops.open(home).import_records([
        make_run(f"h-{i}", status="failed", exit_code=1, started_at="2026-11-20T11:40:00Z",
                 finished_at="2026-11-20T11:41:00Z") for i in range(3)])
    proc, base = start_server(home, "--alert-interval", "1",
                              env={"ORCAOPS_ALERT_BACKOFF": "0.01", "ORCAOPS_ALERT_RETRIES": "2"})
    with httpx.Client(base_url=f"{base}/orcaops", timeout=30) as client:
        yield client
    stop_server(proc)


def wait_for(predicate, seconds: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_alert_rules_over_http(alert_client: httpx.Client,
                               receiver: Receiver) -> None:  # noqa: F811
    rule = {"name": "failing", "query": "status:failed", "window": "1h", "when": "count > 2",
            "notify": [f"webhook:{receiver.url}"]}
    added = alert_client.post("/alerts", json=rule)
    assert added.status_code == 200, added.text
    assert added.json()["state"] == "ok" and added.json()["channels"] == rule["notify"]

    # The server's own loop checks the rule: the firing arrives without a request.
    wait_for(lambda: receiver.bodies)
    assert receiver.states() == [[("failing", "firing")]]
    assert alert_client.get("/alerts/failing").json()["state"] == "firing"
    assert [r["name"] for r in alert_client.get("/alerts").json()] == ["failing"]

    check = alert_client.post("/alerts/check").json()
    assert check["evaluated"] == 1 and check["events"] == []
    silenced = alert_client.post("/alerts/failing/silence", json={"duration": "2h"}).json()
    assert silenced["silenced_until"] is not None
    history = alert_client.get("/alerts/history", params={"name": "failing"}).json()
    assert [(h["state"], h["delivered"]) for h in history] == [("firing", rule["notify"])]

    bad = alert_client.post("/alerts", json={**rule, "name": "b", "when": "count >"})
    assert bad.status_code == 400
    assert bad.json()["error"].endswith("count >\n        ^")
    taken = alert_client.post("/alerts", json=rule)
    assert taken.status_code == 400 and "exists" in taken.json()["error"]
    assert alert_client.get("/alerts/nope").status_code == 404
    assert alert_client.delete("/alerts/failing").json()["name"] == "failing"
    assert alert_client.get("/alerts").json() == []
    assert len(receiver.bodies) == 1
