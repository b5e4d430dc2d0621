"""Registers the `kg_sqlite` knowledge backend and the `tinkerer knowledge build-embedder` command."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tinkerer_core import hookimpl


@hookimpl
def tinkerer_register_knowledge_backends(register: Any) -> None:
    """Register the embedded knowledge backend."""
    from tinkerer_plugin_knowledge_sqlite.backend import SqliteKnowledge

    register("kg_sqlite", SqliteKnowledge)


@hookimpl
def tinkerer_register_commands(subparsers: Any) -> None:
    """Add `tinkerer knowledge build-embedder`."""
    knowledge = subparsers.add_parser("knowledge", help="the embedded knowledge store (kg_sqlite)")
    actions = knowledge.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser("build-embedder", help="distill the offline static embedding model (about a minute)")
    build.add_argument("--output", type=Path, help="where to write it (default: the cache kg_sqlite reads)")
    build.set_defaults(handler=_build_embedder)


def _build_embedder(args: argparse.Namespace) -> int:
    import json

    from tinkerer_core.cli_args import check_writable_folder
    from tinkerer_plugin_knowledge_sqlite.static_embedder import META_FILE, build, default_model_dir

    output = args.output or default_model_dir()
    check_writable_folder(output.parent, "--output")  # before a minute of work, not after
    model_dir = build(output)
    print(f"{model_dir}: {json.loads((model_dir / META_FILE).read_text())}")
    return 0
