-- description: failed tests of each run that did not fail in the last green (success) run of the same job key before it (green_job_id NULL: the key was never green before)
-- depends: test_results
WITH green AS (
    SELECT job_id AS green_job_id, baseline_key, started_at AS green_at
    FROM runs
    WHERE status = 'success' AND baseline_key IS NOT NULL AND started_at IS NOT NULL
), failed AS (
    SELECT * FROM test_results
    WHERE status IN ('failed', 'error') AND started_at IS NOT NULL AND baseline_key IS NOT NULL
)
SELECT f.job_id, f.baseline_key, f.test_id, f.name, f.classname, f.file, f.status, f.message,
       f.failure_type, f.started_at, g.green_job_id, g.green_at
FROM failed f
ASOF LEFT JOIN green g
    ON f.baseline_key = g.baseline_key AND f.started_at > g.green_at
WHERE NOT EXISTS (SELECT 1 FROM test_results p
                  WHERE p.job_id = g.green_job_id AND p.test_id = f.test_id
                    AND p.status IN ('failed', 'error'))
