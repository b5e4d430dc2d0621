"""The docker deployer: generated build context, the exact SDK calls, and the container lifecycle.

No Docker engine runs on these machines: the lifecycle tests use ``StandInDocker`` (the SDK's
surface, running the image's CMD as a local process); ``test_a_real_engine_builds_and_serves`` runs
against a real engine when ``docker info`` answers and skips with the reason otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from importlib.metadata import version
from pathlib import Path

import pytest

from tinkerer_core import create_component
from tinkerer_core.deploy import as_solution
from tinkerer_plugin_deploy_local.entry import find_entry
from tinkerer_plugin_docker.build_context import dockerfile, write_build_context

from .standin_docker import StandInDocker

PREDICT = """
import os

def predict(inputs):
    print("predicting", sorted(inputs), flush=True)
    if inputs.get("crash"):
        raise RuntimeError("bad input")
    if inputs.get("die"):
        os._exit(4)
    return {"len": len(inputs["text"]), "token": os.environ.get("HF_TOKEN")}
"""


@pytest.fixture
def solution_dir(tmp_path: Path) -> Path:
    path = tmp_path / "solution"
    (path / ".git").mkdir(parents=True)
    (path / "main.py").write_text(PREDICT)
    (path / "requirements.txt").write_text("numpy==2.1.0\n")
    (path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return path


@pytest.fixture
def standin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StandInDocker:
    import docker

    engine = StandInDocker(tmp_path / "engine")
    monkeypatch.setattr(docker, "from_env", lambda: engine)
    return engine


def deployer(**params: object):
    return create_component("deployer", "docker", params)


def test_the_dockerfile_installs_requirements_and_serves_the_entry_as_a_non_root_user(solution_dir: Path) -> None:
    text = dockerfile(find_entry(solution_dir), "python:3.11-slim")
    lines = text.splitlines()
    assert lines[0] == "FROM python:3.11-slim"
    assert "RUN pip install -r /tmp/requirements.txt" in lines
    assert lines.index("RUN pip install -r /tmp/requirements.txt") < lines.index("COPY app/ /app/")  # cached layer
    server = f"RUN pip install uvicorn=={version('uvicorn')} starlette=={version('starlette')}"
    assert lines.index(server) < lines.index("RUN pip install -r /tmp/requirements.txt")  # the server tested here
    assert "TINKERER_IN_CONTAINER=1" in lines[1]  # binding 0.0.0.0 in a container published on loopback: no warning
    assert "USER tinkerer" in lines
    assert "EXPOSE 8000" in lines
    command = json.loads(lines[-1].removeprefix("CMD "))
    service = ["python", "/opt/tinkerer/service.py", "--dir", "/app", "--entry", "main:predict"]
    assert command == [*service, "--host", "0.0.0.0", "--port", "8000"]


def test_the_build_context_holds_the_solution_without_git_and_the_service(solution_dir: Path, tmp_path: Path) -> None:
    context = write_build_context(solution_dir, find_entry(solution_dir), "python:3.11-slim", tmp_path / "ctx")
    files = sorted(p.relative_to(context).as_posix() for p in context.rglob("*") if p.is_file())
    assert files == [".dockerignore", "Dockerfile", "app/main.py", "app/requirements.txt", "service.py"]


def test_without_an_engine_supports_says_why(solution_dir: Path) -> None:
    engine_up = subprocess.run(["docker", "info"], capture_output=True).returncode == 0 if _has_cli() else False
    supported, why = deployer().supports(as_solution(solution_dir))
    assert supported is engine_up
    if not engine_up:
        assert why.startswith("no Docker engine answers")
        assert "use strategy local" in why


def test_deploy_builds_runs_and_removes_the_container(
    solution_dir: Path, standin: StandInDocker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_secret_token_value")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-for-the-container")
    software = deployer(pass_env=("HF_TOKEN",), memory="1g").deploy(as_solution(solution_dir))
    try:
        assert software.run({"text": "hello"}) == {
            "status": "success",
            "output": {"len": 5, "token": "hf_secret_token_value"},
        }
        assert software.run({"crash": True})["error"] == "RuntimeError: bad input"
        assert "predicting ['text']" in software.logs()
        assert "hf_secret_token_value" not in software.logs()
        status = urllib.request.urlopen(software.url + "/metrics", timeout=30).status  # the same service as local
        assert status == 200
    finally:
        software.stop()

    (name, build), (_, run) = [call for call in standin.calls if call[0] != "ping"]
    assert name == "images.build"
    assert build["tag"].startswith("tinkerer-solution:") and build["rm"] is True
    assert run["image"] == build["tag"]
    assert run["ports"] == {"8000/tcp": ("127.0.0.1", None)}  # published on loopback only
    assert run["environment"] == {"HF_TOKEN": "hf_secret_token_value"}  # nothing else from the host
    assert run["mem_limit"] == "1g" and run["detach"] is True
    container = standin.containers.started[0]
    assert container.removed and container.process.poll() is not None
    assert "predicting" in software.logs()  # still readable after the container is gone


def test_a_dead_container_is_reported_and_replaced_and_start_after_stop_works(
    solution_dir: Path, standin: StandInDocker
) -> None:
    with deployer().deploy(as_solution(solution_dir)) as software:
        result = software.run({"die": True})
        assert "died (exit code 4)" in result["error"]
        assert software.run({"text": "ab"})["output"]["len"] == 2
        software.stop()
        assert not software.is_healthy()
        software.start()
        assert software.run({"text": "abc"})["output"]["len"] == 3
    assert len(standin.containers.started) == 3
    assert all(container.removed for container in standin.containers.started)


def test_the_same_solution_builds_the_same_tag(solution_dir: Path, standin: StandInDocker) -> None:
    for _ in range(2):
        deployer().deploy(as_solution(solution_dir)).stop()
    tags = {call[1]["tag"] for call in standin.calls if call[0] == "images.build"}
    assert len(tags) == 1


def _has_cli() -> bool:
    from shutil import which

    return which("docker") is not None


def test_a_real_engine_builds_and_serves(solution_dir: Path) -> None:
    if not _has_cli() or subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        pytest.skip("no Docker engine answers `docker info` on this machine; the stand-in tests cover the SDK calls")
    (solution_dir / "requirements.txt").write_text("")
    os.environ.pop("HF_TOKEN", None)
    with deployer().deploy(as_solution(solution_dir)) as software:
        assert software.run({"text": "four"})["output"]["len"] == 4


def test_deploy_without_an_engine_says_to_start_one(solution_dir: Path, tmp_path: Path) -> None:
    """The real command with the real SDK pointed at a socket nobody listens on: an error, not a traceback."""
    tinkerer = Path(sys.executable).with_name("tinkerer")
    socket = tmp_path / "no-engine.sock"
    env = {**os.environ, "DOCKER_HOST": f"unix://{socket}"}
    command = [str(tinkerer), "deploy", str(solution_dir), "--strategy", "docker", "--input", '{"text": "a"}']
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"error: no Docker engine answers at unix://{socket} (" in done.stderr
    assert "start Docker (or point DOCKER_HOST at a running engine), or use strategy local" in done.stderr


def test_deploy_without_the_sdk_says_what_to_install(
    solution_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tinkerer_core.cli import main

    monkeypatch.setitem(sys.modules, "docker", None)  # `import docker` fails as it does where it is not installed
    assert main(["deploy", str(solution_dir), "--strategy", "docker", "--input", "{}"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.endswith(
        "error: the docker deployer needs the Docker SDK, which is not installed: pip install docker "
        "(it comes with tinkerer-plugin-docker)\n"
    )
