"""Value parsers (durations, memory, dates), wildcard patterns, regex checks and sort keys."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest

from orcaops.core.units import (
    BadValue,
    parse_day,
    parse_duration,
    parse_instant,
    parse_integer,
    parse_memory,
    parse_number,
)
from orcaops.query import compile_sort
from orcaops.query.patterns import check_regex, to_pattern

NOW = datetime(2026, 11, 8, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90.0), ("1.5", 1.5), ("500ms", 0.5), ("90s", 90.0), ("5m", 300.0), ("2h", 7200.0),
     ("1d", 86400.0), ("1w", 604800.0), ("1h30m", 5400.0), ("2H", 7200.0), (".5s", 0.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "mb"),
    [("64", 64.0), ("512KB", 0.5), ("64MB", 64.0), ("2GB", 2048.0), ("1gb", 1024.0),
     ("1TB", 1048576.0), ("1GiB", 1024.0), ("2g", 2048.0), ("1048576B", 1.0)],
)
def test_memory_is_binary(text: str, mb: float) -> None:
    assert parse_memory(text) == mb


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-01-01", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T10:00:00Z", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("2026-01-01T10:00:00+02:00", datetime(2026, 1, 1, 8, tzinfo=UTC)),
        ("2026-01-01T10:00", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("2026-01-01 10:00:00.250", datetime(2026, 1, 1, 10, 0, 0, 250000, tzinfo=UTC)),
        ("-7d", datetime(2026, 11, 1, 12, 30, tzinfo=UTC)),
        ("-24h", datetime(2026, 11, 7, 12, 30, tzinfo=UTC)),
        ("-30m", datetime(2026, 11, 8, 12, 0, tzinfo=UTC)),
        ("-1d12h", datetime(2026, 11, 7, 0, 30, tzinfo=UTC)),
        ("today", datetime(2026, 11, 8, tzinfo=UTC)),
        ("Yesterday", datetime(2026, 11, 7, tzinfo=UTC)),
        ("now", NOW),
    ],
)
def test_instants(text: str, instant: datetime) -> None:
    assert parse_instant(text, NOW) == instant


def test_days() -> None:
    assert parse_day("2026-02-03", NOW) == date(2026, 2, 3)
    assert parse_day("-7d", NOW) == date(2026, 11, 1)
    assert parse_day("2026-01-01T23:30:00-02:00", NOW) == date(2026, 1, 2)  # the UTC day


@pytest.mark.parametrize(
    ("parser", "text"),
    [
        (parse_integer, "1.5"), (parse_integer, "abc"), (parse_integer, "99999999999"),
        (parse_number, "nan"), (parse_number, "inf"), (parse_number, "1_000"), (parse_number, ""),
        (parse_number, "1e999"),
        (parse_duration, "abc"), (parse_duration, "-5"), (parse_duration, "5x"), (parse_duration, "m"),
        (parse_duration, "1h30"), (parse_duration, "1e3s"),
        (parse_memory, "12XB"), (parse_memory, "-1GB"), (parse_memory, "GB"), (parse_memory, "1 GB x"),
        (lambda t: parse_instant(t, NOW), "notadate"),
        (lambda t: parse_instant(t, NOW), "-7"),
        (lambda t: parse_instant(t, NOW), "2026-13-01"),
        (lambda t: parse_instant(t, NOW), "2026W01"),
        (lambda t: parse_instant(t, NOW), "-99999999999d"),
        (lambda t: parse_instant(t, NOW), "0001-01-01T00:00:00+01:00"),
        (lambda t: parse_day(t, NOW), "2026-02-30"),
    ],
)
def test_bad_values(parser: object, text: str) -> None:
    with pytest.raises(BadValue):
        parser(text)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("raw", "single", "like", "literal", "wildcard"),
    [
        ("python*", True, "python%", "python", True),
        ("py?hon", True, "py_hon", "pyhon", True),
        ("what?", False, "what?", "what?", False),
        ("100%_x", True, "100\\%\\_x", "100%_x", False),
        ("a\\*b", True, "a*b", "a*b", False),
        ("a\\\\b", True, "a\\\\b", "a\\b", False),
        ("trailing\\", True, "trailing\\\\", "trailing\\", False),
    ],
)
def test_wildcard_patterns(raw: str, single: bool, like: str, literal: str, wildcard: bool) -> None:
    pattern = to_pattern(raw, single_char=single)
    assert (pattern.like, pattern.literal, pattern.has_wildcard) == (like, literal, wildcard)


@pytest.mark.parametrize("raw", ["100%", "a_b", "x\\y", "\\?", "\\*", "a\\"])
def test_patterns_match_their_literal_in_duckdb(raw: str) -> None:
    pattern = to_pattern(raw, single_char=True)
    con = duckdb.connect()
    matched = con.execute("SELECT ? ILIKE ? ESCAPE '\\'", [pattern.literal, pattern.like]).fetchone()
    assert matched == (True,)


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("time.?out", None), (r"^E\s+\w+", None), ("(?i)x", None), ("(?P<n>a)", None),
        ("[(?=]", None), (r"\(?=x", None), ("[]a]", None), ("a{3,1000}", None),
        ("(", ("missing ), unterminated subpattern", 0)),
        ("a(?=b)", ("lookaround assertions are not supported", 1)),
        ("(?<!a)b", ("lookaround assertions are not supported", 0)),
        (r"(a)\1", ("backreferences are not supported", 3)),
        ("(?P<n>a)(?P=n)", ("backreferences are not supported", 8)),
        ("(?>a)", ("atomic groups are not supported", 0)),
        ("a++", ("possessive quantifiers are not supported", 1)),
        ("a{2,1001}", ("repetition counts above 1000 are not supported", 1)),
        (r"a\Z", ("the escape \\Z is not supported", 1)),
        (r"[\b]", ("the escape \\b is not supported", 1)),
        ("(?x)a b", ("the inline flag(s) x are not supported", 0)),
        ("(?#note)a", ("comments are not supported", 0)),
    ],
)
def test_regex_checks(pattern: str, problem: tuple[str, int] | None) -> None:
    assert check_regex(pattern) == problem


@pytest.mark.parametrize(
    ("spec", "order"),
    [
        ("-started_at", "started_at DESC NULLS LAST"),
        ("started_at", "started_at ASC NULLS LAST"),
        ("+started_at", "started_at ASC NULLS LAST"),
        ("-duration", "duration_s DESC NULLS LAST"),
        ("cost", "estimated_cost_usd ASC NULLS LAST"),
        ("mem", "memory_peak_mb ASC NULLS LAST"),
        ("id", "job_id ASC NULLS LAST"),
        ("after", "started_at ASC NULLS LAST"),
        ("Duration", "duration_s ASC NULLS LAST"),
        ("-duration, started_at", "duration_s DESC NULLS LAST, started_at ASC NULLS LAST"),
        ("exit,-cpu", "exit_code ASC NULLS LAST, cpu_seconds DESC NULLS LAST"),
    ],
)
def test_sort_specs(spec: str, order: str) -> None:
    assert compile_sort(spec) == order
