"""The launcher's PID files: removed on every exit it can see, and a stale one (kill -9) replaced by the next start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinkerer_plugin_local_llm import LocalModelError, LocalModelServer
from tinkerer_plugin_local_llm.launcher import PID_FILE, RUN_DIR_ENV, reap_stale, runs_root

OWNER = """
import sys, time
from tinkerer_plugin_local_llm import LocalModelServer
server = LocalModelServer(model="smollm2-135m").start()
print(server.run_dir, server.process.pid, flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_gone(pid: int, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def run_dir_with(root: Path, name: str, pid: int | str | None) -> Path:
    run_dir = root / name
    run_dir.mkdir()
    if pid is not None:
        (run_dir / PID_FILE).write_text(f"{pid}\n")
    return run_dir


def test_stale_pid_files_are_reaped_and_live_servers_kept(tmp_path: Path) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead = run_dir_with(tmp_path, "dead", finished.pid)
    reused = run_dir_with(tmp_path, "reused", os.getpid())  # alive, but not a server of this run dir
    garbled = run_dir_with(tmp_path, "garbled", "not a pid")
    starting = run_dir_with(tmp_path, "starting", None)  # no PID file yet: a server being started
    live = tmp_path / "live"
    live.mkdir()
    server = subprocess.Popen(["sleep", "60"], env={**os.environ, RUN_DIR_ENV: str(live)})
    try:
        (live / PID_FILE).write_text(f"{server.pid}\n")
        assert sorted(reap_stale(tmp_path)) == sorted([dead, reused, garbled])
        assert not dead.exists() and not reused.exists() and not garbled.exists()
        assert starting.is_dir() and (live / PID_FILE).is_file()
    finally:
        server.kill()
        server.wait()


def start_owner() -> tuple[subprocess.Popen[str], Path, int]:
    """A process that starts a server and keeps it: (the process, the server's run dir, the server's PID)."""
    owner = subprocess.Popen([sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True)
    line = owner.stdout.readline().split()  # type: ignore[union-attr]
    assert len(line) == 2, f"the owner did not start its server (exit code {owner.poll()})"
    return owner, Path(line[0]), int(line[1])


@pytest.mark.slow
def test_kill_9_leaves_a_stale_pid_file_that_the_next_start_replaces(smollm2_path: Path) -> None:
    owner, run_dir, pid = start_owner()
    owner.kill()
    owner.wait()
    assert wait_gone(pid)  # the server exits with its parent
    assert (run_dir / PID_FILE).read_text().strip() == str(pid)  # what kill -9 leaves behind
    with LocalModelServer(model="smollm2-135m") as server:
        assert not run_dir.exists()  # the stale one was reaped, not kept or reused
        assert server.run_dir.parent == runs_root()
        assert int(server.pid_file.read_text()) == server.process.pid


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_terminated_owner_stops_its_server_and_removes_the_pid_file(
    smollm2_path: Path, signum: signal.Signals
) -> None:
    owner, run_dir, pid = start_owner()
    assert (run_dir / PID_FILE).is_file()
    owner.send_signal(signum)
    assert owner.wait(timeout=30) == -signum  # it still dies of the signal
    assert not alive(pid)
    assert not run_dir.exists()


@pytest.mark.slow
def test_a_server_killed_under_its_owner_is_started_again(smollm2_path: Path) -> None:
    with LocalModelServer(model="smollm2-135m") as server:
        first_pid, first_dir = server.process.pid, server.run_dir
        os.killpg(first_pid, signal.SIGKILL)
        server.process.wait()
        server.start()
        assert server.process.pid != first_pid and server.process.poll() is None
        assert not first_dir.exists() and int(server.pid_file.read_text()) == server.process.pid


def test_a_start_that_does_not_come_up_in_time_says_so_and_leaves_nothing(smollm2_path: Path) -> None:
    server = LocalModelServer(model="smollm2-135m", startup_timeout_s=0.05)
    before = set(runs_root().iterdir())  # servers of other tests in this process may be running
    with pytest.raises(LocalModelError) as caught:
        server.start()
    message = str(caught.value)
    assert "the local model server (smollm2-135m) did not answer http://127.0.0.1:" in message
    assert "/health within startup_timeout_s=0.05 s: check its log below" in message
    assert server.process is None and server.run_dir is None
    assert set(runs_root().iterdir()) <= before
