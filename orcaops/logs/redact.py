"""Secret redaction for log lines and environments (secrets never reach storage).

Two kinds of evidence mark a secret: its *shape* (an AWS key id, a GitHub token, a JWT, a URL
with a password, a PEM private key) and its *name* (``password=…``, ``API_KEY``). Shapes are
specific enough that ordinary text — 40-hex commit hashes, UUIDs, ``sha256:`` digests — never
matches; names are split into parts so ``KEYBOARD`` or ``MAX_TOKENS`` are not taken for secrets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

import polars as pl

from orcaops.logs.rx import ascii_rx

REDACTED = "[REDACTED]"

# Token shapes that are secrets wherever they appear.
_SHAPES: tuple[str, ...] = (
    r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",  # AWS access key ids (long-term, temporary)
    r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b",            # GitHub classic tokens
    r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b",          # GitHub fine-grained tokens
    r"\bglpat-[A-Za-z0-9_\-]{20,}",                  # GitLab personal access tokens
    r"\bxox[abposre]-[A-Za-z0-9\-]{10,}",            # Slack tokens
    r"https://hooks\.slack\.com/services/[A-Za-z0-9/_\-]+",
    r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",  # JWT
    r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b",      # Stripe
    r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{32,}",      # OpenAI / Anthropic style keys
    r"\bAIza[0-9A-Za-z_\-]{35}\b",                   # Google API key
    r"\bnpm_[A-Za-z0-9]{36}\b",
    r"\bhf_[A-Za-z0-9]{30,}\b",
    r"\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}",  # SendGrid
    r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}",
)
_SHAPE_RE = re.compile("|".join(_SHAPES))
_SHAPE_HINTS = ("AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox",
                "hooks.slack", "eyJ", "k_live_", "k_test_", "sk-", "AIza", "npm_", "hf_", "SG.",
                "pypi-")
SHAPE_HINT_RE = "|".join(re.escape(h) for h in _SHAPE_HINTS)
_FLAG_HINTS = ("-password", "-passwd", "-token", "-secret", "-api-key", "-apikey", "-auth-token")
_KV_HINTS = ("pass", "pwd", "secret", "token", "key", "cred", "auth", "cookie", "dsn",
             "signature", "private")
_URL_CRED_RE = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@]*:)([^\s@/]+)(@)")
_AUTH_HEADER_RE = re.compile(
    r"(?i)\b((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?"
    r"(?:(?:bearer|basic|token|digest|negotiate|bot)\s+)?)([^\s\"',;]+)")
_BEARER_RE = re.compile(r"(?i)\b(bearer\s+)([A-Za-z0-9\-._~+/]{12,}=*)")
_FLAG_RE = re.compile(r"(?i)(--?(?:password|passwd|token|secret|api-key|apikey|auth-token)(?:=|\s+))"
                      r"([^\s\-][^\s]*)")
# The look-behind starts keys at word starts only: without it every position inside a word is
# retried (quadratic in the word length).
_KV_RE = re.compile(r"(?<![\w.\-])([A-Za-z_][\w.\-]*)([\"']?\s*[:=]\s*[\"']?)([^\s\"',;&}\]:][^\s\"',;&}\]]*)")
_PEM_RE = re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY((?: BLOCK)?)-----.*?"
                     r"(?:-----END \1PRIVATE KEY\2-----|\Z)", re.S)
PEM_BEGIN_RE = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
PEM_END_RE = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
# A cheap first pass (run in Rust over the whole column) that every line with a secret passes.
_PREFILTER_WORDS = (r"passw|pwd|passphrase|pass[\"']?[ \t]*=|secret|token|api[ _.\-]?key|"
                    r"access[ _.\-]?key|private|key[\"']?[ \t]*[=:]|cred|auth|bearer|cookie|dsn|"
                    r"signature|hooks\.slack|AKIA|ASIA|gh[pousr]_|github_pat_|glpat-|xox|eyJ|"
                    r"[sr]k_|sk-|AIza|npm_|hf_|SG\.|pypi-")
_PREFILTER_URL = r"://[^/\s@]*:[^/\s@]*@"
PREFILTER_RE = f"(?i){_PREFILTER_WORDS}|{_PREFILTER_URL}"
# The Rust twin: ASCII-only case folding for the words ("k" would otherwise also match the
# Kelvin sign, which slows Rust's DFA), the URL part kept Unicode-safe.
_PREFILTER_RUST = f"(?i-u:{_PREFILTER_WORDS})|{ascii_rx(_PREFILTER_URL)}"

_STRONG = frozenset({"TOKEN", "SECRET", "SECRETS", "PASSWORD", "PASSWORDS", "PASSWD", "PASS",
                     "PASSPHRASE", "PWD", "CREDENTIAL", "CREDENTIALS", "CREDS", "APIKEY",
                     "AUTH", "AUTHORIZATION", "PRIVATE", "COOKIE", "DSN", "SIGNATURE",
                     "ACCESSTOKEN", "SECRETKEY", "PRIVATEKEY", "CLIENTSECRET"})
_STRONG_COLON = _STRONG - {"PASS", "AUTH", "PWD"} | {"KEY"}
# A name whose last part says it holds metadata about a secret, not the secret.
_META = frozenset({"FILE", "PATH", "DIR", "NAME", "ID", "TYPE", "SIZE", "LENGTH", "LEN", "COUNT",
                   "MIN", "MAX", "PREFIX", "FORMAT", "FIELD", "COLUMN", "ENDPOINT", "EXPIRY",
                   "EXPIRES", "TTL", "TIMEOUT", "HEADER", "POLICY", "REQUIRED", "ENABLED",
                   "PROMPT", "SOCK", "URI_TEMPLATE", "VERSION", "MODE", "METHOD", "PROVIDER"})
_BENIGN_KEY = frozenset({"PUBLIC", "CACHE", "PRIMARY", "SORT", "PARTITION", "FOREIGN", "HOT",
                         "MAP", "LAYOUT", "BOARD", "ROUTING", "SHARD", "IDEMPOTENCY", "DEDUP",
                         "LOOKUP", "HASH", "INDEX", "GROUP", "OBJECT", "S3", "REDIS"})
_SAFE_ENV = frozenset({"PWD", "OLDPWD", "SSH_AUTH_SOCK", "GPG_AGENT_INFO", "XAUTHORITY",
                       "KEYMAP", "GIT_ASKPASS", "SSH_ASKPASS", "SUDO_ASKPASS"})
_PLACEHOLDER_RE = re.compile(r"^(?:\**|\[REDACTED\]?|<[^>]*>?|\$\{?\w*\}?|%s|%\(\w+\)s|null|none|"
                             r"true|false|x+|\.\.\.|\?+|bearer|basic|token|digest|negotiate)$", re.I)


def name_parts(name: str) -> list[str]:
    """Upper-case parts of an identifier: ``apiKey`` and ``API_KEY`` both give ``API, KEY``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [p for p in re.split(r"[^A-Za-z0-9]+", spaced.upper()) if p]


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """Whether a variable or field of this name holds a secret.

    Args:
        name: An environment variable, JSON key or ``key=value`` key.

    Returns:
        True when one part of the name is a secret word (``DB_PASSWORD``, ``githubToken``) or it
        names a key that is not obviously benign (``API_KEY`` yes, ``CACHE_KEY`` no), unless the
        last part says the value is metadata (``PASSWORD_FILE``, ``TOKEN_TYPE``).
    """
    parts = name_parts(name)
    if not parts or parts[-1] in _META:
        return False
    if any(p in _STRONG for p in parts):
        return True
    if "KEY" in parts or "KEYS" in parts:
        others = [p for p in parts if p not in ("KEY", "KEYS")]
        return bool(others) and not all(p in _BENIGN_KEY for p in others)
    return False


def _kv_sub(m: re.Match[str]) -> str:
    key, sep, value = m.group(1), m.group(2), m.group(3)
    # The name test first: it is cached and rules out almost every pair.
    if not is_secret_name(key) or value.startswith(REDACTED) or _PLACEHOLDER_RE.match(value):
        return m.group(0)
    # "key: value" is also how prose and test runners write ("--- PASS: TestX",
    # "auth: ok"): with a colon, a bare PASS/AUTH name is not enough.
    if "=" not in sep and not set(name_parts(key)) & _STRONG_COLON:
        return m.group(0)
    return f"{key}{sep}{REDACTED}"


def _redact_line(text: str, shaped: bool | None = None) -> str:
    # Substring tests first: they cost nanoseconds, the regexes microseconds per line.
    if shaped if shaped is not None else any(h in text for h in _SHAPE_HINTS):
        text = _SHAPE_RE.sub(REDACTED, text)
    if "://" in text and "@" in text:
        text = _URL_CRED_RE.sub(rf"\1{REDACTED}\3", text)
    low = text.lower()
    if "authorization" in low:
        text = _AUTH_HEADER_RE.sub(lambda m: m.group(0) if m.group(2).startswith(REDACTED)
                                   else m.group(1) + REDACTED, text)
    if "bearer" in low:
        text = _BEARER_RE.sub(rf"\1{REDACTED}", text)
    if "-" in low and any(w in low for w in _FLAG_HINTS):
        text = _FLAG_RE.sub(rf"\1{REDACTED}", text)
    if ("=" in text or ":" in text) and any(w in low for w in _KV_HINTS):
        text = _KV_RE.sub(_kv_sub, text)
    return text


def _pem_sub(m: re.Match[str]) -> str:
    # Keep the BEGIN/END lines and the line count; every body line becomes the marker.
    lines = m.group(0).split("\n")
    if len(lines) == 1:
        head, tail = PEM_BEGIN_RE.search(lines[0]), PEM_END_RE.search(lines[0])
        return "".join([head.group(0) if head else "", REDACTED, tail.group(0) if tail else ""])
    end = lines[-1] if PEM_END_RE.search(lines[-1]) else None
    body = lines[1:-1] if end is not None else lines[1:]
    return "\n".join([lines[0], *[REDACTED] * len(body), *([end] if end is not None else [])])


def replace_literals(text: str, secrets: Sequence[str]) -> str:
    """Mask literal secret values (longest first, so one secret inside another is fully hidden)."""
    for s in sorted((s for s in secrets if s and len(s) >= 3), key=len, reverse=True):
        if s in text:
            text = text.replace(s, REDACTED)
    return text


def redact_text(text: str, secrets: Sequence[str] = ()) -> str:
    """Redact credentials from text.

    Args:
        text: One line or a whole log; PEM private key blocks may span lines.
        secrets: Literal values (for example from secret environment variables) masked wherever
            they appear.

    Returns:
        The text with each secret replaced by ``[REDACTED]`` (names and ``Bearer`` kept, so the
        line still reads: ``password=[REDACTED]``).
    """
    if secrets:
        text = replace_literals(text, secrets)
    if "PRIVATE KEY" in text:
        text = _PEM_RE.sub(_pem_sub, text)
    if "\n" in text:
        return "\n".join(_redact_line(ln) for ln in text.split("\n"))
    return _redact_line(text)


def redact_env(env: Mapping[str, str]) -> dict[str, str]:
    """Sanitize an environment before it is stored.

    Args:
        env: Variable names to values.

    Returns:
        A copy where values of secret-looking names (``GITHUB_TOKEN``, ``DB_PASSWORD``,
        ``AWS_SECRET_ACCESS_KEY``, but not ``KEYBOARD`` or ``PWD``) are ``[REDACTED]`` and other
        values have credential shapes (tokens, URL passwords) redacted.
    """
    out: dict[str, str] = {}
    for name, value in env.items():
        value = "" if value is None else str(value)
        if name not in _SAFE_ENV and value and is_secret_name(name):
            out[name] = REDACTED
        else:
            out[name] = redact_text(value) if value else value
    return out


def secret_values(env: Mapping[str, str]) -> list[str]:
    """Values of the secret-named variables of ``env``: the literals to mask in log lines."""
    return [v for k, v in env.items()
            if v and len(v) >= 4 and k not in _SAFE_ENV and is_secret_name(k)]


def _redact_pem_rows(values: list[str]) -> None:
    """Redact PEM private-key bodies that span lines (BEGIN/END lines kept)."""
    inside = False
    for i, line in enumerate(values):
        if inside:
            if PEM_END_RE.search(line):
                inside = False
            else:
                values[i] = REDACTED
        elif PEM_BEGIN_RE.search(line):
            if PEM_END_RE.search(line):
                values[i] = redact_text(line)
            else:
                inside = True


def redact_rows(values: list[str], flagged: list[int], pem: bool,
                shaped: set[int] | None = None) -> None:
    """Redact the given rows of a run in place (the flags come from the run's Rust scan).

    Args:
        values: Cleaned lines.
        flagged: Rows passing :data:`PREFILTER_RE`.
        pem: Whether any row holds ``PRIVATE KEY`` (multi-line PEM blocks are handled first).
        shaped: Rows holding a token-shape hint (:data:`SHAPE_HINT_RE`); None: test here.
    """
    if pem:
        _redact_pem_rows(values)
    for i in flagged:
        values[i] = _redact_line(values[i], None if shaped is None else i in shaped)


def prefilter_exprs(col: str) -> list[pl.Expr]:
    """The Rust first pass of redaction: lines that may hold a secret (``secret``), and lines
    with a token-shape hint (``shape``), so Python skips the shape regex elsewhere."""
    c = pl.col(col)
    return [c.str.contains(_PREFILTER_RUST).alias("secret"),
            c.str.contains(SHAPE_HINT_RE).alias("shape")]


