"""Where notifications go, and sending them: webhook (JSON POST), Slack-compatible webhook,
e-mail over SMTP, and the log.

A channel is written ``scheme:target``: ``webhook:https://host/path``, ``slack:https://hooks…``,
``email:ops@example.com`` (several addresses separated by commas), ``log``. Secrets never
live in a rule: a URL may name environment variables as ``${VAR}`` (expanded when sending,
so ``webhook:${SLACK_HOOK}`` stores the name, not the URL), and the SMTP server and its
credentials come only from ``ORCAOPS_SMTP_URL``, ``ORCAOPS_SMTP_USER``,
``ORCAOPS_SMTP_PASSWORD`` and ``ORCAOPS_SMTP_FROM``. Messages about a failed delivery name the
channel as written, never the expanded URL or a password.

A send that fails is tried again ``ORCAOPS_ALERT_RETRIES`` times in all (default 3), waiting
``ORCAOPS_ALERT_BACKOFF`` seconds (default 1) and twice as long before each next try, each
try waiting at most ``ORCAOPS_ALERT_TIMEOUT`` seconds (default 10).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from orcaops.core.errors import InputError

SCHEMES = ("webhook", "slack", "email", "log")
LOG_FILE = "alerts.log"
logger = logging.getLogger("orcaops.alerts")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ADDRESS = re.compile(r"[^@\s,]+@[^@\s,]+")
_SECRET_VARIABLES = ("ORCAOPS_SMTP_PASSWORD", "ORCAOPS_SMTP_USER", "ORCAOPS_SMTP_URL")


@dataclass(frozen=True)
class Channel:
    """A parsed channel: ``scheme`` and ``target`` (a URL with ``${VAR}`` unexpanded, the
    addresses, or empty for the log); ``spec`` is the text as written."""

    spec: str
    scheme: str
    target: str


@dataclass(frozen=True)
class Message:
    """What one notification says: a title, plain text, and the alerts it carries (dicts
    naming rule, state, value, threshold, query, window, job ids) for webhook bodies."""

    title: str
    text: str
    alerts: tuple[dict[str, Any], ...] = ()

    def payload(self) -> dict[str, Any]:
        return {"source": "orcaops", "title": self.title, "text": self.text,
                "alerts": list(self.alerts)}


@dataclass(frozen=True)
class Delivery:
    """How sending to one channel went."""

    channel: str
    ok: bool
    attempts: int
    error: str | None = None


def parse_channel(spec: str) -> Channel:
    """Read ``webhook:URL``, ``slack:URL``, ``email:ADDR[,ADDR]`` or ``log``.

    Raises:
        InputError: an unknown scheme, a URL that is not http(s) or holds a password, or
            no valid address.
    """
    text = str(spec).strip()
    scheme, _, target = text.partition(":")
    scheme = scheme.lower()
    if scheme == "log" and not target:
        return Channel(text, "log", "")
    if scheme not in SCHEMES or not target:
        raise InputError(f"unknown channel {text!r}: use webhook:URL, slack:URL, "
                         "email:ADDRESS or log")
    if scheme in ("webhook", "slack"):
        _check_url(text, target)
    elif not all(_ADDRESS.fullmatch(a.strip()) for a in target.split(",")):
        raise InputError(f"bad e-mail channel {text!r}: use email:ops@example.com "
                         "(several addresses separated by commas)")
    return Channel(text, scheme, target.strip())


def _check_url(spec: str, url: str) -> None:
    if _VAR.fullmatch(url):
        return  # the whole URL comes from the environment when sending
    parts = urlsplit(_VAR.sub("x", url))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"bad webhook URL in {spec!r}: use http:// or https://, or "
                         "${VARIABLE} to read it from the environment")
    if parts.password:
        raise InputError(f"the channel {spec.split('@')[0].split(':')[0]}:… holds a password; "
                         "rules are stored, secrets are not: put the URL in an environment "
                         "variable and write webhook:${VARIABLE}")


def expand(text: str) -> str:
    """``text`` with ``${VAR}`` replaced from the environment.

    Raises:
        InputError: a variable is not set.
    """
    def value(m: re.Match[str]) -> str:
        if m.group(1) not in os.environ:
            raise InputError(f"environment variable {m.group(1)} is not set")
        return os.environ[m.group(1)]
    return _VAR.sub(value, text)


def _setting(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def send(spec: str, message: Message, home: Path) -> Delivery:
    """Send ``message`` to one channel, trying again with backoff; never raises for a
    failed send (the returned :class:`Delivery` says what went wrong)."""
    attempts = max(1, int(_setting("ORCAOPS_ALERT_RETRIES", 3)))
    wait = _setting("ORCAOPS_ALERT_BACKOFF", 1.0)
    error = None
    for attempt in range(1, attempts + 1):
        try:
            _send_once(parse_channel(spec), message, home)
            return Delivery(spec, True, attempt)
        except InputError as e:  # a variable not set: trying again will not help
            return Delivery(spec, False, attempt, _scrub(str(e)))
        except Exception as e:  # noqa: BLE001  (any network or server failure is reported)
            error = _scrub(_describe(e))
            logger.info("alert channel %s failed (try %d of %d): %s", spec, attempt,
                           attempts, error)
        if attempt < attempts:
            time.sleep(wait * 2 ** (attempt - 1))
    return Delivery(spec, False, attempts, error)


def _send_once(channel: Channel, message: Message, home: Path) -> None:
    timeout = _setting("ORCAOPS_ALERT_TIMEOUT", 10.0)
    if channel.scheme == "log":
        write_log(home, message)
    elif channel.scheme in ("webhook", "slack"):
        body = ({"text": f"*{message.title}*\n{message.text}"} if channel.scheme == "slack"
                else message.payload())
        post_json(expand(channel.target), body, timeout)
    else:
        from orcaops.alerts.smtp import send_email

        send_email([a.strip() for a in channel.target.split(",")], message.title,
                   message.text, timeout)


def post_json(url: str, body: dict[str, Any], timeout: float) -> None:
    """POST ``body`` as JSON; raises on anything but a 2xx answer."""
    import urllib.request

    request = urllib.request.Request(
        url, data=json.dumps(body, default=str).encode(), method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "orcaops-alerts"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (http(s) only)
        answer.read()


def write_log(home: Path, message: Message) -> None:
    """One line in ``<home>/alerts/alerts.log`` and a Python logging record."""
    folder = home / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = " | ".join(line.strip() for line in message.text.splitlines() if line.strip())
    with (folder / LOG_FILE).open("a", encoding="utf-8") as f:
        f.write(f"{stamp} {message.title}: {text}\n")
    logger.info("%s: %s", message.title, text)


def _describe(e: BaseException) -> str:
    import urllib.error

    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        return f"cannot reach the server: {e.reason}"
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def _scrub(text: str) -> str:
    """``text`` without the value of any secret it might echo (password, expanded URLs)."""
    secrets = [os.environ.get(name, "") for name in _SECRET_VARIABLES]
    secrets += [os.environ.get(name, "") for name in _VAR.findall(text)]
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
