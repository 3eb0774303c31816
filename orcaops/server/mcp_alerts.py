"""The agent tools over alert rules (a mixin of ``OrcaOpsTools``): read rules and their
history, and check them now."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from orcaops.server.shape import Limit, clean, page

if TYPE_CHECKING:
    from orcaops.api import Warehouse



class AlertTools:
    """``orcaops_alerts`` (read-only) and ``orcaops_check_alerts`` (evaluates and notifies)."""

    READ = ("orcaops_alerts",)
    WRITE = ("orcaops_check_alerts",)
    wh: Warehouse
    _write: threading.Lock

    def orcaops_alerts(
        self,
        view: Literal["rules", "history"] = "rules",
        name: Annotated[str | None, Field(description="Only this rule.")] = None,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """Alert rules (a search query, a window and a condition such as count > 5 or
        error_rate > 5%) with their state: ok, firing or resolved, since when, the last
        value, a running silence; or their history of transitions, newest first, with the
        channels each notification reached."""
        if view == "history":
            return page(clean(self.wh.alert_history(name)), limit, name="events")
        if name is not None:
            return page([clean(self.wh.alert(name))], limit, name="rules")
        return page(clean(self.wh.alerts()), limit, name="rules")

    def orcaops_check_alerts(self) -> dict[str, Any]:
        """Evaluate every alert rule now: store what fired or resolved, send its
        notifications (webhook, e-mail, log), send again what failed before. Returns the
        events and how each delivery went."""
        with self._write:
            result: dict[str, Any] = clean(self.wh.check_alerts().as_dict())
        return result
