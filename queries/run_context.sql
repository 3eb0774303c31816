-- description: each finished run with statistics of the 100 runs of its key before it (since the last reset): what it is judged against
-- depends: run_history
WITH ordered AS (
    SELECT h.*,
           CASE WHEN status = 'success' THEN duration_s END AS ok_duration,
           CASE WHEN status = 'success' THEN ln(greatest(duration_s, 0.001)) END AS ok_log_duration,
           CASE WHEN status = 'success' THEN memory_peak_mb END AS ok_memory,
           status = 'success' AS passed,
           lag(status = 'success') OVER (PARTITION BY baseline_key
                                         ORDER BY started_at, job_id) AS prev_passed,
           lag(status = 'success') OVER (PARTITION BY baseline_key, commit
                                         ORDER BY started_at, job_id) AS prev_passed_same_commit,
           row_number() OVER (PARTITION BY baseline_key, error_fingerprint
                              ORDER BY started_at, job_id) - 1 AS fingerprint_seen,
           row_number() OVER (PARTITION BY baseline_key ORDER BY started_at, job_id) - 1
               AS n_key_prior
    FROM run_history h
)
SELECT o.*,
       count(ok_duration) OVER w AS n_prior,
       count(*) OVER w AS n_prior_runs,
       median(ok_duration) OVER w AS prior_p50,
       median(ok_log_duration) OVER w AS prior_log_median,
       mad(ok_log_duration) OVER w AS prior_log_mad,
       -- "the largest" ignoring the top 2%, so one blowup does not hide the next
       quantile_cont(ok_memory, 0.98) OVER w AS prior_memory_max,
       median(max_gap_s) OVER w AS prior_gap_median,
       coalesce(sum(CAST(passed <> prev_passed AS INTEGER)) OVER w, 0) AS prior_transitions,
       -- a level shift shows in the median of the last 5 runs before any single run stands out
       median(ok_log_duration) OVER recent AS recent_log_median,
       count(ok_duration) OVER recent AS n_recent,
       median(ok_log_duration) OVER older AS older_log_median,
       mad(ok_log_duration) OVER older AS older_log_mad,
       median(ok_duration) OVER older AS older_p50,
       count(ok_duration) OVER older AS n_older
FROM ordered o
WINDOW w AS (PARTITION BY baseline_key, segment_start ORDER BY started_at, job_id
             ROWS BETWEEN 100 PRECEDING AND 1 PRECEDING),
       recent AS (PARTITION BY baseline_key, segment_start ORDER BY started_at, job_id
                  ROWS BETWEEN 4 PRECEDING AND CURRENT ROW),
       older AS (PARTITION BY baseline_key, segment_start ORDER BY started_at, job_id
                 ROWS BETWEEN 105 PRECEDING AND 5 PRECEDING)
