"""JobSpec and the parsers of --memory, --env and --mount."""

from __future__ import annotations

from pathlib import Path

import pytest

from orcaops.core.errors import ExecutorError, InputError
from orcaops.executors import JobSpec, choose_executor, parse_env, parse_memory, parse_mount
from orcaops.executors import docker as docker_exec


@pytest.mark.parametrize(("text", "expected"), [
    ("512m", 512 * 1024**2), ("1g", 1024**3), ("1G", 1024**3), ("256k", 256 * 1024),
    ("2GB", 2 * 1024**3), ("64MiB", 64 * 1024**2), ("1.5g", int(1.5 * 1024**3)),
    ("10485760", 10485760), (8388608, 8388608), (" 16m ", 16 * 1024**2),
])
def test_parse_memory(text: str | int, expected: int) -> None:
    assert parse_memory(text) == expected


@pytest.mark.parametrize("text", ["", "lots", "12x", "-5m", "m", "1.2.3g", "5 m b"])
def test_parse_memory_rejects(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_memory(text)
    assert str(err.value) == f"invalid memory size {text!r}: expected e.g. 512m, 1g, 256k"


def test_memory_minimum() -> None:
    with pytest.raises(InputError) as err:
        parse_memory("0")
    assert str(err.value) == "invalid memory size '0': must be greater than 0"
    with pytest.raises(InputError) as err:
        JobSpec(command=["true"], memory="1m")
    assert str(err.value) == "invalid job spec: memory: '1m' is below the 6m minimum Docker accepts"


def test_parse_env() -> None:
    assert parse_env(["A=1", "B=x=y", "C=", "A=2"]) == {"A": "2", "B": "x=y", "C": ""}


@pytest.mark.parametrize(("pair", "message"), [
    ("NOEQUALS", "invalid --env 'NOEQUALS': expected NAME=VALUE"),
    ("=v", "invalid --env '=v': '' is not a variable name"),
    ("1A=v", "invalid --env '1A=v': '1A' is not a variable name"),
])
def test_parse_env_rejects(pair: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_env([pair])
    assert str(err.value) == message


def test_parse_mount(tmp_path: Path) -> None:
    assert parse_mount(f"{tmp_path}:/data") == (str(tmp_path), "/data", "rw")
    assert parse_mount(f"{tmp_path}:/data:ro") == (str(tmp_path), "/data", "ro")
    assert parse_mount("cache:/cache") == ("cache", "/cache", "rw")  # a named volume


@pytest.mark.parametrize(("text", "message"), [
    ("/x", "invalid --mount '/x': expected SRC:DST or SRC:DST:ro"),
    ("/tmp:/d:rx", "invalid --mount '/tmp:/d:rx': mode must be ro or rw, not 'rx'"),
    ("/tmp:rel", "invalid --mount '/tmp:rel': destination 'rel' must be absolute"),
    ("/no/such/dir:/d", "invalid --mount '/no/such/dir:/d': source '/no/such/dir' does not exist"),
])
def test_parse_mount_rejects(text: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_mount(text)
    assert str(err.value) == message


def test_spec_errors_are_input_errors() -> None:
    with pytest.raises(InputError) as err:
        JobSpec(command=["true"], memory="lots", cpus=0)
    assert str(err.value) == ("invalid job spec: memory: invalid memory size 'lots': expected "
                              "e.g. 512m, 1g, 256k; cpus: must be greater than 0")
    with pytest.raises(InputError, match="command: no command given"):
        JobSpec(command=[])
    with pytest.raises(InputError, match="unexpected|Extra inputs"):
        JobSpec(command=["true"], nonsense=1)


def test_choose_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docker_exec, "docker_available", lambda: False)
    monkeypatch.setattr("orcaops.executors.run.docker_available", lambda: False)
    assert choose_executor(JobSpec(command=["true"])) == "local"
    assert choose_executor(JobSpec(image="x", command=["true"]), "local") == "local"
    with pytest.raises(ExecutorError, match="no Docker engine is reachable"):
        choose_executor(JobSpec(image="x", command=["true"]))
    with pytest.raises(InputError, match="needs an image"):
        choose_executor(JobSpec(command=["true"]), "docker")
    with pytest.raises(InputError, match="unknown executor 'k8s'"):
        choose_executor(JobSpec(command=["true"]), "k8s")
