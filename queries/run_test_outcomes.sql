-- description: every test result with known_flaky (its test is flaky in its job key's history) and new_since_green (a failure the key's last green run did not have)
-- depends: test_results, flaky_tests, new_test_failures
SELECT t.*,
       f.test_id IS NOT NULL AS known_flaky,
       f.flips AS flaky_flips,
       n.test_id IS NOT NULL AS new_since_green
FROM test_results t
LEFT JOIN flaky_tests f USING (baseline_key, test_id)
LEFT JOIN new_test_failures n USING (job_id, test_id)
