"""The Docker executor: one job in one container, supervised until it is stored.

Two clients per engine: ``control`` (bounded timeout) for short calls, ``streams`` (no
timeout) for calls that last as long as the job -- log follows, the stats stream, ``wait``.
With a timeout on those, a job silent for longer than it would break its own recording.

The container is kept until the run is committed, labelled with the job id and spool path,
so a recorder killed mid-job can be recovered from the container's own state and logs.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import docker
import requests
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

from orcaops.artifacts.collect import collect_container
from orcaops.artifacts.runs import store_artifacts
from orcaops.core.errors import ExecutorError
from orcaops.core.models import RunRecord, utcnow
from orcaops.executors import docker_state
from orcaops.executors.job import RunContext
from orcaops.executors.record import Outcome, Recorder, build_record, commit, wait_for_exit
from orcaops.executors.sampling import SampleSink, sample_docker, start_thread
from orcaops.executors.signals import CancelToken
from orcaops.executors.spec import JobSpec, parse_mount
from orcaops.executors.spool import Spool
from orcaops.executors.streams import LineCollector, follow_docker_stream

LABEL_JOB = "orcaops.job_id"
LABEL_SPOOL = "orcaops.spool"
PING_TIMEOUT_S = 2.0
CONTROL_TIMEOUT_S = 30
STOP_GRACE_S = 2
# After the main process exits, how long its log streams may take to drain.
DRAIN_S = 10.0
IMAGE_MISSING = ("image {!r} not found locally; no registry is reachable — build or load it "
                 "first")


@dataclass(frozen=True)
class Engine:
    """Clients of one Docker engine."""

    control: docker.DockerClient
    streams: docker.DockerClient


def docker_available() -> bool:
    """Whether a Docker engine answers a ping (bounded by ~2 s; cached per DOCKER_HOST)."""
    return _available(os.environ.get("DOCKER_HOST", ""))


@functools.lru_cache(maxsize=8)
def _available(host: str) -> bool:
    try:
        client = docker.from_env(timeout=PING_TIMEOUT_S)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - any failure to talk means "not available"
        return False


def connect() -> Engine:
    """Clients of the engine at ``$DOCKER_HOST`` (cached per host).

    Raises:
        ExecutorError: no engine answers there.
    """
    return _connect(os.environ.get("DOCKER_HOST", ""))


@functools.lru_cache(maxsize=8)
def _connect(host: str) -> Engine:
    try:
        control = docker.from_env(timeout=CONTROL_TIMEOUT_S)
        # Same API version for both, so only the first client asks the engine for it.
        streams = docker.from_env(timeout=None, version=control.api.api_version)
    except DockerException as e:
        where = host or "unix:///var/run/docker.sock"
        raise ExecutorError(f"cannot reach the Docker engine at {where}: {e}") from e
    return Engine(control, streams)


def run_docker(ctx: RunContext, wh: Recorder) -> RunRecord:
    """Run ``ctx.spec`` in a new container, record it through ``wh`` and remove the container.

    Raises:
        ExecutorError: the engine cannot be reached or fails mid-run (the spool and the
            container are kept for ``recover``).
    """
    engine = connect()
    meta = ctx.meta("docker")
    try:  # the one boundary where Docker SDK errors become ExecutorError
        image = _find_image(engine, ctx.spec.image or "")
        if image is None:
            failed = Outcome("error", error_message=IMAGE_MISSING.format(ctx.spec.image))
            return commit(wh, build_record(meta, failed), [], [], None)
        spool = Spool.create(wh.settings.spool, ctx.job_id, meta)
        try:
            return _run_in_container(engine, ctx, wh, spool, {**meta, "image_attrs": image})
        finally:
            spool.close()  # a no-op after a commit; otherwise frees the spool for recover
    except (DockerException, requests.RequestException) as e:
        raise ExecutorError(f"lost the Docker engine while running {ctx.job_id}: {e}; what was "
                            "recorded is spooled — `orcaops recover` stores it once the engine "
                            "is back") from e


def _run_in_container(engine: Engine, ctx: RunContext, wh: Recorder, spool: Spool,
                      meta: dict[str, Any]) -> RunRecord:
    try:
        container_id = _create(engine, ctx, spool)
    except APIError as e:
        spool.remove()
        failed = Outcome("error", error_message=_explain(e, ctx.spec))
        return commit(wh, build_record(meta, failed), [], [], None)
    meta = spool.update_meta(container_id=container_id, image_attrs=meta["image_attrs"])
    collector = LineCollector(spool, ctx.secrets, ctx.on_line)
    sink = SampleSink(spool)
    ended: Outcome | str
    try:
        engine.control.api.start(container_id)
    except APIError as e:
        ended = Outcome("error", exit_code=127 if _not_found(e) else None,
                        error_message=_explain(e, ctx.spec))
    else:
        meta = spool.update_meta(started_at=utcnow().isoformat())
        deadline = time.monotonic() + ctx.spec.timeout if ctx.spec.timeout else None
        ended = supervise(engine, container_id, collector, sink, ctx.token, deadline,
                          ctx.sample_interval)
    return finish(engine, wh, spool, meta, container_id, collector, sink, ended, ctx.token)


def _find_image(engine: Engine, name: str) -> dict[str, Any] | None:
    # Never pull: no registry is reachable here, and a pull would hang until its timeout.
    try:
        attrs = engine.control.images.get(name).attrs
    except ImageNotFound:
        return None
    except DockerException as e:
        raise ExecutorError(f"Docker engine error looking up image {name!r}: {e}") from e
    return {k: attrs.get(k) for k in ("Id", "RepoTags", "RepoDigests")}


def _create(engine: Engine, ctx: RunContext, spool: Spool) -> str:
    spec = ctx.spec
    memory = spec.memory_bytes
    container = engine.control.containers.create(
        image=spec.image, command=spec.command, environment=spec.env,
        working_dir=spec.workdir, network_mode=spec.network, detach=True, tty=False,
        stdin_open=False, mem_limit=memory,
        # Equal to the memory limit: no swap, so exceeding the limit is an OOM kill, not a
        # slow crawl through swap.
        memswap_limit=memory,
        nano_cpus=int(spec.cpus * 1e9) if spec.cpus else None,
        volumes=_volumes(spec), labels={LABEL_JOB: ctx.job_id, LABEL_SPOOL: str(spool.path)})
    return str(container.id)


def _volumes(spec: JobSpec) -> dict[str, dict[str, str]] | None:
    if not spec.mounts:
        return None
    volumes = {}
    for text in spec.mounts:
        src, dst, mode = parse_mount(text)
        volumes[src] = {"bind": dst, "mode": mode}
    return volumes


def supervise(engine: Engine, container_id: str, collector: LineCollector, sink: SampleSink,
              token: CancelToken, deadline: float | None, interval: float) -> str:
    """Follow a started container's output and stats until it exits, times out or is
    cancelled; kill or stop it in the latter two cases.

    Returns:
        ``"exited"``, ``"timeout"`` or ``"cancelled"``.

    Raises:
        ExecutorError: the container would not stop.
    """
    api = engine.streams.api
    done = threading.Event()
    stop_sampling = threading.Event()
    readers = [start_thread(follow_docker_stream, _follow(api, container_id, stream), stream,
                            collector, name=f"orcaops-{stream}")
               for stream in ("stdout", "stderr")]
    # Stats are opened inside their thread (a failure there only costs samples); log
    # follows are opened here, so an engine that cannot stream output fails the run loudly.
    start_thread(sample_docker, lambda: api.stats(container_id, decode=True, stream=True),
                 sink, stop_sampling, interval, name="orcaops-stats")
    start_thread(_wait, api, container_id, done, name="orcaops-wait")
    try:
        reason = wait_for_exit(done, deadline, token)
        if reason != "exited":
            _halt(engine, container_id, reason, done)
    finally:
        stop_sampling.set()
    for reader in readers:
        reader.join(DRAIN_S)
    return reason


def _follow(api: Any, container_id: str, stream: str) -> Any:
    return api.logs(container_id, stdout=stream == "stdout", stderr=stream == "stderr",
                    stream=True, follow=True, timestamps=True)


def _wait(api: Any, container_id: str, done: threading.Event) -> None:
    try:
        api.wait(container_id)
    except Exception:  # noqa: BLE001 - gone or engine lost: the supervisor inspects next
        pass
    finally:
        done.set()


def _halt(engine: Engine, container_id: str, reason: str, done: threading.Event) -> None:
    api = engine.control.api
    try:
        if reason == "timeout":
            api.kill(container_id)
        else:
            api.stop(container_id, timeout=STOP_GRACE_S)
    except NotFound:
        return
    except APIError:
        pass  # it exited on its own between the check and the call
    if not done.wait(STOP_GRACE_S + 15):
        raise ExecutorError(f"container {container_id[:12]} did not stop after {reason}")


def finish(engine: Engine, wh: Recorder, spool: Spool, meta: dict[str, Any], container_id: str,
           collector: LineCollector, sink: SampleSink, ended: Outcome | str,
           token: CancelToken | None = None) -> RunRecord:
    """Inspect the ended container, store the run, then remove the container.

    Args:
        ended: the supervisor's reason (``"exited"``…) or an Outcome decided already.
    """
    info = docker_state.inspect(engine.control, container_id)
    spec = meta["spec"]
    outcome = ended if isinstance(ended, Outcome) else docker_state.outcome(
        info, ended, spec.get("timeout"), spec.get("memory"), token)
    spool.write_result(outcome.to_json())
    usage = docker_state.usage(info, sink, wh.settings.cost, outcome.failure_category == "oom")
    record = build_record(meta, outcome, usage,
                          docker_state.environment(info, meta.get("image_attrs") or {}))
    patterns = list(spec.get("artifacts") or [])
    workdir = spec.get("workdir") or (info.get("Config") or {}).get("WorkingDir") or "/"
    tests = store_artifacts(wh.settings.home, meta["job_id"], patterns, lambda limit:
                            collect_container(engine.control.api, container_id, workdir,
                                              patterns, limit))
    stored = commit(wh, record, collector.entries(), sink.samples, spool, tests)
    try:
        remove_container(engine, container_id)
    except ExecutorError:
        pass  # the run is stored; a leftover (labelled) container must not turn it into an error
    return stored


def remove_container(engine: Engine, container_id: str) -> None:
    """Remove a container, if it still exists."""
    try:
        engine.control.api.remove_container(container_id, force=True)
    except NotFound:
        pass
    except APIError as e:
        raise ExecutorError(f"could not remove container {container_id[:12]}: {e}") from e


def _not_found(error: APIError) -> bool:
    text = str(error.explanation or error)
    return "executable file not found" in text or "no such file or directory" in text


def _explain(error: APIError, spec: JobSpec) -> str:
    if _not_found(error):
        return f"command not found: {spec.command[0]}"
    return f"Docker engine refused the job: {error.explanation or error}"
