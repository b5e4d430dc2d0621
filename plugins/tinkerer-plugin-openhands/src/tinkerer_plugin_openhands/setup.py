"""OpenHands' own virtual environment: where it lives, which Python it needs, whether it is ready, how to make it.

``openhands-sdk`` needs Python 3.12 or newer and pins its own stack, so it never shares Tinkerer's environment.
Create it once with ``tinkerer openhands setup`` (or ``python -m tinkerer_plugin_openhands.setup``)::

    <python3.12+> -m venv <venv> && <venv>/bin/python -m pip install openhands-sdk==V openhands-tools==V

The location is ``$TINKERER_OPENHANDS_VENV`` if set, else ``~/.cache/tinkerer/openhands-venv``. The interpreter
is ``--python``, else ``$TINKERER_OPENHANDS_PYTHON``, else the first Python 3.12+ found: this one,
``python3.14`` / ``python3.13`` / ``python3.12`` on PATH, then pyenv's and uv's installed versions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from tinkerer_core import MissingPluginError, TinkererError

SDK_VERSION = "1.58.2"  # openhands-sdk and openhands-tools, the versions this plugin is tested with
PACKAGES = ("openhands-sdk", "openhands-tools")
VENV_ENV_VAR = "TINKERER_OPENHANDS_VENV"
PYTHON_ENV_VAR = "TINKERER_OPENHANDS_PYTHON"
DEFAULT_VENV = Path("~/.cache/tinkerer/openhands-venv")
MIN_PYTHON = (3, 12)
PYTHON_NAMES = ("python3.14", "python3.13", "python3.12")
SETUP_COMMAND = "tinkerer openhands setup"
PROBE_TIMEOUT_S = 30.0
VERSIONS_PROBE = (
    "import importlib.metadata as m\n"
    "for name in ('openhands-sdk', 'openhands-tools'):\n"
    "    try:\n"
    "        print(m.version(name))\n"
    "    except m.PackageNotFoundError:\n"
    "        print('-')\n"
)


def venv_path(venv: str | os.PathLike[str] | None = None) -> Path:
    """The environment: ``venv`` if given, else ``$TINKERER_OPENHANDS_VENV``, else ``~/.cache/tinkerer/openhands-venv``."""
    chosen = venv or os.environ.get(VENV_ENV_VAR) or DEFAULT_VENV
    return Path(chosen).expanduser().absolute()


def venv_python(venv: str | os.PathLike[str] | None = None) -> Path:
    """The python executable of the environment (which may not exist yet)."""
    return venv_path(venv) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def setup_hint(venv: str | os.PathLike[str] | None = None) -> str:
    """The command that creates the environment at ``venv``."""
    root = venv_path(venv)
    return SETUP_COMMAND if root == DEFAULT_VENV.expanduser().absolute() else f"{SETUP_COMMAND} --venv {root}"


def installed_version(venv: str | os.PathLike[str] | None = None) -> str | None:
    """The SDK version when openhands-sdk and openhands-tools are both installed at the same version, else None."""
    python = venv_python(venv)
    if not python.exists():
        return None
    probe = _probe([str(python), "-c", VERSIONS_PROBE])
    if probe is None:
        return None
    versions = set(probe.split())
    return versions.pop() if len(versions) == 1 and "-" not in versions else None


def require_venv(venv: str | os.PathLike[str] | None = None) -> Path:
    """The environment's python, or a ``MissingPluginError`` saying how to create the environment."""
    python = venv_python(venv)
    if not python.exists():
        raise MissingPluginError(
            f"OpenHands' virtual environment is missing at {venv_path(venv)}: create it with `{setup_hint(venv)}` "
            f"(or `python -m tinkerer_plugin_openhands.setup`), which installs openhands-sdk and openhands-tools "
            f"{SDK_VERSION} there with a Python 3.12+; set ${VENV_ENV_VAR} to use another location"
        )
    return python


def python_version(python: str) -> tuple[int, int] | None:
    """The (major, minor) version of ``python`` when it runs and can make virtual environments, else None."""
    found = _probe([python, "-c", "import sys, venv, ensurepip; print(*sys.version_info[:2])"])
    if found is None:
        return None
    major, minor = found.split()
    return int(major), int(minor)


def candidate_pythons() -> Iterator[str]:
    """Interpreters to try, best guesses first: this one, versioned names on PATH, pyenv's and uv's versions."""
    yield sys.executable
    for name in PYTHON_NAMES:
        found = shutil.which(name)
        if found:
            yield found
    pyenv = Path(os.environ.get("PYENV_ROOT") or "~/.pyenv").expanduser()
    uv = Path(os.environ.get("UV_PYTHON_INSTALL_DIR") or "~/.local/share/uv/python").expanduser()
    installed = [*pyenv.glob("versions/*/bin/python3"), *uv.glob("*/bin/python3")]
    yield from (str(path) for path in sorted(installed, key=_version_key, reverse=True))


def find_python(explicit: str | None = None) -> str:
    """The interpreter to base the environment on: ``explicit``, ``$TINKERER_OPENHANDS_PYTHON``, else the first 3.12+."""
    chosen = explicit or os.environ.get(PYTHON_ENV_VAR)
    if chosen:
        found = python_version(chosen)
        if found is None:
            raise TinkererError(f"cannot run {chosen!r} to create OpenHands' environment (or it lacks venv/ensurepip)")
        if found < MIN_PYTHON:
            raise TinkererError(
                f"openhands-sdk needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer, but {chosen} is "
                f"{found[0]}.{found[1]}: pass --python with a newer interpreter"
            )
        return chosen
    tried = []
    for candidate in dict.fromkeys(candidate_pythons()):
        found = python_version(candidate)
        if found is not None and found >= MIN_PYTHON:
            return candidate
        tried.append(f"{candidate} ({'unusable' if found is None else '.'.join(map(str, found))})")
    raise TinkererError(
        f"openhands-sdk needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer and none was found (tried "
        f"{', '.join(tried) or 'nothing'}): install one (e.g. `apt-get install python3.13-venv`, `pyenv install "
        f"3.12`) and pass --python PATH or set ${PYTHON_ENV_VAR}"
    )


def create_venv(
    venv: str | os.PathLike[str] | None = None,
    *,
    version: str = SDK_VERSION,
    python: str | None = None,
    force: bool = False,
    quiet: bool = False,
) -> Path:
    """Create the environment (``python -m venv`` + ``pip install`` of the SDK and its tools); return its python."""
    root = venv_path(venv)
    if force and root.exists():
        shutil.rmtree(root)
    if installed_version(root) == version:
        _say(quiet, f"openhands-sdk {version} is already installed in {root}")
        return venv_python(root)
    base_python = find_python(python)
    started = time.monotonic()
    root.parent.mkdir(parents=True, exist_ok=True)
    if not venv_python(root).exists():
        _say(quiet, f"creating {root} with {base_python}")
        _run([base_python, "-m", "venv", str(root)])
    _say(quiet, f"installing openhands-sdk and openhands-tools {version} into {root} (a few minutes, ~700 MB)")
    requirements = [f"{package}=={version}" for package in PACKAGES]
    _run([str(venv_python(root)), "-m", "pip", "install", *(["--quiet"] if quiet else []), *requirements])
    found = installed_version(root)
    if found != version:
        raise TinkererError(f"openhands-sdk {version} did not install into {root} (found {found!r}); see pip's output")
    _say(quiet, f"openhands-sdk {version} is ready in {root} ({time.monotonic() - started:.0f} s)")
    return venv_python(root)


def _probe(command: Sequence[str]) -> str | None:
    """What ``command`` prints when it runs and exits 0, else None."""
    try:
        completed = subprocess.run(list(command), capture_output=True, text=True, check=False, timeout=PROBE_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def _version_key(path: Path) -> tuple[int, ...]:
    """``.../3.12.1/bin/python3`` -> (3, 12, 1), for newest-first order; names that are no version sort last."""
    name = path.parent.parent.name.removeprefix("cpython-").split("-")[0]
    parts = name.split(".")
    return tuple(int(part) for part in parts) if all(part.isdigit() for part in parts) else ()


def _run(command: Sequence[str]) -> None:
    completed = subprocess.run(list(command), check=False)
    if completed.returncode != 0:
        raise TinkererError(f"`{' '.join(command)}` failed with exit code {completed.returncode}")


def _say(quiet: bool, message: str) -> None:
    if not quiet:
        print(message, flush=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``tinkerer openhands setup`` / ``python -m tinkerer_plugin_openhands.setup``."""
    parser.add_argument(
        "--venv", default=None, help=f"where to create it (default: ${VENV_ENV_VAR}, else {DEFAULT_VENV})"
    )
    parser.add_argument(
        "--sdk-version", default=SDK_VERSION, help="the openhands-sdk / openhands-tools version (default: %(default)s)"
    )
    parser.add_argument(
        "--python", default=None, help=f"a Python 3.12+ to base it on (default: ${PYTHON_ENV_VAR}, else found)"
    )
    parser.add_argument("--force", action="store_true", help="delete and recreate the environment")
    parser.add_argument("--quiet", action="store_true")


def cmd_setup(args: argparse.Namespace) -> int:
    """Create the environment from parsed arguments."""
    create_venv(args.venv, version=args.sdk_version, python=args.python, force=args.force, quiet=args.quiet)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tinkerer_plugin_openhands.setup [--venv DIR] [--sdk-version V] [--python PY] [--force]``."""
    parser = argparse.ArgumentParser(
        prog="python -m tinkerer_plugin_openhands.setup", description=__doc__.splitlines()[0]
    )
    add_arguments(parser)
    try:
        return cmd_setup(parser.parse_args(argv))
    except TinkererError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
