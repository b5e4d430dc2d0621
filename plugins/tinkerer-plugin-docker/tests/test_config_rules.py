"""The docker deployer's fields refuse bad values before an image is built: Docker's memory syntax, image names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import ConfigError, Tinkerer, create_component
from tinkerer_core.cli import main

MEMORY = (
    "memory must be empty (no limit) or a size Docker accepts, a number with an optional unit b, k, m or g, "
    "of at least 6m (e.g. 512m, 2g)"
)


@pytest.fixture
def solution_dir(tmp_path: Path) -> Path:
    path = tmp_path / "solution"
    path.mkdir()
    (path / "main.py").write_text("def predict(inputs):\n    return inputs\n")
    return path


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("memory=2t", f"{MEMORY}, got '2t'"),
        ("memory=1024", f"{MEMORY}, got '1024'"),  # bytes: below the engine's 6 MiB minimum
        (
            "base_image=Python:3.11",
            "base_image must be an image reference such as python:3.11-slim (a lower-case name, "
            "an optional :tag or @digest), got 'Python:3.11'",
        ),
        ("startup_timeout_s=-5", "startup_timeout_s must be greater than 0, got -5.0"),
    ],
)
def test_the_command_line_refuses_a_bad_parameter_before_building(
    solution_dir: Path,
    tmp_path: Path,
    param: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'no-engine.sock'}")  # nothing could be built anyway
    assert main(["deploy", str(solution_dir), "--strategy", "docker", param, "--input", "{}"]) == 2
    assert capsys.readouterr().err.endswith(f"error: deployer 'docker': {message}\n")


def test_the_api_refuses_a_bad_parameter(solution_dir: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        Tinkerer().deploy(solution_dir, "docker", deployer_params={"memory": "lots"})
    assert str(raised.value) == f"deployer 'docker': {MEMORY}, got 'lots'"


@pytest.mark.parametrize("memory", ["", "6m", "512M", "1.5g", "2gb", "4294967296"])
def test_every_memory_limit_docker_takes_is_taken(memory: str) -> None:
    assert create_component("deployer", "docker", {"memory": memory}).memory == memory
