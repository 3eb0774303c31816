"""``orcaops serve --alert-interval N``: a thread that checks the alert rules every N seconds
for the life of the app (under the app's write lock, like every other write)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI

logger = logging.getLogger("orcaops.alerts")


def check_every(interval: float) -> Callable[[FastAPI], Any]:
    """A FastAPI lifespan running :func:`loop` on a thread while the app serves."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        thread = threading.Thread(target=loop, args=(app, interval, stop), daemon=True,
                                  name="orcaops-alerts")
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=30)

    return lifespan


def loop(app: FastAPI, interval: float, stop: threading.Event) -> None:
    """Check the rules now and then every ``interval`` seconds until ``stop`` is set; a
    failing check is logged and the loop goes on."""
    while not stop.is_set():
        try:
            with app.state.write_lock:
                result = app.state.wh.check_alerts()
            for event in result.events:
                logger.info("alert %s is %s (%s)", event.rule, event.state, event.reason)
        except Exception as e:  # noqa: BLE001  (the server keeps serving; the next turn retries)
            logger.warning("alerts check failed: %s", e)
        stop.wait(interval)
