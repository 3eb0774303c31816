"""Log levels: normalising what formats write, inferring what plain output means."""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from orcaops.logs.rx import ascii_rx

LEVEL_ORDER: dict[str, int] = {"DEBUG": 0, "INFO": 1, "WARN": 2, "ERROR": 3, "FATAL": 4}

_ALIASES: dict[str, tuple[str, ...]] = {
    "DEBUG": ("DEBUG", "DBG", "D", "V", "VERBOSE", "VERB", "TRACE", "TRC", "FINE", "FINER",
              "FINEST", "SILLY", "SILL", "10", "20", "7", "DEBUG1", "DEBUG2", "DEBUG3"),
    "INFO": ("INFO", "INF", "I", "INFORMATION", "INFORMATIONAL", "NOTICE", "NOTE", "HTTP",
             "CONFIG", "LOG", "TIMING", "30", "5", "6", "N", "STDOUT", "SUCCESS"),
    "WARN": ("WARN", "WARNING", "WRN", "W", "40", "4"),
    "ERROR": ("ERROR", "ERR", "ERR!", "E", "SEVERE", "FAILURE", "FAIL", "FAILED", "50", "3",
              "STDERR"),
    "FATAL": ("FATAL", "FTL", "F", "A", "ASSERT", "CRITICAL", "CRIT", "ALERT", "EMERG",
              "EMERGENCY", "PANIC", "DPANIC", "60", "0", "1", "2"),
}
LEVEL_MAP: dict[str, str] = {alias: lvl for lvl, names in _ALIASES.items() for alias in names}


@lru_cache(maxsize=1024)
def _normalize_text(text: str) -> str | None:
    text = text.strip().upper()
    if ":" in text:  # Apache 2.4 writes module:level
        text = text.rsplit(":", 1)[1]
    return LEVEL_MAP.get(text)


def normalize_level(raw: object) -> str | None:
    """The standard level for a level written by some format, or None if it is not a level.

    Args:
        raw: ``"WARNING"``, ``"Info"``, ``"E"`` (Android), ``50`` (pino), ``"core:error"``...

    Returns:
        One of ``DEBUG INFO WARN ERROR FATAL``, or None.
    """
    if raw is None:
        return None
    return _normalize_text(raw if isinstance(raw, str) else str(raw))


def _b(rx: str) -> str:
    # ASCII classes keep Rust's fast DFA (see orcaops.logs.rx).
    return ascii_rx(rx)


FATAL_RE = _b(
    r"^\s*(?:panic: |fatal error: |FATAL\b|Fatal error\b|Fatal Python error|"
    r"thread '[^']*' panicked at|Segmentation fault|Killed\s*$|Aborted \(core dumped\)|"
    r"Unhandled [Ee]xception)|\bOOMKilled\b|JavaScript heap out of memory|"
    r"java\.lang\.OutOfMemoryError|\bout of memory\b|\bOut of memory\b")
ERROR_RE = _b(
    r"\b(?:ERROR|FAILED|FAILURE)\b|\bERR!|\b(?:[Ee]rror|[Ff]atal|FAIL)(?:\[[\w\-]+\])?:|"
    r"\b[Ee]rror [A-Z]{1,4}\d{2,5}:|"
    r"^\s*Traceback \(most recent call last\)|"
    r"^\s*(?:[\w$]+\.)*[A-Z][\w$]*(?:Error|Exception|Exit|Interrupt|Failure)\b(?::|\s*$)|"
    r"^E {2,}\S|^\s*--- FAIL\b|^FAIL\b|\bException in thread\b|\bUncaught\b|"
    r"\bexit(?:ed)? (?:with )?(?:code|status) [1-9]|returned non-zero exit status|"
    r"\bcommand not found\b|No such file or directory|Permission denied|Connection refused|"
    r"\b[1-9]\d* (?:failed|errors?)\b|\b[Ff]ailed (?:to|with|because|at)\b|"
    r"\b(?:[Bb]uild|[Tt]ests?|[Jj]ob|[Cc]ommand|[Ss]tep|[Cc]ompilation) failed\b|"
    r"[✗✕✖❌]|\*\*\* .*Error \d+|^CMake Error\b")
WARN_RE = _b(r"\b(?:WARN|WARNING|Warning|warning)\b|DeprecationWarning|\bdeprecated\b|⚠")
DEBUG_RE = _b(r"^\s*\[?(?:DEBUG|TRACE|debug|trace)\b")


ANY_LEVEL_RE = "|".join(f"(?:{rx})" for rx in (FATAL_RE, ERROR_RE, WARN_RE, DEBUG_RE))


def infer_expr(col: str) -> pl.Expr:
    """The level plain output implies (compiler errors, tracebacks, ``npm ERR!``, warnings)."""
    c = pl.col(col)
    return (pl.when(c.str.contains(FATAL_RE)).then(pl.lit("FATAL"))
            .when(c.str.contains(ERROR_RE)).then(pl.lit("ERROR"))
            .when(c.str.contains(WARN_RE)).then(pl.lit("WARN"))
            .when(c.str.contains(DEBUG_RE)).then(pl.lit("DEBUG"))
            .otherwise(pl.lit("INFO")))
