"""kg_graph_search end to end against real Weaviate and Neo4j, when WEAVIATE_URL and NEO4J_URI are set."""

from __future__ import annotations

import os
import uuid

import pytest

from tinkerer_core import KnowledgePage
from tinkerer_plugin_weaviate.graph_search import GraphSearch


def test_index_search_expand_clear_on_real_servers() -> None:
    missing = [name for name in ("WEAVIATE_URL", "NEO4J_URI") if not os.environ.get(name)]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not set: no real Weaviate/Neo4j to test kg_graph_search against")
    backend = GraphSearch(namespace=f"TinkererTest{uuid.uuid4().hex[:8]}")
    pages = [
        KnowledgePage(id="Workflow/train", title="train classifier", page_type="Workflow",
                      overview="Train a text classifier", content="...", edges=(("implemented_by", "Implementation/sk"),)),
        KnowledgePage(id="Implementation/sk", title="sklearn pipeline", page_type="Implementation",
                      overview="A scikit-learn pipeline", content="..."),
    ]  # fmt: skip
    try:
        assert backend.index(pages) == 2
        assert backend.count() == 2
        hits = backend.search("train a text classifier", top_k=1)
        assert hits[0].page.id == "Workflow/train"
        assert [p.id for p in hits[0].connected] == ["Implementation/sk"]
    finally:
        backend.clear()
        assert backend.count() == 0
        backend.close()
