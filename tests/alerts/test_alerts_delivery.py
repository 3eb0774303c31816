"""Rules fire, resolve and respect silences, with real webhook and SMTP receivers: one
notification per transition, grouped per channel, retried and re-sent when a channel fails."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

import orcaops
from orcaops.api import Warehouse
from tests.alerts.conftest import SMTP_PASSWORD, SMTP_USER, Mailbox, Receiver, free_port
from tests.conftest import NOW, make_run


def failures(n: int, start: int = 0, minutes_ago: int = 20) -> list[dict]:
    at = (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [make_run(f"f-{start + i:03d}", status="failed", exit_code=1,
                     image="python:3.11-slim", started_at=at, finished_at=at)
            for i in range(n)]


@pytest.fixture
def at_now(monkeypatch: pytest.MonkeyPatch):
    """Set the analysis clock: windows end at ``NOW + offset``."""
    def move(offset: timedelta = timedelta(0)) -> None:
        monkeypatch.setenv("ORCAOPS_NOW", (NOW + offset).isoformat())
    move()
    return move


def test_fires_on_import_once_resolves_once_and_respects_a_silence(
        wh: Warehouse, receiver: Receiver, smtp: Mailbox, at_now) -> None:
    wh.add_alert("py-fails", query="status:failed image:python*", window="1h",
                 when="count > 2", notify=[f"webhook:{receiver.url}", "email:ops@example.com"])
    wh.import_records(failures(2))  # checked after the commit: 2 is not > 2
    assert receiver.bodies == [] and smtp.messages == []
    wh.import_records(failures(2, start=2))  # the import's check fires it
    assert receiver.states() == [[("py-fails", "firing")]]
    body = receiver.bodies[0]["alerts"][0]
    assert (body["value"], body["threshold"], body["query"], body["window"]) == \
        (4, 2, "status:failed image:python*", "1h")
    assert set(body["job_ids"]) <= {f"f-{i:03d}" for i in range(4)} and body["job_ids"]
    assert smtp.subjects() == ["[OrcaOps] FIRING: py-fails"]
    assert smtp.messages[0]["to"] == ["ops@example.com"]
    assert smtp.logins == [(SMTP_USER, SMTP_PASSWORD)]
    assert "count > 2" in smtp.messages[0]["body"]

    assert wh.check_alerts().events == []  # still firing: nothing more is sent
    assert len(receiver.bodies) == 1 and len(smtp.messages) == 1

    at_now(timedelta(hours=2))  # the failures leave the window
    result = wh.check_alerts()
    assert [(e.rule, e.state) for e in result.events] == [("py-fails", "resolved")]
    assert receiver.states()[-1] == [("py-fails", "resolved")]
    assert smtp.subjects() == ["[OrcaOps] FIRING: py-fails", "[OrcaOps] RESOLVED: py-fails"]

    wh.silence_alert("py-fails", "2h")
    at_now()  # the failures are back in the window: firing, but silenced
    result = wh.check_alerts()
    assert [(e.state, e.silenced, e.channels) for e in result.events] == [("firing", True, [])]
    assert wh.alert("py-fails")["state"] == "firing"
    assert len(receiver.bodies) == 2 and len(smtp.messages) == 2

    wh.silence_alert("py-fails", "0")  # the silence ends while it still fires: sent now
    result = wh.check_alerts()
    assert [(e.state, e.reason) for e in result.events] == [("firing", "silence ended")]
    assert len(receiver.bodies) == 3 and len(smtp.messages) == 3
    history = wh.alert_history("py-fails")
    assert history["state"].to_list() == ["firing", "firing", "resolved", "firing"]
    assert history["silenced"].to_list() == [False, True, False, False]


def test_rules_firing_together_are_one_message_per_channel(
        wh: Warehouse, receiver: Receiver, at_now) -> None:
    hook = f"webhook:{receiver.url}"
    wh.add_alert("many-fails", query="status:failed", when="count >= 3", notify=[hook])
    wh.add_alert("fail-rate", when="error_rate > 50%", notify=[hook, "log"])
    wh.add_alert("quiet", query="image:nothing*", when="count > 0", notify=[hook])
    wh.import_records(failures(3))
    assert receiver.states() == [[("fail-rate", "firing"), ("many-fails", "firing")]]
    assert receiver.bodies[0]["title"] == "[OrcaOps] FIRING: fail-rate, many-fails"
    log = (wh.home / "alerts" / "alerts.log").read_text()
    assert log.count("\n") == 1 and "FIRING fail-rate" in log


def test_a_failing_channel_is_retried_and_sent_again_on_the_next_check(
        wh: Warehouse, receiver: Receiver, at_now) -> None:
    dead = f"http://127.0.0.1:{free_port()}/nobody"  # nothing listens there
    wh.add_alert("r", when="count > 0", notify=[f"webhook:{receiver.url}", f"webhook:{dead}"])
    receiver.fail_next = 2  # both tries of the first check answer 500
    wh.import_records(failures(1))
    failed = {d.channel: (d.ok, d.attempts) for d in wh.last_alert_check.deliveries}
    assert failed == {f"webhook:{receiver.url}": (False, 2), f"webhook:{dead}": (False, 2)}
    assert receiver.requests == 2 and receiver.bodies == []
    last = wh.alert_history("r").row(0, named=True)
    assert last["delivered"] == [] and "HTTP 500" in last["last_error"]

    result = wh.check_alerts()  # no new transition: the undelivered firing is sent again
    assert result.events == [] and [e.reason for e in result.resent] == ["retry"]
    assert receiver.states() == [[("r", "firing")]]
    last = wh.alert_history("r").row(0, named=True)
    assert last["delivered"] == [f"webhook:{receiver.url}"]
    assert last["undelivered"] == [f"webhook:{dead}"]
    assert "cannot reach" in last["last_error"]


def test_concurrent_checks_notify_once(home: Path, receiver: Receiver, at_now) -> None:
    first = orcaops.open(home)
    first.add_alert("r", when="count > 0", notify=[f"webhook:{receiver.url}"])
    first.import_records(failures(1))  # fires (checked after the commit)
    at_now(timedelta(hours=2))  # three checks at once: one of them resolves it
    views = [orcaops.open(home) for _ in range(3)]
    threads = [threading.Thread(target=w.check_alerts) for w in views]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert receiver.states() == [[("r", "firing")], [("r", "resolved")]]


def test_a_reminder_repeats_a_firing_rule(wh: Warehouse, receiver: Receiver, at_now) -> None:
    wh.add_alert("r", when="count > 0", notify=[f"webhook:{receiver.url}"], remind="1ms")
    wh.import_records(failures(1))
    result = wh.check_alerts()
    assert [(e.state, e.reason) for e in result.events] == [("firing", "reminder")]
    assert receiver.states() == [[("r", "firing")], [("r", "firing")]]


def test_secrets_are_neither_stored_nor_printed(home: Path, cli, receiver: Receiver,
                                                smtp: Mailbox, monkeypatch, at_now) -> None:
    token = "xoxb-Sup3rSecretToken"
    monkeypatch.setenv("HOOK_URL", f"{receiver.url}?token={token}")
    res = cli("alerts", "add", "r", "--when", "count > 0", "--notify", "webhook:${HOOK_URL}",
              "--notify", "email:ops@example.com")
    assert res.exit_code == 0, res.stderr
    outputs = [res, cli("import", "-", input="\n".join(__import__("json").dumps(r)
                                                      for r in failures(1))),
               cli("alerts", "show", "r", "-f", "json"), cli("alerts", "history", "-f", "json"),
               cli("alerts", "test", "r")]
    assert receiver.states()[0] == [("r", "firing")] and len(smtp.messages) == 2
    bad = cli("alerts", "add", "p", "--when", "count > 0", "--notify",
              "webhook:https://user:hunter2-pass@hooks.example.com/x")
    assert bad.exit_code == 2 and "hunter2" not in bad.stderr
    for r in outputs:
        assert token not in r.stdout + r.stderr and SMTP_PASSWORD not in r.stdout + r.stderr
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert token.encode() not in data and SMTP_PASSWORD.encode() not in data, path


def test_notify_sends_one_off_messages(wh: Warehouse, receiver: Receiver, monkeypatch) -> None:
    from orcaops.alerts import notify

    monkeypatch.setenv("ORCAOPS_ALERT_CHANNELS", f"webhook:{receiver.url},log")
    sent = notify(wh, "Policy rolled back", "timeouts doubled under the policy")
    assert [(d.channel, d.ok) for d in sent] == [(f"webhook:{receiver.url}", True), ("log", True)]
    assert receiver.bodies[0]["title"] == "Policy rolled back"
    assert "timeouts doubled" in (wh.home / "alerts" / "alerts.log").read_text()
    monkeypatch.delenv("ORCAOPS_ALERT_CHANNELS")
    assert [d.channel for d in notify(wh.home, "t", "x")] == ["log"]
    with pytest.raises(ValueError, match="unknown channel"):
        notify(wh, "t", "x", channels=["pager:7"])


def test_without_rules_a_commit_checks_nothing(wh: Warehouse, at_now) -> None:
    wh.import_records(failures(1))
    assert wh.check_alerts().evaluated == 0 and wh.last_alert_check is None
    assert not (wh.home / "alerts").exists()  # not even a lock file
    wh.add_alert("r", when="count > 0")
    (wh.home / "alerts" / "rules").unlink()  # a lost marker is found again by a check
    assert wh.check_alerts().evaluated == 1 and (wh.home / "alerts" / "rules").exists()
    wh.remove_alert("r")
    assert not (wh.home / "alerts" / "rules").exists()


def test_slack_bodies_and_unset_variables(wh: Warehouse, receiver: Receiver, at_now) -> None:
    wh.add_alert("s", when="count > 0", notify=[f"slack:{receiver.url}", "webhook:${NO_SUCH_VAR}"])
    wh.import_records(failures(1))
    (body,) = receiver.bodies
    assert set(body) == {"text"} and body["text"].startswith("*[OrcaOps] FIRING: s*\nFIRING s: 1")
    failed = {d.channel: d for d in wh.last_alert_check.deliveries}["webhook:${NO_SUCH_VAR}"]
    assert (failed.ok, failed.attempts, failed.error) == \
        (False, 1, "environment variable NO_SUCH_VAR is not set")


def test_a_rule_that_cannot_be_measured_spares_the_others(wh: Warehouse, at_now) -> None:
    wh.add_alert("good", when="count > 0")
    wh.add_actions([("alert_rule", "broken", '{"name": "broken", "query": "", "window": "1h", '
                                             '"when": "count >>> 1", "channels": ["log"]}')])
    wh.import_records(failures(1))
    result = wh.last_alert_check
    assert [e.rule for e in result.events] == ["good"]
    assert result.errors["broken"].startswith("unexpected '>> 1' at column 8")
