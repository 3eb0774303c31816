"""Compiled queries executed in a real DuckDB: the exact runs each DESIGN.md §4 example selects.

The history (tests/query/conftest.py), with now = 2026-11-08T12:00Z:

  r-py311  failed   python:3.11-slim  pytest -q        tags ci,pr  started 11-05  45s   512MB
  r-cpy    success  cpython:3.12      make test        nightly     started 10-20  120s  2GB
  r-node   timeout  node:20           npm test         CI          started 11-07  600s  1500MB
  r-go     running  golang:1.22       go test ./...    (none)      started 11-08  -     -
  r-queued queued   python:3.12       python -m build  (null)      not started
  r-err    error    alpine:3          sh -c 'exit 2'   deploy      started 11-06  90s   64MB
  r-pct    success  busybox           echo 100% done   (null)      started 11-02  1.5s  -
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

ALL = {"r-py311", "r-cpy", "r-node", "r-go", "r-queued", "r-err", "r-pct"}

EXAMPLES: list[tuple[str, set[str]]] = [
    # keyword fields: whole value, case-insensitive, wildcards
    ("image:python*", {"r-py311", "r-queued"}),  # not cpython:3.12
    ("image:PYTHON:3.1?-slim", {"r-py311"}),
    ("image:python", set()),  # whole value, not a substring
    ("status:failed", {"r-py311"}),
    ("status:FAILED", {"r-py311"}),
    ("tag:ci", {"r-py311", "r-node"}),  # any tag equals ci, case-insensitive
    ("tag:c*", {"r-py311", "r-node"}),
    ("tag:nightly", {"r-cpy"}),
    ("by:cli", {"r-py311", "r-queued", "r-pct"}),
    ("triggered_by:mcp:*", {"r-node"}),
    ("category:test", {"r-py311"}),
    ("host:ci-1", {"r-py311"}),
    ("meta.branch:main", {"r-py311", "r-node"}),
    ("meta.branch:ma*", {"r-py311", "r-node"}),
    ("meta.build.os:linux", {"r-node"}),
    ("meta.a-b:y", {"r-err"}),
    ("meta.retries:>2", {"r-py311"}),
    ("meta.retries:3", {"r-py311"}),
    # ids: prefix
    ("id:r-py", {"r-py311"}),
    ("id:r-", ALL),
    ("parent:r-py", {"r-cpy"}),
    # text fields: substring, case-insensitive, * inside a phrase
    ("command:test", {"r-py311", "r-cpy", "r-node", "r-go"}),
    ("cmd:PYTEST", {"r-py311"}),
    ('command:"npm test"', {"r-node"}),
    ('command:"go*mod"', set()),
    ('command:"go*..."', {"r-go"}),
    ("intent:pr", {"r-py311"}),
    ('intent:"for PR #123"', {"r-py311"}),
    # bare words and phrases: job_id, image, command, intent or a tag
    ("pytest", {"r-py311"}),
    ("nightly", {"r-cpy", "r-go"}),  # a tag and an intent
    ("deploy", {"r-err"}),
    ('"100%"', {"r-pct"}),  # % is literal, not a LIKE wildcard
    ("100_", set()),  # _ too
    ("r-cpy", {"r-cpy"}),
    # numbers, durations, memory
    ("exit:1", {"r-py311"}),
    ("exit:>0", {"r-py311", "r-node", "r-err"}),
    ("exit:=0", {"r-cpy"}),
    ("duration:>60", {"r-cpy", "r-node", "r-err"}),
    ("duration:[1m TO 5m]", {"r-cpy", "r-err"}),
    ("duration:<=90s", {"r-py311", "r-err", "r-pct"}),
    ("duration:<2000ms", {"r-pct"}),
    ("duration:>=1h", set()),
    ("duration:[5m TO *]", {"r-node"}),
    ("duration:[* TO 1m]", {"r-py311", "r-pct"}),
    ("memory:>1GB", {"r-cpy", "r-node"}),
    ("mem:[256MB TO 1GB]", {"r-py311"}),
    ("memory:<=65536KB", {"r-err"}),
    ("memory:512", {"r-py311"}),
    ("queue:>10", {"r-node"}),
    ("cpu:>1m", {"r-cpy"}),
    ("cost:>0.01", {"r-cpy"}),
    # dates: started_at; runs not yet started match neither after: nor before:
    ("after:-7d", {"r-py311", "r-node", "r-go", "r-err", "r-pct"}),
    ("before:-7d", {"r-cpy"}),
    ("after:2026-11-06", {"r-node", "r-go", "r-err"}),  # r-err started at 00:00 exactly
    ("before:2026-11-06", {"r-py311", "r-cpy", "r-pct"}),
    ("after:2026-11-07T22:00:00Z", {"r-node", "r-go"}),
    ("after:2026-11-07T23:30:00+01:00", {"r-node", "r-go"}),
    ("after:-24h", {"r-node", "r-go"}),
    ("after:-30m", set()),
    ("after:-90m", {"r-go"}),
    ("after:today", {"r-go"}),
    ("after:yesterday", {"r-node", "r-go"}),
    ("after:yesterday before:today", {"r-node"}),
    ("day:2026-11-05", {"r-py311"}),
    ("day:>=-2d", {"r-err", "r-node", "r-go"}),  # -2d is 11-06 12:00, whose day is 11-06
    ("day:[2026-11-01 TO 2026-11-05]", {"r-py311", "r-pct"}),
    ("day:today", {"r-go"}),
    # presence
    ("has:parent", {"r-cpy"}),  # r-err's parent is "" and counts as absent
    ("missing:parent", ALL - {"r-cpy"}),
    ("missing:intent", {"r-cpy", "r-node", "r-pct"}),
    ("has:tag", {"r-py311", "r-cpy", "r-node", "r-err"}),
    ("missing:tags", {"r-go", "r-queued", "r-pct"}),
    ("has:meta.branch", {"r-py311", "r-cpy", "r-node"}),
    ("has:meta", {"r-py311", "r-cpy", "r-node", "r-err"}),  # {} and invalid JSON: no keys
    ("has:duration", {"r-py311", "r-cpy", "r-node", "r-err", "r-pct"}),
    ("has:after", ALL - {"r-queued"}),
    ("has:error", {"r-py311", "r-err"}),
    ("has:log", {"r-py311", "r-node", "r-err", "r-cpy", "r-go"}),
    ("missing:log", {"r-queued", "r-pct"}),
    ("exit:*", {"r-py311", "r-cpy", "r-node", "r-err"}),
    # booleans: NOT, -term, AND over OR, groups of values
    ("NOT status:failed", ALL - {"r-py311"}),
    ("-status:failed", ALL - {"r-py311"}),
    ("-image:python*", ALL - {"r-py311", "r-queued"}),
    ("-has:parent", ALL - {"r-cpy"}),
    ("-memory:>1GB", ALL - {"r-cpy", "r-node"}),  # runs without a memory value included
    ("not tag:ci", ALL - {"r-py311", "r-node"}),
    ("image:python* status:failed OR status:timeout", {"r-py311", "r-node"}),
    ("image:python* AND (status:failed OR status:timeout)", {"r-py311"}),
    ("status:timeout OR image:python* status:failed", {"r-py311", "r-node"}),
    ("status:success and -command:make", {"r-pct"}),
    ("status:(failed OR timeout)", {"r-py311", "r-node"}),
    ("status:(failed timeout)", set()),
    ("tag:(ci AND pr)", {"r-py311"}),
    ("tag:(ci NOT pr)", {"r-node"}),
    ("duration:(>60 AND <200)", {"r-cpy", "r-err"}),
    ("(status:failed OR status:error) -tag:ci", {"r-err"}),
    ("NOT (status:failed OR status:error)", ALL - {"r-py311", "r-err"}),
    # log lines: phrase, wildcard, regex; error; level
    ('log:"connection refused"', {"r-err"}),  # not r-orphan: it has no runs row
    ("log:/time.?out/", {"r-cpy", "r-node"}),
    ("log:/^E\\s+Assertion/", {"r-py311"}),
    ('log:"connect*5432"', {"r-node"}),
    ("log:retrying", {"r-err", "r-cpy"}),
    ("log:retrying log:tcp", {"r-err"}),  # different lines of the same run
    ("log:retrying -log:tcp", {"r-cpy"}),
    ("log:collected OR log:downloading", {"r-py311", "r-go"}),
    ("log:collected OR level:=debug OR status:queued", {"r-py311", "r-go", "r-queued"}),
    ("error:refused", {"r-err", "r-node"}),  # r-node: ECONNREFUSED in an error line
    ("error:ECONNREFUSED", {"r-node"}),  # an error line of the run
    ("error:assertion", {"r-py311"}),
    ("error:retrying", set()),  # an INFO line is not an error
    ("level:error", {"r-py311", "r-node", "r-err"}),
    # A bare level keeps that level and worse (orcaops.core.vocabulary); = keeps it alone.
    ("level:warning", {"r-py311", "r-node", "r-err"}),
    ("level:=warning", {"r-py311"}),
    ("level:>=warn", {"r-py311", "r-node", "r-err"}),
    ("level:<info", {"r-go"}),
    ("level:>fatal", set()),
    ("level:[debug TO info]", {"r-py311", "r-node", "r-err", "r-cpy", "r-go"}),
    ("level:error log:retrying", {"r-err"}),
    # states
    ("is:failed", {"r-py311", "r-node", "r-err"}),
    ("is:running", {"r-go"}),
    ("is:flaky", {"r-py311"}),
    ("is:anomalous", {"r-node"}),
    ("-is:failed", {"r-cpy", "r-go", "r-queued", "r-pct"}),
    # everything
    ("", ALL),
    ("   ", ALL),
    ("status:failed image:python* duration:>30 tag:ci after:-7d", {"r-py311"}),
]


@pytest.mark.parametrize(("query", "expected"), EXAMPLES, ids=[q or "<empty>" for q, _ in EXAMPLES])
def test_query_selects_exactly(
    search: Callable[[str], set[str]], query: str, expected: set[str]
) -> None:
    assert search(query) == expected


def test_malformed_metadata_never_fails_the_query(search: Callable[[str], set[str]]) -> None:
    # r-pct's metadata is not JSON: it must simply not match, not raise.
    assert "r-pct" not in search("meta.branch:*")
    assert "r-pct" in search("-meta.branch:main")
