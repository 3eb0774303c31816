"""API-key comparison and the loopback rule for ``orcaops serve`` (no web framework here).

The key guards every ``/orcaops`` route; the OpenAPI schema and its viewers (``/docs``,
``/redoc``, ``/openapi.json``) stay open because they reveal no run data and tell a client how
to authenticate.
"""

from __future__ import annotations

import hmac
import ipaddress


def key_matches(presented: str | None, expected: str) -> bool:
    """Constant-time comparison, so response timing does not leak how much of a key matched."""
    if presented is None:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1``; any other host is reachable by others."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
