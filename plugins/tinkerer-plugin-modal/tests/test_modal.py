"""The modal deployer: the exact SDK calls, and calls that reach the solution in a container-like process.

No Modal token is available on these machines: the lifecycle tests use ``StandInModal``;
``test_a_real_modal_app_serves`` runs when a token is configured and TINKERER_TEST_MODAL=1
(it creates a real, billed app), and skips with the reason otherwise.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from tinkerer_core import create_component
from tinkerer_core.deploy import as_solution

from .standin_modal import StandInModal

PREDICT = """
import os

def predict(inputs):
    print("scoring", inputs["text"])
    if inputs.get("crash"):
        raise KeyError("missing")
    return {"upper": inputs["text"].upper(), "token": os.environ.get("HF_TOKEN"), "cwd": os.getcwd()}
"""


@pytest.fixture
def solution_dir(tmp_path: Path) -> Path:
    path = tmp_path / "My Solution"
    path.mkdir()
    (path / "main.py").write_text(PREDICT)
    (path / "requirements.txt").write_text("numpy\n")
    return path


@pytest.fixture
def standin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StandInModal:
    modal = StandInModal(tmp_path / "modal")
    monkeypatch.setitem(sys.modules, "modal", modal.module)
    monkeypatch.setenv("MODAL_TOKEN_ID", "ak-test")  # the stand-in answers as a Modal account would
    return modal


def deployer(**params: object):
    return create_component("deployer", "modal", params)


def test_without_a_token_supports_says_why(solution_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MODAL_TOKEN_ID", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    supported, why = deployer().supports(as_solution(solution_dir))
    assert not supported
    assert why.startswith("no Modal token")
    monkeypatch.setenv("MODAL_TOKEN_ID", "ak-test")
    assert deployer().supports(as_solution(solution_dir)) == (
        True,
        "deploys main:predict as the Modal app 'tinkerer-my-solution'",
    )


def test_deploy_builds_the_image_and_calls_reach_the_solution(
    solution_dir: Path, standin: StandInModal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_secret_token_value")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-for-modal")
    software = deployer(gpu="T4", memory_mb=2048, timeout_s=120, pass_env=("HF_TOKEN",)).deploy(
        as_solution(solution_dir)
    )
    result = software.run({"text": "hi"})
    assert result["status"] == "success"
    assert result["output"]["upper"] == "HI"
    assert result["output"]["token"] == "hf_secret_token_value"
    assert result["output"]["cwd"].endswith("/app")  # the service runs in the solution's directory
    crashed = software.run({"text": "x", "crash": True})
    assert crashed["status"] == "error" and crashed["error"] == "KeyError: 'missing'"
    assert "scoring hi" in software.logs()
    assert software.run(["not", "a", "mapping"])["status"] == "error"  # type: ignore[arg-type]

    layers = [call for call in standin.calls if call[0].startswith(("Image", "pip", "add_"))]
    assert layers[0] == ("Image.debian_slim", "3.11")
    assert layers[1] == ("pip_install", (f"uvicorn=={version('uvicorn')}", f"starlette=={version('starlette')}"))
    assert layers[2] == ("pip_install_from_requirements", "numpy\n")
    assert layers[3][0] == "add_local_file" and layers[3][1][1] == "/opt/tinkerer/service.py"
    assert layers[4] == ("add_local_python_source", "tinkerer_plugin_modal")
    assert layers[5][1][:2] == (str(solution_dir.resolve()), "/app")
    function = next(options for name, options in standin.calls if name == "App.function")
    assert {key: function[key] for key in ("gpu", "memory", "timeout", "name", "serialized", "fn")} == {
        "gpu": "T4",
        "memory": 2048,
        "timeout": 120,
        "name": "call_entry",
        "serialized": True,
        "fn": "call_entry",
    }
    assert ("Secret.from_dict", ["HF_TOKEN"]) in standin.calls
    assert ("App.deploy", "tinkerer-my-solution") in standin.calls


def test_stop_stops_the_app_and_start_deploys_again(solution_dir: Path, standin: StandInModal) -> None:
    with deployer().deploy(as_solution(solution_dir)) as software:
        assert software.is_healthy()
    assert ("App.stop", "tinkerer-my-solution") in standin.calls
    assert not software.is_healthy()
    assert software.run({"text": "a"})["error"] == "the app is stopped: call start()"
    software.start()
    assert software.run({"text": "b"})["output"]["upper"] == "B"
    software.stop()
    assert [name for name, _ in standin.calls].count("App.deploy") == 2


def test_a_failing_remote_call_is_an_error_result(solution_dir: Path, standin: StandInModal) -> None:
    software = deployer().deploy(as_solution(solution_dir))
    standin.deployed["tinkerer-my-solution"]["stopped"] = True  # stopped from elsewhere (the dashboard)
    result = software.run({"text": "a"})
    assert result["status"] == "error"
    assert result["error"].startswith("the Modal call failed: RuntimeError: App tinkerer-my-solution is stopped")


def test_a_real_modal_app_serves(solution_dir: Path) -> None:
    from tinkerer_plugin_modal.software import has_token

    if not has_token() or os.environ.get("TINKERER_TEST_MODAL") != "1":
        pytest.skip(
            "no Modal token, or TINKERER_TEST_MODAL=1 not set (a real app is billed); stand-in tests cover the SDK calls"
        )
    with deployer(timeout_s=300).deploy(as_solution(solution_dir)) as software:
        assert software.run({"text": "real"})["output"]["upper"] == "REAL"


def test_deploy_without_a_token_says_how_to_make_one(solution_dir: Path, tmp_path: Path) -> None:
    """The real command with the real SDK and no credentials: an error naming `modal token new`, not a traceback."""
    import subprocess

    tinkerer = Path(sys.executable).with_name("tinkerer")
    env = {key: value for key, value in os.environ.items() if not key.startswith("MODAL_")}
    env["HOME"] = str(tmp_path)
    command = [str(tinkerer), "deploy", str(solution_dir), "--strategy", "modal", "--input", '{"text": "a"}']
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.endswith(
        "error: no Modal token (MODAL_TOKEN_ID / ~/.modal.toml): run `modal token new`, or use strategy local\n"
    )


def test_deploy_without_the_sdk_says_what_to_install(
    solution_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tinkerer_core.cli import main

    monkeypatch.setenv("MODAL_TOKEN_ID", "ak-test")
    monkeypatch.setitem(sys.modules, "modal", None)  # `import modal` fails as it does where it is not installed
    assert main(["deploy", str(solution_dir), "--strategy", "modal", "--input", "{}"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.endswith(
        "error: the modal deployer needs the Modal SDK, which is not installed: pip install modal "
        "(it comes with tinkerer-plugin-modal)\n"
    )
