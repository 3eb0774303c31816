-- description: finished runs of keys that have a run policy, each with the policy version it ran under (metadata.policy.version) and whether it ended by a limit (timeout or out of memory)
-- depends: policy_history
SELECT r.baseline_key, r.image, r.command, r.job_id, r.status, r.exit_code, r.failure_category,
       r.started_at, r.recorded_at,
       json_extract_string(r.metadata, '$.policy.version') AS policy_version,
       (r.status = 'timeout' OR r.exit_code IN (124, 137)
        OR r.failure_category IN ('timeout', 'oom')) AS limit_failure
FROM runs r
SEMI JOIN (SELECT DISTINCT baseline_key FROM policy_history) p
    ON r.baseline_key = p.baseline_key
WHERE r.status IN ('success', 'failed', 'timeout', 'error')
