"""Predictions before a job runs: duration (estimate, range, confidence), memory, failure risk.

Confidence grows with the number of samples (``n / (n + 10)``) and shrinks with how much
durations vary (coefficient of variation), capped at 0.95: ten samples of a steady job give
~0.45, a hundred ~0.8.
"""

from __future__ import annotations

from typing import Any

from orcaops.analytics.baselines import compile_baselines
from orcaops.analytics.common import Frames
from orcaops.core.models import DurationPrediction, Prediction, hash_command, make_baseline_key

DEFAULT_SECONDS = 300.0
RECENT_SQL = ("SELECT status FROM run_history WHERE baseline_key = ? "
              "ORDER BY started_at DESC, job_id DESC LIMIT 50")
SIBLINGS_SQL = ("SELECT quantile_cont(duration_s, 0.5) AS p50, count(*) AS n "
                "FROM baseline_samples WHERE baseline_key LIKE '%|' || ?")


def confidence(n: int, cv: float | None) -> float:
    """How much to trust a duration estimate from ``n`` samples with this variation."""
    spread = 1.0 - 0.5 * min(max(cv or 0.0, 0.0), 1.0)
    return round(min(0.95, 0.95 * n / (n + 10) * spread), 3)


def predict(wh: Frames, image: str | None, command: str | list[str]) -> Prediction:
    """What to expect from running ``command`` in ``image`` (None: a local run)."""
    key = make_baseline_key(image, command)
    sql, params = compile_baselines(wh.settings.ema_alpha, key)
    rows = wh.frame(sql, params).to_dicts()
    base = rows[0] if rows else {}
    statuses = [r[0] for r in wh.frame(RECENT_SQL, [key]).rows()]
    flaky = wh.frame("SELECT * FROM flaky_keys WHERE baseline_key = ?", [key]).to_dicts()
    duration, reasons = _duration(wh, base, command)
    risk, risk_reasons = failure_risk(statuses, flaky[0] if flaky else None)
    memory = base.get("memory_p95_mb")
    return Prediction(key=key, duration=duration,
                      memory_mb=round(memory, 1) if memory is not None else None,
                      failure_risk=risk, risk_reasons=reasons + risk_reasons,
                      sample_count=int(base.get("sample_count") or 0))


def _duration(wh: Frames, base: dict[str, Any], command: str | list[str]
              ) -> tuple[DurationPrediction, list[str]]:
    n = int(base.get("sample_count") or 0)
    if n:
        trusted = n >= wh.settings.baseline_min_samples
        est = base["duration_ema"] if trusted and base.get("duration_ema") else base["duration_p50"]
        cv = (base["duration_stddev"] or 0.0) / base["duration_mean"] if base["duration_mean"] \
            else None
        return DurationPrediction(
            estimated_seconds=round(est, 3), confidence=confidence(n, cv),
            range_low=round(min(base["duration_p05"], est), 3),
            range_high=round(max(base["duration_p95"], est), 3)), []
    sib = wh.frame(SIBLINGS_SQL, [hash_command(command)]).row(0, named=True)
    if sib["n"]:
        p50 = float(sib["p50"])
        return DurationPrediction(
            estimated_seconds=round(p50, 3), confidence=round(min(0.3, confidence(sib["n"], 0.5)), 3),
            range_low=round(p50 * 0.5, 3), range_high=round(p50 * 2, 3)), [
                "no successful run of this image and command yet: estimated from the same "
                "command on other images"]
    return DurationPrediction(estimated_seconds=DEFAULT_SECONDS, confidence=0.05,
                              range_low=10.0, range_high=3600.0), [
        "no history for this command: a generic guess"]


def failure_risk(statuses: list[str], flaky: dict[str, Any] | None) -> tuple[float, list[str]]:
    """Probability of failure from the last runs (newest first), with the reasons."""
    fails = [s != "success" for s in statuses]
    n, f = len(fails), sum(fails)
    # A weak prior of 5% failure (worth two runs) keeps a short history from saying 0 or 1.
    risk = (f + 0.1) / (n + 2)
    reasons = []
    if f:
        reasons.append(f"failed {f} of its last {n} runs ({100 * f / n:.0f}%)")
    if statuses and statuses[0] != "success":
        reasons.append(f"the last run ended {statuses[0]}")
    recent, older = fails[:10], fails[10:]
    if len(older) >= 10 and sum(recent) >= 2 and sum(recent) / len(recent) > 2 * (
            sum(older) / len(older)):
        reasons.append(f"failing more often: {100 * sum(recent) / len(recent):.0f}% of the "
                       f"last 10 runs vs {100 * sum(older) / len(older):.0f}% before")
        risk = max(risk, sum(recent) / len(recent))
    if flaky:
        reasons.append(f"flaky: outcomes flip on the same commit ({flaky['flip_commits']} "
                       f"commits had both), {100 * flaky['transition_rate']:.0f}% transitions")
    return round(min(risk, 0.99), 3), reasons
