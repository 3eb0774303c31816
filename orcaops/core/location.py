"""Where a home lives: a local folder, or an object-store URL (``s3://bucket/prefix``).

A home on object storage keeps its tables there and everything that must be local (the
live-run spool, locks, the saved snapshot, journals, caches) in a local folder of its own:
``$ORCAOPS_CACHE/<digest>`` (default ``~/.cache/orcaops/<digest>``), the digest of the
endpoint and the URL, so two homes never share one. Credentials are never held here: the
standard ``AWS_*`` variables are read by the drivers themselves (delta-rs, the AWS SDK under
pyarrow), so nothing OrcaOps stores or prints can carry them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

SCHEMES = ("s3://",)
CACHE_VARIABLE = "ORCAOPS_CACHE"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")


def is_remote(raw: str | os.PathLike[str] | None) -> bool:
    """Whether ``raw`` names a home on object storage (a URL with a known scheme)."""
    return isinstance(raw, str) and raw.startswith(SCHEMES)


@dataclass(frozen=True)
class RemoteHome:
    """A home on S3 or an S3-compatible store: ``s3://bucket/prefix``.

    Endpoint, region and plain-HTTP permission come from ``AWS_ENDPOINT_URL``,
    ``AWS_REGION`` (or ``AWS_DEFAULT_REGION``) and ``AWS_ALLOW_HTTP`` when used, never from
    the home; the keys only ever from the environment (or the AWS SDK's usual chain).
    """

    bucket: str
    prefix: str

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def key(self, *parts: str) -> str:
        """``bucket/prefix/part/...`` as pyarrow's S3 filesystem names an object."""
        return "/".join(p for p in (self.bucket, self.prefix, *parts) if p)

    def cache_dir(self) -> Path:
        """The local folder for what this home keeps on the machine (spool, locks, caches)."""
        import hashlib  # deferred: a local home never needs it (~1.5 ms of a cold call)

        base = os.environ.get(CACHE_VARIABLE) or "~/.cache/orcaops"
        ident = f"{endpoint() or 'aws'}|{self.url}"
        return Path(base).expanduser().resolve() / hashlib.sha256(ident.encode()).hexdigest()[:16]

    def __str__(self) -> str:
        return self.url


def parse_remote(raw: str) -> RemoteHome:
    """``s3://bucket/prefix`` as a RemoteHome.

    Raises:
        InputError: no bucket, a bucket name S3 refuses, or a query or credentials in the URL.
    """
    from orcaops.core.errors import InputError

    rest = raw[len("s3://"):]
    bucket, _, prefix = rest.partition("/")
    problem = None
    if "@" in bucket or "?" in rest or "#" in rest:
        problem = "must not carry credentials, a query or a fragment (use the AWS_* variables)"
    elif not _BUCKET.match(bucket):
        problem = "needs a bucket name of 3-63 lower-case letters, digits, dots and dashes"
    if problem:
        shown = "s3://<bucket>/…" if "@" in bucket else raw
        raise InputError(f"OrcaOps home {shown} {problem}: use s3://bucket/prefix")
    return RemoteHome(bucket, "/".join(p for p in prefix.split("/") if p))


def endpoint() -> str | None:
    """The S3 endpoint the environment names (an S3-compatible server), or None for AWS."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def allow_http() -> bool:
    return os.environ.get("AWS_ALLOW_HTTP", "").strip().lower() in ("1", "true", "yes")
