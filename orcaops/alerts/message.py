"""What a notification says: the events of one evaluation that go to one channel, grouped
into one message (title, text lines, and the alerts as dicts for webhook bodies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orcaops.alerts.condition import RATES, parse_condition
from orcaops.alerts.channels import Message


@dataclass
class Event:
    """A transition of a rule (``firing``, ``resolved``), or a reminder or re-send of one.

    ``channels`` are those this event is sent to (empty while the rule is silenced).
    """

    rule: str
    state: str
    reason: str
    value: float | None
    when: str
    query: str
    window: str
    job_ids: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    silenced: bool = False
    event_id: str | None = None
    at: datetime | None = None

    @property
    def threshold(self) -> float:
        return parse_condition(self.when).threshold

    def as_dict(self) -> dict[str, Any]:
        """What a webhook receives and ``--format json`` shows for this event."""
        return {"rule": self.rule, "state": self.state, "reason": self.reason,
                "value": self.value, "threshold": self.threshold, "condition": self.when,
                "query": self.query, "window": self.window, "job_ids": list(self.job_ids),
                "channels": list(self.channels), "silenced": self.silenced,
                "event_id": self.event_id,
                "at": self.at.isoformat() if self.at is not None else None}

    def describe(self) -> str:
        """One line about this event (:func:`line`), for terminals and logs."""
        return line(self)

    def note(self) -> dict[str, Any]:
        """What the ``actions`` row of this event stores (no secrets: channels as written)."""
        data = self.as_dict()
        data["when"] = data.pop("condition")
        for key in ("event_id", "at"):
            data.pop(key)
        return data


def show_value(value: float | None, when: str) -> str:
    """``7``, ``12.5%``, ``10m 30s``: the value in the condition's terms."""
    if value is None:
        return "no value (no runs)"
    cond = parse_condition(when)
    if cond.metric in RATES:
        return f"{value * 100:.1f}%"
    if cond.field in ("duration", "queue", "cpu"):
        from orcaops.core.render import human_duration

        return str(human_duration(value))
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"


def line(event: Event) -> str:
    """One line about one event: ``FIRING errors: count = 7 (count > 5) over 1h of …``."""
    label = {"reminder": "STILL FIRING", "silence ended": "FIRING"}.get(event.reason,
                                                                       event.state.upper())
    scope = f"runs matching {event.query!r}" if event.query else "all runs"
    text = (f"{label} {event.rule}: {show_value(event.value, event.when)} "
            f"({event.when}) over the last {event.window} of {scope}")
    if event.job_ids:
        text += f"; jobs {', '.join(event.job_ids)}"
    return text


def render(events: list[Event]) -> Message:
    """One message for several events (one evaluation, one channel)."""
    firing = [e.rule for e in events if e.state == "firing"]
    resolved = [e.rule for e in events if e.state == "resolved"]
    parts = []
    if firing:
        parts.append(f"FIRING: {', '.join(firing)}")
    if resolved:
        parts.append(f"RESOLVED: {', '.join(resolved)}")
    title = f"[OrcaOps] {'; '.join(parts)}"
    return Message(title=title, text="\n".join(line(e) for e in events),
                   alerts=tuple(e.as_dict() for e in events))
