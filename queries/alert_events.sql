-- description: alert transitions and reminders (`orcaops alerts history`), one row each, with what was sent where
-- depends: alert_deliveries
WITH events AS (
    SELECT action_id AS event_id, target AS rule, "at",
           json_extract_string(note, '$.state') AS state,
           json_extract_string(note, '$.reason') AS reason,
           TRY_CAST(json_extract(note, '$.value') AS DOUBLE) AS value,
           TRY_CAST(json_extract(note, '$.threshold') AS DOUBLE) AS threshold,
           json_extract_string(note, '$.when') AS "when",
           json_extract_string(note, '$.query') AS query,
           json_extract_string(note, '$.window') AS "window",
           coalesce(json_extract_string(note, '$.job_ids[*]'), []) AS job_ids,
           coalesce(json_extract_string(note, '$.channels[*]'), []) AS channels,
           coalesce(TRY_CAST(json_extract(note, '$.silenced') AS BOOLEAN), false) AS silenced
    FROM actions
    WHERE kind = 'alert_event'
),
sent AS (
    SELECT event_id, list(DISTINCT channel) FILTER (WHERE ok) AS delivered,
           arg_max(error, "at") FILTER (WHERE NOT ok) AS last_error,
           sum(attempts)::BIGINT AS attempts
    FROM alert_deliveries
    GROUP BY event_id
)
SELECT e.*, coalesce(s.delivered, []) AS delivered,
       list_filter(e.channels, lambda c: NOT list_contains(coalesce(s.delivered, []), c))
           AS undelivered,
       s.last_error, coalesce(s.attempts, 0) AS attempts
FROM events e
LEFT JOIN sent s USING (event_id)
