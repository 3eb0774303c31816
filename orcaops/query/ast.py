"""The search language's syntax tree: small frozen dataclasses, no SQL.

The parser builds these from the grammar; the compiler turns them into SQL. Positions are
0-based offsets into the query text, kept for error messages and left out of equality so
trees can be compared in tests without them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    """A value as typed: a bare word, or a quoted phrase without its quotes.

    ``raw`` keeps backslash escapes; wildcard handling and unescaping happen in the compiler,
    which knows whether ``*`` and ``?`` are wildcards for the field.
    """

    raw: str
    quoted: bool = False
    pos: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True)
class Regex:
    """A ``/regex/`` value; ``pattern`` is the text between the slashes, ``\\/`` unescaped."""

    pattern: str
    pos: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True)
class Comparison:
    """``>N``, ``>=N``, ``<N``, ``<=N`` or ``=N``."""

    op: str
    operand: Word
    pos: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True)
class Range:
    """``[low TO high]``, both ends inclusive; a ``*`` end is open (None)."""

    low: Word | None
    high: Word | None
    pos: int = dataclasses.field(default=0, compare=False)


Value = Word | Regex | Comparison | Range


@dataclass(frozen=True)
class Term:
    """``field:value``. ``field`` is the name as typed (``cmd``, ``meta.branch``)."""

    field: str
    value: Value
    pos: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True)
class Bare:
    """A bare word or quoted phrase: matches job_id, image, command, intent or a tag."""

    value: Word
    pos: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True)
class And:
    """All of ``items`` (explicit ``AND`` or juxtaposition)."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Any of ``items``."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """``NOT item`` or ``-item``: every run that ``item`` does not match."""

    item: Node


@dataclass(frozen=True)
class MatchAll:
    """The empty query: every run."""


Node = Term | Bare | And | Or | Not | MatchAll
