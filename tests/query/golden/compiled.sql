-- now = 2026-11-08T12:00:00+00:00

-- query: status:failed image:python* duration:>60
-- params: 'failed', 'python%', 60.0
(status = ?) AND (image ILIKE ?) AND (duration_s > ?);

-- query: status:failed after:-7d
-- params: 'failed', TIMESTAMPTZ '2026-11-01T12:00:00+00:00', DATE '2026-10-31'
(status = ?) AND (started_at >= ? AND day >= ?);

-- query: tag:ci -tag:nightly meta.branch:main
-- params: 'ci', 'nightly', '$."branch"', 'main'
(list_contains(list_transform(tags, lambda t: lower(t)), ?)) AND (NOT coalesce(list_contains(list_transform(tags, lambda t: lower(t)), ?), FALSE)) AND (lower(json_extract_string(TRY_CAST(metadata AS JSON), ?)) = ?);

-- query: is:failed log:"connection refused" OR log:/time.?out/
-- params: 'failed', 'timeout', 'error', '%connection refused%', 'time.?out'
((status IN (?, ?, ?)) AND (job_id IN (SELECT job_id FROM logs WHERE message ILIKE ?))) OR (job_id IN (SELECT job_id FROM logs WHERE regexp_matches(message, ?, 'i')));

-- query: error:oom OR category:oom memory:>2GB
-- params: '%oom%', '%oom%', '%oom%', 'oom', 2048.0
((first_error ILIKE ?) OR (error_message ILIKE ?) OR (job_id IN (SELECT job_id FROM logs WHERE is_error AND message ILIKE ?))) OR ((lower(failure_category) = ?) AND (memory_peak_mb > ?));

-- query: level:error log:Traceback after:yesterday before:today
-- params: 'ERROR', 'FATAL', '%Traceback%', DATE '2026-11-06', DATE '2026-11-09', 'ERROR', 'FATAL', '%Traceback%', TIMESTAMPTZ '2026-11-07T00:00:00+00:00', DATE '2026-11-06', TIMESTAMPTZ '2026-11-08T00:00:00+00:00', DATE '2026-11-09'
(job_id IN (SELECT job_id FROM logs WHERE ((level IN (?, ?)) OR (message ILIKE ?)) AND (day BETWEEN ? AND ?) GROUP BY job_id HAVING bool_or(level IN (?, ?)) AND bool_or(message ILIKE ?))) AND (started_at >= ? AND day >= ?) AND (started_at < ? AND day <= ?);

-- query: (status:failed OR status:timeout) image:node* -has:parent
-- params: 'failed', 'timeout', 'node%'
((status = ?) OR (status = ?)) AND (image ILIKE ?) AND (NOT coalesce(coalesce(parent_job_id, '') <> '', FALSE));

-- query: by:mcp:* intent:"fix flaky" missing:parent
-- params: 'mcp:%', '%fix flaky%'
(triggered_by ILIKE ?) AND (intent ILIKE ?) AND (NOT (coalesce(parent_job_id, '') <> ''));

-- query: duration:[1m TO 5m] queue:>=30s cpu:<2m cost:[* TO 0.01]
-- params: 60.0, 300.0, 30.0, 120.0, 0.01
(duration_s BETWEEN ? AND ?) AND (queue_wait_s >= ?) AND (cpu_seconds < ?) AND (estimated_cost_usd <= ?);

-- query: day:[2026-11-01 TO today] exit:(1 OR 2 OR 137)
-- params: DATE '2026-11-01', DATE '2026-11-08', 1, 2, 137
(day BETWEEN ? AND ?) AND ((exit_code = ?) OR (exit_code = ?) OR (exit_code = ?));

-- query: pytest "connection reset" -r-0001
-- params: '%pytest%', '%pytest%', '%pytest%', '%pytest%', '%pytest%', '%connection reset%', '%connection reset%', '%connection reset%', '%connection reset%', '%connection reset%', '%r-0001%', '%r-0001%', '%r-0001%', '%r-0001%', '%r-0001%'
((job_id ILIKE ?) OR (image ILIKE ?) OR (command ILIKE ?) OR (intent ILIKE ?) OR (len(list_filter(tags, lambda t: t ILIKE ?)) > 0)) AND ((job_id ILIKE ?) OR (image ILIKE ?) OR (command ILIKE ?) OR (intent ILIKE ?) OR (len(list_filter(tags, lambda t: t ILIKE ?)) > 0)) AND (NOT coalesce((job_id ILIKE ?) OR (image ILIKE ?) OR (command ILIKE ?) OR (intent ILIKE ?) OR (len(list_filter(tags, lambda t: t ILIKE ?)) > 0), FALSE));

-- query: is:flaky OR is:anomalous
-- params: (none)
(baseline_key IN (SELECT baseline_key FROM flaky_keys)) OR (job_id IN (SELECT job_id FROM anomalous_runs));

-- query: status:(failed OR timeout) level:>=warn log:"deprecated*removed" id:a1b2
-- params: 'failed', 'timeout', 'WARN', 'ERROR', 'FATAL', '%deprecated%removed%', 'WARN', 'ERROR', 'FATAL', '%deprecated%removed%', 'a1b2'
((status = ?) OR (status = ?)) AND (job_id IN (SELECT job_id FROM logs WHERE (level IN (?, ?, ?)) OR (message ILIKE ?) GROUP BY job_id HAVING bool_or(level IN (?, ?, ?)) AND bool_or(message ILIKE ?))) AND (starts_with(job_id, ?));

-- query: meta.retries:>2 has:meta.commit meta.build.os:linux
-- params: '$."retries"', 2.0, '$."commit"', '$."build"."os"', 'linux'
(TRY_CAST(json_extract_string(TRY_CAST(metadata AS JSON), ?) AS DOUBLE) > ?) AND (coalesce(json_extract_string(TRY_CAST(metadata AS JSON), ?), '') <> '') AND (lower(json_extract_string(TRY_CAST(metadata AS JSON), ?)) = ?);
