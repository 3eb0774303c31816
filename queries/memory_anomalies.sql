-- description: runs whose peak memory is over 1.5x the largest (98th percentile) of the 100 successful runs of their key before them
-- depends: run_context
SELECT job_id, baseline_key, image, command, status, started_at,
       finished_at AS detected_at,
       'memory' AS anomaly_type,
       CASE WHEN memory_peak_mb >= 2.5 * prior_memory_max THEN 'critical'
            ELSE 'warning' END AS severity,
       prior_memory_max AS expected, memory_peak_mb AS actual,
       100 * (memory_peak_mb / prior_memory_max - 1) AS deviation_percent,
       memory_peak_mb / prior_memory_max AS score, n_prior,
       CAST(NULL AS VARCHAR) AS detail
FROM run_context
WHERE status IN ('success', 'failed', 'timeout')
  AND n_prior >= 10
  AND prior_memory_max > 0
  AND memory_peak_mb > 1.5 * prior_memory_max
