"""``Artifacts``: the artifact methods the ``Warehouse`` forwards to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orcaops.artifacts.store import ArtifactStore


class Artifacts:
    """The files runs left behind (``orcaops run --artifact``).

    Args:
        source: the warehouse whose runs they belong to (``orcaops.api.Warehouse``).
    """

    def __init__(self, source: Any) -> None:
        self.source = source

    def _artifact_store(self) -> ArtifactStore:
        return ArtifactStore(self.source.settings.home)

    def _job_id(self, job_id: str) -> str:
        return str(self.source.run(job_id)["job_id"])

    def artifacts(self, job_id: str) -> dict[str, Any]:
        """A run's stored artifacts: ``{"job_id", "artifacts": [{name, size, sha256}],
        "total_bytes", "problems"}`` (a job id prefix is enough).

        Raises:
            NotFoundError: no such run.
        """
        full = self._job_id(job_id)
        doc = self._artifact_store().manifest(full)
        arts: list[dict[str, Any]] = doc["artifacts"]
        return {"job_id": full, "artifacts": arts,
                "total_bytes": sum(int(a["size"]) for a in arts), "problems": doc["problems"]}

    def artifact_path(self, job_id: str, name: str) -> Path:
        """Where one artifact of a run is stored.

        Raises:
            NotFoundError: no such run, or no artifact of that name.
        """
        return self._artifact_store().path(self._job_id(job_id), name)

    def extract_artifacts(self, job_id: str, dest: str | Path) -> list[Path]:
        """Copy a run's artifacts under ``dest``; returns the files written."""
        return self._artifact_store().extract(self._job_id(job_id), Path(dest))
