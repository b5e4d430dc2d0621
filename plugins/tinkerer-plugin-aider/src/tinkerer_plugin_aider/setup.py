"""aider's own virtual environment: where it lives, whether it is ready, and how to create it.

aider-chat pins about a hundred exact versions, so it never shares Tinkerer's environment. Create its
environment once with ``tinkerer aider setup`` (or ``python -m tinkerer_plugin_aider.setup``)::

    python -m venv <venv> && <venv>/bin/python -m pip install aider-chat==0.86.2

The location is ``$TINKERER_AIDER_VENV`` if set, else ``~/.cache/tinkerer/aider-venv``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tinkerer_core import MissingPluginError, TinkererError

AIDER_VERSION = "0.86.2"  # the version this plugin is tested with
VENV_ENV_VAR = "TINKERER_AIDER_VENV"
DEFAULT_VENV = Path("~/.cache/tinkerer/aider-venv")
SUPPORTED_PYTHONS = ((3, 10), (3, 12))  # aider-chat 0.86 requires Python >=3.10,<3.13
SETUP_COMMAND = "tinkerer aider setup"


def venv_path(venv: str | os.PathLike[str] | None = None) -> Path:
    """aider's environment: ``venv`` if given, else ``$TINKERER_AIDER_VENV``, else ``~/.cache/tinkerer/aider-venv``."""
    chosen = venv or os.environ.get(VENV_ENV_VAR) or DEFAULT_VENV
    return Path(chosen).expanduser().absolute()


def venv_python(venv: str | os.PathLike[str] | None = None) -> Path:
    """The python executable of aider's environment (which may not exist yet)."""
    root = venv_path(venv)
    return root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def setup_hint(venv: str | os.PathLike[str] | None = None) -> str:
    """The command that creates aider's environment at ``venv``."""
    root = venv_path(venv)
    return SETUP_COMMAND if root == DEFAULT_VENV.expanduser().absolute() else f"{SETUP_COMMAND} --venv {root}"


def require_venv(venv: str | os.PathLike[str] | None = None) -> Path:
    """aider's python, or a ``MissingPluginError`` saying how to create the environment."""
    python = venv_python(venv)
    if not python.exists():
        raise MissingPluginError(
            f"aider's virtual environment is missing at {venv_path(venv)}: create it with `{setup_hint(venv)}` "
            f"(or `python -m tinkerer_plugin_aider.setup`), which installs aider-chat=={AIDER_VERSION} there; "
            f"set ${VENV_ENV_VAR} to use another location"
        )
    return python


def installed_version(venv: str | os.PathLike[str] | None = None) -> str | None:
    """The aider-chat version installed in the environment, or None when there is none."""
    python = venv_python(venv)
    if not python.exists():
        return None
    probe = subprocess.run(
        [str(python), "-c", "import aider; print(aider.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return None
    return probe.stdout.strip() or None


def create_venv(
    venv: str | os.PathLike[str] | None = None,
    *,
    version: str = AIDER_VERSION,
    python: str | None = None,
    force: bool = False,
    quiet: bool = False,
) -> Path:
    """Create aider's environment (``python -m venv`` + ``pip install aider-chat==version``); return its python."""
    root = venv_path(venv)
    base_python = python or sys.executable
    _check_python(base_python)
    if force and root.exists():
        shutil.rmtree(root)
    if installed_version(root) == version:
        _say(quiet, f"aider-chat {version} is already installed in {root}")
        return venv_python(root)
    started = time.monotonic()
    root.parent.mkdir(parents=True, exist_ok=True)
    if not venv_python(root).exists():
        _say(quiet, f"creating {root} with {base_python}")
        _run([base_python, "-m", "venv", str(root)])
    _say(quiet, f"installing aider-chat=={version} into {root} (a few minutes, ~700 MB)")
    _run([str(venv_python(root)), "-m", "pip", "install", *(["--quiet"] if quiet else []), f"aider-chat=={version}"])
    found = installed_version(root)
    if found != version:
        raise TinkererError(f"aider-chat {version} did not install into {root} (found {found!r}); see pip's output")
    _say(quiet, f"aider-chat {version} is ready in {root} ({time.monotonic() - started:.0f} s)")
    return venv_python(root)


def _check_python(python: str) -> None:
    try:
        probe = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise TinkererError(f"cannot run {python!r} to create aider's environment: {error}") from None
    if probe.returncode != 0:
        raise TinkererError(f"cannot run {python!r} to create aider's environment: {probe.stderr.strip()}")
    found = tuple(int(part) for part in probe.stdout.split())
    low, high = SUPPORTED_PYTHONS
    if not low <= found <= high:
        raise TinkererError(
            f"aider-chat {AIDER_VERSION} needs Python {low[0]}.{low[1]} to {high[0]}.{high[1]}, but {python} is "
            f"{found[0]}.{found[1]}: pass --python with a supported interpreter (e.g. --python python3.12)"
        )


def _run(command: Sequence[str]) -> None:
    completed = subprocess.run(list(command), check=False)
    if completed.returncode != 0:
        raise TinkererError(f"`{' '.join(command)}` failed with exit code {completed.returncode}")


def _say(quiet: bool, message: str) -> None:
    if not quiet:
        print(message, flush=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``tinkerer aider setup`` / ``python -m tinkerer_plugin_aider.setup``."""
    parser.add_argument(
        "--venv", default=None, help=f"where to create it (default: ${VENV_ENV_VAR}, else {DEFAULT_VENV})"
    )
    parser.add_argument("--aider-version", default=AIDER_VERSION, help="the aider-chat version (default: %(default)s)")
    parser.add_argument("--python", default=None, help="the interpreter to base it on (default: this one)")
    parser.add_argument("--force", action="store_true", help="delete and recreate the environment")
    parser.add_argument("--quiet", action="store_true")


def cmd_setup(args: argparse.Namespace) -> int:
    """Create aider's environment from parsed arguments."""
    create_venv(args.venv, version=args.aider_version, python=args.python, force=args.force, quiet=args.quiet)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tinkerer_plugin_aider.setup [--venv DIR] [--aider-version V] [--python PY] [--force]``."""
    parser = argparse.ArgumentParser(prog="python -m tinkerer_plugin_aider.setup", description=__doc__.splitlines()[0])
    add_arguments(parser)
    try:
        return cmd_setup(parser.parse_args(argv))
    except TinkererError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
