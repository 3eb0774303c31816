"""``orcaops run``: run one job, stream its output live, record it, summarise it."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Optional

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
    artifact: list[str] = typer.Option([], "--artifact", "-a", help="A file or glob to keep "
                                       "after the job, relative to its working directory "
                                       "(repeatable); JUnit XML among them fills `orcaops tests`."),
) -> None:
    """Run a job in Docker (--image) or locally (--local), streaming its output, and record it.

    The exit code is the job's (124 on timeout, 130 when cancelled, 125 when it could not
    start and gave no code). Without --timeout/--memory, the job's run policy (an applied
    recommendation, see `orcaops policies`) sets them, and this says so.

    Example: orcaops run --image python:3.11 --tag ci --timeout 600 -- pytest -q
    """
    from orcaops.core.errors import InputError
    from orcaops.executors import JobSpec, parse_env, run_job

    if image and local:
        raise InputError("give either --image or --local, not both")
    from orcaops.executors.spec import new_job_id

    spec = JobSpec(image=image, command=list(command), env=parse_env(env), mounts=list(mount),
                   workdir=workdir, memory=memory, cpus=cpus, timeout=timeout, tags=list(tag),
                   intent=intent, parent_job_id=parent, triggered_by="cli",
                   job_id=new_job_id(), artifacts=list(artifact))
    wh = warehouse(ctx)
    err = console(stderr=True)
    from orcaops.core.errors import ExecutorError
    from orcaops.executors.run import choose_executor

    try:
        choose_executor(spec, "local" if local else None)
    except ExecutorError as e:  # nothing started: the code `docker run` gives for that
        err.print(f"error: {e}", markup=False, highlight=False)
        raise typer.Exit(NO_EXIT_CODE["error"]) from None
    spec, policy = wh.apply_run_policy(spec, "local" if local else None)
    if policy is not None:
        err.print(policy.message, markup=False, highlight=False)
    err.print(f"[bold]▶ {spec.job_id}[/] started (follow it elsewhere with "
              f"`orcaops runs watch {spec.job_id}`)", highlight=False)
    with _live_status(err, str(spec.job_id), quiet) as on_line:
        record = run_job(spec, wh, executor="local" if local else None, on_line=on_line)
    _summarise(wh, record)
    _judge_policy(wh, err, record)
    raise typer.Exit(exit_code_of(record))


def _judge_policy(wh: Any, err: Any, record: Any) -> None:
    """After a run under a policy: say so when it rolled back (it made things worse)."""
    change = wh.check_policy(record)
    if change is not None:
        err.print(f"policy for {change.baseline_key} rolled back "
                  f"({change.before.describe()} -> {change.after.describe()}): {change.reason}",
                  markup=False, highlight=False)


def exit_code_of(record) -> int:  # type: ignore[no-untyped-def]
    """The job's own exit code; a timeout or cancel says so whatever the killed process gave."""
    if record.status in ("timeout", "cancelled"):
        return NO_EXIT_CODE[record.status]
    if record.exit_code is not None:
        return int(record.exit_code)
    return NO_EXIT_CODE.get(record.status, 1)


@contextmanager
def _live_status(err: Any, job_id: str, quiet: bool) -> Iterator[Any]:
    """The job's output echoed, under a status line (on a terminal) that keeps time.

    On a terminal, rich's Live display keeps ``⠋ r-… running 12s · 340 lines`` at the
    bottom while the job's lines scroll above it; piped output gets the lines alone.
    """
    echo = None if quiet else _echo()
    if not err.is_terminal:
        yield echo
        return
    import time

    from rich.live import Live
    from rich.spinner import Spinner

    from orcaops.core.render import human_duration

    start, count = time.monotonic(), [0]

    def status() -> Spinner:
        took = human_duration(time.monotonic() - start)
        return Spinner("dots", f"{job_id} running {took} · {count[0]} lines")

    def on_line(stream: str, line: str) -> None:
        count[0] += 1
        if echo is not None:
            echo(stream, line)

    with Live(get_renderable=status, console=err, transient=True, redirect_stdout=True,
              redirect_stderr=True, refresh_per_second=4):
        yield on_line


def _echo():  # type: ignore[no-untyped-def]
    lock = threading.Lock()

    def on_line(stream: str, line: str) -> None:
        target = sys.stderr if stream == "stderr" else sys.stdout
        with lock:
            target.write(line + "\n")
            target.flush()

    return on_line


def _summarise(wh, record) -> None:  # type: ignore[no-untyped-def]
    _print_ended(wh, {**record.model_dump(), "duration_s": record.duration_s})


def _print_artifacts(c: Any, found: dict[str, Any]) -> None:
    """``2 artifacts stored (12.0 KB): report.xml, …`` and what could not be collected."""
    from rich.markup import escape

    names = [a["name"] for a in found["artifacts"]]
    if names:
        shown = ", ".join(names[:5]) + (f", … ({len(names) - 5} more)" if len(names) > 5 else "")
        c.print(f"[cyan]artifacts[/] {len(names)} stored ({found['total_bytes'] / 1024:.1f} KB):"
                f" {escape(shown)} (orcaops runs artifacts {found['job_id']})")
    for problem in found["problems"]:
        c.print(f"[yellow]artifacts[/] {escape(problem)}")


def _print_ended(wh: Any, run: dict[str, Any]) -> None:
    """``✘ r-… failed in 1m 04s (python:3.11, exit 1) — <first error>`` and its anomalies."""
    from rich.markup import escape

    from orcaops.core.render import human_duration

    c = console(stderr=True)
    mark = {"success": "[green]✔[/]", "failed": "[red]✘[/]", "timeout": "[yellow]⏱[/]",
            "cancelled": "[magenta]■[/]"}.get(run["status"], "[red]![/]")
    where = run.get("image") or "local"
    line = (f"{run['job_id']} {run['status']} in {human_duration(run.get('duration_s'))} "
            f"({where}, exit {run.get('exit_code')})")
    if run.get("first_error"):
        line += f" — {run['first_error'][:120]}"
    elif run.get("error_message"):
        line += f" — {run['error_message'][:160]}"
    c.print(f"{mark} {escape(line)}")
    _print_artifacts(c, wh.artifacts(run["job_id"]))
    for anomaly in wh.anomalies_for(run["job_id"]):
        c.print(f"[yellow]anomaly[/] [{anomaly.severity}] "
                f"{escape(anomaly.title)}: {escape(anomaly.description)}")
    _print_alerts(c, wh.last_alert_check)


def _print_alerts(c: Any, result: Any) -> None:
    """The alert transitions the check after this run made (``orcaops.alerts``)."""
    from rich.markup import escape

    for event in result.events if result is not None else []:
        c.print(f"[red]alert[/] {escape(event.describe())}")


def print_outcome(wh: Any, job_id: str, wait_s: float = 30.0) -> None:
    """How a watched job ended, once its run is committed (its recorder commits it)."""
    import time

    from orcaops.core.errors import NotFoundError

    deadline = time.monotonic() + wait_s
    while True:
        try:
            run = wh.run(job_id)
        except NotFoundError:
            if time.monotonic() > deadline:
                console(stderr=True).print(f"{job_id} ended but is not recorded yet "
                                           "(orcaops recover records it if its recorder died)")
                return
            time.sleep(0.2)
            continue
        _print_ended(wh, run)
        return
