"""The log index answers ``log:`` searches exactly as the scan does, stale or not."""

from __future__ import annotations

import random
from datetime import date, datetime, timezone
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from orcaops.api import Warehouse
from orcaops.query import compile_query
from orcaops.warehouse.logindex import (
    Constraint,
    load_index,
    matching_lines_sql,
    plan,
    view_sql,
)
from orcaops.warehouse.logindex_build import build_log_index
from tests.conftest import make_run

NOW = datetime(2026, 11, 20, tzinfo=timezone.utc)
LINES = [
    "ERROR could not connect to server: Connection refused",
    "WARN reconnection refused by peer",
    "connection: refused (retrying)",
    "INFO Connection Refused at 10:01",
    "Straße geschlossen, \u212Aelvin key ok",
    "tests/test_api.py::test_login PASSED [ 40%]",
    "Downloading requests-2.32.3-py3-none-any.whl (64 kB)",
    "timeout after 30s; TimeoutError raised",
    "x2connection refusedx",
    "plain text with 100% and under_score",
]
PATTERNS = ["connection refused", "Connection", "refused", "onnection refuse", "timeout",
            "test_login", "100%", "under_score", "kelvin", "\u212Aelvin", "straße", "2.32",
            "con*refused", "refused (retry", "nothing-like-this", "ab", "KB)", "x2conn"]


def _record(i: int, lines: list[str]) -> dict[str, Any]:
    return {"job_id": f"r-{i:04d}", "status": "failed" if i % 3 else "success",
            "image": "python:3.11", "command": "pytest",
            "started_at": f"2026-11-{1 + i % 9:02d}T10:00:00Z",
            "finished_at": f"2026-11-{1 + i % 9:02d}T10:01:00Z",
            "logs": [{"stream": "stdout", "line": t} for t in lines]}


def _history(n: int, offset: int = 0) -> list[dict[str, Any]]:
    return [_record(offset + i, [LINES[(offset + i + k) % len(LINES)] for k in range(3)])
            for i in range(n)]


def _scan_total(wh: Warehouse, query: str) -> int:
    cq = compile_query(query, now=NOW)
    assert "log_postings" not in cq.where
    return int(wh.reader.rows(f"SELECT count(*) FROM runs WHERE {cq.where}", cq.params)[0][0])


def _check_all(wh: Warehouse) -> None:
    for text in PATTERNS:
        query = f'log:"{text}"'
        assert wh.search(query, now=NOW).total == _scan_total(wh, query), text
        pattern = compile_query(query).params[0]
        _check_lines(wh, pattern)


def _check_lines(wh: Warehouse, pattern: str) -> None:
    """The lines read through the index are the lines the ILIKE scan of ``logs`` finds."""
    found = matching_lines_sql("message ILIKE ? ESCAPE '\\'", (pattern,), pattern,
                               "job_id, line_number, message")
    if found is None:
        assert plan(pattern) == []
        return
    indexed = sorted(wh.reader.rows(found[0], found[1]))
    scanned = sorted(wh.reader.rows("SELECT job_id, line_number, message FROM logs WHERE "
                                    "message ILIKE ? ESCAPE '\\'", [pattern]))
    assert indexed == scanned, pattern


def test_plan_bounds_each_letter_run() -> None:
    assert plan("%connection refused%") == [Constraint("suffix", "connection"),
                                           Constraint("prefix", "refused")]
    assert plan("%a big: word%") == [Constraint("exact", "big"), Constraint("prefix", "word")]
    assert plan("%ab%") == []
    assert plan("%stra\u00dfe%") == [Constraint("contains", "stra")]
    assert plan("%under\\_score%") == [Constraint("suffix", "under"),
                                       Constraint("prefix", "score")]
    assert plan("%con%refused%") == [Constraint("contains", "con"),
                                     Constraint("contains", "refused")]


def test_index_answers_like_the_scan(wh: Warehouse) -> None:
    wh.import_records(_history(30))
    _check_all(wh)  # no index yet: everything is scanned
    report = wh.compact()
    assert report["log_index"]["files"] >= 1
    assert load_index(wh.tables.root) is not None
    _check_all(wh)
    # The reader is at the runs version the build saw: no semi-join against runs planned.
    wh.reader.refresh()
    postings = wh.reader.rows("SELECT sql FROM duckdb_views() WHERE view_name = 'log_postings'")
    assert "runs" not in postings[0][0]


def test_stale_index_never_answers_wrong(wh: Warehouse) -> None:
    wh.import_records(_history(20))
    wh.compact()
    wh.import_records(_history(10, offset=100))  # new files, not indexed
    wh.import_records([_record(3, ["nothing to see"])], replace=True)  # rewrites indexed files
    _check_all(wh)
    assert wh.search('log:"Connection refused"', now=NOW).total == _scan_total(
        wh, 'log:"Connection refused"')


@pytest.mark.parametrize("query", ['status:failed log:"connection refused"',
                                   '-log:refused', 'log:refused OR status:success'])
def test_compound_queries_agree(wh: Warehouse, query: str) -> None:
    wh.import_records(_history(25))
    wh.compact()
    assert wh.search(query, now=NOW).total == _scan_total(wh, query)


def _rebuild(wh: Warehouse, rare_lines: int | None = None) -> dict[str, Any]:
    """Rebuild the index of the current snapshot (as compact does) and show it to the reader."""
    runs = wh.tables.open("runs")
    report = build_log_index(wh.tables.root, wh.tables.file_uris("logs"),
                             list(runs.file_uris()), int(runs.version()), rare_lines=rare_lines)
    wh.reader.refresh(force=True)
    return report


@pytest.mark.parametrize("rare_lines", [0, 9, 10_000])
def test_rare_and_frequent_tokens_answer_like_the_scan(wh: Warehouse, rare_lines: int) -> None:
    # Each line text is in 9 of the 90 lines. 0: no token has postings (every search scans);
    # 9: some have; 10,000: every token has postings.
    wh.import_records(_history(30))
    wh.compact()
    _rebuild(wh, rare_lines)
    kinds = {r[0] for r in wh.reader.rows("SELECT DISTINCT rare FROM log_vocab")}
    assert kinds == {0: {False}, 9: {False, True}, 10_000: {True}}[rare_lines]
    postings = wh.reader.rows("SELECT count(*) FROM log_postings")[0][0]
    assert (postings == 0) == (rare_lines == 0)
    _check_all(wh)


_WORDS = ["connection", "Refused", "reconnect", "TIMEOUT", "straße", "STRASSE", "\u212Aelvin",
          "kelvin", "\u0130stanbul", "istanbul", "café", "CAFÉ", "under_score", "100%", "a\\b",
          "x", "ab", "Connection:refused", "ﬁle", "file", "ǅemal", "σοφία", "ΣΟΦΊΑ"]
_SEPARATORS = [" ", " ", ":", "-", "/", "_", ".", "", "  "]


def _random_line(rng: random.Random) -> str:
    parts = [rng.choice(_WORDS) if rng.random() < 0.8 else str(rng.randint(0, 999))
             for _ in range(rng.randint(1, 6))]
    return "".join(p + rng.choice(_SEPARATORS) for p in parts).strip()


def _random_pattern(rng: random.Random, lines: list[str]) -> str:
    """An ILIKE pattern: a piece of a stored line (case changed, maybe a wildcard inside)."""
    line = rng.choice(lines)
    i = rng.randrange(len(line))
    piece = line[i:i + rng.randint(1, 24)]
    piece = "".join(c.upper() if rng.random() < 0.3 else c for c in piece)
    if rng.random() < 0.2:
        piece = rng.choice(_WORDS) + piece
    escaped = piece.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if rng.random() < 0.2 and len(escaped) > 2 and "\\" not in escaped:
        k = rng.randrange(1, len(escaped))
        escaped = escaped[:k] + rng.choice("%_") + escaped[k:]
    return f"%{escaped}%"


def test_random_lines_and_patterns_answer_like_the_scan(wh: Warehouse) -> None:
    rng = random.Random(20261121)
    history = [_record(i, [_random_line(rng) for _ in range(8)]) for i in range(60)]
    wh.import_records(history[:45])
    wh.compact()
    wh.import_records(history[45:])  # added after the build: scanned, not indexed
    lines = [entry["line"] for rec in history for entry in rec["logs"]]
    patterns = [_random_pattern(rng, lines) for _ in range(150)]
    for rare_lines in (None, 3):
        if rare_lines is not None:
            _rebuild(wh, rare_lines)
        for pattern in patterns:
            _check_lines(wh, pattern)


def _ghost_lines(wh: Warehouse, job_id: str) -> pa.Table:
    """The stored log lines of ``job_id``, moved to a run id that has no ``runs`` row."""
    import pyarrow.parquet as pq

    table = pa.concat_tables(pq.read_table(f.removeprefix("file://"))
                             for f in wh.tables.file_uris("logs"))
    rows = table.filter(pc.equal(table.column("job_id"), job_id))
    names = rows.schema.names
    rows = rows.set_column(names.index("job_id"), "job_id",
                           pa.array(["ghost-" + job_id] * rows.num_rows, pa.string()))
    day = pa.array([date(2026, 11, 1)] * rows.num_rows, pa.date32())
    return rows.set_column(names.index("day"), "day", day) if "day" in names else \
        rows.append_column("day", day)


def test_lines_of_runs_without_a_runs_row_never_appear(wh: Warehouse) -> None:
    # A writer that died after appending its lines, before its runs row (no journal left).
    wh.import_records(_history(12))
    wh.tables.append("logs", _ghost_lines(wh, "r-0001"))
    assert wh.sql("SELECT count(*) AS n FROM logs_all WHERE job_id LIKE 'ghost-%'")["n"][0] > 0
    _check_all(wh)  # unindexed ghost lines
    # The index built over them (as a compact racing such a writer would):
    runs = wh.tables.open("runs")
    build_log_index(wh.tables.root, wh.tables.file_uris("logs"), list(runs.file_uris()),
                    int(runs.version()))
    idx = load_index(wh.tables.root)
    assert idx is not None and idx.runs_version is None  # the build saw them: readers check
    _check_all(wh)  # indexed ghost lines
    assert wh.compact()["orphans_removed"] == 1  # no journal names them: orphans, removed
    assert wh.sql("SELECT count(*) AS n FROM logs_all WHERE job_id LIKE 'ghost-%'")["n"][0] == 0
    _check_all(wh)


def test_a_reader_behind_the_index_does_not_see_newer_runs(wh: Warehouse) -> None:
    from orcaops.warehouse.connection import scan_sql
    from orcaops.warehouse.snapshot import TableSnapshot

    wh.import_records(_history(9))
    old_runs, old_version = wh.tables.file_uris("runs"), wh.tables.version("runs")
    wh.import_records(_history(9, offset=50))
    wh.compact()
    idx = load_index(wh.tables.root)
    assert idx is not None and idx.runs_version is not None and idx.runs_version > old_version
    wh.reader.refresh()
    logs = wh.reader.snapshot.tables["logs"]  # type: ignore[union-attr]
    empty = scan_sql(TableSnapshot(logs.version, (), logs.columns))
    pattern = "%connection refused%"
    query = matching_lines_sql("message ILIKE ?", (pattern,), pattern, "job_id, line_number")
    assert query is not None
    con = duckdb.connect()
    # What a reader shows when it loaded `runs` before these commits and `logs` after them.
    con.execute(f"CREATE VIEW runs AS SELECT * FROM read_parquet({old_runs!r})")
    for name, sql in view_sql(idx, logs.files, empty, runs_version=old_version).items():
        con.execute(f"CREATE VIEW {name} AS {sql}")
    behind = con.execute(query[0], query[1]).fetchall()
    old_ids = {r[0] for r in con.execute("SELECT job_id FROM runs").fetchall()}
    expected = con.execute(f"SELECT job_id, line_number FROM read_parquet({list(logs.files)!r}) "
                           "WHERE message ILIKE ? AND job_id IN (SELECT job_id FROM runs)",
                           [pattern]).fetchall()
    assert behind and sorted(behind) == sorted(expected)
    assert {r[0] for r in behind} <= old_ids
    # At the index's runs version every indexed run is visible: no semi-join is planned.
    current = view_sql(idx, logs.files, empty, runs_version=idx.runs_version)
    assert "runs" not in current["log_postings"] and "runs" not in current["log_index_scan"]
    assert "runs" in view_sql(idx, logs.files, empty)["log_postings"]


def test_deleted_and_replaced_runs_leave_the_index(wh: Warehouse) -> None:
    wh.import_records(_history(20))
    wh.compact()
    # r-0002 loses its lines (replaced by a run without logs); r-0003 gets other lines.
    wh.import_records([{**_record(2, []), "logs": []},
                       _record(3, ["nothing to see"])], replace=True)
    gone = wh.reader.rows("SELECT count(*) FROM logs WHERE job_id IN ('r-0002', 'r-0003') "
                          "AND message ILIKE '%refused%'")[0][0]
    assert gone == 0
    _check_all(wh)


def test_recover_reports_an_index_it_cannot_rebuild(wh: Warehouse, monkeypatch) -> None:
    """A disk too full for the index: recover repairs the tables, says what failed, and
    leaves no half-built index behind (no raw DuckDB error)."""
    from orcaops.warehouse import logindex_build
    from orcaops.warehouse.logindex import INDEX_DIR

    wh.import_records([make_run("ix-1", logs=[{"message": "ERROR: disk widget broke"}])])

    def full(*args: Any, **kwargs: Any) -> None:
        raise duckdb.IOException("Could not write file: No space left on device")

    monkeypatch.setattr(logindex_build, "_tokenize_file", full)
    report = wh.recover()
    assert report["log_index"] is None
    (problem,) = [p for p in report["problems"] if "log index" in p]
    assert "disk full" in problem and "orcaops recover" in problem
    builds = [p.name for p in (wh.tables.root / INDEX_DIR).glob("b-*")]
    assert builds == []
    assert wh.search("log:widget").total == 1  # searches scan meanwhile
