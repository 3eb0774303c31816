-- description: the successful runs each baseline is built from (those after the key's latest reset)
-- depends: baseline_resets
SELECT r.baseline_key, r.job_id, r.started_at, r.finished_at, r.duration_s, r.memory_peak_mb
FROM runs r
LEFT JOIN (SELECT baseline_key, max(reset_at) AS reset_at
           FROM baseline_resets GROUP BY baseline_key) x USING (baseline_key)
WHERE r.status = 'success'
  AND r.duration_s IS NOT NULL
  AND r.started_at IS NOT NULL
  AND (x.reset_at IS NULL OR r.started_at >= x.reset_at)
