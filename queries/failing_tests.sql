-- description: per test of a job key that failed: failures, runs, failure rate, the last failure (when, which run, message, type)
-- depends: test_window
SELECT * FROM (
    SELECT baseline_key, test_id,
           arg_max(name, started_at) AS name,
           arg_max(classname, started_at) AS classname,
           arg_max(file, started_at) AS file,
           arg_max(image, started_at) AS image,
           arg_max(command, started_at) AS command,
           count(*) AS runs,
           count(*) FILTER (WHERE status IN ('failed', 'error')) AS failures,
           count(*) FILTER (WHERE status IN ('failed', 'error')) / count(*) AS failure_rate,
           max(started_at) FILTER (WHERE status IN ('failed', 'error')) AS last_failed_at,
           arg_max(job_id, started_at) FILTER (WHERE status IN ('failed', 'error')) AS last_failed_job,
           arg_max(message, started_at) FILTER (WHERE status IN ('failed', 'error')) AS last_message,
           arg_max(failure_type, started_at) FILTER (WHERE status IN ('failed', 'error')) AS failure_type
    FROM test_window
    WHERE status <> 'skipped'
    GROUP BY baseline_key, test_id
)
WHERE failures > 0
