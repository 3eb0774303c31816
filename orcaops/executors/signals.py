"""Ctrl-C and SIGTERM while a job runs: ask the supervisor to cancel instead of dying.

Handlers are installed only in the main thread (Python allows no other) and only for the
duration of one job; the previous handlers come back afterwards.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

CANCEL_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class CancelToken:
    """Set when the job should stop; remembers which signal asked."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason: str | None = None

    def cancel(self, reason: str) -> None:
        """Ask the supervisor to stop the job."""
        if not self.event.is_set():
            self.reason = reason
            self.event.set()

    @property
    def cancelled(self) -> bool:
        return self.event.is_set()


@contextmanager
def cancel_on_signals(token: CancelToken) -> Iterator[CancelToken]:
    """While inside, SIGINT/SIGTERM cancel ``token`` (main thread only; a no-op elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        yield token
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        token.cancel(f"cancelled by {signal.Signals(signum).name}")

    previous = {sig: signal.signal(sig, handler) for sig in CANCEL_SIGNALS}
    try:
        yield token
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
