"""Hostile queries against a real warehouse, end to end.

tests/query fuzzes the parser and compiler over a stub DuckDB; here the same kinds of text
(and arbitrary Unicode) run through ``Warehouse.search`` with facets, the CLI's cold reader
(``search_rows`` over ``open_reader``), ``--sort`` and every field, on real Delta tables with
the real stored views (``is:flaky``, ``is:anomalous``, the log index). Only QueryError or
results may come back; injected text never reaches SQL text; ``orcaops sql`` cannot write or
read outside the warehouse without ``--unsafe``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_kit import records, scale

import orcaops
from orcaops.api import Warehouse
from orcaops.core.errors import QueryError
from orcaops.query.plan import compile_search
from orcaops.warehouse.connection import open_reader
from orcaops.warehouse.search import search_rows

pytestmark = pytest.mark.reliability

VALID = [
    "status:failed image:img* duration:>5",
    'tag:rel -tag:nightly meta.branch:main log:"ERROR boom"',
    "(status:failed OR status:timeout) after:2026-11-01 NOT has:parent",
    "duration:[1s TO 5m] memory:>1GB exit:(1 OR 2) level:>=warn",
    "log:/bo+m/ error:boom is:failed is:flaky is:anomalous day:[2026-11-01 TO today]",
    'by:cli intent:"fix*bug" missing:intent cost:<0.01 queue:>=30s id:ho-0',
    'cmd:"make step1" category:test host:* executor:local fingerprint:ab* has:log',
]
PIECES = ["status", "image", "tag", "meta.x", "duration", "memory", "after", "day", "log",
          "error", "level", "has", "is", "exit", "cmd", ":", " ", "(", ")", "[", "]", '"', "\\",
          "/", "*", "?", "-", ">", ">=", "<", "=", "TO", "AND", "OR", "NOT", "failed", "1m",
          "2GB", "-7d", "today", "2026-01-01", "60", "'", ";", "%", "_", "é", "\n", "\x00",
          "\ud800", "py*", "a.b", "1e400", "nan", "..", "{", "}", "$1", "--", "/*", "*/"]
soup = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid query with pieces inserted, spans deleted or duplicated."""
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "duplicate"]))
        if op == "insert":
            text = text[:at] + draw(st.sampled_from(PIECES)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 6)):]
        else:
            text = text[:at] + text[at:at + 10] + text[at:]
    return text


queries = st.one_of(soup, mutated(), st.text(max_size=60))
sorts = st.one_of(st.lists(st.sampled_from(["-", "duration", "started_at", "cost", ",", " ",
                                            "'", ";", "job_id", "tags", "1", "x"]),
                           max_size=6).map("".join), st.text(max_size=20))


# One cold reader per home (the CLI's path), and fuzz counts the figures test reports.
_READERS: dict[Path, object] = {}
FIGURES_LOCAL: Counter[str] = Counter()


def _reader(home: Path):  # type: ignore[no-untyped-def]
    if home not in _READERS:
        _READERS[home] = open_reader(home)
    return _READERS[home]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Warehouse]:
    """A warehouse with ordinary runs and runs whose data are injection strings."""
    home = tmp_path_factory.mktemp("hostile")
    wh = orcaops.open(home)
    recs = records("ho", 24)
    for r, payload in zip(recs, INJECTIONS):
        r["intent"] = payload
        r["metadata"] = {"branch": payload}
        r["logs"].append({"line": payload})
    wh.import_records(recs)
    return home, wh


def _search_or_query_error(wh: Warehouse, reader, text: str, sort: str = "-started_at") -> None:  # type: ignore[no-untyped-def]
    try:
        res = wh.search(text, limit=5, sort=sort, facets=True)
    except QueryError:
        with pytest.raises(QueryError):  # the cold CLI path agrees that it is bad input
            search_rows(reader, text, limit=5, sort=sort)
        return
    total = res.total
    assert search_rows(reader, text, limit=5, sort=sort).total == total


FUZZ = settings(max_examples=scale(700), deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FUZZ
@given(text=queries)
def test_fuzzed_queries_give_results_or_query_error(hostile: tuple[Path, Warehouse],
                                                    text: str) -> None:
    """Random and mutated queries, executed for real: QueryError or results, nothing else,
    and the library and the CLI's cold reader agree."""
    home, wh = hostile
    _search_or_query_error(wh, _reader(home), text)
    FIGURES_LOCAL["search queries fuzzed end to end"] += 1


@settings(max_examples=scale(300), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sort=sorts, text=st.sampled_from(VALID))
def test_fuzzed_sort_gives_results_or_query_error(hostile: tuple[Path, Warehouse], sort: str,
                                                  text: str) -> None:
    """``--sort`` text is looked up among known columns, never pasted into SQL."""
    home, wh = hostile
    _search_or_query_error(wh, _reader(home), text, sort)
    FIGURES_LOCAL["sort specs fuzzed end to end"] += 1


def test_fuzz_figures(figures: Counter[str]) -> None:
    """Reports how many fuzzed inputs ran (hypothesis tests cannot take the figures fixture)."""
    figures.update(FIGURES_LOCAL)
    figures["inputs fuzzed"] += sum(FIGURES_LOCAL.values())


INJECTIONS = [
    "'; DROP TABLE runs; --", "') OR 1=1 --", "' OR '1'='1", ") OR 1=1 --",
    "1; SELECT * FROM logs", "x' UNION SELECT job_id FROM logs --", "%' OR job_id LIKE '%",
    "$1", "'; ATTACH '/tmp/orcaops-pwned.db' AS e; --", "*/ OR TRUE /*",
    "'; COPY runs TO '/tmp/orcaops-pwned.csv'; --", "\\'; --",
]
# Pieces of the payloads that would only be in the SQL text if a payload got there.
MARKERS = ["DROP", "ATTACH", "COPY", "UNION SELECT", "1=1", "'1'='1", "pwned", "OR TRUE", "$1"]
FIELDS = ["id", "status", "image", "command", "cmd", "tag", "by", "intent", "parent", "category",
          "error", "log", "level", "host", "executor", "fingerprint", "meta.branch", "exit",
          "duration", "memory", "cost", "after", "day", "has", "is"]


def _quoted(payload: str) -> str:
    return '"' + payload.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_through_every_field_and_sort(hostile: tuple[Path, Warehouse], cli_home,  # type: ignore[no-untyped-def]
                                                payload: str, figures: Counter[str]) -> None:
    """Each payload through every field, bare, and as ``--sort``: the SQL text is the same
    as for a harmless value, the CLI answers (exit 0) or refuses (exit 2), never writes."""
    home, wh = hostile
    before = wh.sql("SELECT count(*) FROM runs").item()
    for field in FIELDS:
        for text in (f"{field}:{_quoted(payload)}", f"{_quoted(payload)}"):
            try:
                plan = compile_search(text, limit=5)
            except QueryError:
                continue
            sql = plan.page_sql + plan.facets_sql
            assert payload not in sql and not any(m in sql for m in MARKERS), text
            # The same value with every letter and digit replaced: same wildcards and word
            # count (which shape the SQL), nothing executable. The SQL must not differ.
            harmless = _quoted(re.sub(r"[A-Za-z0-9]", "z", payload))
            assert plan.page_sql == compile_search(text.replace(_quoted(payload), harmless),
                                                   limit=5).page_sql, text
            figures["injection attempts"] += 1
    done = cli_home(home, "runs", "search", f"intent:{_quoted(payload)}", "--format", "json")
    assert done.exit_code == 0, done.stderr
    found = [r["intent"] for r in json.loads(done.stdout)["runs"]]
    assert payload in found and all(payload.lower() in f.lower() for f in found), found
    sorted_ = cli_home(home, "runs", "search", "tag:rel", "--sort", payload)
    assert sorted_.exit_code == 2 and "Unknown sort key" in sorted_.stderr
    shown = cli_home(home, "runs", "search", "tag:rel", "--sort", payload, "--show-sql")
    assert shown.exit_code == 2
    logs = cli_home(home, "runs", "logs", "ho-0001", "--grep", payload)
    assert logs.exit_code == 0 and "Traceback" not in logs.stderr
    figures["injection attempts"] += 4
    assert wh.sql("SELECT count(*) FROM runs").item() == before
    assert not Path("/tmp/orcaops-pwned.db").exists()
    assert not Path("/tmp/orcaops-pwned.csv").exists()


SQL_ATTACKS = [
    "CREATE TABLE t AS SELECT 1", "INSERT INTO runs SELECT * FROM runs", "DROP VIEW runs",
    "DELETE FROM runs", "UPDATE runs SET status = 'x'", "COPY runs TO '{out}'",
    "EXPORT DATABASE '{outdir}'", "ATTACH '{outdb}' AS x", "INSTALL httpfs", "LOAD httpfs",
    "SET enable_external_access = true", "PRAGMA enable_external_access=true",
    "SET allowed_directories = ['/']", "CALL pragma_version()", "CHECKPOINT",
    "SELECT 1; DROP VIEW runs", "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM glob('/*')",
    "SELECT * FROM read_blob('/proc/self/environ')",
    "SELECT * FROM read_text('{warehouse}/../../../etc/hostname')",
    "SELECT * FROM query('CREATE TABLE t (a INT)')", "SELECT * FROM read_parquet('{out}')",
    "WITH x AS (SELECT 1) SELECT * FROM read_json_objects('/etc/hostname')",
]


@pytest.mark.parametrize("attack", SQL_ATTACKS)
def test_orcaops_sql_is_read_only_and_confined(hostile: tuple[Path, Warehouse], cli_home,  # type: ignore[no-untyped-def]
                                               tmp_path: Path, attack: str,
                                               figures: Counter[str]) -> None:
    """Without --unsafe: exit 2 with the reason, nothing written, nothing outside read."""
    home, wh = hostile
    out = tmp_path / "leak.csv"
    sql = attack.format(out=out, outdir=tmp_path / "exp", outdb=tmp_path / "x.db",
                        warehouse=home / "warehouse")
    done = cli_home(home, "sql", sql)
    figures["injection attempts"] += 1
    assert done.exit_code == 2, (sql, done.stdout, done.stderr)
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert not out.exists() and not (tmp_path / "exp").exists()
    assert not (tmp_path / "x.db").exists()
    assert wh.sql("SELECT count(*) FROM runs").item() == 24


def test_unsafe_lifts_the_sandbox(hostile: tuple[Path, Warehouse], cli_home,  # type: ignore[no-untyped-def]
                                  tmp_path: Path) -> None:
    """--unsafe is the one way to write a file outside the warehouse."""
    home, _ = hostile
    out = tmp_path / "export.csv"
    done = cli_home(home, "sql", f"COPY (SELECT job_id FROM runs) TO '{out}'", "--unsafe")
    assert done.exit_code == 0, done.stderr
    assert out.read_text().count("\n") == 25
