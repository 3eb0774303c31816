"""Test-runner result lines (pytest, unittest, jest/vitest, go test, JUnit/Maven/Gradle, cargo)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_PYTEST = re.compile(r"^=+ (?P<body>.*?\d+ (?:passed|failed|errors?|skipped).*?) in "
                     r"(?P<secs>[\d.]+)s")
_PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")
_JEST = re.compile(r"^Tests:\s+(?P<body>.*\d+ total)")
_JEST_COUNT = re.compile(r"(\d+) (passed|failed|skipped|todo|total)")
_JUNIT = re.compile(r"Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)")
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in")
_UNITTEST_FAILED = re.compile(r"^FAILED \((?P<body>[^)]*)\)")
_CARGO = re.compile(r"test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored")
_GO = re.compile(r"^\s*--- (PASS|FAIL|SKIP): (\S+)")
_FAILED_TEST = re.compile(r"^FAILED (?P<file>[^\s:]+)(?:::(?P<name>\S+))?(?: - (?P<why>.*))?$|"
                          r"^\s*--- FAIL: (?P<goname>\S+)|^FAIL (?P<jsfile>\S+\.(?:[jt]sx?|mjs))")


@dataclass
class TestResults:
    """Counts of one run's tests, and where the first failure is."""

    framework: str
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    first_failed: str | None = None
    first_failed_file: str | None = None

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors + self.skipped

    @property
    def bad(self) -> int:
        return self.failed + self.errors


def _counts(body: str, rx: re.Pattern[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for num, word in rx.findall(body):
        key = "errors" if word.startswith("error") else word
        out[key] = out.get(key, 0) + int(num)
    return out


def _from_line(line: str, res: TestResults | None, go: dict[str, int]) -> TestResults | None:
    if m := _PYTEST.match(line):
        c = _counts(m.group("body"), _PYTEST_COUNT)
        return TestResults("pytest", c.get("passed", 0), c.get("failed", 0), c.get("errors", 0),
                           c.get("skipped", 0))
    if m := _JEST.match(line):
        c = _counts(m.group("body"), _JEST_COUNT)
        return TestResults("jest", c.get("passed", 0), c.get("failed", 0), 0, c.get("skipped", 0))
    if m := _JUNIT.search(line):
        run, fail, err, skip = (int(x) for x in m.groups())
        return TestResults("junit", run - fail - err - skip, fail, err, skip)
    if m := _CARGO.search(line):
        p, f, s = (int(x) for x in m.groups())
        base = res if res is not None and res.framework == "cargo" else TestResults("cargo")
        return TestResults("cargo", base.passed + p, base.failed + f, 0, base.skipped + s)
    if m := _UNITTEST_RAN.match(line):
        return TestResults("unittest", int(m.group(1)))
    if (m := _UNITTEST_FAILED.match(line)) and res is not None and res.framework == "unittest":
        c = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group("body"))}
        bad = c.get("failures", 0) + c.get("errors", 0) + c.get("skipped", 0)
        return TestResults("unittest", res.passed - bad, c.get("failures", 0),
                           c.get("errors", 0), c.get("skipped", 0))
    if m := _GO.match(line):
        go[m.group(1)] = go.get(m.group(1), 0) + 1
    return res


def parse_test_results(lines: Iterable[str]) -> TestResults | None:
    """The test counts a run printed, from its runner's summary lines.

    Args:
        lines: The run's messages.

    Returns:
        The results (the last summary wins: runners print it at the end), or None when no test
        runner output was found.
    """
    res: TestResults | None = None
    go: dict[str, int] = {}
    first: re.Match[str] | None = None
    for line in lines:
        res = _from_line(line, res, go)
        if first is None:
            first = _FAILED_TEST.match(line)
    if res is None and go:
        res = TestResults("go test", go.get("PASS", 0), go.get("FAIL", 0), 0, go.get("SKIP", 0))
    if res is not None and first is not None:
        g = first.groupdict()
        res.first_failed = g.get("name") or g.get("goname") or g.get("file") or g.get("jsfile")
        path = g.get("file") or g.get("jsfile")
        res.first_failed_file = path.rsplit("/", 1)[-1] if path else None
    return res
