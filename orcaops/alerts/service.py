"""``Alerts``: the alert rules of one home, what the Warehouse holds and forwards to
(``wh.add_alert``, ``wh.alerts``, ``wh.check_alerts``…), and :func:`notify` for one-off
notifications.

Rules, silences, events and deliveries are rows of the ``actions`` table (kinds
``alert_rule``, ``alert_rule_remove``, ``alert_silence``, ``alert_event``,
``alert_delivery``), read through the ``alert_*`` views of ``queries/``. A marker file
(``orcaops.alerts.marker``) exists while some rule does, so the check after every recorded
run costs one ``stat`` when there are none.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orcaops.alerts.marker import mark, rules_exist  # noqa: F401  (rules_exist re-exported)
from orcaops.alerts.source import Source
from orcaops.core.errors import InputError, NotFoundError

if TYPE_CHECKING:
    import polars as pl

    from orcaops.alerts.channels import Delivery
    from orcaops.alerts.engine import CheckResult

CHANNELS_VARIABLE = "ORCAOPS_ALERT_CHANNELS"


class Alerts:
    """The alert rules of a warehouse.

    Args:
        source: the warehouse (``Warehouse`` satisfies ``Source``).
    """

    def __init__(self, source: Source) -> None:
        self.source = source

    def add_alert(self, name: str, query: str = "", window: str = "1h",
                  when: str = "count > 0", notify: list[str] | None = None,
                  remind: str | None = None, replace: bool = False) -> dict[str, Any]:
        """Add a rule; returns it with its state.

        Args:
            name: unique name (letters, digits, ``_ . -``).
            query: search-language query choosing the runs (``""``: all runs).
            window: how far back the runs count: ``30m``, ``1h``, ``1d``.
            when: condition: ``count > 5``, ``error_rate > 5%``, ``p95(duration) > 10m``,
                ``sum(cost) per day > 100``, ``anomalies(severity:critical) > 0``.
            notify: channels: ``webhook:URL``, ``slack:URL``, ``email:ADDR``, ``log``
                (default ``["log"]``); ``${VAR}`` in a URL is read from the environment.
            remind: while firing, notify again after this long (default: never).
            replace: overwrite a rule of the same name (its state starts again).

        Raises:
            InputError: a bad name, window, condition, channel, or the name is taken.
            QueryError: the query or condition does not parse.
        """
        from orcaops.alerts.rules import make_rule

        rule = make_rule(name, query, window, when, notify or ["log"], remind)
        if not replace and self._exists(name):
            raise InputError(f"an alert rule named {name!r} exists; remove it first or "
                             "pass replace (--replace)")
        self.source.add_actions([("alert_rule", rule.name, rule.to_json())])
        mark(self.source.home, True)
        return self.alert(name)

    def _exists(self, name: str) -> bool:
        from orcaops.alerts.queries import states_sql

        return not self.source.frame(*states_sql(name)).is_empty()

    def alerts(self) -> pl.DataFrame:
        """Every rule with its state (``ok``, ``firing``, ``resolved``), since when, the
        last value, a running silence and channels still to be sent."""
        from orcaops.alerts.queries import states_sql

        return self.source.frame(*states_sql())

    def alert(self, name: str) -> dict[str, Any]:
        """One rule with its state. Raises NotFoundError for an unknown name."""
        from orcaops.alerts.queries import states_sql

        rows = self.source.frame(*states_sql(name)).to_dicts()
        if not rows:
            raise NotFoundError(f"no alert rule named {name!r}"
                                + self._known_hint(name))
        return rows[0]

    def _known_hint(self, name: str) -> str:
        import difflib

        names = self.alerts()["name"].to_list()
        close = difflib.get_close_matches(name, names, n=1)
        return f" (did you mean {close[0]}?)" if close else (
            f"; rules: {', '.join(names)}" if names else "; there are no rules yet")

    def remove_alert(self, name: str) -> dict[str, Any]:
        """Remove a rule (its history stays); returns what it was."""
        rule = self.alert(name)
        self.source.add_actions([("alert_rule_remove", name, None)])
        if self.alerts().is_empty():
            mark(self.source.home, False)
        return rule

    def silence_alert(self, name: str, duration: str = "1h") -> dict[str, Any]:
        """Send nothing for this rule for ``duration`` (``2h``); its state is still kept.
        ``0`` ends a silence. Returns the rule with ``silenced_until``."""
        from orcaops.alerts.rules import duration as seconds_of

        self.alert(name)
        seconds = 0.0 if str(duration).strip() in ("0", "0s") else seconds_of(duration, "--for")
        until = datetime.now(timezone.utc) + timedelta(seconds=seconds)
        self.source.add_actions([("alert_silence", name,
                                  json.dumps({"until": until.isoformat()}))])
        return self.alert(name)

    def alert_history(self, name: str | None = None, limit: int | None = None) -> pl.DataFrame:
        """Transitions (and reminders), newest first, with what was delivered where.

        Raises:
            NotFoundError: ``name`` is given and no rule has it nor ever had.
        """
        from orcaops.alerts.queries import history_sql

        frame = self.source.frame(*history_sql(name, limit))
        if name and frame.is_empty():
            self.alert(name)
        return frame

    def alert_sql(self, name: str, now: datetime | None = None) -> str:
        """The SQL that measures a rule over its window ending at ``now`` (pure twin of
        :meth:`check_alerts`: nothing is executed), values inlined so it runs as printed."""
        from datetime import timedelta

        from orcaops.alerts.queries import metric_sql
        from orcaops.alerts.rules import make_rule
        from orcaops.core.config import analysis_now
        from orcaops.query.inline import inline_params

        row = self.alert(name)
        rule = make_rule(name, row["query"], row["window"], row["when"], row["channels"],
                         row["remind"])
        end = now or analysis_now()
        return inline_params(*metric_sql(rule, end - timedelta(seconds=rule.window_seconds),
                                         end))

    def check_alerts(self, now: datetime | None = None) -> CheckResult:
        """Evaluate every rule now: store transitions, notify, retry what was not sent.

        Args:
            now: the end of every window (default: the analysis clock, ``ORCAOPS_NOW``).
        """
        from orcaops.alerts.engine import check

        return check(self.source, now)

    def test_alert(self, name: str) -> list[Delivery]:
        """Send a test notification through the rule's channels; how each went."""
        from orcaops.alerts.channels import Message, send

        rule = self.alert(name)
        scope = repr(rule["query"]) if rule["query"] else "all runs"
        message = Message(title=f"[OrcaOps] TEST: {name}",
                          text=f"A test of alert rule {name}: {rule['when']} over the last "
                               f"{rule['window']} of {scope}.",
                          alerts=({"rule": name, "state": "test", "condition": rule["when"],
                                   "query": rule["query"], "window": rule["window"]},))
        return [send(channel, message, self.source.home) for channel in rule["channels"]]


def notify(wh_or_home: Any, title: str, text: str,
           channels: list[str] | None = None) -> list[Delivery]:
    """Send a one-off notification (a policy rolled back, …) outside any rule.

    Args:
        wh_or_home: a ``Warehouse`` or an OrcaOps home path (the ``log`` channel writes
            ``<home>/alerts/alerts.log``).
        title: the subject line.
        text: the body.
        channels: ``webhook:URL``, ``slack:URL``, ``email:ADDR``, ``log``; None reads
            ``$ORCAOPS_ALERT_CHANNELS`` (comma separated), else ``["log"]``.

    Returns:
        One :class:`~orcaops.alerts.channels.Delivery` per channel (``ok``, ``error``);
        a failed channel is retried, then reported here, never raised.

    Raises:
        InputError: a channel that does not parse.
    """
    from orcaops.alerts.channels import Message, parse_channel, send

    # A Path has a ``home`` too (the user's): only a warehouse is asked for its home.
    home = Path(wh_or_home if isinstance(wh_or_home, (str, os.PathLike)) else wh_or_home.home)
    specs = list(channels) if channels is not None else env_channels()
    for spec in specs:
        parse_channel(spec)
    message = Message(title=title, text=text)
    return [send(spec, message, home) for spec in specs]


def env_channels() -> list[str]:
    """The channels of ``$ORCAOPS_ALERT_CHANNELS``, else ``["log"]``; an e-mail channel's
    further addresses after commas stay with it (``email:a@x,b@y,log``)."""
    from orcaops.alerts.channels import SCHEMES

    specs: list[str] = []
    for piece in os.environ.get(CHANNELS_VARIABLE, "").split(","):
        piece = piece.strip()
        if not piece:
            continue
        if specs and piece.split(":", 1)[0].lower() not in SCHEMES:
            specs[-1] += "," + piece
        else:
            specs.append(piece)
    return specs or ["log"]
