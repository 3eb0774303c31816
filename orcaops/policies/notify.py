"""The one place policies tell someone: ``notify(home_or_wh, title, text)``.

A seam: for now a line in ``<home>/alerts/alerts.log`` and a Python logging warning
(logger ``orcaops.policies``). When ``orcaops.alerts.notify`` exists, this function is
the one line to route to it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger("orcaops.policies")
# Library code never prints: without logging configured, Python's last-resort handler would
# write warnings to stderr (twice in `orcaops run`, which says it itself).
log.addHandler(logging.NullHandler())


def notify(home_or_wh: Any, title: str, text: str) -> None:
    """Tell people about a policy change (an automatic rollback).

    Args:
        home_or_wh: the OrcaOps home, or a Warehouse (its ``home``).
        title: one line, e.g. ``policy rolled back for python:3.11|3f2a9c0d1e2b``.
        text: why, with the numbers.

    A notification that cannot be written is logged, never raised: the run that caused it
    is already recorded.
    """
    from orcaops.core.models import utcnow

    home = Path(home_or_wh if isinstance(home_or_wh, (str, os.PathLike)) else home_or_wh.home)
    one_line = [" ".join(part.split()) for part in (title, text)]
    line = "\t".join([utcnow().isoformat(timespec="seconds"), *one_line]) + "\n"
    log.warning("%s: %s", title, text)
    try:
        path = home / "alerts" / "alerts.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(line)
    except OSError as e:
        log.error("could not write the notification to %s: %s", home, e)
