"""The `modal` deployer: the solution as a Modal app, called through the Modal SDK."""

from __future__ import annotations

import os
import re
from typing import Any

import chz

from tinkerer_core import Deployer, Software, Solution
from tinkerer_core.validation import Rule, at_least, between, env_names
from tinkerer_plugin_deploy_local.deployer import supports_entry
from tinkerer_plugin_deploy_local.entry import find_entry
from tinkerer_plugin_deploy_local.http_service import DeployError
from tinkerer_plugin_modal.software import ModalDeployment, has_token

MAX_TIMEOUT_S = 24 * 3600  # Modal's longest function timeout
# the GPU types of Modal's guide (the SDK passes any name on, upper-cased; the service refuses unknown ones)
GPU_TYPES = (
    "T4",
    "L4",
    "A10",
    "A10G",
    "L40S",
    "A100",
    "A100-40GB",
    "A100-80GB",
    "RTX-PRO-6000",
    "H100",
    "H100!",
    "H200",
    "B200",
    "B200+",
)


def _is_gpu(spec: Any) -> bool:
    kind, _, count = str(spec).partition(":")
    return kind.upper() in GPU_TYPES and (not count or (count.isdigit() and int(count) >= 1))


def _is_app_name(name: Any) -> bool:
    """Modal's rule for object names: up to 64 letters, digits, '-', '_' or '.', and not an app id."""
    return re.fullmatch(r"[a-zA-Z0-9._-]{1,64}", str(name)) is not None and not re.fullmatch(
        r"ap-[a-zA-Z0-9]{22}", str(name)
    )


GPU = Rule(f"a Modal GPU type, optionally with a count (T4 or T4:2): one of {', '.join(GPU_TYPES)}", test=_is_gpu)
APP_NAME = Rule("a Modal app name: 1 to 64 letters, digits, '-', '_' or '.'", test=_is_app_name)


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

    app_name: str | None = chz.field(
        default=None, validator=APP_NAME, doc="the Modal app's name (None: tinkerer-<solution directory name>)"
    )
    gpu: str | None = chz.field(
        default=None, validator=GPU, doc="a Modal GPU type such as T4 or A10G, ':N' for N of them; None: CPU only"
    )
    memory_mb: int = chz.field(default=0, validator=at_least(0), doc="memory to reserve, in MiB; 0 for Modal's default")
    timeout_s: int = chz.field(
        default=600, validator=between(1, MAX_TIMEOUT_S), doc="longest a call may run (Modal allows up to 24 h)"
    )
    pass_env: tuple[str, ...] = chz.field(
        default=(), validator=env_names(), doc="variables sent to the app as a Modal secret"
    )

    def supports(self, solution: Solution) -> tuple[bool, str]:
        app = self._app_name(solution)
        return supports_entry(solution, lambda entry: f"deploys {entry.spec} as the Modal app {app!r}", check_modal)

    def deploy(self, solution: Solution) -> Software:
        check_modal()
        software = ModalDeployment(
            solution.path,
            find_entry(solution.path),
            app_name=self._app_name(solution),
            env={name: os.environ[name] for name in self.pass_env if name in os.environ},
            gpu=self.gpu,
            memory_mb=self.memory_mb or None,
            timeout_s=self.timeout_s,
        )
        software.start()
        return software

    def _app_name(self, solution: Solution) -> str:
        slug = re.sub(r"[^a-z0-9-]+", "-", solution.path.name.lower()).strip("-") or "solution"
        return self.app_name or f"tinkerer-{slug}"[:60]
