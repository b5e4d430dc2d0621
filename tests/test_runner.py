"""The runner on real subprocesses: timeouts, process groups, caps, environment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinkerer_core.processes import is_running, record_process, run_supervised, start_supervised
from tinkerer_core.runner import Limits, kill_leftover, run_command

from .conftest import all_pids, cmdline


def _run(workspace: Path, code: str, **limits: object):
    (workspace / "main.py").write_text(code)
    return run_command("python main.py", workspace, Limits(**limits), os.environ)  # type: ignore[arg-type]


def test_records_exit_code_output_produced_files_and_memory(tmp_path: Path) -> None:
    result = _run(tmp_path, "open('out.txt', 'w').write('x')\nprint('SCORE: 3')\nraise SystemExit(4)")
    assert result.exit_code == 4
    assert not result.ok
    assert "SCORE: 3" in result.output
    assert result.produced_files == ("out.txt",)
    assert result.peak_memory_mb and result.peak_memory_mb > 1


def test_silent_hang_is_killed_at_timeout_with_its_children(tmp_path: Path) -> None:
    code = "import subprocess, time\nsubprocess.Popen(['sleep', '120'])\ntime.sleep(120)"
    started = time.monotonic()
    result = _run(tmp_path, code, timeout_s=1.0)
    assert result.timed_out
    assert result.exit_code is None
    assert time.monotonic() - started < 5
    assert "killed after 1 s timeout" in result.output
    assert not any("sleep" in cmdline(pid) and "120" in cmdline(pid) for pid in all_pids())


def test_children_left_behind_by_a_finished_program_are_killed(tmp_path: Path) -> None:
    result = _run(tmp_path, "import subprocess\nsubprocess.Popen(['sleep', '121'])\nprint('done')")
    assert result.ok
    assert not any("121" in cmdline(pid) for pid in all_pids())


def test_memory_cap_stops_a_greedy_program(tmp_path: Path) -> None:
    result = _run(tmp_path, "x = bytearray(2_000_000_000)", memory_mb=300)
    assert result.exit_code != 0
    assert "MemoryError" in result.output


def test_output_keeps_head_and_tail(tmp_path: Path) -> None:
    result = _run(tmp_path, "print('HEAD')\nprint('x' * 100000)\nprint('TAIL')", output_chars=200)
    assert result.truncated
    assert result.output.startswith("HEAD")
    assert result.output.rstrip().endswith("TAIL")
    assert "characters cut" in result.output
    assert len(result.output) < 400


DAEMON = """
import os, subprocess, sys, time
if os.fork() == 0:  # a daemon: double fork, new session, still holding our stdout
    os.setsid()
    if os.fork() == 0:
        open('daemon.pid', 'w').write(str(os.getpid()))
        time.sleep(300)
    os._exit(0)
subprocess.Popen(['sleep', '302'], start_new_session=True)
while not os.path.exists('daemon.pid'):
    time.sleep(0.01)
print('SCORE: 1', flush=True)
"""


def test_a_daemon_that_holds_stdout_ends_with_the_program_at_once(tmp_path: Path) -> None:
    started = time.monotonic()
    result = _run(tmp_path, DAEMON, timeout_s=60)
    assert result.ok and "SCORE: 1" in result.output
    assert time.monotonic() - started < 10  # was the timeout plus 5 s: the daemon kept the pipe open
    assert not is_running(int((tmp_path / "daemon.pid").read_text()))
    assert not any("302" in cmdline(pid) for pid in all_pids())


DYING_CALLER = """
import os, sys
from pathlib import Path
from tinkerer_core.runner import Limits, run_command
run_command("python main.py", Path(sys.argv[1]), Limits(timeout_s=60), dict(os.environ))
"""


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGINT"])
def test_the_whole_tree_dies_with_its_caller_however_the_caller_ends(tmp_path: Path, how: str) -> None:
    (tmp_path / "main.py").write_text(DAEMON.replace("print('SCORE: 1', flush=True)", "time.sleep(300)"))
    caller = subprocess.Popen([sys.executable, "-c", DYING_CALLER, str(tmp_path)])
    daemon_pid = tmp_path / "daemon.pid"
    deadline = time.monotonic() + 30
    while not (daemon_pid.exists() and daemon_pid.read_text()):
        assert time.monotonic() < deadline, "the program never started"
        time.sleep(0.05)
    tree = [int(daemon_pid.read_text()), *(pid for pid in all_pids() if str(tmp_path) in _cwd(pid))]
    caller.send_signal(getattr(signal, how))
    caller.wait(timeout=30)
    while any(is_running(pid) for pid in tree):
        assert time.monotonic() < deadline, f"outlived the caller: {[cmdline(p) for p in tree if is_running(p)]}"
        time.sleep(0.05)


def test_kill_leftover_ends_the_recorded_tree_and_never_a_recycled_pid(tmp_path: Path) -> None:
    pid_file = tmp_path / "exp-1.pid"
    unrelated = subprocess.Popen(["sleep", "30"], start_new_session=True)
    supervised_sleep = start_supervised(["sleep", "31"])
    try:
        pid_file.write_text(f"{unrelated.pid} 12345\n")  # the pid a killed run recorded, now someone else's
        assert not kill_leftover(pid_file)
        assert unrelated.poll() is None and not pid_file.exists()
        record_process(pid_file, supervised_sleep.pid)
        assert kill_leftover(pid_file)
        assert supervised_sleep.wait(timeout=10) != 0
        assert not any("31" in cmdline(pid).split() for pid in all_pids())
    finally:
        unrelated.kill()
        unrelated.wait()
        supervised_sleep.kill()
        supervised_sleep.wait()


def test_a_command_that_is_not_installed_is_a_result(tmp_path: Path) -> None:
    result = run_command("no-such-program-xyz --flag", tmp_path, Limits(), os.environ)
    assert result.exit_code is None
    assert result.output == "could not start 'no-such-program-xyz': not found on PATH"


def _cwd(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""


# --- run_supervised: the one runner every command goes through (solutions, evaluators, agents' CLIs) ----------


def _supervised(tmp_path: Path, code: str, **options: object):
    return run_supervised([sys.executable, "-c", code], cwd=tmp_path, env=dict(os.environ), **options)


def test_lines_arrive_while_the_command_still_runs(tmp_path: Path) -> None:
    arrived: list[tuple[str, float]] = []
    started = time.monotonic()
    script = "import sys, time\nprint('first', flush=True)\nprint('crlf', end='\\r\\n', flush=True)\ntime.sleep(30)\n"
    finished = _supervised(
        tmp_path, script, timeout_s=1.0, on_line=lambda line: arrived.append((line, time.monotonic()))
    )
    assert finished.timed_out and finished.exit_code is None
    assert [line for line, _ in arrived] == ["first", "crlf"] and arrived[0][1] - started < 1.0


def test_input_is_written_and_stderr_kept_apart_or_merged(tmp_path: Path) -> None:
    script = "import sys\ndata = sys.stdin.read()\nprint(data.upper())\nprint('to stderr', file=sys.stderr)"
    apart = _supervised(tmp_path, script, timeout_s=30, input_text="é" * 10 + "\n")
    assert (apart.exit_code, apart.stdout, apart.stderr) == (0, "É" * 10 + "\n\n", "to stderr\n")
    merged = _supervised(tmp_path, script, timeout_s=30, input_text="x", merge_stderr=True)
    assert merged.stderr == "" and sorted(merged.stdout.split()) == ["X", "stderr", "to"]


def test_output_past_the_cap_keeps_its_head_and_tail_and_characters_split_across_reads_stay_whole(
    tmp_path: Path,
) -> None:
    script = "import sys\nsys.stdout.write('a' + 'é' * 100000 + 'z')"  # 200 KB: several reads cut an é in two
    whole = _supervised(tmp_path, script, timeout_s=30)
    assert whole.stdout == "a" + "é" * 100000 + "z" and not whole.truncated
    capped = _supervised(tmp_path, script, timeout_s=30, keep_chars=10)
    assert capped.truncated and capped.stdout.startswith("aéééé\n... [") and capped.stdout.endswith("\nééééz")


def test_an_error_in_the_line_callback_is_raised_and_the_command_still_ends(tmp_path: Path) -> None:
    def refuse(line: str) -> None:
        raise ValueError(f"cannot use {line!r}")

    with pytest.raises(ValueError, match="cannot use 'one'"):
        _supervised(tmp_path, "for n in ('one', 'two') * 50000: print(n)", timeout_s=30, on_line=refuse)


def test_a_command_that_cannot_start_is_reported(tmp_path: Path) -> None:
    not_executable = tmp_path / "cli"
    not_executable.write_text("#!/bin/sh\n")
    finished = run_supervised([str(not_executable)], cwd=tmp_path, env=dict(os.environ), timeout_s=5)
    assert finished.exit_code is None and "could not start" in finished.start_error
