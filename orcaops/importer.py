"""Import runs from JSON Lines (DESIGN.md §3): one run per line, batched commits.

A bad line is reported with its line number and the rest still imports; a job_id already in
the warehouse is skipped (or overwritten with ``replace``), so a retried import completes
exactly. Raw log lines are parsed here exactly as live runs are.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import shlex
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import ValidationError

from orcaops.errors import InputError
from orcaops.models import (STATUSES, EnvironmentSnapshot, ResourceUsage, RunRecord)
from orcaops.warehouse.rows import SAMPLE_FIELDS, RunBatch
from orcaops.warehouse.writer import CommitResult, Writer

if TYPE_CHECKING:
    from orcaops.logs import ParsedLog, RunLines
    from orcaops.logs.worker import ParseWorker

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
# A batch's runs are parsed in chunks of about this many lines (see Importer).
CHUNK_LINES = 20_000
# The worker starts once an import has this many lines: it needs ~0.5 s to start, more than
# parsing a smaller import here (measured: 1k runs, 100k lines, slower with it).
WORKER_AFTER_LINES = 100_000
_GC_EVERY = 20  # batches between collections of the young generation while the GC is paused
WORKER_ENV = "ORCAOPS_PARSE_WORKER"


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


def prepare_runs(items: Sequence[ParsedRun]) -> list[RunLines]:
    """Redact each run's environment and command (in place); the parser input of each run."""
    from orcaops.logs import RunLines

    secrets = [_secrets(it) for it in items]
    for item, found in zip(items, secrets):
        redact_command(item.run, found)
    return [RunLines(it.lines, it.streams, it.timestamps, status=it.run.status,
                     exit_code=it.run.exit_code, secrets=found)
            for it, found in zip(items, secrets)]


def parse_runs(runs: Sequence[RunLines]) -> list[ParsedLog | None]:
    """Parsed logs of the runs (None for a run without lines), in one pass.

    One :func:`orcaops.logs.parse_run_logs` call for all runs: a per-run call pays ~1 ms of
    polars query setup per stage, more than parsing a typical run's lines.
    """
    from orcaops.logs import parse_run_logs

    with _gc_paused():
        logs = iter(parse_run_logs([r for r in runs if r.lines]))
    return [next(logs) if r.lines else None for r in runs]


def add_parsed_many(batch: RunBatch, items: Sequence[ParsedRun]) -> None:
    """Parse the runs' raw log lines in one pass and add the runs to ``batch``."""
    for item, log in zip(items, parse_runs(prepare_runs(items))):
        batch.add(item.run, log, item.samples)


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
    """Pause the cyclic garbage collector while records are validated and parsed.

    An import allocates millions of acyclic objects (decoded records, strings, datetimes,
    lists), and each allocation burst triggered collections that walked them all again, the
    caller's records included (measured: ~8% of parsing, and 1.7 s of 13 s CPU importing 10k
    runs with the records in memory). An import creates ~65 cyclic objects per commit (the
    drivers'); :data:`_GC_EVERY` batches a young-generation collection frees them, and the
    collector resumes (and runs) afterwards. Nests: the outermost pause resumes it.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@dataclass
class _Chunk:
    """Validated runs parsed together: here (``parsed``) or by the worker (``job``)."""

    items: list[ParsedRun]
    runs: list[RunLines]
    parsed: list[ParsedLog | None] | None = None
    job: Any = None


def _worker_default() -> bool:
    """Use a parse worker when a core looks free: more than one CPU and a 1-minute load
    average under their number (it counts this process too: a worker on a saturated machine
    only competes; measured on 2 CPUs, 10k runs: 105k vs 88k lines/s at load 2, 43k vs 41k
    at load 4-6)."""
    setting = os.environ.get(WORKER_ENV, "auto")
    if setting in ("0", "1"):
        return setting == "1"
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available on this platform
        load = 0.0
    return (cpus or 1) > 1 and load < (cpus or 1)


class Importer:
    """Streams records into batches and commits them through a ``Writer``.

    With ``parse_worker`` (default: a core looks free, see :func:`_worker_default`;
    ``ORCAOPS_PARSE_WORKER=0``/``1`` decides), a batch's runs are parsed in chunks of about
    ``chunk_lines`` lines as they arrive: a child process (:mod:`orcaops.logs.worker`) parses
    chunks while this process validates and parses others, so an import uses two cores;
    without, a batch is parsed in one pass when it is flushed. A batch's commit (mostly Rust:
    it releases the GIL) runs on a thread while the next batch is read and parsed. Neither
    changes what is stored.
    """

    def __init__(self, writer: Writer, *, replace: bool = False,
                 progress: Callable[[int], None] | None = None,
                 batch_runs: int = BATCH_RUNS, chunk_lines: int = CHUNK_LINES,
                 parse_worker: bool | None = None) -> None:
        self.writer = writer
        self.replace = replace
        self.progress = progress
        self.batch_runs = batch_runs
        self.chunk_lines = chunk_lines
        self.report = ImportReport()
        self._chunks: list[_Chunk] = []
        self._open: list[ParsedRun] = []  # validated, not in a chunk yet
        self._open_lines = 0
        self._pending_runs = 0
        self._pending_lines = 0
        self._seen: set[str] = set()
        self._use_worker = _worker_default() if parse_worker is None else parse_worker
        self._worker: ParseWorker | None = None
        self._committer: ThreadPoolExecutor | None = None
        self._batches = 0
        self._lines_seen = 0
        self.worker_chunks = 0  # chunks the parse worker parsed
        self._commit: Future[CommitResult] | None = None

    def feed_lines(self, lines: Iterable[Source]) -> None:
        with _gc_paused():
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
            self.flush(wait=False)  # the later copy replaces the earlier one (commits in order)
        self._seen.add(job_id)
        # Kept raw until its chunk is full: a chunk's logs are parsed in one pass.
        self._open.append(item)
        self._open_lines += len(item.lines)
        self._pending_runs += 1
        self._pending_lines += len(item.lines)
        self._lines_seen += len(item.lines)
        if (self._use_worker and self._open_lines >= self.chunk_lines
                and self._lines_seen >= WORKER_AFTER_LINES):
            self._seal(local=False)
        if self._pending_runs >= self.batch_runs or self._pending_lines >= BATCH_LOG_LINES:
            self.flush(wait=False)

    def _seal(self, local: bool) -> None:
        """Close the open chunk: to the worker while it has under two chunks, else parse it."""
        chunk = _Chunk(self._open, prepare_runs(self._open))
        self._open, self._open_lines = [], 0
        worker = None if local else self._parse_worker()
        if worker is not None and worker.outstanding() < 2:
            chunk.job = worker.submit([r for r in chunk.runs if r.lines])
        else:
            chunk.parsed = parse_runs(chunk.runs)
        self._chunks.append(chunk)

    def _parse_worker(self) -> ParseWorker | None:
        if self._worker is None and self._use_worker:
            from orcaops.logs.worker import ParseWorker

            try:
                self._worker = ParseWorker()
            except OSError:  # no interpreter to start: parse here
                self._use_worker = False
        return self._worker if self._worker is not None and self._worker.alive else None

    def _parsed(self, chunk: _Chunk) -> list[ParsedLog | None]:
        if chunk.parsed is not None:
            return chunk.parsed
        assert self._worker is not None
        got = self._worker.result(chunk.job)
        if got is None:  # the worker failed: parse here
            return parse_runs(chunk.runs)
        self.worker_chunks += 1
        logs = iter(got)
        return [next(logs) if r.lines else None for r in chunk.runs]

    def flush(self, *, wait: bool = True) -> None:
        """Parse and commit the pending runs.

        Args:
            wait: Return once committed; else the commit runs on a thread and the next
                ``flush`` (or :meth:`close`) waits for it first, so batches commit in order.
        """
        batch = self._batch()
        self._wait_commit()
        if batch is not None:
            if self._committer is None:
                self._committer = ThreadPoolExecutor(1, thread_name_prefix="orcaops-commit")
            self._commit = self._committer.submit(self.writer.commit, batch,
                                                  replace=self.replace)
        if wait:
            self._wait_commit()

    def _batch(self) -> RunBatch | None:
        """The pending runs, parsed, as a batch (None when there are none)."""
        if self._open:
            self._seal(local=True)
        if not self._chunks:
            return None
        worker = self._worker
        for chunk in self._chunks:  # chunks the worker has not started: parse them here
            if chunk.job is not None and worker is not None and worker.take_back(chunk.job):
                chunk.parsed, chunk.job = parse_runs(chunk.runs), None
        batch = RunBatch()
        with _gc_paused():
            for chunk in self._chunks:
                for item, log in zip(chunk.items, self._parsed(chunk)):
                    batch.add(item.run, log, item.samples)
        self._chunks, self._pending_runs, self._pending_lines = [], 0, 0
        self._batches += 1
        if not gc.isenabled() and self._batches % _GC_EVERY == 0:
            gc.collect(0)  # the drivers' few cycles of the last batches (see _gc_paused)
        return batch

    def _wait_commit(self) -> None:
        if self._commit is None:
            return
        future, self._commit = self._commit, None
        result = future.result()
        self.report.imported += len(result.written) - len(result.replaced)
        self.report.replaced += len(result.replaced)
        self.report.skipped += len(result.skipped)
        self.report.log_lines += result.log_lines

    def close(self) -> None:
        """Wait for the last commit and stop the helpers (flush first: unflushed runs are lost).

        Raises:
            WarehouseError: The last commit failed.
        """
        try:
            self._wait_commit()
        finally:
            if self._committer is not None:
                self._committer.shutdown()
                self._committer = None
            if self._worker is not None:
                self._worker.close()
                self._worker = None

    def run(self, lines: Iterable[Source]) -> ImportReport:
        start = time.perf_counter()
        try:
            with _gc_paused():
                self.feed_lines(lines)
                self.flush()
        finally:
            self.close()
        self.report.seconds = time.perf_counter() - start
        return self.report


def import_objects(writer: Writer, objects: Iterable[Mapping[str, Any]], *,
                   replace: bool = False, parse_worker: bool | None = None) -> ImportReport:
    """Import already-decoded records (the demo generator and tests use this path)."""
    importer = Importer(writer, replace=replace, parse_worker=parse_worker)
    start = time.perf_counter()
    try:
        with _gc_paused():
            for number, obj in enumerate(objects, start=1):
                try:
                    importer.feed(obj)
                except InputError as e:
                    importer.report.errors.append(LineError("<records>", number, str(e)))
            importer.flush()
    finally:
        importer.close()
    importer.report.seconds = time.perf_counter() - start
    return importer.report
