"""The client half every HTTP deployment shares: start and wait for health, calls, restarts after failures.

Subclasses say how the service process (or container) is launched, where it listens and whether it
still runs; this class speaks the service's JSON protocol (see ``service.py``).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from tinkerer_core import Software, TinkererError
from tinkerer_plugin_deploy_local.service import error_result

HEALTH_TIMEOUT_S = 2.0
LOG_TAIL_CHARS = 2000


class DeployError(TinkererError):
    """A deployment could not start; the message carries the service's log tail."""


def shape_error(inputs: Any) -> dict[str, Any] | None:
    """The error result for inputs that are not a mapping; None for a mapping."""
    if isinstance(inputs, Mapping):
        return None
    return error_result(f"inputs must be a mapping (a JSON object), got {type(inputs).__name__}")


class HttpService(Software, ABC):
    """A deployment reached over HTTP. A call that outlives ``call_timeout_s`` returns an error result and
    restarts the service; a service that died is reported in the result and started again."""

    def __init__(self, call_timeout_s: float, startup_timeout_s: float) -> None:
        self.call_timeout_s = call_timeout_s
        self.startup_timeout_s = startup_timeout_s

    @property
    @abstractmethod
    def url(self) -> str:
        """The service's base URL (``http://127.0.0.1:PORT``); empty until it listens."""

    @abstractmethod
    def _launch(self) -> None:
        """Start the service process or container, without waiting for it."""

    @abstractmethod
    def _running(self) -> bool:
        """Whether the launched service still runs."""

    @abstractmethod
    def _exit_code(self, wait_s: float) -> int | None:
        """The service's exit code if it ends within ``wait_s``; None while it runs."""

    @abstractmethod
    def stop(self, grace_s: float | None = None) -> None:
        """Stop the service, giving calls in flight ``grace_s`` to finish (None: the service's own default)."""

    def start(self) -> None:
        """Start the service and wait until it answers its health check; no-op when it runs."""
        if self._running():
            return
        self._launch()
        try:
            self._wait_healthy()
        except BaseException:  # a failed start, or Ctrl-C / SIGTERM while waiting: nothing is left running
            self.stop(grace_s=0)
            raise

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            code = self._exit_code(wait_s=0)
            if code is not None:
                raise DeployError(f"the service exited with code {code} while starting:\n{self._log_tail()}")
            if self.url and self.is_healthy():
                return
            time.sleep(0.05)
        tail = self._log_tail()
        raise DeployError(f"the service did not become healthy within {self.startup_timeout_s:g} s:\n{tail}")

    def run(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return shape_error(inputs) or self._post("/run", dict(inputs))

    def run_batch(self, batch: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        problems = [shape_error(inputs) for inputs in batch]
        if any(problems):
            return [problem or error_result("not run: another item of the batch is invalid") for problem in problems]
        result = self._post("/run_batch", [dict(inputs) for inputs in batch])
        return result if isinstance(result, list) else [result] * len(batch)

    def is_healthy(self) -> bool:
        if not self._running() or not self.url:
            return False
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=HEALTH_TIMEOUT_S) as response:
                return json.loads(response.read()).get("status") == "ok"
        except (OSError, ValueError):
            return False

    def _post(self, path: str, payload: Any) -> Any:
        if not self._running():
            return error_result("the service is not running: call start()")
        request = urllib.request.Request(
            self.url + path, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.call_timeout_s) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:  # the service's own answer to a bad request
            try:
                return json.loads(error.read())
            except ValueError:
                return error_result(f"HTTP {error.code} from the service")
        except TimeoutError:
            self._restart()
            return error_result(f"the call ran longer than {self.call_timeout_s:g} s; the service was restarted")
        except (urllib.error.URLError, ConnectionError) as error:
            code = self._exit_code(wait_s=1.0)
            if code is None:
                return error_result(f"the service did not answer: {error}")
            tail = self._log_tail()
            self._restart()
            return error_result(f"the service died (exit code {code}) and was restarted", tail)

    def _restart(self) -> None:
        self.stop(grace_s=0)  # it hung or died: no grace
        self.start()

    def _log_tail(self) -> str:
        return self.logs()[-LOG_TAIL_CHARS:]
