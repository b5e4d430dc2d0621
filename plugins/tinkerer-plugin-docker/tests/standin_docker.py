"""A stand-in for the Docker SDK client, for machines without a Docker engine.

It has the SDK's surface that the deployer uses (``ping``, ``images.build``, ``containers.run`` and
the container's ``reload / attrs / status / wait / logs / stop / remove``) and records every call.
"Running" an image runs the image's Dockerfile CMD as a local process, with the image's paths mapped
to the build context and the container port to a free loopback port, and with only the environment
the container was given. Everything above the engine is therefore real.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from tinkerer_plugin_docker.build_context import APP_DIR, CONTAINER_PORT, SERVICE_PATH


class StandInDocker:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.images = _Images(self)
        self.containers = _Containers(self)

    def ping(self) -> bool:
        self.calls.append(("ping", {}))
        return True


class _Images:
    def __init__(self, docker: StandInDocker) -> None:
        self.docker = docker
        self.built: dict[str, Path] = {}

    def build(self, *, path: str, tag: str, rm: bool, labels: dict[str, str]) -> tuple[Any, list[Any]]:
        self.docker.calls.append(("images.build", {"path": path, "tag": tag, "rm": rm, "labels": labels}))
        image = self.docker.workdir / "images" / tag.replace(":", "_")
        shutil.copytree(path, image, dirs_exist_ok=True)  # the context directory is temporary
        self.built[tag] = image
        return object(), []


class _Containers:
    def __init__(self, docker: StandInDocker) -> None:
        self.docker = docker
        self.started: list[StandInContainer] = []

    def run(self, image: str, **options: Any) -> StandInContainer:
        self.docker.calls.append(("containers.run", {"image": image, **options}))
        container = StandInContainer(self.docker.images.built[image], options)
        self.started.append(container)
        return container


class StandInContainer:
    def __init__(self, image: Path, options: dict[str, Any]) -> None:
        assert options["detach"] is True
        host_ip, host_port = options["ports"][f"{CONTAINER_PORT}/tcp"]
        self.port = host_port or _free_port(host_ip)
        command = _cmd(image / "Dockerfile")
        mapped = {SERVICE_PATH: str(image / "service.py"), APP_DIR: str(image / "app"), "0.0.0.0": host_ip}
        mapped[str(CONTAINER_PORT)] = str(self.port)
        argv = [sys.executable if part == "python" else mapped.get(part, part) for part in command]
        self.log = image / "container.log"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                argv, env=dict(options["environment"]), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.removed = False
        self.status = "created"
        self.attrs: dict[str, Any] = {}
        self.reload()

    def reload(self) -> None:
        if self.removed:
            from docker.errors import NotFound

            raise NotFound("No such container")
        code = self.process.poll()
        self.status = "running" if code is None else "exited"
        self.attrs = {
            "State": {"ExitCode": code or 0},
            "NetworkSettings": {
                "Ports": {f"{CONTAINER_PORT}/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(self.port)}]}
            },
        }

    def wait(self, timeout: float) -> dict[str, int]:
        import requests

        try:
            return {"StatusCode": self.process.wait(timeout=timeout)}
        except subprocess.TimeoutExpired:
            raise requests.exceptions.ReadTimeout("timed out") from None

    def logs(self) -> bytes:
        return self.log.read_bytes()

    def stop(self, timeout: int) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def remove(self, force: bool) -> None:
        if force:
            self.stop(timeout=0)
        self.removed = True


def _cmd(dockerfile: Path) -> list[str]:
    line = next(line for line in dockerfile.read_text().splitlines() if line.startswith("CMD "))
    return json.loads(line.removeprefix("CMD "))


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
