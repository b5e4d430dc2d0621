"""The `local` deployer: a solution as a local HTTP service (default) or called in-process."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import chz

from tinkerer_core import Deployer, Software, Solution
from tinkerer_core.secrets import scrubbed_environment
from tinkerer_core.validation import Rule, at_least, env_names, not_empty, one_of, positive, warn_if_public
from tinkerer_plugin_deploy_local.entry import Entry, EntryError, find_entry
from tinkerer_plugin_deploy_local.http_service import DeployError
from tinkerer_plugin_deploy_local.service import Limits
from tinkerer_plugin_deploy_local.software import InProcessSoftware, LocalService

MODES = ("service", "in_process")
PORT_OR_FREE = Rule("a port number from 1 to 65535, or 0 to pick a free one", low=0, high=65535)


def supports_entry(
    solution: Solution, describe: Callable[[Entry], str], check_engine: Callable[[], object] = lambda: None
) -> tuple[bool, str]:
    """``Deployer.supports`` for a deployer that serves the solution's entry function: False with the reason
    when the solution has none or ``check_engine`` raises ``DeployError`` (no Docker daemon, no Modal token),
    else True with ``describe(entry)``."""
    try:
        entry = find_entry(solution.path)
        check_engine()
    except (EntryError, DeployError) as error:
        return False, str(error)
    return True, describe(entry)


@chz.chz
class LocalDeployer(Deployer):
    """Serve the solution's entry function on 127.0.0.1 in its own process group, or call it in-process."""

    mode: str = chz.field(
        default="service",
        validator=one_of(*MODES),
        doc="service (own process, HTTP on 127.0.0.1) or in_process",
    )
    host: str = chz.field(
        default="127.0.0.1",
        validator=[not_empty(), warn_if_public()],
        doc="the address the service binds (a non-loopback one is reachable from the network)",
    )
    port: int = chz.field(default=0, validator=PORT_OR_FREE, doc="the service's port; 0 picks a free one")
    call_timeout_s: float = chz.field(
        default=600.0, validator=positive(), doc="longest a call may run; the service restarts after"
    )
    startup_timeout_s: float = chz.field(
        default=60.0, validator=positive(), doc="longest the service may take to become healthy"
    )
    pass_env: tuple[str, ...] = chz.field(
        default=(), validator=env_names(), doc="secret variables the solution may see (e.g. OPENAI_API_KEY)"
    )
    python: str | None = chz.field(
        default=None,
        validator=not_empty(),
        doc="the interpreter that runs the service (with uvicorn and starlette); None: Tinkerer's own",
    )
    threads: int = chz.field(
        default=Limits.threads,
        validator=at_least(1),
        doc="calls served at the same time (1 if the entry is not thread-safe)",
    )
    max_body_bytes: int = chz.field(
        default=Limits.max_body_bytes, validator=at_least(1), doc="largest request body; larger ones get 413"
    )
    shutdown_timeout_s: float = chz.field(
        default=Limits.shutdown_timeout_s,
        validator=at_least(0),
        doc="on stop, how long calls in flight may take to finish",
    )
    allowed_hosts: tuple[str, ...] = chz.field(
        default=(), doc="Host names served besides loopback ones (* for any); empty: any unless bound to loopback"
    )

    def supports(self, solution: Solution) -> tuple[bool, str]:
        mode = self.mode.replace("_", "-")
        return supports_entry(
            solution, lambda entry: f"serves {entry.spec} from {solution.path} as a local {mode} deployment"
        )

    def deploy(self, solution: Solution) -> Software:
        entry = find_entry(solution.path)
        software: Software
        if self.mode == "in_process":
            software = InProcessSoftware(solution.path, entry, self.call_timeout_s)
        else:
            software = LocalService(
                solution.path,
                entry,
                env=scrubbed_environment(os.environ, keep=self.pass_env),
                python=self.python or sys.executable,
                host=self.host,
                port=self.port,
                call_timeout_s=self.call_timeout_s,
                startup_timeout_s=self.startup_timeout_s,
                shutdown_timeout_s=self.shutdown_timeout_s,
                service_args=self._service_args(),
            )
        software.start()
        return software

    def _service_args(self) -> list[str]:
        args = ["--threads", str(self.threads), "--max-body-bytes", str(self.max_body_bytes)]
        return args + (["--allowed-hosts", ",".join(self.allowed_hosts)] if self.allowed_hosts else [])
