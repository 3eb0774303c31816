"""The command that reruns exactly the failed tests of a run, per test runner.

The runner is told by the run's command (``pytest``, ``go test``, ``npx jest``...), else by
the tests themselves (``.py`` files, ``_test.go``, ``.js``). Names are quoted for a POSIX
shell; patterns (go's ``-run``, jest's ``-t``) are anchored regexes of the exact names.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Row = Mapping[str, Any]

_RUNNERS = (("pytest", r"\b(?:py\.test|pytest)\b"), ("go", r"\bgo\s+test\b"),
            ("vitest", r"\bvitest\b"), ("jest", r"\bjest\b"), ("mocha", r"\bmocha\b"),
            ("cargo", r"\bcargo\s+(?:test|nextest)\b"), ("maven", r"\bmvnw?\b"),
            ("gradle", r"\bgradlew?\b"), ("rspec", r"\brspec\b"))


def detect_runner(command: str | None, rows: Sequence[Row]) -> str | None:
    """pytest, go, jest, vitest, mocha, cargo, maven, gradle or rspec; None if unknown."""
    for name, pattern in _RUNNERS:
        if command and re.search(pattern, command):
            return name
    files = [str(r.get("file") or "") for r in rows]
    if any(f.endswith(".py") for f in files):
        return "pytest"
    if any(f.endswith("_test.go") for f in files):
        return "go"
    if any(f.endswith("_spec.rb") for f in files):
        return "rspec"
    if any(re.search(r"\.[cm]?[jt]sx?$", f) for f in files):
        return "jest"
    return None


def pytest_node(row: Row) -> str:
    """``tests/test_api.py::TestUsers::test_even[1]``: the file, the classes of the
    classname (capitalised parts after the module), the name."""
    file, classname = row.get("file"), str(row.get("classname") or "")
    classes = [p for p in classname.split(".") if p[:1].isupper()]
    if not file:
        module = [p for p in classname.split(".") if not p[:1].isupper()]
        file = "/".join(module) + ".py" if module else None
    return "::".join([str(file)] + classes + [str(row["name"])]) if file else str(row["name"])


def _alternation(names: Sequence[str]) -> str:
    unique = list(dict.fromkeys(names))
    body = "|".join(re.escape(n) for n in unique)
    return f"^({body})$" if len(unique) > 1 else f"^{body}$"


def _pytest(rows: Sequence[Row]) -> str:
    return "pytest " + " ".join(shlex.quote(n) for n in dict.fromkeys(map(pytest_node, rows)))


def _go(rows: Sequence[Row]) -> str:
    by_pkg: dict[str, list[str]] = {}
    for row in rows:
        pkg = str(row.get("classname") or "./...")
        by_pkg.setdefault(pkg, []).append(str(row["name"]).split("/")[0])
    return " && ".join(f"go test -run {shlex.quote(_alternation(names))} {shlex.quote(pkg)}"
                       for pkg, names in by_pkg.items())


def _js(tool: str, flag: str) -> Callable[[Sequence[Row]], str]:
    def build(rows: Sequence[Row]) -> str:
        files = [shlex.quote(str(f)) for f in dict.fromkeys(r.get("file") for r in rows) if f]
        names = [str(r["name"]).strip() for r in rows]
        pattern = "|".join(re.escape(n) for n in dict.fromkeys(names))
        return " ".join([tool, *files, flag, shlex.quote(pattern)])
    return build


def _cargo(rows: Sequence[Row]) -> str:
    names = [("::".join([str(r["classname"]), str(r["name"])]) if r.get("classname")
              else str(r["name"])) for r in rows]
    return "cargo test -- --exact " + " ".join(shlex.quote(n) for n in dict.fromkeys(names))


def _maven(rows: Sequence[Row]) -> str:
    by_class: dict[str, list[str]] = {}
    for row in rows:
        cls = str(row.get("classname") or "").rsplit(".", 1)[-1]
        by_class.setdefault(cls, []).append(str(row["name"]).split("(")[0])
    spec = ",".join(f"{c}#{'+'.join(dict.fromkeys(ms))}" for c, ms in by_class.items())
    return f"mvn test -Dtest={shlex.quote(spec)}"


def _gradle(rows: Sequence[Row]) -> str:
    specs = [f"{r.get('classname')}.{str(r['name']).split('(')[0]}" for r in rows]
    return "./gradlew test " + " ".join(f"--tests {shlex.quote(s)}" for s in dict.fromkeys(specs))


def _rspec(rows: Sequence[Row]) -> str:
    targets = []
    for row in rows:
        line = re.search(r'"line":"?(\d+)', str(row.get("properties") or ""))
        file = row.get("file")
        targets.append(f"{file}:{line.group(1)}" if file and line else str(file or row["name"]))
    return "rspec " + " ".join(shlex.quote(t) for t in dict.fromkeys(targets))


_BUILDERS: dict[str, Callable[[Sequence[Row]], str]] = {
    "pytest": _pytest, "go": _go, "jest": _js("npx jest", "-t"),
    "vitest": _js("npx vitest run", "-t"), "mocha": _js("npx mocha", "--grep"),
    "cargo": _cargo, "maven": _maven, "gradle": _gradle, "rspec": _rspec,
}


def rerun_command(command: str | None, failed: Sequence[Row]) -> str | None:
    """The shell command that reruns exactly ``failed`` (test rows), or None when the runner
    is unknown or nothing failed.

    Args:
        command: the run's command as typed (tells the runner apart).
        failed: the failed test rows (name, classname, file, properties).
    """
    if not failed:
        return None
    runner = detect_runner(command, failed)
    return _BUILDERS[runner](failed) if runner else None
