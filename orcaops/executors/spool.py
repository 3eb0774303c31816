"""The write-ahead spool of a running job: ``<Settings().spool>/<job_id>/``.

Files in a spool directory:
    meta.json      the spec (env already redacted), executor, times, container id or pid,
                   environment snapshot; rewritten atomically as the job moves on.
    logs.jsonl     one ``{"stream", "ts", "line"}`` object per output line, appended and
                   flushed as each line arrives.
    samples.jsonl  one ResourceSample per line, appended and flushed as it is taken.
    result.json    the outcome once the job ended (present => only the commit is missing).
    lock           held (flock) by the recording process for the whole run.

Why a lock file and not a pid: the kernel drops an flock when its process dies, however it
dies, so "lock is free" means exactly "nobody is recording this job" -- no pid-reuse races,
and two ``recover`` calls cannot both take the same job.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from orcaops.core.errors import ExecutorError, InputError
from orcaops.core.models import ResourceSample

META, LOGS, SAMPLES, RESULT, LOCK = "meta.json", "logs.jsonl", "samples.jsonl", "result.json", "lock"


class Spool:
    """One job's spool directory, locked by this process while it is open."""

    def __init__(self, path: Path, lock_fd: int) -> None:
        self.path = path
        self._lock_fd = lock_fd
        self._mutex = threading.Lock()
        self._files: dict[str, IO[str]] = {}
        self.closed = False
        self.degraded = False  # a write failed (disk full): appends are dropped

    @classmethod
    def create(cls, root: Path, job_id: str, meta: dict[str, Any]) -> Spool:
        """Create and lock the spool of a new job.

        Raises:
            InputError: a spool for ``job_id`` already exists (job ids are unique).
            ExecutorError: the directory cannot be written.
        """
        path = root / job_id
        try:
            root.mkdir(parents=True, exist_ok=True)
            path.mkdir()
        except FileExistsError as e:
            raise InputError(f"job id {job_id!r} is already being recorded or awaits "
                             "recovery (orcaops recover)") from e
        except OSError as e:
            raise ExecutorError(f"cannot create spool directory {path}: {e}") from e
        try:
            spool = cls.try_open(path)
            if spool is None:  # pragma: no cover - a directory we just made cannot be locked
                raise ExecutorError(f"spool {path} is locked by another process")
            spool.write_meta(meta)
        except OSError as e:  # e.g. a full disk: leave no half-made spool behind
            shutil.rmtree(path, ignore_errors=True)
            raise ExecutorError(_os_message(path, e)) from e
        return spool

    @classmethod
    def try_open(cls, path: Path) -> Spool | None:
        """Lock an existing spool; None when a live process holds it."""
        fd = os.open(path / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return cls(path, fd)

    def write_meta(self, meta: dict[str, Any]) -> None:
        """Replace meta.json atomically (a reader never sees half of it)."""
        self._write_json(META, meta)

    def update_meta(self, **fields: Any) -> dict[str, Any]:
        """Merge ``fields`` into meta.json and return the result."""
        meta = {**self.read_meta(), **fields}
        self.write_meta(meta)
        return meta

    def write_result(self, result: dict[str, Any]) -> None:
        """Record the job's outcome; from now on only the commit is missing.

        Best effort: the commit follows at once, and on a full disk it reports the problem.
        """
        try:
            self._write_json(RESULT, result)
        except OSError:
            self.degraded = True

    def append_log(self, stream: str, ts: datetime, line: str) -> None:
        """Append one output line and flush it to the OS (survives the process dying)."""
        self._append(LOGS, {"stream": stream, "ts": ts.isoformat(), "line": line})

    def append_sample(self, sample: ResourceSample) -> None:
        """Append one resource sample and flush it."""
        self._append(SAMPLES, sample.model_dump(mode="json"))

    def read_meta(self) -> dict[str, Any]:
        """meta.json, or {} when it is missing or unreadable."""
        return _read_json(self.path / META) or {}

    def read_result(self) -> dict[str, Any] | None:
        """result.json, or None when the job had not ended."""
        return _read_json(self.path / RESULT)

    def read_logs(self) -> list[dict[str, Any]]:
        """Spooled lines in arrival order (a torn last line from a crash is dropped)."""
        return _read_jsonl(self.path / LOGS)

    def read_samples(self) -> list[ResourceSample]:
        """Spooled samples in the order taken."""
        return [ResourceSample.model_validate(s) for s in _read_jsonl(self.path / SAMPLES)]

    def close(self) -> None:
        """Close the files and release the lock; later appends are ignored."""
        with self._mutex:
            self.closed = True
            for handle in self._files.values():
                handle.close()
            self._files.clear()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1

    def remove(self) -> None:
        """Delete the spool (after its run is committed)."""
        self.close()
        shutil.rmtree(self.path, ignore_errors=True)

    def _append(self, name: str, obj: dict[str, Any]) -> None:
        text = json.dumps(obj, ensure_ascii=False) + "\n"
        with self._mutex:
            if self.closed or self.degraded:
                return
            try:
                handle = self._files.get(name)
                if handle is None:
                    handle = self._files[name] = open(self.path / name, "a", encoding="utf-8")
                handle.write(text)
                handle.flush()
            except OSError:
                # A full disk must not kill the run: the recorder keeps every line in
                # memory and commits them; only crash safety is lost from here on.
                self.degraded = True

    def _write_json(self, name: str, obj: dict[str, Any]) -> None:
        tmp = self.path / f".{name}.tmp"
        try:
            tmp.write_text(json.dumps(obj, default=str, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path / name)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise


def _os_message(path: Path, error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return (f"disk full at {path} (No space left on device); free some space and run "
                "the command again")
    return f"cannot write spool {path}: {error.strerror or error}"


# A spool without meta.json is one whose recorder died (or failed on a full disk) while
# creating it; recover removes it once it is this old (a live recorder writes meta.json
# right after making the directory, under its lock).
INCOMPLETE_AFTER_S = 10.0


def list_spools(root: Path, now: float | None = None) -> list[Path]:
    """Spool directories under ``root``, oldest first: complete ones, and incomplete ones
    (no meta.json) older than ``INCOMPLETE_AFTER_S`` for recover to remove."""
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    dirs = []
    for p in root.iterdir():
        try:
            if p.is_dir() and ((p / META).exists()
                               or now - p.stat().st_mtime > INCOMPLETE_AFTER_S):
                dirs.append(p)
        except OSError:
            continue
    return sorted(dirs, key=lambda p: p.stat().st_mtime)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    rows = []
    for raw in text.splitlines():
        try:
            rows.append(json.loads(raw))
        except ValueError:
            continue  # the line being written when the recorder was killed
    return rows
