"""Where OrcaOps keeps its data and the few settings a user may change."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from orcaops.core.location import RemoteHome, is_remote, parse_remote
from orcaops.core.units import parse_iso

DEFAULT_HOME = "~/.orcaops"
NOW_VARIABLE = "ORCAOPS_NOW"


def analysis_now() -> datetime:
    """The instant that relative dates (``after:-7d``, ``--since 30d``) and ages are measured from.

    The clock, unless ``$ORCAOPS_NOW`` holds an ISO instant: then every analysis, search and
    report is evaluated as of that instant, so a saved history answers the same way on any day
    (a report re-made later, a test). Recording runs always uses the real clock.

    Raises:
        InputError: ``$ORCAOPS_NOW`` is set but is not an ISO date or timestamp.
    """
    raw = os.environ.get(NOW_VARIABLE, "").strip()
    if not raw:
        return datetime.now(timezone.utc)
    moment = parse_iso(raw)
    if moment is None:
        from orcaops.core.errors import InputError

        raise InputError(f"bad {NOW_VARIABLE}={raw!r}: use an ISO timestamp such as "
                         "2026-11-20T12:00:00Z, or unset it to use the clock")
    return moment


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """The OrcaOps home: ``home`` if given, else ``$ORCAOPS_HOME``, else ``~/.orcaops``.

    The folder is created when missing. For a home on object storage (``s3://bucket/prefix``)
    this is its local folder (``RemoteHome.cache_dir``): the spool, locks and caches.

    Raises:
        InputError: the home is a file, cannot be created, or cannot be read (every command
            says so the same way, instead of failing on the first file it touches).
    """
    raw = _raw_home(home)
    remote = remote_home(home)
    path = remote.cache_dir() if remote else Path(raw).expanduser().resolve()
    problem = _home_problem(path)
    if problem:
        from orcaops.core.errors import InputError

        raise InputError(f"OrcaOps home {path} {problem}; pass --home (or set ORCAOPS_HOME "
                         "to) a folder you can read and write; it is created if missing")
    return path


def _raw_home(home: str | os.PathLike[str] | None) -> str | os.PathLike[str]:
    return home if home is not None else os.environ.get("ORCAOPS_HOME") or DEFAULT_HOME


def remote_home(home: str | os.PathLike[str] | None = None) -> RemoteHome | None:
    """The object-store home ``home`` (else ``$ORCAOPS_HOME``) names, or None for a folder.

    Raises:
        InputError: an ``s3://`` URL that is not ``s3://bucket/prefix``.
    """
    raw = _raw_home(home)
    return parse_remote(str(raw)) if is_remote(raw) else None


def home_settings(home: str | os.PathLike[str] | None = None, **tunables: Any) -> Settings:
    """The settings of ``home`` (a folder or an ``s3://`` URL; None: ``$ORCAOPS_HOME``)."""
    return Settings(home=resolve_home(home), remote=remote_home(home), **tunables)


def _home_problem(path: Path) -> str | None:
    """What is wrong with ``path`` as a home, or None."""
    if path.exists() and not path.is_dir():
        return "is a file, not a folder"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return f"cannot be created ({e.strerror})"
    if not os.access(path, os.R_OK | os.X_OK):
        return "is not readable"
    return None


@dataclass(frozen=True)
class CostRates:
    """Rates used to estimate what a run cost (USD); configurable through the environment."""

    cpu_second: float = float(os.environ.get("ORCAOPS_COST_CPU_SECOND", "0.0000125"))
    gb_second: float = float(os.environ.get("ORCAOPS_COST_GB_SECOND", "0.0000015"))
    network_gb: float = float(os.environ.get("ORCAOPS_COST_NETWORK_GB", "0.09"))

    def estimate(self, cpu_seconds: float, memory_peak_mb: float, duration_s: float,
                 network_bytes: int) -> float:
        """Estimated cost of one run from its resource usage."""
        gb_seconds = (memory_peak_mb / 1024.0) * duration_s
        return round(
            cpu_seconds * self.cpu_second
            + gb_seconds * self.gb_second
            + network_bytes / 1024**3 * self.network_gb,
            8,
        )


@dataclass(frozen=True)
class Settings:
    """Tunables of one warehouse. Defaults suit a laptop; tests shrink them."""

    # The local folder; for a home on object storage, the folder of what must stay local.
    home: Path = field(default_factory=resolve_home)
    # Where the tables live when not under ``home``: an ``s3://`` home.
    remote: RemoteHome | None = None
    # A partition with more data files than this is compacted after the next commit to it.
    compact_min_files: int = 16
    # Files replaced by compaction stay on disk this long so readers mid-query never lose one.
    vacuum_retention_hours: int = 1
    # Delta log entries older than this are removed by `compact` (after a checkpoint).
    log_retention: str = "interval 1 hours"
    # EMA smoothing for baselines.
    ema_alpha: float = 0.1
    # A baseline needs this many successful runs before it is trusted.
    baseline_min_samples: int = 5
    # Baselines with no run for this many days age out.
    baseline_stale_days: int = 30
    cost: CostRates = field(default_factory=CostRates)

    @property
    def location(self) -> str:
        """The home as the user named it: the folder, or the ``s3://`` URL."""
        return self.remote.url if self.remote else str(self.home)

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse"

    @property
    def spool(self) -> Path:
        return self.home / "spool"

    @property
    def state(self) -> Path:
        return self.home / "state"
