"""Run policies over HTTP, from a real ``orcaops serve``: a key with ``|``, ``:`` and ``/``
listed, shown (raw or percent-encoded), rolled back, and bad keys answered 404/400."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

import orcaops
from orcaops.core.models import make_baseline_key
from tests.conftest import NOW, make_run
from tests.server.conftest import start_server, stop_server

IMAGE = "ghcr.io/acme/e2e:3.0"


def _history(command: str, prefix: str) -> list[dict]:
    """Fourteen runs of a job, two killed by its 30-minute timeout: a timeout
    recommendation."""
    out = []
    for i in range(14):
        start = NOW - timedelta(hours=20 - i)
        killed = i in (4, 11)
        took = 1800.0 if killed else 120.0 + i
        out.append(make_run(f"{prefix}-{i}", image=IMAGE, command=command,
                            status="timeout" if killed else "success",
                            exit_code=124 if killed else 0, started_at=start.isoformat(),
                            finished_at=(start + timedelta(seconds=took)).isoformat()))
    return out


@pytest.fixture(scope="module")
def policy_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    home: Path = tmp_path_factory.mktemp("policies") / "home"
    wh = orcaops.open(home)
    wh.import_records(_history("npm run e2e", "e2e") + _history("npm run e2e -- --ci", "ci"))
    for rec in wh.recommendations():
        if rec.evidence["rule"] == "timeout":
            wh.apply_recommendation(rec.id)
    proc, base = start_server(home)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            yield client
    finally:
        stop_server(proc)


def test_policies_are_listed_shown_and_rolled_back(policy_client: httpx.Client) -> None:
    key = make_baseline_key(IMAGE, "npm run e2e")
    listed = policy_client.get("/orcaops/policies").json()
    assert len(listed) == 2 and key in {p["baseline_key"] for p in listed}
    for path in (f"/orcaops/policies/{quote(key, safe='')}",      # fully encoded
                 f"/orcaops/policies/{quote(key, safe='/:')}"):   # '/' and ':' raw
        shown = policy_client.get(path)
        assert shown.status_code == 200, shown.text
        body = shown.json()
        assert body["baseline_key"] == key and body["timeout_s"] == body["history"][0][
            "evidence"]["suggested_timeout_s"]
        assert body["state"] == "trial" and body["runs_before"] == 14

    undo = policy_client.post(f"/orcaops/policies/{quote(key, safe='/:')}/rollback",
                              params={"reason": "too tight"})
    assert undo.status_code == 200, undo.text
    change = undo.json()
    assert (change["change"], change["changed_by"], change["reason"]) == (
        "rolled_back", "manual", "too tight")
    assert change["after"]["timeout_s"] is None
    assert key not in {p["baseline_key"] for p in policy_client.get("/orcaops/policies").json()}
    assert len(policy_client.get("/orcaops/policies", params={"all": True}).json()) == 2

    again = policy_client.post(f"/orcaops/policies/{quote(key, safe='')}/rollback")
    assert again.status_code == 400 and "nothing to roll back" in again.json()["error"]


def test_bad_keys(policy_client: httpx.Client) -> None:
    unknown = policy_client.get("/orcaops/policies/nope%7C0")
    assert unknown.status_code == 404 and unknown.json()["type"] == "NotFoundError"
    ambiguous = policy_client.get(f"/orcaops/policies/{quote(IMAGE, safe='/:')}%7C")
    assert ambiguous.status_code == 400 and "ambiguous" in ambiguous.json()["error"]
