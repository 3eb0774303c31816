-- description: tests currently flaky: both outcomes on one commit, or passed on a retry within a run; the most flipping first
-- depends: flaky_test_stats
SELECT baseline_key, test_id, name, classname, file, image, command, runs, failures, flips,
       flip_rate, flip_commits, pass_on_retry, failure_rate, last_flip_at, last_message,
       window_start, window_end
FROM flaky_test_stats
WHERE is_flaky
