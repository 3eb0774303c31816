"""The commit journal (``warehouse/_pending/*.json``): what an unfinished commit was writing.

A writer creates its journal (fsynced) before it writes any table and removes it last, so a
journal on disk names every run whose children may not match its visible runs row. Readers
use it too (``replacing_ids``): only runs of a replace under way, or of one a crash
interrupted, can have children of two writes, and only those need the stricter check. Kept
free of pyarrow and deltalake: a cold CLI read calls it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

PENDING_DIR = "_pending"
# The column naming the write that stored a row (``orcaops.warehouse.schema``).
WRITE_ID = "write_id"


@dataclass(frozen=True)
class Journal:
    """What a journal file says about the commit that wrote it."""

    job_ids: list[str]
    replace: bool = False


def read_journal(path: Path) -> Journal:
    """The journal at ``path``; an unreadable one names no runs (it is renamed into place
    only once complete, before any table write, so a torn one had written nothing)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return Journal([str(i) for i in doc["job_ids"]], bool(doc.get("replace", False)))
    except (ValueError, KeyError, TypeError, OSError):
        return Journal([])


def replacing_ids(root: Path) -> frozenset[str]:
    """Job ids of every replace journalled under warehouse ``root`` (usually none: one
    directory listing)."""
    try:
        names = os.listdir(root / PENDING_DIR)
    except OSError:
        return frozenset()
    ids: set[str] = set()
    for name in names:
        if name.endswith(".json"):
            journal = read_journal(root / PENDING_DIR / name)
            if journal.replace:
                ids.update(journal.job_ids)
    return frozenset(ids)
