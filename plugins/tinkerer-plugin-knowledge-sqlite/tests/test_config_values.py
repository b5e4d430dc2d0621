"""Bad kg_sqlite settings are refused when the backend is made, naming the field, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import ConfigError, Tinkerer, create_component


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"embedder": "sentence_transformer"},
            "embedder must be one of 'static', 'sentence_transformers', 'none', got 'sentence_transformer'; "
            "did you mean 'sentence_transformers'?",
        ),
        ({"namespace": "a b"}, "namespace must be 1-64 letters, digits, '_', '.', ':' or '-', got 'a b'"),
        ({"namespace": "docs\n"}, "namespace must be 1-64 letters, digits, '_', '.', ':' or '-', got 'docs\\n'"),
        ({"path": ""}, "path must be non-empty, got ''"),
        ({"vector_weight": -1.0}, "vector_weight must be at least 0, got -1.0"),
        (
            {"keyword_weight": 0.0, "vector_weight": 0.0},
            "keyword_weight and vector_weight are both 0: search would find nothing; keep one above 0",
        ),
    ],
)
def test_the_manager_refuses_bad_values(params: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        create_component("knowledge_backend", "kg_sqlite", params)
    assert str(raised.value) == f"knowledge backend 'kg_sqlite': {message}"


def test_index_kg_refuses_bad_backend_params_before_creating_the_database(tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    with pytest.raises(ConfigError) as raised:
        Tinkerer().index_kg(str(wiki), backend_params={"path": str(tmp_path / "kg.sqlite"), "connected_per_hit": -1})
    assert str(raised.value) == "knowledge backend 'kg_sqlite': connected_per_hit must be at least 0, got -1"
    assert not (tmp_path / "kg.sqlite").exists()
