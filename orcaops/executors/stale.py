"""Stopping what a dead recorder left running: a local job's process group.

A local job runs in its own session, so its process group id is its pid (``pgid`` in
``meta.json``, with the leader's start time). When the recorder is killed the group keeps
running — past ``--timeout``, since the recorder enforced it. ``recover`` stops such a group
before recording the run, and says why in the run's status: ``timeout`` when the deadline
had passed, else ``cancelled``.

Process group ids are reused like pids, so a group is only touched when every live member
started no earlier than the recorded leader: a later process that happened to get the same
id started a new group after the old one was gone (a pgid is free only when the group is).
"""

from __future__ import annotations

import os
import signal
import time
from datetime import datetime
from typing import Any

import psutil

from orcaops.core.models import utcnow
from orcaops.executors.record import Outcome

_CLOCK_SLACK_S = 0.05  # psutil start times are rounded to the clock tick
_WAIT_S = 5.0
STOPPED = ("the recorder died while the job was running; `orcaops recover` stopped it "
           "({why}; output after the crash was not captured)")


def group_identity(pid: int) -> dict[str, Any]:
    """What ``meta.json`` keeps to find the job's process group again: id and start time."""
    try:
        return {"pgid": os.getpgid(pid), "pgid_started": psutil.Process(pid).create_time()}
    except (OSError, psutil.Error):
        return {"pgid": pid}


def live_members(pgid: int, started: float | None) -> list[psutil.Process]:
    """The running (not zombie) processes of group ``pgid`` that belong to the job."""
    members = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) != pgid or proc.status() == psutil.STATUS_ZOMBIE:
                continue
            if started is not None and proc.create_time() < started - _CLOCK_SLACK_S:
                return []  # an older process: this group id is not the job's any more
            members.append(proc)
        except (OSError, psutil.Error):
            continue
    return members


def stop_stale_group(meta: dict[str, Any], now: datetime | None = None) -> Outcome | None:
    """Kill the job's process group if it still runs; the honest outcome, or None.

    Args:
        meta: the spool's meta.json (``pgid``, ``pgid_started``, ``started_at``, the spec's
            ``timeout``).
        now: the current time (tests pass one).
    """
    pgid = meta.get("pgid")
    if not isinstance(pgid, int) or pgid <= 1:
        return None
    started = meta.get("pgid_started")
    if not live_members(pgid, float(started) if started is not None else None):
        return None
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return None
    deadline = time.monotonic() + _WAIT_S
    while live_members(pgid, None) and time.monotonic() < deadline:
        time.sleep(0.02)
    return _outcome(meta, now or utcnow())


def _outcome(meta: dict[str, Any], now: datetime) -> Outcome:
    timeout = (meta.get("spec") or {}).get("timeout")
    begun = meta.get("started_at")
    start = datetime.fromisoformat(begun) if begun else None
    if timeout and start is not None and (now - start).total_seconds() >= float(timeout):
        return Outcome("timeout", None, STOPPED.format(why=f"past its {float(timeout):g}s "
                                                       "timeout"), "timeout", start, now)
    return Outcome("cancelled", None, STOPPED.format(why="still running"), None, start, now)
