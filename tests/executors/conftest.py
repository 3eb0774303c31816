"""Fixtures for the executor tests: a private Docker engine for the session.

The warehouse fixture ``wh`` is the shared one in tests/conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from orcaops.executors import docker as docker_exec

try:  # tests/ on sys.path (tests/ is not a package)
    from docker_engine import IMAGE, DockerEngine, unavailable_reason
except ImportError:  # tests/ is a package
    from tests.docker_engine import IMAGE, DockerEngine, unavailable_reason


def _cannot_run(reason: str) -> None:
    # Under CI the engine is installed on purpose (.ci/install-docker.sh): a docker test that
    # cannot run there is a broken setup, not a reason to go green.
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the Docker tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"Docker tests skipped: {reason}")


@pytest.fixture(scope="session")
def _engine_or_error() -> Iterator[DockerEngine | str]:
    reason = unavailable_reason()
    if reason:
        yield reason
        return
    try:
        engine = DockerEngine.start()
        engine.build_busybox_image()
    except Exception as e:  # noqa: BLE001 - reported by every docker test that needs it
        yield f"could not start a private dockerd: {e}"
        return
    try:
        yield engine
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def docker_engine(_engine_or_error: DockerEngine | str) -> Iterator[DockerEngine]:
    """A private engine holding ``orcaops-busybox:latest``; DOCKER_HOST points at it."""
    if isinstance(_engine_or_error, str):
        _cannot_run(_engine_or_error)
    engine = _engine_or_error
    assert isinstance(engine, DockerEngine)
    old = os.environ.get("DOCKER_HOST")
    os.environ["DOCKER_HOST"] = engine.base_url
    _forget_engines()
    try:
        yield engine
    finally:
        if old is None:
            os.environ.pop("DOCKER_HOST", None)
        else:
            os.environ["DOCKER_HOST"] = old
        _forget_engines()


def _forget_engines() -> None:
    docker_exec._available.cache_clear()
    docker_exec._connect.cache_clear()


@pytest.fixture
def image(docker_engine: DockerEngine) -> str:
    """The test image's name (needs the engine)."""
    return IMAGE
