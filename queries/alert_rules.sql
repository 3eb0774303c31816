-- description: alert rules (`orcaops alerts add`): the latest definition of each rule that was not removed since
-- depends:
WITH latest AS (
    SELECT target AS name, arg_max(kind, "at") AS kind, arg_max(note, "at") AS definition,
           max("at") AS updated_at
    FROM actions
    WHERE kind IN ('alert_rule', 'alert_rule_remove')
    GROUP BY target
)
SELECT name,
       json_extract_string(definition, '$.query') AS query,
       json_extract_string(definition, '$.window') AS "window",
       json_extract_string(definition, '$.when') AS "when",
       coalesce(json_extract_string(definition, '$.channels[*]'), []) AS channels,
       json_extract_string(definition, '$.remind') AS remind,
       definition, updated_at
FROM latest
WHERE kind = 'alert_rule'
