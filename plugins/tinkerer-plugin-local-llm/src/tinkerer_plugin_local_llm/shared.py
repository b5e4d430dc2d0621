"""One ``LocalModelServer`` per model and settings, shared by every agent of the process until it exits."""

from __future__ import annotations

import atexit
import threading

from tinkerer_plugin_local_llm.launcher import LocalModelServer

_servers: dict[tuple[str, int, int], LocalModelServer] = {}
_lock = threading.Lock()


def shared_server(model: str, *, ctx_size: int, threads: int) -> LocalModelServer:
    """A running server for local model ``model``, started on first use (again if it died) and kept until exit."""
    key = (model, ctx_size, threads)
    with _lock:
        server = _servers.get(key)
        if server is None or server.process is None or server.process.poll() is not None:
            if server is not None:
                server.stop()
            server = LocalModelServer(model=model, port=0, threads=threads, ctx_size=ctx_size).start()
            _servers[key] = server
        return server


def stop_shared_servers() -> None:
    """Stop every shared server this process started."""
    with _lock:
        for server in _servers.values():
            server.stop()
        _servers.clear()


atexit.register(stop_shared_servers)
