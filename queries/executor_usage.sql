-- description: per host over the last 7 days of history: runs, busy seconds and the share of the time it was busy
-- depends: run_facts
WITH bounds AS (SELECT max(ts) AS t_end FROM run_facts),
     recent AS (
    SELECT f.* FROM run_facts f, bounds
    WHERE f.ts >= bounds.t_end - INTERVAL 7 DAY AND f.host IS NOT NULL
), hosts AS (
    SELECT host, max(ts) AS last_run_at, min(ts) AS first_run_at FROM run_facts
    WHERE host IS NOT NULL GROUP BY host
)
SELECT h.host, h.first_run_at, h.last_run_at,
       count(r.job_id) AS runs_7d,
       coalesce(sum(r.duration_s), 0) AS busy_s_7d,
       coalesce(sum(r.duration_s), 0) / (7 * 86400.0) AS utilization_7d
FROM hosts h
LEFT JOIN recent r USING (host)
GROUP BY ALL
