-- description: runs whose outcome flips from the previous run of the same key and commit, on keys that already flip often (15%+ of the 100 runs before)
-- depends: run_context
SELECT job_id, baseline_key, image, command, status, started_at,
       finished_at AS detected_at,
       'flaky' AS anomaly_type,
       CASE WHEN passed AND prior_transitions >= 0.3 * n_prior_runs THEN 'warning'
            ELSE 'info' END AS severity,
       CAST(NULL AS DOUBLE) AS expected,
       prior_transitions / n_prior_runs AS actual,
       CAST(NULL AS DOUBLE) AS deviation_percent,
       prior_transitions / n_prior_runs AS score, n_prior_runs AS n_prior,
       commit AS detail
FROM run_context
WHERE commit IS NOT NULL
  AND prev_passed_same_commit IS NOT NULL
  AND passed <> prev_passed_same_commit
  AND n_prior_runs >= 20
  AND prior_transitions >= 0.15 * n_prior_runs
