"""Known fixes for an error text, in words a person can act on (no ``?`` or ``<job_id>``).

The knowledge base's sentences name what the match captured (``Set {1} (orcaops run --env
{1}=...)``). When a pattern matched through an alternative that captures nothing ("missing
required config"), ``fill`` would leave a literal ``?``; such sentences are dropped here (a
description falls back to the pattern's title) instead of reaching a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orcaops.logs.knowledge import KnownPattern, fill, match_patterns

_SLOT = re.compile(r"\{\d+\}")


@dataclass(frozen=True)
class KnownFix:
    """One known pattern found in a text: the pattern, its description and its fixes."""

    pattern: KnownPattern
    description: str
    solutions: list[str]


def _groups(pattern: KnownPattern, text: str) -> tuple[str | None, ...]:
    m = re.compile(pattern.pattern, re.MULTILINE).search(text)
    return m.groups() if m else ()


def known_fixes(text: str) -> list[KnownFix]:
    """Known failure patterns in ``text``, with sentences filled from what the match captured.

    Args:
        text: A line, an error block or a whole log.

    Returns:
        One ``KnownFix`` per matching pattern, in knowledge-base order; sentences that would
        need a value the match did not capture are left out.
    """
    out = []
    for pattern, _ in match_patterns(text):
        groups = _groups(pattern, text)
        captured = any(groups)

        def usable(sentence: str, captured: bool = captured) -> bool:
            return captured or not _SLOT.search(sentence)

        description = (fill(pattern.description, groups) if usable(pattern.description)
                       else f"{pattern.title}.")
        out.append(KnownFix(pattern, description,
                            [fill(s, groups) for s in pattern.solutions if usable(s)]))
    return out


def solutions_for(text: str) -> list[str]:
    """The fixes of every known pattern in ``text``, each once, in knowledge-base order."""
    out: list[str] = []
    for fix in known_fixes(text):
        out += [s for s in fix.solutions if s not in out]
    return out
