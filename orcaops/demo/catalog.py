"""The job catalogue behind ``orcaops demo``: images, commands and how each job behaves.

Each job has a lognormal duration (median, sigma), a memory level, a failure rate and the
failure modes it tends to have; each failure mode carries realistic log lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Job:
    """One kind of job in the demo history."""

    image: str
    command: str
    tags: tuple[str, ...]
    median_s: float
    sigma: float = 0.25
    memory_mb: float = 300.0
    fail_rate: float = 0.05
    failures: tuple[str, ...] = ("test",)
    intent: str = ""
    weight: float = 1.0
    flaky: bool = False
    regression_at: float | None = None   # fraction of the history after which it slows down
    regression_factor: float = 2.4
    success_lines: tuple[str, ...] = field(default_factory=tuple)


PY_OK = (
    "============================= test session starts ==============================",
    "platform linux -- Python 3.11.9, pytest-8.2.1, pluggy-1.5.0",
    "rootdir: /workspace",
    "collected {n} items",
    "tests/test_api.py ........................................ [ 40%]",
    "tests/test_models.py ..................................... [ 80%]",
    "tests/test_utils.py ...................                    [100%]",
    "============================== {n} passed in {d:.2f}s ===============================",
)
PIP_OK = (
    "Collecting requests==2.32.3",
    "  Downloading requests-2.32.3-py3-none-any.whl (64 kB)",
    "Collecting urllib3<3,>=1.21.1",
    "Installing collected packages: urllib3, idna, charset-normalizer, certifi, requests",
    "Successfully installed certifi-2024.7.4 charset-normalizer-3.3.2 idna-3.7 requests-2.32.3",
)
NODE_OK = (
    "npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory.",
    "added 1287 packages, and audited 1288 packages in {d:.0f}s",
    "> app@2.3.0 test",
    "> jest --ci",
    "PASS src/components/Button.test.tsx",
    "PASS src/api/client.test.ts",
    "Tests:       {n} passed, {n} total",
    "Time:        {d:.3f} s",
)
GO_OK = (
    "go: downloading github.com/stretchr/testify v1.9.0",
    "ok  \tgithub.com/acme/api/internal/store\t0.412s",
    "ok  \tgithub.com/acme/api/internal/http\t1.207s",
    "ok  \tgithub.com/acme/api/cmd/server\t0.051s",
)
JAVA_OK = (
    "[INFO] Scanning for projects...",
    "[INFO] Building billing-service 1.4.2",
    "[INFO] Tests run: {n}, Failures: 0, Errors: 0, Skipped: 2",
    "[INFO] BUILD SUCCESS",
    "[INFO] Total time:  {d:.1f} s",
)
RUST_OK = (
    "   Compiling serde v1.0.203",
    "   Compiling acme-core v0.9.1 (/workspace/core)",
    "    Finished `test` profile [unoptimized + debuginfo] target(s) in {d:.2f}s",
    "     Running unittests src/lib.rs (target/debug/deps/acme_core-3f2a9c)",
    "test result: ok. {n} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out",
)
GENERIC_OK = (
    "INFO starting {cmd}",
    "INFO step 1/3 done",
    "INFO step 2/3 done",
    "INFO step 3/3 done",
    "INFO finished in {d:.1f}s",
)

FAILURE_LOGS: dict[str, tuple[str, ...]] = {
    "test": (
        "tests/test_api.py ..........F.....F.....                  [ 50%]",
        "=================================== FAILURES ===================================",
        "____________________________ test_create_order _________________________________",
        "    def test_create_order(client):",
        "        resp = client.post('/orders', json={{'sku': 'A-1', 'qty': 2}})",
        ">       assert resp.status_code == 201",
        "E       AssertionError: assert 500 == 201",
        "tests/test_api.py:{line}: AssertionError",
        "=========================== short test summary info ============================",
        "FAILED tests/test_api.py::test_create_order - AssertionError: assert 500 == 201",
        "========================= 2 failed, {n_ok} passed in {d:.2f}s =========================",
    ),
    "ruff": (
        "src/app/orders.py:{line}:5: F841 Local variable `total` is assigned to but never used",
        "src/app/api.py:12:1: I001 [*] Import block is un-sorted or un-formatted",
        "Found 2 errors.",
        "[*] 1 fixable with the `--fix` option.",
    ),
    "mypy": (
        "src/app/orders.py:{line}: error: Argument 1 to \"charge\" has incompatible type "
        "\"str\"; expected \"Decimal\"  [arg-type]",
        "Found 1 error in 1 file (checked 84 source files)",
    ),
    "playwright": (
        "Running {n} tests using 4 workers",
        "  1) [chromium] › checkout.spec.ts:{line}:5 › checkout › pays with a saved card",
        "    Error: Timed out 5000ms waiting for expect(locator).toBeVisible()",
        "    Locator: getByText('Order confirmed')",
        "  1 failed",
        "  {n_ok} passed (1.2m)",
    ),
    "jest": (
        "FAIL src/api/client.test.ts",
        "  ● client › retries a failed request",
        "    expect(received).toBe(expected) // Object.is equality",
        "    Expected: 3",
        "    Received: 1",
        "      at Object.<anonymous> (src/api/client.test.ts:{line}:23)",
        "Tests:       1 failed, {n_ok} passed, {n} total",
    ),
    "surefire": (
        "[INFO] Running com.acme.billing.InvoiceServiceTest",
        "[ERROR] Tests run: {n}, Failures: 1, Errors: 0, Skipped: 2",
        "[ERROR] Failures:",
        "[ERROR]   InvoiceServiceTest.totalsIncludeTax:{line} expected: <120.00> but was: "
        "<100.00>",
        "[ERROR] BUILD FAILURE",
    ),
    "go_test": (
        "--- FAIL: TestStoreGet (0.00s)",
        "    store_test.go:{line}: expected status 200, got 404",
        "FAIL",
        "FAIL\tgithub.com/acme/api/internal/store\t0.412s",
        "ok  \tgithub.com/acme/api/internal/http\t1.207s",
        "FAIL",
    ),
    "cargo_test": (
        "test parser::tests::parses_empty_input ... FAILED",
        "failures:",
        "---- parser::tests::parses_empty_input stdout ----",
        "thread 'parser::tests::parses_empty_input' panicked at src/parser.rs:{line}:9:",
        "assertion `left == right` failed",
        "test result: FAILED. {n_ok} passed; 1 failed; 0 ignored; 0 measured; 0 filtered out",
        "error: test failed, to rerun pass `-p acme-core --lib`",
    ),
    "rspec": (
        "Failures:",
        "  1) Invoice#total sums line items",
        "     Failure/Error: expect(invoice.total).to eq(120)",
        "       expected: 120",
        "            got: 100",
        "     # ./spec/models/invoice_spec.rb:{line}:in `block (3 levels) in <top (required)>'",
        "{n} examples, 1 failure",
    ),
    "smoke": (
        "sh: sleep: Resource temporarily unavailable",
    ),
    "dependency": (
        "Traceback (most recent call last):",
        '  File "/workspace/app/main.py", line {line}, in <module>',
        "    import pandas as pd",
        "ModuleNotFoundError: No module named 'pandas'",
    ),
    "network": (
        "WARN retrying connection to db:5432 (attempt 1/3)",
        "WARN retrying connection to db:5432 (attempt 2/3)",
        "ERROR psycopg2.OperationalError: could not connect to server: Connection refused",
        "\tIs the server running on host \"db\" (10.0.3.{line}) and accepting TCP/IP "
        "connections on port 5432?",
    ),
    "oom": (
        "INFO loading dataset shard {line}",
        "INFO allocating 2048 MB buffer",
        "Killed",
    ),
    "timeout": (
        "INFO waiting for lock on /workspace/.cache/build.lock",
        "INFO still waiting for lock ({line}s)",
    ),
    "permission": (
        "ERROR: could not open '/var/run/secrets/app.conf': Permission denied",
        "PermissionError: [Errno 13] Permission denied: '/var/run/secrets/app.conf'",
    ),
    "rust_build": (
        "   Compiling acme-core v0.9.1 (/workspace/core)",
        "error[E0308]: mismatched types",
        "  --> src/lib.rs:{line}:17",
        "   |",
        "   = note: expected `u32`, found `i64`",
        "error: could not compile `acme-core` (lib) due to 1 previous error",
    ),
    "go_build": (
        "# github.com/acme/api/cmd/server",
        "cmd/server/main.go:{line}:14: undefined: config.ListenAddr",
        "cmd/server/main.go:{line}:2: declared and not used: port",
    ),
    "ts_build": (
        "> app@2.3.0 build",
        "> tsc -p . && vite build",
        "src/pages/Checkout.tsx({line},9): error TS2322: Type 'string' is not assignable to "
        "type 'number'.",
        "Found 1 error in src/pages/Checkout.tsx:{line}",
        "npm ERR! Lifecycle script `build` failed with error:",
        "npm ERR! code 2",
    ),
    "java_build": (
        "> Task :compileJava FAILED",
        "/workspace/src/main/java/com/acme/billing/Invoice.java:{line}: error: cannot find "
        "symbol",
        "    private final Money total;",
        "  symbol:   class Money",
        "FAILURE: Build failed with an exception.",
        "* What went wrong:",
        "Execution failed for task ':compileJava'.",
    ),
    "docs_build": (
        "sphinx-build -W -b html docs docs/_build/html",
        "/workspace/docs/api.rst:{line}: WARNING: undefined label: 'install-guide'",
        "",
        "Warning, treated as error:",
        "make: *** [Makefile:20: html] Error 2",
    ),
    "node": (
        "npm ERR! code ERESOLVE",
        "npm ERR! ERESOLVE unable to resolve dependency tree",
        "npm ERR! While resolving: app@2.3.0",
        "npm ERR! Found: react@18.3.1",
    ),
    "go_panic": (
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6b4a2f]",
        "",
        "goroutine 1 [running]:",
        "github.com/acme/api/internal/store.(*Store).Get(0x0, {{0xc000012345, 0x8}})",
        "\t/workspace/internal/store/store.go:{line} +0x2f",
        "main.main()",
        "\t/workspace/cmd/server/main.go:41 +0x1a5",
        "exit status 2",
    ),
    "java": (
        "[ERROR] Tests run: {n}, Failures: 0, Errors: 1, Skipped: 0",
        "java.lang.IllegalStateException: Failed to load ApplicationContext",
        "\tat org.springframework.test.context.cache.DefaultCacheAwareContextLoaderDelegate"
        ".loadContext(DefaultCacheAwareContextLoaderDelegate.java:180)",
        "\tat com.acme.billing.InvoiceServiceTest.setUp(InvoiceServiceTest.java:{line})",
        "Caused by: java.net.ConnectException: Connection refused",
        "\tat java.base/sun.nio.ch.Net.pollConnect(Native Method)",
        "\t... 42 more",
        "[ERROR] BUILD FAILURE",
    ),
    "config": (
        "ERROR missing required environment variable DATABASE_URL",
        "ERROR configuration invalid: settings.database.url is empty",
    ),
}

JOBS: tuple[Job, ...] = (
    Job("python:3.11", "pytest -q", ("ci", "pr"), 64, 0.22, 410, 0.06, ("test", "dependency"),
        "Run pytest for PR #{pr}", 6, success_lines=PY_OK),
    Job("python:3.11-slim", "pytest -q", ("ci", "pr"), 41, 0.2, 380, 0.05, ("test",),
        "Run pytest for PR #{pr}", 5, success_lines=PY_OK),
    Job("python:3.12", "pytest -q tests/integration", ("ci", "integration"), 212, 0.3, 900,
        0.09, ("network", "test"), "Integration tests against staging db", 3, flaky=True,
        success_lines=PY_OK),
    Job("python:3.11", "pip install -r requirements.txt && pytest", ("ci",), 118, 0.25, 520,
        0.05, ("dependency", "test"), "Fresh install + tests on main", 3,
        success_lines=PIP_OK + PY_OK),
    Job("python:3.11-slim", "ruff check .", ("lint", "ci"), 6, 0.2, 90, 0.04, ("ruff",),
        "Lint", 5, success_lines=GENERIC_OK),
    Job("python:3.11-slim", "mypy src", ("lint", "ci"), 34, 0.2, 610, 0.03, ("mypy",),
        "Type check", 3, success_lines=GENERIC_OK),
    Job("python:3.11", "python train.py --epochs 3", ("ml", "nightly"), 1500, 0.35, 6100,
        0.1, ("oom", "timeout"), "Nightly model training", 0.6, success_lines=GENERIC_OK),
    Job("python:3.11", "python etl/load_orders.py", ("etl", "scheduled"), 300, 0.3, 1500,
        0.07, ("network", "permission", "config"), "Hourly orders ETL", 2.5,
        regression_at=0.7, success_lines=GENERIC_OK),
    Job("node:20", "npm ci && npm test", ("ci", "pr", "frontend"), 96, 0.22, 820, 0.06,
        ("node", "jest"), "Frontend tests for PR #{pr}", 5, success_lines=NODE_OK),
    Job("node:20-alpine", "npm run build", ("ci", "frontend"), 73, 0.2, 1100, 0.04,
        ("node", "ts_build"), "Production bundle", 3, success_lines=NODE_OK),
    Job("node:20", "npx playwright test", ("e2e", "frontend"), 340, 0.3, 1900, 0.12,
        ("playwright", "timeout"), "End-to-end browser tests", 1.5, flaky=True,
        success_lines=NODE_OK),
    Job("golang:1.22", "go test ./...", ("ci", "pr", "backend"), 48, 0.25, 640, 0.05,
        ("go_panic", "go_test"), "Go tests for PR #{pr}", 4, success_lines=GO_OK),
    Job("golang:1.22", "go build ./cmd/server", ("ci", "backend"), 27, 0.2, 700, 0.03,
        ("go_build",), "Build server binary", 3, regression_at=0.55, success_lines=GO_OK),
    Job("rust:1.79", "cargo test --workspace", ("ci", "backend"), 260, 0.25, 2300, 0.05,
        ("rust_build", "cargo_test"), "Rust workspace tests", 2, success_lines=RUST_OK),
    Job("rust:1.79-slim", "cargo build --release", ("release",), 420, 0.2, 2600, 0.03,
        ("rust_build",), "Release build", 0.8, success_lines=RUST_OK),
    Job("maven:3.9-eclipse-temurin-17", "mvn -B verify", ("ci", "backend", "java"), 190, 0.2,
        1400, 0.07, ("java", "surefire"), "Billing service verify", 2.5, success_lines=JAVA_OK),
    Job("gradle:8.8-jdk17", "gradle build", ("ci", "java"), 150, 0.25, 1700, 0.05,
        ("java", "java_build"), "Gradle build", 1.5, success_lines=JAVA_OK),
    Job("ruby:3.3", "bundle exec rspec", ("ci", "ruby"), 88, 0.25, 500, 0.06, ("rspec",),
        "RSpec suite", 1.5, success_lines=GENERIC_OK),
    Job("alpine:3.20", "sh scripts/deploy.sh staging", ("deploy", "staging"), 55, 0.3, 60,
        0.05, ("network", "permission", "config"), "Deploy to staging", 1.2,
        success_lines=GENERIC_OK),
    Job("ubuntu:22.04", "bash scripts/backup.sh", ("ops", "scheduled"), 610, 0.2, 240, 0.03,
        ("permission", "timeout"), "Nightly backup", 0.8, success_lines=GENERIC_OK),
    Job("postgres:16", "psql -f migrations/up.sql", ("db", "deploy"), 12, 0.3, 120, 0.05,
        ("config", "network"), "Apply migrations", 1, success_lines=GENERIC_OK),
    Job("debian:bookworm-slim", "make docs", ("docs",), 33, 0.2, 150, 0.02, ("docs_build",),
        "Build docs", 1, success_lines=GENERIC_OK),
    Job("busybox:1.36", "sh -c 'sleep 2 && echo ok'", ("smoke",), 2.1, 0.05, 2, 0.01,
        ("smoke",), "Smoke check", 1, success_lines=("ok",)),
    Job("nginx:1.27-alpine", "nginx -t", ("smoke", "deploy"), 1.2, 0.1, 8, 0.02, ("config",),
        "Validate nginx config", 1, success_lines=GENERIC_OK),
)

BRANCHES = ("main", "main", "main", "feature/checkout", "fix/login-timeout", "release/2.3",
            "feature/search-v2", "chore/deps")
AGENTS = ("cli", "cli", "api", "scheduler", "mcp:claude-code", "mcp:cursor")
