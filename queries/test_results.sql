-- description: every test case with its run (job key, image, command, commit, start) and a stable test_id (classname or file, then name)
SELECT t.job_id, t.day, t.suite, t.classname, t.name, t.file, t.status, t.duration_s, t.message,
       t.failure_type, t.stack, t.retries, t.properties,
       coalesce(nullif(t.classname, ''), nullif(t.file, ''), nullif(t.suite, ''), '') || '::'
           || t.name AS test_id,
       r.baseline_key, r.image, r.command, r.status AS run_status, r.started_at,
       json_extract_string(r.metadata, '$.commit') AS commit
FROM tests t
JOIN runs r USING (job_id)
