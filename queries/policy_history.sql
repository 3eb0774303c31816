-- description: every change of a run policy (`orcaops policies`): applied from a recommendation, rolled back by hand or on degradation, with values before and after and its evidence
-- depends:
SELECT action_id AS change_id,
       target AS baseline_key,
       CASE kind WHEN 'policy_apply' THEN 'applied' ELSE 'rolled_back' END AS change,
       json_extract_string(note, '$.by') AS changed_by,
       "at",
       TRY_CAST(json_extract(note, '$.before.timeout_s') AS DOUBLE) AS timeout_s_before,
       TRY_CAST(json_extract(note, '$.before.memory_mb') AS BIGINT) AS memory_mb_before,
       TRY_CAST(json_extract(note, '$.after.timeout_s') AS DOUBLE) AS timeout_s_after,
       TRY_CAST(json_extract(note, '$.after.memory_mb') AS BIGINT) AS memory_mb_after,
       json_extract_string(note, '$.recommendation_id') AS recommendation_id,
       json_extract_string(note, '$.undoes') AS undoes,
       json_extract_string(note, '$.reason') AS reason,
       json_extract(note, '$.evidence') AS evidence
FROM actions
WHERE kind IN ('policy_apply', 'policy_rollback')
