-- description: the test results the per-test analytics read (all of them; `orcaops tests --since/--job` reads a narrower window in its place)
-- depends: test_results
SELECT * FROM test_results
