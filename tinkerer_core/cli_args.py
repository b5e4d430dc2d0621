"""Argument types shared by ``tinkerer``'s commands and the commands plugins add (argparse ``type=``).

A bad value is refused while the command line is parsed, before anything starts or binds::

    parser.add_argument("--port", type=port, default=0, help="0 picks a free port")
    parser.add_argument("--lock-timeout", type=seconds, default=10.0)
"""

from __future__ import annotations

import argparse
import errno
import math
import socket
import tempfile
from pathlib import Path

from tinkerer_core.errors import ConfigError

MAX_PORT = 65535


def _integer(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} {text!r} is not a whole number") from None


def port(text: str) -> int:
    """A TCP port: 1-65535, or 0 to pick a free one."""
    value = _integer(text, "port")
    if not 0 <= value <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"port {value} is out of range: give 1-{MAX_PORT}, or 0 to pick a free one")
    return value


def seconds(text: str) -> float:
    """A duration in seconds: a finite number, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seconds {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"seconds {text} is out of range: give a finite number, 0 or more")
    return value


def check_writable_folder(folder: Path, option: str) -> None:
    """Create ``folder`` (and its parents) if needed and make sure files can be written in it, before the work
    that would write them; else a ``ConfigError`` naming ``option`` and the folder."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{option} {folder} is a file, not a folder: give a folder you can write to")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        raise ConfigError(
            f"{option} {folder} cannot be written ({error.strerror or error}): give a folder you can write to"
        ) from None


def check_bindable(host: str, port_number: int) -> None:
    """Refuse, saying what to do, an address a server could not listen on (in use, privileged, unknown host).

    Checked by binding a socket and closing it, as a server about to start would (``SO_REUSEADDR`` like
    ``http.server``); port 0 always binds.
    """
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port_number, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            why = "is in use by another program: choose another --port, or 0 to pick a free one"
        elif error.errno == errno.EACCES:
            why = "needs privileges (ports below 1024 do): choose --port 1024 or above, or 0 to pick a free one"
        else:
            why = f"cannot be listened on ({error.strerror or error}): check --host"
        raise ConfigError(f"address {host}:{port_number} {why}") from None
