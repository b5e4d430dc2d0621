"""The runner on real subprocesses: timeouts, process groups, caps, environment."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tinkerer_core.engine.runner import Limits, kill_leftover, run_command


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
    assert not any("sleep" in _cmdline(pid) and "120" in _cmdline(pid) for pid in _pids())


def test_children_left_behind_by_a_finished_program_are_killed(tmp_path: Path) -> None:
    result = _run(tmp_path, "import subprocess\nsubprocess.Popen(['sleep', '121'])\nprint('done')")
    assert result.ok
    assert not any("121" in _cmdline(pid) for pid in _pids())


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


def test_missing_program_is_a_result_not_an_exception(tmp_path: Path) -> None:
    result = run_command("no-such-program-xyz", tmp_path, Limits(), os.environ)
    assert result.exit_code is None
    assert "could not start" in result.output


def test_kill_leftover_only_kills_a_process_running_in_the_workspace(tmp_path: Path) -> None:
    import subprocess

    elsewhere = subprocess.Popen(["sleep", "30"], cwd="/", start_new_session=True)
    inside = subprocess.Popen(["sleep", "30"], cwd=tmp_path, start_new_session=True)
    try:
        pid_file = tmp_path / "pid"
        pid_file.write_text(str(elsewhere.pid))
        assert not kill_leftover(pid_file, tmp_path)
        assert elsewhere.poll() is None
        pid_file.write_text(str(inside.pid))
        assert kill_leftover(pid_file, tmp_path)
        assert inside.wait(timeout=5) != 0
        assert not pid_file.exists()
    finally:
        elsewhere.kill()
        inside.kill()
        elsewhere.wait()


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
