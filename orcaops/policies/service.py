"""``Policies``: per-key run policies, what the Warehouse holds and forwards to."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Literal

import polars as pl

from orcaops.core.errors import InputError
from orcaops.core.models import Recommendation, RunRecord, make_baseline_key
from orcaops.policies import judge
from orcaops.policies.model import (
    PolicyChange,
    PolicyDetail,
    PolicyUse,
    PolicyValues,
    RunPolicy,
)
from orcaops.policies.notify import notify
from orcaops.policies.store import (
    KeyState,
    PolicySource,
    evidence,
    load_history,
    load_runs,
    match_key,
    one_change_at_a_time,
    policies_exist,
    states,
    write_change,
)

# Recommendation rule -> the policy value it sets from its evidence.
RULE_VALUES = {"timeout": ("timeout_s", "suggested_timeout_s"),
               "memory_raise": ("memory_mb", "suggested_limit_mb"),
               "memory_lower": ("memory_mb", "suggested_limit_mb")}


class Policies:
    """Run policies over one warehouse.

    Args:
        source: the warehouse (``Warehouse`` satisfies ``PolicySource``).
    """

    def __init__(self, source: PolicySource) -> None:
        self.source = source

    # -- reading ---------------------------------------------------------------------------

    def policies(self, include_removed: bool = False) -> list[RunPolicy]:
        """Every key's policy, with its runs under it and before it; most recent first.

        Args:
            include_removed: also keys whose policy was rolled back to no limits.
        """
        found = states(load_history(self.source))
        runs = load_runs(self.source) if found else pl.DataFrame()
        out = [self._describe(s, runs) for s in found.values()]
        out = [p for p in out if include_removed or p.state != "removed"]
        return sorted(out, key=lambda p: p.since, reverse=True)

    def policy(self, key: str) -> PolicyDetail:
        """One key's policy and its history (the key, or a unique prefix of it or of its
        command hash).

        Raises:
            NotFoundError: no policy matches; InputError: several do.
        """
        state = self._state(key)
        policy = self._describe(state, load_runs(self.source, state.key))
        return PolicyDetail(**policy.model_dump(), history=state.changes)

    def policy_history(self, key: str | None = None) -> list[PolicyChange]:
        """Every change (of one key), oldest first, each with its evidence.

        Raises:
            NotFoundError: ``key`` matches no policy; InputError: several.
        """
        if key is None:
            return load_history(self.source)
        return self._state(key).changes

    # -- changing --------------------------------------------------------------------------

    def adopt(self, rec: Recommendation) -> PolicyChange | None:
        """Make an applied timeout or memory recommendation its key's policy.

        Returns:
            The change, or None for a recommendation of another kind, or when the policy
            already holds its value.
        """
        rule = rec.evidence.get("rule")
        if rule not in RULE_VALUES:
            return None
        field, source = RULE_VALUES[rule]
        key = str(rec.evidence["baseline_key"])
        value = rec.evidence[source]
        with self._changing():
            history = load_history(self.source, key)
            before = history[-1].after if history else PolicyValues()
            after = before.model_copy(update={field: float(value) if field == "timeout_s"
                                              else int(value)})
            if after == before:
                return None
            return write_change(self.source, key, "applied", "recommendation", before, after,
                                reason=rec.title, evidence=dict(rec.evidence),
                                recommendation_id=rec.id)

    def rollback_policy(self, key: str, reason: str | None = None) -> PolicyChange:
        """Undo the latest applied change of a key's policy (by hand).

        Raises:
            NotFoundError: no policy matches ``key``; InputError: several do, or it has
                nothing left to roll back.
        """
        with self._changing():
            state = self._state(key)
            runs = load_runs(self.source, state.key)
            return self._rollback(state, "manual", reason or "rolled back by hand",
                                  evidence(runs, state).as_dict())

    def _rollback(self, state: KeyState, by: str, reason: str,
                  facts: dict[str, Any]) -> PolicyChange:
        applies = state.open_applies()
        if not applies:
            raise InputError(f"the policy for {state.key} has nothing to roll back "
                             f"(it is {state.values.describe()})")
        undone = applies[-1]
        return write_change(self.source, state.key, "rolled_back", by, state.values,
                            undone.before, reason=reason,
                            evidence={**facts, "undone_values": undone.after.model_dump()},
                            recommendation_id=undone.recommendation_id,
                            undoes=undone.change_id)

    # -- the run path ----------------------------------------------------------------------

    def resolve(self, image: str | None, command: str | list[str], *,
                timeout: float | None = None, memory: str | None = None) -> PolicyUse | None:
        """The limits a run of ``image`` + ``command`` takes from its key's policy: those
        not given (``timeout``/``memory`` are the run's own flags, which win).

        Args:
            image: the image the run is recorded under (None for a local run).
            command: the command as given.
        """
        if not policies_exist(self.source.settings.state):
            return None
        key = make_baseline_key(image, command)
        history = load_history(self.source, key)
        if not history:
            return None
        state = KeyState(key, history)
        values = state.values
        use_timeout = values.timeout_s if timeout is None else None
        use_memory = values.memory_mb if memory is None else None
        if use_timeout is None and use_memory is None:
            return None
        applies = state.open_applies()
        origin = applies[-1] if applies else state.latest
        return PolicyUse(baseline_key=key, version=state.latest.change_id,
                         timeout_s=use_timeout, memory_mb=use_memory,
                         recommendation_id=origin.recommendation_id, applied_at=origin.at)

    def after_run(self, run: RunRecord) -> PolicyChange | None:
        """Judge the policy a recorded run ran under; roll it back if it made things worse.

        The rollback is logged with its evidence and announced through ``notify``.

        Returns:
            The automatic rollback, or None (no policy, on trial, holding, or changed since).
        """
        stamp = (run.metadata or {}).get("policy")
        if not isinstance(stamp, dict):
            return None
        with self._changing():
            history = load_history(self.source, run.baseline_key)
            if not history or history[-1].change_id != stamp.get("version"):
                return None
            state = KeyState(run.baseline_key, history)
            ev = evidence(load_runs(self.source, state.key), state)
            reason = judge.degraded(ev)
            if reason is None or not state.open_applies():
                return None
            change = self._rollback(state, "automatic", reason,
                                    {**ev.as_dict(), "job_id": run.job_id})
        notify(self.source.settings.home, f"policy rolled back for {state.key}",
               f"{change.before.describe()} -> {change.after.describe()}: {reason} "
               f"(recommendation {change.recommendation_id}, run {run.job_id})")
        return change

    # -- helpers ---------------------------------------------------------------------------

    def _changing(self) -> AbstractContextManager[None]:
        return one_change_at_a_time(self.source.settings.state)

    def _state(self, key: str) -> KeyState:
        found = states(load_history(self.source))
        return found[match_key(key, list(found))]

    def _describe(self, state: KeyState, runs: pl.DataFrame) -> RunPolicy:
        ev = evidence(runs, state)
        values = state.values
        mine = runs.filter(pl.col("baseline_key") == state.key).sort("started_at") \
            if runs.height else runs
        last = mine.row(-1, named=True) if mine.height else {}
        applies = state.open_applies()
        status: Literal["trial", "active", "removed"] = (
            "removed" if values.is_empty() else "trial" if judge.on_trial(ev) else "active")
        return RunPolicy(
            baseline_key=state.key, image=last.get("image"), command=last.get("command"),
            timeout_s=values.timeout_s, memory_mb=values.memory_mb, state=status,
            version=state.latest.change_id, since=state.latest.at,
            recommendation_id=applies[-1].recommendation_id if applies else None,
            reason=state.latest.reason, runs_under=ev.runs_under,
            limit_failures_under=ev.limit_failures_under, runs_before=ev.runs_before,
            limit_failures_before=ev.limit_failures_before, min_runs=judge.MIN_RUNS,
            changes=len(state.changes))
