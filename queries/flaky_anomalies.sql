-- description: one anomaly per flaky key and week (the first run whose outcome flipped on the same commit that week, on a key that already flips often: 15%+ of the 100 runs before), with how often it flipped that week
-- depends: run_context
WITH flips AS (
    SELECT job_id, baseline_key, image, command, status, started_at, finished_at, commit,
           passed, prior_transitions / n_prior_runs AS rate,
           n_prior_runs,
           -- a week (Monday to Monday, UTC) of flips is one anomaly: one flaky test is one
           -- problem to fix, not one alarm per retry
           date_trunc('week', finished_at) AS week
    FROM run_context
    WHERE commit IS NOT NULL
      AND prev_passed_same_commit IS NOT NULL
      AND passed <> prev_passed_same_commit
      AND n_prior_runs >= 20
      AND prior_transitions >= 0.15 * n_prior_runs
), weeks AS (
    SELECT baseline_key, week,
           arg_min(job_id, (finished_at, job_id)) AS job_id,
           count(*) AS flips,
           count(DISTINCT commit) AS flip_commits,
           count(*) FILTER (WHERE passed) AS passed_on_retry,
           max(rate) AS max_rate
    FROM flips
    GROUP BY baseline_key, week
)
SELECT f.job_id, f.baseline_key, f.image, f.command, f.status, f.started_at,
       f.finished_at AS detected_at,
       'flaky' AS anomaly_type,
       CASE WHEN w.passed_on_retry > 0 AND w.max_rate >= 0.3 THEN 'warning'
            ELSE 'info' END AS severity,
       CAST(NULL AS DOUBLE) AS expected,
       f.rate AS actual,
       CAST(NULL AS DOUBLE) AS deviation_percent,
       CAST(w.flips AS DOUBLE) AS score, f.n_prior_runs AS n_prior,
       f.commit AS detail,
       w.flips, w.flip_commits, w.passed_on_retry
FROM weeks w
JOIN flips f USING (job_id)
