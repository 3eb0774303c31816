-- description: per key: peak memory of its runs against the memory limit their samples report (samples.memory_limit_mb), and OOM kills
-- depends: run_history
WITH limits AS (
    SELECT job_id, max(memory_limit_mb) AS limit_mb
    FROM samples
    WHERE memory_limit_mb > 0
    GROUP BY job_id
)
SELECT h.baseline_key,
       arg_max(h.image, h.started_at) AS image,
       arg_max(h.command, h.started_at) AS command,
       count(*) AS runs,
       quantile_cont(l.limit_mb, 0.5) AS limit_mb,
       quantile_cont(h.memory_peak_mb, 0.5) AS memory_p50_mb,
       quantile_cont(h.memory_peak_mb, 0.95) AS memory_p95_mb,
       max(h.memory_peak_mb) FILTER (WHERE h.exit_code IS DISTINCT FROM 137) AS memory_max_mb,
       count(*) FILTER (WHERE h.exit_code = 137 OR h.memory_peak_mb >= l.limit_mb) AS oom_kills,
       max(h.started_at) AS last_run_at
FROM run_history h
JOIN limits l USING (job_id)
WHERE h.memory_peak_mb IS NOT NULL
GROUP BY h.baseline_key
