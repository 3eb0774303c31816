"""Alert rules as data: a search query, a window and a condition, evaluated after every
recorded run, by ``orcaops alerts check`` and by ``orcaops serve``; notifications through
webhooks, Slack-compatible webhooks, SMTP e-mail and the log.

- ``condition`` (+ ``condition.lark``): ``count > 5``, ``p95(duration) > 10m``…
- ``rules``: a rule, checked; ``queries``: its SQL and the reads of the ``alert_*`` views
- ``engine``: evaluation, transitions, grouping, the check lock; ``message``: what is sent
- ``channels`` and ``smtp``: sending, with retries; ``service``: ``Alerts`` and
  :func:`notify`, the one-off notification other features call.
"""

from __future__ import annotations

from orcaops.alerts.marker import rules_exist
from orcaops.alerts.service import Alerts, notify

__all__ = ["Alerts", "notify", "rules_exist"]
