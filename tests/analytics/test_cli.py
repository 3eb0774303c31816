"""The analytics commands through the CLI: output, formats and exit codes."""

from __future__ import annotations

import json

import pytest
from analytics_history import injected_history


@pytest.fixture(scope="module")
def filled_home(tmp_path_factory):
    from analytics_history import open_with

    path = tmp_path_factory.mktemp("cli") / "home"
    open_with(path, injected_history().records)
    return path


@pytest.fixture
def home(filled_home):
    """The shared ``cli`` fixture runs against this module's filled home."""
    return filled_home


@pytest.fixture
def filled(cli, monkeypatch):
    """The CLI evaluated as of the history's end, so baselines and windows never age out."""
    from analytics_history import NOW

    monkeypatch.setenv("ORCAOPS_NOW", NOW.isoformat())
    return cli


def test_listings_as_json(filled):
    for args in (["baselines"], ["baselines", "list"], ["anomalies", "--severity", "warning"],
                 ["flaky"], ["metrics", "jobs", "--by", "day"], ["recommendations"],
                 ["forecast", "runs", "--horizon", "1d"]):
        r = filled(*args, "--format", "json")
        assert r.exit_code == 0, (args, r.stderr)
        assert isinstance(json.loads(r.stdout), list), args


def test_anomaly_json_is_model_objects_and_ack(filled):
    items = json.loads(filled("anomalies", "--format", "json").stdout)
    assert {"id", "job_id", "anomaly_type", "severity", "title", "description"} <= set(items[0])
    r = filled("anomalies", "ack", items[0]["id"], "--resolution", "known")
    assert r.exit_code == 0 and "acknowledged" in r.stdout
    after = json.loads(filled("anomalies", "--format", "json").stdout)
    assert items[0]["id"] not in {a["id"] for a in after}


def test_baselines_show_reset_and_predict(filled):
    key = json.loads(filled("baselines", "--format", "json").stdout)[0]["key"]
    shown = json.loads(filled("baselines", "show", key, "--format", "json").stdout)
    assert shown["key"] == key
    assert filled("baselines", "reset", key).exit_code == 0
    p = json.loads(filled("predict", "--image", "python:3.11", "--format", "json", "--",
                          "pytest", "-q").stdout)
    assert p["duration"]["estimated_seconds"] > 0


def test_tables_and_files(filled, tmp_path):
    assert "anomalies" in filled("anomalies").stdout
    out = tmp_path / "m.csv"
    assert filled("metrics", "resources", "--by", "image", "--format", "csv", "-o",
                  str(out)).exit_code == 0
    assert out.read_text().startswith("image,")


@pytest.mark.parametrize("args, words", [
    (["forecast", "--horizon", "7x"], "24h, 7d"),
    (["anomalies", "--severity", "bad"], "info, warning, critical"),
    (["metrics", "--by", "week?"], "day, hour, image"),
    (["baselines", "show", "nope"], "no baseline"),
    (["anomalies", "ack", "nope"], "no anomaly"),
    (["recommendations", "dismiss", "nope"], "no recommendation")])
def test_bad_input_exits_2(filled, args, words):
    r = filled(*args)
    assert r.exit_code == 2 and words in r.stderr and "Traceback" not in r.stderr


def test_every_command_help_ends_with_an_example():
    import typer.main

    from orcaops.cli import _register, app

    _register()
    root = typer.main.get_command(app)
    names = ("metrics", "baselines", "anomalies", "flaky", "forecast", "predict",
             "recommendations")
    for name in names:
        cmd = root.commands[name]
        subs = list(getattr(cmd, "commands", {}).values())
        for c in [cmd, *subs]:
            assert (c.help or "").strip().splitlines()[-1].startswith("Example: "), c.name


def test_orcaops_now_pins_the_analysis_clock(filled, monkeypatch):
    """As of the history's end its keys have baselines; a year later every one has aged out."""
    assert json.loads(filled("baselines", "--format", "json").stdout)
    monkeypatch.setenv("ORCAOPS_NOW", "2027-11-20T12:00:00Z")
    assert json.loads(filled("baselines", "--format", "json").stdout) == []
    monkeypatch.setenv("ORCAOPS_NOW", "next tuesday")
    r = filled("baselines")
    assert r.exit_code == 2 and "bad ORCAOPS_NOW='next tuesday'" in r.stderr
    assert "Traceback" not in r.stderr


def test_single_records_read_as_units_not_raw_values(filled):
    """predict printed a Python dict, baselines show 65.7287891156462."""
    import re

    shown = filled("predict", "--image", "python:3.11", "--", "pytest", "-q").stdout
    assert "{" not in shown and "duration.estimated_seconds" in shown
    key = json.loads(filled("baselines", "--format", "json").stdout)[0]["key"]
    base = filled("baselines", "show", key).stdout
    assert "duration_p50" in base and "success_rate" in base
    assert not re.search(r"\d\.\d{5,}", shown + base), shown + base


def test_anomalies_list_is_bounded(filled):
    everything = json.loads(filled("anomalies", "--limit", "0", "--format", "json").stdout)
    assert len(everything) > 3
    few = json.loads(filled("anomalies", "--limit", "3", "--format", "json").stdout)
    assert [a["id"] for a in few] == [a["id"] for a in everything[:3]]
    table = filled("anomalies", "--limit", "3").stdout
    assert f"{len(everything)} anomalies (newest 3; --limit N for more)" in table
    bad = filled("anomalies", "--limit", "-1")
    assert bad.exit_code == 2 and "--limit must be 0 or more" in bad.stderr
