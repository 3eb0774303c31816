-- description: the same command on an image and on its slim/alpine variant (python:3.11 vs python:3.11-slim): median durations side by side
-- depends: baseline_samples
WITH per_image AS (
    SELECT r.image, r.command_hash, arg_max(r.command, r.started_at) AS command,
           count(*) AS n, quantile_cont(s.duration_s, 0.5) AS p50, max(s.started_at) AS last_run_at
    FROM baseline_samples s
    JOIN runs r USING (job_id)
    WHERE r.image IS NOT NULL
    GROUP BY r.image, r.command_hash
)
SELECT a.image AS image, b.image AS slim_image, a.command_hash, a.command,
       a.n AS image_runs, b.n AS slim_runs, a.p50 AS image_p50, b.p50 AS slim_p50,
       a.p50 - b.p50 AS saved_s, 1 - b.p50 / a.p50 AS saved_share,
       a.image || '|' || a.command_hash AS baseline_key,
       greatest(a.last_run_at, b.last_run_at) AS last_run_at
FROM per_image a
JOIN per_image b
  ON a.command_hash = b.command_hash
 AND (b.image = a.image || '-slim' OR b.image = a.image || '-alpine'
      OR b.image LIKE a.image || '-slim-%' OR b.image LIKE a.image || '-alpine%')
