"""Rerun commands: exactly the failed tests, per runner, quoted for a shell."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from orcaops.testing.junit import parse_junit
from orcaops.testing.rerun import detect_runner, pytest_node, rerun_command

DATA = Path(__file__).parent / "data"


def _failed(name: str) -> list[dict]:
    return [r for r in parse_junit((DATA / name).read_bytes()) if r["status"] in ("failed", "error")]


def test_pytest_node_ids_from_junit():
    cmd = rerun_command("pytest -q tests", _failed("pytest-report.xml"))
    assert cmd == ("pytest tests/test_api.py::test_create_order "
                   "tests/test_api.py::test_with_db "
                   "'tests/test_api.py::TestUsers::test_even[1]'")
    assert shlex.split(cmd)[1:] == ["tests/test_api.py::test_create_order",
                                    "tests/test_api.py::test_with_db",
                                    "tests/test_api.py::TestUsers::test_even[1]"]


def test_go_run_pattern_per_package():
    rows = [{"name": "TestA", "classname": "example.com/shop/order"},
            {"name": "TestB/sub_case", "classname": "example.com/shop/order"}]
    assert rerun_command("go test ./...", rows) == \
        "go test -run '^(TestA|TestB)$' example.com/shop/order"


def test_jest_names_and_files():
    cmd = rerun_command("npm test", _failed("jest-junit.xml"))
    assert cmd == "npx jest sum.test.js -t 'sum\\ adds\\ negative\\ numbers'"


def test_maven_and_cargo():
    assert rerun_command("mvn -B test", _failed("surefire-report.xml")) == \
        "mvn test -Dtest='CalculatorTest#comparesStrings+dividesByZero'"
    assert rerun_command("cargo test", _failed("cargo-junit.xml")) == \
        "cargo test -- --exact tests::rejects_out_of_range"


@pytest.mark.parametrize(("command", "rows", "runner"), [
    ("make test", [{"name": "t", "file": "tests/test_x.py"}], "pytest"),
    ("make test", [{"name": "t", "file": "pkg/x_test.go"}], "go"),
    ("./gradlew check", [{"name": "t"}], "gradle"),
    ("make test", [{"name": "t"}], None),
])
def test_detect_runner(command, rows, runner):
    assert detect_runner(command, rows) == runner


def test_unknown_runner_or_nothing_failed_gives_none():
    assert rerun_command("make", [{"name": "t"}]) is None
    assert rerun_command("pytest", []) is None


def test_pytest_node_without_a_file():
    assert pytest_node({"name": "test_x", "classname": "pkg.test_mod.TestC"}) == \
        "pkg/test_mod.py::TestC::test_x"
