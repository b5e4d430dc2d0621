"""Test servers that nothing else can reach: private namespaces, children that die with the test, open ports.

Some servers that plugin tests start bind every interface (falkordb's Bolt port, a Ray head), so a test
runs them only inside a private network namespace made by ``unshare`` with just loopback up. The test
process re-runs its suite there (``in_private_namespace``); the suite starts the server as a child that
gets SIGTERM when the test dies (``die_with_parent``) and waits for its port (``wait_for_port``).
"""

from __future__ import annotations

import contextlib
import ctypes
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

PRIVATE_NETNS = "TINKERER_PRIVATE_NETNS"  # "1" in a process started inside the private namespace
PR_SET_PDEATHSIG = 1


def namespace_unavailable(unshare_flags: Sequence[str] = ("--net",)) -> str | None:
    """Why ``unshare`` cannot make the private namespace here, or None when it can."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare and ip (util-linux, iproute2) to make a private network namespace"
    probe = subprocess.run(["unshare", *unshare_flags, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"cannot create a private network namespace here (root needed): {probe.stderr.strip()}"
    return None


def in_private_namespace(argv: Sequence[str], unshare_flags: Sequence[str] = ("--net",)) -> list[str]:
    """The command that runs ``argv`` inside a fresh namespace made with ``unshare_flags``, loopback up."""
    return ["unshare", *unshare_flags, "sh", "-c", f"ip link set lo up && exec {shlex.join(argv)}"]


def die_with_parent() -> None:
    """In a child, before exec: get SIGTERM when the process that started it dies, so no server outlives a test."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def wait_for_port(port: int, process: subprocess.Popen, deadline: float, log: Path, what: str) -> None:
    """Return once 127.0.0.1:``port`` accepts; raise with the tail of ``log`` when ``process`` (``what``) exits
    first or ``deadline`` (``time.monotonic()``) passes."""
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                output = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{what} did not open port {port}:\n{output}") from None
            time.sleep(0.05)


@contextlib.contextmanager
def silent_server(greeting: bytes = b"", accepting: bool = True) -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts every connection and then never answers; yields its port.

    With ``greeting``, it reads the client's first bytes and sends ``greeting`` before falling silent (a
    handshake that succeeds, then nothing). With ``accepting=False`` it accepts nothing and its backlog is
    full, so a client's connect itself hangs (its SYN goes unanswered). The honest stand-in for a server that
    hangs a client's connect or handshake.
    """
    listener = socket.create_server(("127.0.0.1", 0), backlog=16 if accepting else 0)
    held: list[socket.socket] = []
    if not accepting:
        held.append(socket.create_connection(listener.getsockname()))  # fills the backlog of one

    def accept() -> None:
        with contextlib.suppress(OSError):  # the listener was shut down
            while accepting:
                connection, _ = listener.accept()
                held.append(connection)
                if greeting:
                    with contextlib.suppress(OSError):  # the client left, or the server is closing
                        connection.recv(4096)
                        connection.sendall(greeting)

    thread = threading.Thread(target=accept, name="silent-server", daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        for sock in (listener, *held):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the thread's accept() or recv()
        thread.join(timeout=5)
        for sock in (listener, *held):
            sock.close()
