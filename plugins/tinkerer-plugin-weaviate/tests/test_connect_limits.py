"""A Weaviate address that accepts and never answers ends in our error within connect_timeout_s."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tinkerer_core import ConfigError, TinkererError
from tinkerer_core.isolation import silent_server
from tinkerer_plugin_weaviate.graph_search import GraphSearch

LIMIT_S = 0.5
KEY = "never-shown-key-42"


class MetaOnly(BaseHTTPRequestHandler):
    """Weaviate's REST side as far as connecting goes: ``/v1/meta`` answers, the rest is 404."""

    def do_GET(self) -> None:
        found = self.path == "/v1/meta"
        body = json.dumps({"version": "1.30.0"} if found else {}).encode()
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@contextmanager
def rest_only() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), MetaOnly)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def connect_error(http_port: int, grpc_port: int) -> tuple[str, float]:
    """The message of connecting to these ports, and how long it took."""
    backend = GraphSearch(
        url=f"http://127.0.0.1:{http_port}", grpc_port=grpc_port, api_key_env="TEST_WEAVIATE_KEY",
        connect_timeout_s=LIMIT_S, request_timeout_s=60.0,
    )  # fmt: skip
    started = time.monotonic()
    with pytest.raises(TinkererError) as caught:
        backend.count()
    return str(caught.value), time.monotonic() - started


@pytest.mark.parametrize("with_key", [True, False], ids=["API key", "no key"])
def test_a_silent_rest_port_is_a_clear_error_within_the_limit(monkeypatch: pytest.MonkeyPatch, with_key: bool) -> None:
    if with_key:
        monkeypatch.setenv("TEST_WEAVIATE_KEY", KEY)  # the SDK would read /meta with the 60 s request timeout
    else:
        monkeypatch.delenv("TEST_WEAVIATE_KEY", raising=False)
    with silent_server() as http_port, silent_server() as grpc_port:
        message, waited = connect_error(http_port, grpc_port)
    expected = f"cannot connect to Weaviate at http://127.0.0.1:{http_port} (gRPC port {grpc_port})"
    assert f"{expected} within connect_timeout_s=0.5 s" in message
    assert "check that Weaviate runs there" in message and "TEST_WEAVIATE_KEY" in message
    assert KEY not in message
    assert waited < LIMIT_S + 10  # bounded by our limit, not by the 60 s request timeout


def test_a_silent_grpc_port_is_a_clear_error_within_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_WEAVIATE_KEY", KEY)
    with rest_only() as http_port, silent_server() as grpc_port:
        message, waited = connect_error(http_port, grpc_port)
    assert f"(gRPC port {grpc_port}) within connect_timeout_s=0.5 s" in message
    assert "gRPC health check" in message and KEY not in message
    assert waited < LIMIT_S + 10


def test_request_timeout_must_be_positive() -> None:
    with pytest.raises(ConfigError, match=r"^request_timeout_s must be greater than 0, got 0$"):
        GraphSearch(request_timeout_s=0)
