"""Policy changes as rows of the ``actions`` table, and a key's state folded from them.

Each change is one ``actions`` row: kind ``policy_apply`` or ``policy_rollback``, target the
``baseline_key``, and its facts as JSON in ``note`` (who, before/after values, the
recommendation, the change a rollback undoes, why, evidence). The ``policy_history`` view
reads them back. Append-only like acknowledgements and resets: the history is the state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from orcaops.analytics.common import Frames
from orcaops.core.errors import InputError, NotFoundError
from orcaops.core.locks import exclusive
from orcaops.policies.judge import BEFORE_WINDOW, Evidence
from orcaops.policies.model import PolicyChange, PolicyValues

KINDS = {"applied": "policy_apply", "rolled_back": "policy_rollback"}


class PolicySource(Frames, Protocol):
    """What policies need from a warehouse: our SQL in, frames out, and recording actions."""

    def add_action(self, kind: str, target: str, note: str | None = None
                   ) -> dict[str, Any]: ...


@dataclass
class KeyState:
    """One key's history, oldest first, and what follows from it."""

    key: str
    changes: list[PolicyChange]

    @property
    def latest(self) -> PolicyChange:
        return self.changes[-1]

    @property
    def values(self) -> PolicyValues:
        return self.latest.after

    def open_applies(self) -> list[PolicyChange]:
        """Applied changes no rollback has undone, oldest first: what a rollback pops."""
        undone = {c.undoes for c in self.changes if c.change == "rolled_back"}
        return [c for c in self.changes if c.change == "applied" and c.change_id not in undone]


@contextmanager
def one_change_at_a_time(state_dir: Path) -> Iterator[None]:
    """Serialise reading, judging and writing policy changes on this machine, so two runs
    that finish together cannot both roll back the same policy (each would undo one apply).

    Args:
        state_dir: the home's ``state`` folder (``Settings.state``); the lock file lives there.
    """
    with exclusive(state_dir / "policies.lock"):
        yield


def load_history(src: Frames, key: str | None = None) -> list[PolicyChange]:
    """Every policy change (of one key), oldest first."""
    where, params = (" WHERE baseline_key = ?", [key]) if key is not None else ("", [])
    frame = src.frame(f'SELECT * FROM policy_history{where} ORDER BY "at", change_id', params)
    return [_change(row) for row in frame.iter_rows(named=True)]


def _change(row: dict[str, Any]) -> PolicyChange:
    return PolicyChange(
        change_id=row["change_id"], baseline_key=row["baseline_key"], change=row["change"],
        changed_by=row["changed_by"], at=row["at"],
        before=PolicyValues(timeout_s=row["timeout_s_before"],
                            memory_mb=row["memory_mb_before"]),
        after=PolicyValues(timeout_s=row["timeout_s_after"], memory_mb=row["memory_mb_after"]),
        recommendation_id=row["recommendation_id"], undoes=row["undoes"],
        reason=row["reason"] or "", evidence=json.loads(row["evidence"] or "{}"))


def states(changes: list[PolicyChange]) -> dict[str, KeyState]:
    """Each key's state from the history (oldest first)."""
    out: dict[str, KeyState] = {}
    for change in changes:
        out.setdefault(change.baseline_key, KeyState(change.baseline_key, [])).changes.append(
            change)
    return out


def match_key(text: str, keys: list[str]) -> str:
    """The key ``text`` names: itself, else the one key it starts (or whose hash it starts).

    Raises:
        NotFoundError: no key with a policy matches.
        InputError: several do.
    """
    if not text.strip():
        raise InputError("give a baseline key (image|command_hash), or a unique prefix of it")
    if text in keys:
        return text
    found = sorted(k for k in keys if k.startswith(text) or k.partition("|")[2].startswith(text))
    if len(found) == 1:
        return found[0]
    if not found:
        known = ", ".join(sorted(keys)[:5]) or "none yet"
        raise NotFoundError(f"no run policy for key {text!r} (keys with one: {known}; "
                            "see `orcaops policies`)")
    shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    raise InputError(f"key {text!r} is ambiguous: it matches {shown}; give more of it")


MARKER = "policies"


def policies_exist(state_dir: Path) -> bool:
    """Whether any policy change was ever written (one ``stat``): ``orcaops run`` asks before
    opening the warehouse's views, so a home without policies runs as fast as before."""
    return (state_dir / MARKER).exists()


def write_change(src: PolicySource, key: str, change: str, by: str, before: PolicyValues,
                 after: PolicyValues, reason: str, evidence: dict[str, Any],
                 recommendation_id: str | None = None, undoes: str | None = None
                 ) -> PolicyChange:
    """Append one change to the history; returns it as stored."""
    note = json.dumps({"by": by, "before": before.model_dump(), "after": after.model_dump(),
                       "recommendation_id": recommendation_id, "undoes": undoes,
                       "reason": reason, "evidence": evidence}, default=str)
    src.settings.state.mkdir(parents=True, exist_ok=True)
    (src.settings.state / MARKER).touch()
    row = src.add_action(KINDS[change], key, note)
    return PolicyChange(change_id=str(row["action_id"]), baseline_key=key,
                        change=change,  # type: ignore[arg-type]
                        changed_by=by,  # type: ignore[arg-type]
                        at=row["at"], before=before, after=after,
                        recommendation_id=recommendation_id, undoes=undoes, reason=reason,
                        evidence=json.loads(json.dumps(evidence, default=str)))


def load_runs(src: Frames, key: str | None = None) -> pl.DataFrame:
    """Finished runs of keys with a policy (``policy_runs``), of one key if given."""
    if key is None:
        return src.frame("SELECT * FROM policy_runs")
    return src.frame("SELECT * FROM policy_runs WHERE baseline_key = ?", [key])


def evidence(runs: pl.DataFrame, state: KeyState) -> Evidence:
    """Runs under the key's current version against the last ones recorded before it."""
    latest = state.latest
    mine = runs.filter(pl.col("baseline_key") == state.key)
    version = pl.col("policy_version").fill_null("")
    under = mine.filter(version == latest.change_id)
    before = (mine.filter((version != latest.change_id) & (pl.col("recorded_at") < latest.at))
              .sort("started_at", descending=True, nulls_last=True).head(BEFORE_WINDOW))
    return Evidence(runs_before=before.height,
                    limit_failures_before=int(before["limit_failure"].sum()),
                    runs_under=under.height,
                    limit_failures_under=int(under["limit_failure"].sum()))
