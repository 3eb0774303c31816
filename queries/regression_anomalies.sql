-- description: the run at which a key got slower: median of its last 5 successful runs 1.5x+ the 100 before them and 4+ robust standard errors away (one anomaly per shift)
-- depends: run_context
WITH shifted AS (
    SELECT *,
           exp(recent_log_median - older_log_median) AS ratio,
           -- the median of 5 varies about 0.56x as much as a single run
           (recent_log_median - older_log_median)
               / (0.56 * greatest(1.4826 * older_log_mad, 0.02)) AS z
    FROM run_context
    WHERE status = 'success'
), flagged AS (
    SELECT *,
           n_recent >= 4 AND n_older >= 20 AND ratio >= 1.5 AND z >= 4 AS shift
    FROM shifted
), firsts AS (
    SELECT *,
           coalesce(bool_or(shift) OVER (PARTITION BY baseline_key, segment_start
                                         ORDER BY started_at, job_id
                                         ROWS BETWEEN 20 PRECEDING AND 1 PRECEDING), false)
               AS shifted_before
    FROM flagged
)
SELECT job_id, baseline_key, image, command, status, started_at,
       finished_at AS detected_at,
       'regression' AS anomaly_type,
       CASE WHEN ratio >= 2 THEN 'critical' ELSE 'warning' END AS severity,
       older_p50 AS expected, exp(recent_log_median) AS actual,
       100 * (ratio - 1) AS deviation_percent, z AS score, n_older AS n_prior,
       CAST(NULL AS VARCHAR) AS detail
FROM firsts
WHERE shift AND NOT shifted_before
