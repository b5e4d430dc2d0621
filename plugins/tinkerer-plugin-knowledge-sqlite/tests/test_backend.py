"""kg_sqlite on real SQLite files with the real static embedder."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from tinkerer_core import ConfigError, create_component

from .conftest import CORPUS, backend

pytestmark = pytest.mark.usefixtures("embedder_ready")


@pytest.fixture
def kg(tmp_path: Path):
    store = backend(tmp_path / "kg.sqlite")
    store.index(CORPUS)
    yield store
    store.close()


def ids(hits) -> list[str]:
    return [hit.page.id for hit in hits]


def test_hybrid_search_finds_the_relevant_page_first(kg) -> None:
    assert ids(kg.search("what learning rate for LoRA adapters?", top_k=3))[0] == "Principle/lora_learning_rate"
    assert ids(kg.search("early stopping rounds", top_k=1)) == ["Heuristic/gbm_early_stopping"]


def test_vectors_find_pages_that_share_no_word_with_the_query(tmp_path: Path) -> None:
    store = backend(tmp_path / "kg.sqlite", keyword_weight=0.0)
    store.index(CORPUS)
    assert ids(store.search("decision tree ensembles for spreadsheets", top_k=2))[0] in {
        "Heuristic/gbm_early_stopping",
        "Workflow/kaggle_tabular",
    }
    keyword_only = backend(tmp_path / "kw.sqlite", embedder="none")
    keyword_only.index(CORPUS)
    assert keyword_only.search("spreadsheets") == []
    assert ids(keyword_only.search("LoraConfig rank alpha"))[0] == "Implementation/peft_lora_config"


def test_hits_carry_their_linked_pages(kg) -> None:
    hit = kg.search("learning rate for LoRA", top_k=1)[0]
    assert [page.id for page in hit.connected] == ["Implementation/peft_lora_config"]
    assert hit.page.edges == (("uses", "Implementation/peft_lora_config"),)
    assert hit.score > 0


def test_filters_by_page_type_and_domain(kg) -> None:
    assert set(ids(kg.search("learning rate", top_k=5, filters={"page_types": ["Implementation", "Environment"]}))) <= {
        "Implementation/peft_lora_config",
        "Environment/torch_peft",
    }
    assert set(ids(kg.search("validation", top_k=5, filters={"domains": ["tabular"]}))) == {
        "Heuristic/gbm_early_stopping",
        "Workflow/kaggle_tabular",
    }
    with pytest.raises(ConfigError, match="unknown knowledge filter 'kind'; filters are page_types and domains"):
        kg.search("x", filters={"kind": ["Workflow"]})


def test_neighbors_follow_edges_both_ways_up_to_the_depth(kg) -> None:
    one = [page.id for page in kg.neighbors("Implementation/peft_lora_config", depth=1)]
    assert sorted(one) == ["Environment/torch_peft", "Principle/lora_learning_rate"]
    assert [page.id for page in kg.neighbors("Principle/lora_learning_rate", depth=2)] == [
        "Implementation/peft_lora_config",
        "Environment/torch_peft",
    ]
    assert kg.neighbors("Workflow/unknown") == []


def test_updating_a_page_replaces_its_text_vector_and_edges(kg, tmp_path: Path) -> None:
    page = CORPUS[0]
    updated = replace(
        page, title="Warmup schedules", overview="Warm up for 100 steps.", content="Linear warmup.", edges=()
    )
    keyword_only = backend(tmp_path / "kw.sqlite", embedder="none")
    keyword_only.index(CORPUS)
    for store in (kg, keyword_only):
        store.index([updated])
        assert store.count() == len(CORPUS)
        assert store.get(page.id).title == "Warmup schedules"
        assert store.get(page.id).edges == ()
        assert ids(store.search("warmup schedules", top_k=1)) == [page.id]
    assert page.id not in ids(keyword_only.search("halve divergence"))  # the old text left the keyword index


def test_namespaces_share_a_file_and_clear_deletes_only_its_own(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    first, second = backend(path, namespace="first"), backend(path, namespace="second")
    first.index(CORPUS[:2])
    second.index(CORPUS[2:])
    assert (first.count(), second.count()) == (2, 3)
    assert "Environment/torch_peft" not in ids(first.search("torch peft install"))
    first.clear()
    assert (first.count(), second.count()) == (0, 3)
    assert first.search("learning rate") == []
    assert ids(second.search("torch peft install", top_k=1)) == ["Environment/torch_peft"]


def test_refs_reopen_the_same_index(kg) -> None:
    reopened = create_component("knowledge_backend", "kg_sqlite", kg.refs())
    assert reopened.count() == len(CORPUS)
    assert ids(reopened.search("early stopping", top_k=1)) == ["Heuristic/gbm_early_stopping"]


def test_an_index_keeps_its_embedder(kg) -> None:
    other = backend(Path(kg.path), embedder="none")
    with pytest.raises(ConfigError, match=r"was built with embedder 'static:.*', not 'none'"):
        other.index(CORPUS[:1])


WRITER = """
import sys
from tinkerer_core.components import KnowledgePage
from tinkerer_core.config import create_component
kg = create_component("knowledge_backend", "kg_sqlite", {"path": sys.argv[1], "namespace": "live"})
for batch in range(20):
    kg.index([KnowledgePage(f"Heuristic/h{batch}_{i}", f"tip {batch} {i}", "Heuristic", "an overview", "boosting trees " * 5) for i in range(25)])
print(kg.count())
"""

READER = """
import sys
from tinkerer_core.config import create_component
kg = create_component("knowledge_backend", "kg_sqlite", {"path": sys.argv[1], "namespace": "live"})
seen = 0
for _ in range(200):
    seen = max(seen, len(kg.search("boosting trees tip", top_k=10)))
print(seen)
"""


def test_a_writer_and_readers_in_other_processes_are_safe(tmp_path: Path) -> None:
    path = str(tmp_path / "live.sqlite")
    backend(Path(path), namespace="live").index(CORPUS[:1])
    run = lambda code: subprocess.Popen(  # noqa: E731
        [sys.executable, "-c", textwrap.dedent(code), path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    processes = [run(WRITER), run(READER), run(READER)]
    results = [process.communicate(timeout=120) for process in processes]
    assert all(process.returncode == 0 for process in processes), [err for _, err in results]
    assert int(results[0][0]) == 1 + 20 * 25
    assert all(int(out) >= 1 for out, _ in results[1:])
