-- description: runs whose output stopped for 2+ minutes and half the run or more (runs.analysis max_gap_s, when the log analyzer recorded it)
-- depends: run_context
SELECT job_id, baseline_key, image, command, status, started_at,
       finished_at AS detected_at,
       'stalled' AS anomaly_type,
       CASE WHEN status = 'timeout' THEN 'critical' ELSE 'warning' END AS severity,
       prior_gap_median AS expected, max_gap_s AS actual,
       CASE WHEN prior_gap_median > 0
            THEN 100 * (max_gap_s / prior_gap_median - 1) END AS deviation_percent,
       max_gap_s / nullif(duration_s, 0) AS score, n_prior_runs AS n_prior,
       CAST(NULL AS VARCHAR) AS detail
FROM run_context
WHERE max_gap_s >= 120
  AND max_gap_s >= 0.5 * duration_s
  AND (prior_gap_median IS NULL OR max_gap_s >= 3 * prior_gap_median)
