"""OrcaOps: run jobs and turn every run into a queryable data point.

    >>> import orcaops
    >>> wh = orcaops.open()
    >>> wh.runs("status:failed after:-7d")

Attributes are imported lazily so ``import orcaops`` (and every CLI call) stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["open", "run", "Warehouse", "SearchResult", "RunRecord", "OrcaOpsError",
           "QueryError", "InputError", "WarehouseError", "ExecutorError", "__version__"]

if TYPE_CHECKING:
    from orcaops.api import Warehouse, open
    from orcaops.core.errors import (
        ExecutorError,
        InputError,
        OrcaOpsError,
        QueryError,
        WarehouseError,
    )
    from orcaops.core.models import RunRecord
    from orcaops.warehouse.search import SearchResult

_LAZY = {
    "open": "orcaops.api", "Warehouse": "orcaops.api", "SearchResult": "orcaops.warehouse.search",
    "RunRecord": "orcaops.core.models", "OrcaOpsError": "orcaops.core.errors",
    "QueryError": "orcaops.core.errors", "InputError": "orcaops.core.errors",
    "WarehouseError": "orcaops.core.errors", "ExecutorError": "orcaops.core.errors",
}


# Modules of the public face that live in a layer: ``from orcaops import charts``.
_MODULES = {"charts": "orcaops.report.charts"}


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    raise AttributeError(f"module 'orcaops' has no attribute {name!r}")


def run(image: str | None = None, command: str | list[str] = "", *, tags: list[str] | None = None,
        intent: str | None = None, timeout: float | None = None, executor: str | None = None,
        home: str | None = None, **spec: Any) -> "RunRecord":
    """Run one job (in Docker, or locally) and record it; returns its RunRecord.

    Args:
        image: the Docker image; None runs the command as a local process.
        command: the command, as a string or a list of arguments.
        tags: labels stored with the run.
        intent: why the job runs, in words.
        timeout: seconds before the job is killed (status ``timeout``); None takes the
            job's run policy, if an applied recommendation set one (``wh.policies()``).
        executor: ``docker``, ``local``, or None to choose (docker when an engine answers).
        home: the OrcaOps home.
        **spec: more JobSpec fields (env, mounts, workdir, memory, cpus, parent_job_id…);
            ``memory`` too falls back to the run policy.

    After the run, a policy it ran under is judged and rolled back if runs under it end
    by a limit clearly more often than before (``orcaops.policies``).
    """
    from orcaops.api import open as open_warehouse
    from orcaops.core.models import command_argv
    from orcaops.executors import JobSpec, run_job

    argv = command_argv(command)
    job = JobSpec(image=image, command=argv, tags=tags or [], intent=intent, timeout=timeout,
                  triggered_by=spec.pop("triggered_by", "api"), **spec)
    if executor is None and image is None:
        executor = "local"
    wh = open_warehouse(home)
    # The job's run policy (orcaops.policies) fills the limits not given, and is judged after.
    job, policy = wh.apply_run_policy(job, executor)
    if policy is not None:
        import logging

        logging.getLogger("orcaops.policies").info(policy.message)
    record = run_job(job, wh, executor=executor)
    wh.check_policy(record)
    return record
