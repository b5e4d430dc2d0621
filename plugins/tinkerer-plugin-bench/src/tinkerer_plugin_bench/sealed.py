"""Run a command with folders hidden from it: the grader's answers, while a solution runs.

    python -m tinkerer_plugin_bench.sealed --hide DIR [--hide DIR ...] -- python main.py

The command gets a private mount namespace (Linux; as root, or through a user namespace) in which an empty
read-only tmpfs lies over each hidden folder, then is executed in place (same process, same limits,
same supervisor). Where namespaces are refused, ``sealing_works`` says so and callers run commands as they
are (and say that answers are not hidden).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_RDONLY = 0x1
MS_REC = 0x4000
MS_PRIVATE = 0x40000
SEALED_EXIT = 126  # the wrapper could not hide what it was asked to: nothing ran


def seal(hidden: Sequence[str]) -> None:
    """Enter a private mount namespace with an empty read-only tmpfs over each existing folder of ``hidden``."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    as_root = os.geteuid() == 0
    if libc.unshare(CLONE_NEWNS if as_root else CLONE_NEWNS | CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), "unshare: namespaces are refused here")
    if not as_root:  # a user namespace in which we are ourselves: files keep their owners
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "mount: cannot make the mounts private")
    for folder in hidden:
        if os.path.isdir(folder):
            target = os.fsencode(folder)
            if libc.mount(b"tmpfs", target, b"tmpfs", MS_RDONLY, b"size=4k,mode=0555") != 0:
                raise OSError(ctypes.get_errno(), f"mount: cannot hide {folder}")


def command(hidden: Sequence[Path], argv: Sequence[str]) -> list[str]:
    """``argv`` run with ``hidden`` out of its sight (this module as a wrapper); a leading python stays Tinkerer's."""
    prefix = [sys.executable, "-m", __name__]
    for folder in hidden:
        prefix += ["--hide", str(folder)]
    return [*prefix, "--", *argv]


def command_line(hidden: Sequence[Path], line: str) -> str:
    """``command`` for a command line (an EvolveConfig's ``command``), as a command line."""
    return shlex.join(
        [
            "python",
            "-m",
            __name__,
            *(item for folder in hidden for item in ("--hide", str(folder))),
            "--",
            *shlex.split(line),
        ]
    )


@functools.cache
def sealing_works() -> tuple[bool, str]:
    """Whether this machine hides folders from a sealed command (tried once: a folder with a file, hidden)."""
    with tempfile.TemporaryDirectory(prefix="tinkerer-seal-") as scratch:
        secret = Path(scratch) / "secret"
        secret.mkdir()
        (secret / "answer").write_text("42")
        probe = [sys.executable, "-c", f"import os; print(len(os.listdir({str(secret)!r})))"]
        try:
            done = subprocess.run(command([secret], probe), capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as error:
            return False, f"the sealed probe did not run: {error}"
    if done.returncode == 0 and done.stdout.strip() == "0":
        return True, "private mount namespaces hide the answers from solutions"
    reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
    return False, f"this machine refuses private mount namespaces ({reason})"


def main(args: Sequence[str]) -> int:
    """``--hide DIR ... -- COMMAND ...``: seal, then become the command."""
    if "--" not in args:
        print(__doc__, file=sys.stderr)
        return 2
    split = list(args).index("--")
    options, argv = list(args[:split]), list(args[split + 1 :])
    hidden = [options[i + 1] for i, option in enumerate(options) if option == "--hide" and i + 1 < len(options)]
    if not argv:
        print("sealed: no command after --", file=sys.stderr)
        return 2
    try:
        seal(hidden)
    except OSError as error:
        print(f"sealed: {error.strerror or error} (errno {error.errno})", file=sys.stderr)
        return SEALED_EXIT
    if argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    with contextlib.suppress(OSError):
        os.execvp(argv[0], argv)
    print(f"sealed: could not start {argv[0]!r}", file=sys.stderr)
    return SEALED_EXIT


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
