"""Tests as data: test cases from JUnit XML or a run's log, per-test analytics, reruns.

- :mod:`~orcaops.testing.cases`: the ``tests`` table's vocabulary and the rows of the import
  format's ``"tests"`` entries;
- :mod:`~orcaops.testing.junit`: JUnit XML (pytest, jest-junit, go-junit-report, Maven
  Surefire, Gradle, PHPUnit, RSpec, cargo) → rows;
- :mod:`~orcaops.testing.logresults`: the test results a log prints, when no XML exists;
- :mod:`~orcaops.testing.analytics`: flaky, slow and failing tests, new failures;
- :mod:`~orcaops.testing.rerun` and :mod:`~orcaops.testing.summary`: the command that reruns
  the failed tests and the sentence that names them.
"""
