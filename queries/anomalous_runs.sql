-- description: runs with at least one unacknowledged anomaly (what `is:anomalous` matches)
-- depends: anomaly_events
SELECT job_id,
       count(*) AS n_anomalies,
       list(DISTINCT anomaly_type ORDER BY anomaly_type) AS anomaly_types,
       CASE max(CASE severity WHEN 'critical' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END)
            WHEN 3 THEN 'critical' WHEN 2 THEN 'warning' ELSE 'info' END AS max_severity,
       max(detected_at) AS detected_at
FROM anomaly_events
WHERE NOT acknowledged
GROUP BY job_id
