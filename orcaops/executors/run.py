"""``run_job``: pick an executor, run one job, and return its stored record."""

from __future__ import annotations

from typing import Literal

from orcaops.core.errors import ExecutorError, InputError
from orcaops.core.models import RunRecord, utcnow
from orcaops.executors.docker import docker_available, run_docker
from orcaops.executors.job import RunContext
from orcaops.executors.local import run_local
from orcaops.executors.record import Recorder, is_committed
from orcaops.executors.signals import CancelToken, cancel_on_signals
from orcaops.executors.spec import JobSpec, new_job_id
from orcaops.executors.streams import OnLine

ExecutorName = Literal["docker", "local"]


def choose_executor(spec: JobSpec, executor: str | None = None) -> ExecutorName:
    """Which executor ``run_job`` would use (pure apart from a cached engine ping).

    No executor given: a spec without an image runs locally; one with an image runs in
    Docker, and if no engine answers that is an error rather than a silent local run -- a
    command meant for a container should not run on the host unasked (``--local`` asks).

    Raises:
        InputError: an unknown executor, or Docker without an image.
        ExecutorError: an image was given but no Docker engine is reachable.
    """
    if executor not in (None, "docker", "local"):
        raise InputError(f"unknown executor {executor!r}: expected docker or local")
    if executor == "local" or (executor is None and not spec.image):
        return "local"
    if not spec.image:
        raise InputError("the docker executor needs an image (--image), or use --local")
    if executor is None and not docker_available():
        raise ExecutorError(f"no Docker engine is reachable to run image {spec.image!r}; "
                            "start one (or set DOCKER_HOST), or use --local to run on this "
                            "machine")
    return "docker"


def run_job(spec: JobSpec, wh: Recorder, *, executor: str | None = None,
            on_line: OnLine | None = None, sample_interval: float = 1.0,
            token: CancelToken | None = None) -> RunRecord:
    """Run one job to completion and store it (record, log lines, samples) through ``wh``.

    While the job runs in the main thread, Ctrl-C and SIGTERM stop it and record it as
    ``cancelled``; the previous handlers are restored afterwards.

    Args:
        spec: what to run.
        wh: the ``orcaops.Warehouse`` to record into (its settings give the spool and rates).
        executor: ``"docker"``, ``"local"`` or None (see ``choose_executor``).
        on_line: called with ``(stream, line)`` for each output line as it arrives (secrets
            already masked), from reader threads.
        sample_interval: seconds between resource samples (Docker delivers at most ~1/s).
        token: cancel the job from another thread with ``token.cancel(reason)``.

    Returns:
        The stored RunRecord; its ``exit_code`` is the job's.

    Raises:
        InputError: a bad spec or option (CLI exit 2).
        ExecutorError: the engine or process could not be supervised (CLI exit 1).
        WarehouseError: the run could not be stored; it stays spooled for ``recover``.
    """
    if sample_interval <= 0:
        raise InputError("sample_interval must be greater than 0")
    chosen = choose_executor(spec, executor)
    if spec.job_id and is_committed(wh, spec.job_id):
        # Checked before running: after the job the commit would refuse it anyway.
        raise InputError(f"a run with job id {spec.job_id!r} is already stored")
    ctx = RunContext(spec=spec, job_id=spec.job_id or new_job_id(), queued_at=utcnow(),
                     on_line=on_line, sample_interval=sample_interval,
                     token=token or CancelToken())
    with cancel_on_signals(ctx.token):
        if chosen == "docker":
            return run_docker(ctx, wh)
        return run_local(ctx, wh)
