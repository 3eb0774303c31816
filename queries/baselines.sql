-- description: what is normal per baseline_key: exact percentiles (quantile_cont), mean, stddev, memory, success rate
-- depends: baseline_resets
-- One scan of runs and one grouping: the samples (successful runs after the key's latest
-- reset, as in baseline_samples) are a FILTER, and the four duration percentiles come from
-- one list quantile (one sort per key instead of four).
WITH r AS (
    SELECT r.baseline_key, r.image, r.command, r.status, r.started_at, r.finished_at,
           r.duration_s, r.memory_peak_mb, x.reset_at,
           (x.reset_at IS NULL OR r.started_at >= x.reset_at) AS current,
           current AND r.status = 'success' AND r.duration_s IS NOT NULL AS sample
    FROM runs r
    LEFT JOIN (SELECT baseline_key, max(reset_at) AS reset_at
               FROM baseline_resets GROUP BY baseline_key) x USING (baseline_key)
    WHERE r.baseline_key IS NOT NULL AND r.started_at IS NOT NULL
), k AS (
    SELECT baseline_key,
           arg_max(image, started_at) AS image,
           arg_max(command, started_at) AS command,
           max(started_at) AS last_run_at,
           any_value(reset_at) AS reset_at,
           count(*) FILTER (WHERE sample) AS sample_count,
           count(*) FILTER (WHERE current AND status = 'success') AS n_success,
           count(*) FILTER (WHERE current AND status IN ('success', 'failed', 'timeout', 'error'))
               AS n_finished,
           avg(duration_s) FILTER (WHERE sample) AS duration_mean,
           stddev_samp(duration_s) FILTER (WHERE sample) AS duration_stddev,
           quantile_cont(duration_s, [0.05, 0.5, 0.95, 0.99]) FILTER (WHERE sample) AS dq,
           avg(memory_peak_mb) FILTER (WHERE sample) AS memory_mean_mb,
           quantile_cont(memory_peak_mb, 0.95) FILTER (WHERE sample) AS memory_p95_mb,
           max(memory_peak_mb) FILTER (WHERE sample) AS memory_max_mb,
           max(finished_at) FILTER (WHERE sample) AS last_sample_at
    FROM r
    GROUP BY baseline_key
)
SELECT baseline_key AS key, image, command, sample_count,
       duration_mean, duration_stddev, dq[1] AS duration_p05, dq[2] AS duration_p50,
       dq[3] AS duration_p95, dq[4] AS duration_p99, memory_mean_mb, memory_p95_mb, memory_max_mb,
       CASE WHEN n_finished > 0 THEN n_success / n_finished END AS success_rate,
       greatest(last_sample_at, reset_at) AS last_updated,
       last_run_at, reset_at
FROM k
