"""Line headers found by column statistics, for lines no registered format claims.

A program's log lines share a layout: the same fields (ids, node, component, state, epoch,
flag...) at the same whitespace-separated positions before the message, so over a run's lines
a header column either holds a number in nearly every line or comes from a small vocabulary,
while the message varies. The header ends at the last column that holds a number (or a level,
or a separator) in nearly every line, provided every column before it is such a column or a
small vocabulary and there are at least two such columns; a level column or a
``component:`` column right after it belongs to the header too.

The message stays as written; the header only keeps the template of a line to its message
(``<*> full partition status <*> running`` is the template ``running``), and a level word in
it is the line's level.
"""

from __future__ import annotations

import re

from orcaops.logs.levels import LEVEL_MAP

# Enough lines to tell a layout from chance; fewer are left alone.
MIN_LINES = 10
# Share of lines that must agree for a column to be a header column.
DENSE = 0.9
MAX_COLS = 10
# A header holds at least this many fields of numbers, separators or levels.
MIN_ANCHORS = 2
# A header column of words (host, component, state) draws on a small vocabulary.
MAX_VOCABULARY = 100
_LEVEL_WORDS = frozenset(w for w in LEVEL_MAP if w.isalpha() and len(w) >= 4)
_SEPARATORS = frozenset({"-", "|", "--", ":"})
# Statistics of a layout need a sample, not every line of a long run.
SAMPLE = 200
_DIGIT = re.compile("[0-9]").search
_KINDS: dict[str, str] = {}


def _kind(tok: str) -> str:
    """``N`` (holds a digit), ``L`` (a level word), ``S`` (a separator) or ``W`` (a word)."""
    got = _KINDS.get(tok)
    if got is None:
        if _DIGIT(tok):
            got = "N"
        elif tok.strip("[]():").upper() in _LEVEL_WORDS:
            got = "L"
        else:
            got = "S" if tok in _SEPARATORS else "W"
        if len(_KINDS) > 100_000:
            _KINDS.clear()
        _KINDS[tok] = got
    return got


def _column(rows: list[list[str]], j: int) -> tuple[float, float, int]:
    """Column ``j``: shares of lines with a number or separator there and with a level word,
    and how many distinct values it holds (all numbers count as one)."""
    n = len(rows)
    # A line counts at column j only if a message could follow it.
    col = [row[j] for row in rows if len(row) > j + 1]
    get = _KINDS.get
    kinds = [get(t) or _kind(t) for t in col]
    # Counted by list.count (C): a generator per column cost more than the rest of the stage.
    words = kinds.count("W")
    distinct = (len({t for t, k in zip(col, kinds) if k == "W"}) if words else 0) \
        + (words < len(kinds)) + (len(col) < n)
    return (kinds.count("N") + kinds.count("S")) / n, kinds.count("L") / n, distinct


def _named(rows: list[list[str]], j: int) -> float:
    """Column ``j``: the share of lines with a ``word:`` token there."""
    return sum(1 for row in rows if len(row) > j + 1 and row[j].endswith(":")) / len(rows)


def sample_step(n: int) -> int:
    """The stride that reads about :data:`SAMPLE` of ``n`` lines."""
    return -(-n // SAMPLE)


def header_length(lines: list[str]) -> int:
    """How many leading whitespace-separated tokens of these lines are a shared header.

    Args:
        lines: Lines of one run that no registered format claimed (or a sample of them:
            only about :data:`SAMPLE` are read).

    Returns:
        The number of header tokens (0 when the lines show no shared header).
    """
    if len(lines) < MIN_LINES:
        return 0
    rows = [line.split(None, MAX_COLS)[:MAX_COLS] for line in lines[::sample_step(len(lines))]]
    few = min(len(rows) / 4, MAX_VOCABULARY)
    end = anchors = 0
    # Columns are read left to right only as far as they can be header: most runs stop at
    # the first (a message's first words are many).
    for j in range(MAX_COLS):
        num, lvl, distinct = _column(rows, j)
        if num >= DENSE or lvl >= DENSE:
            end, anchors = j + 1, anchors + 1
        elif distinct > few:
            break
    # One such column may be the message's own ("task 7 started" on every line of a run).
    if anchors < MIN_ANCHORS:
        return 0
    for _ in range(2 if end else 0):  # a level column, then a "component:" column
        if end >= MAX_COLS:
            break
        if _column(rows, end)[1] < DENSE and _named(rows, end) < DENSE:
            break
        end += 1
    return end


def split_header(line: str, length: int) -> tuple[str, str | None]:
    """A line's message after its first ``length`` tokens, and the level word among them.

    Args:
        line: The line.
        length: Its header's length in tokens (from :func:`header_length`).

    Returns:
        ``(message, level_word)``; a line too short to hold a message is kept whole.
    """
    parts = line.split(None, length)
    if len(parts) <= length:
        return line, None
    return parts[length], next((t.strip("[]():") for t in parts[:length] if _kind(t) == "L"),
                               None)
