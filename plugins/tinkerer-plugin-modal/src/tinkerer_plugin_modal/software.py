"""A solution deployed as a Modal app: one function that calls the solution's entry per input."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tinkerer_core import Software
from tinkerer_core.secrets import redact
from tinkerer_plugin_deploy_local import service
from tinkerer_plugin_deploy_local.entry import Entry
from tinkerer_plugin_deploy_local.http_service import shape_error
from tinkerer_plugin_deploy_local.service import error_result
from tinkerer_plugin_modal import remote

APP_DIR = "/app"
SERVICE_DIR = "/opt/tinkerer"
FUNCTION_NAME = "call_entry"
PYTHON_VERSION = "3.11"
IGNORED = [".git", "**/__pycache__", "**/*.pyc", ".venv", "venv", ".pytest_cache"]


class ModalDeployment(Software):
    """``start()`` deploys the app (image: the solution, its requirements, the service script); ``stop()``
    stops it. Calls go to the deployed function; what the solution prints comes back for ``logs()``."""

    def __init__(
        self,
        solution_dir: Path,
        entry: Entry,
        *,
        app_name: str,
        env: Mapping[str, str],
        gpu: str | None,
        memory_mb: int | None,
        timeout_s: int,
    ) -> None:
        self.solution_dir = Path(solution_dir).resolve()
        self.entry = entry
        self.app_name = app_name
        self.env = dict(env)
        self.gpu = gpu
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s
        self._function: Any = None
        self._log: list[str] = []

    def start(self) -> None:
        if self._function is not None:
            return
        import modal

        # the same service files and server versions as a local or Docker deployment
        image = modal.Image.debian_slim(python_version=PYTHON_VERSION).pip_install(
            *service.pinned_server_requirements()
        )
        if self.entry.requirements:
            image = image.pip_install_from_requirements(str(self.solution_dir / self.entry.requirements))
        image = (
            image.add_local_file(service.__file__, f"{SERVICE_DIR}/service.py")
            .add_local_python_source("tinkerer_plugin_modal")
            .add_local_dir(self.solution_dir, APP_DIR, ignore=IGNORED)
        )
        app = modal.App(self.app_name)
        app.function(
            image=image,
            serialized=True,
            name=FUNCTION_NAME,
            gpu=self.gpu,
            memory=self.memory_mb,
            timeout=self.timeout_s,
            secrets=[modal.Secret.from_dict(dict(self.env))] if self.env else [],
        )(remote.call_entry)
        app.deploy(name=self.app_name)
        self._function = modal.Function.from_name(self.app_name, FUNCTION_NAME)

    def run(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        problem = shape_error(inputs)
        if problem:
            return problem
        if self._function is None:
            return error_result("the app is stopped: call start()")
        try:
            result = dict(self._function.remote(dict(inputs), self.entry.spec, APP_DIR, SERVICE_DIR))
        except Exception as error:  # Modal's errors: the container failed, timed out or was preempted
            return error_result(f"the Modal call failed: {redact(f'{type(error).__name__}: {error}')}")
        self._log.append(result.pop("logs", ""))
        return result

    def stop(self) -> None:
        """Stop the deployed app: its containers end and it takes no new inputs."""
        if self._function is None:
            return
        import modal

        self._function = None
        modal.App.lookup(self.app_name).stop()

    def is_healthy(self) -> bool:
        return self._function is not None

    def logs(self) -> str:
        return redact("".join(self._log))


def has_token() -> bool:
    """Whether Modal credentials are configured (environment or ``~/.modal.toml``), without importing modal."""
    return bool(os.environ.get("MODAL_TOKEN_ID")) or Path("~/.modal.toml").expanduser().is_file()
