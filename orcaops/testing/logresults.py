"""Per-test results from a run's log, for runs that left no JUnit XML.

Each runner prints its tests its own way; a runner's lines are read only when the log holds
that runner's marker (its summary line), so a log that merely looks alike yields nothing:

- pytest: ``path::test PASSED [ 14%]`` (``-v``) and the short summary ``FAILED path::test -
  message``;
- go test: ``--- FAIL: TestX (0.01s)`` with the package from ``FAIL``/``ok pkg 0.1s`` and
  the message from the indented ``x_test.go:12: ...`` lines;
- jest/vitest: ``✓ name (3 ms)``, ``✕ name``, ``○ skipped name`` under ``PASS``/``FAIL file``;
- cargo: ``test module::name ... ok|FAILED|ignored``;
- RSpec: ``rspec ./spec/x_spec.rb:12 # description`` (the failed examples);
- mocha: ``✔ name (5ms)``, ``N) name``, ``- name`` (pending) under a ``N passing`` summary;
- Maven Surefire: ``Class.method -- Time elapsed: 0.1 s <<< FAILURE!`` (3.x) and
  ``method(Class)  Time elapsed: ... <<< ERROR!`` (2.x); Gradle: ``Class > method() FAILED``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from orcaops.testing.cases import make_row

Rows = list[dict[str, Any]]

_PYTEST_MARK = re.compile(r"^=+ .*(?:test session starts|short test summary info|"
                          r"\d+ (?:passed|failed|errors?)\b.* in [\d.]+s)")
_PYTEST_LINE = re.compile(r"^(?P<node>[\w./-]+\.py::\S+)\s+(?P<st>PASSED|FAILED|ERROR|SKIPPED|"
                          r"XFAIL|XPASS)\b")
_PYTEST_SUMMARY = re.compile(r"^(?P<st>FAILED|ERROR) (?P<node>[\w./-]+\.py::\S+?)"
                             r"(?: - (?P<msg>.*))?$")
_GO_MARK = re.compile(r"^\s*--- (?:PASS|FAIL|SKIP): ")
_GO_RESULT = re.compile(r"^\s*--- (?P<st>PASS|FAIL|SKIP): (?P<name>\S+) \((?P<t>[\d.]+)s\)")
_GO_PKG = re.compile(r"^(?:ok|FAIL)\s+(?P<pkg>[\w./-]+)\s+(?:[\d.]+s|\(cached\))")
_GO_MSG = re.compile(r"^\s+(?P<file>\w+_test\.go):\d+: (?P<msg>.+)$")
_JEST_MARK = re.compile(r"^(?:Tests:\s+.*\d+ total|\s*Test Files\s+\d+)")
_JEST_FILE = re.compile(r"^\s*(?P<st>PASS|FAIL)\s+(?P<file>\S+\.(?:[cm]?[jt]sx?))")
_JEST_CASE = re.compile(r"^\s*(?P<mark>[✓✔√✕×✗○↓])\s+(?:(?:skipped|todo)\s+)?(?P<name>.+?)"
                        r"(?:\s+\((?P<ms>\d+(?:\.\d+)?)\s*ms\))?\s*$")
_CARGO_MARK = re.compile(r"^test result: (?:ok|FAILED)\.")
_CARGO_CASE = re.compile(r"^test (?P<name>\S+) \.\.\. (?P<st>ok|FAILED|ignored)\b")
_RSPEC_MARK = re.compile(r"^\d+ examples?, \d+ failures?")
_RSPEC_FAILED = re.compile(r"^rspec (?P<file>\./\S+?):(?P<line>\d+) # (?P<name>.+)$")
_MOCHA_MARK = re.compile(r"^\s*\d+ passing \(\d+")
_MOCHA_CASE = re.compile(r"^\s*(?:(?P<ok>[✔✓])|(?P<n>\d+)\)|(?P<pend>-))\s+(?P<name>.+?)"
                         r"(?:\s+\((?P<ms>\d+)ms\))?\s*$")
_SUREFIRE_MARK = re.compile(r"Tests run: \d+, Failures: \d+")
_SUREFIRE_3 = re.compile(r"(?P<cls>[\w.$]+)\.(?P<name>[\w$]+)\s+--\s+Time elapsed: "
                         r"(?P<t>[\d.,]+) s(?:ec)?\s+<<< (?P<st>FAILURE|ERROR)!")
_SUREFIRE_2 = re.compile(r"(?P<name>[\w$]+)\((?P<cls>[\w.$]+)\)\s+Time elapsed: (?P<t>[\d.,]+) "
                         r"s(?:ec)?\s+<<< (?P<st>FAILURE|ERROR)!")
# The closing report of a run with reruns: "[WARNING] Flakes:", then "[WARNING] Class.method"
# and its "Run N: ..." lines.
_SUREFIRE_SECTION = re.compile(r"^\[(?:ERROR|WARNING)\] (?P<kind>Failures|Errors|Flakes): ?$")
_SUREFIRE_NAMED = re.compile(r"^\[(?:ERROR|WARNING)\] (?P<cls>[\w.$]+)\.(?P<name>[\w$]+)$")
_SUREFIRE_RUN = re.compile(r"^\[\w+\]\s+Run (?P<n>\d+): ")
_GRADLE_CASE = re.compile(r"^(?P<cls>[\w.$]+) > (?P<name>.+?) (?P<st>PASSED|FAILED|SKIPPED)$")
_GRADLE_MARK = re.compile(r"^> Task :\S*[tT]est\b|\d+ tests completed")

_PYTEST_STATUS = {"PASSED": "passed", "FAILED": "failed", "ERROR": "error", "SKIPPED": "skipped",
                  "XFAIL": "skipped", "XPASS": "passed"}
_GO_STATUS = {"PASS": "passed", "FAIL": "failed", "SKIP": "skipped"}
_JEST_STATUS = {"✓": "passed", "✔": "passed", "√": "passed", "✕": "failed", "×": "failed",
                "✗": "failed", "○": "skipped", "↓": "skipped"}


def _node_row(node: str, status: str, message: str | None = None) -> dict[str, Any]:
    path, _, rest = node.partition("::")
    parts = rest.split("::")
    classname = ".".join([path.removesuffix(".py").replace("/", ".")] + parts[:-1])
    return make_row(parts[-1], status, classname=classname, file=path, message=message)


def pytest_rows(lines: Sequence[str]) -> Rows:
    """pytest's ``-v`` result lines and short test summary."""
    rows: dict[str, dict[str, Any]] = {}
    for line in lines:
        if m := _PYTEST_LINE.match(line):
            rows.setdefault(m["node"], _node_row(m["node"], _PYTEST_STATUS[m["st"]]))
        elif m := _PYTEST_SUMMARY.match(line):
            rows[m["node"]] = _node_row(m["node"], _PYTEST_STATUS[m["st"]], m["msg"])
    return list(rows.values())


def go_rows(lines: Sequence[str]) -> Rows:
    """go test's ``--- PASS/FAIL/SKIP`` lines; the package is named after its tests."""
    rows: Rows = []
    waiting: Rows = []
    message: str | None = None
    for line in lines:
        if m := _GO_MSG.match(line):
            message = message or m["msg"]
        elif m := _GO_RESULT.match(line):
            row = make_row(m["name"], _GO_STATUS[m["st"]], duration_s=float(m["t"]),
                           message=message if m["st"] == "FAIL" else None)
            message = None
            waiting.append(row)
        elif m := _GO_PKG.match(line):
            for row in waiting:
                row["classname"] = m["pkg"]
            rows.extend(waiting)
            waiting = []
    return rows + waiting


def jest_rows(lines: Sequence[str]) -> Rows:
    """jest's and vitest's per-test marks, each under its ``PASS``/``FAIL file`` header."""
    rows: Rows = []
    file = None
    for line in lines:
        if m := _JEST_FILE.match(line):
            file = m["file"]
        elif file is not None and (m := _JEST_CASE.match(line)):
            ms = float(m["ms"]) / 1000 if m["ms"] else None
            rows.append(make_row(m["name"], _JEST_STATUS[m["mark"]], file=file, duration_s=ms))
    return rows


def cargo_rows(lines: Sequence[str]) -> Rows:
    """cargo test's ``test path::name ... ok`` lines."""
    status = {"ok": "passed", "FAILED": "failed", "ignored": "skipped"}
    rows = []
    for line in lines:
        if m := _CARGO_CASE.match(line):
            module, _, name = m["name"].rpartition("::")
            rows.append(make_row(name, status[m["st"]], classname=module or None))
    return rows


def rspec_rows(lines: Sequence[str]) -> Rows:
    """RSpec's list of failed examples (``rspec ./spec/x_spec.rb:12 # ...``)."""
    return [make_row(m["name"], "failed", file=m["file"], properties=f'{{"line":"{m["line"]}"}}')
            for line in lines if (m := _RSPEC_FAILED.match(line))]


def mocha_rows(lines: Sequence[str]) -> Rows:
    """mocha's spec reporter: passing, failing (numbered) and pending tests, before its
    summary (the numbered failure details after it repeat the names)."""
    rows: Rows = []
    for line in lines:
        if _MOCHA_MARK.match(line):
            break
        if m := _MOCHA_CASE.match(line):
            status = "passed" if m["ok"] else "failed" if m["n"] else "skipped"
            ms = float(m["ms"]) / 1000 if m["ms"] else None
            rows.append(make_row(m["name"], status, duration_s=ms))
    return rows


def junit_console_rows(lines: Sequence[str]) -> Rows:
    """Maven Surefire's failed and errored tests, and Gradle's per-test lines."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for line in lines:
        m = _SUREFIRE_3.search(line) or _SUREFIRE_2.search(line)
        if m:
            status = "failed" if m["st"] == "FAILURE" else "error"
            rows[(m["cls"], m["name"])] = make_row(
                m["name"], status, classname=m["cls"],
                duration_s=float(m["t"].replace(",", ".")))
        elif m := _GRADLE_CASE.match(line.strip()):
            rows[(m["cls"], m["name"])] = make_row(m["name"], m["st"].lower(), classname=m["cls"])
    _surefire_reruns(lines, rows)
    return list(rows.values())


def _surefire_reruns(lines: Sequence[str], rows: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Retries from Surefire's closing report; a test under ``Flakes:`` passed on a rerun."""
    section, row = None, None
    for line in lines:
        if m := _SUREFIRE_SECTION.match(line):
            section, row = m["kind"], None
        elif section and (m := _SUREFIRE_NAMED.match(line)):
            key = (m["cls"], m["name"])
            status = {"Failures": "failed", "Errors": "error"}.get(section, "passed")
            row = rows.setdefault(key, make_row(m["name"], status, classname=m["cls"]))
            row["status"] = status
        elif row is not None and (m := _SUREFIRE_RUN.match(line)):
            row["retries"] = max(row["retries"], int(m["n"]) - 1)
        elif section and not line.startswith("[INFO]   Run"):
            section = None if line.strip() in ("", "[INFO]", "[INFO] ") else section


Extract = Callable[[Sequence[str]], Rows]
# Per runner: text its marker line must contain (a fast substring test first: most logs hold
# no runner at all), the marker, and the extractor.
_RUNNERS: tuple[tuple[tuple[str, ...], re.Pattern[str], Extract], ...] = (
    (("test session starts", "short test summary", " passed", " failed", " error"),
     _PYTEST_MARK, pytest_rows),
    (("--- PASS: ", "--- FAIL: ", "--- SKIP: "), _GO_MARK, go_rows),
    (("Tests:", "Test Files"), _JEST_MARK, jest_rows),
    (("test result: ",), _CARGO_MARK, cargo_rows),
    ((" example",), _RSPEC_MARK, rspec_rows),
    ((" passing (",), _MOCHA_MARK, mocha_rows),
    (("Tests run: ",), _SUREFIRE_MARK, junit_console_rows),
    (("> Task :", " tests completed"), _GRADLE_MARK, junit_console_rows),
)


def log_test_rows(lines: Sequence[str]) -> Rows:
    """The test cases a log reports, for every runner whose summary it holds.

    Args:
        lines: the run's log messages (ANSI escapes removed), in order.

    Returns:
        Test rows (columns of ``tests`` without job_id and day); empty when no runner's
        per-test lines are found.
    """
    rows: Rows = []
    done: set[Extract] = set()
    text = "\n".join(lines)
    for words, marker, extract in _RUNNERS:
        if extract in done or not any(w in text for w in words):
            continue
        if re.search(marker.pattern, text, re.MULTILINE):
            done.add(extract)
            rows.extend(extract(lines))
    return rows
