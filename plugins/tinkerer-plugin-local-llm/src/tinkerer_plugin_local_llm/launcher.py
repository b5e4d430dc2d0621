"""``LocalModelServer``: starts and stops the local model's HTTP server as a child process.

For agents that run in their own process (aider ...): point them at ``server.url`` with any API key.
The child runs in its own process group, recorded in a PID file, and is stopped with its whole group.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path
from types import TracebackType

from tinkerer_plugin_local_llm.models import DEFAULT_MODEL, LocalModelError, get_model

HOST = "127.0.0.1"


class LocalModelServer:
    """An OpenAI-compatible server for a local model on 127.0.0.1; a context manager."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        port: int = 0,
        threads: int = 1,
        ctx_size: int = 2048,
        startup_timeout_s: float = 60.0,
    ) -> None:
        get_model(model)  # an unknown name fails here, not in the child
        self.model = model
        self.port = port
        self.threads = threads
        self.ctx_size = ctx_size
        self.startup_timeout_s = startup_timeout_s
        self.process: subprocess.Popen[bytes] | None = None
        self.run_dir: Path | None = None
        self._finalizer: weakref.finalize | None = None

    @property
    def url(self) -> str:
        """The OpenAI base URL, e.g. ``http://127.0.0.1:8080/v1``."""
        if self.process is None:
            raise LocalModelError("the local model server is not running: call start() first")
        return f"http://{HOST}:{self.port}/v1"

    @property
    def pid_file(self) -> Path | None:
        """The file holding the server's PID (also its process group id) while it runs."""
        return self.run_dir / "server.pid" if self.run_dir else None

    def start(self) -> LocalModelServer:
        """Spawn the server and return once ``/health`` answers; a failed start leaves nothing running."""
        if self.process is not None:
            return self
        self.port = self.port or _free_port()
        self.run_dir = Path(tempfile.mkdtemp(prefix="tinkerer-local-llm-"))
        command = [
            *(sys.executable, "-m", "tinkerer_plugin_local_llm.server", "--exit-with-parent"),
            *("--model", self.model, "--port", str(self.port)),
            *("--threads", str(self.threads), "--ctx-size", str(self.ctx_size)),
        ]
        with open(self.run_dir / "server.log", "wb") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        (self.run_dir / "server.pid").write_text(f"{self.process.pid}\n")
        self._finalizer = weakref.finalize(self, _shutdown, self.process, self.run_dir)
        try:
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server's process group (SIGTERM, then SIGKILL) and remove its PID file."""
        if self._finalizer is not None:
            self._finalizer()
        self.process = self.run_dir = self._finalizer = None

    def _wait_until_healthy(self) -> None:
        assert self.process is not None and self.run_dir is not None
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.run_dir / "server.log").read_text(errors="replace")[-2000:]
                raise LocalModelError(f"the local model server exited with code {self.process.returncode}:\n{log}")
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise LocalModelError(f"the local model server did not answer /health within {self.startup_timeout_s:.0f} s")

    def __enter__(self) -> LocalModelServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _shutdown(process: subprocess.Popen[bytes], run_dir: Path, timeout_s: float = 10.0) -> None:
    """Terminate ``process``'s group, reap it, kill any member left, and remove ``run_dir``."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # children the server may have left in its group
    shutil.rmtree(run_dir, ignore_errors=True)
