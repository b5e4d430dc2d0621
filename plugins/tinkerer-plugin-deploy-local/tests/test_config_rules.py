"""The local deployer's fields refuse bad values before anything starts; a public bind address warns."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from tinkerer_core import ConfigError, Tinkerer, create_component
from tinkerer_core.cli import main
from tinkerer_core.validation import ConfigWarning


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("port=99999", "port must be a port number from 1 to 65535, or 0 to pick a free one, got 99999"),
        ("threads=0", "threads must be at least 1, got 0"),
        ("call_timeout_s=0", "call_timeout_s must be greater than 0, got 0.0"),
        (
            "mode=in-process",
            "mode must be one of 'service', 'in_process', got 'in-process'; did you mean 'in_process'?",
        ),
        ("python=", "python must be non-empty, got ''"),
        (
            "pass_env=HF TOKEN",
            "pass_env must be environment variable names (letters, digits and _, not starting with a digit), "
            "got ('HF TOKEN',)",
        ),
    ],
)
def test_the_command_line_refuses_a_bad_parameter_before_deploying(
    solution_dir: Path, param: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["deploy", str(solution_dir), "--strategy", "local", param, "--input", "{}"]) == 2
    assert capsys.readouterr().err.endswith(f"error: deployer 'local': {message}\n")


def test_the_api_refuses_a_bad_parameter(solution_dir: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        Tinkerer().deploy(solution_dir, "local", deployer_params={"shutdown_timeout_s": -1.0})
    assert str(raised.value) == "deployer 'local': shutdown_timeout_s must be at least 0, got -1.0"


def test_binding_every_interface_warns_that_the_network_reaches_the_service() -> None:
    message = r"^host='0\.0\.0\.0': not a loopback address: the service is reachable from other machines"
    with pytest.warns(ConfigWarning, match=message):
        deployer = create_component("deployer", "local", {"host": "0.0.0.0"})
    assert deployer.host == "0.0.0.0"
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConfigWarning)
        create_component("deployer", "local", {"host": "localhost", "port": 8000})
