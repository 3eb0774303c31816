"""Reading an ended container: its outcome, resource usage and environment snapshot.

Pure functions of ``docker inspect`` documents (plus the sampled stats), shared by the live
executor and by ``recover``.
"""

from __future__ import annotations

from typing import Any

import docker
from docker.errors import DockerException, NotFound

from orcaops.core.config import CostRates
from orcaops.core.errors import ExecutorError
from orcaops.core.models import EnvironmentSnapshot, ResourceUsage
from orcaops.core.vocabulary import EXIT_KILLED
from orcaops.executors.record import Outcome, exit_outcome, resource_usage
from orcaops.executors.sampling import MB, SampleSink
from orcaops.executors.secrets import redact_env
from orcaops.executors.signals import CancelToken
from orcaops.executors.streams import parse_docker_time

_CONFIG_KEYS = ("Image", "Cmd", "Entrypoint", "WorkingDir", "User", "Hostname", "Labels",
                "Tty", "OpenStdin")
_HOST_KEYS = ("Memory", "MemorySwap", "NanoCpus", "CpuShares", "NetworkMode", "Runtime",
              "Privileged", "ReadonlyRootfs", "AutoRemove")


def inspect(client: docker.DockerClient, container_id: str) -> dict[str, Any]:
    """``docker inspect --size`` of a container.

    Raises:
        ExecutorError: the container is gone or the engine failed.
    """
    api = client.api
    try:
        # The SDK's inspect_container cannot ask for sizes; SizeRw is the disk the job wrote.
        response = api._get(api._url("/containers/{0}/json", container_id), params={"size": 1})
        return dict(api._result(response, True))
    except NotFound as e:
        raise ExecutorError(f"container {container_id[:12]} no longer exists") from e
    except DockerException as e:
        raise ExecutorError(f"cannot inspect container {container_id[:12]}: {e}") from e


def outcome(info: dict[str, Any], reason: str, timeout: float | None, memory: str | None,
            token: CancelToken | None) -> Outcome:
    """How the container ended: status, exit code, message, category and its own times.

    ``State.OOMKilled`` means the kernel killed a process of the job for exceeding the memory
    limit; the run failed even if the main process went on to exit 0.
    """
    state = info.get("State") or {}
    code = state.get("ExitCode")
    result = exit_outcome(reason, code, timeout, token or CancelToken())
    limit = f" ({memory})" if memory else ""
    oom = oom_kill(info, reason)
    if oom == "reported":
        result = Outcome("failed", code, f"out of memory: the container exceeded its memory "
                         f"limit{limit} and was killed", "oom")
    elif oom == "inferred":
        result = Outcome("failed", code, f"killed (SIGKILL) under a memory limit{limit}: most "
                         "likely out of memory (the engine did not report OOMKilled)", "oom")
    elif reason == "exited" and state.get("Error"):
        result = Outcome("error", code, f"Docker engine error: {state['Error']}")
    result.started_at = parse_docker_time(state.get("StartedAt") or "")
    result.finished_at = parse_docker_time(state.get("FinishedAt") or "")
    return result


def oom_kill(info: dict[str, Any], reason: str) -> str | None:
    """``"reported"`` (State.OOMKilled), ``"inferred"`` or None.

    Inferred: the job exited by SIGKILL (137) under a memory limit and OrcaOps did not kill
    it. Docker 20.10 on cgroup v1 misses the kernel's OOM event now and then (about 1 run in
    30 here: OOMKilled false and no ``oom`` event, yet the process got SIGKILL), and nothing
    else sends SIGKILL to a container nobody stops.
    """
    if reason != "exited":
        return None
    state = info.get("State") or {}
    if state.get("OOMKilled"):
        return "reported"
    limited = bool((info.get("HostConfig") or {}).get("Memory"))
    return "inferred" if limited and state.get("ExitCode") == EXIT_KILLED else None


def usage(info: dict[str, Any], sink: SampleSink, rates: CostRates,
          oom: bool = False) -> ResourceUsage:
    """Resource usage from the samples plus what inspect knows (duration, disk written).

    Args:
        oom: the job was killed for memory, so it reached its limit.
    """
    state = info.get("State") or {}
    started = parse_docker_time(state.get("StartedAt") or "")
    finished = parse_docker_time(state.get("FinishedAt") or "")
    duration = (finished - started).total_seconds() if started and finished else None
    size_rw = info.get("SizeRw")
    disk_mb = size_rw / MB if isinstance(size_rw, int) else None
    peak = sink.peak_mb
    limit = (info.get("HostConfig") or {}).get("Memory") or 0
    if oom and limit:
        # Killed on reaching the limit, often before any stats sample: the limit is the peak.
        peak = max(peak or 0.0, limit / MB)
    return resource_usage(sink.samples, sink.cpu_seconds, peak,
                          max(duration, 0.0) if duration is not None else None, disk_mb, rates)


def environment(info: dict[str, Any], image: dict[str, Any]) -> EnvironmentSnapshot:
    """Where the job ran: image digest, sanitized env, mounts, network and config."""
    config = info.get("Config") or {}
    host = info.get("HostConfig") or {}
    env = dict(_split_env(e) for e in config.get("Env") or [])
    container_config = {k: config.get(k) for k in _CONFIG_KEYS}
    container_config["HostConfig"] = {k: host.get(k) for k in _HOST_KEYS}
    container_config["Platform"] = info.get("Platform")
    return EnvironmentSnapshot(
        image_digest=_digest(image, info), env=redact_env(env),
        mounts=[{k: m.get(k) for k in ("Type", "Name", "Source", "Destination", "Mode", "RW")}
                for m in info.get("Mounts") or []],
        network=_network(info, host), container_config=container_config)


def _digest(image: dict[str, Any], info: dict[str, Any]) -> str | None:
    # A pulled image has a registry digest; an imported or built one only its content id.
    digests = image.get("RepoDigests") or []
    if digests:
        return str(digests[0]).rpartition("@")[2] or str(digests[0])
    return image.get("Id") or info.get("Image")


def _network(info: dict[str, Any], host: dict[str, Any]) -> dict[str, Any]:
    settings = info.get("NetworkSettings") or {}
    networks = {
        name: {k: net.get(k) for k in ("IPAddress", "Gateway", "MacAddress", "NetworkID")}
        for name, net in (settings.get("Networks") or {}).items()}
    return {"mode": host.get("NetworkMode"), "networks": networks,
            "ports": settings.get("Ports") or {}}


def _split_env(item: str) -> tuple[str, str]:
    name, _, value = item.partition("=")
    return name, value
