"""A readers–writer gate: many queries at once, or one change of the views alone.

The HTTP server answers requests on a thread pool over one ``Reader``. Queries run on
cursors of its DuckDB connection and do not wait for each other; replacing the views when
a table moved (several statements) waits until no query is running and holds new queries
back meanwhile, so no query binds some views of the old snapshot and some of the new.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Gate:
    """Shared entry for readers, exclusive entry for a writer; a waiting writer goes first
    (new readers wait behind it), so a stream of queries cannot starve a refresh."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer: int | None = None  # the thread holding the writer's entry
        self._depth = 0                  # how many times it entered (re-entrant)
        self._waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Enter with other readers (inside this thread's own ``writing``, at once)."""
        me = threading.get_ident()
        with self._cond:
            while self._writer not in (None, me) or (self._waiting and self._writer != me):
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Enter alone: waits for running readers to leave. Re-entrant in one thread."""
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:
                self._depth += 1
            else:
                self._waiting += 1
                while self._writer is not None or self._readers:
                    self._cond.wait()
                self._waiting -= 1
                self._writer, self._depth = me, 1
        try:
            yield
        finally:
            with self._cond:
                self._depth -= 1
                if not self._depth:
                    self._writer = None
                    self._cond.notify_all()
