"""Recommendation rules: each turns rows of one evidence view into Recommendations.

Every rule returns (rule, key, fields) triples; ``recommendations.py`` gives them stable ids
(hash of rule and key) and their dismissed/applied state. Thresholds are the ones the
planning documents name: timeouts at p99 + 50%, memory used under half the limit (or near
it), a slim image at least 10% faster on 10+ runs each.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from orcaops.analytics.common import human_mb, human_seconds, job_label

Found = tuple[str, str, dict[str, Any]]
Row = dict[str, Any]

MIN_RUNS = 10                 # evidence a rule needs: runs of the key (or of each image)
MEMORY_ROUND_MB = 64          # suggested limits are whole multiples of this
TIMEOUT_HEADROOM = 1.5        # suggested timeout: p99 of successful runs + 50 %
TIMEOUT_LOWER_BELOW = 0.8     # lower a timeout only if the suggestion is under 80 % of it
TIMEOUT_HIGH_SHARE = 0.05     # 5 %+ of runs timing out makes it a high priority
MEMORY_NEAR_LIMIT = 0.9       # a peak at 90 % of the limit counts as hitting it
MEMORY_RAISE_HEADROOM = 1.5   # raise to the peak (or limit) + 50 %
MEMORY_UNDER_USED = 0.5       # peaks under half the limit: lower it ...
MEMORY_LOWER_HEADROOM = 1.25  # ... to the peak + 25 %
MEMORY_MEDIUM_SAVING_MB = 1024
CACHING_BUSY_PER_DAY = 10     # runs a day that make caching a medium priority
SLIM_MIN_SAVING = 0.1         # a slim image must be 10 %+ faster ...
SLIM_MEDIUM_SAVING = 0.25     # ... and 25 %+ makes it a medium priority
FLAKY_HIGH_RATE = 0.3         # outcome flips in 30 %+ of runs: high priority
IDLE_DAYS = 7                 # a host must be seen this long to be called idle
IDLE_UTILIZATION = 0.05       # busy under 5 % of the week ...
IDLE_BELOW_MEAN = 4           # ... and a quarter of the hosts' mean or less


def _round_mb(mb: float) -> int:
    """Up to the next 64 MB: limits people would actually write."""
    return int(math.ceil(mb / MEMORY_ROUND_MB) * MEMORY_ROUND_MB)


def timeouts(rows: list[Row]) -> list[Found]:
    """Timeouts from p99 + 50%: lower ones that make hung runs wait, raise ones that kill
    runs which would have finished."""
    out = []
    for r in rows:
        if r["sample_count"] < MIN_RUNS or not r["duration_p99"] or not r["timeout_after_s"]:
            continue
        suggested = math.ceil(r["duration_p99"] * TIMEOUT_HEADROOM)
        job, after = job_label(r["command"], r["image"]), r["timeout_after_s"]
        if suggested < TIMEOUT_LOWER_BELOW * after:
            title, impact = (f"Lower the timeout to {human_seconds(suggested)} for {job}",
                             f"each timed-out run would be stopped {human_seconds(after - suggested)} "
                             f"sooner ({human_seconds(r['timeouts'] * (after - suggested))} "
                             "over this history)")
        elif suggested > after:
            title, impact = (f"Raise the timeout to {human_seconds(suggested)} for {job}",
                             "runs that would have finished stop being killed")
        else:
            continue
        share = r["timeouts"] / r["runs"]
        out.append(("timeout", r["baseline_key"], {
            "type": "reliability", "priority": "high" if share >= TIMEOUT_HIGH_SHARE else "medium",
            "title": title,
            "description": f"{r['timeouts']} of {r['runs']} runs timed out after about "
                           f"{human_seconds(after)}, while 99% of successful runs finish within "
                           f"{human_seconds(r['duration_p99'])}",
            "impact": impact, "action": f"set --timeout {suggested} for {job}",
            "evidence": {**_pick(r, "baseline_key", "sample_count", "duration_p50",
                                 "duration_p99", "timeouts", "runs", "timeout_after_s"),
                         "suggested_timeout_s": suggested}}))
    return out


def memory(rows: list[Row]) -> list[Found]:
    """Right-size memory limits: under half used (lower), or OOM kills / near the limit."""
    out = []
    for r in rows:
        limit, peak = r["limit_mb"], r["memory_max_mb"]
        if not limit or peak is None or r["runs"] < MIN_RUNS:
            continue
        job = job_label(r["command"], r["image"])
        ev = _pick(r, "baseline_key", "runs", "limit_mb", "memory_p50_mb", "memory_p95_mb",
                   "memory_max_mb", "oom_kills")
        if r["oom_kills"] or peak >= MEMORY_NEAR_LIMIT * limit:
            new = _round_mb(max(peak, limit) * MEMORY_RAISE_HEADROOM)
            out.append(("memory_raise", r["baseline_key"], {
                "type": "reliability", "priority": "high" if r["oom_kills"] else "medium",
                "title": f"Raise the memory limit to {human_mb(new)} for {job}",
                "description": f"peak memory reached {human_mb(peak)} of a {human_mb(limit)} "
                               f"limit; {r['oom_kills']} runs were killed for memory",
                "impact": "fewer out-of-memory failures", "action": f"set --memory {new}m",
                "evidence": {**ev, "suggested_limit_mb": new}}))
        elif peak < MEMORY_UNDER_USED * limit:
            new = _round_mb(peak * MEMORY_LOWER_HEADROOM)
            out.append(("memory_lower", r["baseline_key"], {
                "type": "cost",
                "priority": "medium" if limit - new >= MEMORY_MEDIUM_SAVING_MB else "low",
                "title": f"Lower the memory limit to {human_mb(new)} for {job}",
                "description": f"its largest peak in {r['runs']} runs was {human_mb(peak)}, "
                               f"{100 * peak / limit:.0f}% of its {human_mb(limit)} limit",
                "impact": f"frees {human_mb(limit - new)} per run for other jobs",
                "action": f"set --memory {new}m",
                "evidence": {**ev, "suggested_limit_mb": new}}))
    return out


def caching(rows: list[Row]) -> list[Found]:
    """Dependency caching where every run installs its dependencies again."""
    out = []
    for r in rows:
        if r["runs"] < MIN_RUNS:
            continue
        job = job_label(r["command"], r["image"])
        out.append(("caching", r["baseline_key"], {
            "type": "performance",
            "priority": "medium" if r["runs_per_day"] >= CACHING_BUSY_PER_DAY else "low",
            "title": f"Cache dependencies of {job}",
            "description": f"`{r['install_step']}` runs on every run: {r['runs']} runs, "
                           f"{r['runs_per_day']:.1f} a day, {human_seconds(r['duration_p50'])} "
                           "each (median, install included)",
            "impact": f"{human_seconds(r['duration_total_s'])} of run time in this history "
                      "included installing the same dependencies",
            "action": "build an image with the dependencies pre-installed, or mount a "
                      "package cache",
            "evidence": _pick(r, "baseline_key", "install_step", "runs", "runs_per_day",
                              "duration_p50", "duration_total_s")}))
    return out


def slim_images(rows: list[Row]) -> list[Found]:
    """A slim/alpine variant that runs the same command measurably faster."""
    out = []
    for r in rows:
        if (min(r["image_runs"], r["slim_runs"]) < MIN_RUNS
                or r["saved_share"] < SLIM_MIN_SAVING):
            continue
        out.append(("slim_image", r["baseline_key"], {
            "type": "performance",
            "priority": "medium" if r["saved_share"] >= SLIM_MEDIUM_SAVING else "low",
            "title": f"Use {r['slim_image']} for {r['command']}",
            "description": f"{r['command']} takes a median {human_seconds(r['slim_p50'])} on "
                           f"{r['slim_image']} vs {human_seconds(r['image_p50'])} on "
                           f"{r['image']} ({r['slim_runs']} and {r['image_runs']} runs)",
            "impact": f"about {100 * r['saved_share']:.0f}% faster "
                      f"({human_seconds(r['saved_s'])} per run)",
            "action": f"switch from {r['image']} to {r['slim_image']}",
            "evidence": _pick(r, "baseline_key", "image", "slim_image", "command",
                              "image_runs", "slim_runs", "image_p50", "slim_p50",
                              "saved_s", "saved_share")}))
    return out


def flaky(rows: list[Row]) -> list[Found]:
    """Quarantine flaky jobs so their noise stops hiding real failures."""
    return [("flaky", r["baseline_key"], {
        "type": "reliability",
        "priority": "high" if r["transition_rate"] >= FLAKY_HIGH_RATE else "medium",
        "title": f"Quarantine flaky {job_label(r['command'], r['image'])}",
        "description": f"{r['flip_commits']} commits both passed and failed; outcomes flipped in "
                       f"{100 * r['transition_rate']:.0f}% of its last {r['runs']} runs and "
                       f"{r['pass_on_retry']} retries passed",
        "impact": f"{r['failures']} of the last {r['runs']} runs failed, many without a real "
                  "cause",
        "action": "mark it non-blocking (e.g. tag it quarantine) and fix the flaky part",
        "evidence": _pick(r, "baseline_key", "runs", "failures", "transition_rate",
                          "flip_commits", "pass_on_retry")}) for r in rows]


def idle_executors(rows: list[Row]) -> list[Found]:
    """Hosts nearly idle over the last week while others work.

    Only hosts seen for the whole week count: a machine that ran its first job yesterday (a
    laptop after `orcaops run`) is new, not idle.
    """
    if not rows:
        return []
    end = max(r["last_run_at"] for r in rows)
    rows = [r for r in rows if r["first_run_at"] <= end - timedelta(days=IDLE_DAYS)]
    if len(rows) < 2:
        return []
    mean = sum(r["utilization_7d"] for r in rows) / len(rows)
    out = []
    for r in rows:
        if (r["utilization_7d"] < IDLE_UTILIZATION
                and mean >= IDLE_BELOW_MEAN * r["utilization_7d"]):
            out.append(("idle_executor", r["host"], {
                "type": "cost", "priority": "low",
                "title": f"Retire or shrink idle executor {r['host']}",
                "description": f"{r['host']} was busy {100 * r['utilization_7d']:.1f}% of the "
                               f"last 7 days ({r['runs_7d']} runs) while hosts average "
                               f"{100 * mean:.0f}%",
                "impact": "one less machine to pay for and patch",
                "action": f"drain {r['host']} or give it fewer slots",
                "evidence": _pick(r, "host", "runs_7d", "busy_s_7d", "utilization_7d",
                                  "first_run_at")}))
    return out


def _pick(row: Row, *names: str) -> dict[str, Any]:
    return {n: round(row[n], 4) if isinstance(row[n], float) else row[n] for n in names}


# rule function -> the evidence view it reads
RULES = ((timeouts, "timeout_evidence"), (memory, "memory_headroom"),
         (caching, "install_steps"), (slim_images, "image_pairs"), (flaky, "flaky_keys"),
         (idle_executors, "executor_usage"))
