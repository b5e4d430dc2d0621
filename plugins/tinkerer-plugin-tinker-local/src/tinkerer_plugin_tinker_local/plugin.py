"""Adds ``tinkerer tinker-local serve``, ``tinkerer tinker-local run`` and ``tinkerer tinker-local models``."""

from __future__ import annotations

import argparse
import contextlib
import os
import runpy
import signal
import sys
import traceback
from pathlib import Path

from tinkerer_core import hookimpl
from tinkerer_core.cli_args import check_bindable, check_writable_folder, port


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
    run = actions.add_parser(
        "run",
        help="run a Python script or module (a tinker-cookbook recipe, unchanged) against a local server",
        description="Starts a local server in this process (or uses the one at TINKER_BASE_URL), points the "
        "tinker SDK at it (TINKER_BASE_URL, TINKER_API_KEY, TINKER_TELEMETRY=0), makes tinker-cookbook know the "
        "local models, and runs the script or module as __main__ with the remaining arguments.",
    )
    run.add_argument("--data-dir", type=Path, default=None, help="where runs and checkpoints are kept")
    run.add_argument("--device", default=None, help="torch device (default: cuda when present, else cpu)")
    run.add_argument("-m", dest="module", default=None, help="run this module (like python -m)")
    run.add_argument("script_args", nargs=argparse.REMAINDER, help="the script (without -m) and its arguments")
    run.set_defaults(handler=_run)
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


def _run(args: argparse.Namespace) -> int:
    from tinkerer_core import ConfigError
    from tinkerer_core.local_server_auth import is_loopback_url

    target = args.module or (args.script_args[0] if args.script_args else None)
    if target is None:
        raise ConfigError(
            "a script or -m MODULE to run is required: tinkerer tinker-local run -m MODULE [ARGS...] or SCRIPT.py [ARGS...]"
        )
    arguments = args.script_args if args.module else args.script_args[1:]
    with contextlib.ExitStack() as stack:
        if not is_loopback_url(os.environ.get("TINKER_BASE_URL", "")):
            from tinkerer_plugin_tinker_local.server import TinkerLocalServer, default_data_dir, key_file

            data_dir = args.data_dir or default_data_dir()
            check_writable_folder(data_dir, "--data-dir")
            if key_file(data_dir).exists():
                raise ConfigError(
                    f"a local server already keeps its runs in {data_dir}: set TINKER_BASE_URL (and TINKER_API_KEY) "
                    "to use it, or pass another --data-dir"
                )
            server = stack.enter_context(TinkerLocalServer(data_dir, device=args.device))
            os.environ.update(TINKER_BASE_URL=server.base_url, TINKER_API_KEY=server.api_key)
        os.environ.setdefault("TINKER_TELEMETRY", "0")
        with contextlib.suppress(ImportError):  # without tinker-cookbook there is nothing to tell it
            from tinkerer_plugin_tinker_local.cookbook import use_local_models

            use_local_models()
        sys.argv = [target, *arguments]
        try:
            if args.module:
                runpy.run_module(args.module, run_name="__main__", alter_sys=True)
            else:
                runpy.run_path(target, run_name="__main__")
        except SystemExit as exit_:
            return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except Exception:  # the script's own failure: its traceback, as python would print it
            traceback.print_exc()
            return 1
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _models(args: argparse.Namespace) -> int:
    from tinkerer_plugin_tinker_local.catalog import MODELS

    for model in MODELS.values():
        print(f"{model.name}\t{model.description}")
    return 0
