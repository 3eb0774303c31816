-- description: successful runs much slower (or faster) than the runs of their key before them: robust z-score of log duration (median/MAD) with the 2x p50 rule; not the runs of a level shift (regression_anomalies has those)
-- depends: run_context
WITH scored AS (
    SELECT *,
           duration_s / nullif(prior_p50, 0) AS ratio,
           -- MAD of log durations, floored at 2% so near-constant jobs do not divide by ~0
           (ln(greatest(duration_s, 0.001)) - prior_log_median)
               / greatest(1.4826 * prior_log_mad, 0.02) AS z
    FROM run_context
    WHERE status = 'success' AND n_prior >= 10
)
SELECT job_id, baseline_key, image, command, status, started_at,
       finished_at AS detected_at,
       'duration' AS anomaly_type,
       CASE WHEN ratio <= 0.4 THEN 'info'
            WHEN ratio >= 3 OR z >= 8 THEN 'critical'
            ELSE 'warning' END AS severity,
       prior_p50 AS expected, duration_s AS actual,
       100 * (ratio - 1) AS deviation_percent, z AS score, n_prior,
       CAST(NULL AS VARCHAR) AS detail
FROM scored
WHERE ((ratio >= 1.5 AND (z >= 4 OR (ratio >= 2 AND z >= 3)))
       OR (ratio <= 0.4 AND z <= -5))
  -- once most of the last 5 runs are as slow, the key has shifted: one regression anomaly,
  -- not one duration anomaly per run until the 100-run window catches up
  AND NOT coalesce(n_recent >= 3
                   AND abs(recent_log_median - prior_log_median) >= ln(1.5), false)
