"""Evaluating the rules: measure each, decide its transition, store it, notify, store how the
notifications went.

States go ``ok → firing → resolved (→ firing …)``; one notification per transition (a
reminder while firing only when the rule has ``remind``). Events of one evaluation that go
to the same channel are sent as one message. A silenced rule still changes state but sends
nothing; if it is still firing when the silence ends, that firing is sent then. A channel
that fails after its retries leaves the event undelivered there: the next check sends it
again (while it is still the rule's latest event).

One check at a time per home (``<home>/alerts/check.lock``), so checks started together
(cron, a finished run, the server) never notify twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orcaops.alerts.channels import Delivery, send
from orcaops.alerts.marker import mark, rules_exist
from orcaops.alerts.message import Event, render
from orcaops.alerts.queries import metric_sql, rules_sql, states_sql
from orcaops.alerts.rules import Rule
from orcaops.core.errors import OrcaOpsError

if TYPE_CHECKING:
    from orcaops.alerts.source import Source

LOCK_FILE = "check.lock"
# How long a check waits for another one to finish before giving up.
LOCK_WAIT_S = 60.0


class AlertsBusyError(OrcaOpsError):
    """Another check held the lock for too long."""


@dataclass
class CheckResult:
    """What one evaluation did: how many rules it measured (their values), the events it
    stored, the events it sent again, every delivery, and rules it could not measure."""

    evaluated: int = 0
    events: list[Event] = field(default_factory=list)
    resent: list[Event] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    values: dict[str, float | None] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.ok]

    def as_dict(self) -> dict[str, Any]:
        return {"evaluated": self.evaluated, "values": self.values, "errors": self.errors,
                "events": [e.as_dict() for e in self.events],
                "resent": [e.as_dict() for e in self.resent],
                "deliveries": [d.__dict__ for d in self.deliveries]}


@contextlib.contextmanager
def check_lock(home: Path, wait: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold ``<home>/alerts/check.lock`` (an flock: released if the process dies)."""
    folder = home / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK_FILE).open("a+") as f:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AlertsBusyError(f"another alerts check has held {folder / LOCK_FILE} "
                                          f"for over {wait:.0f}s; try again later") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def check(src: Source, now: datetime | None = None) -> CheckResult:
    """Evaluate every rule now and notify; see the module docstring.

    Args:
        now: the end of every window (default: ``orcaops.core.config.analysis_now()``).
    """
    from orcaops.core.config import analysis_now

    end = now or analysis_now()
    result = CheckResult()
    if not rules_exist(src.home):  # no rule: no lock file either (unless one lost its marker)
        if src.frame(*states_sql()).is_empty():
            return result
        mark(src.home, True)
    with check_lock(src.home):
        states = src.frame(*states_sql()).to_dicts()
        if not states:
            return result
        definitions = {r["name"]: r["definition"] for r in src.frame(*rules_sql()).to_dicts()}
        clock = datetime.now(timezone.utc)
        for state in states:
            try:  # one rule that cannot be measured (a view it reads fails) spares the others
                rule = Rule.from_json(definitions[state["name"]])
                value, job_ids = measure(src, rule, end)
            except (OrcaOpsError, KeyError) as e:
                result.errors[state["name"]] = str(e)
                continue
            result.evaluated += 1
            result.values[rule.name] = value
            event = decide(rule, state, value, job_ids, clock)
            if event is not None:
                result.events.append(event)
            elif state["undelivered"] and state["silenced_until"] is None:
                result.resent.append(_again(rule, state))
        _store_events(src, result.events)
        result.deliveries = deliver(src, [*result.events, *result.resent])
    return result


def measure(src: Source, rule: Rule, end: datetime) -> tuple[float | None, list[str]]:
    """The rule's value over its window ending at ``end``, and a few matching job ids."""
    from datetime import timedelta

    start = end - timedelta(seconds=rule.window_seconds)
    rows = src.frame(*metric_sql(rule, start, end)).to_dicts()
    row = rows[0] if rows else {}
    value = row.get("value")
    return (None if value is None else float(value)), list(row.get("job_ids") or [])


def decide(rule: Rule, state: dict[str, Any], value: float | None, job_ids: list[str],
           clock: datetime) -> Event | None:
    """The event this measurement makes, or None (no change, nothing to send)."""
    firing = rule.condition.holds(value)
    silenced = state["silenced_until"] is not None
    previous = state["state"]

    def event(new_state: str, reason: str) -> Event:
        return Event(rule=rule.name, state=new_state, reason=reason, value=value,
                     when=rule.when, query=rule.query, window=rule.window, job_ids=job_ids,
                     channels=[] if silenced else list(rule.channels), silenced=silenced)

    if not firing:
        return event("resolved", "resolved") if previous == "firing" else None
    if previous != "firing":
        return event("firing", "fired")
    if silenced:
        return None
    if state["last_silenced"]:
        return event("firing", "silence ended")
    remind, last = rule.remind_seconds, state["last_notified_at"]
    if remind and last is not None and (clock - last).total_seconds() >= remind:
        return event("firing", "reminder")
    return None


def _again(rule: Rule, state: dict[str, Any]) -> Event:
    """The rule's latest event, to be sent again to the channels that did not get it."""
    return Event(rule=rule.name, state=state["state"], reason="retry", value=state["value"],
                 when=rule.when, query=rule.query, window=rule.window,
                 job_ids=list(state["job_ids"] or []), channels=list(state["undelivered"]),
                 event_id=state["last_event_id"], at=state["since"])


def _store_events(src: Source, events: list[Event]) -> None:
    rows = src.add_actions([("alert_event", e.rule, json.dumps(e.note(), default=str))
                            for e in events])
    for e, row in zip(events, rows):
        e.event_id, e.at = str(row["action_id"]), row["at"]  # type: ignore[assignment]


def deliver(src: Source, events: list[Event]) -> list[Delivery]:
    """Send ``events``, one message per channel, and store how each delivery went."""
    by_channel: dict[str, list[Event]] = {}
    for e in events:
        for channel in e.channels:
            by_channel.setdefault(channel, []).append(e)
    deliveries, rows = [], []
    for channel, group in by_channel.items():
        delivery = send(channel, render(group), src.home)
        deliveries.append(delivery)
        rows += [("alert_delivery", e.rule, json.dumps({
            "event_id": e.event_id, "channel": channel, "ok": delivery.ok,
            "attempts": delivery.attempts, "error": delivery.error})) for e in group]
    src.add_actions(rows)
    return deliveries
