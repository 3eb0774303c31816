-- description: what is normal per baseline_key: exact percentiles (quantile_cont), mean, stddev, memory, success rate
-- depends: baseline_resets, baseline_samples
WITH keys AS (
    SELECT r.baseline_key,
           arg_max(r.image, r.started_at) AS image,
           arg_max(r.command, r.started_at) AS command,
           max(r.started_at) AS last_run_at,
           count(*) FILTER (WHERE r.status = 'success'
                            AND (x.reset_at IS NULL OR r.started_at >= x.reset_at)) AS n_success,
           count(*) FILTER (WHERE r.status IN ('success', 'failed', 'timeout', 'error')
                            AND (x.reset_at IS NULL OR r.started_at >= x.reset_at)) AS n_finished,
           any_value(x.reset_at) AS reset_at
    FROM runs r
    LEFT JOIN (SELECT baseline_key, max(reset_at) AS reset_at
               FROM baseline_resets GROUP BY baseline_key) x USING (baseline_key)
    WHERE r.baseline_key IS NOT NULL AND r.started_at IS NOT NULL
    GROUP BY r.baseline_key
), stats AS (
    SELECT baseline_key,
           count(*) AS sample_count,
           avg(duration_s) AS duration_mean,
           stddev_samp(duration_s) AS duration_stddev,
           quantile_cont(duration_s, 0.05) AS duration_p05,
           quantile_cont(duration_s, 0.5) AS duration_p50,
           quantile_cont(duration_s, 0.95) AS duration_p95,
           quantile_cont(duration_s, 0.99) AS duration_p99,
           avg(memory_peak_mb) AS memory_mean_mb,
           quantile_cont(memory_peak_mb, 0.95) AS memory_p95_mb,
           max(memory_peak_mb) AS memory_max_mb,
           max(finished_at) AS last_sample_at
    FROM baseline_samples
    GROUP BY baseline_key
)
SELECT k.baseline_key AS key, k.image, k.command,
       coalesce(s.sample_count, 0) AS sample_count,
       s.duration_mean, s.duration_stddev, s.duration_p05, s.duration_p50, s.duration_p95,
       s.duration_p99, s.memory_mean_mb, s.memory_p95_mb, s.memory_max_mb,
       CASE WHEN k.n_finished > 0 THEN k.n_success / k.n_finished END AS success_rate,
       greatest(s.last_sample_at, k.reset_at) AS last_updated,
       k.last_run_at, k.reset_at
FROM keys k
LEFT JOIN stats s USING (baseline_key)
