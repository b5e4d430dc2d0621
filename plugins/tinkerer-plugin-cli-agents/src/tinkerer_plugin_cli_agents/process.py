"""Run a CLI as a supervised process tree, hand every stdout line to a callback as it arrives, end it on timeout."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tinkerer_core.processes import missing_program, start_supervised, stop_tree

STDERR_TAIL_CHARS = 4000
READER_JOIN_S = 5.0  # after the tree has ended, how long to wait for the pipes to drain


@dataclass(frozen=True)
class ProcessOutcome:
    """How a streamed process ended."""

    exit_code: int | None  # None when it timed out or could not start
    timed_out: bool = False
    stderr_tail: str = ""
    duration_s: float = 0.0
    start_error: str = ""  # why it could not start


class _Tail:
    """Keeps the last ``limit`` characters of a stream."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.text = ""

    def feed(self, text: str) -> None:
        self.text = (self.text + text)[-self.limit :]


def run_streaming(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
    on_line: Callable[[str], None],
) -> ProcessOutcome:
    """Run ``argv`` in ``cwd``, calling ``on_line`` with each stdout line (without its newline) as it comes.

    The CLI runs under the core's supervisor (``tinkerer_core.processes``): it and every process it
    starts end when ``timeout_s`` passes, when it exits (children it left behind), when this call is
    interrupted and when the calling process dies. ``on_line`` runs on a reader thread; an exception
    it raises is re-raised here.
    """
    started = time.monotonic()
    missing = missing_program(argv, cwd, env)
    if missing:
        return ProcessOutcome(exit_code=None, start_error=missing)
    process = start_supervised(
        argv, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )

    assert process.stdout is not None and process.stderr is not None
    stderr = _Tail(STDERR_TAIL_CHARS)
    failures: list[BaseException] = []
    readers = [
        threading.Thread(target=_read_lines, args=(process.stdout, on_line, failures), daemon=True),
        threading.Thread(target=_read_chunks, args=(process.stderr, stderr.feed), daemon=True),
    ]
    for reader in readers:
        reader.start()
    timed_out = False
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:  # on timeout, and if we are interrupted (the supervisor ends what a finished CLI left)
        if process.poll() is None:
            stop_tree(process.pid)
        process.wait()
        for reader in readers:
            reader.join(timeout=READER_JOIN_S)
        if not any(reader.is_alive() for reader in readers):  # else an escaped child holds the pipe: leave it
            process.stdout.close()
            process.stderr.close()
    if failures:
        raise failures[0]
    return ProcessOutcome(
        exit_code=None if timed_out else process.returncode,
        timed_out=timed_out,
        stderr_tail=stderr.text,
        duration_s=time.monotonic() - started,
    )


def _read_lines(stream: IO[bytes], on_line: Callable[[str], None], failures: list[BaseException]) -> None:
    for raw in iter(stream.readline, b""):
        if failures:
            continue  # keep draining the pipe so the process never blocks on a full one
        try:
            on_line(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
        except BaseException as error:  # reported by run_streaming, on the caller's thread
            failures.append(error)


def _read_chunks(stream: IO[bytes], feed: Callable[[str], None]) -> None:
    for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
        feed(chunk.decode("utf-8", errors="replace"))
