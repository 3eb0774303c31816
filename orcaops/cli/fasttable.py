"""The commands ``orcaops.cli.fastpath`` runs without typer, with their options.

Each entry mirrors its typer command: the same parameter names, defaults and option names
(``tests/cli/test_fastpath.py`` compares them), a conversion per value option that answers
None wherever typer might do something else with the text (reject it, or read it
differently), and the typer-free function the typer command calls too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orcaops.cli.common import DEFAULT_FORMAT, DEFAULT_LIMIT
from orcaops.cli.onerun import DEBUG_LIMIT, LOGS_FORMAT
from orcaops.core.vocabulary import DEFAULT_SORT

Convert = Callable[[str], Any]


def _path(value: str) -> Path | None:
    # Typer turns the text into a Path and, with no checks asked, does nothing else.
    return Path(value) if value and not value.startswith("-") else None


def _int(value: str) -> int | None:
    digits = value.removeprefix("-")
    # Plain ASCII digits: what pydantic and int() read alike (not "1_000", "+1", " 1", "١").
    if digits.isascii() and digits.isdigit() and len(digits) <= 18:
        return int(value)
    return None


def _positive(value: str) -> int | None:
    # An option declared with min=1: click rejects smaller values, so typer answers them.
    number = _int(value)
    return number if number is not None and number >= 1 else None


def _text(value: str) -> str | None:
    return value


@dataclass(frozen=True)
class Command:
    """One command the fast path may run.

    Attributes:
        path: the words naming it (``("runs", "search")``).
        function: ``module:name`` of the function its typer command calls, taking the
            state dict, then the arguments in order, then the options by keyword.
        arguments: the parameter names of its arguments, in order.
        required: how many of ``arguments`` must be given (typer answers a missing one).
        values: option name → (parameter, conversion) for options taking a value.
        flags: flag option name → parameter.
        defaults: every parameter's default (arguments and the options left to typer too).
        to_typer: parameters whose options make the call typer's (``--interactive``).
        preload: modules to import before the exit's ``gc.freeze`` (see ``fastpath``).
    """

    path: tuple[str, ...]
    function: str
    arguments: tuple[str, ...]
    required: int
    values: dict[str, tuple[str, Convert]]
    flags: dict[str, str]
    defaults: dict[str, Any]
    to_typer: tuple[str, ...] = ()
    preload: tuple[str, ...] = field(default=())


_FORMAT: dict[str, tuple[str, Convert]] = {"--format": ("fmt", _text), "-f": ("fmt", _text)}
_OUTPUT: dict[str, tuple[str, Convert]] = {"--output": ("output", _path),
                                           "-o": ("output", _path)}

SEARCH = Command(
    ("runs", "search"), "orcaops.cli.runsearch:run_search", ("query",), 0,
    {"--limit": ("limit", _int), "-n": ("limit", _int), "--sort": ("sort", _text),
     "-s": ("sort", _text), **_FORMAT, **_OUTPUT},
    {"--facets": "facets", "--show-sql": "show_sql"},
    {"query": "", "limit": DEFAULT_LIMIT, "sort": DEFAULT_SORT, "facets": False,
     "fmt": DEFAULT_FORMAT, "output": None, "show_sql": False, "interactive": False,
     "engine": "duckdb", "ray_address": None, "dialect": None},
    to_typer=("interactive", "engine", "ray_address", "dialect"),
    preload=("orcaops.query", "orcaops.core.render", "orcaops.warehouse.search"))
SHOW = Command(
    ("runs", "show"), "orcaops.cli.onerun:show_run", ("job_id",), 1, dict(_FORMAT), {},
    {"job_id": None, "fmt": DEFAULT_FORMAT},
    preload=("orcaops.warehouse.onerun", "orcaops.core.render"))
LOGS = Command(
    ("runs", "logs"), "orcaops.cli.onerun:print_logs", ("job_id",), 1,
    {"--level": ("level", _text), "-l": ("level", _text), "--grep": ("grep", _text),
     "-g": ("grep", _text), "--stream": ("stream", _text),
     "--format": ("fmt", _text), "-f": ("fmt", _text), **_OUTPUT},
    {"--failed": "failed"},
    {"job_id": None, "level": None, "grep": None, "stream": None, "failed": False,
     "fmt": LOGS_FORMAT, "output": None},
    preload=("orcaops.warehouse.onerun", "orcaops.analytics.rootcause", "orcaops.core.render"))
SUMMARY = Command(
    ("jobs", "summary"), "orcaops.cli.onerun:print_summary", ("job_id",), 1, dict(_FORMAT),
    {}, {"job_id": None, "fmt": DEFAULT_FORMAT})
DEBUG = Command(
    ("debug",), "orcaops.cli.onerun:print_debug", ("job_id",), 1,
    {"--limit": ("limit", _positive), "-n": ("limit", _positive), **_FORMAT}, {},
    {"job_id": None, "limit": DEBUG_LIMIT, "fmt": DEFAULT_FORMAT})

COMMANDS = (SEARCH, SHOW, LOGS, SUMMARY, DEBUG)
