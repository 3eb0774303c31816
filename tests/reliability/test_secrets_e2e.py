"""Secrets never reach storage, end to end: a corpus of credential shapes in the environment
and the log lines of imported and recorded runs, then every byte the warehouse holds is
searched for them (every Parquet value — data, log index, stats — and every other file:
the Delta log's min/max statistics, the snapshot file, journals). Ordinary text that merely
looks random (commit hashes, UUIDs, digests) is stored verbatim.

tests/logs/test_redact.py checks the redaction functions line by line; this checks that
every path to storage goes through them.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from reliability_kit import fresh, orcaops_cmd

pytestmark = pytest.mark.reliability

# (the secret text that must not be stored, the line or env value carrying it)
LOG_SECRETS: list[tuple[str, str]] = [
    ("AKIAIOSFODNN7EXAMPLQ", "aws key id AKIAIOSFODNN7EXAMPLQ in use"),
    ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "cloning with ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
     "GH token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345"),
    ("glpat-xY9zW8vU7tS6rQ5pO4nM", "using gitlab glpat-xY9zW8vU7tS6rQ5pO4nM for the mirror"),
    ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
     "slack bot xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx posted"),
    ("T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
     "POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
     "jwt=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
    ("s3cr3tP4ssw0rd", "connecting to postgres://admin:s3cr3tP4ssw0rd@db.internal:5432/app"),
    ("b64basiccredsXYZ", "Authorization: Basic b64basiccredsXYZ"),
    ("tok3nBearerValue123456", "curl -H 'Authorization: Bearer tok3nBearerValue123456' https://api"),
    ("hunter2hunter2", "login --password hunter2hunter2"),
    ("zzPEMbodyLine1AAAAB3NzaC1yc2E", "-----BEGIN RSA PRIVATE KEY-----"),
]
PEM_BODY = ["zzPEMbodyLine1AAAAB3NzaC1yc2E", "zzPEMbodyLine2MIIEowIBAAKCAQEA",
            "-----END RSA PRIVATE KEY-----"]
ENV_SECRETS = {
    "DB_PASSWORD": "envPassw0rdValue",
    "GITHUB_TOKEN": "ghp_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2",
    "AWS_SECRET_ACCESS_KEY": "envAwsSecretKeyValue0123456789",
    "STRIPE_API_KEY": "envStripeKeyValue42",
    "DATABASE_URL": "postgres://svc:envUrlPassword77@db:5432/x",  # secret by shape, not name
}
SECRETS = ([s for s, _ in LOG_SECRETS] + PEM_BODY[:2] + list(ENV_SECRETS.values())[:4]
           + ["envUrlPassword77"])
# Ordinary text that must survive byte for byte.
ORDINARY = [
    "HEAD is now at 3f786850e387550fdab836ed7e6dc881de23001b Merge branch 'main'",
    "short sha 3f78685 and tag v1.2.3",
    "request id 123e4567-e89b-12d3-a456-426614174000 done",
    "image sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 pulled",
    "KEYBOARD=us MAX_TOKENS=4096 token_count: 17",
    "see https://example.com/docs/auth for how to log in",
    "password reset email sent to user@example.com",
    "Authorization failed for user bob (403)",
    "base64 of hello: aGVsbG8gd29ybGQ=",
]
ORDINARY_ENV = {"GIT_COMMIT": "3f786850e387550fdab836ed7e6dc881de23001b", "KEYBOARD": "us",
                "MAX_TOKENS": "4096", "HOME": "/home/ci"}


def _stored_text(root: Path) -> str:
    """Every value of every Parquet file and the bytes of every other file under ``root``."""
    parts = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            for column in pq.read_table(path).columns:
                parts.append(json.dumps(column.to_pylist(), default=str, ensure_ascii=False))
        else:
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def _assert_no_secret(home: Path, figures: Counter[str]) -> str:
    text = _stored_text(home)
    leaked = [s for s in SECRETS if s in text]
    figures["secrets: credential shapes checked in storage"] += len(SECRETS)
    assert not leaked, f"secrets stored unredacted: {leaked}"
    return text


def test_imported_runs_store_no_secret_and_keep_ordinary_text(home: Path,
                                                              figures: Counter[str]) -> None:
    """Import: env and log secrets are redacted everywhere they land (lines, templates,
    first error, analysis, log index, Delta statistics); ordinary look-alikes are not."""
    wh = fresh(home)
    lines = [line for _, line in LOG_SECRETS] + PEM_BODY + ORDINARY + [
        f"echo {v}" for v in ENV_SECRETS.values()]  # a secret env value echoed in the log
    rec = {"job_id": "sec-1", "status": "failed", "exit_code": 1, "logs": lines,
           "environment": {"env": {**ENV_SECRETS, **ORDINARY_ENV}}}
    assert wh.import_records([rec]).imported == 1
    wh.compact()  # the log index holds copies of the lines too
    _assert_no_secret(home, figures)
    stored = fresh(home).logs(job_id="sec-1")["message"].to_list()
    for line in ORDINARY:
        assert line in stored, f"ordinary text was altered: {line!r}"
    env = json.loads(fresh(home).run("sec-1")["environment"])["env"]
    assert {k: env[k] for k in ORDINARY_ENV} == ORDINARY_ENV
    figures["secrets: ordinary look-alikes kept verbatim"] += len(ORDINARY) + len(ORDINARY_ENV)


def test_recorded_run_stores_no_secret(home: Path, figures: Counter[str]) -> None:
    """``orcaops run --local`` with secret --env values that the job prints: neither the
    record, the lines nor the spool left behind hold them."""
    import subprocess

    fresh(home)
    script = "; ".join(f"echo '{line}'" for _, line in LOG_SECRETS[:6] + LOG_SECRETS[8:12])
    script += '; echo "db is $DATABASE_URL"; echo "pw $DB_PASSWORD"'
    env_args = [a for k, v in ENV_SECRETS.items() for a in ("--env", f"{k}={v}")]
    done = subprocess.run(check=False, args=orcaops_cmd(home, "run", "--local", "-q", *env_args, "--", "sh", "-c",
                                      script), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = _assert_no_secret(home, figures)
    assert "[REDACTED]" in text
