-- description: per key over its last 100 finished runs: failures, outcome transitions, commits with both outcomes, passes on retry
-- depends: run_history
WITH recent AS (
    SELECT *, status = 'success' AS passed,
           row_number() OVER (PARTITION BY baseline_key ORDER BY started_at DESC, job_id DESC) AS age
    FROM run_history
), win AS (
    SELECT *,
           lag(passed) OVER (PARTITION BY baseline_key ORDER BY started_at, job_id) AS prev_passed,
           lag(passed) OVER (PARTITION BY baseline_key, commit
                             ORDER BY started_at, job_id) AS prev_same_commit
    FROM recent
    WHERE age <= 100
), agg AS (
    SELECT baseline_key,
           arg_max(image, started_at) AS image,
           arg_max(command, started_at) AS command,
           count(*) AS runs,
           count(*) FILTER (WHERE NOT passed) AS failures,
           count(*) FILTER (WHERE passed <> prev_passed) AS transitions,
           count(DISTINCT commit) FILTER (WHERE passed <> prev_same_commit) AS flip_commits,
           count(*) FILTER (WHERE passed AND NOT prev_same_commit) AS pass_on_retry,
           min(started_at) AS window_start,
           max(started_at) AS window_end,
           max(started_at) FILTER (WHERE passed <> prev_same_commit) AS last_flip_at
    FROM win
    GROUP BY baseline_key
)
SELECT *,
       failures / runs AS failure_rate,
       CASE WHEN runs > 1 THEN transitions / (runs - 1) ELSE 0 END AS transition_rate,
       -- one commit with both outcomes is enough (Datadog's and Harness's rule): the code
       -- did not change, so something other than the code decided the outcome
       flip_commits >= 1 AS is_flaky
FROM agg
