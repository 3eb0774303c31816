-- description: acknowledged anomalies (`orcaops anomalies ack ID`): the latest resolution per anomaly id
-- depends:
SELECT target AS anomaly_id, arg_max(note, "at") AS resolution, max("at") AS acknowledged_at
FROM actions
WHERE kind = 'anomaly_ack'
GROUP BY target
