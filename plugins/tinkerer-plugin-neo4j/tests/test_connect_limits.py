"""A Bolt server that accepts and never answers ends in our error within connect_timeout_s, never a hang."""

from __future__ import annotations

import time

import pytest

from tinkerer_core import ConfigError
from tinkerer_core.isolation import silent_server
from tinkerer_plugin_neo4j.graph_store import CONNECT_ATTEMPTS, GraphStoreError
from tinkerer_plugin_neo4j.navigation import LLMNavigation

LIMIT_S = 0.5
BOLT_5_4 = bytes([0, 0, 4, 5])  # the server's half of a Bolt handshake that agrees on version 5.4


@pytest.mark.parametrize(
    "greeting", [b"", BOLT_5_4], ids=["silent after accept", "silent after the handshake (no HELLO reply)"]
)
def test_a_server_that_never_answers_is_a_clear_error_within_the_limit(greeting: bytes) -> None:
    with silent_server(greeting) as port:
        uri = f"bolt://127.0.0.1:{port}"
        backend = LLMNavigation(uri=uri, connect_timeout_s=LIMIT_S)
        started = time.monotonic()
        with pytest.raises(GraphStoreError) as caught:
            backend.count()
        waited = time.monotonic() - started
    message = str(caught.value)
    assert f"cannot reach the graph server at {uri}" in message
    assert f"no Bolt answer within connect_timeout_s={LIMIT_S:g} s ({CONNECT_ATTEMPTS} attempts)" in message
    assert "Check that a Neo4j server runs there" in message
    assert waited < CONNECT_ATTEMPTS * LIMIT_S + 10  # bounded: the limit per attempt, not the driver's 60 s


def test_connect_timeout_must_be_positive() -> None:
    with pytest.raises(ConfigError, match=r"^connect_timeout_s must be greater than 0, got 0$"):
        LLMNavigation(connect_timeout_s=0)
