"""kg_graph_search's search path: Weaviate candidates (recording client), model rerank, Neo4j expansion.

The graph half runs against falkordb's Bolt endpoint in a private network namespace (run by
``test_graph_search.py``), or against NEO4J_URI; collected directly it skips.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tinkerer_core import KnowledgePage, LLMConfig
from tinkerer_plugin_neo4j.testing import graph_server
from tinkerer_plugin_weaviate.graph_search import GraphSearch

SCRIPTED = "openai/gpt-4o-mini"  # litellm answers with mock_responses, never calling the provider

CORPUS = [
    KnowledgePage(id="Workflow/train_classifier", title="train classifier", page_type="Workflow",
                  overview="Train a text classifier end to end", content="Steps.", domains=("ml",),
                  edges=(("implemented_by", "Implementation/sklearn_pipeline"),)),
    KnowledgePage(id="Implementation/sklearn_pipeline", title="sklearn pipeline", page_type="Implementation",
                  overview="A scikit-learn text classifier pipeline with tf-idf", content="Code.", domains=("ml",)),
    KnowledgePage(id="Principle/caching", title="caching", page_type="Principle",
                  overview="Cache expensive results on disk", content="Why.", domains=("systems",)),
]  # fmt: skip


@pytest.fixture
def graph() -> Iterator[tuple[str, str]]:
    with graph_server() as found:
        if found is None:
            pytest.skip("needs a private network namespace (run via test_graph_search.py) or NEO4J_URI")
        yield found


@pytest.fixture
def make(graph, client) -> Iterator:
    uri, dialect = graph
    made: list[GraphSearch] = []

    def build(**fields: object) -> GraphSearch:
        backend = GraphSearch(namespace=f"Test{uuid.uuid4().hex[:8]}", uri=uri, dialect=dialect, **fields)
        backend.collection.attach(client)
        backend.index(CORPUS)
        made.append(backend)
        return backend

    yield build
    for backend in made:
        backend.clear()
        backend.close()


def test_vector_search_then_neighbour_expansion(make, client) -> None:
    backend = make()
    assert backend.count() == 3
    hits = backend.search("train a text classifier", top_k=1)
    assert [hit.page.id for hit in hits] == ["Workflow/train_classifier"]
    assert hits[0].page.edges == (("implemented_by", "Implementation/sklearn_pipeline"),)
    assert [page.id for page in hits[0].connected] == ["Implementation/sklearn_pipeline"]
    kind, args = client.calls[-1]
    assert kind == "near_vector" and args["limit"] == 2  # candidate_factor * top_k


def test_rerank_reorders_and_junk_keeps_vector_order(make) -> None:
    reply = '{"ranking": ["Implementation/sklearn_pipeline", "Workflow/train_classifier"]}'
    reranked = make(rerank=LLMConfig(model=SCRIPTED, mock_responses=(reply,)))
    assert reranked.search("train a text classifier", top_k=2)[0].page.id == "Implementation/sklearn_pipeline"
    junk = make(rerank=LLMConfig(model=SCRIPTED, mock_responses=('{"ranking": ["Nope/x"]}', "no idea")))
    assert junk.search("train a text classifier", top_k=2)[0].page.id == "Workflow/train_classifier"


def test_clear_removes_both_halves_of_its_namespace_only(make, client) -> None:
    mine, theirs = make(), make()
    mine.clear()
    assert mine.count() == 0 and mine.get("Principle/caching") is None
    assert theirs.count() == 3 and theirs.get("Principle/caching") == CORPUS[2]
    assert mine.namespace not in client.existing and theirs.namespace in client.existing
