"""An index of rare log tokens, so ``log:"connection refused"`` reads a few lines, not all.

A token is a maximal run of ASCII letters (at least ``MIN_RUN``) of ``lower(message)``. A
line matching an ILIKE pattern holds, for every long enough letter run of the pattern, a token
equal to / starting with / ending with / containing that run (``plan``). The index keeps:

- ``vocab.parquet``: every token with its document frequency (lines holding it) and whether
  it is *rare* (in at most ``rare_lines`` lines, ~1/512 of all lines).
- ``postings.parquet``: for every rare token, a copy of each line holding it (source file,
  row in that file, job_id, line_number, message), sorted by token in small row groups, so
  one token's lines are a row group or two.

A search picks the pattern's constraint whose tokens are all rare and hold the fewest lines,
reads just those lines and runs the exact ILIKE over them: the tokens only choose where to
look, the answer is the scan's. When every constraint involves a frequent token (or too many
lines), the indexed files are scanned instead, as without an index. Common words ("info",
"passed") never get postings, so the copy stays a fraction of the logs.

Consistency with the Delta snapshot: postings record which ``logs`` data file each line came
from. A reader uses the postings of the files still in its snapshot and scans the snapshot's
other files (new commits, files rewritten by compaction, ``--replace`` or deletes), so a stale
index costs speed, never correctness. ``orcaops compact`` rebuilds it
(``orcaops.warehouse.logindex_build``). The build records each file's size and CRC-32;
``load_index`` checks them and a reader ignores an index that fails (``index_problem``), so
a damaged index also costs speed only, until ``compact`` or ``recover`` rebuilds it. The build also checks that every run of the indexed
files has its ``runs`` row at a known ``runs`` version; a reader at that version or later
needs no semi-join against the visible runs for the indexed lines (runs rows go only after
their lines, so an indexed file still in the snapshot keeps its runs visible).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orcaops.warehouse.paths import from_stored

INDEX_DIR = "_logindex"
INDEX_VIEWS = frozenset({"log_postings", "log_vocab", "log_index_scan", "logs_unindexed"})
CURRENT = "current.json"
# Of current.json; older builds are ignored until rebuilt (2 had no checksums of its files).
FORMAT = 3
INDEX_FILES = ("vocab.parquet", "postings.parquet")
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
                       columns: str = "job_id") -> tuple[str, tuple[Any, ...]] | None:
    """``SELECT columns FROM logs WHERE cond``, read through the index; None if it cannot help.

    ``cond`` is a condition on ``message`` whose matches all satisfy ``message ILIKE
    pattern`` (the compiler's ``log:`` condition), with ``params`` its values; ``columns``
    are some of ``INDEX_COLUMNS``. One statement: the constraint choice, the postings read,
    the fallback scan and the unindexed files.
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
    # Without a winner the indexed files are scanned. The gate is a bound on the files' row
    # numbers that DuckDB pushes into the scan as a dynamic filter: closed, it skips every
    # row group (a plain `WHERE NOT EXISTS (...)` still read them all).
    gate = f"SELECT CASE WHEN EXISTS (SELECT 1 FROM best) THEN {_CLOSED} ELSE 0 END"
    sql = (f"WITH hits AS ({hits}), best AS ({best}) "
           f"SELECT {columns} FROM (SELECT DISTINCT ON (src, row) * FROM log_postings "
           "WHERE token IN (SELECT token FROM hits WHERE k = (SELECT k FROM best))) "
           f"WHERE {cond} "
           f"UNION ALL SELECT {columns} FROM log_index_scan "
           f"WHERE file_row_number >= ({gate}) AND ({cond}) "
           f"UNION ALL SELECT {columns} FROM logs_unindexed WHERE {cond}")
    return sql, tuple(c.run for c in cons) + params + params + params


def matching_runs_sql(cond: str, params: tuple[Any, ...], pattern: str
                      ) -> tuple[str, tuple[Any, ...]] | None:
    """The job ids of runs with a line matching ``cond``, each once; None if no narrowing.

    For ``job_id IN (...)``: grouped, DuckDB estimates the subquery small and builds its
    hash table on the few job ids; ungrouped it built it on ``runs`` with every column
    (the Q4 search page at 10M lines: 754 -> 168 ms).
    """
    found = matching_lines_sql(cond, params, pattern, "job_id")
    if found is None:
        return None
    return f"SELECT job_id FROM ({found[0]}) GROUP BY job_id", found[1]


# -- the views a reader defines --------------------------------------------------------------

@dataclass(frozen=True)
class IndexState:
    """One built index: where it is and what it covers."""

    path: Path
    sources: dict[str, int]  # logs data file (a path) -> its number in the postings
    runs_version: int | None  # every indexed run is visible from this runs version on
    budget: int  # most postings lines a search reads before it prefers the scan


def _path(file: str) -> str:
    return file.removeprefix("file://")


# Files whose checksum this process has verified, by (path, size, mtime, inode): a long-lived
# reader hashes a build once, not at every refresh.
_VERIFIED: set[tuple[str, int, int, int]] = set()


def index_problem(root: Path, remembered: bool = True) -> tuple[Path, str] | None:
    """Why the current index cannot be trusted, as (file, why); None if it is whole or absent.

    The index is derived data, so it is never read blind: ``current.json`` records each
    file's size and CRC-32 at build time and they are compared here (once per file per
    process; ~0.7 ms per MB of index). ``remembered=False`` (the doctor) hashes again:
    bit rot changes no mtime.
    """
    from orcaops.warehouse.integrity import check_record

    current = root / INDEX_DIR / CURRENT
    try:
        doc = json.loads(current.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        return current, f"is not readable ({e})"
    try:
        if doc.get("format") != FORMAT:
            return current, f"is of an older format ({doc.get('format')}) without checksums"
        for name in INDEX_FILES:
            path = root / INDEX_DIR / doc["build"] / name
            record = doc["checksums"][name]
            st = path.stat() if path.exists() else None
            key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino) if st else None
            if remembered and key is not None and key in _VERIFIED:
                continue
            why = check_record(path, record)
            if why is not None:
                return path, why
            if key is not None:
                _VERIFIED.add(key)
    except (KeyError, TypeError, AttributeError, IndexError) as e:
        return current, f"is not a valid index record ({e!r})"
    return None


def load_index(root: Path) -> IndexState | None:
    """The current index of the warehouse at ``root``; None if there is none, or if any of
    its files fails its checksum (then every search scans, answering the same)."""
    if index_problem(root) is not None:
        return None
    try:
        doc = json.loads((root / INDEX_DIR / CURRENT).read_bytes())
        version = doc["runs_version"]
        return IndexState(root / INDEX_DIR / doc["build"],
                          {_path(from_stored(root, k)): int(v)
                           for k, v in doc["sources"].items()},
                          None if version is None else int(version), int(doc["budget"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _files(files: list[str]) -> str:
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"


def _scan(files: list[str], empty_logs: str, row_numbers: bool = False) -> str:
    if not files:
        return (f"SELECT *, 0::BIGINT AS file_row_number FROM ({empty_logs}) WHERE false"
                if row_numbers else empty_logs)
    extra = ", file_row_number = true" if row_numbers else ""
    return (f"SELECT * FROM read_parquet({_files(files)}, hive_partitioning = true, "
            f"hive_types = {{'day': DATE}}{extra})")


_VISIBLE = " WHERE job_id IN (SELECT job_id FROM runs)"


def view_sql(index: IndexState | None, log_files: tuple[str, ...] | list[str],
             empty_logs: str, runs_version: int | None = None) -> dict[str, str]:
    """The index views over a snapshot whose logs files are ``log_files``.

    ``empty_logs`` is a SELECT of the logs columns with no rows; ``runs_version`` the
    version of ``runs`` the reader shows (None: unknown, so indexed lines are checked
    against ``runs`` too). Every view exists even without an index (then every file is
    "unindexed"), so compiled SQL always binds.
    """
    used = {f: index.sources[_path(f)] for f in log_files
            if index is not None and _path(f) in index.sources}
    rest = [f for f in log_files if f not in used]
    # Unindexed files may hold lines of runs still committing: always checked against runs.
    views = {"logs_unindexed": f"SELECT * FROM ({_scan(rest, empty_logs)}){_VISIBLE}"
             if rest else empty_logs}
    if index is None or not used:
        return views | {
            "log_index_scan": _scan([], empty_logs, row_numbers=True),
            "log_postings": ("SELECT ''::VARCHAR AS token, 0::INTEGER AS src, 0::BIGINT AS row, "
                             f"job_id, line_number, message FROM ({empty_logs}) WHERE false"),
            "log_vocab": ("SELECT ''::VARCHAR AS token, 0::BIGINT AS df, false AS rare, "
                          "0::BIGINT AS budget WHERE false")}
    known = (index.runs_version is not None and runs_version is not None
             and runs_version >= index.runs_version)
    return views | _index_views(index, used, empty_logs, check=not known)


def _index_views(index: IndexState, used: dict[str, int], empty_logs: str,
                 check: bool) -> dict[str, str]:
    """The views over a built index of which the files ``used`` are still in the snapshot."""
    conds = []
    srcs = sorted(set(used.values()))
    if len(srcs) < len(index.sources):
        conds.append(f"src IN ({', '.join(str(s) for s in srcs)})")
    if check:
        conds.append(_VISIBLE.removeprefix(" WHERE "))
    where = f" WHERE {' AND '.join(conds)}" if conds else ""
    postings = _files([str(index.path / "postings.parquet")])
    vocab = _files([str(index.path / "vocab.parquet")])
    return {
        "log_index_scan": (f"SELECT * FROM ({_scan(list(used), empty_logs, True)})"
                           f"{_VISIBLE if check else ''}"),
        "log_postings": f"SELECT * FROM read_parquet({postings}){where}",
        "log_vocab": (f"SELECT token, df, rare, {index.budget}::BIGINT AS budget "
                      f"FROM read_parquet({vocab})"),
    }
