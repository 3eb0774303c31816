"""Import runs from JSON Lines (DESIGN.md §3): one run per line, batched commits.

A bad line is reported with its line number and the rest still imports; a job_id already in
the warehouse is skipped (or overwritten with ``replace``), so a retried import completes
exactly. Raw log lines are parsed here exactly as live runs are.
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
import shlex
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from orcaops.errors import InputError
from orcaops.models import (STATUSES, EnvironmentSnapshot, ResourceUsage, RunRecord)
from orcaops.warehouse.rows import SAMPLE_FIELDS, RunBatch
from orcaops.warehouse.writer import Writer

RUN_FIELDS = frozenset({
    "job_id", "status", "image", "image_digest", "command", "triggered_by", "intent",
    "parent_job_id", "tags", "metadata", "queued_at", "started_at", "finished_at", "exit_code",
    "error_message", "failure_category", "first_error", "error_fingerprint", "executor", "host",
    "resources", "environment",
    "logs", "samples",
})
MAX_LINE_BYTES = 256 * 1024 * 1024
BATCH_RUNS = 5000
BATCH_LOG_LINES = 500_000


@dataclass(frozen=True)
class LineError:
    """One input line that could not be imported."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass
class ImportReport:
    """What an import did."""

    imported: int = 0
    skipped: int = 0
    replaced: int = 0
    log_lines: int = 0
    errors: list[LineError] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "skipped": self.skipped, "replaced": self.replaced,
                "log_lines": self.log_lines, "errors": [str(e) for e in self.errors],
                "seconds": round(self.seconds, 3)}


@dataclass
class ParsedRun:
    """One valid input record, split into what the tables need."""

    run: RunRecord
    lines: list[str]
    streams: list[str]
    timestamps: list[datetime | None]
    samples: list[dict[str, Any]]


def parse_time(value: Any, what: str) -> datetime | None:
    """An ISO-8601 string or epoch seconds as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"{what}: expected an ISO-8601 timestamp, got {value!r}")
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if not isinstance(value, str):
        raise InputError(f"{what}: expected an ISO-8601 timestamp, got {type(value).__name__}")
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{what}: {value[:60]!r} is not an ISO-8601 timestamp "
                         "(e.g. 2026-11-01T10:00:00Z)") from None
    return ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)


def _logs(raw: Any) -> tuple[list[str], list[str], list[datetime | None]]:
    if not isinstance(raw, list):
        raise InputError("logs: expected a list of {ts, stream, line} objects")
    lines: list[str] = []
    streams: list[str] = []
    stamps: list[datetime | None] = []
    last: Any = None
    last_ts: datetime | None = None
    for i, entry in enumerate(raw):
        if isinstance(entry, str):
            entry = {"line": entry}
        if not isinstance(entry, dict):
            raise InputError(f"logs[{i}]: expected an object with a 'line', got {entry!r:.40}")
        text = entry.get("line", entry.get("message"))
        if not isinstance(text, str):
            raise InputError(f"logs[{i}]: 'line' must be a string")
        stream = entry.get("stream") or "stdout"
        if stream not in ("stdout", "stderr"):
            raise InputError(f"logs[{i}]: stream must be 'stdout' or 'stderr', got {stream!r}")
        value = entry.get("ts")
        if value is None:
            ts = None
        elif value.__class__ is str and value == last:  # neighbours often share a timestamp
            ts = last_ts
        else:
            ts = parse_time(value, f"logs[{i}].ts")
            last, last_ts = value, ts
        for part in text.split("\n") if "\n" in text else (text,):
            lines.append(part)
            streams.append(stream)
            stamps.append(ts)
    return lines, streams, stamps


_SAMPLE_KEYS = frozenset(SAMPLE_FIELDS)
_NUMBER = (int, float)


def _samples(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise InputError("samples: expected a list of objects")
    out = []
    names = SAMPLE_FIELDS[1:]
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise InputError(f"samples[{i}]: expected an object")
        if not _SAMPLE_KEYS.issuperset(entry):  # a set per sample cost more than the rest
            unknown = sorted(set(entry) - _SAMPLE_KEYS)
            raise InputError(f"samples[{i}]: unknown field {unknown[0]!r} "
                             f"(valid: {', '.join(SAMPLE_FIELDS)})")
        sample: dict[str, Any] = {"ts": parse_time(entry.get("ts"), f"samples[{i}].ts")}
        if sample["ts"] is None:
            raise InputError(f"samples[{i}]: 'ts' is required")
        for name in names:
            value = entry.get(name)
            if value is not None and (value.__class__ is bool or not isinstance(value, _NUMBER)):
                raise InputError(f"samples[{i}].{name}: expected a number, got {value!r:.40}")
            sample[name] = value
        out.append(sample)
    return out


def parse_record(obj: Any) -> ParsedRun:
    """Validate one decoded JSON line; raises InputError saying what is wrong."""
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - RUN_FIELDS)
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r} (valid fields: {', '.join(sorted(RUN_FIELDS))};"
                         " put custom data in 'metadata')")
    if not isinstance(obj.get("job_id"), str) or not obj["job_id"].strip():
        raise InputError("'job_id' is required and must be a non-empty string")
    if obj.get("status") not in STATUSES:
        raise InputError(f"'status' must be one of {', '.join(STATUSES)}; "
                         f"got {obj.get('status')!r}")
    fields = {k: v for k, v in obj.items() if k not in ("resources", "environment", "logs",
                                                        "samples")}
    for key in ("queued_at", "started_at", "finished_at"):
        fields[key] = parse_time(obj.get(key), key)
    lines, streams, stamps = _logs(obj.get("logs") or [])
    samples = _samples(obj.get("samples") or [])
    try:
        fields["resources"] = ResourceUsage.model_validate(obj.get("resources") or {})
        env = obj.get("environment")
        fields["environment"] = EnvironmentSnapshot.model_validate(env) if env else None
        run = RunRecord.model_validate(fields)
    except ValidationError as e:
        raise InputError(_validation_message(e)) from None
    return ParsedRun(run, lines, streams, stamps, samples)


def _validation_message(e: ValidationError) -> str:
    first = e.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "record"
    return f"{where}: {first['msg']}" + (f" ({len(e.errors()) - 1} more)" if len(e.errors()) > 1
                                         else "")


def _secrets(item: ParsedRun) -> list[str]:
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


def add_parsed_many(batch: RunBatch, items: Sequence[ParsedRun]) -> None:
    """Parse the runs' raw log lines in one pass and add the runs to ``batch``.

    One :func:`orcaops.logs.parse_run_logs` call for all runs: a per-run call pays ~1 ms of
    polars query setup per stage, more than parsing a typical run's lines.
    """
    from orcaops.logs import RunLines, parse_run_logs

    secrets = [_secrets(it) for it in items]
    for item, found in zip(items, secrets):
        redact_command(item.run, found)
    runs = [RunLines(it.lines, it.streams, it.timestamps, status=it.run.status,
                     exit_code=it.run.exit_code, secrets=found)
            for it, found in zip(items, secrets)]
    logs = iter(parse_run_logs([r for r in runs if r.lines]))
    for item, run in zip(items, runs):
        batch.add(item.run, next(logs) if run.lines else None, item.samples)


def add_parsed(batch: RunBatch, item: ParsedRun) -> None:
    """Parse the run's raw log lines and add the run to ``batch``."""
    add_parsed_many(batch, [item])


Source = tuple[str, int, bytes]


def read_lines(path: str, stream: IO[bytes] | None = None) -> Iterator[Source]:
    """(source, line number, raw bytes) of every non-blank line of a file or ``-`` (stdin)."""
    handle = stream or (sys.stdin.buffer if path == "-" else open(path, "rb"))
    name = "<stdin>" if path == "-" else path
    try:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                yield name, number, raw
    finally:
        if handle is not sys.stdin.buffer and stream is None:
            handle.close()


def open_sources(paths: Iterable[str]) -> list[str]:
    """Check every path before importing anything: a missing file is bad input."""
    paths = list(paths)
    if not paths:
        raise InputError("no input: name one or more JSON Lines files, or - for stdin")
    for p in paths:
        if p != "-" and not Path(p).is_file():
            raise InputError(f"{p}: no such file (give a JSON Lines file, or - for stdin)")
    return paths


# A \uD800-\uDFFF escape: JSON allows it, but alone it decodes to a string no UTF-8 encoder
# (Arrow, Parquet) accepts, which would fail the whole batch at commit time.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def decode(raw: bytes) -> Any:
    if len(raw) > MAX_LINE_BYTES:
        raise InputError(f"line is {len(raw)} bytes; the limit is {MAX_LINE_BYTES}")
    try:
        obj = json.loads(raw)
        if _SURROGATE_ESCAPE.search(raw):
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        return obj
    except UnicodeEncodeError:
        raise InputError("a string holds an unpaired UTF-16 surrogate escape (\\uD800-"
                         "\\uDFFF), which is not valid Unicode text") from None
    except UnicodeDecodeError:
        raise InputError("not valid UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise InputError(f"not valid JSON ({e.msg} at column {e.colno})") from None
    except RecursionError:
        raise InputError("JSON nested too deeply") from None


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch is parsed.

    A batch allocates millions of acyclic objects (strings, datetimes, lists), and each
    allocation burst triggered collections that walked them all again (measured: ~8% of an
    import). Nothing cyclic is created here; the collector resumes (and runs) afterwards.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Importer:
    """Streams records into batches and commits them through a ``Writer``."""

    def __init__(self, writer: Writer, *, replace: bool = False,
                 progress: Callable[[int], None] | None = None,
                 batch_runs: int = BATCH_RUNS) -> None:
        self.writer = writer
        self.replace = replace
        self.progress = progress
        self.batch_runs = batch_runs
        self.report = ImportReport()
        self._pending: list[ParsedRun] = []
        self._pending_lines = 0
        self._seen: set[str] = set()

    def feed_lines(self, lines: Iterable[Source]) -> None:
        for source, number, raw in lines:
            try:
                self.feed(decode(raw))
            except InputError as e:
                self.report.errors.append(LineError(source, number, str(e)))
            if self.progress:
                self.progress(len(raw))

    def feed(self, obj: Any) -> None:
        item = parse_record(obj)
        job_id = item.run.job_id
        if job_id in self._seen:
            if not self.replace:
                self.report.skipped += 1
                return
            self.flush()  # the later copy replaces the earlier one
        self._seen.add(job_id)
        # Kept raw until the flush, which parses the whole batch's logs in one pass.
        self._pending.append(item)
        self._pending_lines += len(item.lines)
        if len(self._pending) >= self.batch_runs or self._pending_lines >= BATCH_LOG_LINES:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        batch = RunBatch()
        with _gc_paused():
            add_parsed_many(batch, self._pending)
        self._pending, self._pending_lines = [], 0
        result = self.writer.commit(batch, replace=self.replace)
        self.report.imported += len(result.written) - len(result.replaced)
        self.report.replaced += len(result.replaced)
        self.report.skipped += len(result.skipped)
        self.report.log_lines += result.log_lines

    def run(self, lines: Iterable[Source]) -> ImportReport:
        start = time.perf_counter()
        self.feed_lines(lines)
        self.flush()
        self.report.seconds = time.perf_counter() - start
        return self.report


def import_objects(writer: Writer, objects: Iterable[Mapping[str, Any]], *,
                   replace: bool = False) -> ImportReport:
    """Import already-decoded records (the demo generator and tests use this path)."""
    importer = Importer(writer, replace=replace)
    start = time.perf_counter()
    for number, obj in enumerate(objects, start=1):
        try:
            importer.feed(obj)
        except InputError as e:
            importer.report.errors.append(LineError("<records>", number, str(e)))
    importer.flush()
    importer.report.seconds = time.perf_counter() - start
    return importer.report
