"""The sealed wrapper: a command that cannot see hidden folders nor write read-only ones, and runs otherwise."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tinkerer_plugin_bench import sealed

PROBE = """\
import os, sys
print(sorted(os.listdir(sys.argv[1])))
try:
    open(os.path.join(sys.argv[2], "given.csv"), "w").write("changed")
    print("wrote")
except OSError as error:
    print(type(error).__name__, error.errno)
open("made-here.txt", "w").write("ok")
print(os.environ.get("TINKERER_BENCH_DATA"))
"""


@pytest.fixture
def sealing() -> None:
    works, why = sealed.sealing_works()
    if not works:
        pytest.skip(f"no private mount namespaces here: {why}")


def test_hidden_folders_are_empty_and_read_only_ones_unwritable(sealing: None, tmp_path: Path) -> None:
    secret, given = tmp_path / "secret", tmp_path / "given"
    secret.mkdir()
    (secret / "answers.csv").write_text("id,label\n1,7\n")
    given.mkdir()
    (given / "given.csv").write_text("public")
    (tmp_path / "probe.py").write_text(PROBE)
    argv = sealed.command([secret], ["python", "probe.py", str(secret), str(given)], read_only=[given])
    done = subprocess.run(
        argv,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "TINKERER_BENCH_DATA": str(secret)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "OSError 30", "None"]  # EROFS; the data folder's location unset
    assert (tmp_path / "made-here.txt").read_text() == "ok"  # the rest of the machine is as it was
    assert (secret / "answers.csv").is_file() and (given / "given.csv").read_text() == "public"


def test_a_command_line_keeps_its_words(tmp_path: Path) -> None:
    line = sealed.command_line([Path("/data/with space")], "python data/tools/local_tester.py main.py", [tmp_path])
    assert line == (
        f"python -m tinkerer_plugin_bench.sealed --hide '/data/with space' --read-only {tmp_path} -- "
        "python data/tools/local_tester.py main.py"
    )


def test_without_a_command_it_says_how_to_call_it() -> None:
    assert sealed.main(["--hide", "/tmp"]) == 2
    assert sealed.main(["--"]) == 2


def test_paths_that_are_not_folders_are_skipped(sealing: None, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    done = subprocess.run(
        sealed.command([tmp_path / "file"], ["python", "-c", "print('ran')"], read_only=[tmp_path / "missing"]),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout == "ran\n"
