"""Preparing a run for the tables, the one step import and live runs share.

A run's checks (numbers fit their columns, JSON nests within bounds), redaction of secrets in
its environment and command, parsing of its raw log lines (``orcaops.logs``), and adding the
rows to a :class:`~orcaops.warehouse.rows.RunBatch`. ``orcaops import`` calls it for many runs
at a time (``ingest.importer``); ``Warehouse.record`` — what a live ``orcaops run`` commits
through — for one.
"""

from __future__ import annotations

import contextlib
import gc
import math
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from orcaops.core.errors import InputError
from orcaops.core.models import RunRecord
from orcaops.testing.records import run_tests
from orcaops.warehouse.rows import RunBatch

if TYPE_CHECKING:
    from orcaops.logs import ParsedLog, RunLines

# How deep metadata and environment values may nest: deeper input is refused at import, so
# nothing stored can make the recursive parts of output (JSON encoders) run out of stack.
MAX_JSON_DEPTH = 32
# The widths of the integer columns (warehouse/schema.py): a larger number would fail the
# whole batch when converted to Arrow, so it is refused here, with its line.
_INT_RANGE = {"exit_code": 31, "pids": 31}  # int32; every other integer column is int64
_INT64 = 63


@dataclass
class ParsedRun:
    """One valid input record, split into what the tables need."""

    run: RunRecord
    lines: list[str]
    streams: list[str]
    timestamps: list[datetime | None]
    samples: list[dict[str, Any]]
    # Test rows from "tests"/"junit" (None: neither given; they are read from the log).
    tests: list[dict[str, Any]] | None = None


def check_number(value: Any, column: str, where: str) -> None:
    """InputError unless ``value`` fits the table column ``column``: a finite float, an
    integer within the column's width."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{where}: {value!r} is not a finite number")
    elif isinstance(value, int) and not isinstance(value, bool):
        bits = _INT_RANGE.get(column, _INT64)
        if not -(1 << bits) <= value < (1 << bits):
            raise InputError(f"{where}: {value} does not fit a {bits + 1}-bit integer "
                             f"({-(1 << bits)} to {(1 << bits) - 1})")


def check_json(value: Any, where: str, limit: int = MAX_JSON_DEPTH) -> None:
    """InputError if ``value`` nests deeper than ``limit`` or holds NaN or Infinity (which
    are not JSON). Iterative: a deep value cannot exhaust the stack here."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise InputError(f"{where}: {item!r} is not a finite number (JSON has no NaN "
                             "or Infinity)")
        if isinstance(item, (dict, list)):
            if depth >= limit:
                raise InputError(f"{where}: nested deeper than {limit} levels; flatten it "
                                 f"(e.g. keys like 'a.b.c')")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def check_run(run: RunRecord) -> None:
    """InputError unless the run's numbers fit their columns and its metadata and
    environment are JSON no deeper than ``MAX_JSON_DEPTH`` (what import and
    ``Warehouse.record`` both require)."""
    check_number(run.exit_code, "exit_code", "exit_code")
    for name, value in run.resources.model_dump().items():
        check_number(value, name, f"resources.{name}")
    check_json(run.metadata, "metadata")
    if run.environment is not None:
        check_json(run.environment.model_dump(), "environment")


def redact_environment(item: ParsedRun) -> list[str]:
    """Redact the run's environment in place; the values redacted are masked in its log."""
    run = item.run
    if not (run.environment and run.environment.env):
        return []
    from orcaops.logs import redact_env

    clean = redact_env(run.environment.env)
    secrets = [v for k, v in run.environment.env.items() if clean.get(k) != v and len(v) >= 4]
    run.environment.env = clean
    return secrets


def redact_command(run: RunRecord, secrets: list[str]) -> None:
    """Redact credentials in the command and argv (``mysql --password X``, a token in a URL).

    The argv is redacted as one shell line, so a flag and its value in separate elements are
    seen together; if the redacted line no longer splits into as many words, each element is
    redacted alone. (The command hash, and so the baseline key, is of the redacted command.)
    """
    from orcaops.logs import redact_text

    if run.command:
        run.command = redact_text(run.command, secrets)
    if run.argv:
        line = shlex.join(run.argv)
        clean = redact_text(line, secrets)
        if clean != line:
            try:
                argv = shlex.split(clean)
            except ValueError:
                argv = []
            if len(argv) != len(run.argv):
                argv = [redact_text(a, secrets) for a in run.argv]
            run.argv = argv


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while records are validated and parsed.

    An import allocates millions of acyclic objects (decoded records, strings, datetimes,
    lists), and each allocation burst triggered collections that walked them all again, the
    caller's records included. An import creates ~65 cyclic objects per commit (the
    drivers'); ``GC_EVERY`` batches (the importer's) a young-generation collection frees them, and the
    collector resumes (and runs) afterwards. Nests: the outermost pause resumes it.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def prepare_runs(items: Sequence[ParsedRun]) -> list[RunLines]:
    """Redact each run's environment and command (in place); the parser input of each run."""
    from orcaops.logs import RunLines

    secrets = [redact_environment(it) for it in items]
    for item, found in zip(items, secrets):
        redact_command(item.run, found)
    return [RunLines(it.lines, it.streams, it.timestamps, status=it.run.status,
                     exit_code=it.run.exit_code, secrets=found)
            for it, found in zip(items, secrets)]


def parse_runs(runs: Sequence[RunLines]) -> list[ParsedLog | None]:
    """Parsed logs of the runs (None for a run without lines), in one pass.

    One :func:`orcaops.logs.parse_run_logs` call for all runs: a per-run call pays polars'
    query set-up per stage, more than parsing a typical run's lines.
    """
    from orcaops.logs import parse_run_logs

    with gc_paused():
        logs = iter(parse_run_logs([r for r in runs if r.lines]))
    return [next(logs) if r.lines else None for r in runs]


def add_parsed_many(batch: RunBatch, items: Sequence[ParsedRun]) -> None:
    """Parse the runs' raw log lines in one pass and add the runs to ``batch``."""
    for item, log in zip(items, parse_runs(prepare_runs(items))):
        batch.add(item.run, log, item.samples, run_tests(item.tests, log))


def add_parsed(batch: RunBatch, item: ParsedRun) -> None:
    """Parse the run's raw log lines and add the run to ``batch``."""
    add_parsed_many(batch, [item])
