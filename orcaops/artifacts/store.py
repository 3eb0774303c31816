"""Stored artifacts: ``<home>/artifacts/<job_id>/`` holds the files and ``manifest.json``.

The manifest lists each file's name (its path relative to where it was collected, ``/``
separated), size and sha256, and the problems met while collecting (a file over the size
limit, a pattern that matched nothing). Names only, never absolute paths: a home stays
relocatable. Files are written to a temporary folder renamed into place, so a run's
artifacts appear whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from orcaops.core.errors import InputError, NotFoundError

MANIFEST = "manifest.json"
FILES = "files"
LIMIT_ENV = "ORCAOPS_ARTIFACT_LIMIT_MB"
DEFAULT_LIMIT_MB = 100.0


@dataclass(frozen=True)
class Artifact:
    """One stored file of a run."""

    name: str
    size: int
    sha256: str


@dataclass
class Collected:
    """What a collection gathered: the files (name → bytes) and what went wrong."""

    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(b) for b in self.files.values())


def limit_bytes() -> int:
    """The total size a run's artifacts may have (``$ORCAOPS_ARTIFACT_LIMIT_MB``, 100 MB).

    Raises:
        InputError: the variable is not a positive number.
    """
    raw = os.environ.get(LIMIT_ENV)
    try:
        mb = float(raw) if raw else DEFAULT_LIMIT_MB
    except ValueError:
        mb = -1.0
    if not mb > 0:
        raise InputError(f"{LIMIT_ENV}={raw!r}: give the limit in MB, a number above 0 "
                         "(e.g. 250)")
    return int(mb * 1024 * 1024)


def safe_name(name: str) -> str:
    """``name`` as stored: relative, ``/``-separated, no ``..``.

    Raises:
        InputError: an absolute name or one that climbs out (``../x``).
    """
    path = PurePosixPath(name.replace("\\", "/").lstrip("./") if name.startswith("./") else
                         name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise InputError(f"artifact name {name!r} must be a relative path without '..'")
    return str(path)


class ArtifactStore:
    """The artifacts of every run under one OrcaOps home."""

    def __init__(self, home: Path) -> None:
        self.root = home / "artifacts"

    def _dir(self, job_id: str) -> Path:
        if not job_id or "/" in job_id or job_id.startswith("."):
            raise InputError(f"bad job id {job_id!r} for artifacts")
        return self.root / job_id

    def save(self, job_id: str, collected: Collected) -> list[Artifact]:
        """Store ``collected`` as the artifacts of ``job_id`` (replacing any before)."""
        final = self._dir(job_id)
        tmp = self.root / f".{job_id}.{uuid.uuid4().hex[:8]}.tmp"
        stored = []
        for name, data in sorted(collected.files.items()):
            name = safe_name(name)
            target = tmp / FILES / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            stored.append(Artifact(name, len(data), hashlib.sha256(data).hexdigest()))
        tmp.mkdir(parents=True, exist_ok=True)
        doc = {"job_id": job_id, "artifacts": [asdict(a) for a in stored],
               "problems": collected.problems}
        (tmp / MANIFEST).write_text(json.dumps(doc, indent=1), encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        return stored

    def manifest(self, job_id: str) -> dict[str, list[Any]]:
        """``{"artifacts": [...], "problems": [...]}`` of a run (empty lists if none)."""
        path = self._dir(job_id) / MANIFEST
        if not path.exists():
            return {"artifacts": [], "problems": []}
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {"artifacts": list(doc.get("artifacts", [])),
                "problems": list(doc.get("problems", []))}

    def stored(self, job_id: str) -> list[Artifact]:
        """The stored artifacts of a run, by name."""
        return [Artifact(**a) for a in self.manifest(job_id)["artifacts"]]

    def path(self, job_id: str, name: str) -> Path:
        """Where one stored artifact is on disk.

        Raises:
            NotFoundError: the run has no artifact of that name (the message lists them).
        """
        known = {a.name: a for a in self.stored(job_id)}
        clean = safe_name(name)
        if clean not in known:
            names = ", ".join(sorted(known)) or "none"
            raise NotFoundError(f"run {job_id} has no artifact {name!r} (its artifacts: {names})")
        return self._dir(job_id) / FILES / clean

    def extract(self, job_id: str, dest: Path) -> list[Path]:
        """Copy every artifact of a run under ``dest`` (keeping their relative names)."""
        out = []
        for art in self.stored(job_id):
            target = dest / art.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self._dir(job_id) / FILES / art.name, target)
            out.append(target)
        return out
