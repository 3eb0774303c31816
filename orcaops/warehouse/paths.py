"""Paths as the home stores them: relative to the warehouse, so a home can be copied or moved.

What the warehouse writes for itself (the saved snapshot, the log index's sources, the list of
sorted log files) names data files relative to the warehouse folder and resolves them against
wherever the folder is now. A path outside the folder (another store, ``s3://``) stays as it
is. An absolute path an older OrcaOps stored resolves as itself: if the home moved, it names a
file that is not there, and the reader treats that record as stale.
"""

from __future__ import annotations

import os
from pathlib import Path

_FILE_SCHEME = "file://"


def to_stored(root: Path, path: str) -> str:
    """``path`` as stored under the warehouse ``root``: relative when it lies inside it."""
    plain = path.removeprefix(_FILE_SCHEME)
    base = str(root).rstrip("/") + "/"
    return plain[len(base):] if plain.startswith(base) else path


def from_stored(root: Path, stored: str) -> str:
    """The path a stored name means for the warehouse now at ``root``."""
    if "://" in stored or os.path.isabs(stored):
        return stored
    return str(root / stored)


def is_foreign(root: Path, stored: str) -> bool:
    """Whether a stored absolute local path points outside ``root`` (a moved home's record)."""
    plain = stored.removeprefix(_FILE_SCHEME)
    return os.path.isabs(plain) and not plain.startswith(str(root).rstrip("/") + "/")
