"""Masking output lines: the fast pre-check never lets a line past that redaction would touch."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from orcaops.executors.secrets import _may_hold_secret, mask_line, secret_values
from orcaops.logs.redact import PREFILTER_RE, redact_text

_PREFILTER = re.compile(PREFILTER_RE)
_PIECES = ["pass", "PASSWD", "pwd", "Secret", "TOKEN", "api key", "Access-Key", "private",
           "key=", "cred", "Auth", "bearer ", "cookie", "dsn", "signature", "https://u:p@h",
           "AKIA", "ASIA", "ghp_", "github_pat_", "glpat-", "xoxb", "eyJ", "sk_", "rk_", "sk-",
           "AIza", "npm_", "hf_", "SG.", "pypi-", "x", " ", "=", ":", "'", '"', "/", "@"]


@settings(max_examples=400)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)), max_size=12))
def test_precheck_is_a_superset_of_the_log_prefilter(parts: list[str]) -> None:
    line = "".join(parts)
    if _PREFILTER.search(line):
        assert _may_hold_secret(line)
    if not _may_hold_secret(line):
        assert redact_text(line) == line


def test_mask_line() -> None:
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    assert mask_line(f"export GITHUB_TOKEN={token}", []) == "export GITHUB_TOKEN=[REDACTED]"
    assert mask_line("pw is hunter2-xyz!", ["hunter2-xyz"]) == "pw is [REDACTED]!"
    # The shape is redacted whole even when a secret value is a prefix of the token.
    assert mask_line("Authorization: Bearer abcdefghijklmnopqrst", ["abcdefgh"]) == (
        "Authorization: Bearer [REDACTED]")
    assert mask_line("x" * 40000, []) == "x" * 40000  # long lines stay fast


def test_secret_values_longest_first() -> None:
    env = {"API_TOKEN": "abcd", "DB_PASSWORD": "abcdefgh", "HOME": "/root"}
    assert secret_values(env) == ["abcdefgh", "abcd"]
