"""The one place policies tell someone: ``notify(home_or_wh, title, text)``.

A seam over ``orcaops.alerts.notify``: the channels of ``$ORCAOPS_ALERT_CHANNELS``
(webhook, Slack, e-mail, log), else the log, which is a line in
``<home>/alerts/alerts.log`` and a logging record. A policy change is already stored when
it is announced, so a notification that cannot be sent is logged here (logger
``orcaops.policies``), never raised.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("orcaops.policies")
# Library code never prints: without logging configured, Python's last-resort handler would
# write these to stderr (twice in `orcaops run`, which says it itself).
log.addHandler(logging.NullHandler())


def notify(home_or_wh: Any, title: str, text: str) -> None:
    """Tell people about a policy change (an automatic rollback).

    Args:
        home_or_wh: the OrcaOps home, or a Warehouse (its ``home``).
        title: one line, e.g. ``policy rolled back for python:3.11|3f2a9c0d1e2b``.
        text: why, with the numbers.
    """
    from orcaops.alerts import notify as send
    from orcaops.core.errors import OrcaOpsError

    log.warning("%s: %s", title, text)
    try:
        deliveries = send(home_or_wh, title, text)
    except (OrcaOpsError, OSError) as e:  # channels that do not parse, a full disk
        log.error("could not send %r: %s", title, e)
        return
    for failed in (d for d in deliveries if not d.ok):
        log.error("could not send %r to %s: %s", title, failed.channel, failed.error)
