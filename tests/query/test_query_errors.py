"""Error messages, word for word, caret line included."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from orcaops.core.errors import InputError, QueryError
from orcaops.query import (
    MAX_QUERY_LENGTH,
    MAX_QUERY_TERMS,
    compile_query,
    compile_sort,
    parse_query,
)

NOW = datetime(2026, 11, 8, 12, 0, tzinfo=timezone.utc)
VALID_FIELDS = (
    "after, before, by, category, cmd, command, cost, cpu, day, duration, error, executor, exit, "
    "fingerprint, has, host, id, image, intent, is, level, log, mem, memory, missing, parent, "
    "queue, status, tag, tags, test, test.status, tests, triggered_by, meta.<key>"
)

MESSAGES: list[tuple[str, str]] = [
    # Queries that used to match everything or nothing with exit 0.
    ('log:""', 'Empty value for log at column 5: expected a value after log: (an empty one '
               'would match every run)\n  log:""\n      ^'),
    ('""', 'Empty phrase at column 1: expected text inside the quotes (an empty one would '
           'match every run)\n  ""\n  ^'),
    (":failed", "Missing field name before ':' at column 1: expected field:value such as "
                "status:failed (quote text that starts with ':')\n  :failed\n  ^"),
    ("duration:[120 TO 60]", "Empty range for duration: 120 is above 60 at column 10: expected "
                             "the lower bound first, as in [60 TO 120]\n"
                             "  duration:[120 TO 60]\n           ^"),
    ("tag:ci AND AND tag:pr", 'AND where a search term should be at column 12: expected a term '
                              'such as tag:pr (quote "and" to search for the word)\n'
                              "  tag:ci AND AND tag:pr\n             ^"),
    (
        "status:failed image:python* duration:>",
        (
            "Unexpected end of query at column 39: expected a number or duration\n"
            "  status:failed image:python* duration:>\n"
            "                                        ^"
        ),
    ),
    (
        "stauts:failed",
        (
            f"Unknown field 'stauts' at column 1: did you mean status? valid fields: {VALID_FIELDS}\n"
            "  stauts:failed\n"
            "  ^"
        ),
    ),
    (
        "status:failed python:3.11",
        (
            "Unknown field 'python' at column 15: to search for text containing ':', put it in "
            f"quotes; valid fields: {VALID_FIELDS}\n"
            "  status:failed python:3.11\n"
            "                ^"
        ),
    ),
    (
        "duration:>abc",
        (
            "Invalid value 'abc' for duration at column 11: expected a number or duration "
            "(seconds or 500ms, 90s, 5m, 2h, 1d; e.g. >60, [1m TO 5m])\n"
            "  duration:>abc\n"
            "            ^"
        ),
    ),
    (
        "after:notadate",
        (
            "Invalid value 'notadate' for after at column 7: expected a date (2026-01-01, "
            "2026-01-01T10:00:00Z, -7d, -24h, -30m, today, yesterday)\n"
            "  after:notadate\n"
            "        ^"
        ),
    ),
    (
        "memory:>12XB",
        (
            "Invalid value '12XB' for memory at column 9: expected a number or memory size "
            "(MB or 512KB, 64MB, 2GB (binary units); e.g. >1GB, [256MB TO 1GB])\n"
            "  memory:>12XB\n"
            "          ^"
        ),
    ),
    (
        "exit:abc",
        (
            "Invalid value 'abc' for exit at column 6: expected an integer (e.g. 1, >0, [1 TO 3])\n"
            "  exit:abc\n"
            "       ^"
        ),
    ),
    (
        "duration:[5 TO]",
        (
            "Unexpected ']' at column 15: expected a number or duration as the upper bound\n"
            "  duration:[5 TO]\n"
            "                ^"
        ),
    ),
    (
        "[5 TO]",
        (
            "Unexpected '[' at column 1: expected a search term (a range follows a field: "
            "duration:[1m TO 5m])\n"
            "  [5 TO]\n"
            "  ^"
        ),
    ),
    (
        "duration:[1m 5m]",
        ("Unexpected '5m]' at column 14: expected TO\n  duration:[1m 5m]\n               ^"),
    ),
    (
        "duration:[1m TO 5m",
        (
            "Unexpected end of query at column 19: expected ']'\n"
            "  duration:[1m TO 5m\n"
            "                    ^"
        ),
    ),
    (
        "status:faild",
        (
            "Unknown status value 'faild' at column 8: did you mean failed? expected one of "
            "queued, running, success, failed, timeout, cancelled, error\n"
            "  status:faild\n"
            "         ^"
        ),
    ),
    (
        'log:"connection refused',
        (
            'Unterminated quoted phrase at column 5: expected a closing "\n'
            '  log:"connection refused\n'
            "      ^"
        ),
    ),
    (
        "(status:failed OR status:error",
        (
            "Unexpected end of query at column 31: expected ')'\n"
            "  (status:failed OR status:error\n"
            "                                ^"
        ),
    ),
    (
        "status:failed)",
        ("Unexpected ')' at column 14: no matching '('\n  status:failed)\n               ^"),
    ),
    (
        "status:failed AND",
        (
            "Unexpected end of query at column 18: expected a search term\n"
            "  status:failed AND\n"
            "                   ^"
        ),
    ),
    (
        "status:",
        (
            "Unexpected end of query at column 8: expected a value (wildcards * and ? allowed)\n"
            "  status:\n"
            "         ^"
        ),
    ),
    (
        "log:/(unclosed/",
        (
            "Invalid regex: missing ), unterminated subpattern at column 6: expected a valid regex\n"
            "  log:/(unclosed/\n"
            "       ^"
        ),
    ),
    (
        "log:/a(?=b)/",
        (
            "Invalid regex: lookaround assertions are not supported at column 7: "
            "expected a valid regex\n"
            "  log:/a(?=b)/\n"
            "        ^"
        ),
    ),
    (
        "is:broken",
        (
            "Unknown is value 'broken' at column 4: expected one of failed, flaky, anomalous, "
            "running\n"
            "  is:broken\n"
            "     ^"
        ),
    ),
    (
        "is:flakey",
        (
            "Unknown is value 'flakey' at column 4: did you mean flaky? expected one of failed, "
            "flaky, anomalous, running\n"
            "  is:flakey\n"
            "     ^"
        ),
    ),
    (
        "has:parnet",
        (
            f"Unknown field 'parnet' at column 5: did you mean parent? valid fields: {VALID_FIELDS}\n"
            "  has:parnet\n"
            "      ^"
        ),
    ),
    (
        "level:loud",
        (
            "Unknown level value 'loud' at column 7: expected one of DEBUG, INFO, WARN, ERROR, "
            "FATAL\n"
            "  level:loud\n"
            "        ^"
        ),
    ),
    (
        "status:>1",
        (
            "status does not take comparisons at column 8: expected a value (wildcards * and ? "
            "allowed)\n"
            "  status:>1\n"
            "         ^"
        ),
    ),
    (
        "after:>2026-01-01",
        (
            "after takes one date, not comparisons or ranges at column 7: expected a date "
            "(2026-01-01, 2026-01-01T10:00:00Z, -7d, -24h, -30m, today, yesterday); for a span "
            "use after:A before:B\n"
            "  after:>2026-01-01\n"
            "        ^"
        ),
    ),
    (
        "exit:/1/",
        ("exit does not take a /regex/ at column 6: expected an integer\n  exit:/1/\n       ^"),
    ),
    (
        "meta..x:1",
        (
            "Invalid metadata key '.x' at column 1: expected meta.<key> with a key of letters, "
            "digits, '_', '-' and '.' (nesting)\n"
            "  meta..x:1\n"
            "  ^"
        ),
    ),
    (
        "a\x00b",
        ("Unexpected control character '\\x00' at column 2\n  a?b\n   ^"),
    ),
]


@pytest.mark.parametrize(("query", "message"), MESSAGES, ids=[q for q, _ in MESSAGES])
def test_error_message(query: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        compile_query(query, now=NOW)
    assert str(caught.value) == message


def test_error_attributes() -> None:
    with pytest.raises(QueryError) as caught:
        compile_query("status:failed image:python* duration:>", now=NOW)
    error = caught.value
    assert error.position == 38
    assert error.query == "status:failed image:python* duration:>"
    assert error.expected == ["a number or duration"]
    assert error.reason.startswith("Unexpected end of query")
    assert isinstance(error, ValueError) and isinstance(error, InputError)


def test_unknown_field_lists_every_valid_field() -> None:
    with pytest.raises(QueryError) as caught:
        compile_query("stauts:failed")
    assert "status" in caught.value.expected and "meta.<key>" in caught.value.expected


def test_syntax_errors_come_from_parse_query_too() -> None:
    with pytest.raises(QueryError, match=re.escape("expected ')'")):
        parse_query("(a")


def test_too_long_query() -> None:
    with pytest.raises(
        QueryError, match=r"Query is too long \(10,001 characters; the limit is 10,000\)"
    ):
        compile_query("a" * (MAX_QUERY_LENGTH + 1))
    assert compile_query("a" * MAX_QUERY_LENGTH).where  # at the limit: fine


def test_too_many_terms() -> None:
    """Each term is a predicate over every run: a bound on them bounds a query's cost."""
    assert compile_query(" ".join(["a"] * MAX_QUERY_TERMS)).where  # at the limit: fine
    text = " OR ".join(f"exit:{i}" for i in range(700))
    with pytest.raises(QueryError) as info:
        compile_query(text)
    assert str(info.value).startswith(
        f"Query has too many terms (700; the limit is {MAX_QUERY_TERMS}): narrow it, or "
        "match a long list with `orcaops sql`")
    assert info.value.position == text.index(f"exit:{MAX_QUERY_TERMS} ") + len("exit:")


def test_not_a_string_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_query(None)  # type: ignore[arg-type]


SORT_KEYS = (
    "after, baseline_key, before, by, category, cmd, command, command_hash, cost, cpu, "
    "cpu_seconds, day, disk_usage_mb, duration, duration_s, error_fingerprint, error_message, "
    "estimated_cost_usd, executor, exit, exit_code, failure_category, fingerprint, finished_at, "
    "first_error, host, id, image, image_digest, intent, job_id, log_lines, mem, memory, "
    "memory_peak_mb, n_error, n_warn, network_rx_bytes, network_tx_bytes, parent, parent_job_id, "
    "queue, queue_wait_s, queued_at, recorded_at, root_cause_first_line, root_cause_last_line, "
    "started_at, status, triggered_by"
)


def test_unknown_sort_key() -> None:
    with pytest.raises(QueryError) as caught:
        compile_sort("-durasion")
    assert str(caught.value) == (
        f"Unknown sort key 'durasion' (did you mean duration?); valid sort keys: {SORT_KEYS}\n"
        "  -durasion\n"
        "  ^"
    )


@pytest.mark.parametrize(
    "spec",
    [
        "",
        " ",
        "-",
        "a,,b",
        "duration;DROP TABLE runs",
        "started_at DESC",
        "tags",
        "metadata",
        "1",
        "duration_s) --",
        "-(duration)",
    ],
)
def test_bad_sort_specs(spec: str) -> None:
    with pytest.raises(QueryError, match="valid sort keys: after, "):
        compile_sort(spec)


def test_caret_stays_aligned_with_tabs_and_newlines() -> None:
    with pytest.raises(QueryError) as caught:
        compile_query("status:failed\n\tduration:>x", now=NOW)
    assert str(caught.value).splitlines()[1:] == [
        "  status:failed  duration:>x",
        "                           ^",
    ]
    assert caught.value.position == 25


def test_nesting_is_capped() -> None:
    with pytest.raises(QueryError) as caught:
        compile_query("-" * 65 + "a", now=NOW)
    assert str(caught.value) == (
        "Query nests too deeply at column 65: at most 64 levels of parentheses and NOT\n"
        f"  {'-' * 65}a\n"
        f"  {' ' * 64}^"
    )
