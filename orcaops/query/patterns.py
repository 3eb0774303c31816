"""User wildcards and regexes, turned into values safe to bind.

Wildcards become ``LIKE``/``ILIKE`` patterns with ``\\`` as the ESCAPE character, so a ``%`` or
``_`` the user typed matches only itself. Regexes are checked here, before DuckDB sees them,
so a bad one is a QueryError with a position instead of a runtime failure.
"""

from __future__ import annotations

import re
import warnings
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


_REPEAT = re.compile(r"\{(\d+)(?:,(\d*))?\}")
_RE2_FLAGS = frozenset("imsU")  # the inline flags RE2 knows; Python also has a, L, u, x


def check_regex(pattern: str) -> tuple[str, int] | None:
    """Find why a regex would fail in DuckDB.

    Python's ``re`` catches syntax errors; a second pass catches what Python accepts but
    DuckDB's RE2 engine rejects (lookarounds, backreferences, some escapes and flags).

    Args:
        pattern: the regex text (between the slashes).

    Returns:
        None when it is fine, else (reason, offset into ``pattern``).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # FutureWarning about nested sets, etc.
            re.compile(pattern)
    except re.error as exc:
        return str(exc.msg), exc.pos or 0
    except (RecursionError, OverflowError, ValueError) as exc:  # absurd nesting or sizes
        return str(exc), 0
    return _re2_problem(pattern)


def _re2_problem(pattern: str) -> tuple[str, int] | None:
    i, class_start = 0, -1  # class_start >= 0 while inside [...]
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            problem = _escape_problem(pattern[i + 1], in_class=class_start >= 0)
            if problem:
                return problem, i
            i += 2
            continue
        if class_start >= 0:
            if char == "]" and i > class_start:
                class_start = -1
        elif char == "[":
            class_start = i + 1 + (pattern[i + 1:i + 2] == "^")
        else:
            problem = _syntax_problem(pattern, i)
            if problem:
                return problem, i
        i += 1
    return None


def _escape_problem(char: str, in_class: bool) -> str | None:
    if char in "123456789" and not in_class:
        return "backreferences are not supported"
    if char in "ZuUN" or (char == "b" and in_class):
        return f"the escape \\{char} is not supported"
    return None


def _syntax_problem(pattern: str, i: int) -> str | None:
    rest = pattern[i:]
    if rest.startswith("(?"):
        return _group_problem(rest[2:])
    if rest[:1] in ("*", "+", "?", "}") and rest[1:2] == "+" and i > 0:
        return "possessive quantifiers are not supported"
    repeat = _REPEAT.match(rest)
    if repeat and max(int(n) for n in repeat.groups() if n) > 1000:
        return "repetition counts above 1000 are not supported"
    return None


def _group_problem(ext: str) -> str | None:
    for prefix, reason in (
        (("=", "!", "<=", "<!"), "lookaround assertions are not supported"),
        ((">",), "atomic groups are not supported"),
        (("(",), "conditional groups are not supported"),
        (("P=",), "backreferences are not supported"),
        (("#",), "comments are not supported"),
    ):
        if ext.startswith(prefix):
            return reason
    if ext.startswith("P<"):
        return None
    flags = set(re.match(r"[A-Za-z-]*", ext).group()) - {"-"}  # type: ignore[union-attr]
    if flags - _RE2_FLAGS:
        return f"the inline flag(s) {''.join(sorted(flags - _RE2_FLAGS))} are not supported"
    return None
