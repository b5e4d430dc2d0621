"""Deployed solutions: a local HTTP service in its own process group, or the entry called in-process."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tinkerer_core import Software
from tinkerer_core.secrets import redact
from tinkerer_plugin_deploy_local import service
from tinkerer_plugin_deploy_local.entry import Entry
from tinkerer_plugin_deploy_local.http_service import DeployError, HttpService, shape_error
from tinkerer_plugin_deploy_local.service import error_result

STOP_MARGIN_S = 2.0  # past the service's own shutdown timeout, before its process group is killed


class LocalService(HttpService):
    """The solution behind ``service.py`` on 127.0.0.1, as its own process group that ends when its owner does."""

    def __init__(
        self,
        solution_dir: Path,
        entry: Entry,
        *,
        env: Mapping[str, str],
        python: str = sys.executable,
        host: str = "127.0.0.1",
        port: int = 0,
        call_timeout_s: float = 600.0,
        startup_timeout_s: float = 60.0,
        log_dir: Path | None = None,
        service_args: Sequence[str] = (),
        shutdown_timeout_s: float = service.Limits.shutdown_timeout_s,
    ) -> None:
        super().__init__(call_timeout_s, startup_timeout_s)
        self.service_args = tuple(service_args)
        self.shutdown_timeout_s = shutdown_timeout_s
        self.solution_dir = Path(solution_dir).resolve()
        self.entry = entry
        self.env = dict(env)
        self.python = python
        self.host = host
        self.port = port
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="tinkerer-deploy-"))
        self.log_path = self.log_dir / "service.log"
        self._ready_file = self.log_dir / "ready.json"
        self._process: subprocess.Popen[bytes] | None = None
        self._bound_port: int | None = None

    @property
    def url(self) -> str:
        if self._bound_port is None and self._running() and self._ready_file.is_file():
            self._bound_port = json.loads(self._ready_file.read_text())["port"]
        return f"http://{self.host}:{self._bound_port}" if self._bound_port else ""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def _launch(self) -> None:
        self._ready_file.unlink(missing_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        command = [
            self.python,
            service.__file__,
            "--dir",
            str(self.solution_dir),
            "--entry",
            self.entry.spec,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--ready-file",
            str(self._ready_file),
            "--program-timeout",
            str(self.call_timeout_s),
            "--shutdown-timeout",
            str(self.shutdown_timeout_s),
            "--owner-pid",
            str(os.getpid()),
            *self.service_args,
        ]
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                command,
                cwd=self.solution_dir,
                env={**self.env, "PYTHONUNBUFFERED": "1"},  # logs() shows prints as they happen
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self, grace_s: float | None = None) -> None:
        """SIGTERM to the service (calls in flight finish), then SIGKILL to its whole process group after
        ``grace_s`` (default: its shutdown timeout and a margin); nothing is left running."""
        process, self._process, self._bound_port = self._process, None, None
        if process is None:
            return
        grace = self.shutdown_timeout_s + STOP_MARGIN_S if grace_s is None else grace_s
        if grace > 0:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=grace)
        with contextlib.suppress(ProcessLookupError):  # the service if it is still there, and what it left behind
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def logs(self) -> str:
        return redact(self.log_path.read_text(errors="replace")) if self.log_path.is_file() else ""

    def _running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _exit_code(self, wait_s: float) -> int | None:
        if self._process is None:
            return None
        try:
            return self._process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            return None


class InProcessSoftware(Software):
    """The entry called in the caller's process: no start-up cost, but no isolation either.

    Program entries still run as a subprocess per call. What the solution prints is kept for ``logs()``.
    """

    def __init__(self, solution_dir: Path, entry: Entry, call_timeout_s: float = 600.0) -> None:
        self.solution_dir = Path(solution_dir).resolve()
        self.entry = entry
        self.call_timeout_s = call_timeout_s
        self._call: service.Call | None = None
        self._log = io.StringIO()

    def start(self) -> None:
        if self._call is not None:
            return
        if self.entry.function is None:
            self._call = service.program_call(self.solution_dir, self.entry.module, self.call_timeout_s)
            return
        path = self.solution_dir / self.entry.module_file
        spec = importlib.util.spec_from_file_location(f"tinkerer_deployed_{id(self)}", path)
        if spec is None or spec.loader is None:
            raise DeployError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        try:
            with contextlib.redirect_stdout(self._log):
                spec.loader.exec_module(module)
        except Exception as error:
            raise DeployError(f"importing {path} failed: {type(error).__name__}: {error}") from error
        self._call = service.function_call(getattr(module, self.entry.function))

    def run(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        problem = shape_error(inputs)
        if problem:
            return problem
        if self._call is None:
            return error_result("the deployment is stopped: call start()")
        with contextlib.redirect_stdout(self._log):
            return self._call(dict(inputs))

    def stop(self) -> None:
        self._call = None

    def is_healthy(self) -> bool:
        return self._call is not None

    def logs(self) -> str:
        return redact(self._log.getvalue())
