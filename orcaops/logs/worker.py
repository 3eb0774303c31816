"""A child process that parses chunks of runs, so an import uses a second core.

Parsing is Python (GIL-bound) more than Rust, so a thread would not run beside the importer;
a process does. The child is ``python -m orcaops.logs.worker``: a plain subprocess (not
``multiprocessing``, whose spawn re-imports the caller's ``__main__``, a hazard for scripts
without a main guard) reading pickled ``RunLines`` lists on stdin and writing the pickled
``parse_run_logs`` results on stdout, one chunk at a time. Results do not depend on where a
run is parsed (template ids are hashes of template text; caches only skip work).

:class:`ParseWorker` is the parent's side: chunks wait in a queue served by one thread,
and a chunk not yet sent can be taken back and parsed by the caller instead, so a slow or
still-starting child never makes an import wait longer than parsing everything itself.
Any failure of the child (it could not start, died, answered garbage) marks it dead: the
caller parses the chunk itself.
"""

from __future__ import annotations

import gc
import os
import pickle
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from orcaops.logs.model import ParsedLog, RunLines

_HEADER = 8
_PROTOCOL = pickle.HIGHEST_PROTOCOL
# The package the child must import: the same files as this process (checked at start).
PACKAGE_INIT = str(Path(__file__).resolve().parents[1] / "__init__.py")


def _send(out: IO[bytes], data: bytes) -> None:
    out.write(len(data).to_bytes(_HEADER, "little"))
    out.write(data)
    out.flush()


def _receive(src: IO[bytes]) -> bytes | None:
    head = src.read(_HEADER)
    if len(head) < _HEADER:
        return None
    size = int.from_bytes(head, "little")
    data = src.read(size)
    if len(data) < size:
        return None
    return data


def serve(src: IO[bytes], out: IO[bytes]) -> None:
    """The child's loop: answer each chunk with ``("ok", results)`` or ``("error", exc)``."""
    from orcaops.logs import parse_run_logs

    _send(out, pickle.dumps(("ready", PACKAGE_INIT), _PROTOCOL))
    while (data := _receive(src)) is not None:
        gc.disable()  # as the importer does around parsing: millions of acyclic objects
        try:
            answer: tuple[str, Any] = ("ok", parse_run_logs(pickle.loads(data)))
        except Exception as e:  # noqa: BLE001 - handed to the parent, which parses again
            answer = ("error", e)
        finally:
            gc.enable()
        _send(out, pickle.dumps(answer, _PROTOCOL))


class _Job:
    __slots__ = ("runs", "state", "result", "done")

    def __init__(self, runs: list[RunLines]) -> None:
        self.runs = runs
        self.state = "queued"  # queued -> sent -> done | failed; or taken (back)
        self.result: list[ParsedLog] | None = None
        self.done = threading.Event()


class ParseWorker:
    """A ``python -m orcaops.logs.worker`` child and the thread feeding it chunks."""

    def __init__(self) -> None:
        self._expected = PACKAGE_INIT
        self._queue: deque[_Job] = deque()
        self._cv = threading.Condition()
        self._closing = False
        self._busy = 0
        self.alive = True
        root = str(Path(PACKAGE_INIT).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "orcaops.logs.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self._thread = threading.Thread(target=self._serve, name="orcaops-parse-worker",
                                        daemon=True)
        self._thread.start()

    def submit(self, runs: Sequence[RunLines]) -> _Job:
        """Queue a chunk for the child."""
        job = _Job(list(runs))
        with self._cv:
            if not self.alive:
                job.state = "failed"
                job.done.set()
            else:
                self._queue.append(job)
                self._cv.notify()
        return job

    def outstanding(self) -> int:
        """Chunks queued or being parsed by the child."""
        with self._cv:
            return len(self._queue) + self._busy

    def take_back(self, job: _Job) -> bool:
        """Withdraw a chunk the child has not received yet (the caller parses it)."""
        with self._cv:
            if job.state != "queued":
                return False
            self._queue.remove(job)
            job.state = "taken"
            return True

    def result(self, job: _Job) -> list[ParsedLog] | None:
        """The child's results for a chunk (waiting for them), or None if it failed."""
        job.done.wait()
        return job.result

    def close(self) -> None:
        """Stop the child (idempotent); queued chunks fail (their callers parse them)."""
        with self._cv:
            self._closing = True
            self._cv.notify()
        self._thread.join(timeout=5)
        if self._thread.is_alive():  # a child hung before answering: EOF frees the thread
            self._proc.kill()
            self._thread.join()
        self._stop()

    def _serve(self) -> None:
        try:
            hello = _receive(self._proc.stdout)  # type: ignore[arg-type]
            ok = hello is not None and pickle.loads(hello) == ("ready", self._expected)
        except Exception:  # noqa: BLE001 - a child that cannot start is a dead child
            ok = False
        while ok:
            with self._cv:
                while not self._queue and not self._closing:
                    self._cv.wait()
                if self._closing:
                    break
                job = self._queue.popleft()
                job.state = "sent"
                self._busy = 1
            ok = self._roundtrip(job)
            with self._cv:
                self._busy = 0
        self._fail_all()

    def _roundtrip(self, job: _Job) -> bool:
        try:
            _send(self._proc.stdin, pickle.dumps(job.runs, _PROTOCOL))  # type: ignore[arg-type]
            data = _receive(self._proc.stdout)  # type: ignore[arg-type]
            status, value = pickle.loads(data) if data is not None else ("error", None)
        except Exception:  # noqa: BLE001 - broken pipe, truncated answer: the child is gone
            status, value = "error", None
        if status == "ok" and isinstance(value, list) and len(value) == len(job.runs):
            job.result, job.state = value, "done"
        else:
            job.state = "failed"
        job.done.set()
        return job.state == "done"

    def _fail_all(self) -> None:
        with self._cv:
            self.alive = False
            while self._queue:
                job = self._queue.popleft()
                job.state = "failed"
                job.done.set()
        self._stop()

    def _stop(self) -> None:
        proc = self._proc
        if proc.poll() is None:
            try:
                proc.stdin.close()  # type: ignore[union-attr]
                proc.wait(timeout=5)
            except Exception:  # noqa: BLE001 - a stuck child is killed
                proc.kill()
                proc.wait()


def main() -> None:
    """``python -m orcaops.logs.worker``: serve chunks on stdin/stdout until stdin closes."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints cannot corrupt answers
    try:
        serve(sys.stdin.buffer, out)
    except BrokenPipeError:  # the parent went away
        pass


if __name__ == "__main__":
    main()
