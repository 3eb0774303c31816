-- description: keys currently flaky: both outcomes on one commit within their last 100 runs (`is:flaky`), with image and command
-- depends: flaky_stats
SELECT baseline_key, image, command, runs, failures, failure_rate, transitions, transition_rate,
       flip_commits, pass_on_retry, window_start, window_end, last_flip_at
FROM flaky_stats
WHERE is_flaky
