"""Landlock confinement of a real command: writes inside the given folders work, every other write is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tinkerer_plugin_openhands import confine
from tinkerer_plugin_openhands.agent import CONFINE


def landlock_or_skip() -> int:
    """The kernel's Landlock ABI, or a skip saying why there is none."""
    try:
        return confine.landlock_abi()
    except confine.ConfinementUnavailable as error:
        pytest.skip(f"no Landlock here: {error}")


def confined(folder: Path, script: str) -> subprocess.CompletedProcess[str]:
    """``bash -c script`` through the confine script (as the agent runs it), writes allowed beneath ``folder``."""
    command = [sys.executable, "-I", str(CONFINE), "--write", str(folder), "--", "bash", "-c", script]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)


def test_writes_land_inside_and_are_refused_outside(tmp_path: Path) -> None:
    abi = landlock_or_skip()
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    (outside / "kept.txt").write_text("old\n")
    script = f"""
        echo "$TINKERER_CONFINEMENT"
        echo new > {inside}/a.txt && mkdir {inside}/sub && mv {inside}/a.txt {inside}/sub/ && echo inside-ok
        echo x > {outside}/b.txt || echo write-refused
        mv {inside}/sub/a.txt {outside}/ || echo move-out-refused
        : > {outside}/kept.txt || echo truncate-refused
        rm {outside}/kept.txt || echo remove-refused
        echo x > /dev/null && cat /etc/hostname > /dev/null && echo devices-and-reads-ok
    """
    completed = confined(inside, script)
    lines = completed.stdout.split()
    assert completed.stdout.splitlines()[0] == f"landlock {abi}"
    assert {"inside-ok", "write-refused", "move-out-refused", "remove-refused", "devices-and-reads-ok"} <= set(lines)
    assert ("truncate-refused" in lines) == (abi >= 3)  # Landlock governs truncation from ABI 3
    assert (inside / "sub" / "a.txt").read_text() == "new\n"
    assert sorted(path.name for path in outside.iterdir()) == ["kept.txt"]
    assert "Permission denied" in completed.stderr


def test_children_and_their_children_stay_confined(tmp_path: Path) -> None:
    landlock_or_skip()
    inside, target = tmp_path / "inside", tmp_path / "escape.txt"
    inside.mkdir()
    grandchild = f"import subprocess; subprocess.run(['touch', {str(target)!r}])"
    completed = confined(inside, f'setsid {sys.executable} -c "{grandchild}" 2>&1')
    assert not target.exists()
    assert "Permission denied" in completed.stdout


def test_a_missing_folder_or_command_is_refused_before_anything_runs(tmp_path: Path) -> None:
    missing = confined(tmp_path / "nope", "echo ran")
    assert missing.returncode == 2 and "is not an existing folder" in missing.stderr and "ran" not in missing.stdout
    command = [sys.executable, "-I", str(CONFINE), "--write", str(tmp_path), "--", "no-such-program-xyz"]
    unknown = subprocess.run(command, capture_output=True, text=True, check=False)
    assert unknown.returncode == 127 and "cannot run 'no-such-program-xyz'" in unknown.stderr


def test_the_devices_a_shell_needs_stay_writable(tmp_path: Path) -> None:
    paths = confine.writable_paths([tmp_path])
    assert paths[0] == tmp_path.resolve()
    assert Path("/dev/null") in paths and all(path.exists() for path in paths)
