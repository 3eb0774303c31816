"""``orcaops run``: run one job, stream its output live, record it, summarise it."""

from __future__ import annotations

import sys
import threading
from typing import Optional

import typer

from orcaops.cli import app
from orcaops.cli.common import console, warehouse

# Exit codes for outcomes the job's own code does not tell (the conventions of `timeout`,
# shells and `docker run`).
NO_EXIT_CODE = {"timeout": 124, "cancelled": 130, "error": 125}


@app.command(context_settings={"allow_interspersed_args": False})
def run(
    ctx: typer.Context,
    command: list[str] = typer.Argument(..., help="The command and its arguments (after --)."),
    image: Optional[str] = typer.Option(None, "--image", help="Run in this Docker image."),
    local: bool = typer.Option(False, "--local", help="Run as a local process."),
    tag: list[str] = typer.Option([], "--tag", "-t", help="A tag (repeatable)."),
    intent: Optional[str] = typer.Option(None, "--intent", help="Why this job runs."),
    parent: Optional[str] = typer.Option(None, "--parent", help="The job id this follows."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds before it is "
                                            "killed (status timeout)."),
    env: list[str] = typer.Option([], "--env", "-e", help="NAME=VALUE (repeatable)."),
    memory: Optional[str] = typer.Option(None, "--memory", help="Memory limit, e.g. 512m."),
    cpus: Optional[float] = typer.Option(None, "--cpus", help="CPU limit, e.g. 1.5."),
    workdir: Optional[str] = typer.Option(None, "--workdir", "-w", help="Working directory."),
    mount: list[str] = typer.Option([], "--mount", help="SRC:DST[:ro] (repeatable)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not echo the job's output."),
) -> None:
    """Run a job in Docker (--image) or locally (--local), streaming its output, and record it.

    The exit code is the job's (124 on timeout, 130 when cancelled, 125 when it could not
    start and gave no code).

    Example: orcaops run --image python:3.11 --tag ci --timeout 600 -- pytest -q
    """
    from orcaops.errors import InputError
    from orcaops.executors import JobSpec, parse_env, run_job

    if image and local:
        raise InputError("give either --image or --local, not both")
    spec = JobSpec(image=image, command=list(command), env=parse_env(env), mounts=list(mount),
                   workdir=workdir, memory=memory, cpus=cpus, timeout=timeout, tags=list(tag),
                   intent=intent, parent_job_id=parent, triggered_by="cli")
    wh = warehouse(ctx)
    record = run_job(spec, wh, executor="local" if local else None,
                     on_line=None if quiet else _echo())
    _summarise(wh, record)
    raise typer.Exit(exit_code_of(record))


def exit_code_of(record) -> int:  # type: ignore[no-untyped-def]
    """The job's own exit code; a timeout or cancel says so whatever the killed process gave."""
    if record.status in ("timeout", "cancelled"):
        return NO_EXIT_CODE[record.status]
    if record.exit_code is not None:
        return int(record.exit_code)
    return NO_EXIT_CODE.get(record.status, 1)


def _echo():  # type: ignore[no-untyped-def]
    lock = threading.Lock()

    def on_line(stream: str, line: str) -> None:
        target = sys.stderr if stream == "stderr" else sys.stdout
        with lock:
            target.write(line + "\n")
            target.flush()

    return on_line


def _summarise(wh, record) -> None:  # type: ignore[no-untyped-def]
    from orcaops.render import human_duration

    c = console(stderr=True)
    mark = {"success": "[green]✔[/]", "failed": "[red]✘[/]", "timeout": "[yellow]⏱[/]",
            "cancelled": "[magenta]■[/]"}.get(record.status, "[red]![/]")
    where = record.image or "local"
    line = (f"{mark} {record.job_id} {record.status} in {human_duration(record.duration_s)} "
            f"({where}, exit {record.exit_code})")
    if record.first_error:
        line += f" — {record.first_error[:120]}"
    elif record.error_message:
        line += f" — {record.error_message[:160]}"
    c.print(line)
    for anomaly in wh.anomalies_for(record.job_id):
        c.print(f"[yellow]anomaly[/] [{anomaly.severity}] {anomaly.title}: {anomaly.description}")
