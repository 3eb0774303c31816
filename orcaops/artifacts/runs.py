"""A run's artifacts after its job ends: collect, store, and read the JUnit reports among
them into test rows. Used by the executors; never fails a run (problems are recorded)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from orcaops.artifacts.store import ArtifactStore, Collected, limit_bytes
from orcaops.core.errors import InputError, OrcaOpsError

Collector = Callable[[int], Collected]


def store_artifacts(home: Path, job_id: str, patterns: list[str],
                    collect: Collector) -> list[dict[str, Any]] | None:
    """Collect a run's artifacts with ``collect(limit)``, store them, and return the test
    rows of the JUnit XML files among them (None when there are none: the log is read).

    Args:
        home: the OrcaOps home.
        job_id: the run.
        patterns: what ``--artifact`` asked for (nothing is done when empty).
        collect: gathers the files, given the size limit in bytes.
    """
    if not patterns:
        return None
    try:
        collected = collect(limit_bytes())
    except OrcaOpsError as e:
        collected = Collected(problems=[f"artifacts could not be collected: {e}"])
    except OSError as e:
        collected = Collected(problems=[f"artifacts could not be collected: {e}"])
    rows = junit_rows(collected)
    ArtifactStore(home).save(job_id, collected)
    return rows


def junit_rows(collected: Collected) -> list[dict[str, Any]] | None:
    """Test rows from the ``.xml`` artifacts that are JUnit reports; None if there are none.
    One that does not parse becomes a problem of the collection."""
    from orcaops.testing.junit import is_junit, parse_junit

    rows: list[dict[str, Any]] | None = None
    for name, data in sorted(collected.files.items()):
        if not name.lower().endswith(".xml"):
            continue
        text = data.decode("utf-8", "replace")
        if not is_junit(text):
            continue
        try:
            found = parse_junit(text)
        except InputError as e:
            collected.problems.append(f"{name}: not read as a JUnit report ({e})")
            continue
        rows = (rows or []) + found
    return rows
