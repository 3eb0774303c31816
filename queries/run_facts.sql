-- description: one row per run with outcome flags and the numbers metrics aggregate (time is when it started, else when it was queued)
-- depends:
SELECT job_id, status, image, command, baseline_key, executor, host, triggered_by,
       coalesce(started_at, queued_at, finished_at) AS ts,
       queued_at, started_at, finished_at, duration_s, queue_wait_s,
       cpu_seconds, memory_peak_mb, network_rx_bytes, network_tx_bytes, disk_usage_mb,
       estimated_cost_usd,
       status = 'success' AS is_success,
       status IN ('failed', 'timeout', 'error') AS is_failure,
       status IN ('success', 'failed', 'timeout', 'error') AS is_finished
FROM runs
