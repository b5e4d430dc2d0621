"""Writes only inside given folders, for a command and everything it starts: Linux Landlock, applied before exec.

``python -m tinkerer_plugin_openhands.confine --write DIR [--write DIR ...] -- COMMAND [ARG ...]`` restricts
itself with a Landlock ruleset (Linux 5.13+) that lets files be written, created, removed, renamed and truncated
only beneath the given folders (and the few devices a shell needs), then executes COMMAND, which inherits the
restriction for good, with every process it starts. Reading and executing stay allowed everywhere. Where the
kernel has no Landlock, COMMAND runs unconfined. Either way COMMAND finds what happened in
``$TINKERER_CONFINEMENT``: ``landlock <abi>``, or ``none: <reason>``.

Standard library only: it runs before any heavy import.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
from collections.abc import Sequence
from pathlib import Path

CONFINEMENT_ENV = "TINKERER_CONFINEMENT"
# Writable besides the given folders: what a shell and a terminal emulator open for writing.
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/ptmx", "/dev/pts", "/dev/shm")

# <linux/landlock.h>; the three syscall numbers are the same on every architecture
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1 << 0
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38
WRITE_FILE = 1 << 1
REMOVE_DIR, REMOVE_FILE = 1 << 4, 1 << 5
MAKE_CHAR, MAKE_DIR, MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = (1 << bit for bit in range(6, 13))
REFER = 1 << 13  # ABI 2: rename and link across folders
TRUNCATE = 1 << 14  # ABI 3
DIRECTORY_WRITES = REMOVE_DIR | REMOVE_FILE | MAKE_CHAR | MAKE_DIR | MAKE_REG | MAKE_SOCK | MAKE_FIFO | MAKE_BLOCK
DIRECTORY_WRITES |= MAKE_SYM | REFER
FILE_WRITES = WRITE_FILE | TRUNCATE


class ConfinementUnavailable(OSError):
    """The kernel cannot confine this process (no Landlock, or it is disabled)."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)


def _syscall(number: int, *args: object) -> int:
    result = int(_libc.syscall(number, *args))
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return result


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; ``ConfinementUnavailable`` when it has none."""
    if not sys.platform.startswith("linux"):
        raise ConfinementUnavailable(f"Landlock is Linux only, this is {sys.platform}")
    try:
        return _syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    except OSError as error:
        raise ConfinementUnavailable(f"the kernel offers no Landlock ({error.strerror})") from None


def writable_paths(folders: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The resolved ``folders`` plus the devices in ``DEVICES`` that exist."""
    return [Path(folder).resolve() for folder in folders] + [
        Path(device) for device in DEVICES if Path(device).exists()
    ]


def restrict_writes(folders: Sequence[str | os.PathLike[str]]) -> int:
    """Allow this process and its descendants to write only beneath ``folders``; return the Landlock ABI used."""
    abi = landlock_abi()
    supported = ~0
    if abi < 2:
        supported &= ~REFER
    if abi < 3:
        supported &= ~TRUNCATE
    handled = (DIRECTORY_WRITES | FILE_WRITES) & supported
    attr = _RulesetAttr(handled_access_fs=handled)
    ruleset = _syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)), ctypes.c_uint32(0))
    try:
        for path in writable_paths(folders):
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                allowed = handled if path.is_dir() else FILE_WRITES & handled
                rule = _PathBeneathAttr(allowed_access=allowed, parent_fd=fd)
                _syscall(SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH), ctypes.byref(rule), 0)
            finally:
                os.close(fd)
        if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:  # no privileges gained through setuid after this
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno))
        _syscall(SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)
    return abi


def confine(folders: Sequence[str | os.PathLike[str]]) -> str:
    """Restrict writes to ``folders`` if the kernel can; what ``$TINKERER_CONFINEMENT`` then says."""
    try:
        return f"landlock {restrict_writes(folders)}"
    except ConfinementUnavailable as error:
        return f"none: {error}"
    except OSError as error:  # a ruleset the kernel refused: say so, the caller reports it
        return f"none: Landlock refused the rules ({error.strerror or error})"


def _folder(text: str) -> Path:
    """An existing folder, for ``--write``."""
    if not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not an existing folder")
    return Path(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Confine writes, then execute the command (which never returns here, unless it cannot start)."""
    parser = argparse.ArgumentParser(
        prog="python -m tinkerer_plugin_openhands.confine", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--write", action="append", default=[], type=_folder, metavar="DIR", help="a folder writes may go to"
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG ...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    os.environ[CONFINEMENT_ENV] = confine(args.write)
    try:
        os.execvp(command[0], command)
    except OSError as error:
        print(f"error: cannot run {command[0]!r}: {error.strerror}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main())
