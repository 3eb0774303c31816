"""API-key auth through a real server started with ORCAOPS_API_KEY, and the key rules."""

from __future__ import annotations

import httpx
import pytest

from orcaops.server.auth import is_loopback, key_matches
from tests.server.conftest import API_KEY


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"X-API-Key": "wrong"}, {"Authorization": API_KEY},
                                     {"Authorization": f"Basic {API_KEY}"}])
def test_requests_without_the_key_are_401(keyed_url: str, headers: dict[str, str]) -> None:
    for method, path in (("GET", "/orcaops/runs"), ("GET", "/orcaops/health"),
                         ("GET", "/orcaops/baselines/a%7Cb"), ("DELETE", "/orcaops/baselines/x"),
                         ("POST", "/orcaops/anomalies/x/ack"), ("GET", "/orcaops/report")):
        r = httpx.request(method, keyed_url + path, headers=headers, timeout=30)
        assert r.status_code == 401, (method, path, r.text)
        assert r.json()["type"] == "Unauthorized"
        assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("headers", [{"Authorization": f"Bearer {API_KEY}"},
                                     {"authorization": f"bearer {API_KEY}"},
                                     {"X-API-Key": API_KEY}])
def test_either_header_with_the_key_is_accepted(keyed_url: str,
                                                headers: dict[str, str]) -> None:
    r = httpx.get(f"{keyed_url}/orcaops/runs", params={"q": "status:failed", "limit": 1},
                  headers=headers, timeout=30)
    assert r.status_code == 200 and r.json()["total"] > 0
    bad = httpx.get(f"{keyed_url}/orcaops/runs", params={"q": "status:"}, headers=headers,
                    timeout=30)
    assert bad.status_code == 400  # authenticated, then judged


def test_schema_and_docs_stay_open_and_declare_the_schemes(keyed_url: str) -> None:
    schema = httpx.get(f"{keyed_url}/openapi.json", timeout=30).json()
    assert set(schema["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyHeader"}
    assert "401" in schema["paths"]["/orcaops/runs"]["get"]["responses"]
    assert httpx.get(f"{keyed_url}/docs", timeout=30).status_code == 200


def test_server_without_a_key_documents_no_security(base_url: str) -> None:
    schema = httpx.get(f"{base_url}/openapi.json", timeout=30).json()
    assert "securitySchemes" not in schema.get("components", {})


def test_key_comparison() -> None:
    assert key_matches("abc", "abc")
    assert not key_matches("abd", "abc") and not key_matches(None, "abc")
    assert not key_matches("", "abc") and not key_matches("abcd", "abc")
    assert key_matches("ключ", "ключ")


@pytest.mark.parametrize("host,loopback", [("127.0.0.1", True), ("127.1.2.3", True),
                                           ("localhost", True), ("::1", True),
                                           ("[::1]", True), ("0.0.0.0", False),
                                           ("::", False), ("192.168.1.10", False),
                                           ("example.com", False)])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
