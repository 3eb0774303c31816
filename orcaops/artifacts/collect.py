"""Collecting a run's artifacts: files matching patterns, from a local folder or a container.

Patterns are paths relative to the job's working directory (or absolute in a container),
with ``*``, ``?``, ``[...]`` and ``**`` (any depth). A container's files come through the
Docker API's archive endpoint (``get_archive``: a tar stream of a path), so nothing needs a
shell or a mount in the container. Files beyond the size limit are left out, each named in
the problems; a pattern that matches nothing is a problem too, never an error: the run is
recorded whatever its artifacts.
"""

from __future__ import annotations

import io
import posixpath
import re
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from orcaops.artifacts.store import Collected, safe_name

_GLOB = re.compile(r"[*?\[]")


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` (with ``**``) as a regex over ``/``-separated paths."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1:]:
            end = pattern.index("]", i + 1)
            out.append("[" + pattern[i + 1:end].replace("!", "^", 1) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def base_dir(pattern: str) -> str:
    """The folder part of ``pattern`` before its first wildcard (``.`` if none)."""
    parts = pattern.split("/")
    fixed = []
    for part in parts[:-1]:
        if _GLOB.search(part):
            break
        fixed.append(part)
    return "/".join(fixed) or ("/" if pattern.startswith("/") else ".")


def human_size(n: int) -> str:
    """``512 B``, ``10.6 KB``, ``100.0 MB`` (binary units)."""
    if n < 1024:
        return f"{n} B"
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1048576:.1f} MB"


class _Budget:
    def __init__(self, limit: int, collected: Collected) -> None:
        self.left = limit
        self.limit = limit
        self.collected = collected

    def take(self, name: str, size: int) -> bool:
        if size > self.left:
            self.collected.problems.append(
                f"{name} ({human_size(size)}) left out: the run's artifacts may total "
                f"{human_size(self.limit)} (set ORCAOPS_ARTIFACT_LIMIT_MB to raise it)")
            return False
        self.left -= size
        return True


def collect_local(workdir: Path, patterns: Iterable[str], limit: int) -> Collected:
    """The files under ``workdir`` matching ``patterns``, up to ``limit`` bytes in total."""
    collected = Collected()
    budget = _Budget(limit, collected)
    for pattern in patterns:
        found = sorted(p for p in _local_matches(workdir, pattern) if p.is_file())
        if not found:
            collected.problems.append(f"{pattern}: no file matched")
        for path in found:
            name = _name(path.relative_to(workdir).as_posix() if path.is_relative_to(workdir)
                         else path.name)
            if name not in collected.files and budget.take(name, path.stat().st_size):
                collected.files[name] = path.read_bytes()
    return collected


def _local_matches(workdir: Path, pattern: str) -> Iterator[Path]:
    if not _GLOB.search(pattern):
        path = Path(pattern) if Path(pattern).is_absolute() else workdir / pattern
        yield from ([path] if path.exists() else [])
        return
    root = workdir if not Path(pattern).is_absolute() else Path("/")
    yield from root.glob(pattern.lstrip("/"))


def collect_container(api: Any, container_id: str, workdir: str, patterns: Iterable[str],
                      limit: int) -> Collected:
    """Files of a stopped container matching ``patterns`` (relative to ``workdir``).

    Args:
        api: a docker ``APIClient`` (``get_archive``).
        container_id: the container (stopped or running).
        workdir: its working directory (relative patterns start there).
        patterns: paths or globs.
        limit: the total size allowed, in bytes.
    """
    from docker.errors import APIError, NotFound

    collected = Collected()
    budget = _Budget(limit, collected)
    for pattern in patterns:
        full = pattern if pattern.startswith("/") else posixpath.join(workdir or "/", pattern)
        base = base_dir(full) if _GLOB.search(full) else full
        try:
            stream, _ = api.get_archive(container_id, base)
        except NotFound:
            collected.problems.append(f"{pattern}: no file matched")
            continue
        except APIError as e:
            collected.problems.append(f"{pattern}: could not be read from the container ({e})")
            continue
        matched = _from_tar(stream, base, full, workdir, collected, budget)
        if not matched:
            collected.problems.append(f"{pattern}: no file matched")
    return collected


def _from_tar(stream: Iterable[bytes], base: str, full: str, workdir: str,
              collected: Collected, budget: _Budget) -> int:
    """Read the archive of ``base``; keep regular files whose path matches ``full``."""
    regex = pattern_regex(full) if _GLOB.search(full) else None
    parent = posixpath.dirname(base.rstrip("/")) or "/"
    matched = 0
    with tarfile.open(fileobj=_Chunks(stream), mode="r|") as tar:
        for member in tar:
            if not member.isfile():
                continue
            path = posixpath.normpath(posixpath.join(parent, member.name))
            if regex is not None and not regex.match(path):
                continue
            matched += 1
            name = _name(posixpath.relpath(path, workdir) if workdir and
                         path.startswith(workdir.rstrip("/") + "/") else path.lstrip("/"))
            if name not in collected.files and budget.take(name, member.size):
                data = tar.extractfile(member)
                collected.files[name] = data.read() if data is not None else b""
    return matched


class _Chunks(io.RawIOBase):
    """The archive's chunks as a file tarfile streams from (never all in memory)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            try:
                self._rest = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


def _name(raw: str) -> str:
    return safe_name(raw)
