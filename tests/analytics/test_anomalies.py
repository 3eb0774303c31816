"""Anomalies found in histories with known injections, and few false alarms."""

from __future__ import annotations

import pytest

from orcaops.core.errors import InputError, NotFoundError


def test_stable_history_flags_well_under_one_percent(stable_wh):
    total = stable_wh.sql("SELECT count(*) AS n FROM runs")["n"][0]
    flagged = stable_wh.sql("SELECT count(DISTINCT job_id) AS n FROM anomaly_events")["n"][0]
    rate = flagged / total
    print(f"stable history: {flagged} of {total} runs flagged ({100 * rate:.2f}%)")
    assert rate < 0.005


def _found(wh, kind):
    frame = wh.anomalies(type=kind, include_acknowledged=True)
    return set(frame["job_id"].to_list())


@pytest.mark.parametrize("kind", ["duration", "memory", "error_pattern", "stalled"])
def test_injected_anomalies_are_found(injected, kind):
    wh, h = injected
    found = _found(wh, kind)
    missed = h.injected[kind] - found
    assert not missed, f"{kind}: missed {sorted(missed)}"


def test_regression_is_one_anomaly_near_the_shift(injected):
    wh, _ = injected
    found = wh.anomalies(type="regression", include_acknowledged=True)
    assert found.height == 1
    job = found["job_id"][0]
    assert job.startswith("s2-") and 200 <= int(job[3:]) <= 205
    assert found["severity"][0] == "critical"  # 2.5x


def test_flaky_key_is_one_anomaly_per_week_counting_its_flips(injected):
    wh, h = injected
    frame = wh.sql("SELECT job_id, detected_at, score, flips, passed_on_retry, "
                   "date_trunc('week', detected_at) AS week FROM anomaly_events "
                   "WHERE anomaly_type = 'flaky' ORDER BY detected_at")
    jobs = frame["job_id"].to_list()
    assert jobs and all(j.startswith("s5-") and 150 <= int(j[3:]) < 300 for j in jobs)
    assert frame["week"].n_unique() == frame.height  # one per key and week, not one per flip
    # the flips of the stretch are still all counted: most injected passes-on-retry
    counted = frame["passed_on_retry"].sum()
    print(f"flaky: {frame.height} anomalies holding {frame['flips'].sum()} flips, "
          f"{counted} of {len(h.injected['flaky'])} injected passes on retry")
    assert counted >= 0.7 * len(h.injected["flaky"])
    assert (frame["score"] == frame["flips"]).all()
    text = wh.anomalies(type="flaky", include_acknowledged=True)["description"].to_list()
    assert any("flipped" in t and "times on" in t and "passed only on a retry" in t
               for t in text)


def test_a_flaky_week_keeps_its_anomaly_as_it_fills(injected, tmp_path):
    from analytics_history import injected_history, open_with

    wh, _ = injected
    early = [r for r in injected_history().records if int(r["job_id"].split("-")[1]) < 250]
    partial = open_with(tmp_path / "early", early).anomalies(type="flaky",
                                                             include_acknowledged=True)
    full = wh.anomalies(type="flaky", include_acknowledged=True)
    assert partial.height >= 1
    # the same ids (an ack holds), the later one counting at least as many flips
    assert set(partial["id"].to_list()) <= set(full["id"].to_list())
    n_partial = dict(zip(partial["id"].to_list(), partial["description"].to_list()))
    n_full = dict(zip(full["id"].to_list(), full["description"].to_list()))
    assert any(n_partial[i] != n_full[i] for i in n_partial)  # the open week grew


def test_false_alarms_in_injected_history(injected):
    wh, h = injected
    injected_ids = set().union(*h.injected.values())
    flagged = set(wh.anomalies(include_acknowledged=True)["job_id"].to_list())
    # runs of the regressed key after the shift are genuinely slower; runs of the flaky
    # key's flaky stretch genuinely flip: neither is a false alarm
    regressed = {f"s2-{i:04d}" for i in range(200, 300)}
    flaky = {f"s5-{i:04d}" for i in range(150, 300)}
    false = flagged - injected_ids - regressed - flaky
    total = wh.sql("SELECT count(*) AS n FROM runs")["n"][0]
    print(f"false alarms: {len(false)} of {total}")
    assert len(false) / total < 0.005


def test_description_reads_like_a_person(injected):
    wh, h = injected
    frame = wh.anomalies(type="duration", include_acknowledged=True)
    text = frame.filter(frame["job_id"] == "s0-0150")["description"][0]
    assert text.startswith("took 8m20s, ") and "the usual" in text
    assert "for pytest -q on python:3.11" in text


def test_each_run_is_judged_only_against_runs_before_it(injected, tmp_path):
    from analytics_history import injected_history, open_with

    wh, h = injected
    cut = injected_history().records
    early = [r for r in cut if int(r["job_id"].split("-")[1]) < 150]
    wh2 = open_with(tmp_path / "early", early)
    before = set(wh2.anomalies(include_acknowledged=True)["id"].to_list())
    full = wh.anomalies(include_acknowledged=True)
    later_ids = set(full.filter(full["job_id"].is_in([r["job_id"] for r in early]))["id"]
                    .to_list())
    assert before == later_ids


def test_ack_hides_and_persists_across_processes(injected, tmp_path):
    import orcaops

    wh, h = injected
    frame = wh.anomalies(type="memory")
    target = frame["id"][0]
    done = wh.ack_anomaly(target, resolution="bigger fixture on purpose")
    assert done.acknowledged and done.resolution == "bigger fixture on purpose"
    assert target not in wh.anomalies()["id"].to_list()
    other = orcaops.open(wh.home)  # a second process would read the same actions table
    row = other.anomalies(include_acknowledged=True).filter(lambda_id(target))
    assert row["acknowledged"][0] and row["resolution"][0] == "bigger fixture on purpose"
    job = row["job_id"][0]
    assert job not in other.sql("SELECT job_id FROM anomalous_runs")["job_id"].to_list()


def lambda_id(target):
    import polars as pl

    return pl.col("id") == target


def test_ids_are_stable(injected):
    from orcaops.analytics.common import stable_id

    wh, _ = injected
    row = wh.anomalies(include_acknowledged=True).row(0, named=True)
    assert row["id"] == stable_id(row["job_id"], row["anomaly_type"])


def test_anomalies_for_a_run(injected):
    wh, _ = injected
    found = wh.anomalies_for("s0-0150")
    assert {a.anomaly_type for a in found} == {"duration", "stalled"}
    assert all(a.baseline_key.startswith("python:3.11|") for a in found)


def test_is_anomalous_in_search(injected):
    wh, h = injected
    res = wh.search("is:anomalous", limit=None)
    assert h.injected["error_pattern"] <= set(res.runs["job_id"].to_list())


def test_filters(injected):
    wh, _ = injected
    crit = wh.anomalies(severity="critical", include_acknowledged=True)
    assert set(crit["severity"].to_list()) == {"critical"}
    assert wh.anomalies(since="2030-01-01").height == 0


@pytest.mark.parametrize("kwargs, words", [
    ({"severity": "bad"}, "info, warning, critical"),
    ({"type": "nope"}, "duration, regression, memory"),
    ({"since": "last tuesday"}, "-7d"),
])
def test_bad_arguments(injected, kwargs, words):
    wh, _ = injected
    with pytest.raises(InputError, match=words):
        wh.anomalies(**kwargs)


def test_ack_unknown_id(injected):
    wh, _ = injected
    with pytest.raises(NotFoundError):
        wh.ack_anomaly("0000000000000000")


def test_runs_after_a_regression_are_not_each_a_duration_anomaly(injected):
    wh, _ = injected
    frame = wh.anomalies(type="duration", include_acknowledged=True)
    after = [j for j in frame["job_id"].to_list() if j.startswith("s2-") and int(j[3:]) >= 200]
    print(f"duration anomalies after the shift: {len(after)}")
    assert len(after) <= 2  # the shift itself is one regression anomaly
