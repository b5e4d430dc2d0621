"""Bad kg_graph_search settings are refused before any connection, naming the field, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import ConfigError, create_component
from tinkerer_core.cli import main


def test_index_kg_refuses_a_url_without_a_scheme_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:7687")
    monkeypatch.setenv("WEAVIATE_URL", "127.0.0.1:8080")
    (tmp_path / "wiki").mkdir()
    assert main(["index-kg", "--wiki-dir", "wiki", "--search-type", "kg_graph_search"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: knowledge backend 'kg_graph_search': url must be an http(s)://host[:port] address, "
        "e.g. http://127.0.0.1:8080, got '127.0.0.1:8080'"
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"grpc_port": 0}, "grpc_port must be a port number from 1 to 65535, got 0"),
        ({"embedder": "hash"}, "embedder must be one of 'static', 'hashed', got 'hash'; did you mean 'hashed'?"),
        (
            {"namespace": "wiki"},
            "namespace must be a Weaviate collection name: a capital letter, then letters, digits or _ "
            "(e.g. TinkererWiki), got 'wiki'",
        ),
        (
            {"vectorizer": "text2vec openai"},
            "vectorizer must be '' (vectors made here) or a Weaviate vectorizer name like text2vec-openai, "
            "got 'text2vec openai'",
        ),
        ({"dimensions": 0}, "dimensions must be at least 1, got 0"),
        (
            {"request_timeout_s": float("inf")},
            "request_timeout_s must be a finite number (not NaN or infinity), got inf",
        ),
    ],
)
def test_the_manager_refuses_bad_values(params: dict, message: str) -> None:
    base = {"uri": "bolt://127.0.0.1:7687", "url": "http://127.0.0.1:8080"}
    with pytest.raises(ConfigError) as raised:
        create_component("knowledge_backend", "kg_graph_search", {**base, **params})
    assert str(raised.value) == f"knowledge backend 'kg_graph_search': {message}"
