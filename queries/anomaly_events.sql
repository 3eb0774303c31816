-- description: every anomaly of every run, with a stable id (hash of job_id and type) and its acknowledgement
-- depends: duration_anomalies, regression_anomalies, memory_anomalies, error_pattern_anomalies, flaky_anomalies, stalled_anomalies, anomaly_acks
WITH events AS (
    SELECT * FROM duration_anomalies
    UNION ALL BY NAME SELECT * FROM regression_anomalies
    UNION ALL BY NAME SELECT * FROM memory_anomalies
    UNION ALL BY NAME SELECT * FROM error_pattern_anomalies
    UNION ALL BY NAME SELECT * FROM flaky_anomalies
    UNION ALL BY NAME SELECT * FROM stalled_anomalies
)
SELECT substr(md5(e.job_id || ':' || e.anomaly_type), 1, 16) AS id, e.*,
       a.anomaly_id IS NOT NULL AS acknowledged, a.resolution, a.acknowledged_at
FROM events e
LEFT JOIN anomaly_acks a ON a.anomaly_id = substr(md5(e.job_id || ':' || e.anomaly_type), 1, 16)
