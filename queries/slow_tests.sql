-- description: per test of a job key: duration mean, p50, p95, max, the latest, and the trend (seconds per day, least squares)
-- depends: test_window
SELECT baseline_key, test_id,
       arg_max(name, started_at) AS name,
       arg_max(classname, started_at) AS classname,
       arg_max(file, started_at) AS file,
       arg_max(image, started_at) AS image,
       arg_max(command, started_at) AS command,
       count(*) AS runs,
       avg(duration_s) AS mean_s,
       quantile_cont(duration_s, 0.5) AS p50_s,
       quantile_cont(duration_s, 0.95) AS p95_s,
       max(duration_s) AS max_s,
       arg_max(duration_s, started_at) AS last_s,
       regr_slope(duration_s, epoch(started_at) / 86400.0) AS trend_s_per_day,
       max(started_at) AS last_seen
FROM test_window
WHERE duration_s IS NOT NULL AND status <> 'skipped'
GROUP BY baseline_key, test_id
