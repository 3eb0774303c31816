"""Import runs from JSON Lines (README, "Import format"): one run per line, batched commits.

A bad line is reported with its line number and the rest still imports; a job_id already in
the warehouse is skipped (or overwritten with ``replace``), so a retried import completes
exactly. Raw log lines are parsed here exactly as live runs are.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from orcaops.core.errors import InputError, WarehouseError
from orcaops.ingest.prepare import ParsedRun, gc_paused, parse_runs, prepare_runs
from orcaops.ingest.records import decode, parse_record
from orcaops.testing.records import run_tests
from orcaops.warehouse.rows import RunBatch
from orcaops.warehouse.writer import CommitResult, Writer

if TYPE_CHECKING:
    from orcaops.logs import ParsedLog, RunLines
    from orcaops.logs.worker import ParseWorker

BATCH_RUNS = 5000
BATCH_LOG_LINES = 500_000
# A batch's runs are parsed in chunks of about this many lines (see Importer).
CHUNK_LINES = 20_000
# The worker starts once an import has this many lines: starting it costs more than parsing a
# smaller import here.
WORKER_AFTER_LINES = 100_000
# The tables whose partitions an import merges at its end when its commits left several files
# in one (the logs table is left to `orcaops compact`: see Writer.settle).
SETTLED = ("runs", "samples", "tests")
# Fewer validated runs than this are parsed without first looking which are stored (_unstored).
PRECHECK_MIN_RUNS = 16
GC_EVERY = 20  # batches between collections of the young generation while the GC is paused
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
    # Small files merged once the runs were committed (``Importer.settle``), and why that
    # upkeep failed if it did (the runs are stored either way).
    files_merged: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "skipped": self.skipped, "replaced": self.replaced,
                "log_lines": self.log_lines, "errors": [str(e) for e in self.errors],
                "seconds": round(self.seconds, 3), "files_merged": self.files_merged,
                "warnings": self.warnings}


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
    only competes)."""
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
        self.started = time.perf_counter()  # the report's seconds: the whole call, wall clock
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
        self._files: dict[tuple[str, str], int] = {}  # (table, day) → commits that wrote it

    def feed_lines(self, lines: Iterable[Source]) -> None:
        with gc_paused():
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
        items = self._unstored(self._open)
        self._open, self._open_lines = [], 0
        if not items:
            return
        chunk = _Chunk(items, prepare_runs(items))
        worker = None if local else self._parse_worker()
        if worker is not None and worker.outstanding() < 2:
            chunk.job = worker.submit([r for r in chunk.runs if r.lines])
        else:
            chunk.parsed = parse_runs(chunk.runs)
        self._chunks.append(chunk)

    def _unstored(self, items: list[ParsedRun]) -> list[ParsedRun]:
        """The items whose job id is not stored yet. A stored one is counted as skipped
        without being parsed: a re-import (or a demo re-run) that writes nothing no longer
        parses every log again. The commit still checks under its lock, so a run stored
        meanwhile by another process is skipped there. Below ``PRECHECK_MIN_RUNS`` the look
        costs more than parsing the few runs (it reads the runs table; the commit reads it
        again under its lock anyway), so small imports such as one live run skip it."""
        if self.replace or len(items) < PRECHECK_MIN_RUNS:
            return items
        stored = self.writer.present([it.run.job_id for it in items])
        if not stored:
            return items
        self.report.skipped += sum(1 for it in items if it.run.job_id in stored)
        return [it for it in items if it.run.job_id not in stored]

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
        with gc_paused():
            for chunk in self._chunks:
                for item, log in zip(chunk.items, self._parsed(chunk)):
                    batch.add(item.run, log, item.samples, run_tests(item.tests, log))
        self._chunks, self._pending_runs, self._pending_lines = [], 0, 0
        self._batches += 1
        if not gc.isenabled() and self._batches % GC_EVERY == 0:
            gc.collect(0)  # the drivers' few cycles of the last batches (see gc_paused)
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
        for name, days in result.partitions.items():
            for day in days:
                self._files[name, day] = self._files.get((name, day), 0) + 1

    def settle(self) -> None:
        """Merge the files of every partition this import's commits wrote more than once
        (all but ``logs``: see ``Writer.settle``), so its searches need no ``compact``."""
        partitions: dict[str, set[str]] = {}
        for (name, day), files in self._files.items():
            if files > 1 and name in SETTLED:
                partitions.setdefault(name, set()).add(day)
        self._files = {}
        if not partitions:
            return
        try:
            self.report.files_merged += self.writer.settle(partitions)
        except WarehouseError as e:
            self.report.warnings.append(f"the imported runs are stored, but merging their "
                                        f"small files failed ({e}); `orcaops compact` "
                                        "does it later")

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
        """Feed ``lines``, commit everything, and report; ``seconds`` is the wall clock since
        this importer was made, so lines fed before ``run`` count in the rate too."""
        try:
            with gc_paused():
                self.feed_lines(lines)
                self.flush()
            self.settle()
        finally:
            self.close()
        self.report.seconds = time.perf_counter() - self.started
        return self.report


def import_objects(writer: Writer, objects: Iterable[Mapping[str, Any]], *,
                   replace: bool = False, parse_worker: bool | None = None) -> ImportReport:
    """Import already-decoded records (the demo generator and tests use this path)."""
    importer = Importer(writer, replace=replace, parse_worker=parse_worker)
    try:
        with gc_paused():
            for number, obj in enumerate(objects, start=1):
                try:
                    importer.feed(obj)
                except InputError as e:
                    importer.report.errors.append(LineError("<records>", number, str(e)))
            importer.flush()
        importer.settle()
    finally:
        importer.close()
    importer.report.seconds = time.perf_counter() - importer.started
    return importer.report
