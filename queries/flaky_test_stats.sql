-- description: per test of a job key over its last 100 results: failures, flips (outcome changes), commits with both outcomes, passes on retry, flip rate
-- depends: test_window
WITH recent AS (
    SELECT *, status = 'passed' AS passed,
           row_number() OVER (PARTITION BY baseline_key, test_id
                              ORDER BY started_at DESC, job_id DESC) AS age
    FROM test_window
    WHERE status IN ('passed', 'failed', 'error')
), win AS (
    SELECT *,
           lag(passed) OVER (PARTITION BY baseline_key, test_id
                             ORDER BY started_at, job_id) AS prev_passed
    FROM recent
    WHERE age <= 100
), commits AS (
    SELECT baseline_key, test_id,
           count(*) FILTER (WHERE both_outcomes) AS flip_commits
    FROM (SELECT baseline_key, test_id, commit,
                 bool_or(passed) AND bool_or(NOT passed) AS both_outcomes
          FROM win
          WHERE commit IS NOT NULL
          GROUP BY baseline_key, test_id, commit)
    GROUP BY baseline_key, test_id
), agg AS (
    SELECT baseline_key, test_id,
           arg_max(name, started_at) AS name,
           arg_max(classname, started_at) AS classname,
           arg_max(file, started_at) AS file,
           arg_max(image, started_at) AS image,
           arg_max(command, started_at) AS command,
           count(*) AS runs,
           count(*) FILTER (WHERE NOT passed) AS failures,
           count(*) FILTER (WHERE passed <> prev_passed) AS flips,
           count(*) FILTER (WHERE passed AND retries > 0) AS pass_on_retry,
           min(started_at) AS window_start,
           max(started_at) AS window_end,
           max(started_at) FILTER (WHERE passed <> prev_passed) AS last_flip_at,
           arg_max(message, started_at) FILTER (WHERE NOT passed) AS last_message
    FROM win
    GROUP BY baseline_key, test_id
)
SELECT a.*,
       coalesce(c.flip_commits, 0) AS flip_commits,
       CASE WHEN runs > 1 THEN flips / (runs - 1) ELSE 0 END AS flip_rate,
       failures / runs AS failure_rate,
       coalesce(c.flip_commits, 0) >= 1 OR pass_on_retry >= 1 AS is_flaky
FROM agg a
LEFT JOIN commits c USING (baseline_key, test_id)
