"""Run a command with folders hidden from it (the grader's answers) and others read-only (the public data).

    python -m tinkerer_plugin_bench.sealed --hide DIR [--read-only DIR] ... -- python main.py

The command gets a private mount namespace (Linux; as root, or through a user namespace) in which an empty
read-only tmpfs lies over each hidden folder and each read-only folder is bound onto itself read-only (a
solution cannot write through a hard link into the data it was given, even as root), then is executed in
place: same process, same limits, same supervisor. Where namespaces are refused, ``sealing_works`` says so
and callers run commands as they are, saying that the answers are not hidden.
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

from tinkerer_plugin_bench.views import DATA_ENV

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_RDONLY = 0x1
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
SEALED_EXIT = 126  # the wrapper could not seal what it was asked to: nothing ran


def _mount(
    libc: ctypes.CDLL, source: bytes | None, target: str, kind: bytes | None, flags: int, data: bytes | None
) -> None:
    if libc.mount(source, os.fsencode(target), kind, flags, data) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}")


def seal(hidden: Sequence[str], read_only: Sequence[str] = ()) -> None:
    """Enter a private mount namespace: an empty read-only tmpfs over each folder of ``hidden``, each folder of
    ``read_only`` bound read-only (folders that do not exist are skipped)."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    as_root = os.geteuid() == 0
    if libc.unshare(CLONE_NEWNS if as_root else CLONE_NEWNS | CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), "unshare: namespaces are refused here")
    if not as_root:  # a user namespace in which we are ourselves: files keep their owners
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    _mount(libc, b"none", "/", None, MS_REC | MS_PRIVATE, None)
    for folder in filter(os.path.isdir, hidden):
        _mount(libc, b"tmpfs", folder, b"tmpfs", MS_RDONLY, b"size=4k,mode=0555")
    for folder in filter(os.path.isdir, read_only):
        _mount(libc, os.fsencode(folder), folder, None, MS_BIND | MS_REC, None)
        _mount(libc, None, folder, None, MS_BIND | MS_REMOUNT | MS_RDONLY, None)


def _options(hidden: Sequence[Path], read_only: Sequence[Path]) -> list[str]:
    return [
        *(item for folder in hidden for item in ("--hide", str(folder))),
        *(item for folder in read_only for item in ("--read-only", str(folder))),
    ]


def command(hidden: Sequence[Path], argv: Sequence[str], read_only: Sequence[Path] = ()) -> list[str]:
    """``argv`` run with ``hidden`` out of its sight and ``read_only`` unwritable (this module as a wrapper)."""
    return [sys.executable, "-m", __name__, *_options(hidden, read_only), "--", *argv]


def command_line(hidden: Sequence[Path], line: str, read_only: Sequence[Path] = ()) -> str:
    """``command`` for a command line (an EvolveConfig's ``command``), as a command line; python stays Tinkerer's."""
    return shlex.join(["python", "-m", __name__, *_options(hidden, read_only), "--", *shlex.split(line)])


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


def _values(options: Sequence[str], name: str) -> list[str]:
    return [options[i + 1] for i, option in enumerate(options[:-1]) if option == name]


def main(args: Sequence[str]) -> int:
    """``--hide DIR --read-only DIR ... -- COMMAND ...``: seal, then become the command."""
    if "--" not in args or list(args).index("--") == len(args) - 1:
        print(__doc__, file=sys.stderr)
        return 2
    split = list(args).index("--")
    options, argv = list(args[:split]), list(args[split + 1 :])
    try:
        seal(_values(options, "--hide"), _values(options, "--read-only"))
    except OSError as error:
        print(f"sealed: {error.strerror or error}: {error.filename or ''} (errno {error.errno})", file=sys.stderr)
        return SEALED_EXIT
    if argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    os.environ.pop(DATA_ENV, None)  # where the answers are is none of the command's business
    with contextlib.suppress(OSError):
        os.execvp(argv[0], argv)
    print(f"sealed: could not start {argv[0]!r}", file=sys.stderr)
    return SEALED_EXIT


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
