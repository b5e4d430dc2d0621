"""Processes that never outlive their owner, and records that let a later run find what a killed one left.

``start_supervised(argv, ...)`` runs a command under ``tinkerer_core/supervisor.py``: the command and everything
it starts (``setsid`` and double forks included) end when it exits, when ``stop_tree`` is called,
and when the process that started it dies, however it dies. Start it from the thread that waits for
it: the kernel's death signal follows the thread that started the supervisor, not only its process.
``run_supervised`` is the one way to run such a command to its end: output read as it comes (capped, or
line by line to a callback), an input written, a timeout, the tree ended whatever happens.
``record_process`` writes a pid with its start time, so ``recorded_process`` never mistakes a recycled
pid for the process it recorded.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

SUPERVISOR = Path(__file__).with_name("supervisor.py")
STOP_GRACE_S = 5.0  # how long a supervisor gets to end its tree before its group is killed outright
READER_JOIN_S = 5.0  # after the tree has ended, how long its output pipes may take to drain
CHUNK_BYTES = 65536


def start_supervised(argv: Sequence[str], *, memory_mb: int | None = None, **popen: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen(argv, **popen)`` under the supervisor, owned by this process, in a session of its own
    (what ``stop_tree`` expects); ``memory_mb`` caps the command's address space."""
    memory_bytes = memory_mb * 1024 * 1024 if memory_mb else 0
    command = [sys.executable, "-I", "-S", str(SUPERVISOR), str(os.getpid()), str(memory_bytes), "--", *argv]
    return subprocess.Popen(command, start_new_session=True, **popen)


@dataclass(frozen=True)
class Finished:
    """How a supervised command ended and what it printed (with ``merge_stderr``, all of it in ``stdout``)."""

    exit_code: int | None  # None: it timed out, or could not start
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    start_error: str = ""  # why it could not start (a program that is not there)
    duration_s: float = 0.0
    peak_memory_mb: float = 0.0
    truncated: bool = False  # output was cut to ``keep_chars`` (its head and tail kept)


class CappedText:
    """A stream's text, kept whole or, past ``limit`` characters, as its first and last halves."""

    def __init__(self, limit: int | None) -> None:
        self.half = max(limit // 2, 1) if limit is not None else None
        self.head = ""
        self.tail = ""
        self.dropped = 0

    def feed(self, text: str) -> None:
        if self.half is None:
            self.head += text
            return
        if len(self.head) < self.half:
            room = self.half - len(self.head)
            self.head, text = self.head + text[:room], text[room:]
        if not text:
            return
        self.tail += text
        if len(self.tail) > self.half:
            self.dropped += len(self.tail) - self.half
            self.tail = self.tail[-self.half :]

    def text(self) -> str:
        if not self.dropped:
            return self.head + self.tail
        return f"{self.head}\n... [{self.dropped} characters cut] ...\n{self.tail}"


def run_supervised(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
    input_text: str | None = None,
    memory_mb: int | None = None,
    merge_stderr: bool = False,
    keep_chars: int | None = None,
    on_line: Callable[[str], None] | None = None,
    pid_file: Path | None = None,
) -> Finished:
    """Run ``argv`` in ``cwd`` under the supervisor (``start_supervised``) to its end, and say how it ended.

    Its output is read as it comes, decoded as UTF-8 (bad bytes replaced) and kept whole, or its head and tail
    within ``keep_chars``; ``on_line`` gets each line of stdout (without its newline) as it arrives, on a reader
    thread, and what it raises is raised here. ``input_text`` is written to its stdin (else stdin is empty).
    The command and every process it started end when it exits, at ``timeout_s``, when this call is interrupted
    and when the calling process dies; a child that escaped with the pipes open is not waited for. While it
    runs, ``pid_file`` records it (``record_process``), so a later run can end what a killed one left."""
    missing = missing_program(argv, cwd, env)
    if missing:
        return Finished(exit_code=None, start_error=missing)
    started = time.monotonic()
    process = start_supervised(
        argv,
        memory_mb=memory_mb,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL if input_text is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
    )
    if pid_file is not None:
        record_process(pid_file, process.pid)
    stdout, stderr = CappedText(keep_chars), CappedText(keep_chars)
    failures: list[BaseException] = []
    streams: list[tuple[IO[bytes] | None, CappedText, Callable[[str], None] | None]] = [
        (process.stdout, stdout, on_line)
    ]
    if not merge_stderr:
        streams.append((process.stderr, stderr, None))
    threads = [threading.Thread(target=_read, args=(*stream, failures), daemon=True) for stream in streams]
    if input_text is not None:
        threads.append(threading.Thread(target=_write, args=(process.stdin, input_text), daemon=True))
    for thread in threads:
        thread.start()
    waited: list[tuple[int, resource.struct_rusage]] = []
    waiter = threading.Thread(target=lambda: waited.append(os.wait4(process.pid, 0)[1:]), daemon=True)
    waiter.start()
    try:
        waiter.join(timeout=timeout_s)
        timed_out = waiter.is_alive()
    finally:  # at the timeout, and when the caller is interrupted (Ctrl-C, SIGTERM)
        if waiter.is_alive():
            stop_tree(process.pid)
        waiter.join()
    status, usage = waited[0]
    process.returncode = os.waitstatus_to_exitcode(status)
    for thread in threads:
        thread.join(timeout=READER_JOIN_S)
    if pid_file is not None:
        pid_file.unlink(missing_ok=True)
    if failures:
        raise failures[0]
    return Finished(
        exit_code=None if timed_out else process.returncode,
        stdout=stdout.text(),
        stderr=stderr.text(),
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
        peak_memory_mb=usage.ru_maxrss / 1024,
        truncated=bool(stdout.dropped or stderr.dropped),
    )


def _read(
    stream: IO[bytes] | None, into: CappedText, on_line: Callable[[str], None] | None, failures: list[BaseException]
) -> None:
    """Decode ``stream`` into ``into`` until it closes, each complete line to ``on_line`` too."""
    assert stream is not None
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    # typeshed types Popen's pipes as IO[bytes]; with the default buffering they are BufferedReaders, with read1
    for chunk in iter(lambda: stream.read1(CHUNK_BYTES), b""):  # type: ignore[attr-defined]
        text = decoder.decode(chunk)
        into.feed(text)
        if on_line is None or failures:
            continue  # keep draining the pipe so the command never blocks on a full one
        lines = (pending + text).split("\n")
        pending = lines.pop()
        _each_line(on_line, lines, failures)
    rest = decoder.decode(b"", final=True)
    into.feed(rest)
    if on_line is not None and not failures and pending + rest:
        _each_line(on_line, [pending + rest], failures)
    stream.close()


def _each_line(on_line: Callable[[str], None], lines: list[str], failures: list[BaseException]) -> None:
    for line in lines:
        try:
            on_line(line.removesuffix("\r"))
        except BaseException as error:  # raised by run_supervised, on the caller's thread
            failures.append(error)
            return


def _write(stream: IO[bytes] | None, text: str) -> None:
    assert stream is not None
    with contextlib.suppress(BrokenPipeError, OSError):  # a command that exits before reading it all
        stream.write(text.encode())
        stream.close()


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
