"""Properties over open-ended input (hypothesis).

1. Parsing and compiling any text raises nothing but QueryError, and whatever compiles runs
   in DuckDB.
2. User values never reach the SQL text: the WHERE text does not depend on the value.
3. SQL-injection strings become parameters, run without error and match ordinary rows.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orcaops.core.errors import QueryError
from orcaops.query import MAX_QUERY_TERMS, compile_query, compile_sort, parse_query

NOW = datetime(2026, 11, 8, 12, 0, tzinfo=timezone.utc)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

VALID = [
    "status:failed image:python* duration:>60",
    'tag:ci -tag:nightly meta.branch:main log:"connection refused"',
    "(status:failed OR status:timeout) after:-7d NOT has:parent",
    "duration:[1m TO 5m] memory:>1GB exit:(1 OR 2) level:>=warn",
    "log:/time.?out/ error:oom is:failed is:flaky day:[2026-11-01 TO today]",
    'by:mcp:* intent:"fix*bug" missing:intent cost:<0.01 queue:>=30s id:r-0',
]
PIECES = [
    "status", "image", "tag", "meta.x", "duration", "memory", "after", "day", "log", "error",
    "level", "has", "is", "exit", "cmd", ":", " ", "  ", "(", ")", "[", "]", '"', "\\", "/",
    "*", "?", "-", ">", ">=", "<", "=", "TO", "AND", "OR", "NOT", "and", "failed", "1m",
    "5m", "2GB", "-7d", "today", "2026-01-01", "60", "x", "'", ";", "%", "_", "é", "\n",
    "\t", "\x00", "\x7f", "\ud800", "py*", "a.b", "-1", "1e3", "nan", ".", "..", "{", "}",
]
token_soup = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid query with characters inserted, deleted or duplicated."""
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "duplicate"]))
        if op == "insert":
            text = text[:at] + draw(st.sampled_from(PIECES)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 5)):]
        else:
            text = text[:at] + text[at:at + 8] + text[at:]
    return text


def _compiles_or_query_error(text: str) -> object:
    try:
        return compile_query(text, now=NOW)
    except QueryError:
        return None


@FAST
@given(st.text(max_size=200))
def test_any_text_compiles_or_raises_query_error(text: str) -> None:
    _compiles_or_query_error(text)


@FAST
@given(st.one_of(token_soup, mutated()))
def test_near_valid_queries_compile_and_run_or_raise_query_error(
    query_db: duckdb.DuckDBPyConnection, text: str
) -> None:
    compiled = _compiles_or_query_error(text)
    if compiled is not None:
        sql = f"SELECT job_id FROM runs WHERE {compiled.where}"  # type: ignore[attr-defined]
        query_db.cursor().execute(sql, list(compiled.params)).fetchall()  # type: ignore[attr-defined]


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=60))
def test_sort_specs_compile_or_raise_query_error(spec: str) -> None:
    try:
        order = compile_sort(spec)
    except QueryError:
        return
    assert all(part.endswith(" NULLS LAST") for part in order.split(", "))


# A value: characters a user may type inside a quoted phrase, without wildcards or escapes
# (those change the SQL shape on purpose: equality vs LIKE).
value_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\*?'),
    min_size=1, max_size=30,
)
TEMPLATES = [
    'image:"{v}"', 'by:"{v}"', 'category:"{v}"', 'host:"{v}"', 'tag:"{v}"', 'command:"{v}"',
    'intent:"{v}"', 'log:"{v}"', 'error:"{v}"', 'id:"{v}"', 'parent:"{v}"', 'meta.k:"{v}"',
    '"{v}"', 'NOT "{v}"', 'image:("{v}" OR "{v}")',
]


@FAST
@given(st.sampled_from(TEMPLATES), value_text)
def test_values_never_reach_the_sql_text(template: str, value: str) -> None:
    compiled = compile_query(template.format(v=value), now=NOW)
    skeleton = compile_query(template.format(v="zq"), now=NOW).where
    # The SQL text does not depend on the value (beyond an ESCAPE clause when it escapes).
    assert compiled.where.replace(" ESCAPE '\\'", "") == skeleton
    assert value not in compiled.where or value in skeleton
    unescaped = [re.sub(r"\\(.)", r"\1", str(p)).lower() for p in compiled.params]
    assert any(value.lower() in p for p in unescaped)


meta_keys = st.from_regex(r"[A-Za-z0-9_-]{1,12}(\.[A-Za-z0-9_-]{1,8}){0,2}", fullmatch=True)


@FAST
@given(meta_keys, st.from_regex(r"[A-Za-z0-9]{1,10}", fullmatch=True))
def test_meta_keys_are_parameters(key: str, value: str) -> None:
    compiled = compile_query(f"meta.{key}:{value} has:meta.{key}", now=NOW)
    assert compiled.where == compile_query("meta.k:v has:meta.k", now=NOW).where
    assert "$." + ".".join(f'"{s}"' for s in key.split(".")) in compiled.params


INJECTIONS = [
    "'; DROP TABLE runs; --",
    "') OR 1=1 --",
    "' OR '1'='1",
    ") OR 1=1 --",
    "1; SELECT * FROM logs",
    "x' UNION SELECT job_id FROM logs --",
    "%' OR job_id LIKE '%",
    "?",
    "$1",
    "\\'",
    "'; ATTACH 'evil.db' AS e; --",
    "*/ OR TRUE /*",
]


@pytest.mark.parametrize("injection", INJECTIONS)
@pytest.mark.parametrize("template", TEMPLATES)
def test_injection_strings_are_only_parameters(
    query_db: duckdb.DuckDBPyConnection, template: str, injection: str
) -> None:
    if any(c in injection for c in '"\\*?'):
        injection = injection.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")
    compiled = compile_query(template.format(v=injection), now=NOW)
    skeleton = compile_query(template.format(v="zq"), now=NOW).where
    # A pattern that escapes a character gets an ESCAPE clause; nothing else of the value
    # shapes the SQL text.
    assert compiled.where.replace(" ESCAPE '\\'", "") == skeleton
    cursor = query_db.cursor()
    rows = cursor.execute(f"SELECT job_id FROM runs WHERE {compiled.where}", list(compiled.params))
    assert rows.fetchall() == [] or template.startswith("NOT")
    assert cursor.execute("SELECT count(*) FROM runs").fetchone() == (7,)


def test_an_injection_string_in_the_data_is_found_like_any_value(
    query_db: duckdb.DuckDBPyConnection,
) -> None:
    compiled = compile_query('meta.sql:"\'; DROP TABLE runs; --"', now=NOW)
    rows = query_db.cursor().execute(
        f"SELECT job_id FROM runs WHERE {compiled.where}", list(compiled.params)
    ).fetchall()
    assert rows == [("r-err",)]


@pytest.mark.parametrize(
    "text",
    [
        "NOT " * 64 + "status:failed",
        "-(a OR " * 21 + "b" + ")" * 21,
        "(" * 64 + "status:failed OR log:x" + ")" * 64,
        "tag:" + "(" * 63 + "a" + ")" * 63,
        "a " * MAX_QUERY_TERMS,
    ],
)
def test_deep_and_long_queries_at_the_limits_run_in_duckdb(
    query_db: duckdb.DuckDBPyConnection, text: str
) -> None:
    compiled = compile_query(text, now=NOW)
    query_db.cursor().execute(f"SELECT job_id FROM runs WHERE {compiled.where}", list(compiled.params))


@pytest.mark.parametrize(
    "text",
    ["-" * 5000 + "a", "NOT " * 2400 + "a", "(" * 4000 + "a" + ")" * 4000, "(" * 5000, ")" * 5000, '"' * 10_000, "NOT " * 2500, "-" * 10_000, "a:" * 5000,
     "a OR " * 2000, "x:(" * 3000, "[" * 10_000, "a" * 10_000],
)
def test_pathological_inputs_are_query_errors_or_compile(text: str) -> None:
    try:
        parse_query(text)
    except QueryError:
        pass
