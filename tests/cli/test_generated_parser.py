"""orcaops/query/lalr.py (lark's standalone parser, for a cheap cold start) is the parser lark
builds from grammar.lark today: same stamp, same trees, same errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orcaops.query import build_parser, lalr
from orcaops.query.parser import _parser

QUERIES = [
    "", "status:failed", "status:failed image:python* duration:>60 tag:ci after:-30d",
    "-status:success", "NOT tag:ci", "a OR b AND c", "(a OR b) -c", "status:(failed OR error)",
    "status:(a b", "image:python:3.11", 'log:"connection refused"', "/usr/bin/python",
    "error:/time.?out/", "duration:[5m TO 1h]", "duration:[5m TO *]", "cost:>=0.5",
    "meta.branch:main", "level:>=WARN", "field:*", "ANDROID notify", "a AND", "OR b", "(",
    ")", "a)", "status:", "duration:>", '"unclosed', "[1 TO 2]", "x:[1 TO", "x:(a OR -b)",
    "x:(NOT a)", "-(a b)", "tag:a,b", "a\tb", "x:<=3 y:=4", "x:((a))", "ü:ö", "a:b:c",
]


def _outcome(parser, text: str) -> object:
    try:
        return ("tree", parser.parse(text).pretty() if text.strip() else parser.parse(text))
    except Exception as e:  # noqa: BLE001 -- the error itself is what is compared
        return ("error", type(e).__name__, getattr(e, "pos_in_stream", None),
                sorted(getattr(e, "expected", None) or []),
                getattr(getattr(e, "token", None), "type", None))


@pytest.fixture(scope="module")
def fresh():
    from lark import Lark

    return Lark(build_parser.grammar(), **build_parser.OPTIONS)


def test_stamp_is_current():
    assert build_parser.written_stamp() == build_parser.stamp(), (
        "grammar.lark or lark changed: run python -m orcaops.query.build_parser")


def test_no_regex_import():
    assert lalr._has_regex is False


@pytest.mark.parametrize("text", QUERIES)
def test_same_parse_as_lark(fresh, text):
    assert _outcome(_parser(), text) == _outcome(fresh, text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='abAND OR NOTto:*-()[]"/<>=.,\\\t5mü', max_size=30))
def test_same_parse_as_lark_on_generated_text(fresh, text):
    assert _outcome(_parser(), text) == _outcome(fresh, text)
