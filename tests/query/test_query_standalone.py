"""The query parser runs on lark's standalone module for grammar.lark, built at install time
(orcaops.query.build_parser): it parses exactly as lark does, a query imports no lark and
writes nothing, and a missing, stale or damaged module falls back to lark itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orcaops.query import standalone
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

    return Lark(standalone.GRAMMAR.read_text("utf-8"), **standalone.OPTIONS)


@pytest.mark.parametrize("text", QUERIES)
def test_same_parse_as_lark(fresh, text):
    assert _outcome(_parser(), text) == _outcome(fresh, text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='abAND OR NOTto:*-()[]"/<>=.,\\\t5mü', max_size=30))
def test_same_parse_as_lark_on_generated_text(fresh, text):
    assert _outcome(_parser(), text) == _outcome(fresh, text)


def test_the_regex_package_is_not_imported():
    module = standalone.load()
    assert module is not None, "run `make install` (python -m orcaops.query.build_parser)"
    assert module._has_regex is False


def _cold_parse(cache_home: Path, *, hide_built: bool = False) -> str:
    """In a new process with ``cache_home`` as XDG_CACHE_HOME and TMPDIR: parse a query,
    then print what of lark got imported (and parse again, which must give the same tree)."""
    hide = ("import importlib.abc, sys\n"
            "class Hide(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'orcaops.query._lalr': raise ImportError(name)\n"
            "sys.meta_path.insert(0, Hide())\n") if hide_built else ""
    code = (hide + "import sys\nfrom orcaops.query import parse_query\n"
            "assert parse_query('status:failed a') == parse_query('status:failed a')\n"
            "print(sorted(m for m in sys.modules if m == 'lark' or m.startswith('lark.')))")
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home), TMPDIR=str(cache_home))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


def test_a_query_imports_no_lark_and_writes_nothing(tmp_path: Path) -> None:
    assert _cold_parse(tmp_path) == "[]"
    assert list(tmp_path.iterdir()) == []  # no generated code, no cache, anywhere we can see


def test_without_the_built_module_lark_itself_parses(tmp_path: Path) -> None:
    assert "lark" in _cold_parse(tmp_path, hide_built=True)
    assert not list(tmp_path.rglob("*.py"))  # lark's cache holds tables, not code


def test_a_stale_module_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orcaops.query import build_parser

    built = build_parser.build(tmp_path / "_lalr.py")
    text = built.read_text("utf-8")
    assert f"ORCAOPS_GRAMMAR_KEY = {standalone.key()!r}" in text
    monkeypatch.setattr(standalone, "key", lambda: "another-grammar")
    assert standalone.load() is None  # built for another grammar: lark itself parses
