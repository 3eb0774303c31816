"""Secret redaction: every credential shape is redacted, ordinary identifiers are not."""

from __future__ import annotations

import pytest

from orcaops.logs import parse_run_log, redact_env, redact_text
from orcaops.logs.redact import REDACTED, is_secret_name, secret_values

SECRETS = {
    "aws access key id": "aws key AKIAIOSFODNN7EXAMPLE configured",
    "aws sts key id": "using ASIAY34FZKBOKMUTVV7A",
    "aws secret": "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "github classic": "token ghp_1234567890abcdefghijklmnopqrstuvwxyzAB",
    "github oauth": "gho_16C7e42F292c6912E7710c838347Ae178B4a used",
    "github fine-grained": "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV",
    "gitlab": "export GL=glpat-xxxxxxxxxxxxxxxxxxxx1234",
    "slack bot": "posting with xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "slack webhook": "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "jwt": "cookie eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "bearer header": "Authorization: Bearer abcdef0123456789abcdef",
    "basic header": "authorization: Basic dXNlcjpwYXNzd29yZA==",
    "url password": "cloning https://deploy:s3cr3tP4ss@git.example.com/org/repo.git",
    "db url password": "DATABASE_URL=postgres://app:hunter2@db:5432/orders",
    "password kv": "login with password=hunter2 ok",
    "password json": '{"user": "bob", "password": "hunter2"}',
    "api key kv": "api_key: 9f8e7d6c5b4a",
    "client secret": "client_secret=abc123def456",
    "cli flag": "mysqladmin --password s3cr3t status",
    "stripe": "sk_live_51H8abcdefghijklmnopqrstuv",
    "openai": "OPENAI sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD",
    "google": "key AIzaSyA-1234567890abcdefghijklmnopqrstu",
    "npm": "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789",
    "hugging face": "hf_abcdefghijklmnopqrstuvwxyzABCDEF",
}
SECRET_VALUES = ["AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A", "wJalrXUtnFEMI", "ghp_1234",
                 "gho_16C7", "github_pat_11", "glpat-", "xoxb-", "T00000000/B00000000", "eyJhbGci",
                 "abcdef0123456789abcdef", "dXNlcjpwYXNzd29yZA", "s3cr3tP4ss", "hunter2",
                 "9f8e7d6c5b4a", "abc123def456", "s3cr3t", "sk_live_51H8", "sk-proj-abc",
                 "AIzaSyA", "npm_abcdef", "hf_abcdef"]

HARMLESS = [
    "HEAD is now at 0a1b2c3d4e5f60718293a4b5c6d7e8f901234567 Merge pull request #12",
    "request id 550e8400-e29b-41d4-a716-446655440000 done",
    "pulled image python@sha256:3f1b9c2e6a5d4b7c8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789ab",
    "Digest: sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4",
    "cache key=pip-3f1b9c2e restored", "max_tokens=512 temperature=0.2",
    "tests/test_auth.py::test_token_refresh PASSED", "--- PASS: TestPassword (0.00s)",
    "Keyboard layout: us", "the password field is required", "token_type=bearer",
    "Error: unexpected token } in JSON at position 12",
    "password_file=/run/secrets/db", "https://github.com/org/repo.git",
]


@pytest.mark.parametrize("text", list(SECRETS.values()), ids=list(SECRETS))
def test_credentials_are_redacted(text):
    out = redact_text(text)
    assert REDACTED in out
    assert not any(v in out for v in SECRET_VALUES), out
    stored = parse_run_log([text])  # the pipeline's own (column-wise) path
    assert not any(v in stored.message[0] or v in (stored.parsed[0] or "")
                   for v in SECRET_VALUES), stored.message


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_is_untouched(text):
    assert redact_text(text) == text
    assert REDACTED not in parse_run_log([text]).message[0]


def test_redaction_keeps_the_line_readable():
    assert redact_text("password=hunter2 user=bob") == "password=[REDACTED] user=bob"
    assert redact_text("Authorization: Bearer abcdef0123456789abcdef") == \
        "Authorization: Bearer [REDACTED]"
    assert redact_text("postgres://app:hunter2@db:5432/x") == "postgres://app:[REDACTED]@db:5432/x"


def test_pem_private_key_blocks_are_redacted_across_lines():
    key = ["-----BEGIN RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEA1c2xf", "Zm9vYmFy", "-----END RSA PRIVATE KEY-----"]
    text = "\n".join(["before", *key, "after"])
    out = redact_text(text).split("\n")
    assert out == ["before", key[0], REDACTED, REDACTED, key[3], "after"]
    log = parse_run_log(["before", *key, "after"])
    assert log.message == out


def test_literal_secrets_are_masked_in_lines():
    log = parse_run_log(["connecting with opensesame-42 now"], secrets=["opensesame-42"])
    assert log.message == [f"connecting with {REDACTED} now"]


def test_log_lines_are_redacted_before_storage():
    log = parse_run_log(['{"level":"info","msg":"login","password":"hunter2"}',
                         "time=2024-01-01T00:00:00Z level=info msg=x token=abc123xyz"])
    assert "hunter2" not in log.parsed[0] and "abc123xyz" not in log.parsed[1]
    assert all("hunter2" not in m and "abc123xyz" not in m for m in log.message)


@pytest.mark.parametrize("name,secret", [
    ("GITHUB_TOKEN", True), ("DB_PASSWORD", True), ("AWS_SECRET_ACCESS_KEY", True),
    ("API_KEY", True), ("apiKey", True), ("STRIPE_SECRET", True), ("PGPASSWORD", False),
    ("DB_PASS", True), ("SSH_PRIVATE_KEY", True), ("SENTRY_DSN", True),
    ("GOOGLE_APPLICATION_CREDENTIALS", True), ("HTTP_AUTH", True),
    ("KEYBOARD", False), ("PATH", False), ("MAX_TOKENS", False), ("CACHE_KEY", False),
    ("PASSWORD_FILE", False), ("TOKENIZERS_PARALLELISM", False), ("AUTHOR", False),
    ("PUBLIC_KEY", False), ("HOME", False)])
def test_secret_names(name, secret):
    assert is_secret_name(name) is secret


def test_redact_env():
    env = {"GITHUB_TOKEN": "ghp_x", "KEYBOARD": "us", "PWD": "/app", "PATH": "/usr/bin",
           "DATABASE_URL": "postgres://u:p4ss@h/d", "NOTE": "AKIAIOSFODNN7EXAMPLE",
           "SSH_AUTH_SOCK": "/tmp/agent.sock", "EMPTY_TOKEN": ""}
    out = redact_env(env)
    assert out == {"GITHUB_TOKEN": REDACTED, "KEYBOARD": "us", "PWD": "/app", "PATH": "/usr/bin",
                   "DATABASE_URL": f"postgres://u:{REDACTED}@h/d", "NOTE": REDACTED,
                   "SSH_AUTH_SOCK": "/tmp/agent.sock", "EMPTY_TOKEN": ""}
    assert secret_values({"API_KEY": "abcd1234", "HOME": "/root"}) == ["abcd1234"]
