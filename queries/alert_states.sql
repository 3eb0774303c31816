-- description: every alert rule with its state (ok, firing, resolved), since when, the last value, a running silence and what is still to be sent
-- depends: alert_rules, alert_events
WITH last AS (
    SELECT * FROM alert_events
    QUALIFY row_number() OVER (PARTITION BY rule ORDER BY "at" DESC, event_id DESC) = 1
),
notified AS (
    SELECT rule, max("at") AS last_notified_at FROM alert_events
    WHERE len(channels) > 0 GROUP BY rule
),
silences AS (
    SELECT target AS rule, arg_max(TRY_CAST(json_extract_string(note, '$.until') AS TIMESTAMPTZ), "at")
               AS silenced_until
    FROM actions WHERE kind = 'alert_silence' GROUP BY target
)
SELECT r.name, coalesce(l.state, 'ok') AS state, l."at" AS since, l.value, l.job_ids,
       r.query, r."window", r."when", r.channels, r.remind,
       CASE WHEN s.silenced_until > now() THEN s.silenced_until END AS silenced_until,
       coalesce(l.silenced, false) AS last_silenced, n.last_notified_at,
       l.event_id AS last_event_id, coalesce(l.undelivered, []) AS undelivered, l.last_error
FROM alert_rules r
LEFT JOIN last l ON l.rule = r.name AND l."at" >= r.updated_at
LEFT JOIN notified n ON n.rule = r.name
LEFT JOIN silences s ON s.rule = r.name
