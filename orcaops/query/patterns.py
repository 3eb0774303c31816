"""User wildcards and regexes, turned into values safe to bind.

Wildcards become ``LIKE``/``ILIKE`` patterns with ``\\`` as the ESCAPE character, so a ``%`` or
``_`` the user typed matches only itself. Regexes are checked here, before DuckDB sees them,
so a bad one is a QueryError with a position instead of a runtime failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ESCAPE = "\\"
_LIKE_SPECIAL = frozenset("%_\\")


@dataclass(frozen=True)
class Pattern:
    """A value as a LIKE pattern.

    Attributes:
        like: the pattern (``%``/``_`` wildcards, ``\\`` escapes).
        literal: the value with escapes removed, for exact comparisons when there is no wildcard.
        has_wildcard: whether ``*`` (or ``?`` where it is a wildcard) occurred unescaped.
    """

    like: str
    literal: str
    has_wildcard: bool


def to_pattern(raw: str, *, single_char: bool) -> Pattern:
    """Translate a typed value into a LIKE pattern.

    Args:
        raw: the value as typed; ``\\x`` makes any character x literal.
        single_char: whether ``?`` is a one-character wildcard (keyword fields) or literal
            (text fields, where people search for "what?").

    Returns:
        The pattern, the literal text, and whether a wildcard occurred.
    """
    like: list[str] = []
    literal: list[str] = []
    wildcard = False
    chars = iter(raw)
    for char in chars:
        if char == ESCAPE:
            char = next(chars, ESCAPE)
        elif char == "*" or (char == "?" and single_char):
            like.append("%" if char == "*" else "_")
            wildcard = True
            continue
        literal.append(char)
        like.append(ESCAPE + char if char in _LIKE_SPECIAL else char)
    return Pattern("".join(like), "".join(literal), wildcard)


# RE2 (DuckDB's regex engine) lacks these; Python's re accepts them, so check separately.
_RE2_UNSUPPORTED = (
    (re.compile(r"\(\?<?[=!]"), "lookaround assertions are not supported"),
    (re.compile(r"\(\?>"), "atomic groups are not supported"),
    (re.compile(r"\(\?\("), "conditional groups are not supported"),
    (re.compile(r"\(\?P="), "backreferences are not supported"),
    (re.compile(r"\\[1-9]"), "backreferences are not supported"),
    (re.compile(r"[*+?}]\+"), "possessive quantifiers are not supported"),
)


def check_regex(pattern: str) -> tuple[str, int] | None:
    """Find why a regex would fail in DuckDB.

    Args:
        pattern: the regex text (between the slashes).

    Returns:
        None when it is fine, else (reason, offset into ``pattern``).
    """
    try:
        re.compile(pattern)
    except re.error as exc:
        return str(exc.msg), exc.pos or 0
    except (RecursionError, OverflowError, ValueError) as exc:  # absurd nesting or sizes
        return str(exc), 0
    code = _unescaped_outside_classes(pattern)
    for finder, reason in _RE2_UNSUPPORTED:
        found = finder.search(code)
        if found:
            return reason, found.start()
    for found in re.finditer(r"\{(\d+)(?:,(\d*))?\}", code):
        if max(int(n) for n in found.groups() if n) > 1000:
            return "repetition counts above 1000 are not supported", found.start()
    return None


def _unescaped_outside_classes(pattern: str) -> str:
    """The pattern with escaped characters and [classes] blanked out, offsets kept.

    Lets the checks above look for syntax without mistaking ``\\(?=`` or ``[(?=]`` for it.
    Backreferences (``\\1``) stay visible because they are escapes.
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append("\\" + nxt if nxt in "123456789" and not in_class else "  ")
            i += 2
            continue
        if in_class:
            in_class = char != "]" or out[-1:] == ["["]
            out.append(" " if in_class else "]")
        else:
            in_class = char == "["
            out.append(char)
        i += 1
    return "".join(out)
