"""A run directory's own files and states: its lock, a store that is not a run's, a start killed half-way,
a full disk.

A run directory holds ``run.lock`` (written first by every start), ``run.sqlite``, ``repo/``,
``workspaces/`` and ``pids/``; nothing here touches any other name.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import sqlite3
from pathlib import Path
from typing import IO, Any

from tinkerer_core.errors import ConfigError
from tinkerer_core.store import LOCK_FILE, STORE_FILE, RunStore, check_store

MIN_FREE_BYTES = 1024 * 1024  # less than this left on the run's disk: the run cannot go on


def lock_run(run_dir: Path) -> IO[str]:
    """Take the run directory's lock, held while the returned file is open (so until this process and the
    workers it forked are gone, however they end); refuse if another process holds it."""
    handle = (run_dir / LOCK_FILE).open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise ConfigError(
            f"{run_dir} is being run by process {holder} (or a process it started): "
            "wait for it to end, or stop it (Ctrl-C, kill) and `tinkerer resume` the run"
        ) from None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def stored_meta(run_dir: Path) -> dict[str, Any]:
    """The run store's metadata; a clear error when the file is not a run store (corrupt, foreign, empty)."""
    store = RunStore(run_dir)  # refuses, unwritten, a file that is not a run store
    try:
        return store.meta()
    except (sqlite3.DatabaseError, ValueError) as error:
        raise ConfigError(
            f"run store {run_dir / STORE_FILE} cannot be read ({error}): it is damaged; move it away to start a new "
            "run in this directory"
        ) from None
    finally:
        store.close()


def check_resumable(run_dir: Path) -> None:
    """Refuse, with what to do instead, a ``run_dir`` that does not exist, is a file or holds no run store;
    only reads."""
    listed = "`tinkerer runs` lists the runs"
    if not run_dir.exists():
        raise ConfigError(f"run directory {run_dir} does not exist: give a run's directory; {listed}")
    if not run_dir.is_dir():
        raise ConfigError(f"run directory {run_dir} is a file: give a run's directory; {listed}")
    if not RunStore.exists(run_dir):
        raise ConfigError(f"{run_dir} holds no run (no {STORE_FILE}): start one with `tinkerer evolve`; {listed}")
    check_store(run_dir / STORE_FILE)


UNSTARTED_ARTIFACTS = ("repo", "workspaces", "pids", STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm")


def clear_unstarted(run_dir: Path) -> None:
    """Remove what a start killed before the run existed left; refuse a directory whose files are not ours.

    A start writes ``run.lock`` first, so its presence says the other names below are Tinkerer's.
    """
    present = [run_dir / name for name in UNSTARTED_ARTIFACTS if (run_dir / name).exists()]
    if not present:
        return
    if not (run_dir / LOCK_FILE).exists():
        raise ConfigError(
            f"run_dir {str(run_dir)!r} already holds {', '.join(path.name for path in present)}, which Tinkerer "
            "did not create; choose a new or empty directory"
        )
    with lock_run(run_dir):  # nobody is starting it right now
        for path in present:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


def disk_full(error: BaseException, run_dir: Path) -> bool:
    """Whether ``error`` (or what caused it) says no space is left, or ``run_dir``'s disk has no room left."""
    node: BaseException | None = error
    while node is not None:
        if isinstance(node, OSError) and node.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(sign in str(node) for sign in ("No space left on device", "database or disk is full")):
            return True
        node = node.__cause__ or node.__context__
    try:
        return shutil.disk_usage(run_dir).free < MIN_FREE_BYTES
    except OSError:
        return False


def last_line(error: BaseException) -> str:
    """The last line of ``error``'s message (git and sqlite put the cause there), or its type's name."""
    lines = str(error).strip().splitlines()
    return lines[-1] if lines else type(error).__name__
