"""Compiler tables: query → exact WHERE text and parameters, one row per construct."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

import duckdb
import pytest

from orcaops.query import CompiledQuery, ast, compile_node, compile_query

NOW = datetime(2026, 11, 8, 12, 0, tzinfo=timezone.utc)

TABLE: list[tuple[str, str, tuple[object, ...]]] = [
    ('status:failed', 'status = ?', ('failed',)),
    ('image:python*', "image ILIKE ?", ('python%',)),
    ('image:py?hon', "image ILIKE ?", ('py_hon',)),
    ('image:"a\\*b"', 'lower(image) = ?', ('a*b',)),
    ('tag:ci', 'list_contains(list_transform(tags, lambda t: lower(t)), ?)', ('ci',)),
    ('tag:c*', "len(list_filter(tags, lambda t: t ILIKE ?)) > 0", ('c%',)),
    ('tag:/^c/', "len(list_filter(tags, lambda t: regexp_matches(t, ?, 'i'))) > 0", ('^c',)),
    ('by:cli', 'lower(triggered_by) = ?', ('cli',)),
    ('triggered_by:api', 'lower(triggered_by) = ?', ('api',)),
    ('category:oom', 'lower(failure_category) = ?', ('oom',)),
    ('meta.branch:main', 'lower(json_extract_string(TRY_CAST(metadata AS JSON), ?)) = ?', ('$."branch"', 'main')),
    ('meta.build.os:lin*', "json_extract_string(TRY_CAST(metadata AS JSON), ?) ILIKE ?", ('$."build"."os"', 'lin%')),
    ('meta.retries:>2', 'TRY_CAST(json_extract_string(TRY_CAST(metadata AS JSON), ?) AS DOUBLE) > ?', ('$."retries"', 2.0)),
    ('meta.n:[1 TO 3]', 'TRY_CAST(json_extract_string(TRY_CAST(metadata AS JSON), ?) AS DOUBLE) BETWEEN ? AND ?', ('$."n"', 1.0, 3.0)),
    ('id:r-00', 'starts_with(job_id, ?)', ('r-00',)),
    ('id:r-*1', "job_id LIKE ? ESCAPE '\\'", ('r-%1%',)),
    ('parent:abc', 'starts_with(parent_job_id, ?)', ('abc',)),
    ('command:pytest', "command ILIKE ?", ('%pytest%',)),
    ('cmd:"npm test"', "command ILIKE ?", ('%npm test%',)),
    ('intent:"fix*bug"', "intent ILIKE ?", ('%fix%bug%',)),
    ('command:/py(test)?/', "regexp_matches(command, ?, 'i')", ('py(test)?',)),
    ('command:100%_x', "command ILIKE ? ESCAPE '\\'", ('%100\\%\\_x%',)),
    ('command:what?', "command ILIKE ?", ('%what?%',)),
    ('exit:1', 'exit_code = ?', (1,)),
    ('exit:>=2', 'exit_code >= ?', (2,)),
    ('exit:=0', 'exit_code = ?', (0,)),
    ('exit:-1', 'exit_code = ?', (-1,)),
    ('duration:>60', 'duration_s > ?', (60.0,)),
    ('duration:[1m TO 5m]', 'duration_s BETWEEN ? AND ?', (60.0, 300.0)),
    ('duration:[1m TO *]', 'duration_s >= ?', (60.0,)),
    ('duration:[* TO 500ms]', 'duration_s <= ?', (0.5,)),
    ('duration:[* TO *]', 'duration_s IS NOT NULL', ()),
    ('queue:<5s', 'queue_wait_s < ?', (5.0,)),
    ('cpu:>1h30m', 'cpu_seconds > ?', (5400.0,)),
    ('memory:>1GB', 'memory_peak_mb > ?', (1024.0,)),
    ('mem:512KB', 'memory_peak_mb = ?', (0.5,)),
    ('cost:<=0.5', 'estimated_cost_usd <= ?', (0.5,)),
    # A bound on started_at also bounds the `day` partition (one day of slack) for pruning.
    ('after:-7d', 'started_at >= ? AND day >= ?',
     (datetime(2026, 11, 1, 12, 0, tzinfo=UTC), date(2026, 10, 31))),
    ('before:2026-01-01', 'started_at < ? AND day <= ?',
     (datetime(2026, 1, 1, 0, 0, tzinfo=UTC), date(2026, 1, 2))),
    ('after:2026-01-01T10:00:00Z', 'started_at >= ? AND day >= ?',
     (datetime(2026, 1, 1, 10, 0, tzinfo=UTC), date(2025, 12, 31))),
    ('after:today', 'started_at >= ? AND day >= ?',
     (datetime(2026, 11, 8, 0, 0, tzinfo=UTC), date(2026, 11, 7))),
    ('before:yesterday', 'started_at < ? AND day <= ?',
     (datetime(2026, 11, 7, 0, 0, tzinfo=UTC), date(2026, 11, 8))),
    ('day:2026-11-01', 'day = ?', (date(2026, 11, 1),)),
    ('day:>=-7d', 'day >= ?', (date(2026, 11, 1),)),
    ('day:[2026-11-01 TO today]', 'day BETWEEN ? AND ?', (date(2026, 11, 1), date(2026, 11, 8))),
    ('has:parent', "coalesce(parent_job_id, '') <> ''", ()),
    ('missing:intent', "NOT (coalesce(intent, '') <> '')", ()),
    ('has:tag', 'coalesce(len(tags), 0) > 0', ()),
    ('has:meta', 'coalesce(len(json_keys(TRY_CAST(metadata AS JSON))), 0) > 0', ()),
    ('has:meta.branch', "coalesce(json_extract_string(TRY_CAST(metadata AS JSON), ?), '') <> ''", ('$."branch"',)),
    ('has:error', "(coalesce(first_error, '') <> '') OR (coalesce(error_message, '') <> '')", ()),
    ('has:log', 'job_id IN (SELECT job_id FROM logs)', ()),
    ('has:level', "job_id IN (SELECT job_id FROM logs WHERE coalesce(level, '') <> '')", ()),
    ('missing:duration', 'NOT (duration_s IS NOT NULL)', ()),
    ('image:*', "coalesce(image, '') <> ''", ()),
    ('is:failed', 'status IN (?, ?, ?)', ('failed', 'timeout', 'error')),
    ('is:running', 'status = ?', ('running',)),
    ('is:flaky', 'baseline_key IN (SELECT baseline_key FROM flaky_keys)', ()),
    ('is:anomalous', 'job_id IN (SELECT job_id FROM anomalous_runs)', ()),
    ('log:"connection refused"', "job_id IN (SELECT job_id FROM logs WHERE message ILIKE ?)", ('%connection refused%',)),
    ('log:/time.?out/', "job_id IN (SELECT job_id FROM logs WHERE regexp_matches(message, ?, 'i'))", ('time.?out',)),
    ('log:conn*refused', "job_id IN (SELECT job_id FROM logs WHERE message ILIKE ?)", ('%conn%refused%',)),
    ('level:error', 'job_id IN (SELECT job_id FROM logs WHERE level IN (?, ?))',
     ('ERROR', 'FATAL')),
    ('level:WARNING', 'job_id IN (SELECT job_id FROM logs WHERE level IN (?, ?, ?))',
     ('WARN', 'ERROR', 'FATAL')),
    ('level:=WARNING', 'job_id IN (SELECT job_id FROM logs WHERE level = ?)', ('WARN',)),
    ('level:>=warn', 'job_id IN (SELECT job_id FROM logs WHERE level IN (?, ?, ?))', ('WARN', 'ERROR', 'FATAL')),
    ('level:[debug TO info]', 'job_id IN (SELECT job_id FROM logs WHERE level IN (?, ?))', ('DEBUG', 'INFO')),
    ('level:>fatal', 'job_id IN (SELECT job_id FROM logs WHERE FALSE)', ()),
    ('NOT status:failed', 'NOT coalesce(status = ?, FALSE)', ('failed',)),
    ('-status:failed', 'NOT coalesce(status = ?, FALSE)', ('failed',)),
    ('status:(failed OR timeout)', '(status = ?) OR (status = ?)', ('failed', 'timeout')),
    ('tag:(ci AND NOT pr)', '(list_contains(list_transform(tags, lambda t: lower(t)), ?)) AND (NOT coalesce(list_contains(list_transform(tags, lambda t: lower(t)), ?), FALSE))', ('ci', 'pr')),
    ('log:a log:b', "job_id IN (SELECT job_id FROM logs WHERE (message ILIKE ?) OR (message ILIKE ?) GROUP BY job_id HAVING bool_or(message ILIKE ?) AND bool_or(message ILIKE ?))", ('%a%', '%b%', '%a%', '%b%')),
    ('log:a OR log:b', "job_id IN (SELECT job_id FROM logs WHERE (message ILIKE ?) OR (message ILIKE ?))", ('%a%', '%b%')),
    ('log:a OR status:failed', "(job_id IN (SELECT job_id FROM logs WHERE message ILIKE ?)) OR (status = ?)", ('%a%', 'failed')),
    ('', 'TRUE', ()),]


@pytest.mark.parametrize(("query", "where", "params"), TABLE, ids=[q or "<empty>" for q, _, _ in TABLE])
def test_compiles_to(query: str, where: str, params: tuple[object, ...]) -> None:
    compiled = compile_query(query, now=NOW)
    assert (compiled.where, compiled.params) == (where, params)
    assert compiled.where.count("?") == len(compiled.params)


@pytest.mark.parametrize("query", [q for q, _, _ in TABLE], ids=[q or "<empty>" for q, _, _ in TABLE])
def test_table_sql_runs_in_duckdb(query_db: duckdb.DuckDBPyConnection, query: str) -> None:
    compiled = compile_query(query, now=NOW)
    sql = f"SELECT count(*) FROM runs WHERE {compiled.where}"
    assert query_db.cursor().execute(sql, list(compiled.params)).fetchone() is not None


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [("cmd:x", "command:x"), ("by:cli", "triggered_by:cli"), ("mem:>1GB", "memory:>1GB"),
     ("tags:ci", "tag:ci"), ("STATUS:failed", "status:failed"), ("Status:Failed", "status:failed")],
)
def test_aliases_and_case_compile_the_same(alias: str, canonical: str) -> None:
    assert compile_query(alias, now=NOW).where == compile_query(canonical, now=NOW).where


@pytest.mark.parametrize(
    ("query", "same_as"),
    [
        ("a and b", "a AND b"), ("a AnD b", "a b"), ("a or b", "a OR b"),
        ("not a", "NOT a"), ("-a", "NOT a"), ("status:=failed", "status:failed"),
        ("a b OR c", "(a b) OR c"), ("a OR b c", "a OR (b c)"), ("NOT a b", "(NOT a) b"),
        ("((a))", "a"), ("status:(failed)", "status:failed"), ('"a"', "a"),
        ("status:(failed OR timeout)", "status:failed OR status:timeout"),
        ("tag:(a b)", "tag:a tag:b"), ("tag:(a NOT b)", "tag:a -tag:b"),
    ],
)
def test_equivalent_spellings(query: str, same_as: str) -> None:
    left, right = compile_query(query, now=NOW), compile_query(same_as, now=NOW)
    assert (left.where, left.params) == (right.where, right.params)


def test_empty_query_is_true() -> None:
    assert compile_query("") == CompiledQuery("TRUE", (), "")
    assert compile_query("  \n\t ").where == "TRUE"


def test_compiled_query_is_frozen_and_keeps_the_text() -> None:
    compiled = compile_query("status:failed", now=NOW)
    assert compiled.text == "status:failed"
    with pytest.raises(dataclasses.FrozenInstanceError):
        compiled.where = "TRUE"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("query", "views", "uses_logs"),
    [
        ("status:failed", set(), False),
        ("log:x", {"logs"}, True),
        ("error:x", {"logs"}, True),
        ("level:error", {"logs"}, True),
        ("missing:log", {"logs"}, True),
        ("-log:x", {"logs"}, True),
        ("is:flaky", {"flaky_keys"}, False),
        ("is:anomalous OR log:x", {"anomalous_runs", "logs"}, True),
    ],
)
def test_views_read(query: str, views: set[str], uses_logs: bool) -> None:
    compiled = compile_query(query, now=NOW)
    assert compiled.views == views
    assert compiled.uses_logs is uses_logs


def test_relative_dates_default_to_the_current_time() -> None:
    before = datetime.now(UTC)
    bound, _day = compile_query("after:-1h").params
    assert before - timedelta(hours=1) <= bound <= datetime.now(UTC) - timedelta(hours=1)


def test_naive_now_is_utc() -> None:
    naive = compile_query("after:today", now=datetime(2026, 11, 8, 23, 59)).params
    assert naive == (datetime(2026, 11, 8, tzinfo=UTC), date(2026, 11, 7))


def test_now_in_another_zone_is_converted_to_utc_days() -> None:
    tokyo = timezone(timedelta(hours=9))
    # 2026-11-09 01:00 in Tokyo is 2026-11-08 16:00 UTC: "today" is the UTC day.
    params = compile_query("day:today", now=datetime(2026, 11, 9, 1, 0, tzinfo=tokyo)).params
    assert params == (date(2026, 11, 8),)


def test_hand_built_tree_compiles() -> None:
    tree = ast.Or((ast.Term("status", ast.Word("failed")), ast.Not(ast.Bare(ast.Word("x")))))
    assert compile_node(tree, now=NOW).where.startswith("(status = ?) OR (NOT coalesce(")
    assert compile_node(ast.And(()), now=NOW).where == "TRUE"
    assert compile_node(ast.Or(()), now=NOW).where == "FALSE"


def test_a_node_without_a_rule_is_a_clear_error() -> None:
    @dataclasses.dataclass(frozen=True)
    class Mystery:
        pass

    with pytest.raises(TypeError, match="no compiler rule for Mystery; add Compiler.visit_Mystery"):
        compile_node(Mystery(), now=NOW)  # type: ignore[arg-type]
