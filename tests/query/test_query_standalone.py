"""The query parser runs on lark's standalone module for grammar.lark, generated into the
user's cache directory on first use (orcaops.query.standalone): it parses exactly as lark
does, is reused across processes without importing lark, and survives a cache that cannot be
written or is damaged."""

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
    assert standalone.load()._has_regex is False


def _cold_parse(cache_home: Path) -> list[str]:
    """In a new process with ``cache_home`` as XDG_CACHE_HOME: parse a query, then list
    what of lark got imported and the cache's files."""
    code = ("import sys; from orcaops.query import parse_query; parse_query('status:failed a'); "
            "print(sorted(m for m in sys.modules if m == 'lark' or m.startswith('lark.')))")
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    return [out.stdout.strip()]


def test_generated_once_then_imported_without_lark(tmp_path: Path) -> None:
    first = _cold_parse(tmp_path)
    made = sorted((tmp_path / "orcaops").glob("orcaops_query_lalr_*.py"))
    assert len(made) == 1 and first != ["[]"]  # the first process needed lark to build it
    assert _cold_parse(tmp_path) == ["[]"]  # the next ones only import the cached module
    assert sorted((tmp_path / "orcaops").glob("orcaops_query_lalr_*.py")) == made


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path) -> None:
    _cold_parse(tmp_path)
    (made,) = (tmp_path / "orcaops").glob("orcaops_query_lalr_*.py")
    made.write_text("this is not python(", encoding="utf-8")
    for pyc in (tmp_path / "orcaops").rglob("*.pyc"):
        pyc.unlink()
    _cold_parse(tmp_path)  # parses anyway
    assert _cold_parse(tmp_path) == ["[]"]  # and the file was made whole again


def test_an_unwritable_cache_builds_in_memory(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    assert _cold_parse(blocked) != ["[]"]  # built with lark, in memory
    assert not blocked.is_dir()
