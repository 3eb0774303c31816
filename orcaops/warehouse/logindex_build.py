"""Building the log index (``orcaops.warehouse.logindex``): vocabulary and rare-token postings.

One pass over the logs files, one file at a time so memory follows the largest file, not
the table: each file's lines are tokenized once, its token counts added to the vocabulary,
and its lines holding tokens rare *in that file* written to a part (a token rare in the
whole table is rare in every file). The parts are then filtered to the tokens rare in the
table and sorted by token into ``postings.parquet``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from orcaops.core.errors import WarehouseError
from orcaops.warehouse.integrity import file_record
from orcaops.warehouse.logindex import CURRENT, FORMAT, INDEX_DIR, INDEX_FILES, TOKEN_REGEX, _path
from orcaops.warehouse.paths import to_stored
from orcaops.warehouse.tables import disk_full

RARE_FRACTION = 512  # a token in at most 1/512 of the lines gets postings
MIN_RARE_LINES = 64
BUDGET_TOKENS = 8  # a search reads at most this many rare tokens' worth of lines
POSTINGS_ROW_GROUP = 8192  # small: one rare token's lines are one or two row groups
ZSTD_LEVEL = 9
MEMORY_LIMIT = "1GB"


def build_log_index(root: Path, log_files: list[str], runs_files: list[str] | None = None,
                    runs_version: int | None = None, rare_lines: int | None = None,
                    ) -> dict[str, Any]:
    """Build the index of ``log_files`` (the current logs snapshot) and make it current.

    Args:
        root: the warehouse directory.
        log_files: the logs data files to index.
        runs_files: the ``runs`` data files at ``runs_version``, read after ``log_files``
            were listed; when every indexed run is among them, readers at that version or
            later skip the visibility semi-join. None: readers always check.
        runs_version: the version of ``runs_files``.
        rare_lines: the most lines a token may be in to get postings (default: 1/512 of all
            lines, at least 64).

    The previous build is kept (a reader may be mid-query on it); older ones are removed.
    """
    import duckdb

    start = time.perf_counter()
    base = root / INDEX_DIR
    build = f"b-{int(time.time())}-{uuid.uuid4().hex[:8]}"
    path = base / build
    parts = path / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    files = sorted(_path(f) for f in log_files)
    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"SET temp_directory = '{_quote(str(path / 'tmp'))}'")
        con.execute("SET preserve_insertion_order = false")
        total = _line_count(con, files)
        rare = rare_lines if rare_lines is not None else max(MIN_RARE_LINES,
                                                             total // RARE_FRACTION)
        con.execute("CREATE TABLE counts (token VARCHAR, n BIGINT)")
        for src, file in enumerate(files):
            _tokenize_file(con, file, src, rare, parts / f"part-{src:05d}.parquet")
        _write_outputs(con, sorted(str(p) for p in parts.glob("*.parquet")), rare, path)
        seen = runs_version if runs_files is not None and _all_visible(
            con, files, runs_files) else None
    except (duckdb.Error, OSError) as e:  # e.g. the disk is full: the half-built index goes
        shutil.rmtree(path, ignore_errors=True)
        reason = (str(e).splitlines() or [""])[0]
        raise WarehouseError(disk_full(root, e) or f"building the log index in {base} "
                             f"failed ({reason})") from e
    finally:
        con.close()
    shutil.rmtree(parts, ignore_errors=True)
    shutil.rmtree(path / "tmp", ignore_errors=True)
    doc = {"format": FORMAT, "build": build, "sources": {to_stored(root, f): i for i, f in enumerate(files)},
           "runs_version": seen, "rare_lines": rare, "budget": rare * BUDGET_TOKENS,
           "lines": total, "checksums": {n: file_record(path / n) for n in INDEX_FILES}}
    _make_current(base, build, doc)
    return {"files": len(files), "lines": total, "rare_lines": rare,
            "bytes": sum(p.stat().st_size for p in path.iterdir() if p.is_file()),
            "seconds": round(time.perf_counter() - start, 3)}


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _line_count(con: Any, files: list[str]) -> int:
    if not files:
        return 0
    row = con.execute("SELECT sum(num_rows) FROM (SELECT DISTINCT file_name, row_group_id, "
                      "row_group_num_rows AS num_rows FROM parquet_metadata(?))",
                      [files]).fetchone()
    return int(row[0] or 0)


def _tokenize_file(con: Any, file: str, src: int, rare: int, out: Path) -> None:
    """Add ``file``'s token counts to ``counts``; write its lines of locally rare tokens."""
    con.execute("CREATE OR REPLACE TEMP TABLE lines AS SELECT file_row_number AS row, job_id, "
                "line_number, message FROM read_parquet(?, file_row_number = true)", [file])
    con.execute("CREATE OR REPLACE TEMP TABLE tok AS SELECT DISTINCT row, unnest("
                f"regexp_extract_all(lower(message), '{TOKEN_REGEX}')) AS token FROM lines")
    con.execute("CREATE OR REPLACE TEMP TABLE here AS SELECT token, count(*) AS n FROM tok "
                "GROUP BY token")
    con.execute("INSERT INTO counts SELECT token, n FROM here")
    con.execute(
        f"COPY (SELECT t.token, {src}::INTEGER AS src, t.row, l.job_id, l.line_number, "
        "l.message FROM tok t JOIN lines l USING (row) "
        f"WHERE t.token IN (SELECT token FROM here WHERE n <= {rare})) "
        f"TO '{_quote(str(out))}' (FORMAT parquet)")


def _write_outputs(con: Any, part_files: list[str], rare: int, path: Path) -> None:
    con.execute("CREATE OR REPLACE TABLE vocab AS SELECT token, sum(n)::BIGINT AS df, "
                f"sum(n) <= {rare} AS rare FROM counts GROUP BY token")
    postings = _quote(str(path / "postings.parquet"))
    if part_files:
        # Sorted by token so a lookup reads only the row groups holding that token.
        con.execute(
            "COPY (SELECT p.* FROM read_parquet(?) p SEMI JOIN (SELECT token FROM vocab "
            "WHERE rare) v USING (token) ORDER BY p.token, p.src, p.row) "
            f"TO '{postings}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL "
            f"{ZSTD_LEVEL}, ROW_GROUP_SIZE {POSTINGS_ROW_GROUP})", [part_files])
    else:
        con.execute("COPY (SELECT ''::VARCHAR AS token, 0::INTEGER AS src, 0::BIGINT AS row, "
                    "''::VARCHAR AS job_id, 0::INTEGER AS line_number, ''::VARCHAR AS message "
                    f"WHERE false) TO '{postings}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT * FROM vocab ORDER BY token) TO "
                f"'{_quote(str(path / 'vocab.parquet'))}' (FORMAT parquet, COMPRESSION zstd)")


def _all_visible(con: Any, files: list[str], runs_files: list[str]) -> bool:
    """Whether every run with lines in ``files`` has a row in ``runs_files``."""
    if not files:
        return True
    if not runs_files:
        return False
    row = con.execute("SELECT count(*) FROM (SELECT DISTINCT job_id FROM read_parquet(?)) l "
                      "ANTI JOIN read_parquet(?) r USING (job_id)",
                      [files, [_path(f) for f in runs_files]]).fetchone()
    return int(row[0]) == 0


def _make_current(base: Path, build: str, doc: dict[str, Any]) -> None:
    old = None
    try:
        old = json.loads((base / CURRENT).read_bytes()).get("build")
    except (OSError, ValueError, AttributeError):
        pass
    tmp = base / f".{CURRENT}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    os.replace(tmp, base / CURRENT)
    for child in base.iterdir():
        if child.is_dir() and child.name not in (build, old):
            shutil.rmtree(child, ignore_errors=True)
