"""E-mail over SMTP (stdlib ``smtplib``), configured only through the environment.

``ORCAOPS_SMTP_URL``: ``smtp://host:587`` (STARTTLS when the server offers it) or
``smtps://host:465`` (TLS from the start); ``ORCAOPS_SMTP_USER`` and
``ORCAOPS_SMTP_PASSWORD`` to log in; ``ORCAOPS_SMTP_FROM`` the sender (default
``orcaops@<hostname>``).
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from email.message import EmailMessage
from urllib.parse import urlsplit

from orcaops.core.errors import InputError


def smtp_server() -> tuple[str, str, int]:
    """``(scheme, host, port)`` from ``ORCAOPS_SMTP_URL``.

    Raises:
        InputError: it is not set or not an smtp:// or smtps:// URL.
    """
    raw = os.environ.get("ORCAOPS_SMTP_URL", "").strip()
    if not raw:
        raise InputError("ORCAOPS_SMTP_URL is not set (e.g. smtp://mail.example.com:587)")
    parts = urlsplit(raw)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InputError("ORCAOPS_SMTP_URL must look like smtp://host:587 or smtps://host:465")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise InputError("ORCAOPS_SMTP_URL has a bad port") from None
    return parts.scheme, parts.hostname, port


def send_email(to: list[str], subject: str, text: str, timeout: float) -> None:
    """Send one plain-text message to ``to``; raises on any SMTP or network failure."""
    scheme, host, port = smtp_server()
    message = EmailMessage()
    message["From"] = os.environ.get("ORCAOPS_SMTP_FROM") or f"orcaops@{socket.gethostname()}"
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(text)
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if scheme == "smtps":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        smtp.ehlo()
        if scheme == "smtp" and smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
        user = os.environ.get("ORCAOPS_SMTP_USER")
        if user:
            smtp.login(user, os.environ.get("ORCAOPS_SMTP_PASSWORD", ""))
        smtp.send_message(message)
