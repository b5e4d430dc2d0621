"""Where training runs: the Tinker service when a key is set, otherwise a local Tinker-compatible server.

The same trainer code talks to both through the real ``tinker`` SDK; only the base URL and key differ.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tinkerer_core.errors import MissingPluginError

LOCAL_API_KEY = "tml-local"  # the SDK insists on a key shaped like Tinker's; the local server ignores it


@dataclass(frozen=True)
class Endpoint:
    """A Tinker API to train against."""

    base_url: str | None  # None: the SDK's default, the Tinker service
    local: bool

    @property
    def label(self) -> str:
        return f"local server {self.base_url}" if self.local else (self.base_url or "the Tinker service")


@contextmanager
def tinker_endpoint(base_url: str | None, data_dir: Path) -> Iterator[Endpoint]:
    """``base_url`` if given, else ``TINKER_BASE_URL``, else the service if ``TINKER_API_KEY`` is set, else a local server.

    A local server runs in this process for the duration of the block, keeping its runs and checkpoints in
    ``data_dir`` so a later run over the same directory resumes from them.
    """
    url = base_url or os.environ.get("TINKER_BASE_URL")
    if url or os.environ.get("TINKER_API_KEY"):
        yield Endpoint(url, local=False)
        return
    try:
        from tinkerer_plugin_tinker_local.catalog import register_cookbook_tokenizers
        from tinkerer_plugin_tinker_local.server import TinkerLocalServer
    except ImportError:
        raise MissingPluginError(
            "no TINKER_API_KEY is set and no local training server is installed; "
            "set TINKER_API_KEY for the Tinker service or: pip install tinkerer-plugin-tinker-local"
        ) from None
    register_cookbook_tokenizers()
    # the local server answers one request at a time: a queued request's "try_again" is expected, not news
    logging.getLogger("tinker.lib.api_future_impl").setLevel(logging.ERROR)
    with TinkerLocalServer(data_dir) as server, _local_key():
        yield Endpoint(server.base_url, local=True)


@contextmanager
def _local_key() -> Iterator[None]:
    """tinker-cookbook builds its own ``ServiceClient`` from the environment: give it the local placeholder key."""
    os.environ["TINKER_API_KEY"] = LOCAL_API_KEY
    try:
        yield
    finally:
        os.environ.pop("TINKER_API_KEY", None)


def renderer_for(base_model: str, renderer: str | None) -> str:
    """The chat renderer: the one asked for, the local catalogue's, or tinker-cookbook's recommendation."""
    if renderer:
        return renderer
    try:
        from tinkerer_plugin_tinker_local.catalog import MODELS

        if base_model in MODELS:
            return MODELS[base_model].renderer
    except ImportError:
        pass
    from tinker_cookbook.model_info import get_recommended_renderer_name

    return get_recommended_renderer_name(base_model)
