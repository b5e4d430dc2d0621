"""``python -m tinkerer_plugin_local_llm.server``: an OpenAI-compatible HTTP server for a local model.

llama.cpp's own server (through ``xllamacpp``) answers ``/v1/chat/completions`` (with SSE streaming),
``/v1/completions``, ``/v1/models`` and ``/health``, bound to 127.0.0.1 only.

Only its owner gets in: every route but ``/health`` needs the server's key (``Authorization: Bearer <key>``, else
401). The key is ``$TINKERER_LOCAL_LLM_API_KEY`` when a launcher sets it, else made at start; ``--key-file`` stores
it with mode 0600 for the owner's clients, and a server in the foreground prints it. llama.cpp's HTTP server has no
``Host`` or ``Origin`` check of its own: a page the owner opens (DNS rebinding included) cannot learn the key, so
its requests end in 401 all the same.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from tinkerer_core import TinkererError
from tinkerer_core.cli_args import check_bindable, port
from tinkerer_core.local_server_auth import new_key, remove_key, write_key
from tinkerer_plugin_local_llm.engine import MAX_THREADS, Engine, EngineSettings
from tinkerer_plugin_local_llm.models import DEFAULT_MODEL, MODELS

KEY_ENV = "TINKERER_LOCAL_LLM_API_KEY"  # a launcher's key for the server it starts; unset: a fresh one


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The server's options: ``--model``, ``--port``, ``--threads``, ``--ctx-size``, ``--exit-with-parent``."""
    parser.add_argument("--model", default=DEFAULT_MODEL, choices=sorted(MODELS), help="local model name")
    parser.add_argument("--port", type=port, default=0, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--threads", type=int, default=1, help=f"CPU threads (1-{MAX_THREADS})")
    parser.add_argument(
        "--ctx-size", type=int, default=2048, help="context window in tokens (0: the model's own, else 16 up to it)"
    )
    parser.add_argument("--exit-with-parent", action="store_true", help="stop when the launching process dies")
    parser.add_argument("--key-file", type=Path, default=None, help="store the API key here (mode 0600) while serving")


def serve(args: argparse.Namespace) -> int:
    """Load the model, print its URL, serve until SIGINT or SIGTERM (or the parent exits, with --exit-with-parent)."""
    settings = EngineSettings(args.model, args.threads, args.ctx_size)  # values llama.cpp would abort on are refused
    check_bindable("127.0.0.1", args.port)
    parent = os.getppid()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    key = os.environ.get(KEY_ENV) or new_key("sk-local-")
    engine = Engine(settings, port=args.port, api_key=key)
    if args.key_file:
        write_key(args.key_file, key)
    print(f"serving {args.model} at {engine.url}/v1 with API key {key} (Ctrl-C stops)", flush=True)
    try:
        while not stop.wait(1.0):
            if args.exit_with_parent and os.getppid() != parent:
                break
    finally:
        if args.key_file:
            remove_key(args.key_file, key)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tinkerer_plugin_local_llm.server [options]``."""
    parser = argparse.ArgumentParser(
        prog="tinkerer-local-llm-server", description="Serve a local model over OpenAI-compatible HTTP on 127.0.0.1."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return serve(args)
    except TinkererError as error:
        parser.exit(2, f"error: {error}\n")


if __name__ == "__main__":
    sys.exit(main())
