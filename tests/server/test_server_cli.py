"""``orcaops serve`` and ``orcaops mcp`` as commands: help, exposure rules, missing extras."""

from __future__ import annotations

import subprocess
import sys

import pytest

from orcaops.cli.serve import check_exposure


@pytest.mark.parametrize("command", ["serve", "mcp"])
def test_help_ends_with_an_example(cli, command: str) -> None:
    res = cli(command, "--help")
    assert res.exit_code == 0
    description = res.stdout.split("Options:")[0].strip()
    assert description.splitlines()[-1].strip().startswith("Example: ")
    assert f" {command}" in description.splitlines()[-1]


def test_non_loopback_host_without_a_key_is_refused(cli, monkeypatch) -> None:
    monkeypatch.delenv("ORCAOPS_API_KEY", raising=False)
    res = cli("serve", "--host", "0.0.0.0")
    assert res.exit_code == 2
    assert "reachable from other machines" in res.stderr and "API key" in res.stderr


def test_non_loopback_host_with_a_key_warns(capsys) -> None:
    # Checked without binding: a test should not open a port to the network.
    check_exposure("0.0.0.0", "k-123")
    assert capsys.readouterr().err.startswith("warning: serving on 0.0.0.0, reachable")
    check_exposure("127.0.0.1", None)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("command,extra,module", [("serve", "server", "fastapi"),
                                                  ("serve", "server", "uvicorn"),
                                                  ("mcp", "mcp", "mcp")])
def test_missing_extra_names_the_pip_command(cli, monkeypatch, command: str, extra: str,
                                            module: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    res = cli(command)
    assert res.exit_code == 2
    assert res.stderr == (f"error: orcaops {command} needs the {extra} extra: "
                          f"pip install 'orcaops[{extra}]'\n")


def test_cli_start_does_not_import_the_server_packages() -> None:
    code = ("import sys; from orcaops.cli import _register; _register(); "
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'mcp', 'starlette') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"
