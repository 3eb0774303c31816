"""The tables' current versions and files, cached in ``_snapshot.json`` for cheap cold reads.

Opening four Delta tables with deltalake costs a cold CLI call ~0.1 s of imports plus a log
replay per table. The reader saves what deltalake answered (version, file list and columns of
each table) to ``warehouse/_snapshot.json``; the next process reuses it when it is still the
latest — checked the same way ``Reader.moved`` checks (``is_current``). A stale or unreadable
file is never served: the reader falls back to deltalake and saves a fresh one.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orcaops.warehouse.paths import from_stored, is_foreign, to_stored

if TYPE_CHECKING:
    from orcaops.warehouse.remote import RemoteTables

TABLE_NAMES = ("runs", "logs", "samples", "tests", "actions")
SNAPSHOT_FILE = "_snapshot.json"
_FORMAT = 3


@dataclass(frozen=True)
class TableSnapshot:
    """One table at one version: its data files and its columns (name, DuckDB type).

    ``absent``: columns of ``columns`` the table does not store yet (written by an older
    OrcaOps); reads give NULL for them."""

    version: int
    files: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    absent: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """Every table at the versions read together (runs first)."""

    tables: dict[str, TableSnapshot]

    @property
    def versions(self) -> dict[str, int]:
        return {name: t.version for name, t in self.tables.items()}


def next_commit(root: Path, name: str, version: int) -> Path:
    """The log entry that would exist if ``name`` had moved past ``version``."""
    return root / name / "_delta_log" / f"{version + 1:020d}.json"


def _latest_version_listed(log_dir: Path) -> int:
    """The highest version any entry of ``log_dir`` names (commits and checkpoints)."""
    latest = -1
    try:
        names = os.listdir(log_dir)
    except OSError:
        return latest
    for entry in names:
        stem = entry.split(".", 1)[0]
        if len(stem) == 20 and stem.isdigit():
            latest = max(latest, int(stem))
    return latest


def _moved(root: Path, name: str, version: int) -> bool:
    """Whether table ``name`` has a commit newer than ``version``.

    The next entry's absence alone is not enough: `cleanup_metadata` deletes entries older
    than the latest checkpoint, so a snapshot two commits behind can find its next entry
    gone. Every cleaned entry is older than ``_last_checkpoint``'s version, so that small
    file settles it; without a readable one the directory is listed (a handful of entries:
    no checkpoint means no cleanup).
    """
    if next_commit(root, name, version).exists():
        return True
    log_dir = root / name / "_delta_log"
    try:
        checkpoint = int(json.loads((log_dir / "_last_checkpoint").read_bytes())["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return _latest_version_listed(log_dir) > version
    return checkpoint > version


def is_current(root: Path, versions: dict[str, int], remote: RemoteTables | None = None
               ) -> bool:
    """Whether no table has a commit newer than ``versions`` (a stat and a small read each;
    for tables on object storage, ``remote``, a HEAD and a small GET each)."""
    if remote is not None:
        return not remote.any_moved(versions)
    return not any(_moved(root, n, v) for n, v in versions.items())


def schema_tag() -> str:
    """Changes whenever the table schemas change, so an old file is never used with new code."""
    text = Path(__file__).with_name("schema.py").read_bytes()
    return f"{_FORMAT}:" + hashlib.sha1(text).hexdigest()[:16]


def _digest(tables: Any) -> str:
    """A checksum of the saved tables, so a file changed on disk (a bit flip) is not used."""
    text = json.dumps(tables, separators=(",", ":"), sort_keys=True)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def load_snapshot(root: Path, remote: RemoteTables | None = None) -> Snapshot | None:
    """The saved snapshot if it is still the latest for every table, else None.

    For tables on object storage (``remote``) the file is this machine's cache of the
    snapshot, kept in the home's local folder; its file URIs are the store's."""
    try:
        doc = json.loads((root / SNAPSHOT_FILE).read_bytes())
        if doc.get("schema") != schema_tag() or set(doc["tables"]) != set(TABLE_NAMES):
            return None
        if doc.get("sha1") != _digest(doc["tables"]):
            return None  # damaged on disk: derived data is reloaded, never trusted blind
        stored = [f for t in doc["tables"].values() for f in t["files"]]
        if any(is_foreign(root, f) for f in stored):
            return None  # written where the home was before it was copied or moved
        snap = Snapshot({
            name: TableSnapshot(int(t["version"]),
                                tuple(from_stored(root, f) for f in t["files"]),
                                tuple((c[0], c[1]) for c in t["columns"]),
                                tuple(t.get("absent", ())))
            for name, t in doc["tables"].items()})
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    if remote is not None and any(not f.startswith(remote.uri("")) for f in stored):
        return None  # another home's listing
    return snap if is_current(root, snap.versions, remote) else None


def save_snapshot(root: Path, snap: Snapshot) -> None:
    """Write ``snap`` atomically; a home we cannot write to just keeps the slow path."""
    tables = {name: {"version": t.version, "files": [to_stored(root, f) for f in t.files],
                     "columns": [list(c) for c in t.columns], "absent": list(t.absent)}
              for name, t in snap.tables.items()}
    doc = {"schema": schema_tag(), "sha1": _digest(tables), "tables": tables}
    tmp = root / f".{SNAPSHOT_FILE}.{os.getpid()}.tmp"
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, root / SNAPSHOT_FILE)
    except OSError:
        tmp.unlink(missing_ok=True)
