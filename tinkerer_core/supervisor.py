"""Run one command as the root of a process tree that cannot outlive its owner (Linux).

Started by ``tinkerer_core.processes`` as ``python -I -S supervisor.py OWNER_PID MEMORY_BYTES -- ARGV...``
(standard library only, so it starts in a few milliseconds without site-packages). It

- becomes a child subreaper: every process the command starts, ``setsid`` and double forks
  included, stays its descendant instead of escaping to init;
- dies with its owner: the kernel sends it SIGTERM when the process that started it dies
  (``PR_SET_PDEATHSIG``), even by ``kill -9``;
- ends the whole tree (SIGKILL to every descendant) when the command exits, and when it gets
  SIGTERM, SIGINT or SIGHUP; then it exits as the command did (same code or same signal).

The command gets the memory cap (``RLIMIT_AS``, 0 for none), no core dumps, and SIGKILL when
the supervisor dies, so nothing is left even if the supervisor itself is killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import sys

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
START_FAILED = 127  # the command could not be executed (as a shell says)


def descendants(root: int) -> list[int]:
    """The pids of every process below ``root``, read from /proc."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue  # it ended while we looked
        children.setdefault(int(fields[1]), []).append(int(name))
    found: list[int] = []
    frontier = [root]
    while frontier:
        below = children.get(frontier.pop(), [])
        found.extend(below)
        frontier.extend(below)
    return found


def end_tree() -> None:
    """SIGKILL every descendant and reap them, until none is left (orphans come back to us)."""
    me = os.getpid()
    while True:
        alive = descendants(me)
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        reaped = False
        while True:
            try:
                pid, _ = os.waitpid(-1, 0 if alive else os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            reaped = True
        if not alive and not reaped:
            return


def exit_as(status: int) -> None:
    """Leave with the command's exit code, or die of the signal that ended it."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.waitstatus_to_exitcode(status))


def run_command(argv: list[str], memory_bytes: int, libc: ctypes.CDLL, supervisor: int) -> None:
    """In the forked child: arm the death signal and limits, then become the command."""
    for number in (*STOP_SIGNALS, signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(number, signal.SIG_DFL)  # Python ignores SIGPIPE; the command gets the defaults
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != supervisor:
        os._exit(START_FAILED)
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        os.execvp(argv[0], argv)
    except OSError as error:
        os.write(2, f"could not start {argv[0]!r}: {error}\n".encode())
    os._exit(START_FAILED)


def main(args: list[str]) -> None:
    """``OWNER_PID MEMORY_BYTES -- ARGV...``"""
    owner, memory_bytes, argv = int(args[0]), int(args[1]), args[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    stopping = os.getppid() != owner  # the owner died before the death signal was armed

    def stop(number: int, frame: object) -> None:
        end_tree()
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)

    for number in STOP_SIGNALS:
        signal.signal(number, stop)
    if stopping:
        os.kill(os.getpid(), signal.SIGTERM)
    me = os.getpid()
    command = os.fork()
    if command == 0:
        run_command(argv, memory_bytes, libc, me)
    while True:
        pid, status = os.waitpid(-1, 0)
        if pid == command:
            break
    end_tree()
    exit_as(status)


if __name__ == "__main__":
    main(sys.argv[1:])
