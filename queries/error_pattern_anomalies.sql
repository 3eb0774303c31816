-- description: failed runs with an error fingerprint never seen before for their key (keys with 10+ earlier runs)
-- depends: run_context
SELECT job_id, baseline_key, image, command, status, started_at,
       finished_at AS detected_at,
       'error_pattern' AS anomaly_type,
       'warning' AS severity,
       CAST(NULL AS DOUBLE) AS expected, CAST(NULL AS DOUBLE) AS actual,
       CAST(NULL AS DOUBLE) AS deviation_percent, CAST(NULL AS DOUBLE) AS score,
       n_key_prior AS n_prior,
       coalesce(first_error, error_fingerprint) AS detail
FROM run_context
WHERE error_fingerprint IS NOT NULL
  AND status <> 'success'
  AND fingerprint_seen = 0
  AND n_key_prior >= 10
