"""Keeping secrets out of storage: which env values are secret, and masking them in lines.

The rules themselves (which names look secret, which values look like credentials) belong to
``orcaops.logs``; this module only applies them to a job's environment and output.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from types import ModuleType

# Lower-case fragments, at least one of which is in every line that orcaops.logs'
# PREFILTER_RE lets through (a superset of it). The full redaction runs only on those lines:
# it costs ~70 us a line (quadratic on very long lines), and the regex prefilter itself
# ~28 us in Python; these substring tests cost a few.
_FRAGMENTS = ("pass", "pwd", "secret", "token", "key", "private", "cred", "auth", "bearer",
              "cookie", "dsn", "signature", "://", "akia", "asia", "ghp_", "gho_", "ghu_",
              "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "eyj", "sk_", "rk_", "sk-",
              "aiza", "npm_", "hf_", "sg.", "pypi-")


@functools.cache
def _redact() -> ModuleType:
    # Imported on first use: orcaops.logs brings polars (~0.5 s), and a job should not wait
    # for that to start -- by the time its first line needs masking, the job is running.
    from orcaops.logs import redact

    return redact


def _may_hold_secret(line: str) -> bool:
    low = line.lower()
    return any(fragment in low for fragment in _FRAGMENTS)


def redact_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment with secret values replaced, safe to store.

    Args:
        env: variable names and values.

    Returns:
        A new dict with the same names.
    """
    return dict(_redact().redact_env(dict(env)))


def secret_values(env: Mapping[str, str]) -> list[str]:
    """Values of ``env`` that are secret: these are masked wherever they appear in output.

    Args:
        env: the job's own environment (not the whole host environment).

    Returns:
        Secret values, longest first so a value containing another is masked whole.
    """
    return sorted(set(_redact().secret_values(dict(env))), key=len, reverse=True)


def mask_line(line: str, secrets: Iterable[str]) -> str:
    """One output line with secret values and credential-shaped strings masked.

    Why mask here and not only in the warehouse: the line is also spooled to disk and shown
    live, and neither may carry the secret.

    Args:
        line: the line as printed.
        secrets: values from ``secret_values``.

    Returns:
        The line safe to store and display.
    """
    # Shapes first: a literal masked first would leave the rest of a token the shape
    # rules then no longer recognise ("Bearer [REDACTED]tail").
    if _may_hold_secret(line):
        line = str(_redact().redact_text(line))
    return str(_redact().replace_literals(line, list(secrets)))
