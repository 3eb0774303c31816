"""``orcaops runs watch ID``: follow a job that is running, from its spool, until it ends.

A recorder appends each output line to ``spool/<job_id>/logs.jsonl`` as it arrives and
removes the spool once the run is committed, so a watcher only reads: it tails that file,
and stops when the spool is gone (the run is in the warehouse) or holds a result.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from orcaops.core.errors import InputError
from orcaops.executors.spool import LOGS, RESULT


@dataclass(frozen=True)
class Line:
    """One output line of the watched job."""

    stream: str
    ts: str
    text: str


def find_spool(root: Path, job_id: str) -> Path | None:
    """The spool of a running job whose id is ``job_id`` or starts with it.

    Raises:
        InputError: the prefix matches several running jobs.
    """
    if not root.is_dir():
        return None
    exact = root / job_id
    if exact.is_dir():
        return exact
    found = sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith(job_id))
    if len(found) > 1:
        names = ", ".join(p.name for p in found[:5])
        raise InputError(f"job id prefix {job_id!r} matches several running jobs ({names}); "
                         "give more of it")
    return found[0] if found else None


def follow(spool: Path, *, poll: float = 0.25, until: Callable[[], bool] = lambda: False
           ) -> Iterator[Line]:
    """The job's lines from the first, then each new one, until the job ended.

    Args:
        spool: the job's spool directory.
        poll: seconds between looks at the file.
        until: stop early when this returns True (a deadline, an interrupt).
    """
    offset = 0
    pending = ""
    while True:
        ended = not spool.is_dir() or (spool / RESULT).exists()
        try:
            with (spool / LOGS).open("r", encoding="utf-8", errors="replace") as f:
                f.seek(offset)
                chunk = f.read()
                offset = f.tell()
        except FileNotFoundError:
            chunk = ""
        pending += chunk
        *complete, pending = pending.split("\n")
        for raw in complete:
            try:
                obj = json.loads(raw)
            except ValueError:
                continue
            yield Line(obj.get("stream", "stdout"), obj.get("ts", ""), obj.get("line", ""))
        if ended or until():
            return
        time.sleep(poll)
