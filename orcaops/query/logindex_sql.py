"""How a ``log:`` pattern reads through the log index: token constraints and the SQL.

Pure (no files, no connection): the store (``orcaops.warehouse.logindex``) builds the index
and defines the views these statements read — ``log_vocab``, ``log_postings``,
``log_index_scan``, ``logs_unindexed``; the compiler calls :func:`matching_runs_sql`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INDEX_VIEWS = frozenset({"log_postings", "log_vocab", "log_index_scan", "logs_unindexed"})
MIN_RUN = 3  # shorter letter runs are in too many lines to narrow anything
# Letters only: digits, punctuation and non-ASCII characters separate tokens, on both sides.
TOKEN_REGEX = "[a-z]{3,}"
# What the postings copy of a line holds: the columns a caller of matching_lines_sql may
# select, and the only column its condition may read besides them is none (``message``).
INDEX_COLUMNS = ("job_id", "line_number", "message")


@dataclass(frozen=True)
class Constraint:
    """Some token of a matching line equals / starts with / ends with / contains ``run``."""

    kind: str  # "exact" | "prefix" | "suffix" | "contains"
    run: str


def _segments(pattern: str) -> list[list[str | None]]:
    """The literal stretches of a LIKE pattern (``\\`` escapes); None marks an unknown char."""
    segments: list[list[str | None]] = [[]]
    escaped = False
    for ch in pattern:
        if escaped:
            segments[-1].append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "%_":
            segments.append([])
        else:
            segments[-1].append(ch)
    return [s for s in segments if s]


def plan(pattern: str) -> list[Constraint]:
    """What a line matching the ILIKE ``pattern`` must hold, as token constraints.

    Every letter run of the pattern is part of a token of the line: bounded by a known
    non-letter on both sides it is the whole token; next to a wildcard, the pattern's edge or
    a non-ASCII character (whose lower case may be a letter) the token may extend that way.
    """
    out: list[Constraint] = []
    for seg in _segments(pattern):
        chars: list[str | None] = [c.lower() if c is not None and c.isascii() else None
                                   for c in seg]
        i = 0
        while i < len(chars):
            c = chars[i]
            if c is None or not ("a" <= c <= "z"):
                i += 1
                continue
            j = i
            while j < len(chars) and chars[j] is not None and "a" <= chars[j] <= "z":  # type: ignore[operator]
                j += 1
            run = "".join(chars[i:j])  # type: ignore[arg-type]
            left_open = i == 0 or chars[i - 1] is None
            right_open = j == len(chars) or chars[j] is None
            if len(run) >= MIN_RUN:
                kind = {(False, False): "exact", (False, True): "prefix",
                        (True, False): "suffix", (True, True): "contains"}[(left_open, right_open)]
                out.append(Constraint(kind, run))
            i = j
    return out


_CLOSED = 2**63 - 1  # no row number reaches it
_TOKEN_TESTS = {"exact": "token = ?", "prefix": "starts_with(token, ?)",
                "suffix": "ends_with(token, ?)", "contains": "contains(token, ?)"}


def matching_lines_sql(cond: str, params: tuple[Any, ...], pattern: str,
                       columns: str = "job_id", days: str = "", day_params: tuple[Any, ...] = ()
                       ) -> tuple[str, tuple[Any, ...]] | None:
    """``SELECT columns FROM logs WHERE cond``, read through the index; None if it cannot help.

    ``cond`` is a condition on ``message`` whose matches all satisfy ``message ILIKE
    pattern`` (the compiler's ``log:`` condition), with ``params`` its values; ``columns``
    are some of ``INDEX_COLUMNS``. One statement: the constraint choice, the postings read,
    the fallback scan and the unindexed files. ``days``, a condition on ``day`` that every
    wanted line's run meets (``day_params`` its values), bounds the two scans to those days' files (the postings have no
    ``day``: a line they find outside it belongs to a run the caller does not want).
    """
    cons = plan(pattern)
    if not cons:
        return None
    hits = " UNION ALL ".join(
        f"SELECT {k} AS k, token, df, rare, budget FROM log_vocab WHERE {_TOKEN_TESTS[c.kind]}"
        for k, c in enumerate(cons))
    # A constraint no indexed token satisfies has no indexed line: it wins with 0 lines.
    best = (f"SELECT c.k FROM range({len(cons)}) AS c(k) LEFT JOIN hits ON hits.k = c.k "
            "GROUP BY c.k HAVING coalesce(bool_and(hits.rare) AND sum(hits.df) <= "
            "max(hits.budget), true) ORDER BY coalesce(sum(hits.df), 0), c.k LIMIT 1")
    on_days = f" AND {days}" if days else ""
    only = f"({cond}){on_days}" if days else cond
    # Without a winner the indexed files are scanned. The gate is a bound on the files' row
    # numbers that DuckDB pushes into the scan as a dynamic filter: closed, it skips every
    # row group (a plain `WHERE NOT EXISTS (...)` still read them all).
    gate = f"SELECT CASE WHEN EXISTS (SELECT 1 FROM best) THEN {_CLOSED} ELSE 0 END"
    sql = (f"WITH hits AS ({hits}), best AS ({best}) "
           f"SELECT {columns} FROM (SELECT DISTINCT ON (src, row) * FROM log_postings "
           "WHERE token IN (SELECT token FROM hits WHERE k = (SELECT k FROM best))) "
           f"WHERE {cond} "
           f"UNION ALL SELECT {columns} FROM log_index_scan "
           f"WHERE file_row_number >= ({gate}) AND ({cond}){on_days} "
           f"UNION ALL SELECT {columns} FROM logs_unindexed WHERE {only}")
    return sql, tuple(c.run for c in cons) + params + (params + day_params) * 2


def matching_runs_sql(cond: str, params: tuple[Any, ...], pattern: str, days: str = "",
                      day_params: tuple[Any, ...] = ()) -> tuple[str, tuple[Any, ...]] | None:
    """The job ids of runs with a line matching ``cond``, each once; None if no narrowing.

    For ``job_id IN (...)``: grouped, DuckDB estimates the subquery small and builds its
    hash table on the few job ids; ungrouped it built it on ``runs`` with every column.
    """
    found = matching_lines_sql(cond, params, pattern, "job_id", days, day_params)
    if found is None:
        return None
    return f"SELECT job_id FROM ({found[0]}) GROUP BY job_id", found[1]


# -- the views a reader defines --------------------------------------------------------------
