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

from orcaops.query.logindex_sql import (  # noqa: F401  (the store's side of the index)
    INDEX_COLUMNS,
    INDEX_VIEWS,
    MIN_RUN,
    TOKEN_REGEX,
    Constraint,
    matching_lines_sql,
    matching_runs_sql,
    plan,
)
from orcaops.warehouse.paths import from_stored

INDEX_DIR = "_logindex"
CURRENT = "current.json"
# Of current.json; older builds are ignored until rebuilt (2 had no checksums of its files).
FORMAT = 3
INDEX_FILES = ("vocab.parquet", "postings.parquet")


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
    process). ``remembered=False`` (the doctor) hashes again:
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
