"""Processes that never outlive their owner, and records that let a later run find what a killed one left.

``start_supervised(argv, ...)`` runs a command under ``tinkerer_core/supervisor.py``: the command and everything
it starts (``setsid`` and double forks included) end when it exits, when ``stop_tree`` is called,
and when the process that started it dies, however it dies. Start it from the thread that waits for
it: the kernel's death signal follows the thread that started the supervisor, not only its process.
``record_process`` writes a pid with its start time, so ``recorded_process`` never mistakes a recycled
pid for the process it recorded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

SUPERVISOR = Path(__file__).with_name("supervisor.py")
STOP_GRACE_S = 5.0  # how long a supervisor gets to end its tree before its group is killed outright


def start_supervised(argv: Sequence[str], *, memory_mb: int | None = None, **popen: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen(argv, **popen)`` under the supervisor, owned by this process, in a session of its own
    (what ``stop_tree`` expects); ``memory_mb`` caps the command's address space."""
    memory_bytes = memory_mb * 1024 * 1024 if memory_mb else 0
    command = [sys.executable, "-I", "-S", str(SUPERVISOR), str(os.getpid()), str(memory_bytes), "--", *argv]
    return subprocess.Popen(command, start_new_session=True, **popen)


def stop_tree(pid: int, grace_s: float = STOP_GRACE_S) -> None:
    """End the supervised command whose supervisor is ``pid`` (started with ``start_new_session``) and its tree."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while is_running(pid):
        if time.monotonic() > deadline:  # a supervisor that does not end: its group, at least
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            return
        time.sleep(0.01)


def is_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not ended, not a zombie)."""
    state = _stat_fields(pid)
    return state is not None and state[0] != "Z"


def start_time(pid: int) -> int | None:
    """When ``pid`` started, in clock ticks since boot (its identity, with the pid); None if it is gone."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def record_process(path: Path, pid: int) -> None:
    """Write ``pid`` and its start time to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{pid} {start_time(pid) or 0}\n")


def recorded_process(path: Path) -> int | None:
    """The pid recorded in ``path`` when that very process still runs; else None."""
    try:
        pid_text, _, started_text = path.read_text().partition(" ")
        pid, started = int(pid_text), int(started_text or 0)
    except (OSError, ValueError):
        return None
    if not is_running(pid) or start_time(pid) != started:
        return None
    return pid


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name (state first), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    return text.rsplit(")", 1)[1].split()


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: the work stops as it would on Ctrl-C."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signal_number).name}")
        self.signal_number = signal_number


@contextlib.contextmanager
def interrupted_by_signals(signals: Sequence[int] = (signal.SIGTERM, signal.SIGHUP)) -> Iterator[None]:
    """Within the block, ``signals`` raise ``Interrupted`` in the main thread (once), so ``finally`` blocks run
    and processes are ended; outside the main thread, or after the block, the handlers are as they were."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def interrupt(number: int, frame: object) -> None:
        nonlocal raised
        if not raised:  # a second signal must not interrupt the clean-up the first one started
            raised = True
            raise Interrupted(number)

    previous = {number: signal.signal(number, interrupt) for number in signals}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def missing_program(argv: Sequence[str], cwd: Path, env: Mapping[str, str]) -> str | None:
    """Why ``argv`` cannot be started in ``cwd`` with ``env``'s PATH, or None when it can."""
    if not argv:
        return "could not start: the command is empty"
    program = argv[0]
    if os.sep in program:
        path = cwd / program
        if not (path.is_file() and os.access(path, os.X_OK)):
            return f"could not start {program!r}: no executable file {path}"
    elif shutil.which(program, path=env.get("PATH", os.defpath)) is None:
        return f"could not start {program!r}: not found on PATH"
    return None
