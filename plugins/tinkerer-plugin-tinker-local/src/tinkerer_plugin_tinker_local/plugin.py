"""Adds ``tinkerer tinker-local serve`` and ``tinkerer tinker-local models``."""

from __future__ import annotations

import argparse
import contextlib
import signal
from pathlib import Path

from tinkerer_core.cli_args import check_bindable, check_writable_folder, port
from tinkerer_core.hookspecs import hookimpl


@hookimpl
def tinkerer_register_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``tinker-local`` command group."""
    command = subparsers.add_parser("tinker-local", help="the local Tinker-compatible training server")
    actions = command.add_subparsers(dest="tinker_local_command", required=True, metavar="ACTION")
    serve = actions.add_parser(
        "serve", help="serve the Tinker API on 127.0.0.1 to its owner (prints TINKER_BASE_URL and TINKER_API_KEY)"
    )
    serve.add_argument("--port", type=port, default=8000, help="port on 127.0.0.1 (0 picks a free one)")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1); another one lets other machines in with the key: it warns",
    )
    serve.add_argument("--data-dir", type=Path, default=None, help="where runs and checkpoints are kept")
    serve.add_argument("--device", default=None, help="torch device (default: cuda when present, else cpu)")
    serve.set_defaults(handler=_serve)
    models = actions.add_parser("models", help="list the base models this server trains")
    models.set_defaults(handler=_models)


def _serve(args: argparse.Namespace) -> int:
    from tinkerer_plugin_tinker_local.server import TinkerLocalServer, default_data_dir

    data_dir = args.data_dir or default_data_dir()
    check_writable_folder(data_dir, "--data-dir")
    check_bindable(args.host, args.port)
    server = TinkerLocalServer(data_dir, args.port, args.device, args.host)
    print(
        f"Tinker API on {server.base_url} (export TINKER_BASE_URL={server.base_url} "
        f"TINKER_API_KEY={server.api_key} TINKER_TELEMETRY=0)\n"
        f"the key changes at every start; Tinkerer's own clients read it from {server.key_file}",
        flush=True,
    )
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops it as Ctrl-C does: the key file goes too
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _models(args: argparse.Namespace) -> int:
    from tinkerer_plugin_tinker_local.catalog import MODELS

    for model in MODELS.values():
        print(f"{model.name}\t{model.description}")
    return 0
