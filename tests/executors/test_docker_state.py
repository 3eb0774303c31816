"""Reading an ended container's inspect document (pure: no engine needed)."""

from __future__ import annotations

from typing import Any

import pytest

from orcaops.executors.docker_state import environment, oom_kill, outcome


def _info(code: int, oom: bool = False, memory: int = 0, error: str = "") -> dict[str, Any]:
    return {"State": {"ExitCode": code, "OOMKilled": oom, "Error": error,
                      "StartedAt": "2026-11-21T10:00:00.5Z",
                      "FinishedAt": "2026-11-21T10:00:02.75Z"},
            "HostConfig": {"Memory": memory, "NetworkMode": "none"},
            "Config": {"Env": ["PATH=/bin", "DB_PASSWORD=hunter2hunter2"], "Cmd": ["true"]},
            "Mounts": [], "NetworkSettings": {"Networks": {}}}


@pytest.mark.parametrize(("info", "reason", "expected"), [
    (_info(137, oom=True, memory=8 << 20), "exited", "reported"),
    (_info(0, oom=True, memory=8 << 20), "exited", "reported"),  # a child was killed
    (_info(137, memory=8 << 20), "exited", "inferred"),            # the engine missed it
    (_info(137), "exited", None),                                   # no limit: not memory
    (_info(137, memory=8 << 20), "timeout", None),                  # we killed it
    (_info(1, memory=8 << 20), "exited", None),
])
def test_oom_kill(info: dict[str, Any], reason: str, expected: str | None) -> None:
    assert oom_kill(info, reason) == expected


def test_outcome() -> None:
    ok = outcome(_info(0), "exited", None, None, None)
    assert (ok.status, ok.exit_code, ok.failure_category) == ("success", 0, None)
    assert (ok.finished_at - ok.started_at).total_seconds() == 2.25
    oom = outcome(_info(137, oom=True, memory=8 << 20), "exited", None, "8m", None)
    assert (oom.status, oom.failure_category) == ("failed", "oom")
    timeout = outcome(_info(137, memory=8 << 20), "timeout", 5, "8m", None)
    assert (timeout.status, timeout.error_message, timeout.failure_category) == (
        "timeout", "timed out after 5s", "timeout")
    broken = outcome(_info(127, error="no such file"), "exited", None, None, None)
    assert (broken.status, broken.error_message) == ("error", "Docker engine error: no such file")


def test_environment_is_sanitized() -> None:
    env = environment(_info(0), {"Id": "sha256:abc", "RepoDigests": []})
    assert env.image_digest == "sha256:abc"
    assert env.env["PATH"] == "/bin" and "hunter2" not in env.env["DB_PASSWORD"]
    assert env.network["mode"] == "none"
    pulled = environment(_info(0), {"Id": "sha256:abc",
                                    "RepoDigests": ["python@sha256:def"]})
    assert pulled.image_digest == "sha256:def"
