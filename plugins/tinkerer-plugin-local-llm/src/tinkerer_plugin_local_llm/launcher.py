"""``LocalModelServer``: starts and stops the local model's HTTP server as a child process.

For agents that run in their own process (aider ...): point them at ``server.url`` with ``server.api_key``
(the server refuses requests without it; a fresh key is made at every start and handed to the child).
The child runs in its own process group, recorded in a PID file under ``runs_root()``, and is stopped with its
whole group when the server is stopped, collected, the program exits, or SIGTERM / SIGHUP end it (unless the
program handles those itself). A PID file that outlived its server (kill -9) is removed by the next start.
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
import threading
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path
from types import TracebackType

from tinkerer_core.cli_args import MAX_PORT
from tinkerer_core.local_server_auth import new_key
from tinkerer_plugin_local_llm.engine import EngineSettings
from tinkerer_plugin_local_llm.models import DEFAULT_MODEL, LocalModelError
from tinkerer_plugin_local_llm.server import KEY_ENV

HOST = "127.0.0.1"
PID_FILE = "server.pid"
RUN_DIR_ENV = "TINKERER_LOCAL_LLM_RUN_DIR"  # set in the server's environment: tells our server from a reused PID
SERVER_MODULE = "tinkerer_plugin_local_llm.server"

_running: set[weakref.finalize] = set()  # the finalizers of servers still running, for the signal handler


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
        EngineSettings(model, threads, ctx_size)  # an unknown name or a value llama.cpp aborts on fails here
        if not 0 <= port <= MAX_PORT:
            raise LocalModelError(f"port {port} is out of range: give 1-{MAX_PORT}, or 0 to pick a free one")
        self.model = model
        self.port = port
        self.threads = threads
        self.ctx_size = ctx_size
        self.startup_timeout_s = startup_timeout_s
        self.process: subprocess.Popen[bytes] | None = None
        self.api_key = ""  # the key of the running server (Authorization: Bearer <key>)
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
        return self.run_dir / PID_FILE if self.run_dir else None

    def start(self) -> LocalModelServer:
        """Spawn the server and return once ``/health`` answers; a failed start leaves nothing running.

        A server of this object that died (killed, crashed) is cleaned up and started again.
        """
        if self.process is not None:
            if self.process.poll() is None:
                return self
            self.stop()
        root = runs_root()
        reap_stale(root)
        self.port = self.port or _free_port()
        self.run_dir = Path(tempfile.mkdtemp(prefix="server-", dir=root))
        self.api_key = new_key("sk-local-")
        command = [
            *(sys.executable, "-m", SERVER_MODULE, "--exit-with-parent"),
            *("--model", self.model, "--port", str(self.port)),
            *("--threads", str(self.threads), "--ctx-size", str(self.ctx_size)),
        ]
        with open(self.run_dir / "server.log", "wb") as log:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, RUN_DIR_ENV: str(self.run_dir), KEY_ENV: self.api_key},
            )
        _write_atomically(self.run_dir / PID_FILE, f"{self.process.pid}\n")
        self._finalizer = weakref.finalize(self, _shutdown, self.process, self.run_dir)
        _running.add(self._finalizer)
        _stop_on_termination()
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
            _running.discard(self._finalizer)
        self.process = self.run_dir = self._finalizer = None

    def _wait_until_healthy(self) -> None:
        assert self.process is not None and self.run_dir is not None
        health = f"http://{HOST}:{self.port}/health"
        deadline = time.monotonic() + self.startup_timeout_s
        while (left := deadline - time.monotonic()) > 0:
            if self.process.poll() is not None:
                raise LocalModelError(
                    f"the local model server ({self.model}) exited with code {self.process.returncode} "
                    f"before answering {health}:\n{self._log_tail()}"
                )
            try:
                with urllib.request.urlopen(health, timeout=min(2.0, max(left, 0.1))) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise LocalModelError(
            f"the local model server ({self.model}) did not answer {health} within startup_timeout_s="
            f"{self.startup_timeout_s:g} s: check its log below, free memory and CPU (a busy machine loads the model "
            f"slowly), or raise startup_timeout_s:\n{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        assert self.run_dir is not None
        return (self.run_dir / "server.log").read_text(errors="replace")[-2000:]

    def __enter__(self) -> LocalModelServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def runs_root() -> Path:
    """Where servers' run directories (PID file, log) live: one folder per user under the temporary directory."""
    root = Path(tempfile.gettempdir()) / f"tinkerer-local-llm-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    return root


def is_our_server(pid: int, run_dir: Path) -> bool:
    """Whether ``pid`` is alive and is the server started for ``run_dir`` (not a process that reused the PID)."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except FileNotFoundError:
        return False  # no such process
    except OSError:  # not ours to read, or no /proc: alive counts as ours, to be safe
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return False  # another user's process
        return True
    return f"{RUN_DIR_ENV}={run_dir}".encode() in environ.split(b"\0")


def reap_stale(root: Path) -> list[Path]:
    """Remove the run directories under ``root`` whose PID file names a dead process or not their server."""
    reaped = []
    for run_dir in root.iterdir():
        try:
            pid = int((run_dir / PID_FILE).read_text().strip())
        except FileNotFoundError:
            continue  # a server still being started, or not a run directory
        except (OSError, ValueError):
            pid = 0  # unreadable or garbled: nothing to keep it for
        if pid <= 0 or not is_our_server(pid, run_dir):
            shutil.rmtree(run_dir, ignore_errors=True)
            reaped.append(run_dir)
    return reaped


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    partial.replace(path)


def _stop_on_termination() -> None:
    """Once per process, from the main thread: stop the running servers on SIGTERM / SIGHUP, then die of it.

    Only where the signal would kill the process without clean-up (its default action); a program that
    handles it itself exits through its own path, where ``atexit`` stops the servers.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _terminated)


def _terminated(signum: int, frame: object) -> None:
    for finalizer in list(_running):
        finalizer()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


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
