"""Text → syntax tree: precedence, lexing of tricky values, positions."""

from __future__ import annotations

import pytest

from orcaops.query import parse_query
from orcaops.query.ast import (
    And,
    Bare,
    Comparison,
    MatchAll,
    Node,
    Not,
    Or,
    Range,
    Regex,
    Term,
    Word,
)


def w(raw: str, quoted: bool = False) -> Word:
    return Word(raw, quoted)


def bare(raw: str, quoted: bool = False) -> Bare:
    return Bare(w(raw, quoted))


TREES: list[tuple[str, Node]] = [
    ("", MatchAll()),
    ("status:failed", Term("status", w("failed"))),
    ("image:python:3.11", Term("image", w("python:3.11"))),  # colons inside a value
    ("after:2026-01-01T10:00:00Z", Term("after", w("2026-01-01T10:00:00Z"))),
    ("after:-7d", Term("after", w("-7d"))),  # "-" in a value is not negation
    ("exit:-1", Term("exit", w("-1"))),
    ("status: failed", Term("status", w("failed"))),
    ("meta.build.os:linux", Term("meta.build.os", w("linux"))),
    ('cmd:"npm test"', Term("cmd", w("npm test", True))),
    ('x:"say \\"hi\\""', Term("x", w('say "hi"', True))),
    ("x:a\\*b", Term("x", w("a\\*b"))),  # escapes kept for the compiler
    ("log:/time.?out/", Term("log", Regex("time.?out"))),
    ("log:/a b/", Term("log", Regex("a b"))),
    ("log:/a\\/b/", Term("log", Regex("a/b"))),
    ("command:/usr/bin/python", Term("command", w("/usr/bin/python"))),  # a path, not a regex
    ("duration:>60", Term("duration", Comparison(">", w("60")))),
    ("duration:>=1m", Term("duration", Comparison(">=", w("1m")))),
    ("duration:<=1m", Term("duration", Comparison("<=", w("1m")))),
    ("exit:=0", Term("exit", Comparison("=", w("0")))),
    ("duration:[1m TO 5m]", Term("duration", Range(w("1m"), w("5m")))),
    ("duration:[1m to 5m]", Term("duration", Range(w("1m"), w("5m")))),
    ("duration:[* TO 5m]", Term("duration", Range(None, w("5m")))),
    ("duration:[1m TO *]", Term("duration", Range(w("1m"), None))),
    ('after:["2026-01-01" TO "*"]', Term("after", Range(w("2026-01-01", True), w("*", True)))),
    ("pytest", bare("pytest")),
    ('"connection refused"', bare("connection refused", True)),
    ("ANDROID notify ORacle TOP", And((bare("ANDROID"), bare("notify"), bare("ORacle"), bare("TOP")))),
    ("a b", And((bare("a"), bare("b")))),
    ("a AND b", And((bare("a"), bare("b")))),
    ("a and b", And((bare("a"), bare("b")))),
    ("a OR b", Or((bare("a"), bare("b")))),
    ("a b OR c", Or((And((bare("a"), bare("b"))), bare("c")))),
    ("a OR b c", Or((bare("a"), And((bare("b"), bare("c")))))),
    ("a OR b OR c", Or((bare("a"), bare("b"), bare("c")))),
    ("(a OR b) OR c", Or((bare("a"), bare("b"), bare("c")))),
    ("(a OR b) c", And((Or((bare("a"), bare("b"))), bare("c")))),
    ("NOT a b", And((Not(bare("a")), bare("b")))),
    ("NOT NOT a", Not(Not(bare("a")))),
    ("-a", Not(bare("a"))),
    ("a -b", And((bare("a"), Not(bare("b"))))),
    ("a-b", bare("a-b")),
    ("-status:failed", Not(Term("status", w("failed")))),
    ("-(a OR b)", Not(Or((bare("a"), bare("b"))))),
    ('-"a b"', Not(bare("a b", True))),
    ("r-0001", bare("r-0001")),
    ("status:(failed OR timeout)", Or((Term("status", w("failed")), Term("status", w("timeout"))))),
    ("tag:(a b)", And((Term("tag", w("a")), Term("tag", w("b"))))),
    ("tag:(a AND NOT b)", And((Term("tag", w("a")), Not(Term("tag", w("b")))))),
    ("tag:(a OR (b c))", Or((Term("tag", w("a")), And((Term("tag", w("b")), Term("tag", w("c"))))))),
    ("duration:(>60 <120)", And((Term("duration", Comparison(">", w("60"))),
                                 Term("duration", Comparison("<", w("120")))))),
    ("x:(-1 OR 2)", Or((Term("x", w("-1")), Term("x", w("2"))))),  # "-1" is a value in groups
    ("status:(failed) -b", And((Term("status", w("failed")), Not(bare("b"))))),
    ("duration:>60 -b", And((Term("duration", Comparison(">", w("60"))), Not(bare("b"))))),
    ("duration:[1 TO 2] b", And((Term("duration", Range(w("1"), w("2"))), bare("b")))),
    ("log:/x/ -b", And((Term("log", Regex("x")), Not(bare("b"))))),
    ("and", bare("and")),  # a keyword with nothing to join is a word
]


@pytest.mark.parametrize(("query", "tree"), TREES, ids=[q or "<empty>" for q, _ in TREES])
def test_parses_to(query: str, tree: Node) -> None:
    assert parse_query(query) == tree


def test_positions_point_into_the_text() -> None:
    tree = parse_query("status:failed  duration:>60 pytest")
    assert isinstance(tree, And)
    status, duration, word = tree.items
    assert isinstance(status, Term) and isinstance(duration, Term) and isinstance(word, Bare)
    assert (status.pos, status.value.pos) == (0, 7)
    assert isinstance(duration.value, Comparison)
    assert (duration.pos, duration.value.pos, duration.value.operand.pos) == (15, 24, 25)
    assert word.pos == 28


def test_grammar_is_loaded_once() -> None:
    from orcaops.query.parser import _parser

    assert _parser() is _parser()
