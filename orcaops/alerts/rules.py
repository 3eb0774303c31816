"""An alert rule as data: a name, a search query, a window, a condition and channels.

A rule is checked when it is added (the query compiles, the window and the condition parse,
every channel is a known scheme) and stored as JSON in the ``actions`` table
(``orcaops.alerts.store``); the SQL that measures it is in ``orcaops.alerts.metric_sql``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from orcaops.alerts.channels import parse_channel
from orcaops.alerts.condition import Condition, parse_condition
from orcaops.core import units
from orcaops.core.errors import InputError

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# Names of the HTTP routes beside the rules' (/orcaops/alerts/history, /alerts/check).
RESERVED = ("history", "check")


@dataclass(frozen=True)
class Rule:
    """One alert rule.

    Attributes:
        name: unique; letters, digits, ``_ . -``.
        query: a search-language query choosing the runs (``""``: every run).
        window: how far back from now the runs count (``1h``, ``30m``, ``1d``).
        when: the condition (``count > 5``).
        channels: where notifications go (``webhook:URL``, ``slack:URL``, ``email:ADDR``,
            ``log``).
        remind: while firing, notify again after this long (None: once per transition).
    """

    name: str
    query: str
    window: str
    when: str
    channels: tuple[str, ...] = ()
    remind: str | None = None
    condition: Condition = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "condition", parse_condition(self.when))

    @property
    def window_seconds(self) -> float:
        return duration(self.window, "--window")

    @property
    def remind_seconds(self) -> float | None:
        return None if self.remind is None else duration(self.remind, "--remind")

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("condition", None)
        data["channels"] = list(self.channels)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Rule:
        data: dict[str, Any] = json.loads(text)
        return cls(name=data["name"], query=data.get("query") or "", window=data["window"],
                   when=data["when"], channels=tuple(data.get("channels") or ()),
                   remind=data.get("remind"))


def duration(text: str, what: str) -> float:
    """Seconds of a window, silence or reminder (``core.units``); must be more than zero.

    Raises:
        InputError: anything else, naming the option and the accepted forms.
    """
    try:
        seconds = units.parse_duration(str(text).strip().lower())
    except units.BadValue:
        seconds = 0.0
    if seconds <= 0:
        raise InputError(f"bad {what} {text!r}: use a duration such as 90s, 30m, 1h, 1d or "
                         "1h30m")
    return seconds


def make_rule(name: str, query: str, window: str, when: str, channels: list[str] | tuple[str, ...],
              remind: str | None = None) -> Rule:
    """A checked rule.

    Raises:
        InputError: a bad name, window or reminder interval, an unknown channel scheme.
        QueryError: a query or condition that does not parse (with the caret).
    """
    from orcaops.query import compile_query

    if not isinstance(name, str) or not _NAME.fullmatch(name) or name in RESERVED:
        raise InputError(f"bad rule name {name!r}: 1-64 letters, digits, '_', '.' or '-', "
                         "starting with a letter or digit, and not "
                         f"{' or '.join(RESERVED)}")
    compile_query(query or "")
    for spec in channels:
        parse_channel(spec)
    rule = Rule(name=name, query=query or "", window=str(window).strip(), when=when,
                channels=tuple(dict.fromkeys(channels)),
                remind=remind.strip() if remind else None)
    rule.window_seconds  # noqa: B018  (checks it)
    rule.remind_seconds  # noqa: B018
    return rule
