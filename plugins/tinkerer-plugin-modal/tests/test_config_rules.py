"""The modal deployer's fields refuse bad values before anything is sent to Modal: GPU types, app names, timeouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import ConfigError, Tinkerer, create_component
from tinkerer_core.cli import main
from tinkerer_plugin_modal.deployer import GPU_TYPES

GPU = f"gpu must be a Modal GPU type, optionally with a count (T4 or T4:2): one of {', '.join(GPU_TYPES)}"


@pytest.fixture
def solution_dir(tmp_path: Path) -> Path:
    path = tmp_path / "solution"
    path.mkdir()
    (path / "main.py").write_text("def predict(inputs):\n    return inputs\n")
    return path


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("gpu=A100-80G", f"{GPU}, got 'A100-80G'"),
        ("gpu=T4:0", f"{GPU}, got 'T4:0'"),
        ("timeout_s=0", "timeout_s must be from 1 to 86400, got 0"),
        ("memory_mb=-1", "memory_mb must be at least 0, got -1"),
        (
            "app_name=my app",
            "app_name must be a Modal app name: 1 to 64 letters, digits, '-', '_' or '.', got 'my app'",
        ),
    ],
)
def test_the_command_line_refuses_a_bad_parameter_before_deploying(
    solution_dir: Path, param: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["deploy", str(solution_dir), "--strategy", "modal", param, "--input", "{}"]) == 2
    assert capsys.readouterr().err.endswith(f"error: deployer 'modal': {message}\n")


def test_the_api_refuses_a_bad_parameter(solution_dir: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        Tinkerer().deploy(solution_dir, "modal", deployer_params={"timeout_s": 90_000})
    assert str(raised.value) == "deployer 'modal': timeout_s must be from 1 to 86400, got 90000"


@pytest.mark.parametrize("gpu", ["T4", "a10g", "H100:8", "B200+", "A100-80GB:2"])
def test_every_gpu_modal_documents_is_taken_in_any_case(gpu: str) -> None:
    assert create_component("deployer", "modal", {"gpu": gpu}).gpu == gpu
