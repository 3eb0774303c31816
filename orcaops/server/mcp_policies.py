"""The agent tools over run policies (a mixin of ``OrcaOpsTools``)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from orcaops.server.shape import Limit, clean, page

if TYPE_CHECKING:
    from orcaops.api import Warehouse

PolicyKey = Annotated[str, Field(description="A baseline key (image|command_hash, e.g. "
                                 "python:3.11|3f2a9c0d1e2b), or a unique prefix of it.")]


class PolicyTools:
    """Run policy tools: list/show (read-only) and roll back (a write)."""

    POLICY_READS = ("orcaops_policies",)
    POLICY_WRITES = ("orcaops_rollback_policy",)
    wh: Warehouse
    _write: threading.Lock

    def orcaops_policies(
        self,
        key: Annotated[str | None, Field(description="One key (or a unique prefix): its "
                                         "policy and every change with evidence. Omit to "
                                         "list.")] = None,
        include_removed: bool = False,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """Run policies: per-job timeout/memory limits that applied recommendations set and
        `orcaops run` uses when none is given, with runs under them and before them; each
        rolls back by itself when runs under it end by a limit more often."""
        if key:
            return clean(self.wh.policy(key))
        return page(clean(self.wh.policies(include_removed=include_removed)), limit,
                    name="policies")

    def orcaops_rollback_policy(
        self, key: PolicyKey,
        reason: Annotated[str | None, Field(description="Why it is rolled back.")] = None,
    ) -> dict[str, Any]:
        """Undo the latest applied change of a job's run policy (its previous limits come
        back, or none); the change is logged with its evidence."""
        with self._write:
            return clean(self.wh.rollback_policy(key, reason=reason))
