"""Executors: run a job in a Docker container or as a local process, and record it.

Public API::

    from orcaops.executors import JobSpec, run_job, recover_spooled, docker_available
    spec = JobSpec(image="orcaops-busybox:latest", command=["sh", "-c", "echo hi"])
    record = run_job(spec, orcaops.open())          # docker if an engine answers, else local
    recover_spooled(orcaops.open())                 # finish runs whose recorder died

Modules: ``spec`` (JobSpec, parsers), ``docker``/``docker_state`` and ``local`` (the
executors), ``streams`` (output lines), ``sampling`` (resource samples), ``spool`` (the
write-ahead files), ``record`` (outcome → RunRecord → commit), ``recover``, ``signals``.
"""

from __future__ import annotations

from orcaops.executors.docker import docker_available
from orcaops.executors.recover import recover_spooled
from orcaops.executors.run import choose_executor, run_job
from orcaops.executors.signals import CancelToken
from orcaops.executors.spec import JobSpec, new_job_id, parse_env, parse_memory, parse_mount

__all__ = ["CancelToken", "JobSpec", "choose_executor", "docker_available", "new_job_id",
           "parse_env", "parse_memory", "parse_mount", "recover_spooled", "run_job"]
