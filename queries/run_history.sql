-- description: finished runs (success, failed, timeout, error) with the commit, the longest output gap and the baseline reset they follow
-- depends: baseline_resets
SELECT r.job_id, r.baseline_key, r.image, r.command, r.status, r.started_at, r.finished_at,
       r.duration_s, r.memory_peak_mb, r.error_fingerprint, r.first_error, r.exit_code,
       json_extract_string(r.metadata, '$.commit') AS commit,
       TRY_CAST(json_extract(r.analysis, '$.max_gap_s') AS DOUBLE) AS max_gap_s,
       x.reset_at AS segment_start
FROM runs r
ASOF LEFT JOIN baseline_resets x
    ON r.baseline_key = x.baseline_key AND r.started_at >= x.reset_at
WHERE r.status IN ('success', 'failed', 'timeout', 'error')
  AND r.started_at IS NOT NULL
  AND r.baseline_key IS NOT NULL
