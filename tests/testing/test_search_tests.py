"""test:NAME and test.status:S in the search language, over a real warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orcaops.core.errors import QueryError
from tests.conftest import make_run

DATA = Path(__file__).parent / "data"


@pytest.fixture
def tested(tmp_path, wh):
    xml = (DATA / "pytest-report.xml").read_text()
    records = [
        make_run("py", status="failed", exit_code=1, junit=[xml]),
        make_run("js", junit=[(DATA / "jest-junit.xml").read_text()]),
        make_run("green", tests=[{"name": "test_create_order", "classname": "tests.test_api",
                                  "file": "tests/test_api.py", "status": "passed"}]),
        make_run("none"),
    ]
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    wh.import_jsonl(tmp_path / "r.jsonl")
    return wh


@pytest.mark.parametrize(("query", "ids"), [
    ("test:test_create_order", ["green", "py"]),
    ("test:TEST_CREATE*", ["green", "py"]),
    ('test:"tests/test_api.py::test_create_order"', ["green", "py"]),
    ("test:tests.test_api.TestUsers.test_login", ["py"]),
    ('test:"sum adds*"', ["js"]),
    ("test.status:failed", ["js", "py"]),
    ("test.status:error", ["py"]),
    ("test:test_create_order test.status:passed", ["green", "py"]),
    ("-test.status:failed", ["green", "none"]),
    ("has:test", ["green", "js", "py"]),
    ("missing:test", ["none"]),
    ("test:nothing_like_it", []),
])
def test_search_by_test(tested, query, ids):
    assert sorted(tested.runs(query)["job_id"].to_list()) == ids


def test_unknown_test_status_is_a_query_error():
    from orcaops.query import compile_query

    with pytest.raises(QueryError) as err:
        compile_query("test.status:broken")
    assert str(err.value) == ("Unknown test.status value 'broken' at column 13: expected one "
                              "of passed, failed, error, skipped\n  test.status:broken\n"
                              "              ^")


def test_a_misspelt_field_suggests_test():
    from orcaops.query import compile_query

    with pytest.raises(QueryError, match="did you mean test\\?"):
        compile_query("tst:x")
