"""Keeping secrets out of storage: which env values are secret, and masking them in lines.

The rules themselves (which names look secret, which values look like credentials) belong to
``orcaops.logs``; this module only applies them to a job's environment and output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

try:  # the log engineer's redaction; the fallback below keeps executors usable until it lands
    from orcaops.logs import redact_env as _redact_env
    from orcaops.logs import redact_text as _redact_text
    from orcaops.logs import secret_values as _secret_values
except ImportError:  # pragma: no cover - removed once orcaops.logs provides all three
    _redact_env = _redact_text = _secret_values = None

MASK = "***"
# Shorter values would mask ordinary words and digits all over the output.
_MIN_SECRET_LEN = 4
_SECRET_NAME_RE = re.compile(
    r"(TOKEN|SECRET|PASSWORD|PASSWD|PWD|KEY|CREDENTIAL|AUTH|PRIVATE|SESSION|COOKIE)", re.I)


def redact_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment with secret values replaced, safe to store.

    Args:
        env: variable names and values.

    Returns:
        A new dict with the same names.
    """
    if _redact_env is not None:
        return dict(_redact_env(dict(env)))
    return {k: (MASK if _SECRET_NAME_RE.search(k) and v else v) for k, v in env.items()}


def secret_values(env: Mapping[str, str]) -> list[str]:
    """Values of ``env`` that redaction hides: these are masked wherever they appear in output.

    Args:
        env: the job's own environment (not the whole host environment).

    Returns:
        Secret values, longest first so a value containing another is masked whole.
    """
    if _secret_values is not None:
        return sorted(set(_secret_values(dict(env))), key=len, reverse=True)
    redacted = redact_env(env)
    found = {v for k, v in env.items() if redacted.get(k) != v and len(v) >= _MIN_SECRET_LEN}
    return sorted(found, key=len, reverse=True)


def mask_line(line: str, secrets: Iterable[str]) -> str:
    """One output line with secret values and credential-shaped strings masked.

    Args:
        line: the line as printed.
        secrets: values from ``secret_values``.

    Returns:
        The line safe to store and display.
    """
    values = list(secrets)
    if _redact_text is not None:
        return str(_redact_text(line, secrets=values))
    for value in values:
        line = line.replace(value, MASK)
    return line
