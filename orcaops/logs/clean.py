"""Turning raw terminal output into the text a reader saw: ANSI escapes and ``\\r`` overwrites.

Everything here works on a whole column at once (polars, in Rust), because a per-line Python
loop costs more than the rest of parsing together.
"""

from __future__ import annotations

import re

import polars as pl

# CSI sequences (colours, cursor moves, erase line), OSC sequences (titles, hyperlinks) ended by
# BEL or ST, and the two-byte escapes. Written so the same text compiles in Rust and in Python.
ANSI_RE = (
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
)
_ANSI_PY = re.compile(ANSI_RE)
# CI markers a terminal does not show: Travis folds and step timers (written straight before the
# text, often with only an escape between: ``travis_time:end:...duration=123\x1b[0KThe command``)
# and GitHub Actions group markers (after the runner's timestamp when it wrote one: the
# timestamp stays for format detection). Removed before the escapes, which delimit them.
CI_MARKER_RE = (
    r"travis_fold:(?:start|end):[^\s\x1b]*"
    r"|travis_time:(?:start|end):[0-9a-f]*(?::start=\d+,finish=\d+,duration=\d+(?:,event=\w+)?)?"
    r"|##\[(?:end)?group\]"
)
_CI_MARKER_PY = re.compile(CI_MARKER_RE)


def split_lines(text: str) -> list[str]:
    """Split text into lines the way line numbers count them.

    Args:
        text: Whole log text.

    Returns:
        The ``\\n``-separated lines; a ``\\r`` just before ``\\n`` belongs to the newline, and a
        final newline does not start an empty last line.
    """
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def clean_expr(col: str) -> pl.Expr:
    """An expression giving the shown text of each line of ``col``.

    A ``\\r`` is a terminal overwrite: what remains on screen is the text after the last ``\\r``
    (trailing ``\\r`` are ignored, a progress bar ending in ``\\r`` still shows its last state).
    ANSI escapes are removed after the overwrite so an escape split by ``\\r`` cannot survive.

    Args:
        col: Name of a string column of raw lines.

    Returns:
        A polars expression of cleaned strings.
    """
    c = pl.col(col).str.strip_chars_end("\r")
    c = pl.when(c.str.contains("\r", literal=True)).then(c.str.replace(r"^.*\r", "")).otherwise(c)
    c = pl.when(c.str.contains("travis_", literal=True) | c.str.contains("##[", literal=True)
                ).then(c.str.replace_all(CI_MARKER_RE, "")).otherwise(c)
    return pl.when(c.str.contains("\x1b", literal=True) | c.str.contains("\x9b", literal=True)
                   ).then(c.str.replace_all(ANSI_RE, "").str.replace_all("[\x1b\x9b]", "")
                          ).otherwise(c)


def needs_cleaning(line: str) -> bool:
    """Whether :func:`clean_line` can change the line (cheap substring tests)."""
    return ("\r" in line or "\x1b" in line or "\x9b" in line or "travis_" in line
            or "##[" in line)


def clean_line(line: str) -> str:
    """The shown text of one line (the pure-Python twin of :func:`clean_expr`).

    Args:
        line: One raw line.

    Returns:
        The line with ``\\r`` overwrites applied, CI fold/timer markers and ANSI escapes
        removed.
    """
    line = line.rstrip("\r")
    if "\r" in line:
        line = line[line.rindex("\r") + 1:]
    if "travis_" in line or "##[" in line:
        line = _CI_MARKER_PY.sub("", line)
    if "\x1b" in line or "\x9b" in line:
        # Stray escape bytes (a sequence cut off by the line end) are not text either.
        line = _ANSI_PY.sub("", line).replace("\x1b", "").replace("\x9b", "")
    return line
