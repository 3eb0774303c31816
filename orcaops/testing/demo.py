"""Test results of the demo history (``orcaops demo``): a small suite per test job, the
failing test its log names, and a few flaky tests.

Each run's tests come from a generator seeded by its job id, so the demo's other values
(drawn from the history's own generator) are the same with or without them. pytest jobs
give their results as JUnit XML (``"junit"``), the others as ``"tests"`` entries.
"""

from __future__ import annotations

import random
from typing import Any
from xml.etree import ElementTree as ET

# (classname, name, file, seconds); the first entry of each suite is the test its failure
# log names, the second the suite's flaky test (fails now and then, passes on a retry).
Case = tuple[str, str, str, float]
SUITES: dict[str, tuple[Case, ...]] = {
    "pytest -q tests/integration": (
        ("tests.integration.test_orders_db", "test_checkout_commits", "tests/integration/test_orders_db.py", 4.2),
        ("tests.integration.test_orders_db", "test_concurrent_checkout", "tests/integration/test_orders_db.py", 9.5),
        ("tests.integration.test_orders_db", "test_refund_rolls_back", "tests/integration/test_orders_db.py", 3.1),
        ("tests.integration.test_search", "test_index_rebuild", "tests/integration/test_search.py", 21.0),
    ),
    "pytest": (
        ("tests.test_api", "test_create_order", "tests/test_api.py", 0.42),
        ("tests.test_api", "test_webhook_retry", "tests/test_api.py", 1.3),
        ("tests.test_api", "test_list_orders", "tests/test_api.py", 0.12),
        ("tests.test_models.TestInvoice", "test_total", "tests/test_models.py", 0.02),
        ("tests.test_models.TestInvoice", "test_tax", "tests/test_models.py", 0.03),
        ("tests.test_auth", "test_login", "tests/test_auth.py", 0.35),
    ),
    "npm ci && npm test": (
        ("client", "client › retries a failed request", "src/api/client.test.ts", 0.08),
        ("cart", "cart › debounces quantity updates", "src/cart/cart.test.ts", 1.6),
        ("cart", "cart › totals line items", "src/cart/cart.test.ts", 0.01),
        ("format", "format › renders currency", "src/util/format.test.ts", 0.004),
    ),
    "go test ./...": (
        ("github.com/acme/api/internal/store", "TestStoreGet", "internal/store/store_test.go", 0.01),
        ("github.com/acme/api/internal/http", "TestServerShutdown", "internal/http/server_test.go", 1.2),
        ("github.com/acme/api/internal/http", "TestRouter", "internal/http/router_test.go", 0.05),
    ),
    "cargo test --workspace": (
        ("parser::tests", "parses_empty_input", "src/parser.rs", 0.001),
        ("net::tests", "reconnects_after_reset", "src/net.rs", 0.9),
        ("parser::tests", "parses_nested_lists", "src/parser.rs", 0.002),
    ),
    "mvn -B verify": (
        ("com.acme.billing.InvoiceServiceTest", "totalsIncludeTax", "", 0.05),
        ("com.acme.billing.PaymentGatewayTest", "timesOutSlowProvider", "", 2.4),
        ("com.acme.billing.InvoiceServiceTest", "roundsHalfUp", "", 0.01),
    ),
    "bundle exec rspec": (
        ("spec.models.invoice_spec", "Invoice#total sums line items", "./spec/models/invoice_spec.rb", 0.02),
        ("spec.jobs.mailer_spec", "Mailer delivers in the background", "./spec/jobs/mailer_spec.rb", 0.7),
        ("spec.models.invoice_spec", "Invoice#tax applies the rate", "./spec/models/invoice_spec.rb", 0.01),
    ),
}
# The failure modes (demo_catalog FAILURE_LOGS) in which tests ran and one failed.
TEST_MODES = ("test", "network", "jest", "surefire", "go_test", "cargo_test", "rspec")
FLAKY_RATE = 0.12
RETRYING = ("pytest -q", "npm ci && npm test")  # suites run with retries  # how often a suite's flaky test fails once and passes on its retry
_MESSAGES = {"pytest": "AssertionError: assert 500 == 201", "npm": "expect(received).toBe("
             "expected) // Object.is equality", "go": "expected status 200, got 404",
             "cargo": "assertion `left == right` failed", "mvn": "expected: <120.00> but was: "
             "<100.00>", "bundle": "expected: 120 got: 100"}


def demo_tests(job_id: str, command: str, status: str, mode: str | None,
               job_flaky: bool) -> dict[str, Any]:
    """The ``"junit"`` or ``"tests"`` field of one demo run ({} for jobs without tests)."""
    suite = SUITES.get(command) or (SUITES["pytest"] if "pytest" in command else None)
    if suite is None or status not in ("success", "failed"):
        return {}
    rng = random.Random(job_id)
    failing = None
    if status == "failed" and mode in TEST_MODES:
        failing = 1 if job_flaky else 0
    rows = [_row(rng, command, i, case, failing) for i, case in enumerate(suite)]
    if status == "failed" and failing is None:
        return {"tests": []}  # it failed before its tests ran
    if "pytest" in command:
        return {"junit": [junit_xml(rows)]}
    return {"tests": rows}


def _row(rng: random.Random, command: str, i: int, case: Case, failing: int | None
         ) -> dict[str, Any]:
    classname, name, file, seconds = case
    row: dict[str, Any] = {"classname": classname, "name": name, "file": file or None,
                           "status": "passed", "retries": 0,
                           "duration_s": round(seconds * rng.lognormvariate(0, 0.2), 4)}
    if i == failing:
        row.update(status="failed", message=_MESSAGES.get(command.split()[0], "failed"))
    elif i == 1 and command in RETRYING and rng.random() < FLAKY_RATE:
        row["retries"] = 1  # failed once, passed on the retry
    return row


def junit_xml(rows: list[dict[str, Any]]) -> str:
    """The rows as pytest's ``--junitxml`` writes them."""
    root = ET.Element("testsuites", name="pytest tests")
    suite = ET.SubElement(root, "testsuite", name="pytest", tests=str(len(rows)))
    for row in rows:
        case = ET.SubElement(suite, "testcase", classname=row["classname"], name=row["name"],
                             time=f"{row['duration_s']:.4f}")
        if row["status"] == "failed":
            failure = ET.SubElement(case, "failure", message=row["message"])
            failure.text = f"{row['file']}:12: AssertionError"
        if row["retries"]:  # a retried test is written once per attempt, the failed first
            first = ET.Element("testcase", classname=row["classname"], name=row["name"],
                               time=f"{row['duration_s']:.4f}")
            ET.SubElement(first, "failure", message="failed on the first attempt")
            suite.insert(len(suite) - 1, first)
    return ET.tostring(root, encoding="unicode")
