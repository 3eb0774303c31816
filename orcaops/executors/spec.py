"""What to run: the job spec and the parsers for its command-line forms.

``JobSpec`` is validated when it is built, so a bad memory string, ``--env`` pair or
``--mount`` is an ``InputError`` (CLI exit 2) before anything starts.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orcaops.core import units
from orcaops.core.errors import InputError

_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Docker refuses limits below 6 MiB; saying so here beats a daemon error after create.
MIN_MEMORY_BYTES = 6 * 1024**2


def parse_memory(value: str | int) -> int:
    """Parse a memory size the way ``docker run --memory`` does (``orcaops.core.units``).

    Args:
        value: ``"512m"``, ``"1g"``, ``"256k"``, ``"2GB"``, plain bytes (``"1048576"``) or an int.

    Returns:
        The size in bytes.

    Raises:
        InputError: the value is not a positive size.
    """
    if isinstance(value, bool):
        raise InputError(f"invalid memory size {value!r}: expected e.g. 512m, 1g, 256k")
    if isinstance(value, int):
        size = value
    else:
        try:
            size = int(units.parse_size(str(value), bare_unit="b"))
        except units.BadValue:
            raise InputError(f"invalid memory size {value!r}: expected e.g. 512m, 1g, "
                             "256k") from None
    if size <= 0:
        raise InputError(f"invalid memory size {value!r}: must be greater than 0")
    return size


def parse_env(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Parse ``--env K=V`` options into a dict (later pairs win).

    Args:
        pairs: strings of the form ``NAME=value`` (the value may be empty or contain ``=``).

    Returns:
        The environment as a dict.

    Raises:
        InputError: a pair has no ``=`` or the name is not a valid variable name.
    """
    env: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise InputError(f"invalid --env {pair!r}: expected NAME=VALUE")
        if not _ENV_NAME_RE.match(name):
            raise InputError(f"invalid --env {pair!r}: {name!r} is not a variable name")
        env[name] = value
    return env


def parse_mount(text: str) -> tuple[str, str, str]:
    """Parse ``--mount SRC:DST[:ro|rw]``.

    A source that is a path (contains ``/`` or starts with ``.``) must exist and is made
    absolute; any other source is taken as a named Docker volume.

    Args:
        text: the mount as typed.

    Returns:
        ``(source, destination, mode)`` with mode ``"rw"`` or ``"ro"``.

    Raises:
        InputError: the form is wrong, the destination is not absolute, or a path source is
            missing.
    """
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise InputError(f"invalid --mount {text!r}: expected SRC:DST or SRC:DST:ro")
    src, dst = parts[0], parts[1]
    mode = parts[2] if len(parts) == 3 else "rw"
    if mode not in ("ro", "rw"):
        raise InputError(f"invalid --mount {text!r}: mode must be ro or rw, not {mode!r}")
    if not dst.startswith("/"):
        raise InputError(f"invalid --mount {text!r}: destination {dst!r} must be absolute")
    if "/" in src or src.startswith("."):
        path = Path(src).expanduser().resolve()
        if not path.exists():
            raise InputError(f"invalid --mount {text!r}: source {src!r} does not exist")
        src = str(path)
    return src, dst, mode


def new_job_id() -> str:
    """A fresh job id: sortable by creation time, unique across processes."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"r-{stamp}-{secrets.token_hex(4)}"


class JobSpec(BaseModel):
    """One job to run.

    Attributes:
        image: the Docker image, or None for a local process.
        command: the argv to run (no shell unless the command is a shell).
        env: extra environment variables.
        mounts: ``"SRC:DST[:ro]"`` strings (Docker only).
        workdir: working directory (inside the container for Docker).
        memory: memory limit such as ``"512m"`` (Docker only; validated for both).
        cpus: CPU limit such as ``1.5`` (Docker only).
        network: Docker network mode (``"none"``, ``"host"``, a network name) or None.
        timeout: seconds before the job is killed and recorded as ``timeout``.
        tags, intent, parent_job_id, triggered_by, metadata: stored on the run record.
        job_id: the id to record under; generated when absent.
        artifacts: paths or globs of files to keep after the job (``--artifact``).
    """

    model_config = ConfigDict(extra="forbid")

    image: str | None = None
    command: list[str]
    env: dict[str, str] = Field(default_factory=dict)
    mounts: list[str] = Field(default_factory=list)
    workdir: str | None = None
    memory: str | None = None
    cpus: float | None = None
    network: str | None = None
    timeout: float | None = None
    tags: list[str] = Field(default_factory=list)
    intent: str | None = None
    parent_job_id: str | None = None
    triggered_by: str = "cli"
    metadata: dict[str, Any] = Field(default_factory=dict)
    job_id: str | None = None
    # Files to keep after the job (paths or globs, relative to workdir): orcaops.artifacts.
    artifacts: list[str] = Field(default_factory=list)

    def __init__(self, **data: Any) -> None:
        # Validation problems are the user's input: surface them as InputError (CLI exit 2).
        try:
            super().__init__(**data)
        except ValidationError as e:
            raise InputError(_validation_message(e)) from e

    @field_validator("command")
    @classmethod
    def _command_present(cls, v: list[str]) -> list[str]:
        if not v or not v[0]:
            raise ValueError("no command given")
        return v

    @field_validator("memory")
    @classmethod
    def _memory_valid(cls, v: str | None) -> str | None:
        if v is not None and parse_memory(v) < MIN_MEMORY_BYTES:
            raise ValueError(f"{v!r} is below the 6m minimum Docker accepts")
        return v

    @field_validator("mounts")
    @classmethod
    def _mounts_valid(cls, v: list[str]) -> list[str]:
        for mount in v:
            parse_mount(mount)
        return v

    @field_validator("cpus", "timeout")
    @classmethod
    def _positive(cls, v: float | None) -> float | None:
        if v is not None and v <= 0:
            raise ValueError("must be greater than 0")
        return v

    @field_validator("env")
    @classmethod
    def _env_names(cls, v: dict[str, str]) -> dict[str, str]:
        for name in v:
            if not _ENV_NAME_RE.match(name):
                raise ValueError(f"{name!r} is not a variable name")
        return v

    @property
    def memory_bytes(self) -> int | None:
        """The memory limit in bytes, or None."""
        return parse_memory(self.memory) if self.memory else None


def _validation_message(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "spec"
        parts.append(f"{where}: {str(item['msg']).removeprefix('Value error, ')}")
    return "invalid job spec: " + "; ".join(parts)
