-- description: every try at sending an alert to a channel: which event, which channel, whether it went through
-- depends:
SELECT json_extract_string(note, '$.event_id') AS event_id, target AS rule, "at",
       json_extract_string(note, '$.channel') AS channel,
       coalesce(TRY_CAST(json_extract(note, '$.ok') AS BOOLEAN), false) AS ok,
       coalesce(TRY_CAST(json_extract(note, '$.attempts') AS BIGINT), 0) AS attempts,
       json_extract_string(note, '$.error') AS error
FROM actions
WHERE kind = 'alert_delivery'
