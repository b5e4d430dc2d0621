"""The `modal` deployer: the solution as a Modal app, called through the Modal SDK."""

from __future__ import annotations

import os
import re

import chz

from tinkerer_core.components import Deployer
from tinkerer_core.types import Software, Solution
from tinkerer_plugin_deploy_local.entry import EntryError, find_entry
from tinkerer_plugin_deploy_local.http_service import DeployError
from tinkerer_plugin_modal.software import ModalDeployment, has_token


def check_modal() -> None:
    """Raise a ``DeployError`` saying what to do when the Modal SDK or a Modal token is missing."""
    try:
        import modal  # noqa: F401
    except ImportError:
        raise DeployError(
            "the modal deployer needs the Modal SDK, which is not installed: pip install modal "
            "(it comes with tinkerer-plugin-modal)"
        ) from None
    if not has_token():
        raise DeployError(
            "no Modal token (MODAL_TOKEN_ID / ~/.modal.toml): run `modal token new`, or use strategy local"
        )


@chz.chz
class ModalDeployer(Deployer):
    """Deploy the solution's entry as a Modal function (GPU optional); needs a Modal token."""

    app_name: str = chz.field(default="", doc="the Modal app's name; empty: tinkerer-<solution directory name>")
    gpu: str = chz.field(default="", doc="a Modal GPU type such as T4 or A10G; empty for CPU")
    memory_mb: int = chz.field(default=0, doc="memory to reserve, in MiB; 0 for Modal's default")
    timeout_s: int = chz.field(default=600, doc="longest a call may run")
    pass_env: tuple[str, ...] = chz.field(default=(), doc="variables sent to the app as a Modal secret")

    def supports(self, solution: Solution) -> tuple[bool, str]:
        try:
            entry = find_entry(solution.path)
        except EntryError as error:
            return False, str(error)
        try:
            check_modal()
        except DeployError as error:
            return False, str(error)
        return True, f"deploys {entry.spec} as the Modal app {self._app_name(solution)!r}"

    def deploy(self, solution: Solution) -> Software:
        check_modal()
        software = ModalDeployment(
            solution.path,
            find_entry(solution.path),
            app_name=self._app_name(solution),
            env={name: os.environ[name] for name in self.pass_env if name in os.environ},
            gpu=self.gpu or None,
            memory_mb=self.memory_mb or None,
            timeout_s=self.timeout_s,
        )
        software.start()
        return software

    def _app_name(self, solution: Solution) -> str:
        slug = re.sub(r"[^a-z0-9-]+", "-", solution.path.name.lower()).strip("-") or "solution"
        return self.app_name or f"tinkerer-{slug}"[:60]
