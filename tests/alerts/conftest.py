"""Real receivers for alert notifications: an HTTP server (stdlib ``http.server``) for webhooks
and an SMTP server (aiosmtpd) for e-mail, each on a free loopback port in this process."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SMTP_USER = "alerts-bot"
SMTP_PASSWORD = "pa55-Secret-0xC0FFEE"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries that wait milliseconds, and no channels or clock from the environment."""
    monkeypatch.setenv("ORCAOPS_ALERT_RETRIES", "2")
    monkeypatch.setenv("ORCAOPS_ALERT_BACKOFF", "0.01")
    monkeypatch.setenv("ORCAOPS_ALERT_TIMEOUT", "5")
    for name in ("ORCAOPS_ALERT_CHANNELS", "ORCAOPS_NOW", "ORCAOPS_SMTP_URL",
                 "ORCAOPS_SMTP_USER", "ORCAOPS_SMTP_PASSWORD", "ORCAOPS_SMTP_FROM"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class Receiver:
    """A webhook receiver: every POST body, and how many requests to fail with a 500 first."""

    url: str
    bodies: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0
    requests: int = 0

    def states(self) -> list[list[tuple[str, str]]]:
        """Per POST, the (rule, state) pairs it carried."""
        return [[(a["rule"], a["state"]) for a in b.get("alerts", [])] for b in self.bodies]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                state.requests += 1
                failing = state.fail_next > 0
                if failing:
                    state.fail_next -= 1
                else:
                    state.bodies.append(json.loads(body))
            self.send_response(500 if failing else 200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class Mailbox:
    """What the SMTP server received: (sender, recipients, subject, body) per message."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    def subjects(self) -> list[str]:
        return [m["subject"] for m in self.messages]


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = message_from_bytes(envelope.content)
        self.box.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                                  "subject": str(msg["Subject"]),
                                  "body": msg.get_payload(decode=True).decode()})
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """An SMTP server that asks for a login (plain text allowed: loopback), configured for
    OrcaOps through the environment only."""
    box = Mailbox()

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        box.logins.append((data.login.decode(), data.password.decode()))
        ok = (data.login.decode(), data.password.decode()) == (SMTP_USER, SMTP_PASSWORD)
        return AuthResult(success=ok)

    port = free_port()
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=port,
                            authenticator=authenticate, auth_require_tls=False)
    controller.start()
    monkeypatch.setenv("ORCAOPS_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("ORCAOPS_SMTP_USER", SMTP_USER)
    monkeypatch.setenv("ORCAOPS_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("ORCAOPS_SMTP_FROM", "orcaops@test.invalid")
    yield box
    controller.stop()
