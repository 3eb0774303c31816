"""Literal prefilters (``orcaops.logs.literals``): a prefiltered search equals ``re``'s."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orcaops.logs import category
from orcaops.logs.knowledge import BUILTIN_PATTERNS
from orcaops.logs.literals import Prefiltered, required_literals

PATTERNS = [(p.pattern, re.M) for p in BUILTIN_PATTERNS] + [
    (category._OOM_RE.pattern, re.M), (category._TEST_SUMMARY_RE.pattern, re.M),
    *((rx.pattern, 0) for rx, _ in category._TYPE_CATEGORY),
    (r"(?i)ab(?-i:Cd)|x{2,}yz|(?:foo)?bar", 0), (r"a(?=bc)|(?!q)\d+", 0)]


@pytest.mark.parametrize("pattern,expected", [
    (r"\bECONNREFUSED\b", (("ECONNREFUSED", False),)),
    (r"(?i)Connection refused|ECONN", (("connection refused", True), ("econn", True))),
    (r"(?i:could not resolve)|\bENOTFOUND\b",
     (("ENOTFOUND", False), ("could not resolve", True))),
    (r"JavaScript heap out of memory|out of memory", (("out of memory", False),)),
    (r"(?:ab)+c|abx", (("ab", False),)),         # the longest literal of each alternative
    (r"^Killed\s*$", (("Killed", False),)),
    (r"x*|y", None),                              # matches the empty string
    (r"\d+ \w+", ((" ", False),)),
    (r"(?:foo)?\d", None),                        # an optional literal is not required
    (r"(?i)caf\u00e9 noir", ((" noir", True),)),  # case-folded literals stay ASCII
])
def test_required_literals(pattern: str, expected: tuple | None) -> None:
    assert required_literals(pattern) == expected


def test_prefilter_rules_texts_out_and_keeps_case_folds() -> None:
    p = Prefiltered(r"(?i)\bconnection refused\b")
    assert not p.may_match("all tests passed")
    assert p.search("ERROR: CONNECTION REFUSED by db")
    # re folds U+017F to 's' under IGNORECASE; lower() does not: such text goes to the regex.
    assert p.search("connection refu\u017fed") is not None


FRAGMENTS = ["Killed", "OOMKilled", "out of memory", "Out Of Memory", "exit code 137",
             "ECONNREFUSED", "Connection Refused", "connection refu\u017fed", "\u212aill", "FAIL",
             " failed", "3 failed", "--- FAIL: TestX", "Tests:  2 failed", "FAILED (errors=1)",
             "ModuleNotFoundError: No module named 'x", "not found", "foo: not found", "x509: ",
             "certificate", "SSLError", "sslerror", "\u0130", "\u0131", "abCd", "ABcd", "xxyz",
             "bar", "abc", "q1", "\n", " ", ":", "'", "AssertionError", "Timeout", "E1234"]
text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=12).map(
    "".join)


@settings(max_examples=300, deadline=None)
@given(text)
def test_prefiltered_search_equals_re(t: str) -> None:
    for pattern, flags in PATTERNS:
        want = re.compile(pattern, flags).search(t)
        got = Prefiltered(pattern, flags).search(t)
        assert (got and (got.span(), got.groups())) == (want and (want.span(), want.groups())), \
            pattern
