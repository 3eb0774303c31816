"""Literal prefilters for Python regexes: substrings one of which every match must contain.

Python's ``re`` tries a pattern that does not start with a literal (``\\bfoo``, ``a|b``,
``(?i)...``) at every position of the text, so a knowledge-base pattern costs ~5 µs per
line of text searched even when nothing in it could match. Most such patterns still require
some literal text (``ECONNREFUSED``, ``out of memory``): a substring test (``str.__contains__``,
a fast C scan) rules a text out first, and the regex runs only where it may match.

The literals are derived from the parsed regex, never written by hand, so they cannot drift
from the pattern. A search through :class:`Prefiltered` returns exactly what ``re`` returns.
"""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11+
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

# A required literal: its text and whether it matches case-insensitively.
Literal = tuple[str, bool]
_REPEATS = tuple(getattr(_c, n) for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
                 if hasattr(_c, n))
_ATOMIC = getattr(_c, "ATOMIC_GROUP", None)


def _score(cands: frozenset[Literal]) -> tuple[int, int]:
    # The most selective set: the longest shortest literal, then the fewest literals.
    return min(len(t) for t, _ in cands), -len(cands)


def _seq(items: Any, ci: bool) -> frozenset[Literal] | None:
    """Literals one of which every match of the sequence ``items`` contains (None: unknown)."""
    best: frozenset[Literal] | None = None
    run: list[str] = []

    def take(cands: frozenset[Literal] | None) -> None:
        nonlocal best
        if cands and (best is None or _score(cands) > _score(best)):
            best = cands

    def flush() -> None:
        if run:
            take(frozenset({("".join(run), ci)}))
            run.clear()

    for op, av in items:
        if op is _c.LITERAL and (not ci or av < 128):
            run.append(chr(av))
            continue
        flush()
        if op is _c.SUBPATTERN:
            _, add, drop, sub = av
            inner = (ci or bool(add & re.IGNORECASE)) and not drop & re.IGNORECASE
            take(_seq(sub, inner))
        elif op is _c.BRANCH:
            alts = [_seq(sub, ci) for sub in av[1]]
            if all(alts):
                take(frozenset().union(*alts))  # type: ignore[arg-type]
        elif op in _REPEATS and av[0] >= 1:
            take(_seq(av[2], ci))
        elif _ATOMIC is not None and op is _ATOMIC:
            take(_seq(av, ci))
    flush()
    return best


def _minimal(cands: frozenset[Literal]) -> tuple[Literal, ...]:
    """Drop literals that contain another of the same kind (finding the shorter suffices)."""
    keep = [(t, ci) for t, ci in cands
            if not any(o != t and oc == ci and o in t for o, oc in cands)]
    return tuple(sorted(keep))


def required_literals(pattern: str, flags: int = 0) -> tuple[Literal, ...] | None:
    """Literals one of which occurs in every text the pattern matches.

    Args:
        pattern: A Python regex.
        flags: Its compile flags.

    Returns:
        ``(text, case_insensitive)`` pairs, or None when no literal is required (then every
        text may match). Case-insensitive literals are ASCII and lower-case.
    """
    parsed = _p.parse(pattern, flags)
    found = _seq(parsed.data, bool(parsed.state.flags & re.IGNORECASE))
    if found is None:
        return None
    return _minimal(frozenset((t.lower() if ci else t, ci) for t, ci in found))


class Prefiltered:
    """A compiled regex whose ``search`` first checks the pattern's required literals.

    Args:
        pattern: The regex.
        flags: Its compile flags.
    """

    __slots__ = ("regex", "pattern", "_exact", "_folded")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.regex = re.compile(pattern, flags)
        self.pattern = pattern
        lits = required_literals(pattern, flags)
        self._exact: tuple[str, ...] | None = None
        self._folded: tuple[str, ...] = ()
        if lits is not None:
            self._exact = tuple(t for t, ci in lits if not ci)
            self._folded = tuple(t for t, ci in lits if ci)

    def may_match(self, text: str) -> bool:
        """False only when the pattern cannot match ``text`` (no required literal in it)."""
        exact = self._exact
        if exact is None:
            return True
        for lit in exact:
            if lit in text:
                return True
        if self._folded:
            # ASCII case folding is what lower() does; other scripts have folds re knows and
            # lower() does not (U+017F matches 's'), so non-ASCII text goes to the regex.
            if not text.isascii():
                return True
            low = text.lower()
            for lit in self._folded:
                if lit in low:
                    return True
        return False

    def search(self, text: str) -> re.Match[str] | None:
        """``re.Pattern.search`` of the whole text."""
        return self.regex.search(text) if self.may_match(text) else None


__all__ = ["Prefiltered", "required_literals"]
