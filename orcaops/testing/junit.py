"""JUnit XML → test rows, robust to the dialects test runners write.

Parsed with junitparser (its xunit2 flavour, which knows Surefire's ``rerunFailure`` and
``flakyFailure``). What differs between writers, and how it is read:

- the root is ``<testsuites>`` (pytest, jest-junit, go-junit-report, cargo) or one
  ``<testsuite>`` (Surefire, Gradle, RSpec); PHPUnit nests suites in suites: every case keeps
  its innermost suite's name;
- cargo's libtest prints one document per test binary into the same output: each
  ``<?xml`` starts a document;
- a failure's message is its ``message`` attribute (pytest, Surefire, RSpec), else the first
  line of its text (jest-junit), else of ``system-out`` (cargo, whose panic text is there);
- its type is the ``type`` attribute, else the exception named at the end of a Python
  traceback or the start of a Java/JS one;
- ``time`` may be absent, use a decimal comma, or carry thousands separators;
- a retried test is one case with rerun/flaky children (Surefire) or the same case written
  again (Gradle's retry plugin, jest's retryTimes): the last outcome counts, the others are
  its ``retries``.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import ParseError

from orcaops.core.errors import InputError
from orcaops.testing.cases import MAX_MESSAGE_CHARS, MAX_STACK_CHARS, clip, make_row

_DOCUMENT_START = re.compile(r"<\?xml\b")
_ENTITY = re.compile(r"<!ENTITY", re.IGNORECASE)
# "tests/test_api.py:9: AssertionError" (pytest), "E   ValueError: ..." lines.
_PY_LAST = re.compile(r":\d+: ([A-Za-z_][\w.]*)\s*$")
_LEADING_TYPE = re.compile(r"^\s*((?:[A-Za-z_][\w.$]*)?(?:Error|Exception|Failure|Failed))\b")
PYTEST_SUITE = "pytest"  # pytest's default junit_suite_name
_PANIC = re.compile(r"^thread '.*' (?:\(\d+\) )?panicked at ")


def is_junit(text: str) -> bool:
    """Whether ``text`` looks like a JUnit XML report (a testsuite(s) root element)."""
    head = text[:4096]
    return "<testsuite" in head


def parse_junit(text: str | bytes) -> list[dict[str, Any]]:
    """The test rows of a JUnit XML report (one or several concatenated documents).

    Args:
        text: the XML, as text or bytes.

    Returns:
        One row per test case (columns of the ``tests`` table without job_id and day).

    Raises:
        InputError: not well-formed XML, not a testsuite(s) root, or entity declarations
            (refused: entity expansion is how a small XML file becomes a huge one).
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if _ENTITY.search(text):
        raise InputError("JUnit XML with <!ENTITY declarations is refused")
    rows: list[dict[str, Any]] = []
    for doc in _documents(text):
        rows.extend(_merge_retries(list(_cases(_load(doc)))))
    return rows


def _documents(text: str) -> list[str]:
    starts = [m.start() for m in _DOCUMENT_START.finditer(text)]
    if len(starts) <= 1:
        return [text.strip()]
    return [text[a:b].strip() for a, b in zip(starts, starts[1:] + [len(text)])]


def _load(doc: str) -> Any:
    from junitparser.junitparser import JUnitXmlError
    from junitparser.xunit2 import JUnitXml

    try:
        # The declaration names an encoding; text has none left to declare.
        return JUnitXml.fromstring(re.sub(r"^<\?xml[^>]*\?>", "", doc).strip())
    except ParseError as e:
        raise InputError(f"not well-formed XML ({e})") from None
    except JUnitXmlError:
        raise InputError("not a JUnit XML report (the root element must be <testsuites> "
                         "or <testsuite>)") from None


def _cases(xml: Any) -> Iterator[dict[str, Any]]:
    for suite in xml:
        yield from _suite_cases(suite)


def _suite_cases(suite: Any) -> Iterator[dict[str, Any]]:
    for case in suite.iterchildren(suite.testcase):
        row = _row(suite.name, case)
        if suite.name == PYTEST_SUITE and not row["file"] and row["classname"]:
            row["file"] = pytest_file(row["classname"])
        yield row
    for inner in suite.testsuites():  # PHPUnit: suites of suites
        yield from _suite_cases(inner)


def pytest_file(classname: str) -> str:
    """The file of a pytest case from its classname: ``tests.test_api.TestUsers`` →
    ``tests/test_api.py`` (pytest writes no file attribute; classes are capitalised)."""
    parts = classname.split(".")
    module = [p for p in itertools.takewhile(lambda p: not p[:1].isupper(), parts)]
    return "/".join(module or parts[:1]) + ".py"


def _row(suite: str | None, case: Any) -> dict[str, Any]:
    elem = case._elem  # junitparser exposes no accessor for attributes it does not model
    results = list(case.result)
    status, result = "passed", None
    for kind, tag in (("error", "error"), ("failed", "failure"), ("skipped", "skipped")):
        found = [r for r in results if r._tag == tag]
        if found:
            status, result = kind, found[0]
            break
    row = make_row(case.name or "", status, suite=suite or None,
                   classname=case.classname or None, file=elem.get("file") or None,
                   duration_s=parse_time(elem.get("time")),
                   retries=len(case.interim_result), properties=_properties(case, elem))
    if result is not None:
        _fill_result(row, result, case.system_out)
    return row


def _fill_result(row: dict[str, Any], result: Any, system_out: str | None) -> None:
    text = (result.text or "").strip()
    if not text and row["status"] != "skipped":
        text = (system_out or "").strip()
    row["message"] = (result.message or "").strip() or _first_line(text) or None
    row["stack"] = clip(text, MAX_STACK_CHARS) if row["status"] != "skipped" else None
    row["failure_type"] = (result.type or "").strip() or _error_type(text)
    if row["status"] == "skipped":
        row["failure_type"] = None
    row["message"] = clip(row["message"], MAX_MESSAGE_CHARS)


def _first_line(text: str) -> str | None:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for i, line in enumerate(lines):
        if _PANIC.match(line) and i + 1 < len(lines):
            return lines[i + 1]  # cargo: the panic message follows "thread ... panicked at"
        return line
    return None


def _error_type(text: str) -> str | None:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return None
    last = _PY_LAST.search(lines[-1])
    if last:
        return last.group(1)
    first = _LEADING_TYPE.match(lines[0])
    return first.group(1) if first else None


def _properties(case: Any, elem: Any) -> str | None:
    props = {p.get("name"): p.get("value") if p.get("value") is not None else (p.text or "")
             for holder in elem.findall("properties") for p in holder.findall("property")
             if p.get("name")}
    for attr in ("line", "assertions"):  # PHPUnit and RSpec extras worth keeping
        if elem.get(attr) is not None:
            props.setdefault(attr, elem.get(attr))
    return json.dumps(props, separators=(",", ":")) if props else None


def parse_time(value: str | None) -> float | None:
    """Seconds from a ``time`` attribute: ``0.012``, ``0,012``, ``1,234.5``, ``2s``; else None."""
    if not value:
        return None
    raw = value.strip().rstrip("s").strip()
    if "," in raw:
        raw = raw.replace(",", "") if "." in raw else raw.replace(",", ".")
    try:
        seconds = float(raw)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _merge_retries(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (suite, classname, name): the last outcome, earlier ones as retries."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = (row["suite"], row["classname"], row["name"], row["file"])
        before = merged.pop(key, None)
        if before is not None:
            row["retries"] += before["retries"] + 1
        merged[key] = row
    return list(merged.values())
