"""The Weaviate calls kg_graph_search makes: schema, batches, queries and clear, checked on a recording client."""

from __future__ import annotations

import subprocess
import sys

import pytest
from weaviate.classes.config import DataType
from weaviate.util import generate_uuid5

from tinkerer_core import ConfigError, KnowledgePage
from tinkerer_plugin_weaviate.collection import WeaviateCollection, weaviate_filters
from tinkerer_plugin_weaviate.embedder import hashed_vector


def pages(n: int) -> list[KnowledgePage]:
    return [
        KnowledgePage(id=f"Principle/p{i}", title=f"page {i}", page_type="Principle", overview=f"topic {i} words",
                      content="c", domains=("ml",) if i % 2 else ("web",))
        for i in range(n)
    ]  # fmt: skip


def collection(client: object, **kwargs: object) -> WeaviateCollection:
    return WeaviateCollection(lambda: client, "TestWiki", **kwargs)


def test_creates_the_seed_schema_once_with_self_provided_vectors(client) -> None:
    wiki = collection(client)
    wiki.upsert(pages(1), [hashed_vector("x", 8)])
    wiki.upsert(pages(1), [hashed_vector("x", 8)])
    creates = [args for name, args in client.calls if name == "create"]
    assert len(creates) == 1 and creates[0]["name"] == "TestWiki"
    schema = {prop.name: prop.dataType for prop in creates[0]["properties"]}
    text = {name: DataType.TEXT for name in ("page_id", "page_title", "page_type", "overview", "content")}
    assert schema == {**text, "domains": DataType.TEXT_ARRAY}
    assert creates[0]["vector_config"].vectorizer.vectorizer.value == "none"


def test_named_vectorizer_is_configured_and_bad_names_are_refused(client) -> None:
    collection(client, vectorizer="text2vec-openai").upsert(pages(1), None)
    create = next(args for name, args in client.calls if name == "create")
    assert create["vector_config"].vectorizer.vectorizer.value == "text2vec-openai"
    with pytest.raises(ValueError, match="unknown Weaviate vectorizer 'no-such'"):
        WeaviateCollection(lambda: client, "FreshWiki", vectorizer="no-such").upsert(pages(1), None)


def test_upserts_in_batches_replacing_by_page_id_with_deterministic_uuids(client) -> None:
    wiki = collection(client, batch_size=2)
    vectors = [hashed_vector(p.overview, 16) for p in pages(5)]
    assert wiki.upsert(pages(5), vectors) == 5
    inserts = [args for name, args in client.calls if name == "insert_many"]
    assert [len(batch) for batch in inserts] == [2, 2, 1]
    first = inserts[0][0]
    assert first.uuid == generate_uuid5("Principle/p0") and first.vector == vectors[0]
    assert first.properties["domains"] == ["web"]
    deletes = [args for name, args in client.calls if name == "delete_many"]
    assert deletes[0].target == "page_id" and deletes[0].value == ["Principle/p0", "Principle/p1"]
    wiki.upsert(pages(5), vectors)  # again: replaced, not duplicated
    assert wiki.count() == 5


def test_near_vector_query_with_filters_returns_similarities(client) -> None:
    wiki = collection(client)
    corpus = pages(4)
    wiki.upsert(corpus, [hashed_vector(p.overview, 64) for p in corpus])
    query = hashed_vector("topic 2 words", 64)
    rows = wiki.query("topic 2 words", query, 3, {"domains": ["web"]})
    kind, args = client.calls[-1]
    assert kind == "near_vector" and args["limit"] == 3 and args["near_vector"] == query
    assert args["filters"].target == "domains" and args["filters"].value == ["web"]
    assert rows[0][0]["page_id"] == "Principle/p2" and rows[0][1] == pytest.approx(1.0)


def test_near_text_when_the_server_embeds(client) -> None:
    wiki = collection(client, vectorizer="text2vec-openai")
    wiki.upsert(pages(1), None)
    wiki.query("find me", None, 4, None)
    assert client.calls[-1] == ("near_text", {"query": "find me", "limit": 4, "filters": None})


def test_filters_combine_and_unknown_ones_are_refused() -> None:
    both = weaviate_filters({"page_types": ["Workflow"], "domains": ["ml"]})
    assert [f.target for f in both.filters] == ["page_type", "domains"]
    assert weaviate_filters(None) is None
    with pytest.raises(ValueError, match="unknown filters \\['tags'\\]: use page_types and/or domains"):
        weaviate_filters({"tags": ["x"]})


def test_clear_deletes_only_its_collection(client) -> None:
    collection(client).upsert(pages(1), [hashed_vector("x", 8)])
    other = WeaviateCollection(lambda: client, "OtherWiki")
    other.upsert(pages(1), [hashed_vector("x", 8)])
    collection(client).clear()
    assert ("delete", "TestWiki") in client.calls and "OtherWiki" in client.existing
    assert collection(client).count() == 0 and collection(client).query("x", [1.0] * 8, 3, None) == []


def test_hashed_vectors_are_deterministic_unit_vectors() -> None:
    a = hashed_vector("Train a classifier", 64)
    assert a == hashed_vector("train a CLASSIFIER", 64)
    assert sum(x * x for x in a) == pytest.approx(1.0)
    assert hashed_vector("", 8) == [0.0] * 8


def test_listing_plugins_imports_no_driver_or_sdk() -> None:
    code = (
        "import sys, tinkerer_plugin_weaviate.plugin, tinkerer_plugin_neo4j.plugin;"
        "print(sorted(m for m in ('neo4j', 'weaviate', 'grpc') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_client_side_vectors_come_from_the_static_model_unless_hashed_is_chosen() -> None:
    from tinkerer_plugin_weaviate.graph_search import GraphSearch

    static = GraphSearch()._embed(["learning rate for LoRA adapters", "choosing the LoRA rank", "baking bread"])
    assert [len(vector) for vector in static] == [256, 256, 256]
    similarity = [sum(a * b for a, b in zip(static[0], other, strict=True)) for other in static[1:]]
    assert similarity[0] > similarity[1] + 0.2  # related texts are nearer than unrelated ones
    assert GraphSearch(embedder="hashed", dimensions=32)._embed(["x"]) == [hashed_vector("x", 32)]
    with pytest.raises(ConfigError, match=r"^embedder must be one of 'static', 'hashed', got 'bert'$"):
        GraphSearch(embedder="bert")
