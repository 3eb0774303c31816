"""Regex text that runs fast in Rust (polars) and means the same in Python.

Rust's ``regex`` crate makes ``\\d``, ``\\w``, ``\\s`` and ``\\b`` Unicode-aware, and their large
tables push its fast DFA out of its cache: far slower over a column of log lines than
the ASCII classes below. Log syntax (timestamps, levels, ids) is ASCII, so nothing is lost.
"""

from __future__ import annotations

from functools import lru_cache

_INSIDE = {"d": "0-9", "w": "0-9A-Za-z_", "s": " \\t\\f\\v"}
_OUTSIDE = {"d": "[0-9]", "w": "[0-9A-Za-z_]", "s": "[ \\t\\f\\v]", "S": "[^ \\t\\f\\v]",
            "b": "(?-u:\\b)"}


@lru_cache(maxsize=256)
def ascii_rx(rx: str) -> str:
    """Rewrite ``\\d \\w \\s \\S \\b`` (inside and outside classes) as ASCII classes.

    Args:
        rx: A regex without ``\\D``/``\\W`` inside character classes.

    Returns:
        The equivalent ASCII regex for Rust. ``(?-u:\\b)`` is Rust-only: use the result with
        polars; Python callers compile the original text.
    """
    out, i, depth = [], 0, 0
    while i < len(rx):
        c = rx[i]
        if c == "\\" and i + 1 < len(rx):
            nxt = rx[i + 1]
            table = _INSIDE if depth else _OUTSIDE
            out.append(table.get(nxt, c + nxt))
            i += 2
            continue
        if c == "[" and not depth:
            depth = 1
            out.append(c)
            # a ']' right after '[' or '[^' is a literal member
            if rx[i + 1:i + 2] == "^":
                out.append("^")
                i += 1
            if rx[i + 1:i + 2] == "]":
                out.append("\\]")
                i += 1
        elif c == "]" and depth:
            depth = 0
            out.append(c)
        else:
            out.append(c)
        i += 1
    return "".join(out)
