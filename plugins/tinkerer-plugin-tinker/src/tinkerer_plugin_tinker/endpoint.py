"""Where training runs: the Tinker service when a key is set, otherwise a local Tinker-compatible server.

The same trainer code talks to both through the real ``tinker`` SDK; only the base URL and key differ. A local
server (started here, or by ``tinkerer tinker-local serve``) lets only its owner in: its key is handed to the SDK
and to tinker-cookbook through ``TINKER_API_KEY`` while the block runs, with the SDK's telemetry off
(``TINKER_TELEMETRY=0``: it would only post back to the local server, and its thread outlives the server), and
tinker-cookbook learns the local models (its model table and tokenizers) the moment a local server is used.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tinkerer_core import MissingPluginError, TinkererError
from tinkerer_core.local_server_auth import check_reachable, is_loopback_url, read_key

TELEMETRY_ENV = "TINKER_TELEMETRY"  # the SDK's own switch; Tinkerer sets it to 0 for local servers
LOCAL_DATA_DIR = "tinker-local"  # a training run's folder for the runs and checkpoints of its own local server
CONNECT_TIMEOUT_S = 10.0  # how long a local server at TINKER_BASE_URL may take to answer before we give up


@dataclass(frozen=True)
class Endpoint:
    """A Tinker API to train against."""

    base_url: str | None  # None: the SDK's default, the Tinker service
    local: bool
    api_key: str | None = None  # a local server's key; the service's comes from TINKER_API_KEY

    @property
    def label(self) -> str:
        return f"local server {self.base_url}" if self.local else (self.base_url or "the Tinker service")


@contextmanager
def tinker_endpoint(base_url: str | None, data_dir: Path) -> Iterator[Endpoint]:
    """``base_url`` if given, else ``TINKER_BASE_URL``, else the service if ``TINKER_API_KEY`` is set, else a local server.

    A URL on this machine's loopback is a local server started with ``tinkerer tinker-local serve``: its key is
    ``TINKER_API_KEY`` when set, else the one it wrote to its default data dir, and it must answer within
    ``CONNECT_TIMEOUT_S``. Otherwise a local server runs in this process for the duration of the block, keeping its
    runs and checkpoints in ``data_dir`` so a later run over the same directory resumes from them.
    """
    url = base_url or os.environ.get("TINKER_BASE_URL")
    if url and is_loopback_url(url):
        key = os.environ.get("TINKER_API_KEY") or _served_key()
        _check_local_server(url, key)
        _cookbook_knows_local_models()
        with _local_client_env(key):
            yield Endpoint(url, local=True, api_key=key)
        return
    if url or os.environ.get("TINKER_API_KEY"):
        yield Endpoint(url, local=False)
        return
    with local_endpoint(data_dir) as endpoint:
        yield endpoint


@contextmanager
def local_endpoint(data_dir: Path, *, key_in_environment: bool = True) -> Iterator[Endpoint]:
    """A local server running in this process for the duration of the block, over the runs and checkpoints kept
    in ``data_dir`` (a training run's ``tinker-local`` folder); ``key_in_environment=False`` leaves its key out of
    ``TINKER_API_KEY`` (for clients given ``Endpoint.api_key`` themselves)."""
    try:
        from tinkerer_plugin_tinker_local.server import TinkerLocalServer
    except ImportError:
        raise MissingPluginError(
            "no TINKER_API_KEY is set and no local training server is installed; "
            "set TINKER_API_KEY for the Tinker service or: pip install tinkerer-plugin-tinker-local"
        ) from None
    _cookbook_knows_local_models()
    with TinkerLocalServer(data_dir) as server, _local_client_env(server.api_key if key_in_environment else None):
        yield Endpoint(server.base_url, local=True, api_key=server.api_key)


def _cookbook_knows_local_models() -> None:
    """Add the local models to tinker-cookbook's model table and tokenizers (when the local plugin is installed)."""
    try:
        from tinkerer_plugin_tinker_local.cookbook import use_local_models
    except ImportError:
        return  # a server of another make at TINKER_BASE_URL: its models are its business
    use_local_models()


def _served_key() -> str | None:
    """The key of the server ``tinkerer tinker-local serve`` runs over its default data dir, if one runs."""
    try:
        from tinkerer_plugin_tinker_local.server import default_data_dir, key_file
    except ImportError:
        return None
    return read_key(key_file(default_data_dir()))


def _check_local_server(url: str, key: str | None) -> None:
    """Fail fast with what to do when the local server at ``url`` is down or refuses ``key`` (the SDK retries 5 min)."""
    try:
        check_reachable(f"{url.rstrip('/')}/api/v1/healthz", key, CONNECT_TIMEOUT_S, "local Tinker server")
    except TinkererError as error:
        raise TinkererError(
            f"{error}: start it with `tinkerer tinker-local serve` and set TINKER_API_KEY to the key it prints "
            "(or unset TINKER_BASE_URL to train on a local server of this run's own)"
        ) from None


@contextmanager
def _local_client_env(key: str | None) -> Iterator[None]:
    """The local server's key in ``TINKER_API_KEY`` (tinker-cookbook builds its own ``ServiceClient``) and telemetry
    off unless ``TINKER_TELEMETRY`` says otherwise; the environment is restored afterwards."""
    saved = {name: os.environ.get(name) for name in ("TINKER_API_KEY", TELEMETRY_ENV)}
    if key:
        os.environ["TINKER_API_KEY"] = key
    os.environ.setdefault(TELEMETRY_ENV, "0")
    # the local server answers one request at a time: a queued request's "try_again" is expected, not news
    logging.getLogger("tinker.lib.api_future_impl").setLevel(logging.ERROR)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
