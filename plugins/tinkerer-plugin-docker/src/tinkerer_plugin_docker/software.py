"""A solution served from a Docker container, its port published on 127.0.0.1 only."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from tinkerer_core.secrets import redact
from tinkerer_plugin_deploy_local.http_service import HttpService
from tinkerer_plugin_deploy_local.service import Limits
from tinkerer_plugin_docker.build_context import CONTAINER_PORT

LABEL = "tinkerer.deployment"
STOP_GRACE_S = Limits.shutdown_timeout_s + 2  # the service's own shutdown timeout, and a margin


class DockerService(HttpService):
    """A container of ``image`` running the solution's service; ``stop()`` removes the container."""

    def __init__(
        self,
        client: Any,
        image: str,
        *,
        env: Mapping[str, str],
        memory: str | None,
        call_timeout_s: float,
        startup_timeout_s: float,
    ) -> None:
        super().__init__(call_timeout_s, startup_timeout_s)
        self.client = client
        self.image = image
        self.env = dict(env)
        self.memory = memory
        self.container: Any = None
        self._url = ""
        self._last_logs = ""

    @property
    def url(self) -> str:
        if not self._url and self.container is not None:
            self.container.reload()
            bindings = (self.container.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(f"{CONTAINER_PORT}/tcp")
            if bindings:
                self._url = f"http://127.0.0.1:{bindings[0]['HostPort']}"
        return self._url

    def _launch(self) -> None:
        self.container = self.client.containers.run(
            self.image,
            detach=True,
            ports={f"{CONTAINER_PORT}/tcp": ("127.0.0.1", None)},  # a free host port, loopback only
            environment=self.env,
            labels={LABEL: self.image},
            mem_limit=self.memory,
        )

    def _running(self) -> bool:
        if self.container is None:
            return False
        self.container.reload()
        return self.container.status == "running"

    def _exit_code(self, wait_s: float) -> int | None:
        if self.container is None:
            return None
        if wait_s > 0:
            with contextlib.suppress(Exception):  # the SDK raises requests' timeout when it still runs
                return int(self.container.wait(timeout=wait_s)["StatusCode"])
        self.container.reload()
        if self.container.status in ("exited", "dead"):
            return int(self.container.attrs["State"]["ExitCode"])
        return None

    def stop(self, grace_s: float | None = None) -> None:
        """Stop the container (SIGTERM: calls in flight finish within ``grace_s``), then remove it; its logs stay
        readable through ``logs()``."""
        container, self.container, self._url = self.container, None, ""
        if container is None:
            return
        from docker.errors import NotFound

        with contextlib.suppress(NotFound):
            container.stop(timeout=int(STOP_GRACE_S if grace_s is None else grace_s))
            self._last_logs = self._container_logs(container)
        with contextlib.suppress(NotFound):
            container.remove(force=True)

    def logs(self) -> str:
        return redact(self._container_logs(self.container) if self.container is not None else self._last_logs)

    @staticmethod
    def _container_logs(container: Any) -> str:
        return container.logs().decode(errors="replace")
