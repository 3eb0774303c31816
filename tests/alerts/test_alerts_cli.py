"""``orcaops alerts`` in-process, and the done-when scenario on a live run: ``orcaops run
--local`` fires a rule whose webhook and e-mail arrive once, resolve once, respect a silence."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone

import pytest

from tests.alerts.conftest import Mailbox, Receiver, free_port
from tests.conftest import NOW, make_run

FAIL = [sys.executable, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(1)"]


def test_a_live_run_fires_resolves_and_respects_a_silence(cli, receiver: Receiver, smtp: Mailbox,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    add = cli("alerts", "add", "local-fails", "--query", "status:failed executor:local",
              "--window", "1h", "--when", "count > 0", "--notify", f"webhook:{receiver.url}",
              "--notify", "email:oncall@example.com", "--notify", "log")
    assert add.exit_code == 0, add.stderr
    run = cli("run", "--local", "--", *FAIL)
    assert run.exit_code == 1
    assert "alert" in run.stderr and "FIRING local-fails" in run.stderr
    assert receiver.states() == [[("local-fails", "firing")]]
    assert smtp.subjects() == ["[OrcaOps] FIRING: local-fails"]

    assert cli("alerts", "check").exit_code == 0  # still firing: nothing new
    assert len(receiver.bodies) == 1 and len(smtp.messages) == 1

    later = datetime.now(timezone.utc) + timedelta(hours=2)  # the runs leave the window
    monkeypatch.setenv("ORCAOPS_NOW", later.isoformat())
    check = cli("alerts", "check")
    assert check.exit_code == 0 and "RESOLVED local-fails" in check.stdout
    assert receiver.states()[-1] == [("local-fails", "resolved")]
    assert smtp.subjects()[-1] == "[OrcaOps] RESOLVED: local-fails"
    assert cli("alerts", "check").stdout.strip() == "checked 1 rule(s): 0 transition(s)"
    assert cli("alerts", "check", "--quiet").stdout == ""

    monkeypatch.delenv("ORCAOPS_NOW")
    assert cli("alerts", "silence", "local-fails", "--for", "2h").exit_code == 0
    assert cli("run", "--local", "--", *FAIL).exit_code == 1  # fires, silenced
    assert len(receiver.bodies) == 2 and len(smtp.messages) == 2
    shown = json.loads(cli("alerts", "show", "local-fails", "-f", "json").stdout)
    assert shown["state"] == "firing" and shown["silenced_until"]
    assert [(h["state"], h["silenced"]) for h in shown["history"]] == \
        [("firing", True), ("resolved", False), ("firing", False)]


def test_commands_list_show_history_and_remove(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCAOPS_NOW", NOW.isoformat())
    runs = [make_run(f"c-{i}", status="failed" if i < 2 else "success",
                     started_at="2026-11-20T11:30:00Z", finished_at="2026-11-20T11:31:00Z")
            for i in range(4)]
    assert cli("import", "-", input="\n".join(json.dumps(r) for r in runs)).exit_code == 0
    assert cli("alerts", "add", "rate", "--when", "error_rate >= 50%").exit_code == 0
    check = cli("alerts", "check")
    assert check.exit_code == 0
    assert check.stdout.splitlines()[0].startswith("FIRING rate: 50.0% (error_rate >= 50%)")
    rules = json.loads(cli("alerts", "list", "-f", "json").stdout)
    assert [(r["name"], r["state"], r["value"], r["channels"]) for r in rules] == \
        [("rate", "firing", 0.5, ["log"])]
    assert json.loads(cli("alerts", "-f", "json").stdout) == rules
    history = json.loads(cli("alerts", "history", "rate", "-f", "json").stdout)
    assert [(h["state"], h["delivered"]) for h in history] == [("firing", ["log"])]
    sql = cli("alerts", "show", "rate", "--show-sql").stdout
    assert sql.startswith("SELECT avg(CASE WHEN status IN ('error', 'failed', 'timeout')")
    assert "> TIMESTAMPTZ '2026-11-20 11:00:00+00:00'" in sql
    rows = json.loads(cli("sql", sql.strip(), "-f", "json").stdout)  # it runs as printed
    assert (rows[0]["value"], rows[0]["runs"]) == (0.5, 4)
    test = cli("alerts", "test", "rate")
    assert test.exit_code == 0 and test.stdout == "sent log\n"
    assert cli("alerts", "rm", "rate").stdout == "removed alert rule rate\n"
    assert json.loads(cli("alerts", "list", "-f", "json").stdout) == []


@pytest.mark.parametrize(("args", "message"), [
    (("add", "x", "--when", "count >"),
     "error: unexpected end of condition at column 7: expected a number such as 5, 5% or 10m\n"
     "  count >\n        ^\n"),
    (("add", "x", "--when", "error_rate > 5"),
     "error: error_rate is a fraction from 0 to 1: write 5% or 0.05\n"
     "  error_rate > 5\n               ^\n"),
    (("add", "x", "--when", "count > 1", "--window", "soon"),
     "error: bad --window 'soon': use a duration such as 90s, 30m, 1h, 1d or 1h30m\n"),
    (("add", "x", "--when", "count > 1", "--notify", "pager:42"),
     "error: unknown channel 'pager:42': use webhook:URL, slack:URL, email:ADDRESS or log\n"),
    (("add", "x", "--when", "count > 1", "--query", "duration:>"), "error: "),
    (("add", "bad name", "--when", "count > 1"), "error: bad rule name 'bad name'"),
    (("show", "nope"), "error: no alert rule named 'nope'; there are no rules yet\n"),
    (("rm", "nope"), "error: no alert rule named 'nope'"),
    (("silence", "nope", "--for", "1h"), "error: no alert rule named 'nope'"),
    (("test", "nope"), "error: no alert rule named 'nope'"),
    (("history", "nope"), "error: no alert rule named 'nope'"),
])
def test_bad_input_exits_2_with_a_message(cli, args: tuple[str, ...], message: str) -> None:
    res = cli("alerts", *args)
    assert res.exit_code == 2
    assert res.stderr.startswith(message) and "Traceback" not in res.stderr
    assert res.stdout == ""


def test_taken_names_and_bad_silences_are_refused(cli) -> None:
    assert cli("alerts", "add", "x", "--when", "count > 1").exit_code == 0
    res = cli("alerts", "add", "x", "--when", "count > 2")
    assert res.exit_code == 2 and "exists" in res.stderr
    assert cli("alerts", "add", "x", "--when", "count > 2", "--replace").exit_code == 0
    res = cli("alerts", "silence", "x", "--for", "forever")
    assert res.exit_code == 2 and "bad --for 'forever'" in res.stderr


def test_a_failed_delivery_is_reported_by_check_and_test(cli, monkeypatch) -> None:
    monkeypatch.setenv("ORCAOPS_NOW", NOW.isoformat())
    dead = f"webhook:http://127.0.0.1:{free_port()}/x"
    assert cli("alerts", "add", "any", "--when", "count > 0", "--notify", dead).exit_code == 0
    runs = [make_run("d-1", started_at="2026-11-20T11:30:00Z",
                     finished_at="2026-11-20T11:31:00Z")]
    assert cli("import", "-", input=json.dumps(runs[0])).exit_code == 0  # fires, not sent
    check = cli("alerts", "check")
    assert check.exit_code == 0
    assert f"delivery failed: {dead} after 2 tries: cannot reach the server" in check.stdout
    assert "sent again: FIRING any" in check.stdout
    test = cli("alerts", "test", "any")
    assert test.exit_code == 1 and test.stdout.startswith(f"FAILED {dead} after 2 tries")
    assert test.stderr == "error: 1 of 1 channel(s) failed\n"
