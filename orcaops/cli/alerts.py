"""``orcaops alerts [list|add|show|rm|test|history|silence|check]``: alert rules. Thin: each
command calls one Warehouse method (``orcaops.alerts``) and shows what it returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from orcaops.cli import app
from orcaops.cli.common import console, emit, out, printable, warehouse
from orcaops.cli.options import FormatOpt, OutputOpt, ShowSqlOpt
from orcaops.core.errors import OrcaOpsError

RULE_COLUMNS = ("name", "state", "since", "value", "when", "window", "query", "channels",
                "silenced_until")
HISTORY_COLUMNS = ("at", "rule", "state", "reason", "value", "when", "delivered",
                   "undelivered", "last_error")

alerts_app = typer.Typer(no_args_is_help=False)
app.add_typer(alerts_app, name="alerts")


class DeliveryError(OrcaOpsError):
    """A test notification did not reach every channel (exit 1)."""


@alerts_app.callback(invoke_without_command=True)
def alerts(ctx: typer.Context, fmt: str = FormatOpt,
           output: Optional[Path] = OutputOpt) -> None:
    """Alert rules: a search query, a window and a condition, with their state.

    With no subcommand, lists them (like `alerts list`).

    Example: orcaops alerts add failing --query "status:failed" --window 1h --when "count > 5"
    """
    if ctx.invoked_subcommand is None:
        emit(warehouse(ctx).alerts(), fmt, output, columns=RULE_COLUMNS, title="alert rules")


@alerts_app.command("list")
def alerts_list(ctx: typer.Context, fmt: str = FormatOpt,
                output: Optional[Path] = OutputOpt) -> None:
    """List the rules with their state (ok, firing, resolved) and any silence.

    Example: orcaops alerts list --format json
    """
    emit(warehouse(ctx).alerts(), fmt, output, columns=RULE_COLUMNS, title="alert rules")


@alerts_app.command("add")
def alerts_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The rule's name."),
    query: str = typer.Option("", "--query", "-q", help="Search query choosing the runs."),
    window: str = typer.Option("1h", "--window", "-w", help="How far back: 30m, 1h, 1d."),
    when: str = typer.Option(..., "--when", help="Condition: 'count > 5', 'error_rate > 5%', "
                             "'p95(duration) > 10m', 'sum(cost) per day > 100', "
                             "'anomalies(severity:critical) > 0'."),
    notify: Optional[list[str]] = typer.Option(
        None, "--notify", help="webhook:URL, slack:URL, email:ADDR or log (repeat it; "
        "default log). ${VAR} in a URL is read from the environment when sending."),
    remind: Optional[str] = typer.Option(None, "--remind",
                                         help="While firing, notify again after this long."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite a rule of this name."),
    fmt: str = FormatOpt,
) -> None:
    """Add an alert rule; it is checked after every recorded run and by `alerts check`.

    Example: orcaops alerts add py-fails --query "status:failed image:python*" --window 1h
    --when "count > 5" --notify webhook:https://hooks.example.com/x --notify log
    """
    rule = warehouse(ctx).add_alert(name, query=query, window=window, when=when,
                                    notify=list(notify or []) or None, remind=remind,
                                    replace=replace)
    _show_rule(rule, fmt, f"added alert rule {name}")


@alerts_app.command("show")
def alerts_show(ctx: typer.Context, name: str = typer.Argument(..., help="A rule's name."),
                fmt: str = FormatOpt, show_sql: bool = ShowSqlOpt) -> None:
    """Show one rule, its state and its latest transitions (--show-sql: the SQL that
    measures it now).

    Example: orcaops alerts show py-fails
    """
    wh = warehouse(ctx)
    if show_sql:
        out(wh.alert_sql(name))
        return
    rule = wh.alert(name)
    if fmt == "json":
        emit({**rule, "history": wh.alert_history(name, limit=10).to_dicts()}, "json", None)
        return
    _show_rule(rule, fmt, None)
    history = wh.alert_history(name, limit=10)
    if not history.is_empty():
        emit(history, "table", None, columns=HISTORY_COLUMNS, title="latest transitions")


def _show_rule(rule: dict[str, Any], fmt: str, headline: str | None) -> None:
    if fmt == "json":
        emit(rule, "json", None)
        return
    c = console()
    if headline:
        c.print(printable(headline))
    width = max(len(k) for k in rule)
    for key, value in rule.items():
        if value is not None and value != []:
            shown = ", ".join(value) if isinstance(value, list) else str(value)
            c.print(f"[bold]{key:>{width}}[/]  {printable(shown)}")


@alerts_app.command("rm")
def alerts_rm(ctx: typer.Context, name: str = typer.Argument(..., help="A rule's name.")) -> None:
    """Remove a rule (its history stays).

    Example: orcaops alerts rm py-fails
    """
    warehouse(ctx).remove_alert(name)
    out(f"removed alert rule {name}")


@alerts_app.command("silence")
def alerts_silence(ctx: typer.Context, name: str = typer.Argument(..., help="A rule's name."),
                   duration: str = typer.Option("1h", "--for",
                                                help="How long: 30m, 2h, 1d; 0 ends it.")) -> None:
    """Send nothing for a rule for a while; its state is still tracked.

    Example: orcaops alerts silence py-fails --for 2h
    """
    rule = warehouse(ctx).silence_alert(name, duration)
    until = rule["silenced_until"]
    out(f"{name} silenced until {until:%Y-%m-%d %H:%M:%S} UTC" if until is not None
        else f"{name} is no longer silenced")


@alerts_app.command("test")
def alerts_test(ctx: typer.Context, name: str = typer.Argument(..., help="A rule's name.")
                ) -> None:
    """Send a test notification through a rule's channels (exit 1 if one failed).

    Example: orcaops alerts test py-fails
    """
    deliveries = warehouse(ctx).test_alert(name)
    for d in deliveries:
        out(f"{'sent' if d.ok else 'FAILED'} {d.channel}"
            + (f" after {d.attempts} tries: {d.error}" if not d.ok else ""))
    failed = [d for d in deliveries if not d.ok]
    if failed:
        raise DeliveryError(f"{len(failed)} of {len(deliveries)} channel(s) failed")


@alerts_app.command("history")
def alerts_history(ctx: typer.Context,
                   name: Optional[str] = typer.Argument(None, help="Only this rule."),
                   limit: Optional[int] = typer.Option(50, "--limit", "-n",
                                                       help="At most this many rows."),
                   fmt: str = FormatOpt, output: Optional[Path] = OutputOpt) -> None:
    """Transitions (firing, resolved) and reminders, newest first, with their deliveries.

    Example: orcaops alerts history py-fails --format json
    """
    emit(warehouse(ctx).alert_history(name, limit=limit), fmt, output,
         columns=HISTORY_COLUMNS, title="alert history")


@alerts_app.command("check")
def alerts_check(ctx: typer.Context, fmt: str = FormatOpt,
                 quiet: bool = typer.Option(False, "--quiet", help="Print only what happened "
                                            "(cron mails nothing when nothing changed).")
                 ) -> None:
    """Evaluate every rule now, notify what fired or resolved, and send again what could
    not be sent before; safe to run from cron (one check at a time).

    Example: */5 * * * * orcaops alerts check --quiet
    """
    result = warehouse(ctx).check_alerts()
    if fmt == "json":
        emit(result.as_dict(), "json", None)
        return
    for event in result.events:
        out(event.describe() + (" (silenced)" if event.silenced else ""))
    for event in result.resent:
        out(f"sent again: {event.describe()}")
    for d in result.failed:
        out(f"delivery failed: {d.channel} after {d.attempts} tries: {d.error} "
            "(it is sent again on the next check)")
    for name, error in result.errors.items():
        out(f"could not check {name}: {error}")
    if not quiet:
        out(f"checked {result.evaluated} rule(s): {len(result.events)} transition(s)")
