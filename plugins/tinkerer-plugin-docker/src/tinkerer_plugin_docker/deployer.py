"""The `docker` deployer: build an image from the solution, serve it from a container through the Docker SDK."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import chz

from tinkerer_core import Deployer, Software, Solution
from tinkerer_core.secrets import redact
from tinkerer_core.validation import Rule, env_names, positive
from tinkerer_plugin_deploy_local.deployer import supports_entry
from tinkerer_plugin_deploy_local.entry import find_entry
from tinkerer_plugin_deploy_local.http_service import DeployError
from tinkerer_plugin_docker.build_context import context_digest, write_build_context
from tinkerer_plugin_docker.software import LABEL, DockerService

IMAGE_REPOSITORY = "tinkerer-solution"
MIN_MEMORY_BYTES = 6 * 1024 * 1024  # the engine refuses a smaller limit
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_MEMORY = re.compile(r"(?P<number>\d+(?:\.\d+)?)(?:(?P<unit>[kmg])b?|b)?", re.IGNORECASE)
# distribution/reference's grammar: [domain[:port]/]path[:tag][@digest], path components in lower case
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_DOMAIN = rf"(?:{_LABEL}(?:\.{_LABEL})*(?::\d+)?/)?"
_PATH = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_TAG = r"(?::\w[\w.-]{0,127})?"
_DIGEST = r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"
_REFERENCE = re.compile(rf"{_DOMAIN}{_PATH}(?:/{_PATH})*{_TAG}{_DIGEST}")


def memory_bytes(limit: str) -> int | None:
    """The bytes a Docker memory limit means (``2g``, ``512m``, ``1.5gb``, ``1048576``), None if it is not one."""
    match = _MEMORY.fullmatch(limit)
    if match is None:
        return None
    return int(float(match["number"]) * _UNITS[(match["unit"] or "").lower()])


MEMORY_LIMIT = Rule(
    "empty (no limit) or a size Docker accepts, a number with an optional unit b, k, m or g, "
    "of at least 6m (e.g. 512m, 2g)",
    test=lambda limit: limit == "" or (memory_bytes(str(limit)) or 0) >= MIN_MEMORY_BYTES,
)
IMAGE_REFERENCE = Rule(
    "an image reference such as python:3.11-slim (a lower-case name, an optional :tag or @digest)",
    test=lambda image: _REFERENCE.fullmatch(str(image)) is not None,
)


def docker_client() -> Any:
    """A client of the Docker engine the environment points at (DOCKER_HOST or the local socket), once it answers;
    a ``DeployError`` saying what to install or start otherwise."""
    try:
        import docker
    except ImportError:
        raise DeployError(
            "the docker deployer needs the Docker SDK, which is not installed: pip install docker "
            "(it comes with tinkerer-plugin-docker)"
        ) from None
    where = os.environ.get("DOCKER_HOST") or "the local socket (/var/run/docker.sock)"
    try:
        client = docker.from_env()
        client.ping()
    except Exception as error:  # the SDK raises DockerException or requests' errors
        raise DeployError(
            f"no Docker engine answers at {where} ({redact(str(error))[:160]}): start Docker (or point DOCKER_HOST "
            "at a running engine), or use strategy local"
        ) from None
    return client


@chz.chz
class DockerDeployer(Deployer):
    """Build an image from the solution (its requirements.txt installed) and serve it from a container."""

    base_image: str = chz.field(
        default="python:3.11-slim", validator=IMAGE_REFERENCE, doc="the image the solution's image starts from"
    )
    memory: str = chz.field(
        default="2g", validator=MEMORY_LIMIT, doc="the container's memory limit (512m, 2g ...), empty for none"
    )
    call_timeout_s: float = chz.field(
        default=600.0, validator=positive(), doc="longest a call may run; the container restarts after"
    )
    startup_timeout_s: float = chz.field(
        default=120.0, validator=positive(), doc="longest the container may take to become healthy"
    )
    pass_env: tuple[str, ...] = chz.field(
        default=(), validator=env_names(), doc="secret variables the container may see"
    )

    def supports(self, solution: Solution) -> tuple[bool, str]:
        return supports_entry(
            solution, lambda entry: f"builds an image serving {entry.spec} and runs it in a container", docker_client
        )

    def deploy(self, solution: Solution) -> Software:
        entry = find_entry(solution.path)
        client = docker_client()
        with tempfile.TemporaryDirectory(prefix="tinkerer-docker-") as scratch:
            context = write_build_context(Path(solution.path), entry, self.base_image, Path(scratch))
            tag = f"{IMAGE_REPOSITORY}:{context_digest(context)}"
            try:
                client.images.build(path=str(context), tag=tag, rm=True, labels={LABEL: str(solution.path)})
            except Exception as error:  # BuildError carries the build log
                log = "".join(item.get("stream", "") for item in getattr(error, "build_log", []) or [])
                raise DeployError(f"building {tag} failed: {redact(str(error))}\n{redact(log)[-2000:]}") from None
        software = DockerService(
            client,
            tag,
            env=_passed(self.pass_env),
            memory=self.memory or None,
            call_timeout_s=self.call_timeout_s,
            startup_timeout_s=self.startup_timeout_s,
        )
        software.start()
        return software


def _passed(names: tuple[str, ...]) -> dict[str, str]:
    """Only the variables asked for: a container does not inherit the host's environment."""
    return {name: os.environ[name] for name in names if name in os.environ}
