-- description: per key with timed-out runs: the p99 of successful runs against how long timed-out runs ran (the timeout in force)
-- depends: baselines, run_history
SELECT b.key AS baseline_key, b.image, b.command, b.sample_count, b.duration_p50, b.duration_p99,
       count(*) FILTER (WHERE h.status = 'timeout') AS timeouts,
       count(*) AS runs,
       quantile_cont(h.duration_s, 0.5) FILTER (WHERE h.status = 'timeout') AS timeout_after_s,
       sum(h.duration_s) FILTER (WHERE h.status = 'timeout') AS timeout_seconds_total,
       max(h.started_at) AS last_run_at
FROM baselines b
JOIN run_history h ON h.baseline_key = b.key
GROUP BY ALL
HAVING count(*) FILTER (WHERE h.status = 'timeout') > 0
